"""The output lock: held by the process that took it alone (not by its forked children), and a
lock whose taker is dead is reported with the processes that still hold it (issue 18)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hapsvm.core import OutputLock
from hapsvm.errors import OutputLockedError

#: Takes the lock, forks a child that sleeps, prints the child's pid, then dies by SIGKILL.
_HOLDER_WITH_CHILD = """
import os, signal, sys, time
from hapsvm.core import OutputLock
lock = OutputLock(sys.argv[1]).__enter__()
child = os.fork()
if child == 0:
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    time.sleep(60)
    os._exit(0)
print(child, flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""

#: Locks the file itself (as a process left behind would), writing the lines it is given.
_RAW_HOLDER = """
import fcntl, sys, time
fh = open(sys.argv[1], "a+")
fcntl.flock(fh, fcntl.LOCK_EX)
fh.truncate(0)
fh.write(sys.argv[2].replace("SELF", str(__import__("os").getpid())))
fh.flush()
print("locked", flush=True)
time.sleep(60)
"""


def _dead_pid() -> int:
    proc = subprocess.Popen(["true"])
    proc.wait()
    return proc.pid


@pytest.fixture
def raw_holder(tmp_path: Path):
    """``raw_holder(text)``: a process holding ``tmp_path/out/.svm.lock`` with ``text`` in it."""
    procs: list[subprocess.Popen[str]] = []

    def _start(text: str) -> subprocess.Popen[str]:
        (tmp_path / "out").mkdir(exist_ok=True)
        proc = subprocess.Popen([sys.executable, "-c", _RAW_HOLDER,
                                 str(tmp_path / "out" / ".svm.lock"), text],
                                stdout=subprocess.PIPE, text=True)
        procs.append(proc)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
        return proc

    yield _start
    for proc in procs:
        proc.kill()
        proc.wait()
        if proc.stdout:
            proc.stdout.close()


def test_lock_children_of_a_killed_holder_do_not_keep_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    holder = subprocess.run([sys.executable, "-c", _HOLDER_WITH_CHILD, str(out)],
                            capture_output=True, text=True, timeout=60)
    assert holder.returncode == -signal.SIGKILL, holder.stderr
    child = int(holder.stdout)
    try:
        assert Path(f"/proc/{child}").exists(), "the holder's child should still run"
        with OutputLock(out):
            pass
    finally:
        os.kill(child, signal.SIGKILL)


def test_lock_busy_with_a_running_holder_names_it(tmp_path: Path) -> None:
    with OutputLock(tmp_path):
        with pytest.raises(OutputLockedError,
                           match=rf"is in use by a running svm \(pid {os.getpid()}\); wait"):
            OutputLock(tmp_path).__enter__()


def test_lock_held_after_its_taker_died_names_who_holds_it(tmp_path: Path, raw_holder) -> None:
    dead = _dead_pid()
    left = raw_holder(f"pid {dead}\n")
    with pytest.raises(OutputLockedError) as err:
        OutputLock(tmp_path / "out").__enter__()
    message = str(err.value)
    assert f"svm pid {dead}, which took the lock, is no longer running" in message
    assert f"pid {left.pid} ({sys.executable} -c " in message
    assert f"(kill {left.pid}) and run again" in message
    assert "in use by a running svm" not in message


def test_lock_taker_pid_reused_by_another_process_counts_as_dead(tmp_path: Path,
                                                                 raw_holder) -> None:
    """The pid in the file runs, but started later than the taker did: a reused pid."""
    left = raw_holder("pid SELF\nstart 1\n")
    with pytest.raises(OutputLockedError, match=f"svm pid {left.pid}, which took the lock, is "
                                                f"no longer running.*kill {left.pid}"):
        OutputLock(tmp_path / "out").__enter__()


def test_lock_taker_on_another_machine_is_assumed_running(tmp_path: Path, raw_holder) -> None:
    raw_holder(f"pid {_dead_pid()}\nhost another-machine.invalid\n")
    with pytest.raises(OutputLockedError, match="is in use by a running svm"):
        OutputLock(tmp_path / "out").__enter__()


def test_lock_file_records_pid_host_and_start(tmp_path: Path) -> None:
    with OutputLock(tmp_path) as lock:
        fields = dict(line.split(" ", 1) for line in lock.path.read_text().splitlines())
    assert fields["pid"] == str(os.getpid())
    assert fields["host"] and fields["start"].isdigit()
    assert time.time() > 0 and not lock.path.exists()
