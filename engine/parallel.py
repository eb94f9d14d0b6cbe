"""Process pools for independent pieces of work (exposures, chips): ordered maps, side runs."""
from __future__ import annotations

import multiprocessing
import multiprocessing.context
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["can_start_processes", "run_beside", "run_tasks"]

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")


def can_start_processes() -> bool:
    """False inside a daemonic process (e.g. a ``multiprocessing.Pool`` worker), which may not
    have children: work then runs serially."""
    return not multiprocessing.current_process().daemon


def _context() -> multiprocessing.context.BaseContext:
    """``fork`` where it is safe and cheap (POSIX, Python < 3.12), else ``forkserver``/``spawn``.

    Forked workers inherit the loaded modules and need no re-import of ``__main__``.
    """
    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and sys.version_info < (3, 12):
        return multiprocessing.get_context("fork")
    if "forkserver" in methods:
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["hapsvm.steps"])
        return ctx
    return multiprocessing.get_context("spawn")


def run_tasks(func: Callable[[T], R], tasks: Sequence[T], *, max_workers: int) -> list[R]:
    """Run ``func`` over ``tasks`` in order, in up to ``max_workers`` worker processes."""
    if max_workers <= 1 or len(tasks) <= 1 or not can_start_processes():
        return [func(t) for t in tasks]
    with ProcessPoolExecutor(max_workers=min(max_workers, len(tasks)),
                             mp_context=_context()) as pool:
        return list(pool.map(func, tasks))


def run_beside(local: Callable[[T], R], local_task: T, remote: Callable[[T], S], remote_task: T,
               *, parallel: bool) -> tuple[R, S]:
    """Run ``remote(remote_task)`` in one worker process while this process runs ``local``."""
    if not parallel or not can_start_processes():
        return local(local_task), remote(remote_task)
    with ProcessPoolExecutor(max_workers=1, mp_context=_context()) as pool:
        future = pool.submit(remote, remote_task)
        mine = local(local_task)
        return mine, future.result()
