"""`svm demo`: simulate a visit and run every step of the recipe on it, with no data."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml


def test_demo_runs_every_recipe_step(tmp_path: Path) -> None:
    cmd = [sys.executable, "-c", "from hapsvm.cli import main; main()", "demo", "--size", "128",
           "--output", str(tmp_path / "demo")]
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    products = tmp_path / "demo" / "wfc3_ir" / "products"
    manifest = next(products.glob("*_manifest.txt"))
    recipe = yaml.safe_load(next(products.glob("*_manifest_recipe.yaml")).read_text())
    steps = recipe["provenance"]["steps"]
    assert not [s for s in steps if s["status"] == "failed"], steps
    ran = {s["step"] for s in steps if s["status"] == "done"}
    ran |= {s["step"] for s in steps if s["status"] == "skipped" and "no grism" in s["message"]}
    from hapsvm.core import Recipe
    from hapsvm.paths import project_paths

    expected = set(Recipe.load("v1", project_paths()).steps) - {"write_manifest"}
    assert expected <= ran, f"steps not run by the demo: {expected - ran}"
    for name in manifest.read_text().split():
        assert (products / name).is_file(), name
    assert (tmp_path / "demo" / "wfc3_ir" / "visit").is_dir()
