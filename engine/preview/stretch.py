"""Display stretches: percentile interval then asinh, on the pixels that have data."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.visualization import AsinhStretch, AsymmetricPercentileInterval

__all__ = ["StretchSettings", "display_levels", "linear_unit", "stretch_to_unit", "to_uint8"]

#: Largest number of pixels the percentiles are computed from (a regular subsample beyond).
_MAX_SAMPLES = 1_000_000
#: Below this fraction of pixels above the black level, white is taken from those pixels only,
#: at this percentile of them (the brightest tenth is saturated: faint sources stay visible).
_DOMINANT_FRACTION = 0.5
_SPARSE_WHITE_PERCENTILE = 90.0
#: Rows stretched at a time (bounds the float32 temporaries of large mosaics).
_BLOCK_ROWS = 512


@dataclass(frozen=True)
class StretchSettings:
    """How a SCI array becomes display values in [0, 1].

    Attributes
    ----------
    lower_percentile, upper_percentile
        Percentiles of the valid pixels mapped to black and white.
    asinh_a
        ``a`` of astropy's ``AsinhStretch``: smaller values compress the bright end more.
    """

    lower_percentile: float = 1.0
    upper_percentile: float = 99.8
    asinh_a: float = 0.05


def _sample(values: np.ndarray) -> np.ndarray:
    step = max(1, values.size // _MAX_SAMPLES)
    return values[::step]


def display_levels(sci: np.ndarray, valid: np.ndarray,
                   settings: StretchSettings) -> tuple[float, float]:
    """(black, white) levels of an image from the percentiles of its valid pixels.

    When most valid pixels sit at the black level (a quantised or clipped image, e.g. archive
    files re-packed as integers), white is the 90th percentile of the pixels above black, so
    that faint sources stay visible. Returns (0, 1) when no pixel is valid; a constant image
    gets white = black + 1.

    Examples
    --------
    >>> sci = np.arange(100, dtype=float).reshape(10, 10)
    >>> display_levels(sci, sci > 9, StretchSettings(0.0, 100.0))
    (10.0, 99.0)
    >>> flat = np.zeros((10, 10)); flat[0, :4] = [1, 2, 3, 40]
    >>> display_levels(flat, flat == flat, StretchSettings(1.0, 99.0))[1] > 3
    True
    """
    values = sci[valid]
    if values.size == 0:
        return 0.0, 1.0
    sample = _sample(values)
    interval = AsymmetricPercentileInterval(settings.lower_percentile, settings.upper_percentile)
    lo, hi = (float(v) for v in interval.get_limits(sample))
    above = sample[sample > lo]
    if above.size < _DOMINANT_FRACTION * sample.size and above.size:
        hi = float(np.percentile(above, _SPARSE_WHITE_PERCENTILE))
    if not hi > lo:
        hi = lo + 1.0
    return lo, hi


def stretch_to_unit(sci: np.ndarray, valid: np.ndarray, settings: StretchSettings, *,
                    levels: tuple[float, float] | None = None) -> np.ndarray:
    """Stretched float32 image in [0, 1], North up (row 0 at the top), invalid pixels 0.

    Parameters
    ----------
    sci
        Image, shape (ny, nx), FITS row order (row 0 at the bottom).
    valid
        Pixels with data (WHT > 0), same shape.
    settings
        Percentiles and asinh parameter.
    levels
        (black, white) to use instead of the percentiles.

    Examples
    --------
    >>> out = stretch_to_unit(np.array([[0., 1.], [2., 3.]]), np.ones((2, 2), bool),
    ...                       StretchSettings(0, 100, 1.0))
    >>> float(out[1, 0]), float(out[0, 1])
    (0.0, 1.0)
    """
    lo, hi = levels if levels is not None else display_levels(sci, valid, settings)
    stretch = AsinhStretch(a=settings.asinh_a)
    out = np.empty(sci.shape, np.float32)
    for start in range(0, sci.shape[0], _BLOCK_ROWS):     # row blocks: float32 temporaries stay small
        rows = slice(start, start + _BLOCK_ROWS)
        block = linear_unit(sci[rows], valid[rows], lo, hi)
        stretch(block, clip=True, out=block)
        block[~valid[rows]] = 0.0
        out[rows] = block
    return np.flipud(out)


def linear_unit(sci: np.ndarray, valid: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """float32 ``(sci - lo) / (hi - lo)`` clipped to [0, 1]; NaN → ``lo``; invalid pixels 0.

    Examples
    --------
    >>> linear_unit(np.array([0.0, 5.0, 20.0, np.nan]), np.array([1, 1, 1, 0], bool), 0, 10).tolist()
    [0.0, 0.5, 1.0, 0.0]
    """
    plane = np.nan_to_num(np.asarray(sci, dtype=np.float32), nan=lo)
    plane -= np.float32(lo)
    plane /= np.float32(hi - lo)
    np.clip(plane, 0.0, 1.0, out=plane)
    plane[~valid] = 0.0
    return plane


def to_uint8(unit: np.ndarray) -> np.ndarray:
    """Map [0, 1] to 0..255 (rounded).

    Examples
    --------
    >>> to_uint8(np.array([0.0, 0.5, 1.0])).tolist()
    [0, 128, 255]
    """
    scaled = np.multiply(unit, 255.0, dtype=np.float32)
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, 255, out=scaled)
    return scaled.astype(np.uint8)
