"""What a run cost: wall and CPU time, and the peak memory of its process and children.

:class:`UsageMeter` is a context manager put around one run. Peak memory is the largest summed
resident set (RSS) of this process and all its descendants (the workers of the drizzle and
source-finding pools), sampled by a background thread, and never below this process's own
high-water mark (``VmHWM``, reset when the meter starts where Linux allows it, so that it
belongs to this run even in a worker that runs many visits). Summed RSS counts the pages a
forked worker shares with its parent twice: it bounds from above what a memory cgroup charges.
"""
from __future__ import annotations

import os
import resource
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = ["ResourceUsage", "UsageMeter", "tree_rss_bytes"]

_PROC = Path("/proc")
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_GIB = float(2**30)
#: Samples between two reads of the whole process table (new worker processes).
_FULL_EVERY = 1
#: Largest share of one core the sampling may take (else its interval doubles).
_CPU_SHARE = 0.05


@dataclass(frozen=True)
class ResourceUsage:
    """Resources used by one run (``svm_summary.json``: ``resources``)."""

    wall_seconds: float
    """Elapsed time of the run, seconds."""
    cpu_seconds: float
    """User + system CPU time of this process and the children it waited for, seconds."""
    peak_rss_gib: float
    """Largest summed RSS of this process and its descendants during the run, GiB."""
    maxrss_self_gib: float
    """``getrusage(RUSAGE_SELF).ru_maxrss`` at the end, GiB (this run's when it was reset)."""
    maxrss_children_gib: float
    """``getrusage(RUSAGE_CHILDREN).ru_maxrss``: the largest finished child's peak, GiB
    (over the process's life: in a multirun worker, earlier visits' children count too)."""
    samples: int
    """Samples of the process tree taken (0: only the high-water marks were read)."""
    high_water_reset: bool
    """Whether this process's high-water mark was reset when the run started."""


def _cpu() -> float:
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def _status_kib(pid: int | str, key: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (0 when unreadable)."""
    try:
        for line in (_PROC / str(pid) / "status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _process_table() -> tuple[dict[int, list[int]], dict[int, int]]:
    """Children of every process and each one's RSS in bytes, from ``/proc/<pid>/stat``."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    try:
        entries = os.listdir(_PROC)
    except OSError:
        return children, rss
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(_PROC / entry / "stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(entry))
            rss[int(entry)] = int(fields[21]) * _PAGE
        except (OSError, ValueError, IndexError):
            continue
    return children, rss


def _descendants(root_pid: int, children: dict[int, list[int]]) -> list[int]:
    found, stack = [], list(children.get(root_pid, []))
    while stack:
        pid = stack.pop()
        if pid not in found and pid != root_pid:
            found.append(pid)
            stack.extend(children.get(pid, []))
    return found


def tree_rss_bytes(root_pid: int) -> int:
    """Summed RSS of ``root_pid`` and every descendant, bytes (0 without ``/proc``).

    Examples
    --------
    >>> tree_rss_bytes(os.getpid()) > 0 or not Path("/proc/self/stat").exists()
    True
    """
    children, rss = _process_table()
    return sum(rss.get(p, 0) for p in [root_pid, *_descendants(root_pid, children)])


def _rss_of(pids: list[int]) -> int:
    """Summed RSS of the given processes (those that have ended count 0), bytes."""
    total = 0
    for pid in pids:
        try:
            with open(_PROC / str(pid) / "statm") as fh:
                total += int(fh.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            continue
    return total


def _reset_high_water() -> bool:
    """Reset this process's peak RSS (Linux ``clear_refs`` 5); False where not possible."""
    try:
        (_PROC / "self" / "clear_refs").write_text("5")
        return True
    except OSError:
        return False


class UsageMeter:
    """Measure a run's time and peak memory (see the module docstring).

    Parameters
    ----------
    interval_s
        Time between samples. A sample reads every ``/proc/<pid>/stat`` of the machine to
        find this process's descendants (a pool's workers may live for a second only), then
        their ``/proc/<pid>/statm``. When a sample costs more than 5 % of the interval in CPU
        time (a node with many processes), the interval doubles.
    sample
        False: no sampling thread, only the high-water marks.

    Examples
    --------
    >>> with UsageMeter(interval_s=0.05) as meter:
    ...     block = bytearray(50 * 2**20)
    >>> usage = meter.usage()
    >>> usage.wall_seconds >= 0 and usage.peak_rss_gib >= 0
    True
    """

    def __init__(self, *, interval_s: float = 0.1, sample: bool = True) -> None:
        self.interval_s = interval_s
        self._sample = sample and (_PROC / "self" / "stat").exists()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak = 0
        self._samples = 0
        self._reset = False
        self._start = self._cpu0 = 0.0
        self._end: ResourceUsage | None = None

    def __enter__(self) -> UsageMeter:
        self._reset = _reset_high_water()
        self._start, self._cpu0 = time.perf_counter(), _cpu()
        if self._sample:
            self._thread = threading.Thread(target=self._run, name="svm-usage", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._end = self._measure()

    def _run(self) -> None:
        """Sample this process and its known descendants; look for new descendants in the
        whole process table every ``_FULL_EVERY`` samples (a pool lives for a step)."""
        pid, interval, kids = os.getpid(), self.interval_s, []
        while not self._stop.is_set():
            cpu0 = time.thread_time()
            if self._samples % _FULL_EVERY == 0:
                kids = _descendants(pid, _process_table()[0])
            self._peak = max(self._peak, _rss_of([pid, *kids]))
            self._samples += 1
            if time.thread_time() - cpu0 > _CPU_SHARE * interval:
                interval *= 2
            self._stop.wait(interval)

    def _measure(self) -> ResourceUsage:
        me = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024
        hwm = _status_kib("self", "VmHWM") * 1024 if self._reset else 0
        now = tree_rss_bytes(os.getpid()) if self._sample else 0
        peak = max(self._peak, hwm, now, 0 if self._reset else me)
        return ResourceUsage(wall_seconds=round(time.perf_counter() - self._start, 3),
                             cpu_seconds=round(_cpu() - self._cpu0, 3),
                             peak_rss_gib=round(peak / _GIB, 4),
                             maxrss_self_gib=round(me / _GIB, 4),
                             maxrss_children_gib=round(kids / _GIB, 4),
                             samples=self._samples, high_water_reset=self._reset)

    def usage(self) -> ResourceUsage:
        """The figures of the run (so far, if the block has not ended)."""
        return self._end if self._end is not None else self._measure()
