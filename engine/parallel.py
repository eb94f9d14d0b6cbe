"""Process pools for independent pieces of work (exposures, chips): ordered maps, side runs.

Every worker dies with the process that started its pool: a SIGKILL of the main ``svm``
process (an out-of-memory killer) must not leave workers behind, blocked on a pipe, holding
memory and the output directory. On Linux each worker asks the kernel for SIGKILL when its
parent dies (``prctl(PR_SET_PDEATHSIG)``); elsewhere a watchdog thread in the worker polls the
parent. The kernel sends that signal when the *thread* that forked the worker ends: the pools
here live within one call (``run_tasks``, ``run_beside``), so the calling thread, which forks
the workers under ``fork``, outlives them whichever thread it is. (``forkserver`` workers,
children of the server, watch the pool's process instead: see :func:`die_with_parent`.)
"""
from __future__ import annotations

import ctypes
import multiprocessing
import multiprocessing.context
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import TypeVar

__all__ = ["can_start_processes", "die_with_parent", "run_beside", "run_tasks"]

T = TypeVar("T")
R = TypeVar("R")
S = TypeVar("S")

#: ``prctl`` option: the signal this process gets when its parent (thread) dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent by a polling watchdog thread.
WATCHDOG_POLL_S = 0.5


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


def _set_parent_death_signal() -> bool:
    """Ask Linux to SIGKILL this process when its parent dies; False where that is impossible."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    return bool(prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0)


def _exists(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat") as stat:
            state = stat.read().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True                   # no /proc: the signal probe is all there is
    return state not in ("Z", "X")


def _watch_parent(ppid: int, poll_s: float) -> None:
    """Kill this process once it has a parent other than ``ppid`` (it was re-parented)."""
    while os.getppid() == ppid:
        time.sleep(poll_s)
    os.kill(os.getpid(), signal.SIGKILL)


def _watch_process(pid: int, pidfd: int | None, poll_s: float) -> None:
    """Kill this process once ``pid`` has ended (``pidfd``: its pidfd, readable from then)."""
    if pidfd is not None:
        select.select([pidfd], [], [])
    else:
        while _exists(pid):
            time.sleep(poll_s)
    os.kill(os.getpid(), signal.SIGKILL)


def _open_pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)       # Linux >= 5.3
    except (AttributeError, OSError):
        return None


def die_with_parent(parent_pid: int, direct: bool = True, *, use_kernel: bool = True,
                    poll_s: float = WATCHDOG_POLL_S) -> None:
    """Make this (worker) process die as soon as ``parent_pid`` does: the pools' initializer.

    Under ``fork`` and ``spawn`` (``direct``) the kernel's parent-death signal does it, else a
    watchdog thread that notices the re-parenting. A ``forkserver`` worker's parent is the
    server, which outlives the pool's process (it exits once every worker has): there a
    watchdog thread waits on a pidfd of ``parent_pid``, else polls it. Either way the parent
    may have died before the watch began: then this process ends at once.

    Parameters
    ----------
    parent_pid
        The process that started the pool.
    direct
        Whether ``parent_pid`` is this process's parent (``fork``, ``spawn``).
    use_kernel
        False: a polling watchdog even where prctl and pidfds exist (tests).
    poll_s
        Watchdog period, seconds.
    """
    def watch(target: Callable[..., None], *args: object) -> None:
        threading.Thread(target=target, args=(*args, poll_s), name="parent watchdog",
                         daemon=True).start()

    if direct:
        armed = use_kernel and _set_parent_death_signal()
        ppid = os.getppid()
        if ppid != parent_pid:          # re-parented before the signal was armed
            os.kill(os.getpid(), signal.SIGKILL)
        if not armed:
            watch(_watch_parent, ppid)
        return
    pidfd = _open_pidfd(parent_pid) if use_kernel else None
    if pidfd is not None and select.select([pidfd], [], [], 0)[0] or not _exists(parent_pid):
        os.kill(os.getpid(), signal.SIGKILL)
    watch(_watch_process, parent_pid, pidfd)


def _pool(max_workers: int) -> ProcessPoolExecutor:
    """A pool whose workers die with this process."""
    ctx = _context()
    direct = ctx.get_start_method() != "forkserver"
    return ProcessPoolExecutor(max_workers=max_workers, mp_context=ctx,
                               initializer=die_with_parent, initargs=(os.getpid(), direct))


def run_tasks(func: Callable[[T], R], tasks: Sequence[T], *, max_workers: int) -> list[R]:
    """Run ``func`` over ``tasks`` in order, in up to ``max_workers`` worker processes."""
    if max_workers <= 1 or len(tasks) <= 1 or not can_start_processes():
        return [func(t) for t in tasks]
    with _pool(min(max_workers, len(tasks))) as pool:
        return list(pool.map(func, tasks))


def run_beside(local: Callable[[T], R], local_task: T, remote: Callable[[T], S], remote_task: T,
               *, parallel: bool) -> tuple[R, S]:
    """Run ``remote(remote_task)`` in one worker process while this process runs ``local``."""
    if not parallel or not can_start_processes():
        return local(local_task), remote(remote_task)
    with _pool(1) as pool:
        future = pool.submit(remote, remote_task)
        mine = local(local_task)
        return mine, future.result()
