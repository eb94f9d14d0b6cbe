"""The output lock: one run at a time per output directory, held by that run's process alone.

``<output_dir>/.svm.lock`` is locked with ``flock``, which belongs to the open file description:
every forked child shares it, and the lock lasts until the last descriptor is closed. So that
workers left running by a killed main process (or any child) cannot keep the directory locked,
a fork handler gives each child of a holder ``/dev/null`` in place of the lock's descriptor
(closing a child's copy never unlocks the parent's); ``exec`` drops it anyway (close-on-exec).
When the lock is busy and the process named in the file is gone, the error says so and names
the processes that still hold the file open.
"""
from __future__ import annotations

import fcntl
import os
import socket
from pathlib import Path
from typing import IO

from hapsvm.errors import OutputLockedError

__all__ = ["LOCK_FILE", "OutputLock", "lock_holders"]

LOCK_FILE = ".svm.lock"

#: Locks this process holds (emptied in a forked child, whose copies are dropped).
_HELD: set[OutputLock] = set()


class OutputLock:
    """An exclusive, non-blocking lock on an output directory for the length of a run."""

    def __init__(self, output_dir: Path) -> None:
        self.path = Path(output_dir) / LOCK_FILE
        self._fh: IO[str] | None = None

    def __enter__(self) -> OutputLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fh = open(self.path, "a+")
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                text = fh.read()
                fh.close()
                raise OutputLockedError(_busy_message(self.path, text)) from None
            if _same_file(fh, self.path):
                break
            fh.close()  # the holder removed this file as we opened it: lock the new one
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid {os.getpid()}\nhost {socket.gethostname()}\n"
                 f"start {_start_ticks(os.getpid())}\n")
        fh.flush()
        self._fh = fh
        _HELD.add(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _HELD.discard(self)
        if self._fh is not None:
            self.path.unlink(missing_ok=True)
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def _drop_inherited(self) -> None:
        """In a forked child: point the inherited descriptor at /dev/null (no Python locks)."""
        fh, self._fh = self._fh, None
        if fh is None:
            return
        null = os.open(os.devnull, os.O_RDWR)
        try:
            os.dup2(null, fh.fileno(), inheritable=False)
        finally:
            os.close(null)


def _drop_locks_in_child() -> None:
    for lock in list(_HELD):
        try:
            lock._drop_inherited()
        except (OSError, ValueError):
            pass
    _HELD.clear()


if hasattr(os, "register_at_fork"):   # once per process: a forked child inherits the handler
    os.register_at_fork(after_in_child=_drop_locks_in_child)


def _same_file(fh: IO[str], path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fh.fileno())
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


def _start_ticks(pid: int) -> str:
    """Start time of ``pid`` (clock ticks after boot, /proc/<pid>/stat), '' where unknown."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    return stat.rsplit(")", 1)[1].split()[19]


def _holder_is_dead(text: str) -> tuple[int, bool] | None:
    """(pid, dead?) of the process named in the lock file, None if unreadable or elsewhere."""
    fields = dict(line.split(" ", 1) for line in text.splitlines() if " " in line)
    try:
        pid = int(fields["pid"])
    except (KeyError, ValueError):
        return None
    if fields.get("host", socket.gethostname()) != socket.gethostname():
        return None                   # another machine sharing the directory: cannot tell
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except FileNotFoundError:
        return pid, True
    except OSError:                   # no /proc: ask the kernel
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return pid, True
        except PermissionError:
            pass
        return pid, False
    started = fields.get("start", "")
    return pid, stat[0] in ("Z", "X") or bool(started) and stat[19] != started


def lock_holders(path: Path) -> list[tuple[int, str]]:
    """Processes (pid, command line) with ``path`` open, this one excepted (Linux /proc)."""
    try:
        target = os.stat(path)
    except OSError:
        return []
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        pid = int(entry.name)
        if pid == os.getpid():
            continue
        try:
            fds = os.listdir(entry / "fd")
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(entry / "fd" / fd)
            except OSError:
                continue
            if (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino):
                found.append((pid, _command_line(pid)))
                break
    return sorted(found)


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    line = " ".join(raw.replace(b"\0", b" ").decode(errors="replace").split()) or "?"
    return line if len(line) <= 160 else line[:157] + "..."


def _busy_message(path: Path, text: str) -> str:
    """What to tell the user when ``path`` is locked by someone else."""
    where = path.parent
    holder = _holder_is_dead(text)
    if holder is None or not holder[1]:
        named = text.splitlines()[0].strip() if text.strip() else "another process"
        return f"{where} is in use by a running svm ({named}); wait for it or choose another " \
               "output_dir"
    pid = holder[0]
    holders = lock_holders(path)
    if not holders:
        return (f"{where} is locked, but svm pid {pid}, which took the lock, is no longer "
                f"running and no process here shows {path.name} open (another user's or another "
                "machine's process may hold it); stop that process, or choose another output_dir")
    listed = "; ".join(f"pid {p} ({cmd})" for p, cmd in holders)
    pids = " ".join(str(p) for p, _ in holders)
    return (f"{where} is locked, but svm pid {pid}, which took the lock, is no longer running; "
            f"still holding {path.name} open: {listed}. Most likely processes the dead run left "
            f"behind: stop them (kill {pids}) and run again (completed steps resume)")
