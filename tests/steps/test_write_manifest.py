"""write_manifest also runs when the visit ends early: exit 65 still leaves the manifest named
after the first input (spec §10, §11; issue 16)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hapsvm.cli import run_visit
from hapsvm.errors import HapsvmError
from tests.visit.synthetic import write_exposure

GRISM = {"FILTER": "G141", "OBSTYPE": "SPECTROSCOPIC"}


@pytest.mark.parametrize("cards, failed_step", [
    ([{"TARGNAME": "DARK"}, {"EXPTIME": 0.0}], "filter_exposures"),  # nothing passes vetting
    ([GRISM, GRISM], "define_products"),                              # only grism data
])
def test_write_manifest_after_no_viable_data(tmp_path: Path, cards: list[dict],
                                             failed_step: str) -> None:
    visit = tmp_path / "visit"
    visit.mkdir()
    for i, extra in enumerate(cards):
        write_exposure(visit / f"ib6o21a{i}q_flt.fits", rootname=f"ib6o21a{i}q", **extra)
    out = tmp_path / "out"
    with pytest.raises(HapsvmError) as info:
        run_visit(str(visit), out, [])
    assert info.value.exit_code == 65 and info.value.step == failed_step
    manifest = out / "wfc3_b6o_21_manifest.txt"
    assert manifest.read_text() == ""  # nothing was written before the visit ended
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        manifest.name, "wfc3_b6o_21_manifest_recipe.yaml"]
    steps = yaml.safe_load((out / "wfc3_b6o_21_manifest_recipe.yaml").read_text()
                           )["provenance"]["steps"]
    assert (steps[-1]["step"], steps[-1]["status"]) == (failed_step, "failed")


def test_write_manifest_needs_an_exposure_to_name_it(tmp_path: Path) -> None:
    visit = tmp_path / "visit"
    visit.mkdir()
    (visit / "ib6o21a0q_flt.fits").write_text("<html>404 not found</html>\n" * 100)
    out = tmp_path / "out"
    with pytest.raises(HapsvmError, match="no readable exposure") as info:
        run_visit(str(visit), out, [])
    assert info.value.exit_code == 2
    assert not list(out.glob("*manifest*"))
