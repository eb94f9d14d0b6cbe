"""Worker processes for the drizzle sequence: task maps, split runs, atomic ``.npy`` files."""
from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Callable, Sequence, TypeVar

import numpy as np

__all__ = ["run_tasks", "run_beside", "save_array"]

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
