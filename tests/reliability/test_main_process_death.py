"""Death of the main process (issue 18): SIGKILL of the main ``svm`` process alone (not its
process group, as an out-of-memory killer does it) while a step runs worker processes leaves
no process of that run alive and the output directory free: a rerun straight after exits 0
with the products of an uninterrupted run."""
from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from hapsvm.cli import run_visit
from hapsvm.core import Recipe
from hapsvm.paths import project_paths
from tests.reliability.compare import directory_differences

#: Steps that run worker processes (processes_per_visit=2; the drizzles at any size with
#: min_parallel_pixels=0, else from 3 million input pixels).
WORKER_STEPS = ["find_alignment_sources", "define_output_grid", "drizzle_filter_products",
                "drizzle_total_product"]
#: The one run by default (several pools: sky, single drizzles, blot, exposure products).
DEFAULT_CASE = "drizzle_filter_products"
#: Seconds the killed run's processes may take to go.
GRACE_S = 5.0
MARK = "HAPSVM_TEST_RUN_MARK"


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    from hapsvm.simulate import simulate_visit

    return simulate_visit(tmp_path_factory.mktemp("orphans"), detector="wfc3_ir",
                          n_exposures=3, size=128, seed=7)


def _overrides(sim) -> list[str]:
    from hapsvm.demo import catalog_overrides

    return [*catalog_overrides(sim.reference_catalog_path,
                               Recipe.load("v1", project_paths()).steps),
            "processes_per_visit=2", "define_output_grid.max_workers=2",
            "drizzle_filter_products.min_parallel_pixels=0",
            "drizzle_total_product.min_parallel_pixels=0"]


@pytest.fixture(scope="module")
def clean_run(sim, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "out"
    assert run_visit(str(sim.poller_path), out, _overrides(sim)).exit_code == 0
    return out


def _processes_marked(mark: str) -> list[tuple[int, str]]:
    """(pid, command line) of the live processes (zombies excepted) whose environment has
    ``MARK=mark``: the svm run started with it and every process it started."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            if needle not in (entry / "environ").read_bytes().split(b"\0"):
                continue
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if state not in ("Z", "X"):
            found.append((int(entry.name), cmd[:120]))
    return found


def _wait_until(predicate, timeout: float, period: float = 0.005) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(period)
    return predicate()


def _kill_main_during(sim, out: Path, step: str, log: Path) -> tuple[str, list[int], float]:
    """Start svm, SIGKILL its main process alone while ``step`` has worker processes.

    Returns the run's marker, the pids of the workers seen at the kill and its time.
    """
    mark = uuid.uuid4().hex
    cmd = [sys.executable, "-c", "from hapsvm.cli import main; main()",
           f"input={sim.poller_path}", f"output_dir={out}", *_overrides(sim)]
    with open(log, "w") as sink:
        proc = subprocess.Popen(cmd, stdout=sink, stderr=subprocess.STDOUT,
                                env={**os.environ, MARK: mark})
    try:
        started = re.compile(rf"{step} \[[^\]]*\]: start")
        ended = re.compile(rf"{step} \[[^\]]*\]: (done|skipped|failed)")
        _wait_until(lambda: bool(started.search(log.read_text())) or proc.poll() is not None,
                    120, 0.01)
        assert started.search(log.read_text()), f"{step} never started"
        seen: list[int] = []

        def worker_or_end() -> bool:
            seen[:] = [pid for pid, _ in _processes_marked(mark) if pid != proc.pid]
            return bool(seen) or proc.poll() is not None or bool(ended.search(log.read_text()))

        _wait_until(worker_or_end, 120)
        killed_at = time.monotonic()
        os.kill(proc.pid, signal.SIGKILL)       # the main process only, not its group
        proc.wait(timeout=30)
        assert seen, f"{step} ended before a worker process was seen"
        return mark, seen, killed_at
    except BaseException:
        proc.kill()
        proc.wait()
        raise


def _check_kill_and_rerun(sim, clean_run: Path, tmp_path: Path, step: str) -> None:
    out = tmp_path / "out"
    mark, workers, killed_at = _kill_main_during(sim, out, step, tmp_path / "killed.log")
    try:
        gone = _wait_until(lambda: not _processes_marked(mark), GRACE_S, 0.01)
        left = _processes_marked(mark)
        assert gone, f"alive {GRACE_S:.0f} s after the kill: {left} (workers seen: {workers})"
        print(f"{step}: {len(workers)} worker(s) gone {time.monotonic() - killed_at:.2f} s "
              "after the kill")
    finally:
        for pid, _ in _processes_marked(mark):
            os.kill(pid, signal.SIGKILL)
    result = run_visit(str(sim.poller_path), out, _overrides(sim))
    assert result.exit_code == 0
    assert directory_differences(clean_run, out) == []
    assert not list(out.glob(".*.part")), "partial files left behind"


#: A pool's parent: prints its worker's pid, then dies by SIGKILL while the worker works.
_PARENT = """
import functools, multiprocessing, os, signal, sys, time
from concurrent.futures import ProcessPoolExecutor
from hapsvm.parallel import die_with_parent
method, use_kernel = sys.argv[1], sys.argv[2] == "kernel"
init = functools.partial(die_with_parent, use_kernel=use_kernel, poll_s=0.05)
pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context(method), initializer=init,
                           initargs=(os.getpid(), method != "forkserver"))
print(pool.submit(os.getpid).result(), flush=True)
pool.submit(time.sleep, 60)
time.sleep(0.2)
os.kill(os.getpid(), signal.SIGKILL)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("method, how", [("fork", "kernel"), ("fork", "watchdog"),
                                         ("forkserver", "kernel"), ("forkserver", "watchdog")])
def test_die_with_parent_kills_the_worker_of_a_killed_parent(method: str, how: str) -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT, method, how],
                              stdout=subprocess.PIPE, text=True)
    assert parent.stdout is not None
    worker = int(parent.stdout.readline())
    assert parent.wait(timeout=30) == -signal.SIGKILL
    parent.stdout.close()
    try:
        assert _wait_until(lambda: not _alive(worker), GRACE_S, 0.01), "worker outlived parent"
    finally:
        if _alive(worker):
            os.kill(worker, signal.SIGKILL)


def test_die_with_parent_kills_a_worker_whose_parent_is_already_gone() -> None:
    """The parent died before the signal was armed: the worker ends itself at once."""
    import multiprocessing

    from hapsvm.parallel import die_with_parent

    ctx = multiprocessing.get_context("fork")
    orphan = ctx.Process(target=die_with_parent, args=(1,))   # pid 1 is not its parent
    child = ctx.Process(target=die_with_parent, args=(os.getpid(),))
    for p in (orphan, child):
        p.start()
        p.join(timeout=30)
    assert (orphan.exitcode, child.exitcode) == (-signal.SIGKILL, 0)


def test_main_process_death_leaves_no_worker(sim, clean_run: Path, tmp_path: Path) -> None:
    _check_kill_and_rerun(sim, clean_run, tmp_path, DEFAULT_CASE)


@pytest.mark.slow
@pytest.mark.parametrize("step", [s for s in WORKER_STEPS if s != DEFAULT_CASE])
def test_main_process_death_in_every_worker_step(sim, clean_run: Path, tmp_path: Path,
                                                 step: str) -> None:
    _check_kill_and_rerun(sim, clean_run, tmp_path, step)
