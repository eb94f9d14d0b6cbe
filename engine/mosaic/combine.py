"""The median step: combine single drizzles row block by row block (median, minmed, mean)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import ndimage

from hapsvm.mosaic.params import COMBINE_TYPES
from hapsvm.mosaic.params import CosmicRayParams

__all__ = ["SingleDrizzle", "combine_singles", "minmed_combine", "trimmed_combine"]

#: Rows read per block (bounds memory to n_images × rows × nx × 8 bytes, plus work arrays).
_BLOCK_ROWS = 512


@dataclass(frozen=True)
class SingleDrizzle:
    """One exposure drizzled alone onto the output grid (files written by the driz_sep step)."""

    rootname: str
    sci_path: Path
    """float32 ``.npy`` (ny, nx): sky-subtracted e-/s."""
    wht_path: Path
    """float32 ``.npy`` (ny, nx): weights (exposure time × overlap)."""
    exptime: float
    """Seconds."""
    sky_electrons: float
    """Sky subtracted per input pixel, electrons (minmed's background)."""
    readnoise: float
    """Electrons."""


def trimmed_combine(stack: np.ndarray, bad: np.ndarray, *, kind: str = "median", nlow: int = 0,
                    nhigh: int = 0) -> np.ndarray:
    """Per-pixel median or mean of unmasked values after dropping ``nlow``/``nhigh`` extremes.

    Extremes are dropped only when at least one value remains; pixels without any unmasked
    value get 0.

    Parameters
    ----------
    stack
        (n, ...) values.
    bad
        (n, ...) True where a value is masked.
    kind
        ``median`` or ``mean``.

    Examples
    --------
    >>> s = np.array([[1.0], [5.0], [2.0], [100.0]]); b = np.zeros_like(s, bool)
    >>> trimmed_combine(s, b, nhigh=1).tolist(), trimmed_combine(s, b).tolist()
    ([2.0], [3.5])
    """
    values = _sorted(np.where(bad, np.float32(np.inf), stack.astype(np.float32)))
    k = (~bad).sum(axis=0)
    trim = (k - nlow - nhigh) >= 1
    lo = np.where(trim, nlow, 0)
    hi = np.where(trim, k - nhigh, k)
    m = np.maximum(hi - lo, 1)
    last = values.shape[0] - 1
    if kind == "mean":
        idx = np.arange(values.shape[0]).reshape((-1,) + (1,) * (values.ndim - 1))
        use = (idx >= lo) & (idx < hi)
        out = np.where(use, values, 0.0).sum(axis=0, dtype=np.float64) / m
    else:
        a = np.minimum(lo + (m - 1) // 2, last)[None]
        b = np.minimum(lo + m // 2, last)[None]
        va = np.take_along_axis(values, a, axis=0)[0].astype(np.float64)
        vb = np.take_along_axis(values, b, axis=0)[0].astype(np.float64)
        out = 0.5 * (va + vb)
    return np.where(k > 0, out, 0.0).astype(np.float32)


def _sorted(values: np.ndarray) -> np.ndarray:
    """Sort along axis 0: an odd-even transposition network of whole-plane min/max for a few
    images (much faster than ``np.sort`` over many tiny rows), ``np.sort`` beyond 16."""
    n = values.shape[0]
    if n > 16:
        return np.sort(values, axis=0)
    planes = [values[i] for i in range(n)]
    for step in range(n):
        for j in range(step % 2, n - 1, 2):
            planes[j], planes[j + 1] = (np.minimum(planes[j], planes[j + 1]),
                                        np.maximum(planes[j], planes[j + 1]))
    return np.stack(planes)


def minmed_combine(stack: np.ndarray, weights: np.ndarray, bad: np.ndarray,
                   singles: list[SingleDrizzle], params: CosmicRayParams) -> np.ndarray:
    """AstroDrizzle's ``minmed``: the median unless the minimum is significantly lower.

    Parameters
    ----------
    stack, weights, bad
        (n, rows, nx) e-/s values, weights and masks of one row block.
    singles
        The images' exposure times, sky and read noise (same order as ``stack``).
    params
        ``combine_nsigma`` and ``combine_grow``.
    """
    n = stack.shape[0]
    if n == 2:
        median = trimmed_combine(stack, bad, kind="mean")
    else:
        median = trimmed_combine(stack, bad, nhigh=1)
    minimum = np.where(bad, np.inf, stack).min(axis=0)
    minimum = np.where(np.isfinite(minimum), minimum, 0.0)
    rate_sky = np.array([s.sky_electrons / s.exptime for s in singles])[:, None, None]
    background = (weights * rate_sky).sum(axis=0)
    rn2 = np.array([s.readnoise ** 2 for s in singles])[:, None, None]
    readnoise = np.where(bad, 0.0, rn2).sum(axis=0)
    wsum = weights.sum(axis=0)
    min_w, med_w = minimum * wsum, median * wsum
    rms = np.sqrt(np.fmax(med_w + background + readnoise, 0.0))
    n1, n2 = params.combine_nsigma
    threshold = med_w - n1 * rms
    if params.combine_grow > 0:
        size = 2 * params.combine_grow + 1
        flagged = ndimage.maximum_filter(min_w < threshold, size, mode="constant")
        threshold = np.where(flagged, med_w - n2 * rms, threshold)
    out = np.where(min_w < threshold, minimum, median)
    return np.where(bad.all(axis=0), 0.0, out).astype(np.float32)


def _rows(path: Path, r0: int, r1: int) -> np.ndarray:
    mm = np.load(path, mmap_mode="r")
    try:
        return np.array(mm[r0:r1], dtype=np.float32)
    finally:
        del mm


def combine_singles(singles: list[SingleDrizzle], shape: tuple[int, int],
                    params: CosmicRayParams) -> np.ndarray:
    """Median image (e-/s) of the single drizzles, read block by block from disk.

    A single drizzle's pixel is ignored where its weight is below ``combine_maskpt`` times the
    mean of its positive weights.

    Raises
    ------
    ValueError
        For an unknown ``combine_type``.
    """
    if params.combine_type not in COMBINE_TYPES:
        raise ValueError(f"combine_type {params.combine_type!r} not in {COMBINE_TYPES}")
    limits = []
    for s in singles:
        w = np.load(s.wht_path, mmap_mode="r")
        positive = w[w > 1e-8]
        limits.append(params.combine_maskpt * float(positive.mean()) if positive.size else 0.0)
        del w, positive
    ny, _ = shape
    halo = params.combine_grow if params.combine_type == "minmed" else 0
    median = np.zeros(shape, dtype=np.float32)
    for r0 in range(0, ny, _BLOCK_ROWS):
        r1 = min(ny, r0 + _BLOCK_ROWS)
        e0, e1 = max(0, r0 - halo), min(ny, r1 + halo)
        stack = np.stack([_rows(s.sci_path, e0, e1) for s in singles])
        weights = np.stack([_rows(s.wht_path, e0, e1) for s in singles])
        bad = (weights < np.array(limits, dtype=np.float32)[:, None, None]) | (weights <= 0)
        if params.combine_type == "minmed":
            block = minmed_combine(stack, weights, bad, singles, params)
        else:
            block = trimmed_combine(stack, bad, kind=params.combine_type,
                                    nlow=params.combine_nlow, nhigh=params.combine_nhigh)
        median[r0:r1] = block[r0 - e0:r0 - e0 + (r1 - r0)]
    return median
