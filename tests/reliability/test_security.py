"""Security: recipes and overrides are data (no code runs from them), only registered steps
run, the catalogue client talks only to its base URL, and the engine makes no shell calls."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest
import yaml

from hapsvm.cli import run_visit
from hapsvm.core import Recipe
from hapsvm.errors import ConfigError
from hapsvm.paths import project_paths
from tests.repo import REPO_ROOT
from tests.visit.synthetic import write_exposure

MARKER = "hapsvm_security_marker"


@pytest.fixture
def visit(tmp_path: Path) -> Path:
    v = tmp_path / "visit"
    v.mkdir()
    write_exposure(v / "ib6o21a0q_flt.fits", rootname="ib6o21a0q")
    return v


def _recipe(tmp_path: Path, **changes: object) -> Path:
    data = yaml.safe_load((project_paths().recipes / "v1.yaml").read_text())
    if "steps" in changes:
        data["recipe"]["steps"] = changes.pop("steps")
    data.update(changes)
    path = tmp_path / "evil.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize("changes, message", [
    ({"steps": ["read_visit", "os.system"]}, "does not match"),
    ({"steps": ["read_visit", "no_such_step"]}, "unregistered steps"),
    ({"_target_": "os.system"}, "does not match"),
    ({"read_visit": {"_target_": "os.system", "roots": []}}, "_target_"),
    ({"hydra": {"callbacks": {"x": {"_target_": "os.system"}}}}, "hydra"),
    ({"defaults": ["/steps", "/hydra/launcher/basic", "_self_"]}, "defaults"),
    ({"run": "import os"}, "is not of type 'object'"),
])
def test_recipe_with_code_is_refused(tmp_path: Path, visit: Path, changes: dict,
                                     message: str) -> None:
    path = _recipe(tmp_path, **changes)
    with pytest.raises(ConfigError, match=message):
        run_visit(str(visit), tmp_path / "out", [], recipe=str(path))
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("override", [
    "+read_visit._target_=os.system", "+hydra_callback._target_=os.system",
    f"read_visit.roots=[\"${{oc.env:{MARKER}}}\"]",
])
def test_overrides_cannot_smuggle_code(tmp_path: Path, visit: Path, override: str) -> None:
    with pytest.raises(ConfigError):
        run_visit(str(visit), tmp_path / "out", [override])
    assert not (tmp_path / "out").exists()


def test_engine_makes_no_shell_calls() -> None:
    banned_calls = {("os", "system"), ("os", "popen"), ("os", "execv"), ("os", "execvp")}
    for path in sorted((REPO_ROOT / "engine").rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                if isinstance(func, ast.Name):
                    assert func.id not in {"eval", "exec"}, f"{path}: {func.id}()"
                if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
                    assert (func.value.id, func.attr) not in banned_calls, f"{path}: {func.attr}"
                for kw in node.keywords:
                    if kw.arg == "shell":
                        assert isinstance(kw.value, ast.Constant) and not kw.value.value, \
                            f"{path}: shell=True"
            if isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "instantiate":
                pytest.fail(f"{path}: hydra instantiate would run code named in a config")


def test_released_recipes_hold_no_import_paths() -> None:
    for path in project_paths().recipes.glob("*.yaml"):
        text = path.read_text()
        assert "_target_" not in text and "_partial_" not in text, path
        Recipe.load(path.stem, project_paths())
