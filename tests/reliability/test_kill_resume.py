"""Kill points: an svm run killed with SIGKILL during a step, then resumed, gives the same
products as an uninterrupted run, loses nothing and leaves no partial file (issue 9)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from hapsvm.cli import run_visit
from hapsvm.core import Recipe
from hapsvm.core import get_step
from hapsvm.core.provenance import sha256_of
from hapsvm.paths import project_paths
from tests.reliability.compare import directory_differences

#: Steps to kill in, when the recipe has them (heaviest work first).
KILL_CANDIDATES = ["copy_inputs", "align_to_catalog", "drizzle_filter_products",
                   "drizzle_total_product", "make_catalogs", "make_point_catalogs",
                   "write_trailers"]


def _kill_points() -> list[str]:
    steps = Recipe.load("v1", project_paths()).steps
    return [s for s in KILL_CANDIDATES if s in steps and not get_step(s).planning]


@pytest.fixture(scope="module")
def sim(tmp_path_factory: pytest.TempPathFactory):
    from hapsvm.simulate import simulate_visit

    return simulate_visit(tmp_path_factory.mktemp("kill"), detector="wfc3_ir", n_exposures=3,
                          size=128, seed=7)


def _overrides(sim) -> list[str]:
    from hapsvm.demo import catalog_overrides

    return catalog_overrides(sim.reference_catalog_path,
                             Recipe.load("v1", project_paths()).steps)


@pytest.fixture(scope="module")
def clean_run(sim, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("clean") / "out"
    assert run_visit(str(sim.poller_path), out, _overrides(sim)).exit_code == 0
    return out


def _run_and_kill(sim, out: Path, step: str) -> bool:
    """Start svm in a subprocess and SIGKILL it when ``step`` starts; True if it was killed."""
    cmd = [sys.executable, "-c", "from hapsvm.cli import main; main()",
           f"input={sim.poller_path}", f"output_dir={out}", *_overrides(sim)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            bufsize=1)
    killed = False
    assert proc.stdout is not None
    for line in proc.stdout:
        if f"{step} [" in line and "]: start" in line:
            os.kill(proc.pid, signal.SIGKILL)
            killed = True
            break
    proc.wait(timeout=300)
    proc.stdout.close()
    return killed


@pytest.mark.parametrize("step", _kill_points())
def test_killed_run_resumes_to_the_same_products(sim, clean_run: Path, tmp_path: Path,
                                                 step: str) -> None:
    inputs = {p: sha256_of(p) for p in sim.exposure_paths}
    out = tmp_path / "out"
    assert _run_and_kill(sim, out, step), f"{step} never started"
    result = run_visit(str(sim.poller_path), out, _overrides(sim))
    assert result.exit_code == 0
    statuses = {r.step: r.status for r in result.records}
    assert not list(out.glob(".*.part")), "partial files left behind"
    assert directory_differences(clean_run, out) == []
    assert {p: sha256_of(p) for p in sim.exposure_paths} == inputs
    assert "resumed" in statuses.values() or step == _kill_points()[0]


def test_kill_point_count_for_the_summary() -> None:
    assert len(_kill_points()) >= 2
