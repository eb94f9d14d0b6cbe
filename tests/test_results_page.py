"""Benchmark pages: every figure generated from benchmarks/results/, none typed in the prose."""
from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.repo import REPO_ROOT

BENCHMARKS = REPO_ROOT / "benchmarks"


def _module(path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


sys.path.insert(0, str(BENCHMARKS))          # results_page and paired import run_record
page = _module(BENCHMARKS / "results_page.py")
paired = _module(BENCHMARKS / "peers" / "paired.py")


def _readme_section(text: str) -> str:
    start = text.index("## Accuracy and speed")
    end = text.find("\n## ", start + 1)
    return text[start:end if end > 0 else len(text)]


def test_results_page_check_passes_on_the_committed_pages() -> None:
    r = subprocess.run([sys.executable, str(BENCHMARKS / "results_page.py"), "--check"],
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_results_page_prose_has_no_figures() -> None:
    results = (BENCHMARKS / "RESULTS.md").read_text()
    readme = _readme_section((REPO_ROOT / "README.md").read_text())
    assert page.prose_figures(results) == []
    assert page.prose_figures(readme) == []
    assert "BEGIN GENERATED: accuracy_speed" in readme


def test_results_page_prose_scan_finds_typed_figures() -> None:
    body = "<!-- BEGIN GENERATED: x -->\n12.5 s, 0.6 %, 1.88 GiB\n<!-- END GENERATED: x -->\n"
    assert page.prose_figures(body) == []
    typed = ("took 12.5 s; fluxes within 0.6 %, 1.88 GiB peak, 3.1× faster, 4 mas, 7 px\n"
             "4 exposures of 256 px chips in 2 cores, version 3.11, issue 4\n")
    assert page.prose_figures(typed + body) == ["12.5 s", "0.6 %", "1.88 GiB", "3.1×", "4 mas",
                                                "7 px", "256 px"]


def _copy_tree(root: Path) -> Path:
    (root / "benchmarks").mkdir(parents=True)
    shutil.copytree(BENCHMARKS / "results", root / "benchmarks" / "results")
    shutil.copy(BENCHMARKS / "RESULTS.md", root / "benchmarks" / "RESULTS.md")
    shutil.copy(REPO_ROOT / "README.md", root / "README.md")
    return root


def test_results_page_check_fails_when_a_result_changes(tmp_path: Path) -> None:
    root = _copy_tree(tmp_path)
    path = root / "benchmarks" / "results" / "simulate.json"
    data = json.loads(path.read_text())
    data["cases"][0]["cpu_s_median"] = 987.65
    path.write_text(json.dumps(data))
    assert page.main(["--check", "--root", str(root)]) == 1
    assert page.main(["--root", str(root)]) == 0
    assert "| 987.65 |" in (root / "benchmarks" / "RESULTS.md").read_text()
    assert page.main(["--check", "--root", str(root)]) == 0


def test_results_page_check_fails_when_an_included_page_changes(tmp_path: Path) -> None:
    root = _copy_tree(tmp_path)
    path = root / "benchmarks" / "results" / "alignment.md"
    path.write_text(path.read_text().replace("| wfc3_ir | 8 |", "| wfc3_ir | 9 |"))
    assert page.main(["--check", "--root", str(root)]) == 1


def test_results_page_refuses_markers_without_renderer() -> None:
    text = "<!-- BEGIN GENERATED: nobody -->\n<!-- END GENERATED: nobody -->\n"
    with pytest.raises(ValueError, match="without a renderer: \\['nobody'\\]"):
        page.fill(text, {}, BENCHMARKS / "results")
    with pytest.raises(ValueError, match="sections without markers: \\['simulate'\\]"):
        page.fill("", {"simulate": page.render_simulate}, BENCHMARKS / "results")


def test_results_page_md_table_reads_rows() -> None:
    rows = page.md_table(["text", "| a | b |", "|---|---|", "| 1 | x y |", "", "| 9 | 9 |"])
    assert rows == [{"a": "1", "b": "x y"}]


def test_paired_runs_ratio_pair_by_pair_and_exit_codes(tmp_path: Path) -> None:
    out = tmp_path / "paired.json"
    fast = f"{sys.executable} -c pass"
    slow = f"{sys.executable} -c 'import sys, time; time.sleep(0.3); sys.exit(3)'"
    assert paired.main(["--name", "t", "--runs", "2", "--warmup", "0", "--a", fast, "--b", slow,
                        "--out", str(out)]) == 0
    data = json.loads(out.read_text())
    assert len(data["pairs"]) == 2
    for pair in data["pairs"]:
        assert pair["a"]["exit"] == 0 and pair["b"]["exit"] == 3
        assert pair["b"]["wall_s"] >= 0.3
        assert pair["wall_ratio"] == pytest.approx(pair["a"]["wall_s"] / pair["b"]["wall_s"],
                                                   abs=1e-3)
    assert data["summary"]["all_exit_zero"] is False
    assert data["summary"]["wall_ratio"]["max"] < 1
    assert data["run"]["machine"]["nproc"] >= 1
