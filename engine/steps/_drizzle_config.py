"""Config sections shared by the drizzle steps (not a step): sky, cosmic rays, final drizzle.

Field names follow AstroDrizzle's parameters (``driz_cr_snr``, ``combine_nhigh``, ...) so the
values of spec §7.3 can be copied; pairs (``"5.0 4.0"`` in AstroDrizzle) are two-item lists.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from hapsvm.core import constrained
from hapsvm.mosaic.params import (COMBINE_TYPES, KERNELS, SKY_METHODS, SKY_STATS, CosmicRayParams,
                                  DrizzleParams, SkyParams)

_PAIR = {"minItems": 2, "maxItems": 2}


@dataclass(frozen=True)
class SkySubtractionConfig:
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

    def params(self) -> SkyParams:
        """The domain parameters."""
        return SkyParams(**asdict(self))


@dataclass(frozen=True)
class CosmicRayConfig:
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
    blot_interp: str = constrained("poly5", enum=["nearest", "linear", "poly3", "poly5",
                                                  "lanczos3", "lanczos5"])
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

    def params(self) -> CosmicRayParams:
        """The domain parameters."""
        values = asdict(self)
        for key in ("combine_nsigma", "driz_cr_snr", "driz_cr_scale"):
            values[key] = tuple(values[key])
        return CosmicRayParams(**values)


@dataclass(frozen=True)
class FinalDrizzleConfig:
    """The final drizzle of a product."""

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

    def drizzle_params(self) -> DrizzleParams:
        """The domain parameters."""
        return DrizzleParams(kernel=self.kernel, pixfrac=self.pixfrac,
                             final_bits=self.final_bits, fillval=self.fillval,
                             wht_type=self.wht_type, units=self.units)


@dataclass(frozen=True)
class ExposureDrizzleConfig(FinalDrizzleConfig):
    """The drizzle of each exposure product (AstroDrizzle ``single_hap_basic``: no sky, no CR)."""

    final_bits: int = constrained(65535, minimum=0, maximum=65535)
    """DQ bits treated as good (65535: every pixel)."""


def nested(cls: type) -> object:
    """A dataclass field holding a default instance of ``cls``."""
    return field(default_factory=cls)
