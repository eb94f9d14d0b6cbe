"""Worker processes for the drizzle sequence: task maps, split runs, atomic ``.npy`` files."""
from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from hapsvm.parallel import run_beside
from hapsvm.parallel import run_tasks

if TYPE_CHECKING:
    from hapsvm.mosaic.chips import Exposure

__all__ = ["PARALLEL_MIN_PIXELS", "WorkBudget", "product_bytes", "run_beside", "run_tasks",
           "save_array", "workers_within"]

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



@dataclass(frozen=True)
class WorkBudget:
    """The processes and memory the drizzle of one product may use.

    Examples
    --------
    >>> from types import SimpleNamespace as Fake
    >>> ir = [Fake(chips=[Fake(shape=(1014, 1014))])] * 4
    >>> budget = WorkBudget(max_workers=2, max_memory_gib=2.0)
    >>> budget.workers(ir), budget.workers(ir[:2])
    (2, 1)
    >>> budget.splits((2000, 2000), ir), budget.splits((10000, 10000), ir)
    (True, False)
    >>> budget.product_workers(4, (6000, 5600), ir), budget.product_workers(4, (10000, 10000), ir)
    (2, 1)
    """

    max_workers: int = 1
    """Processes for per-exposure work."""
    max_memory_gib: float = 2.0
    """Memory budget of the processes running at once, GiB."""
    min_parallel_pixels: int = PARALLEL_MIN_PIXELS
    """Fewer input pixels than this: one process (start-up would dominate)."""

    def workers(self, exposures: Sequence[Exposure]) -> int:
        """Processes for the per-exposure work (sky, single drizzles, blot) of ``exposures``."""
        pixels = sum(c.shape[0] * c.shape[1] for e in exposures for c in e.chips)
        return self.max_workers if pixels >= self.min_parallel_pixels else 1

    def splits(self, grid_shape: tuple[int, int], exposures: Sequence[Exposure]) -> bool:
        """Whether the final drizzle of ``exposures`` runs as two halves in two processes."""
        return self.workers(exposures) > 1 and \
            2 * product_bytes(grid_shape, _largest_chip(exposures)) <= self.max_memory_gib * 2**30

    def product_workers(self, n_products: int, grid_shape: tuple[int, int],
                        exposures: Sequence[Exposure]) -> int:
        """Products drizzled and written at once, one process each (exposure products)."""
        if self.workers(exposures) == 1:
            return 1
        return workers_within(self.max_workers, n_products,
                              product_bytes(grid_shape, _largest_chip(exposures)),
                              self.max_memory_gib * 2**30)


def _largest_chip(exposures: Sequence[Exposure]) -> int:
    return max(c.shape[0] * c.shape[1] for e in exposures for c in e.chips)
