"""SVM names of every product kind against the spec's patterns (spec §3)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from hapsvm.visit import InputRow
from hapsvm.visit import build_product_tree
from hapsvm.visit import derive_filter_name
from hapsvm.visit import read_exposure
from tests.visit.synthetic import write_exposure

BINS = {"wfc3_ir": [1, 2, 4], "acs_wfc": [1, 2, 6], "wfc3_uvis": [1, 2, 6]}


@pytest.mark.parametrize("filters, name", [
    ("F850LP;CLEAR2L", "f850lp"), ("CLEAR1L;CLEAR2L", "clear"), ("POL60V;F606W", "f606w-pol60v"),
    ("F140LP;N/A;F140LP", "f140lp"), ("F555W", "f555w"), ("F658N;F550M", "f658n-f550m"),
    ("CLEAR1L;F814W", "f814w"), ("G102", "g102"),
])
def test_derive_filter_name_follows_spec_examples(filters: str, name: str) -> None:
    assert derive_filter_name(filters) == name


def _tree(tmp_path: Path, specs: list[dict]):
    exps = []
    for i, kw in enumerate(specs):
        suffix = kw.pop("suffix", "flt")
        p = write_exposure(tmp_path / f"e{i}_{suffix}.fits", **kw)
        exps.append(read_exposure(InputRow(path=p, source=p, line=None)))
    return build_product_tree(exps, nexp_bins=BINS)


def test_names_acs_two_filter_case(tmp_path: Path) -> None:
    tree = _tree(tmp_path, [
        dict(instrument="ACS", rootname="j8vo05a1q", suffix="flc", EXPTIME=400.0),
        dict(instrument="ACS", rootname="j8vo05a2q", suffix="flc", EXPTIME=300.0),
    ])
    total = tree.totals[0]
    f = total.filters[0]
    assert f.filter_name == "f850lp"
    # sorted by exposure time ascending: j8vo05a2 (300 s) names the filter and total products
    assert [e.exposure.rootname for e in f.exposures] == ["j8vo05a2q", "j8vo05a1q"]
    e = f.exposures[0]
    assert e.input_copy == "hst_9029_05_acs_wfc_f850lp_j8vo05a2_flc.fits"
    assert e.drizzle == "hst_9029_05_acs_wfc_f850lp_j8vo05a2_drc.fits"
    assert e.headerlet == "hst_9029_05_acs_wfc_f850lp_j8vo05a2_hlet.fits"
    assert e.trailer == "hst_9029_05_acs_wfc_f850lp_j8vo05a2_trl.txt"
    assert e.preview == "hst_9029_05_acs_wfc_f850lp_j8vo05a2_drc.jpg"
    assert e.thumbnail == "hst_9029_05_acs_wfc_f850lp_j8vo05a2_drc_thumb.jpg"
    names = f.names()
    assert names == {
        "drizzle": "hst_9029_05_acs_wfc_f850lp_j8vo05_drc.fits",
        "point_catalog": "hst_9029_05_acs_wfc_f850lp_j8vo05_point-cat.ecsv",
        "segment_catalog": "hst_9029_05_acs_wfc_f850lp_j8vo05_segment-cat.ecsv",
        "trailer": "hst_9029_05_acs_wfc_f850lp_j8vo05_trl.txt",
        "preview": "hst_9029_05_acs_wfc_f850lp_j8vo05_drc.jpg",
        "thumbnail": "hst_9029_05_acs_wfc_f850lp_j8vo05_drc_thumb.jpg"}
    assert total.drizzle == "hst_9029_05_acs_wfc_total_j8vo05_drc.fits"
    assert total.names()["point_catalog"] == "hst_9029_05_acs_wfc_total_j8vo05_point-cat.ecsv"
    assert tree.manifest == "acs_8vo_05_manifest.txt"


SPEC_PATTERNS = {
    "input_copy": (r"hst_\d+_[0-9a-z]{2}_(acs|wfc3)_(wfc|hrc|sbc|uvis|ir)_[a-z0-9-]+_[0-9a-z]{8}"
                   r"_fl[tc]\.fits"),
    "drizzle": r"hst_\d+_[0-9a-z]{2}_(acs|wfc3)_[a-z]+_[a-z0-9-]+_[0-9a-z]{8}_dr[zc]\.fits",
    "headerlet": r"hst_\d+_[0-9a-z]{2}_(acs|wfc3)_[a-z]+_[a-z0-9-]+_[0-9a-z]{8}_hlet\.fits",
    "trailer": r"hst_\d+_[0-9a-z]{2}_(acs|wfc3)_[a-z]+_[a-z0-9-]+_[0-9a-z]{8}_trl\.txt",
}


def test_names_of_every_kind_match_spec_patterns(tmp_path: Path) -> None:
    tree = _tree(tmp_path, [
        dict(rootname="ib6o21a1q", FILTER="F160W"), dict(rootname="ib6o21a2q", FILTER="F160W"),
        dict(rootname="ib6o21a3q", FILTER="F110W", EXPTIME=100.0),
        dict(rootname="ib6o21a4q", FILTER="G141", OBSTYPE="SPECTROSCOPIC"),
        dict(rootname="ib6o21a5q", FILTER="FQ232N", EXPTIME=50.0),
    ])
    total = tree.totals[0]
    for ep in total.all_exposures():
        for attr, pattern in SPEC_PATTERNS.items():
            assert re.fullmatch(pattern, getattr(ep, attr)), (attr, getattr(ep, attr))
    assert [f.filter_name for f in total.filters] == ["f110w", "f160w"]
    assert total.base == "hst_11359_21_wfc3_ir_total_ib6o21"
    assert total.names()["color_preview"] == "hst_11359_21_wfc3_ir_total_ib6o21_f110w-f160w_drz.jpg"
    for f in total.filters:
        for _kind, name in f.names().items():
            assert re.fullmatch(r"hst_11359_21_wfc3_ir_f1[16]0w_ib6o21_(drz\.fits|point-cat\.ecsv|"
                                r"segment-cat\.ecsv|trl\.txt|drz\.jpg|drz_thumb\.jpg)", name), name
