"""Many visits at once with Hydra launchers: same products as single runs, failures isolated."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from hapsvm.cli import expand_visit_arguments, run_visit
from hapsvm.errors import InputError
from tests.reliability.compare import directory_differences
from tests.visit.synthetic import write_exposure

SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def _visits(tmp_path: Path, n: int = 3) -> list[Path]:
    out = []
    for k in range(n):
        v = tmp_path / "visits" / f"visit{k}"
        v.mkdir(parents=True)
        for i in range(2):
            root = f"ib6o3{k}a{i}q"
            write_exposure(v / f"{root}_flt.fits", rootname=root)
        out.append(v)
    return out


def _multirun(tmp_path: Path, visits: list[Path], *extra: str) -> subprocess.CompletedProcess:
    args = ["-m", "input=" + ",".join(map(str, visits)), f"hydra.sweep.dir={tmp_path / 'sweep'}",
            *extra]
    return subprocess.run([*SVM, *args], cwd=tmp_path, capture_output=True, text=True,
                          timeout=600)


@pytest.mark.parametrize("launcher", ["joblib", "submitit_local"])
def test_multirun_equals_single_runs(tmp_path: Path, launcher: str) -> None:
    visits = _visits(tmp_path)
    extra = [f"hydra/launcher={launcher}"]
    if launcher == "submitit_local":
        extra += ["hydra.launcher.timeout_min=10"]
    r = _multirun(tmp_path, visits, *extra)
    assert r.returncode == 0, r.stderr[-3000:]
    summary = (tmp_path / "sweep" / "multirun_summary.tsv").read_text().splitlines()
    assert len(summary) == 4 and all("\tok\t0\t" in line for line in summary[1:])
    for k, visit in enumerate(visits):
        single = tmp_path / f"single{k}"
        assert run_visit(str(visit), single, []).exit_code == 0
        job = tmp_path / "sweep" / f"{k}_visit{k}"
        assert directory_differences(single, job) == [], job


def test_failing_visit_fails_alone(tmp_path: Path) -> None:
    visits = _visits(tmp_path)
    bad = tmp_path / "visits" / "broken.out"
    bad.write_text("not_a_file_flt.fits,1,2\n")
    r = _multirun(tmp_path, [visits[0], bad, visits[2]])
    assert r.returncode == 2, r.stderr[-2000:]
    rows = [line.split("\t") for line in
            (tmp_path / "sweep" / "multirun_summary.tsv").read_text().splitlines()[1:]]
    assert [(row[1], row[2]) for row in rows] == [("ok", "0"), ("failed", "2"), ("ok", "0")]
    assert "has 3 comma-separated columns" in rows[1][6]
    assert list((tmp_path / "sweep" / "2_visit2").glob("*_flt.fits"))


def test_visit_list_expansion(tmp_path: Path) -> None:
    visits = _visits(tmp_path)
    assert expand_visit_arguments([f"input=visits:{tmp_path / 'visits'}"]) == \
        ["input=" + ",".join(map(str, visits))]
    listing = tmp_path / "pollers.txt"
    listing.write_text(f"# my visits\n{visits[1]}\n{visits[0]}\n")
    assert expand_visit_arguments(["-m", f"input=@{listing}", "x=1"]) == \
        ["-m", f"input={visits[1]},{visits[0]}", "x=1"]
    with pytest.raises(InputError, match="names no visit"):
        expand_visit_arguments([f"input=visits:{tmp_path / 'visits' / 'visit0'}"])
