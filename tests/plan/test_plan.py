"""``svm plan``: features from headers, the shipped model against a measured run, memory
classes and the table run_with_retry.py reads."""
from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType

import pytest
from astropy.io import fits

from hapsvm.plan import features as plan_features
from hapsvm.plan.cli import PlanOptions
from hapsvm.plan.cli import plan_main
from hapsvm.plan.cli import plan_settings
from hapsvm.plan.cli import plan_visit
from hapsvm.plan.features import visit_features
from hapsvm.plan.headers import UnusualFitsError
from hapsvm.plan.model import load_model
from hapsvm.plan.model import memory_terms
from hapsvm.plan.model import time_terms
from hapsvm.plan.table import memory_class
from hapsvm.plan.table import parse_memory
from tests.repo import REPO_ROOT

SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def _load_retry() -> ModuleType:
    """benchmarks/cluster/run_with_retry.py, as tests/cluster loads it."""
    spec = importlib.util.spec_from_file_location(
        "plan_run_with_retry", REPO_ROOT / "benchmarks" / "cluster" / "run_with_retry.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _tsv(path: Path) -> list[dict[str, str]]:
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]
    head = lines[0].split("\t")
    return [dict(zip(head, ln.split("\t"), strict=True)) for ln in lines[1:]]


def test_prediction_matches_a_measured_small_run(sim_visit_factory, tmp_path: Path) -> None:
    """A small WFC3/IR visit run with svm (2 processes, the default): the shipped model does
    not under-predict its peak memory by more than 35 % (a class too small) nor over-predict it
    more than twice (a small visit's peak is mostly the model's constant, and the sampled peak
    of a 4-s run varies with the machine's load); CPU time within a factor 2; the grid from
    the headers is the run's grid to a pixel."""
    sim = sim_visit_factory(detector="wfc3_ir", n_exposures=3, size=384, seed=4,
                            obset_id="04")
    out = tmp_path / "run"
    r = subprocess.run([*SVM, f"input={sim.poller_path}", f"output_dir={out}", "quiet=true",
                        "align_to_catalog.providers=[file]",
                        f"align_to_catalog.catalog_file={sim.visit_dir / 'reference_gaia.ecsv'}"],
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    used = json.loads((out / "svm_summary.json").read_text())["resources"]
    features = visit_features(sim.poller_path, plan_settings([]))
    predicted = load_model().predict(features)
    assert 0.5 < used["peak_rss_gib"] / predicted.peak_gib < 1.35, (used, predicted)
    # the summary's CPU time leaves out the interpreter's start-up (about 2-3 s)
    assert 0.5 < (used["cpu_seconds"] + 2.5) / predicted.seconds < 2.0, (used, predicted)
    with fits.open(next(out.glob("*_total_*_drz.fits"))) as hdul:
        run_shape = hdul["SCI"].data.shape
    assert all(abs(a - b) <= 1 for a, b in zip(features.detectors[0].grid_shape, run_shape))


def test_features_count_what_the_planning_steps_keep(sim_visit_factory,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    sim = sim_visit_factory(detector="acs_wfc", n_exposures=2, size=256,
                            filters=["F606W", "F814W"], extras=["dark"])
    found = visit_features(sim.poller_path)
    d = found.detectors[0]
    assert (found.n_read, found.n_kept) == (3, 2)          # the dark exposure is rejected
    assert (d.detector, d.n_exposures, d.n_filters, d.n_chips, d.n_drizzles) == \
        ("acs_wfc", 2, 2, 4, 5)
    assert d.input_pixels == 4 * 128 * 256 and d.largest_exposure_pixels == 2 * 128 * 256

    def refuse(path: object) -> None:
        raise UnusualFitsError("test: read with astropy")

    monkeypatch.setattr(plan_features, "scan_headers", refuse)
    assert visit_features(sim.poller_path) == found         # astropy's reading agrees


def test_memory_terms_follow_the_drizzle_budget(sim_visit_factory) -> None:
    sim = sim_visit_factory(detector="wfc3_ir", n_exposures=4, size=None, seed=2,
                            obset_id="02")
    two = visit_features(sim.poller_path, plan_settings(["processes_per_visit=2"]))
    one = visit_features(sim.poller_path, plan_settings(["processes_per_visit=1"]))
    assert (two.processes, one.processes) == (2, 1)
    assert memory_terms(two)["drizzle_gib"] == pytest.approx(2 * memory_terms(one)["drizzle_gib"])
    assert time_terms(two)["detector_wfc3_ir"] == 1.0 and time_terms(two)["input_mpix"] > 4


def test_memory_classes_and_margin() -> None:
    classes = tuple(parse_memory(c) for c in "2G,8G,16G,64G".split(","))
    assert classes == (2.0, 8.0, 16.0, 64.0) and parse_memory("512M") == 0.5
    assert memory_class(1.6, classes, margin=0.25) == 2.0
    assert memory_class(1.61, classes, margin=0.25) == 8.0
    assert memory_class(60.0, classes, margin=0.25) is None
    with pytest.raises(ValueError, match="expected a number"):
        parse_memory("lots")


def test_plan_table_feeds_run_with_retry(sim_visit_factory, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """Three visits and a broken one: one row each, classes from the predictions, the broken
    visit in the smallest class with its reason; run_with_retry reads the table as is."""
    sims = [sim_visit_factory(detector=det, n_exposures=2, size=256, seed=7, obset_id=obset)
            for det, obset in (("wfc3_ir", "07"), ("wfc3_uvis", "08"), ("acs_wfc", "09"))]
    broken = tmp_path / "broken_input.out"
    broken.write_text(f"{tmp_path / 'nowhere_flt.fits'},1,2,3,4,5,6,7\n")
    inputs = [str(s.poller_path) for s in sims] + [str(broken)]
    table = tmp_path / "visit_plan.tsv"
    code = plan_main([f"input={','.join(inputs)}", "processes_per_visit=1", "--output",
                      str(table), "--classes", "256M,1G,4G", "--margin", "0.3"])
    assert code == 0 and "4 visits" in capsys.readouterr().out
    rows = _tsv(table)
    assert [r["visit"] for r in rows] == ["isim07_input", "isim08_input", "jsim09_input",
                                          "broken_input"]
    model = load_model()
    for row, sim in zip(rows[:3], sims):
        predicted = model.predict(visit_features(sim.poller_path,
                                                 plan_settings(["processes_per_visit=1"])))
        assert float(row["peak_gib"]) == pytest.approx(predicted.peak_gib, abs=1e-3)
        expected = memory_class(predicted.peak_gib, (0.25, 1.0, 4.0), margin=0.3)
        assert row["class"] == {0.25: "256M", 1.0: "1G", 4.0: "4G"}[expected]
        assert row["exposures"] == "2" and float(row["grid_mpix"]) > 0
    assert rows[3]["class"] == "256M" and rows[3]["note"].startswith("not planned: InputError")
    retry = _load_retry()
    classes = retry.read_visit_classes(table, [256, 1024, 4096])
    assert classes == {r["visit"]: retry.parse_mem(r["class"]) for r in rows}


def test_svm_plan_command_many_pollers(sim_visit_factory, tmp_path: Path) -> None:
    """`svm plan input=visits:<dir>` over 200 pollers of one visit: a row each, in well under
    a second per visit (a few milliseconds on an idle core)."""
    sim = sim_visit_factory(detector="wfc3_ir", n_exposures=2, size=128, seed=3, obset_id="03")
    lines = sim.poller_path.read_text().splitlines()
    absolute = []
    for line in lines:
        cols = line.split(",")
        cols[0] = str((sim.poller_path.parent / cols[0]).resolve())
        absolute.append(",".join(cols))
    pollers = tmp_path / "pollers"
    pollers.mkdir()
    for i in range(200):
        (pollers / f"v{i:04d}.out").write_text("\n".join(absolute) + "\n")
    start = time.perf_counter()
    r = subprocess.run([*SVM, "plan", f"input=visits:{pollers}", "--output",
                        str(tmp_path / "plan.tsv")], capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    assert r.returncode == 0, r.stderr[-2000:]
    rows = _tsv(tmp_path / "plan.tsv")
    assert len(rows) == 200 and {r["class"] for r in rows} == {"2G"}
    assert elapsed < 60 and "200 visits" in r.stdout


def test_plan_visit_above_every_class(sim_visit_factory) -> None:
    sim = sim_visit_factory(detector="wfc3_ir", n_exposures=2, size=128, seed=3, obset_id="03")
    row = plan_visit(str(sim.poller_path), plan_settings([]), load_model(),
                     PlanOptions(classes=(0.01, 0.02), margin=0.0))
    assert row.memory_class == 0.02 and row.note.startswith("needs ")


def test_plan_needs_an_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert plan_main(["--output", "x.tsv"]) == 3
    assert "no input given" in capsys.readouterr().err
