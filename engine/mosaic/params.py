"""Parameters of the AstroDrizzle-like sequence: sky, static mask, cosmic rays, final drizzle."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CosmicRayParams", "DrizzleParams", "SkyParams", "good_pixel_mask"]

#: Sky methods (AstroDrizzle ``skymethod``) and statistics (``skystat``).
SKY_METHODS = ("localmin", "globalmin", "match", "globalmin+match")
SKY_STATS = ("mode", "median", "mean")
#: Median-step combination types (AstroDrizzle ``combine_type``).
COMBINE_TYPES = ("median", "minmed", "mean")
#: Drizzle kernels of the ``drizzle`` package.
KERNELS = ("square", "point", "turbo", "gaussian", "lanczos2", "lanczos3")


@dataclass(frozen=True)
class SkyParams:
    """How the sky is measured and subtracted (AstroDrizzle step 2)."""

    subtract: bool = True
    """Subtract a sky value from every chip before drizzling."""
    method: str = "match"
    """One of ``SKY_METHODS``."""
    stat: str = "mode"
    """One of ``SKY_STATS``: statistic of the clipped pixel values."""
    width: float = 0.1
    """Histogram bin width of the mode, in units of the clipped standard deviation."""
    lower: float | None = -100.0
    """Pixels below this (input units) are ignored; None: no lower limit."""
    upper: float | None = None
    """Pixels above this (input units) are ignored; None: no upper limit."""
    clip: int = 5
    """Number of sigma-clipping iterations."""
    lsigma: float = 4.0
    """Lower clipping limit in standard deviations."""
    usigma: float = 4.0
    """Upper clipping limit in standard deviations."""


@dataclass(frozen=True)
class CosmicRayParams:
    """The single drizzles, median, blot and ``driz_cr`` steps (AstroDrizzle steps 3-6)."""

    enabled: bool = True
    """Run cosmic-ray rejection (skipped anyway for a single exposure)."""
    static_mask: bool = True
    """Mask pixels far below the chip's sky mode in every exposure (AstroDrizzle step 1)."""
    static_sig: float = 4.0
    """Static-mask threshold, standard deviations below the mode."""
    driz_sep_kernel: str = "turbo"
    """Kernel of the single (per-exposure) drizzles."""
    driz_sep_pixfrac: float = 1.0
    """Drop size of the single drizzles."""
    combine_type: str = "median"
    """One of ``COMBINE_TYPES``."""
    combine_nlow: int = 0
    """Lowest values rejected per pixel before the median."""
    combine_nhigh: int = 1
    """Highest values rejected per pixel before the median."""
    combine_maskpt: float = 0.3
    """Single-drizzle pixels weighted below this fraction of the image's mean weight are ignored."""
    combine_nsigma: tuple[float, float] = (4.0, 3.0)
    """``minmed`` significances for taking the minimum instead of the median (first, grown)."""
    combine_grow: int = 1
    """``minmed`` radius (pixels) around pixels where the minimum is taken."""
    blot_interp: str = "poly5"
    """Interpolation of the blot (``drizzle.resample.blot_image``)."""
    driz_cr_snr: tuple[float, float] = (5.0, 4.0)
    """Signal-to-noise thresholds of the two ``driz_cr`` passes."""
    driz_cr_scale: tuple[float, float] = (3.0, 2.4)
    """Multipliers of the blotted image's derivative in the two passes."""
    driz_cr_grow: int = 1
    """Side (pixels) of the box grown around cosmic-ray pixels (1: no growth)."""
    crbit: int = 4096
    """DQ bit written for cosmic rays into the input copies."""
    resetbits: int = 4096
    """DQ bits cleared in the inputs before rejection (0: keep earlier flags)."""


@dataclass(frozen=True)
class DrizzleParams:
    """The final drizzle of a product (AstroDrizzle step 7)."""

    kernel: str = "square"
    """One of ``KERNELS``."""
    pixfrac: float = 1.0
    """Drop size as a fraction of the input pixel."""
    final_bits: int = 528
    """DQ bits treated as good (sum of bit values); all other set bits mask the pixel."""
    fillval: float | None = None
    """Value of output pixels without data; None (AstroDrizzle INDEF) leaves them at 0."""
    wht_type: str = "EXP"
    """Input weighting: ``EXP`` (exposure time) is the only one implemented."""
    units: str = "cps"
    """Output units: ``cps`` (e-/s) or ``counts`` (e-)."""


def good_pixel_mask(dq: np.ndarray, good_bits: int) -> np.ndarray:
    """True where a DQ array has no bits set other than ``good_bits``.

    Examples
    --------
    >>> import numpy as np
    >>> good_pixel_mask(np.array([0, 16, 32, 4096]), 16 + 512).tolist()
    [True, True, False, False]
    """
    return (np.asarray(dq).astype(np.int64) & ~int(good_bits)) == 0
