"""Worker processes for the drizzle sequence: task maps, split runs, atomic ``.npy`` files."""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

from hapsvm.parallel import run_beside, run_tasks

__all__ = ["PARALLEL_MIN_PIXELS", "product_bytes", "run_beside", "run_tasks", "save_array",
           "workers_within"]

#: Below this many input pixels a product is processed in one process (start-up dominates).
PARALLEL_MIN_PIXELS = 3_000_000


def save_array(path: Path, array: np.ndarray) -> Path:
    """Write an ``.npy`` file atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.part")
    with os.fdopen(fd, "wb") as handle:
        np.save(handle, array)
    os.replace(tmp, path)
    return path


def product_bytes(grid_shape: tuple[int, int], chip_pixels: int) -> int:
    """Rough peak memory (bytes) of drizzling and writing one product in one process.

    SCI, WHT and CTX on the grid (12 bytes per output pixel; the masks and the S_REGION work
    come after the chips' arrays are freed), and per chip its data, weights, DQ and the pixel
    map in float32 and float64 (about 40 bytes per input pixel). Calibrated on the full-size
    ACS/WFC benchmark visit (grid 6005 x 5558): two exposure products at once plus the main
    process peak at 1.83 GiB summed RSS.
    """
    return 12 * grid_shape[0] * grid_shape[1] + 40 * chip_pixels


def workers_within(max_workers: int, n_tasks: int, task_bytes: int, budget_bytes: float,
                   *, reserved_bytes: float = 5e8) -> int:
    """Processes that fit ``budget_bytes`` (``reserved_bytes`` kept for the main process).

    Examples
    --------
    >>> workers_within(2, 4, 9 * 10**8, 2 * 2**30), workers_within(2, 4, 10**8, 2 * 2**30)
    (1, 2)
    """
    fit = int((budget_bytes - reserved_bytes) // max(task_bytes, 1))
    return max(1, min(max_workers, n_tasks, fit))
