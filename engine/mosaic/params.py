"""Parameters of the AstroDrizzle-like sequence: sky, static mask, cosmic rays, final drizzle.

Field names follow AstroDrizzle's parameters (``driz_cr_snr``, ``combine_nhigh``, ...) so the
values of spec §7.3 can be copied; pairs (``"5.0 4.0"`` in AstroDrizzle) are two-item lists.
The drizzle steps' configs extend :class:`FilterProductParams` and :class:`TotalProductParams`:
each field here is a recipe key, its docstring the schema description and its
:func:`~hapsvm.bounds.constrained` bounds the schema's limits.
"""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import numpy as np

from hapsvm.bounds import constrained
from hapsvm.mosaic.parallel import PARALLEL_MIN_PIXELS

__all__ = ["CosmicRayParams", "DrizzleParams", "ExposureDrizzleParams", "FilterProductParams",
           "ProductParams", "SkyParams", "TotalProductParams", "good_pixel_mask"]

#: Sky methods (AstroDrizzle ``skymethod``) and statistics (``skystat``).
SKY_METHODS = ("localmin", "globalmin", "match", "globalmin+match")
SKY_STATS = ("mode", "median", "mean")
#: Median-step combination types (AstroDrizzle ``combine_type``).
COMBINE_TYPES = ("median", "minmed", "mean")
#: Drizzle kernels of the ``drizzle`` package.
KERNELS = ("square", "point", "turbo", "gaussian", "lanczos2", "lanczos3")
#: Interpolations of the blot (``drizzle.resample.blot_image``).
BLOT_INTERPOLATIONS = ("nearest", "linear", "poly3", "poly5", "lanczos3", "lanczos5")

_PAIR = {"minItems": 2, "maxItems": 2}


@dataclass(frozen=True)
class SkyParams:
    """Sky measurement and subtraction (AstroDrizzle ``skysub`` step)."""

    subtract: bool = True
    """Subtract a sky value from every chip."""
    method: str = constrained("match", enum=list(SKY_METHODS))
    """localmin, globalmin, match (equalise overlaps; the lowest keeps its sky), globalmin+match."""
    stat: str = constrained("mode", enum=list(SKY_STATS))
    """Statistic of the clipped sky pixels."""
    width: float = constrained(0.1, exclusiveMinimum=0)
    """Mode histogram bin, in clipped standard deviations (skywidth)."""
    lower: float | None = -100.0
    """Ignore pixels below this, input units (skylower); null: no limit."""
    upper: float | None = None
    """Ignore pixels above this, input units (skyupper); null: no limit."""
    clip: int = constrained(5, minimum=0)
    """Sigma-clipping iterations (skyclip)."""
    lsigma: float = constrained(4.0, exclusiveMinimum=0)
    """Lower clipping limit, standard deviations (skylsigma)."""
    usigma: float = constrained(4.0, exclusiveMinimum=0)
    """Upper clipping limit, standard deviations (skyusigma)."""


@dataclass(frozen=True)
class CosmicRayParams:
    """Static mask, single drizzles, median, blot and driz_cr (AstroDrizzle steps 1, 3-6)."""

    enabled: bool = True
    """Reject cosmic rays (needs at least two exposures)."""
    static_mask: bool = True
    """Mask pixels far below the sky mode in every exposure (static)."""
    static_sig: float = constrained(4.0, exclusiveMinimum=0)
    """Static-mask threshold, standard deviations below the mode."""
    driz_sep_kernel: str = constrained("turbo", enum=list(KERNELS))
    """Kernel of the single drizzles."""
    driz_sep_pixfrac: float = constrained(1.0, exclusiveMinimum=0, maximum=1)
    """Drop size of the single drizzles."""
    combine_type: str = constrained("median", enum=list(COMBINE_TYPES))
    """How the single drizzles are combined into the CR-free model."""
    combine_nlow: int = constrained(0, minimum=0)
    """Lowest values rejected per pixel."""
    combine_nhigh: int = constrained(1, minimum=0)
    """Highest values rejected per pixel."""
    combine_maskpt: float = constrained(0.3, minimum=0, maximum=1)
    """Ignore single-drizzle pixels weighted below this fraction of the image's mean weight."""
    combine_nsigma: list[float] = constrained([4.0, 3.0], **_PAIR)
    """minmed significances: minimum instead of median, then around such pixels."""
    combine_grow: int = constrained(1, minimum=0)
    """minmed radius (pixels) around pixels where the minimum is taken."""
    blot_interp: str = constrained("poly5", enum=list(BLOT_INTERPOLATIONS))
    """Interpolation of the blot."""
    driz_cr_snr: list[float] = constrained([5.0, 4.0], **_PAIR)
    """S/N thresholds of the two driz_cr passes."""
    driz_cr_scale: list[float] = constrained([3.0, 2.4], **_PAIR)
    """Multipliers of the model derivative in the two passes."""
    driz_cr_grow: int = constrained(1, minimum=1)
    """Side of the box grown around CR pixels (1: none)."""
    crbit: int = constrained(4096, minimum=1, maximum=32768)
    """DQ bit written for cosmic rays into the renamed copies."""
    resetbits: int = constrained(4096, minimum=0, maximum=65535)
    """DQ bits cleared before rejection (0 keeps earlier flags)."""


