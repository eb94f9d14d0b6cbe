"""Worker processes for the drizzle sequence: task maps, split runs, atomic ``.npy`` files."""
from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import TypeVar

import numpy as np

__all__ = ["product_bytes", "run_beside", "run_tasks", "save_array", "workers_within"]

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where it is safe and cheap (POSIX, Python < 3.12), else ``forkserver``/``spawn``.

    Forked workers inherit the loaded modules and need no re-import of ``__main__``.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["engine.mosaic.workers"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_tasks(func: Callable[[T], R], tasks: Sequence[T], *, max_workers: int) -> list[R]:
    """Run ``func`` over ``tasks`` in order, in up to ``max_workers`` worker processes."""
    if max_workers <= 1 or len(tasks) <= 1:
        return [func(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=min(max_workers, len(tasks)),
                             mp_context=_context()) as pool:
        return list(pool.map(func, tasks))


def run_beside(local: Callable[[T], R], local_task: T, remote: Callable[[T], S], remote_task: T,
               *, parallel: bool) -> tuple[R, S]:
    """Run ``remote(remote_task)`` in one worker process while this process runs ``local``."""
    if not parallel:
        return local(local_task), remote(remote_task)
    with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
        future = pool.submit(remote, remote_task)
        mine = local(local_task)
        return mine, future.result()


def save_array(path: Path, array: np.ndarray) -> Path:
    """Write an ``.npy`` file atomically."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".npy.part")
    with os.fdopen(fd, "wb") as handle:
        np.save(handle, array)
    os.replace(tmp, path)
    return path


def product_bytes(grid_shape: tuple[int, int], chip_pixels: int) -> int:
    """Rough peak memory (bytes) of drizzling and writing one product in one process.

    SCI, WHT and CTX on the grid (12 bytes per output pixel) plus masks and the S_REGION work
    (about 4), and per chip its data, weights, DQ and the pixel map in float32 and float64
    (about 40 bytes per input pixel).
    """
    return 16 * grid_shape[0] * grid_shape[1] + 40 * chip_pixels


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
