"""The product tree: ordering, bins, grism, ramp and FLT/FLC mixing (spec §4)."""
from __future__ import annotations

from pathlib import Path

import jsonschema
import pytest

from hapsvm.core.schema import load_schema
from hapsvm.errors import NoViableDataError
from hapsvm.paths import project_paths
from hapsvm.visit import InputRow
from hapsvm.visit import UnknownUnitError
from hapsvm.visit import build_product_tree
from hapsvm.visit import read_exposure
from tests.visit.synthetic import write_exposure

BINS = {"wfc3_ir": [1, 2, 4], "wfc3_uvis": [1, 2, 6]}


def _exps(tmp_path: Path, specs: list[dict]):
    out = []
    for i, kw in enumerate(specs):
        suffix = kw.pop("suffix", "flt")
        p = write_exposure(tmp_path / f"e{i}_{suffix}.fits", **kw)
        out.append(read_exposure(InputRow(path=p, source=p, line=None)))
    return out


def test_tree_orders_by_exptime_then_photflam(tmp_path: Path) -> None:
    exps = _exps(tmp_path, [dict(rootname="ib6o21a1q", EXPTIME=300.0),
                            dict(rootname="ib6o21a2q", EXPTIME=100.0, PHOTFLAM=1e-20),
                            dict(rootname="ib6o21a3q", EXPTIME=100.0, PHOTFLAM=3e-20)])
    tree = build_product_tree(exps, nexp_bins=BINS)
    roots = [e.exposure.rootname for e in tree.totals[0].filters[0].exposures]
    assert roots == ["ib6o21a3q", "ib6o21a2q", "ib6o21a1q"]


def test_tree_bins_follow_the_detector_bounds(tmp_path: Path) -> None:
    specs = [dict(rootname=f"ib6o21b{i}q") for i in range(4)] + \
            [dict(rootname=f"ib6o21c{i}q", FILTER="F110W") for i in range(3)]
    tree = build_product_tree(_exps(tmp_path, specs), nexp_bins=BINS)
    total = tree.totals[0]
    assert {f.filter_name: f.nexp_bin for f in total.filters} == {"f160w": "n4", "f110w": "n2"}
    assert total.nexp_bin == "n4"


def test_tree_grism_only_in_total_grism_list(tmp_path: Path) -> None:
    exps = _exps(tmp_path, [dict(rootname="ib6o21a1q"),
                            dict(rootname="ib6o21a2q", FILTER="G102", OBSTYPE="SPECTROSCOPIC")])
    total = build_product_tree(exps, nexp_bins=BINS).totals[0]
    assert [f.filter_name for f in total.filters] == ["f160w"]
    assert [e.exposure.rootname for e in total.grism_exposures] == ["ib6o21a2q"]
    assert total.grism_exposures[0].kind == "grism"


def test_tree_grism_only_visit_has_no_viable_data(tmp_path: Path) -> None:
    exps = _exps(tmp_path, [dict(rootname="ib6o21a2q", FILTER="G102", OBSTYPE="SPECTROSCOPIC")])
    with pytest.raises(NoViableDataError, match="no detector .* direct"):
        build_product_tree(exps, nexp_bins=BINS)


def test_tree_ramp_exposures_leave_the_filter_products(tmp_path: Path) -> None:
    exps = _exps(tmp_path, [dict(rootname="ib6o21a1q"),
                            dict(rootname="ib6o21a2q", FILTER="FQ232N")])
    total = build_product_tree(exps, nexp_bins=BINS).totals[0]
    assert [f.filter_name for f in total.filters] == ["f160w"]
    assert [e.kind for e in total.ramp_exposures] == ["ramp"]


def test_tree_flc_wins_a_mixed_filter_group(tmp_path: Path) -> None:
    exps = _exps(tmp_path, [
        dict(rootname="ib6o21a1q", DETECTOR="UVIS", FILTER="F555W", suffix="flt"),
        dict(rootname="ib6o21a2q", DETECTOR="UVIS", FILTER="F555W", suffix="flc")])
    total = build_product_tree(exps, nexp_bins=BINS).totals[0]
    f = total.filters[0]
    assert f.product_type == "drc" and [e.exposure.suffix for e in f.exposures] == ["flc"]
    assert [e.exposure.rootname for e in total.unpaired_exposures] == ["ib6o21a1q"]
    assert total.unpaired_exposures[0].input_copy.endswith("_ib6o21a1_flt.fits")
    assert total.product_type == "drc"


def test_tree_dict_matches_its_schema(tmp_path: Path) -> None:
    exps = _exps(tmp_path, [dict(rootname="ib6o21a1q"),
                            dict(rootname="ib6o21a2q", FILTER="G102", OBSTYPE="SPECTROSCOPIC"),
                            dict(rootname="ib6o21a3q", FILTER="FQ232N")])
    data = build_product_tree(exps, nexp_bins=BINS).as_dict()
    jsonschema.validate(data, load_schema(project_paths().schemas / "product_tree.schema.json"))


def test_tree_names_the_products_of_each_unit(tmp_path: Path) -> None:
    specs = [dict(rootname="ib6o21b1q"), dict(rootname="ib6o21c1q", FILTER="F110W")]
    tree = build_product_tree(_exps(tmp_path, specs), nexp_bins=BINS)
    total = tree.totals[0]
    assert tree.unit_names() == ["wfc3_ir", "wfc3_ir_f160w", "wfc3_ir_f110w"]
    assert tree.total("wfc3_ir") is total and tree.total("wfc3_ir_f110w") is total
    assert tree.filter_product("wfc3_ir_f110w").filter_name == "f110w"


def test_tree_refuses_units_it_does_not_define(tmp_path: Path) -> None:
    tree = build_product_tree(_exps(tmp_path, [dict(rootname="ib6o21b1q")]), nexp_bins=BINS)
    with pytest.raises(UnknownUnitError, match="'wfc3_uvis' makes no product.*wfc3_ir_f160w"):
        tree.total("wfc3_uvis")
    with pytest.raises(UnknownUnitError, match="'wfc3_ir' is a detector.*scope 'filter'"):
        tree.filter_product("wfc3_ir")
    with pytest.raises(UnknownUnitError, match="'wfc3_ir/f160w' makes no product"):
        tree.filter_product("wfc3_ir/f160w")