@dataclass(frozen=True)
class DrizzleParams:
    """The final drizzle of a product (AstroDrizzle step 7)."""

    kernel: str = constrained("square", enum=list(KERNELS))
    """Drizzle kernel."""
    pixfrac: float = constrained(1.0, exclusiveMinimum=0, maximum=1)
    """Drop size as a fraction of the input pixel."""
    final_bits: int = constrained(528, minimum=0, maximum=65535)
    """DQ bits treated as good (sum of bit values)."""
    fillval: float | None = None
    """Value of pixels without data; null (AstroDrizzle INDEF) leaves them at 0."""
    wht_type: str = constrained("EXP", enum=["EXP"])
    """Weighting of the inputs: exposure time."""
    units: str = constrained("cps", enum=["cps", "counts"])
    """Output units: e-/s or e-."""


@dataclass(frozen=True)
class ExposureDrizzleParams(DrizzleParams):
    """The drizzle of each exposure product (AstroDrizzle ``single_hap_basic``: no sky, no CR)."""

    final_bits: int = constrained(65535, minimum=0, maximum=65535)
    """DQ bits treated as good (65535: every pixel)."""


@dataclass(frozen=True)
class ProductParams(DrizzleParams):
    """A drizzle product: its final drizzle (the fields of :class:`DrizzleParams`), its sky,
    its header rules and the processes and memory it may use."""

    sky: SkyParams = field(default_factory=SkyParams)
    """Sky subtraction of the product's exposures."""
    header_rules: str = constrained("wfc3", pattern="^[a-z0-9_]+$")
    """conf/header_rules/<name>.rules (<name>_single.rules for exposure products)."""
    max_workers: int = constrained(2, minimum=1)
    """Processes for the per-exposure work (sky, single drizzles, blot, exposure products) and
    the final drizzle's two halves."""
    max_memory_gib: float = constrained(2.0, exclusiveMinimum=0)
    """Memory budget, GiB: fewer processes run at once when their arrays would not fit."""
    min_parallel_pixels: int = constrained(PARALLEL_MIN_PIXELS, minimum=0)
    """Input pixels (all chips of the product's exposures) from which the per-exposure work
    and the final drizzle run in worker processes; fewer: all in one (start-up would dominate)."""


@dataclass(frozen=True)
class FilterProductParams(ProductParams):
    """A filter product (with cosmic-ray rejection) and the exposure products of its members."""

    cosmic_rays: CosmicRayParams = field(default_factory=CosmicRayParams)
    """Static mask and cosmic-ray rejection of the filter product."""
    exposure: ExposureDrizzleParams = field(default_factory=ExposureDrizzleParams)
    """Final drizzle of each exposure product (no sky, no CR rejection)."""


@dataclass(frozen=True)
class TotalProductParams(ProductParams):
    """A detector's total product: no CR rejection (the filter products' DQ flags are honoured)."""

    static_mask: bool = True
    """Mask pixels far below the sky mode (AstroDrizzle static mask)."""
    static_sig: float = constrained(4.0, exclusiveMinimum=0)
    """Static-mask threshold, standard deviations below the mode."""

    def static_mask_params(self) -> CosmicRayParams:
        """The static mask of the total, as cosmic-ray parameters with rejection off."""
        return CosmicRayParams(enabled=False, static_mask=self.static_mask,
                               static_sig=self.static_sig, resetbits=0)


def good_pixel_mask(dq: np.ndarray, good_bits: int) -> np.ndarray:
    """True where a DQ array has no bits set other than ``good_bits``.

    Examples
    --------
    >>> import numpy as np
    >>> good_pixel_mask(np.array([0, 16, 32, 4096]), 16 + 512).tolist()
    [True, True, False, False]
    """
    return (np.asarray(dq).astype(np.int64) & ~int(good_bits)) == 0
