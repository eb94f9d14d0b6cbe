"""Pixel positions along a chip's outer edges (numpy only: planning code uses it too)."""
from __future__ import annotations

import numpy as np

__all__ = ["edge_pixels"]


def edge_pixels(shape: tuple[int, int], n_per_side: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """(x, y) along the outer pixel edges of a chip, corners included, going round once.

    Parameters
    ----------
    shape
        (ny, nx) of the chip.
    n_per_side
        Points per side (a distortion bends the sides slightly).

    Examples
    --------
    >>> xs, ys = edge_pixels((10, 20), n_per_side=2)
    >>> xs.tolist(), ys.tolist()
    ([-0.5, 9.5, 19.5, 19.5, 19.5, 9.5, -0.5, -0.5], [-0.5, -0.5, -0.5, 4.5, 9.5, 9.5, 9.5, 4.5])
    """
    ny, nx = shape
    t = np.linspace(0.0, 1.0, n_per_side, endpoint=False)
    x0, x1, y0, y1 = -0.5, nx - 0.5, -0.5, ny - 0.5
    xs = np.concatenate([x0 + t * (x1 - x0), np.full_like(t, x1), x1 - t * (x1 - x0),
                         np.full_like(t, x0)])
    ys = np.concatenate([np.full_like(t, y0), y0 + t * (y1 - y0), np.full_like(t, y1),
                         y1 - t * (y1 - y0)])
    return xs, ys
