"""read_visit end to end: a list in one folder naming exposures in another, with and without
the opt-in ``read_visit.roots`` restriction (issue 16)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from hapsvm.cli import run_visit


@pytest.fixture
def listed_elsewhere(sim_visit_factory: Callable, tmp_path: Path) -> tuple[object, Path]:
    """A small simulated visit and ``lists/visit.lst`` naming its files by absolute path."""
    visit = sim_visit_factory(detector="wfc3_ir", n_exposures=2, size=128)
    lists = tmp_path / "lists"
    lists.mkdir()
    listing = lists / "visit.lst"
    listing.write_text("".join(f"{p.resolve()}\n" for p in visit.exposure_paths))
    return visit, listing


# add_skycells writes SKYCELL with a comment that no longer fits when an exposure touches 3+
# sky cells; astropy then truncates the comment with this warning.
@pytest.mark.filterwarnings("ignore:Card is too long, comment will be truncated")
def test_read_visit_list_naming_another_folder_runs(listed_elsewhere: tuple[object, Path],
                                                    tmp_path: Path) -> None:
    visit, listing = listed_elsewhere
    out = tmp_path / "out"
    result = run_visit(str(listing), out,
                       [f"align_to_catalog.catalog_file={visit.reference_catalog_path}"])
    assert result.exit_code == 0, result.failures
    assert [e.path for e in result.context.peek("exposures")] == \
        [p.resolve() for p in visit.exposure_paths]
    assert len(list(out.glob("hst_*_f160w_*_flt.fits"))) == 2
    assert len(list(out.glob("hst_*_total_*_drz.fits"))) == 1
    assert next(out.glob("*_manifest.txt")).read_text().strip()


def test_read_visit_roots_refuse_a_list_naming_another_folder(
        listed_elsewhere: tuple[object, Path], tmp_path: Path) -> None:
    visit, listing = listed_elsewhere
    other = tmp_path / "archive_cache"
    other.mkdir()
    cmd = [sys.executable, "-c", "from hapsvm.cli import main; main()", f"input={listing}",
           "output_dir=out", f"read_visit.roots=[{other}]"]
    env = dict(os.environ, HYDRA_FULL_ERROR="0")
    r = subprocess.run(cmd, cwd=tmp_path, capture_output=True, text=True, env=env, timeout=300)
    assert r.returncode == 2, r.stdout + r.stderr
    first = visit.exposure_paths[0].resolve()
    assert f"{listing} line 1: path '{first}' lies outside the allowed input roots " \
        f"['{listing.parent}', '{other}']" in r.stdout + r.stderr
    out = tmp_path / "out"
    assert not list(out.glob("*.fits"))
    assert json.loads((out / "svm_summary.json").read_text())["exit_code"] == 2
