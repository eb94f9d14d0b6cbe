"""Many runs at once: a per-run summary file, the multirun summary table, best-recipe export.

Each run writes ``svm_summary.json`` in its output directory (status, exit code, why it failed,
wall and CPU time, peak memory, facts per unit, metrics, steps). After a Hydra multirun (any
launcher: joblib, submitit, ray), :class:`MultirunSummary` gathers them into
``multirun_summary.tsv``, ``multirun_failures.tsv`` (failures grouped by reason) and
``multirun_summary.html`` in the sweep directory, logs the table and the failure groups and
remembers the worst exit code; after an Optuna sweep it writes the best parameters as a new
recipe file.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from hapsvm.core.context import atomic_write
from hapsvm.core.multirun_report import FAILURES_FILE
from hapsvm.core.multirun_report import HTML_FILE
from hapsvm.core.multirun_report import SummaryRow
from hapsvm.core.multirun_report import failure_reason
from hapsvm.core.multirun_report import failure_table
from hapsvm.core.multirun_report import group_failures
from hapsvm.core.multirun_report import render_html
from hapsvm.core.multirun_report import row_table
from hapsvm.core.multirun_report import summary_row
from hapsvm.core.runner import RunResult
from hapsvm.core.usage import ResourceUsage
from hapsvm.errors import StepFailed

__all__ = ["write_run_summary", "read_summaries", "MultirunSummary", "SUMMARY_FILE",
           "worst_exit_code", "best_recipe", "Failure", "failure_of", "run_failures",
           "write_multirun_reports"]

log = logging.getLogger(__name__)

SUMMARY_FILE = "svm_summary.json"
_WORST: list[int] = []


@dataclass(frozen=True)
class Failure:
    """Why a run did not succeed: where, the exception type, its message, the group key."""

    type: str
    """Exception class (the cause's, for a step failure)."""
    message: str
    step: str = ""
    unit: str = ""
    reason: str = ""
    """Normalised key (type and message without paths and numbers) grouping alike failures."""


def failure_of(error: BaseException, *, step: str = "", unit: str = "") -> Failure:
    """The :class:`Failure` of an exception (a ``StepFailed`` is unwrapped to its cause).

    Examples
    --------
    >>> failure_of(ValueError("bad value 3 in /tmp/x.fits")).reason
    'ValueError: bad value <n> in <path>'
    """
    if isinstance(error, StepFailed):
        return failure_of(error.cause, step=error.step, unit=error.unit)
    message = str(error)
    return Failure(type=type(error).__name__, message=message, step=step, unit=unit,
                   reason=failure_reason(type(error).__name__, message, step=step))


def run_failures(result: RunResult | None) -> list[Failure]:
    """A run's unit failures, then the problems it worked around (worst exit code first)."""
    if result is None:
        return []
    found = [failure_of(f) for f in result.failures.values()]
    problems = list(result.context.problems) if result.context is not None else []
    problems.sort(key=lambda p: -int(getattr(p, "exit_code", 1)))
    return found + [failure_of(p) for p in problems]


def write_run_summary(output_dir: Path, *, input: str, recipe: str, exit_code: int,
                      seconds: float, result: RunResult | None, error: str = "",
                      failure: Failure | None = None, resources: ResourceUsage | None = None,
                      units: dict[str, dict[str, Any]] | None = None) -> Path:
    """Write ``<output_dir>/svm_summary.json``: status, timings, resources, metrics of one run.

    Parameters
    ----------
    failure
        Why the run failed as a whole (an exception ended it). A run that ended with a
        non-zero exit code by itself records its first unit failure, else its worst problem.
    resources
        Wall, CPU and peak memory of the run (:class:`~hapsvm.core.usage.UsageMeter`).
    units
        Facts per unit, ``{unit: {name: value}}`` (e.g. a detector's alignment catalogue):
        columns of the multirun summary.
    """
    steps = [] if result is None else [vars(r) for r in result.records]
    failures = run_failures(result)
    if failure is None and exit_code != 0 and failures:
        failure = failures[0]
    data: dict[str, Any] = {
        "input": input, "recipe": recipe, "exit_code": exit_code,
        "status": "ok" if exit_code == 0 else ("failed" if result is None else "partial"),
        "wall_seconds": round(seconds, 3),
        "error": error or (failure.message if failure is not None and exit_code else ""),
        "failure": asdict(failure) if failure is not None and exit_code != 0 else None,
        "failed_units": sorted(result.failures) if result else [],
        "failures": [asdict(f) for f in failures],
        "resources": asdict(resources) if resources is not None else None,
        "units": units or {},
        "metrics": dict(result.metrics) if result else {},
        "step_seconds": _seconds_by_step(steps), "steps": steps,
    }
    path = Path(output_dir) / SUMMARY_FILE
    text = json.dumps(data, indent=1)
    atomic_write(path, lambda p: p.write_text(text + "\n"))
    return path


def _seconds_by_step(steps: list[dict[str, Any]]) -> dict[str, float]:
    out: dict[str, float] = {}
    for s in steps:
        out[s["step"]] = round(out.get(s["step"], 0.0) + float(s["seconds"]), 3)
    return out


def read_summaries(sweep_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    """(job directory name, summary) of every run under ``sweep_dir``, in job order."""
    found = []
    for path in sorted(Path(sweep_dir).glob(f"*/{SUMMARY_FILE}"),
                       key=lambda p: (len(p.parent.name), p.parent.name)):
        try:
            found.append((path.parent.name, json.loads(path.read_text())))
        except (OSError, ValueError) as err:
            log.error("unreadable run summary %s: %s", path, err)
    return found


def write_multirun_reports(sweep_dir: Path) -> list[SummaryRow]:
    """Write ``multirun_summary.tsv``, ``multirun_failures.tsv`` and ``multirun_summary.html``
    in ``sweep_dir`` from the summaries of its runs; return the rows."""
    sweep_dir = Path(sweep_dir)
    rows = [summary_row(job, s) for job, s in read_summaries(sweep_dir)]
    table = row_table(rows)
    atomic_write(sweep_dir / "multirun_summary.tsv", lambda p: p.write_text(table))
    failures = failure_table(group_failures(rows))
    atomic_write(sweep_dir / FAILURES_FILE, lambda p: p.write_text(failures))
    page = render_html(rows, title=f"svm multirun {sweep_dir.name}",
                       generated=f"{sweep_dir}, written {time.strftime('%Y-%m-%d %H:%M:%S')}")
    atomic_write(sweep_dir / HTML_FILE, lambda p: p.write_text(page, encoding="utf-8"))
    return rows


def worst_exit_code() -> int | None:
    """The worst exit code seen by the last multirun in this process (None: no multirun)."""
    return max(_WORST) if _WORST else None


def best_recipe(base: str, base_version: str, best_params: dict[str, Any], *, metric: str,
                value: float, directory: Path) -> Path:
    """Write a new recipe extending ``base`` that pins the best parameters of a sweep."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"{base}-tuned-{stamp}"
    data: dict[str, Any] = {
        "defaults": [base, "_self_"],
        "recipe": {"name": name, "version": f"{base_version}+tuned.{stamp}",
                   "description": f"{base} with parameters tuned by an Optuna sweep: best "
                                  f"{metric} = {value:.6g}"}}
    for dotted, val in best_params.items():
        node = data
        *parents, leaf = dotted.split(".")
        for key in parents:
            node = node.setdefault(key, {})
        node[leaf] = val
    path = Path(directory) / f"{name}.yaml"
    atomic_write(path, lambda p: p.write_text(yaml.safe_dump(data, sort_keys=False)))
    return path


class MultirunSummary(Callback):
    """Hydra callback: gather run summaries at the end of a multirun.

    Parameters
    ----------
    recipes_dir
        Where an Optuna sweep's best recipe is written (the user's recipe directory, or a
        checkout's ``svm_recipes/``); None: the sweep directory.
    """

    def __init__(self, recipes_dir: str | None = None) -> None:
        self.recipes_dir = recipes_dir

    def on_multirun_end(self, config: DictConfig, **kwargs: Any) -> None:
        sweep_dir = Path(config.hydra.sweep.dir)
        rows = write_multirun_reports(sweep_dir)
        groups = group_failures(rows)
        failures = "".join(f"\n  {g.count} x {g.reason} (e.g. {', '.join(g.jobs[:3])})"
                           for g in groups)
        log.info("multirun: %d of %d runs succeeded; summary in %s and %s\n%s%s",
                 sum(r.exit_code == 0 for r in rows), len(rows),
                 sweep_dir / "multirun_summary.tsv", sweep_dir / HTML_FILE,
                 (sweep_dir / "multirun_summary.tsv").read_text(),
                 f"failures by reason:{failures}" if groups else "")
        _WORST.append(max((r.exit_code for r in rows), default=0))
        self._export_best(config, sweep_dir)

    def _export_best(self, config: DictConfig, sweep_dir: Path) -> None:
        results = sweep_dir / "optimization_results.yaml"
        if not results.is_file():
            return
        data = yaml.safe_load(results.read_text())
        best = data.get("best_params") or {}
        value = data.get("best_value")
        if not best or value is None:
            return
        target = Path(self.recipes_dir) if self.recipes_dir else sweep_dir
        path = best_recipe(str(config.recipe.name), str(config.recipe.version), best,
                           metric=str(config.get("objective")), value=float(value),
                           directory=target)
        log.info("best recipe of the sweep (%s = %.6g) written to %s", config.get("objective"),
                 float(value), path)
