"""Chip footprints on the output grid and the footprint statistics of spec §8.1."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["FootprintMasks", "chip_footprint", "edge_points", "fill_polygon",
           "footprint_statistics"]


def edge_points(pixmap: np.ndarray, *, step: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """Output coordinates of a chip's edge pixel centres, in order around the chip.

    Parameters
    ----------
    pixmap
        (ny, nx, 2) output coordinates of the chip's pixels.
    step
        Keep every ``step``-th edge pixel (corners always kept).
    """
    ny, nx = pixmap.shape[:2]
    xs_idx = np.unique(np.r_[np.arange(0, nx, step), nx - 1])
    ys_idx = np.unique(np.r_[np.arange(0, ny, step), ny - 1])
    ring = [pixmap[0, xs_idx], pixmap[ys_idx, nx - 1], pixmap[ny - 1, xs_idx[::-1]],
            pixmap[ys_idx[::-1], 0]]
    pts = np.concatenate(ring).astype(np.float64)
    return pts[:, 0], pts[:, 1]


def fill_polygon(xs: np.ndarray, ys: np.ndarray, shape: tuple[int, int]
                 ) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """Rasterise a closed polygon (outline included) into its bounding box on a grid.

    A pixel is inside when its centre is inside the polygon or a vertex falls in it.

    Parameters
    ----------
    xs, ys
        Vertices in 0-based pixel coordinates (pixel centres are integers).
    shape
        (ny, nx) of the grid; the polygon is clipped to it.

    Returns
    -------
    tuple or None
        ``((row slice, column slice), mask)``, or None when the polygon misses the grid.

    Examples
    --------
    >>> (sy, sx), m = fill_polygon(np.array([0.6, 3.4, 3.4, 0.6]), np.array([0.6, 0.6, 2.4, 2.4]),
    ...                            (10, 10))
    >>> (sy.start, sx.start, int(m.sum()), m.shape)
    (1, 1, 6, (2, 3))
    """
    ny, nx = shape
    x0, x1 = max(0, int(np.floor(xs.min() + 0.5))), min(nx - 1, int(np.floor(xs.max() + 0.5)))
    y0, y1 = max(0, int(np.floor(ys.min() + 0.5))), min(ny - 1, int(np.floor(ys.max() + 0.5)))
    if x0 > x1 or y0 > y1:
        return None
    mask = np.zeros((y1 - y0 + 1, x1 - x0 + 1), dtype=bool)
    xa, ya = xs, ys
    xb, yb = np.roll(xs, -1), np.roll(ys, -1)
    cols = np.arange(x0, x1 + 1, dtype=np.float64)
    for row in range(y0, y1 + 1):
        yc = float(row)
        crossing = (ya <= yc) != (yb <= yc)
        if not crossing.any():
            continue
        t = (yc - ya[crossing]) / (yb[crossing] - ya[crossing])
        xcross = np.sort(xa[crossing] + t * (xb[crossing] - xa[crossing]))
        for left, right in zip(xcross[0::2], xcross[1::2]):
            mask[row - y0] |= (cols >= left) & (cols <= right)
    # The outline itself: every pixel an edge passes through (sampled every ≤ 0.5 pixel).
    steps = np.maximum(np.ceil(2 * np.hypot(xb - xa, yb - ya)).astype(int), 1)
    t = np.concatenate([np.arange(n) / n for n in steps])
    seg = np.repeat(np.arange(xs.size), steps)
    ex, ey = xa[seg] + t * (xb - xa)[seg], ya[seg] + t * (yb - ya)[seg]
    ix = np.floor(ex + 0.5).astype(int) - x0
    iy = np.floor(ey + 0.5).astype(int) - y0
    ok = (ix >= 0) & (ix < mask.shape[1]) & (iy >= 0) & (iy < mask.shape[0])
    mask[iy[ok], ix[ok]] = True
    return (slice(y0, y1 + 1), slice(x0, x1 + 1)), mask


def chip_footprint(pixmap: np.ndarray, shape: tuple[int, int]
                   ) -> tuple[tuple[slice, slice], np.ndarray] | None:
    """The footprint of one chip on the output grid (None when entirely off the frame).

    Every 32nd edge pixel is a vertex (the distortion bends an edge by far less than a pixel
    over 32 pixels); the outline between vertices is rasterised too.
    """
    xs, ys = edge_points(pixmap, step=32)
    return fill_polygon(xs, ys, shape)


@dataclass
class FootprintMasks:
    """Per-pixel chip count and summed exposure time of a product's inputs (spec §8.1)."""

    total_mask: np.ndarray
    """int16: number of chips covering each output pixel."""
    scaled_mask: np.ndarray
    """float32: sum of the covering chips' exposure times, seconds."""

    @classmethod
    def empty(cls, shape: tuple[int, int]) -> FootprintMasks:
        """Masks with no chip yet."""
        return cls(np.zeros(shape, np.int16), np.zeros(shape, np.float32))

    def add(self, footprint: tuple[tuple[slice, slice], np.ndarray] | None,
            exptime: float) -> None:
        """Add one chip's footprint with its exposure time."""
        if footprint is None:
            return
        box, mask = footprint
        self.total_mask[box] += mask.astype(np.int16)
        self.scaled_mask[box] += np.float32(exptime) * mask


def footprint_statistics(masks: FootprintMasks, wht: np.ndarray) -> dict[str, float]:
    """NPIXFRAC, MEANEXPT, MEDEXPT, MEANNEXP, MEDNEXP, MEANWHT, MEDWHT of spec §8.1.

    Examples
    --------
    >>> m = FootprintMasks.empty((2, 2)); m.add(((slice(0, 1), slice(0, 2)),
    ...                                          np.ones((1, 2), bool)), 100.0)
    >>> footprint_statistics(m, np.full((2, 2), 50.0))["NPIXFRAC"]
    0.5
    """
    good = masks.total_mask > 0
    if not good.any():
        return {k: 0.0 for k in ("NPIXFRAC", "MEANEXPT", "MEDEXPT", "MEANNEXP", "MEDNEXP",
                                 "MEANWHT", "MEDWHT")}
    expt = masks.scaled_mask[good].astype(np.float64)
    nexp = masks.total_mask[good].astype(np.float64)
    wht_good = np.asarray(wht)[good].astype(np.float64)
    return {"NPIXFRAC": float(good.sum() / good.size),
            "MEANEXPT": float(expt.mean()), "MEDEXPT": float(np.median(expt)),
            "MEANNEXP": float(nexp.mean()), "MEDNEXP": float(np.median(nexp)),
            "MEANWHT": float(wht_good.mean()), "MEDWHT": float(np.median(wht_good))}
