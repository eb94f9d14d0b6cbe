"""benchmarks/results/peers.md: goal verdicts computed from run records, no figures in its prose."""
from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pytest

from tests.repo import REPO_ROOT

BENCHMARKS = REPO_ROOT / "benchmarks"
PEERS_MD = BENCHMARKS / "results" / "peers.md"


def _module(path: Path, name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module           # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


sys.path.insert(0, str(BENCHMARKS / "peers"))    # report.py imports peer_goals
sys.path.insert(0, str(BENCHMARKS))              # results_page imports run_record
goals = _module(BENCHMARKS / "peers" / "peer_goals.py", "peer_goals")
report = _module(BENCHMARKS / "peers" / "report.py", "peers_report")
page = _module(BENCHMARKS / "results_page.py", "results_page")


def _run(wall: float, cpu: float, rss: float, *, align: float | None = None,
         phot: dict[str, tuple[float, int]] | None = None,
         stages: dict[str, Any] | None = None, exit_code: int = 0) -> dict[str, Any]:
    quality: dict[str, Any] = {"catalog_rows": {}, "products": []}
    if align is not None:
        quality["alignment"] = {"n_exposures": 4, "rms_mas": align,
                                "worst_exposure_rms_mas": align, "apriori_rms_mas": 100.0}
    else:
        quality["wcsnames"] = ["OPUS"]
    if phot:
        quality["photometry"] = {f: {"n": n, "bias_pct": -15.0, "scatter_pct": s}
                                 for f, (s, n) in phot.items()}
    timing = {"wall_s": wall, "cpu_s": cpu, "max_rss_mib": rss, "peak_tree_rss_mib": rss + 50,
              "exit": exit_code, "command": "cmd", "catalog_url": "http://127.0.0.1:1/x"}
    st = stages or {"phases_s": {"align": 1.0}, "astrodrizzle_s": {"Final Drizzle": 1.0},
                    "total_processing_s": 1.0}
    return {"timing": timing, "runs": [{**timing, "stages": st}], "repeat": 1,
            "quality": quality, "run_dir": "/x/run", "git": "abc1234", "finished": "today"}


def _hap(wall: float, cpu: float, rss: float, drizzle: tuple[float, float, float | None],
         **kw: Any) -> dict[str, Any]:
    stage, kern, blot = drizzle
    st = {"steps": {"drizzle_filter_products": {"seconds": stage, "status": ["done"]}},
          "drizzle_stage_s": stage, "kernel_s_logged": kern, "blot_s_logged": blot}
    return _run(wall, cpu, rss, stages=st, **kw)


def _resample(swarp: float, hapsvm: float) -> dict[str, Any]:
    sw = {"output_shape": [100, 120], "input_mpix": 4.0, "mpix_per_s_input": swarp,
          "median": {"user_s": 1.0, "sys_s": 0.5, "wall_s": 4.0 / swarp},
          "command": "SWarp /w/inputs/a_sci1.fits /w/inputs/a_sci2.fits -NTHREADS 2"}
    kern = {"mpix_per_s_input": hapsvm, "input_mpix": 4.0, "kernel_mpix_per_s_input": 9.0,
            "median_s": {"cpu": 2.0, "total": 4.0 / hapsvm, "read": 0.1, "pixmap": 0.2,
                         "kernel": 0.3, "write": 0.4}}
    return {"grid_from": "hapsvm", "swarp": {"LANCZOS3_2t": sw, "NEAREST_2t": sw},
            "hapsvm": {"kernels": {"square": kern, "point": kern}}}


def _records() -> dict[str, dict[str, Any]]:
    """Four visits: the wall goal missed on sim IR, the drizzle goal on sim IR, no SWarp on IR."""
    return {
        "real": {"runsinglehap": _run(60.0, 60.0, 600.0),
                 "hapsvm": _hap(10.0, 15.0, 300.0, (6.0, 2.4, None))},
        "sim_ir": {"runsinglehap": _run(40.0, 40.0, 700.0, align=8.8,
                                        phot={"f160w": (6.3, 137)}),
                   "hapsvm": _hap(10.0, 10.0, 290.0, (6.2, 3.0, 0.6), align=1.0,
                                  phot={"f160w": (5.9, 136)})},
        "sim_uvis": {"runsinglehap": _run(600.0, 600.0, 5000.0, align=1.55,
                                          phot={"f555w": (1.83, 258)}),
                     "hapsvm": _hap(100.0, 120.0, 1900.0, (58.1, 42.7, 9.8), align=0.13,
                                    phot={"f555w": (1.86, 262)}),
                     "resample": _resample(2.5, 3.8)},
        "sim_acs": {"runsinglehap": _run(600.0, 600.0, 5400.0, align=2.6),
                    "hapsvm": _hap(100.0, 150.0, 1900.0, (86.6, 64.5, 12.8), align=0.24),
                    "resample": _resample(1.3, 2.6)},
    }


def _by_goal(verdicts: list[Any]) -> dict[str, Any]:
    keys = ["wall", "cpu", "align", "stars", "rss", "drizzle", "swarp"]
    assert len(verdicts) == len(keys)
    return dict(zip(keys, verdicts))


def test_peer_goals_verdicts_of_a_synthetic_record_set() -> None:
    v = _by_goal(goals.goal_verdicts(_records()))
    assert v["wall"].verdict == "not met (met on real IR, sim ACS, sim UVIS)"
    assert "sim IR 4.00× (10.0 s vs 40.0 s)" in v["wall"].evidence
    assert v["cpu"].verdict == "met"
    assert v["align"].verdict == "met"
    assert "real IR: no true WCS" in v["align"].evidence
    assert v["stars"].verdict == "met within the measurement noise"
    assert "sim UVIS F555W 1.86 vs 1.83 %" in v["stars"].evidence
    assert v["rss"].verdict == "met"
    assert "1.86 GiB largest process" in v["rss"].evidence
    # sim IR misses it; the real visit logged no blot time and its bound decides nothing
    assert v["drizzle"].verdict == "not met (met on sim ACS, sim UVIS)"
    assert "real IR at most 2.50 (no blot time logged" in v["drizzle"].evidence
    assert v["swarp"].verdict == "met on the visits measured"
    assert "no record: real IR, sim IR" in v["swarp"].evidence
    table = goals.verdict_table(list(v.values()))
    assert table[0] == "| goal | verdict | evidence |"
    assert "| **not met (met on real IR, sim ACS, sim UVIS)** |" in table[2]


def test_peer_goals_thresholds_decide_the_verdicts() -> None:
    records = _records()
    acs = records["sim_acs"]
    acs["hapsvm"]["timing"]["max_rss_mib"] = goals.ACS_RSS_MAX_MIB + 1
    acs["resample"] = _resample(goals.SWARP_RATIO_MAX * 2.0 + 0.01, 2.0)
    uvis = records["sim_uvis"]["hapsvm"]["quality"]["photometry"]["f555w"]
    uvis["scatter_pct"] = 2.5                   # far beyond the noise of a 1.83 % scatter
    v = _by_goal(goals.goal_verdicts(records))
    assert v["rss"].verdict == "not met"
    assert v["swarp"].verdict == "not met (met on sim UVIS)"
    assert v["stars"].verdict == "not met (met on sim IR)"
    records["sim_ir"]["hapsvm"]["timing"]["exit"] = 1
    v = _by_goal(goals.goal_verdicts(records))
    assert "sim IR: exit 1 (hapsvm)" in v["wall"].evidence
    assert v["cpu"].verdict == "met on the visits measured"
    assert all(x.verdict == "not measured" for x in goals.goal_verdicts({}))


def test_peer_goals_scatter_standard_error_matches_simulation() -> None:
    rng = np.random.default_rng(20)
    n, sigma = 200, 2.0
    x = rng.normal(0.0, sigma, size=(4000, n))
    mad = 1.4826 * np.median(np.abs(x - np.median(x, axis=1, keepdims=True)), axis=1)
    assert goals.scatter_standard_error(sigma, n) == pytest.approx(mad.std(), rel=0.06)


def _write_records(work: Path, records: dict[str, dict[str, Any]]) -> None:
    for visit, per in records.items():
        (work / "results" / visit).mkdir(parents=True)
        for name, rec in per.items():
            (work / "results" / visit / f"{name}.json").write_text(json.dumps(rec))


def test_peers_report_writes_the_verdicts_and_keeps_the_prose(tmp_path: Path) -> None:
    out = tmp_path / "peers.md"
    prose = "# Peers\n\nExplanations only.\n\n"
    out.write_text(f"{prose}{report.BEGIN}\nold\n{report.END}\n\n## After\n\nMore prose.\n")
    assert report.write_report(tmp_path / "work", out, REPO_ROOT, tmp_path / "peerenv") == 1
    assert "\nold\n" in out.read_text()            # no records: the page is left as it is
    _write_records(tmp_path / "work", _records())
    assert report.write_report(tmp_path / "work", out, REPO_ROOT, tmp_path / "peerenv") == 0
    text = out.read_text()
    assert text.startswith(prose) and text.endswith("## After\n\nMore prose.\n")
    assert "\nold\n" not in text
    body = text.split(report.BEGIN)[1]
    assert body.startswith("\n## Summary: goals and verdicts\n")
    assert "| **not met (met on real IR, sim ACS, sim UVIS)** |" in body
    # results_page copies the generated tables, verdicts included, and nothing of the prose
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / "peers.md").write_text(text.replace("Explanations only.",
                                                                "typed 9.87 s"))
    copied = page.render_peers(tmp_path / "results")
    assert "**Summary: goals and verdicts**" in copied
    assert "| **met within the measurement noise** |" in copied
    assert "9.87" not in copied and "More prose" not in copied


def test_peers_page_prose_has_no_figures() -> None:
    text = PEERS_MD.read_text()
    assert text.count(report.BEGIN) == 1 and text.count(report.END) == 1
    assert page.prose_figures(text) == []
    prose = page.MARKER_PLAIN.sub("", text)
    assert re.findall(r"\b\d{1,2}:\d{2}\b", prose) == []          # no times of day


def test_peers_prose_scan_sees_the_plain_markers() -> None:
    text = f"took 3.7× less\n{report.BEGIN}\n1.88 GiB\n{report.END}\nthen 151.7 s\n"
    assert page.prose_figures(text) == ["3.7×", "151.7 s"]
