"""A basic sweeper for thousands of visits: first job at once, bounded parent memory.

Hydra's basic sweeper composes every job of a batch in the parent before launching any
(``validate_batch_is_legal``, about 0.2 s per visit: half an hour for 10,000 visits) and keeps
every job's composed config until the sweep ends. This sweeper validates the first job of each
batch only (a job whose config cannot be composed still fails alone, in its own process, with
its error in its summary), launches batches of ``max_batch_size`` jobs, and keeps only a slim
record (overrides, status, return value, directory) of each finished job.
"""
from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from typing import Any

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
from hydra.core.utils import JobReturn
from hydra.plugins.launcher import Launcher
from hydra.types import HydraContext
from hydra.types import TaskFunction
from omegaconf import DictConfig

__all__ = ["SvmSweeper", "slim"]

#: Its config: ``conf/hydra/sweeper/svm.yaml`` (``hydra/sweeper=svm``, the default of svm).

log = logging.getLogger(__name__)


def slim(result: JobReturn) -> JobReturn:
    """A finished job's record without its composed configs (what the parent keeps)."""
    return dataclasses.replace(result, cfg=None, hydra_cfg=None)


class _SlimLauncher(Launcher):
    """Wraps the configured launcher; returns slim job records."""

    def __init__(self, inner: Launcher) -> None:
        self.inner = inner

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        self.inner.setup(hydra_context=hydra_context, task_function=task_function,
                         config=config)

    def launch(self, job_overrides: Sequence[Sequence[str]],
               initial_job_idx: int) -> Sequence[JobReturn]:
        return [slim(r) for r in self.inner.launch(job_overrides, initial_job_idx)]


class SvmSweeper(BasicSweeper):
    """Hydra's basic sweeper (cartesian product of the overrides, batches) made light."""

    def __init__(self, max_batch_size: int | None = 64,
                 params: dict[str, str] | None = None, validate: str = "first") -> None:
        super().__init__(max_batch_size=max_batch_size, params=params)
        if validate not in ("first", "all"):
            raise ValueError(f"hydra.sweeper.validate: {validate!r} is not 'first' or 'all'")
        self.validate = validate

    def setup(self, *, hydra_context: HydraContext, task_function: TaskFunction,
              config: DictConfig) -> None:
        super().setup(hydra_context=hydra_context, task_function=task_function, config=config)
        assert self.launcher is not None
        self.launcher = _SlimLauncher(self.launcher)

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        super().validate_batch_is_legal(batch if self.validate == "all" else batch[:1])

    def sweep(self, arguments: list[str]) -> Any:
        log.info("sweeping in batches of %s jobs (validating %s)", self.max_batch_size,
                 "every job" if self.validate == "all" else "the first of each batch")
        return super().sweep(arguments)
