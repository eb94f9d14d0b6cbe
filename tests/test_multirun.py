"""Many visits at once with Hydra launchers: same products as single runs, failures isolated."""
from __future__ import annotations

import html
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hapsvm.cli import expand_visit_arguments
from hapsvm.cli import run_visit
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
    rows = _tsv(tmp_path / "sweep" / "multirun_summary.tsv")
    assert [(row["status"], row["exit"]) for row in rows] == [("ok", "0"), ("failed", "2"),
                                                              ("ok", "0")]
    assert "has 3 comma-separated columns" in rows[1]["error"]
    assert list((tmp_path / "sweep" / "2_visit2").glob("*_flt.fits"))


def _tsv(path: Path) -> list[dict[str, str]]:
    head, *lines = path.read_text().splitlines()
    return [dict(zip(head.split("\t"), line.split("\t"), strict=True)) for line in lines]


def test_multirun_summary_rows_failure_groups_and_page(tmp_path: Path,
                                                       sim_visit_factory) -> None:
    """Two small simulated visits and a broken one: each row has status, exit code, wall, CPU,
    peak memory, the alignment catalogue and RMS, catalogue rows; the broken visit's reason is
    grouped; the HTML page holds the table, the group and the totals, with no network link."""
    good = [sim_visit_factory(detector="wfc3_ir", n_exposures=2, size=128, seed=s,
                              obset_id=f"0{s}") for s in (1, 2)]
    bad = tmp_path / "broken_input.out"
    bad.write_text(f"{tmp_path / 'missing' / 'ib6o21qmq_flt.fits'},11359,21,1,2,3,4,5\n")
    inputs = [good[0].poller_path, bad, good[1].poller_path]
    r = _multirun(tmp_path, inputs, "processes_per_visit=1", "align_to_catalog.providers=[file]",
                  'align_to_catalog.catalog_file="${svm_input_dir:${input}}/reference_gaia.ecsv"')
    assert r.returncode == 2, r.stderr[-3000:]
    sweep = tmp_path / "sweep"
    rows = _tsv(sweep / "multirun_summary.tsv")
    assert [row["status"] for row in rows] == ["ok", "failed", "ok"]
    for row in (rows[0], rows[2]):
        assert row["units"] == "wfc3_ir" and row["alignment_status"] == "aligned"
        assert row["alignment_catalog"] == "GAIAeDR3" and 0 < float(row["alignment_rms_mas"]) < 20
        assert int(row["alignment_matches"]) >= 6 and int(row["point_rows"]) > 0
        assert int(row["segment_rows"]) > 0 and row["reason"] == "-"
        assert 0.05 < float(row["peak_gib"]) < 4 and float(row["cpu_s"]) > 0
        assert float(row["wall_s"]) > 0
    assert rows[1]["exit"] == "2" and rows[1]["units"] == "-"
    assert rows[1]["reason"].startswith("read_visit: InputError: <path>")
    assert "ib6o21qmq" not in rows[1]["reason"] and "ib6o21qmq" in rows[1]["error"]
    groups = _tsv(sweep / "multirun_failures.tsv")
    assert [(g["reason"], g["count"], g["examples"]) for g in groups] == \
        [(rows[1]["reason"], "1", "1_broken_input")]
    page = (sweep / "multirun_summary.html").read_text()
    assert "<table id=\"visits\">" in page and "<table id=\"failures\">" in page
    assert "3 visits: 1 failed, 2 ok" in page and html.escape(rows[1]["reason"]) in page
    assert "GAIAeDR3" in page and "http" not in page.replace(html.escape(str(sweep)), "")
    summary = json.loads((sweep / "1_broken_input" / "svm_summary.json").read_text())
    assert summary["failure"]["type"] == "InputError" and summary["failure"]["step"] == \
        "read_visit"


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
