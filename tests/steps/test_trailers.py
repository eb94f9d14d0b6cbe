"""Trailer files: one per product, holding the log lines of every step that touched it."""
from __future__ import annotations

from pathlib import Path

import pytest

from hapsvm.cli import run_visit
from tests.visit.synthetic import write_exposure


@pytest.fixture
def visit(tmp_path: Path) -> Path:
    v = tmp_path / "visit"
    v.mkdir()
    for i in range(2):
        write_exposure(v / f"ib6o21a{i}q_flt.fits", rootname=f"ib6o21a{i}q")
    write_exposure(v / "ib6o21g1q_flt.fits", rootname="ib6o21g1q", FILTER="G141",
                   OBSTYPE="SPECTROSCOPIC")
    return v


def test_every_product_has_a_trailer_with_its_steps(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_visit(str(visit), out, []).exit_code == 0
    base = "hst_11359_21_wfc3_ir"
    trailers = {
        f"{base}_total_ib6o21_trl.txt": "wfc3_ir",
        f"{base}_f160w_ib6o21_trl.txt": "wfc3_ir_f160w",
        f"{base}_f160w_ib6o21a0_trl.txt": "wfc3_ir_f160w",
        f"{base}_f160w_ib6o21a1_trl.txt": "wfc3_ir_f160w",
        f"{base}_g141_ib6o21g1_trl.txt": "wfc3_ir",
    }
    manifest = (out / "wfc3_b6o_21_manifest.txt").read_text().split()
    for name, _unit in trailers.items():
        text = (out / name).read_text()
        assert text.startswith("# hapsvm ") and "recipe v1" in text
        for step in ("read_visit", "filter_exposures", "define_products", "copy_inputs"):
            scope = "wfc3_ir" if step == "copy_inputs" else "visit"
            assert f"{step} [{scope}]: start" in text, (name, step)
            assert f"{step} [{scope}]: done in" in text, (name, step)
        assert "src=hapsvm.steps.copy_inputs- " in text
        assert name in manifest
    total = (out / f"{base}_total_ib6o21_trl.txt").read_text()
    assert "ib6o21g1q_flt.fits → hst_11359_21_wfc3_ir_g141_ib6o21g1_flt.fits (grism)" in total


def test_trailers_survive_a_resumed_run(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(visit), out, [])
    first = (out / "hst_11359_21_wfc3_ir_total_ib6o21_trl.txt").read_text()
    run_visit(str(visit), out, [])
    second = (out / "hst_11359_21_wfc3_ir_total_ib6o21_trl.txt").read_text()
    assert first == second
    assert "copy_inputs [wfc3_ir]: done in" in second
