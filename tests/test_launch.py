"""The ``svm`` entry point starts a local multirun's joblib workers before composing the sweep."""
from __future__ import annotations

import os

import pytest
from joblib import Parallel, delayed

from engine.launch import joblib_pool_arguments, start_worker_warmup


def _pid(_: int) -> int:
    return os.getpid()


@pytest.mark.parametrize("argv", [
    ["input=a"],                                          # a single run
    ["-m", "input=a,b", "hydra.launcher.n_jobs=1"],       # joblib runs jobs in-process
    ["-m", "input=a,b", "hydra/launcher=submitit_local"],  # another launcher
    ["-m", "input=a,b", "hydra.launcher.verbose=5"],      # other pool arguments
    ["-m", "input=a,b", "hydra.launcher.n_jobs=two"],
])
def test_no_warmup_when_the_pool_would_differ(argv: list[str]) -> None:
    assert joblib_pool_arguments(argv) is None
    assert start_worker_warmup(argv) is None


def test_arguments_are_the_launchers() -> None:
    args = joblib_pool_arguments(["--multirun", "input=a,b", "hydra/launcher=joblib",
                                  "hydra.launcher.n_jobs=2"])
    assert args is not None
    assert args["n_jobs"] == 2 and args["backend"] == "loky"
    assert args["pre_dispatch"] == "2*n_jobs" and args["mmap_mode"] == "r"
    assert "_target_" not in args


def test_warm_workers_are_reused_by_the_sweep() -> None:
    argv = ["-m", "input=a,b", "hydra.launcher.n_jobs=2"]
    thread = start_worker_warmup(argv)
    assert thread is not None
    thread.join(timeout=120)
    assert not thread.is_alive()
    args = joblib_pool_arguments(argv)
    assert args is not None
    warmed = set(thread.worker_pids)
    assert len(warmed) >= 1 and os.getpid() not in warmed
    used = set(Parallel(**args)(delayed(_pid)(i) for i in range(4)))
    assert used <= warmed          # the sweep's pool is the warmed one: no worker started anew
