"""Intake of the real WFC3/IR visit 21: poller, list and directory inputs (issue 3)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from astropy.io import fits
from astropy.table import Table

from hapsvm.cli import run_visit
from hapsvm.core import recipe_path_for
from hapsvm.core.provenance import sha256_of
from tests.conftest import VISIT21_DIRECT
from tests.conftest import VISIT21_GRISM

pytestmark = pytest.mark.realdata


def _poller(visit21: Path, dest: Path) -> Path:
    lines = []
    for root in VISIT21_DIRECT + VISIT21_GRISM:
        h = fits.getheader(visit21 / f"{root}_flt.fits")
        lines.append(f"{root}_flt.fits,11359,B6O,21,{h['EXPTIME']},{h['FILTER']},IR,"
                     f"{visit21 / (root + '_flt.fits')}")
    dest.write_text("\n".join(lines) + "\n")
    return dest


def _list(visit21: Path, dest: Path) -> Path:
    dest.write_text("".join(f"{visit21 / (r + '_flt.fits')}\n"
                            for r in VISIT21_DIRECT + VISIT21_GRISM))
    return dest


def _check_outputs(out: Path, visit21: Path) -> None:
    for root in VISIT21_DIRECT:
        copy = out / f"hst_11359_21_wfc3_ir_f098m_{root[:8]}_flt.fits"
        assert copy.is_file(), copy
        h = fits.getheader(copy)
        assert h["HAPLEVEL"] == 1 and h["IPPPSSOO"] == root and h["FILENAME"] == copy.name
        assert fits.getheader(copy, 1)["S_REGION"].startswith("POLYGON ICRS ")
        assert fits.getdata(copy, 1).dtype.name == "float32"
    for root in VISIT21_GRISM:
        assert (out / f"hst_11359_21_wfc3_ir_g102_{root[:8]}_flt.fits").is_file()
    tree = json.loads((out / "wfc3_b6o_21_product_tree.json").read_text())
    det = tree["detectors"][0]
    assert det["files"]["drizzle"] == "hst_11359_21_wfc3_ir_total_ib6o21_drz.fits"
    assert [f["files"]["drizzle"] for f in det["filters"]] == \
        ["hst_11359_21_wfc3_ir_f098m_ib6o21_drz.fits"]
    assert len(det["filters"][0]["exposures"]) == 4
    assert sorted(e["rootname"] for e in det["grism_exposures"]) == sorted(VISIT21_GRISM)
    table = Table.read(out / "wfc3_b6o_21_exposures.ecsv")
    assert sorted(table["kind"][table["keep"]]) == ["grism"] * 4 + ["imaging"] * 4
    written = [p for p in out.iterdir()
               if not p.name.endswith("_recipe.yaml") and not p.name.startswith(".")]
    for p in written:
        assert recipe_path_for(p).is_file(), f"no recipe beside {p.name}"
    manifest = (out / "wfc3_b6o_21_manifest.txt").read_text().split()
    assert set(manifest) == {p.name for p in written} - {"wfc3_b6o_21_manifest.txt"}


@pytest.mark.parametrize("kind", ["poller", "list"])
def test_visit21_intake(visit21: Path, tmp_path: Path, kind: str) -> None:
    before = {p.name: sha256_of(p) for p in visit21.iterdir()}
    src = _poller(visit21, tmp_path / "ib6o21_input.out") if kind == "poller" else \
        _list(visit21, tmp_path / "visit21.lst")
    out = tmp_path / "out"
    result = run_visit(str(src), out, [f"read_visit.roots=[{visit21}]"])
    assert result.exit_code == 0
    _check_outputs(out, visit21)
    assert {p.name: sha256_of(p) for p in visit21.iterdir()} == before


def test_visit21_directory_reports_the_duplicate(visit21: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_visit(str(visit21), out, [])
    assert result.exit_code == 0
    _check_outputs(out, visit21)
    table = Table.read(out / "wfc3_b6o_21_exposures.ecsv")
    dup = table[table["filename"] == "IRG102_icwz15e7q_flt.fits"]
    assert len(dup) == 1 and not dup["keep"][0]
    assert "duplicate of ib6o21qmq_flt.fits" in dup["reason"][0]
    assert len(table) == 9 and table["keep"].sum() == 8
