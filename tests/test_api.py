"""The Python API: hapsvm.run_visit, hapsvm.runsinglehap.perform, data-only overrides, recipes."""
from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import hapsvm
from hapsvm.core import Recipe
from hapsvm.errors import ConfigError
from hapsvm.paths import USER_RECIPES_ENV
from hapsvm.paths import project_paths


@pytest.fixture(scope="module")
def small_visit(tmp_path_factory: pytest.TempPathFactory):
    from hapsvm.simulate import simulate_visit

    return simulate_visit(tmp_path_factory.mktemp("api"), detector="wfc3_ir", n_exposures=2,
                          size=128, seed=21)


def _catalog(visit) -> str:
    return f"align_to_catalog.catalog_file={visit.reference_catalog_path}"


def test_run_visit_returns_a_result_and_leaves_the_caller_alone(small_visit, tmp_path: Path,
                                                                 monkeypatch) -> None:
    cwd = tmp_path / "notebook"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    out = tmp_path / "run"
    result = hapsvm.run_visit(small_visit.poller_path, out, [_catalog(small_visit)])
    assert result.exit_code == 0 and result.ok, result.error
    assert Path.cwd() == cwd and list(root.handlers) == handlers and root.level == level
    assert result.output_dir == out.resolve()
    summary = json.loads(result.summary_path.read_text())
    assert summary["exit_code"] == 0 and summary["status"] == "ok"
    recipe_steps = Recipe.load("v1", project_paths()).steps
    assert {s.step for s in result.steps} == set(recipe_steps)
    assert all(s.status in ("done", "resumed") or s.status.startswith("skipped")
               for s in result.steps)
    assert result.step_seconds()["drizzle_total_product"] > 0
    (total,) = result.products["total_drizzle"]["wfc3_ir"]
    assert total.is_file() and total.name.endswith("_drz.fits")
    assert result.products["point_catalog"]["wfc3_ir"]
    assert result.products["input_copy"]["wfc3_ir"] == sorted(
        result.products["input_copy"]["wfc3_ir"])
    assert result.products["manifest"][""][0].is_file()
    assert "drizzle_total_product" in result.log_path.read_text()
    assert not list(cwd.iterdir())  # nothing written into the caller's directory

    again = hapsvm.run_visit(small_visit.poller_path, out, [_catalog(small_visit)])
    assert again.exit_code == 0
    assert {s.status for s in again.steps if s.step == "drizzle_total_product"} == {"resumed"}
    assert again.products == result.products


def test_run_visit_reports_bad_input_without_raising(tmp_path: Path) -> None:
    listing = tmp_path / "visit.lst"
    listing.write_text(str(tmp_path / "missing_flt.fits") + "\n")
    result = hapsvm.run_visit(listing, tmp_path / "out")
    assert result.exit_code == 2 and not result.ok
    assert "missing_flt.fits" in result.error
    assert json.loads(result.summary_path.read_text())["exit_code"] == 2


@pytest.mark.parametrize("override", [
    "+hydra.callbacks.x._target_=tempfile.mkdtemp",
    "hydra.run.dir=/tmp/elsewhere",
    "+filter_exposures.x={_target_: os.getcwd}",
    "filter_exposures.min_exptime_s=${oc.env:HOME}",
])
def test_run_visit_refuses_overrides_that_are_not_data(override: str, tmp_path: Path) -> None:
    result = hapsvm.run_visit(tmp_path, tmp_path / "out", [override])
    assert result.exit_code == ConfigError.exit_code
    assert "override" in result.error or "hydra" in result.error
    assert not (tmp_path / "out").exists()


def test_perform_processes_into_the_working_directory(small_visit, tmp_path: Path,
                                                      monkeypatch) -> None:
    from hapsvm.runsinglehap import perform

    monkeypatch.chdir(tmp_path)
    code = perform(str(small_visit.poller_path), log_level="no-such-level",
                   overrides=[_catalog(small_visit)])
    assert code == 0
    assert list(tmp_path.glob("hst_*_total_*_drz.fits"))
    assert list(tmp_path.glob("*_manifest.txt"))
    assert perform(str(small_visit.poller_path), "custom_pars.json") == 3


def _user_recipe(directory: Path, name: str, pinned: dict) -> Path:
    data = yaml.safe_load((project_paths().recipes / "v1.yaml").read_text())
    data["recipe"]["name"] = name
    data.update(pinned)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_recipe_by_path_by_user_directory_and_by_environment(tmp_path: Path,
                                                              monkeypatch) -> None:
    pin = {"filter_exposures": {"min_exptime_s": 0.25}}
    path = _user_recipe(tmp_path / "elsewhere", "mine", pin)
    assert Recipe.load(str(path), project_paths()).pinned == pin
    user = project_paths().with_user_recipes(tmp_path / "elsewhere")
    assert Recipe.load("mine", user).path == path
    shadow = _user_recipe(tmp_path / "shadow", "v1", pin)   # user recipes are searched first
    assert Recipe.load("v1", project_paths().with_user_recipes(shadow.parent)).pinned == pin
    monkeypatch.setenv(USER_RECIPES_ENV, str(tmp_path / "elsewhere"))
    assert Recipe.load("mine", project_paths()).path == path
    with pytest.raises(ConfigError, match=r"no recipe 'nope' in .*elsewhere.*allowed: .*'mine'"):
        Recipe.load("nope", project_paths())
    with pytest.raises(ConfigError, match="no recipe file"):
        Recipe.load(str(tmp_path / "absent.yaml"), project_paths())


def test_svm_help_starts_with_usage() -> None:
    svm = shutil.which("svm", path=str(Path(sys.executable).parent)) or "svm"
    r = subprocess.run([svm, "--help"], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "COLUMNS": "100"})
    assert r.returncode == 0, r.stderr
    head = r.stdout.splitlines()[:40]
    text = "\n".join(head)
    assert r.stdout.startswith("svm (hapsvm")
    for needle in ("input=visit.lst", "input=/data/visit/", "output_dir=", "svm demo", "-m ",
                   "--cfg job", "65  no viable data", "README"):
        assert needle in r.stdout, needle
    assert "Usage" in text and "powered by Hydra" not in r.stdout
    assert "== Configuration groups" in r.stdout
