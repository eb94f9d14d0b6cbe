"""The ``svm`` console entry point: start local multirun workers early, then run the CLI.

A multirun on the default joblib launcher runs its jobs in loky worker processes, and each new
worker imports the whole pipeline (~2 s) before its first job. Started from here, before the
parent process itself imports the pipeline and composes the sweep, the workers do that import
while the parent does its own; joblib then *reuses* these warm workers for the sweep (loky keeps
one executor per process and reuses it when the pool arguments are the same). Nothing changes
when the arguments differ (another launcher, other joblib settings): loky replaces the pool.
"""
from __future__ import annotations

import os
import sys
import threading

__all__ = ["WorkerWarmup", "joblib_pool_arguments", "main", "start_worker_warmup"]

_MULTIRUN_FLAGS = ("-m", "--multirun")


def joblib_pool_arguments(argv: list[str]) -> dict[str, object] | None:
    """The ``joblib.Parallel`` arguments Hydra's joblib launcher will use for ``argv``.

    None when ``argv`` is not a multirun, selects another launcher, changes a launcher setting
    other than ``n_jobs``, or runs one job at a time (joblib then runs jobs in-process).

    Examples
    --------
    >>> joblib_pool_arguments(["input=a,b"]) is None
    True
    >>> joblib_pool_arguments(["-m", "input=a,b", "hydra.launcher.n_jobs=2"])["n_jobs"]
    2
    >>> joblib_pool_arguments(["-m", "input=a,b", "hydra/launcher=submitit_local"]) is None
    True
    >>> joblib_pool_arguments(["-m", "input=a,b", "hydra.launcher.n_jobs=1"]) is None
    True
    """
    if not any(a in _MULTIRUN_FLAGS for a in argv):
        return None
    n_jobs = -1
    for arg in argv:
        key, _, value = arg.lstrip("+~").partition("=")
        if key.startswith("hydra/launcher"):
            if value != "joblib":
                return None
        elif key.startswith("hydra.launcher."):
            if key != "hydra.launcher.n_jobs":
                return None
            try:
                n_jobs = int(value)
            except ValueError:
                return None
    workers = (os.cpu_count() or 1) if n_jobs < 0 else n_jobs
    if workers <= 1:
        return None
    from hydra_plugins.hydra_joblib_launcher._core import process_joblib_cfg
    from hydra_plugins.hydra_joblib_launcher.config import JobLibLauncherConf

    args = {k: v for k, v in vars(JobLibLauncherConf()).items() if k != "_target_"}
    args.update(n_jobs=n_jobs, backend="loky")        # what the launcher passes to Parallel
    process_joblib_cfg(args)
    return args


def _load_pipeline() -> int:
    """Worker warm-up task: import every step (and the libraries they use)."""
    import engine.steps  # noqa: F401

    return os.getpid()


class WorkerWarmup(threading.Thread):
    """Background thread that starts the pool and imports the pipeline in every worker."""

    def __init__(self, pool_arguments: dict[str, object]) -> None:
        super().__init__(name="svm-worker-warmup", daemon=True)
        self.pool_arguments = pool_arguments
        self.worker_pids: list[int] = []
        """Process ids of the warmed workers (empty until the warm-up has run)."""

    def run(self) -> None:
        from joblib import Parallel, delayed

        n_jobs = int(self.pool_arguments["n_jobs"])  # type: ignore[call-overload]
        n_workers = n_jobs if n_jobs > 0 else (os.cpu_count() or 1)
        try:
            self.worker_pids = list(Parallel(**self.pool_arguments)(
                delayed(_load_pipeline)() for _ in range(n_workers)))
        except Exception:  # noqa: BLE001 - a failed warm-up only costs the time it would save
            self.worker_pids = []


def start_worker_warmup(argv: list[str]) -> WorkerWarmup | None:
    """Start the joblib workers of a local multirun in the background (None: nothing to warm)."""
    try:
        args = joblib_pool_arguments(argv)
    except ImportError:                       # the joblib launcher plugin is not installed
        return None
    if args is None:
        return None
    warmup = WorkerWarmup(args)
    warmup.start()
    return warmup


def main() -> None:
    """Console entry point of ``svm`` (see :func:`engine.cli.main`)."""
    warmup = start_worker_warmup(sys.argv[1:])
    from engine.cli import main as cli_main

    if warmup is not None:
        warmup.join()
    cli_main()
