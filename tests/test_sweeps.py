"""Optuna sweeps: the run returns its metric, the best parameters become a new recipe."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from hapsvm.core import Recipe
from hapsvm.paths import project_paths

SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def test_optuna_sweep_writes_a_best_recipe(tmp_path: Path, sim_visit_factory) -> None:
    pytest.importorskip("hydra_plugins.hydra_optuna_sweeper")
    visit = sim_visit_factory(detector="wfc3_ir", n_exposures=3, size=128, seed=11)
    recipes = tmp_path / "recipes"
    recipes.mkdir()
    (recipes / "v1.yaml").write_text((project_paths().recipes / "v1.yaml").read_text())
    cmd = [*SVM, "-m", "hydra/sweeper=optuna", "hydra.sweeper.n_trials=2", "hydra/launcher=basic",
           "hydra.sweeper.sampler.seed=1", "hydra.sweeper.direction=minimize",
           f"recipes_dir={recipes}", f"hydra.sweep.dir={tmp_path / 's'}",
           "objective=wfc3_ir.alignment_error_mas", f"input={visit.poller_path}", "quiet=true",
           f"align_to_catalog.catalog_file={visit.reference_catalog_path}",
           "find_alignment_sources.nsigma=interval(3.0,8.0)"]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    best = yaml.safe_load((tmp_path / "s" / "optimization_results.yaml").read_text())
    assert 0 < best["best_value"] < 13  # mas: IR alignment error against the true WCS
    tuned = sorted(recipes.glob("v1-tuned-*.yaml"))
    assert len(tuned) == 1
    recipe = Recipe.load(str(tuned[0]), project_paths())
    nsigma = best["best_params"]["find_alignment_sources.nsigma"]
    assert recipe.pinned["find_alignment_sources"]["nsigma"] == nsigma
    assert recipe.steps == Recipe.load("v1", project_paths()).steps
    summaries = list((tmp_path / "s").glob("*/svm_summary.json"))
    assert len(summaries) == 2
