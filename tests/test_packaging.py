"""hapsvm installs as a user would get it: a built wheel in a fresh virtualenv, no checkout.

The wheel test builds the wheel, installs it with its dependencies into a new venv and, from an
empty directory outside the checkout, runs ``svm demo``, ``hapsvm.run_visit`` and
``runsinglehap``; ``import engine`` must fail there. It takes about a minute with a warm pip
cache (CI runs it: it is in the default suite).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
import zipfile
from pathlib import Path

import pytest
import tomllib

from tests.repo import REPO_ROOT
from tests.repo import SOURCE_DIR

#: Environment of the installed tools: nothing that points back at the checkout.
_CLEAN_ENV = {k: v for k, v in os.environ.items()
              if k not in ("PYTHONPATH", "HAPSVM_ROOT", "HAPSVM_RECIPES", "VIRTUAL_ENV")}


def _pyproject() -> dict:
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())


def test_every_source_package_is_shipped() -> None:
    """The explicit package list of pyproject.toml names every sub-package of engine/."""
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    plugins_dir = SOURCE_DIR / "hydra_plugins"       # installed as hydra_plugins.<name>
    found = {"hapsvm." + ".".join(p.parent.relative_to(SOURCE_DIR).parts)
             for p in SOURCE_DIR.rglob("__init__.py")
             if p.parent != SOURCE_DIR and plugins_dir not in p.parents}
    plugins = {f"hydra_plugins.{p.parent.name}" for p in plugins_dir.glob("*/__init__.py")}
    data = {"hapsvm.conf", "hapsvm.svm_recipes", "hapsvm.schemas"}
    assert plugins and listed == {"hapsvm"} | found | plugins | data


def _run(cmd: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, timeout=timeout,
                       env=_CLEAN_ENV)
    assert r.returncode == 0, f"{cmd}\n{r.stdout[-3000:]}\n{r.stderr[-3000:]}"
    return r


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out),
          str(REPO_ROOT)], cwd=out)
    (path,) = out.glob("hapsvm-*.whl")
    return path


def test_wheel_carries_the_package_and_its_data_and_no_engine(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.startswith("engine/") or "/hydra_plugins/" in n]
    for needed in ("hapsvm/__init__.py", "hapsvm/api.py", "hapsvm/conf/config.yaml",
                   "hapsvm/conf/step/drizzle_filter_products.yaml",
                   "hapsvm/conf/header_rules/wfc3.rules", "hapsvm/svm_recipes/v1.yaml",
                   "hapsvm/schemas/run.schema.json",
                   "hapsvm/schemas/step/make_catalogs.schema.json", "hapsvm/py.typed",
                   "hapsvm/conf/hydra/sweeper/svm.yaml", "hapsvm/plan/resource_model.json",
                   "hydra_plugins/hapsvm_sweeper/svm_sweeper.py"):
        assert needed in names, needed
    conf = {p.relative_to(REPO_ROOT).as_posix() for p in (REPO_ROOT / "conf").rglob("*")
            if p.is_file()}
    assert {f"hapsvm/{c}" for c in conf} <= set(names)


def test_installed_wheel_runs_outside_the_checkout(wheel: Path, tmp_path: Path) -> None:
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    bin_dir = env_dir / "bin"
    _run([str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path,
         timeout=900)
    work = tmp_path / "empty"
    work.mkdir()
    python = str(bin_dir / "python")

    r = subprocess.run([python, "-c", "import engine"], cwd=work, capture_output=True,
                       text=True, env=_CLEAN_ENV)
    assert r.returncode != 0 and "No module named 'engine'" in r.stderr

    _run([str(bin_dir / "svm"), "demo", "--size", "128", "--n-exposures", "2",
          "--output", "demo", "quiet=true"], cwd=work)
    products = work / "demo" / "wfc3_ir" / "products"
    assert list(products.glob("hst_*_total_*_drz.fits"))
    poller = next((work / "demo" / "wfc3_ir" / "visit").rglob("*.out"))
    catalog = next((work / "demo" / "wfc3_ir" / "visit").rglob("reference*.ecsv"))

    script = (
        "import json, sys, hapsvm\n"
        f"r = hapsvm.run_visit({str(poller)!r}, 'api_run', "
        f"['align_to_catalog.catalog_file={catalog}'])\n"
        "print(json.dumps({'code': r.exit_code, 'file': hapsvm.__file__,\n"
        "  'total': [str(p) for p in r.products['total_drizzle']['wfc3_ir']],\n"
        "  'summary': str(r.summary_path), 'steps': len(r.steps)}))\n")
    out = json.loads(_run([python, "-c", script], cwd=work).stdout.strip().splitlines()[-1])
    assert out["code"] == 0
    assert "site-packages" in out["file"] and str(REPO_ROOT) not in out["file"]
    assert Path(out["total"][0]).is_file() and Path(out["summary"]).is_file()
    assert out["steps"] >= 19

    rsh = work / "rsh"
    rsh.mkdir()
    _run([str(bin_dir / "runsinglehap"), str(poller), "--",
          f"align_to_catalog.catalog_file={catalog}", "quiet=true"], cwd=rsh)
    assert list(rsh.glob("hst_*_total_*_drz.fits")) and list(rsh.glob("*_manifest.txt"))

    helptext = _run([str(bin_dir / "svm"), "--help"], cwd=work).stdout
    assert helptext.startswith("svm (hapsvm")


def test_plain_pip_install_of_the_checkout_is_not_editable(tmp_path: Path) -> None:
    """``pip install .`` (no -e) puts the package and its data in site-packages."""
    target = tmp_path / "site"
    _run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-compile",
          "--target", str(target), str(REPO_ROOT)], cwd=tmp_path)
    assert (target / "hapsvm" / "conf" / "config.yaml").is_file()
    assert (target / "hapsvm" / "svm_recipes" / "v1.yaml").is_file()
    assert not (target / "engine").exists()
    probe = "import hapsvm.paths as p; print(p.data_root(), p.is_installed_copy())"
    r = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                       text=True, env={**_CLEAN_ENV, "PYTHONPATH": str(target)})
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == [str(target / "hapsvm"), "True"]
