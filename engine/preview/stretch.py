"""Display stretch: asinh above a black level set by the sky, applied in row blocks.

A value ``v`` is shown as ``asinh((v - black) / softening) / asinh((white - black) / softening)``,
clipped to [0, 1]; the levels come from :func:`hapsvm.preview.levels.display_levels`.
"""
from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from hapsvm.preview.levels import DisplayLevels
from hapsvm.preview.levels import display_levels
from hapsvm.preview.params import StretchSettings

__all__ = ["row_blocks", "stretch_block", "stretch_to_unit", "stretch_to_uint8", "to_uint8"]

#: Rows stretched at a time (bounds the float32 temporaries of large mosaics).
_BLOCK_ROWS = 512


def row_blocks(ny: int, block_rows: int = _BLOCK_ROWS) -> Iterator[tuple[slice, slice]]:
    """(FITS rows, display rows) of each block: display row 0 is the top (North up).

    Examples
    --------
    >>> list(row_blocks(5, 2))
    [(slice(0, 2, None), slice(3, 5, None)), (slice(2, 4, None), slice(1, 3, None)), \
(slice(4, 5, None), slice(0, 1, None))]
    """
    for start in range(0, ny, block_rows):
        stop = min(ny, start + block_rows)
        yield slice(start, stop), slice(ny - stop, ny - start)


def stretch_block(sci: np.ndarray, valid: np.ndarray, levels: DisplayLevels) -> np.ndarray:
    """float32 display values in [0, 1] of a block (same orientation); invalid pixels 0.

    NaN counts as black; the block is converted to float32 once and stretched in place.

    Examples
    --------
    >>> lv = DisplayLevels(sky=2.0, noise=1.0, black=0.0, white=100.0, softening=2.0)
    >>> out = stretch_block(np.array([-5.0, 0.0, 2.0, 100.0, 1e9, np.nan]),
    ...                     np.array([1, 1, 1, 1, 1, 1], bool), lv)
    >>> [round(float(v), 3) for v in out]
    [0.0, 0.0, 0.191, 1.0, 1.0, 0.0]
    """
    out = np.nan_to_num(np.asarray(sci, dtype=np.float32), nan=levels.black)
    out -= np.float32(levels.black)
    np.maximum(out, 0.0, out=out)
    out /= np.float32(levels.softening)
    np.arcsinh(out, out=out)
    out *= np.float32(1.0 / np.arcsinh((levels.white - levels.black) / levels.softening))
    np.minimum(out, 1.0, out=out)
    out[~valid] = 0.0
    return out


def stretch_to_unit(sci: np.ndarray, valid: np.ndarray, settings: StretchSettings, *,
                    levels: DisplayLevels | None = None) -> np.ndarray:
    """Stretched float32 image in [0, 1], North up (row 0 at the top), invalid pixels 0.

    Parameters
    ----------
    sci
        Image, shape (ny, nx), FITS row order (row 0 at the bottom).
    valid
        Pixels with data (WHT > 0), same shape.
    settings
        σ multiples and white percentile of the levels.
    levels
        Levels to use instead of measuring them.

    Examples
    --------
    >>> sci = np.random.default_rng(0).normal(0.0, 1.0, (30, 20))
    >>> sci[0, 0] = 1e4                                 # FITS row 0 is the bottom row
    >>> out = stretch_to_unit(sci, np.ones(sci.shape, bool), StretchSettings())
    >>> float(out[29, 0]), 0.05 < float(np.median(out)) < 0.2
    (1.0, True)
    """
    lv = levels if levels is not None else display_levels(sci, valid, settings)
    out = np.empty(sci.shape, np.float32)
    for rows, shown in row_blocks(sci.shape[0]):
        out[shown] = stretch_block(sci[rows], valid[rows], lv)[::-1]
    return out


def stretch_to_uint8(sci: np.ndarray, valid: np.ndarray, settings: StretchSettings, *,
                     levels: DisplayLevels | None = None) -> np.ndarray:
    """:func:`stretch_to_unit` as uint8 (0..255), built block by block (no float image)."""
    lv = levels if levels is not None else display_levels(sci, valid, settings)
    out = np.empty(sci.shape, np.uint8)
    for rows, shown in row_blocks(sci.shape[0]):
        out[shown] = to_uint8(stretch_block(sci[rows], valid[rows], lv))[::-1]
    return out


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
