"""Many runs at once: a per-run summary file, the multirun summary table, best-recipe export.

Each run writes ``svm_summary.json`` in its output directory. After a Hydra multirun (any
launcher: joblib, submitit, ray), :class:`MultirunSummary` gathers them into
``multirun_summary.tsv`` in the sweep directory, prints the table and remembers the worst exit
code; after an Optuna sweep it writes the best parameters as a new recipe file.
"""
from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import yaml
from hydra.experimental.callback import Callback
from omegaconf import DictConfig

from hapsvm.core.context import atomic_write
from hapsvm.core.runner import RunResult

__all__ = ["write_run_summary", "read_summaries", "MultirunSummary", "SUMMARY_FILE",
           "worst_exit_code", "best_recipe"]

log = logging.getLogger(__name__)

SUMMARY_FILE = "svm_summary.json"
_WORST: list[int] = []


def write_run_summary(output_dir: Path, *, input: str, recipe: str, exit_code: int,
                      seconds: float, result: RunResult | None, error: str = "") -> Path:
    """Write ``<output_dir>/svm_summary.json``: status, timings and metrics of one run."""
    steps = [] if result is None else [vars(r) for r in result.records]
    data: dict[str, Any] = {
        "input": input, "recipe": recipe, "exit_code": exit_code,
        "status": "ok" if exit_code == 0 else ("failed" if result is None else "partial"),
        "wall_seconds": round(seconds, 3), "error": error,
        "failed_units": sorted(result.failures) if result else [],
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


def _table(rows: list[tuple[str, dict[str, Any]]]) -> str:
    head = ["job", "status", "exit", "wall_s", "input", "metrics", "error"]
    lines = ["\t".join(head)]
    for job, s in rows:
        metrics = ",".join(f"{k}={v:.4g}" for k, v in sorted(s.get("metrics", {}).items()))
        lines.append("\t".join([job, s["status"], str(s["exit_code"]), f"{s['wall_seconds']:.1f}",
                                s["input"], metrics or "-", s.get("error", "") or "-"]))
    return "\n".join(lines) + "\n"


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
        rows = read_summaries(sweep_dir)
        text = _table(rows)
        atomic_write(sweep_dir / "multirun_summary.tsv", lambda p: p.write_text(text))
        n_ok = sum(s["exit_code"] == 0 for _, s in rows)
        log.info("multirun: %d of %d runs succeeded; summary in %s\n%s", n_ok, len(rows),
                 sweep_dir / "multirun_summary.tsv", text)
        _WORST.append(max((s["exit_code"] for _, s in rows), default=0))
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
