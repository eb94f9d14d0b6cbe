"""The svm command as a user runs it: overrides, --cfg job, multirun, exit codes."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.visit.synthetic import write_exposure

SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def _svm(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, HYDRA_FULL_ERROR="0")
    return subprocess.run([*SVM, *args], cwd=cwd, capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture
def visit(tmp_path: Path) -> Path:
    v = tmp_path / "v1"
    v.mkdir()
    for i in range(2):
        write_exposure(v / f"ib6o21a{i}q_flt.fits", rootname=f"ib6o21a{i}q")
    return v


def test_cli_cfg_job_shows_the_override(visit: Path, tmp_path: Path) -> None:
    r = _svm(f"input={visit}", "filter_exposures.min_exptime_s=2.5", "--cfg", "job",
             cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "min_exptime_s: 2.5" in r.stdout and "read_visit:" in r.stdout


def test_cli_run_writes_into_hydra_run_dir(visit: Path, tmp_path: Path) -> None:
    r = _svm(f"input={visit}", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    runs = list((tmp_path / "outputs" / "v1" / "v1").iterdir())
    assert len(runs) == 1
    assert (runs[0] / "hst_11359_21_wfc3_ir_f160w_ib6o21a0_flt.fits").is_file()
    assert (runs[0] / ".hydra" / "config.yaml").is_file()


def test_cli_multirun_runs_each_visit(visit: Path, tmp_path: Path) -> None:
    other = tmp_path / "v2"
    other.mkdir()
    write_exposure(other / "ib6o22b1q_flt.fits", rootname="ib6o22b1q")
    r = _svm("-m", f"input={visit},{other}", "hydra.sweep.dir=sweep", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    jobs = sorted((tmp_path / "sweep").iterdir())
    assert [j.name for j in jobs if j.is_dir()] == ["0_v1", "1_v2"]
    assert (jobs[1] / "hst_11359_22_wfc3_ir_f160w_ib6o22b1_flt.fits").is_file()


@pytest.mark.parametrize("args, code, text", [
    (["input=/nonexistent/visit.out"], 2, "input does not exist"),
    (["filter_exposures.min_exptime_s=-3"], 3, "minimum"),
    ([], 3, "no input given"),
])
def test_cli_exit_codes(visit: Path, tmp_path: Path, args: list[str], code: int,
                        text: str) -> None:
    if args and not args[0].startswith("input="):
        args = [f"input={visit}", *args]
    r = _svm(*args, "output_dir=out", cwd=tmp_path)
    assert r.returncode == code, r.stdout + r.stderr
    assert text in r.stdout + r.stderr
    assert not (tmp_path / "out").exists() or not list((tmp_path / "out").glob("*.fits"))


def test_cli_no_viable_data_exits_65(tmp_path: Path) -> None:
    v = tmp_path / "dark"
    v.mkdir()
    write_exposure(v / "ib6o21a0q_flt.fits", rootname="ib6o21a0q", TARGNAME="DARK")
    r = _svm(f"input={v}", "output_dir=out", cwd=tmp_path)
    assert r.returncode == 65, r.stderr
    assert "TARGNAME=DARK" in r.stderr + r.stdout
    assert (tmp_path / "out" / "wfc3_b6o_21_manifest.txt").read_text() == ""  # as runsinglehap
    summary = json.loads((tmp_path / "out" / "svm_summary.json").read_text())
    assert summary["exit_code"] == 65 and "TARGNAME=DARK" in summary["error"]


def test_runsinglehap_front_end_writes_into_cwd(visit: Path, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    (work / "v.lst").write_text("".join(f"{p}\n" for p in sorted(visit.glob("*.fits"))))
    cmd = [sys.executable, "-c", "from hapsvm.runsinglehap import main; main()", "-l", "debug",
           "v.lst"]  # v.lst names files in another folder: read there, as runsinglehap does
    r = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    assert (work / "hst_11359_21_wfc3_ir_f160w_ib6o21a0_flt.fits").is_file()
    assert (work / "svm.log").is_file() and (work / ".hydra" / "config.yaml").is_file()
    bad = subprocess.run([*cmd[:3], "-c", "pars.json", "v.lst"], cwd=work, capture_output=True,
                         text=True, timeout=60)
    assert bad.returncode == 3 and "not supported" in bad.stderr


def test_tuned_collector_freezes_during_a_visit_and_leaks_nothing_after() -> None:
    import gc
    import weakref

    from hapsvm.api import GC_THRESHOLDS
    from hapsvm.api import tuned_collector

    class Node:
        pass

    before = gc.get_threshold()
    try:
        survivor = Node()
        survivor.self = survivor          # a cycle alive when the visit starts: frozen
        ref = weakref.ref(survivor)
        with tuned_collector():
            assert gc.get_threshold() == GC_THRESHOLDS
            assert gc.get_freeze_count() > 0
            del survivor                  # dropped during the visit: not collectable yet
            gc.collect()
            assert ref() is not None
        assert gc.get_freeze_count() == 0
        gc.collect()                      # after the visit it is garbage like any other
        assert ref() is None
    finally:
        gc.set_threshold(*before)
