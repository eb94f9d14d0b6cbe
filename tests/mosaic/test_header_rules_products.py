"""Header rules files and drizzle product files (layout, merged and SVM keywords)."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.errors import InputError
from hapsvm.mosaic import ChipJob
from hapsvm.mosaic import DrizzleParams
from hapsvm.mosaic import PixmapCache
from hapsvm.mosaic import ProductSpec
from hapsvm.mosaic import build_output_grid
from hapsvm.mosaic import build_product
from hapsvm.mosaic import chip_outline_sky
from hapsvm.mosaic import drizzle_chips
from hapsvm.mosaic import footprint_masks
from hapsvm.mosaic import footprint_statistics
from hapsvm.mosaic import read_exposure_chips
from hapsvm.mosaic import read_rules
from hapsvm.mosaic.header_rules import merge_values
from hapsvm.paths import project_paths
from hapsvm.visit import instrument_facts

RULES = project_paths().conf / "header_rules"


@pytest.mark.parametrize("name", ["wfc3", "wfc3_single", "acs", "acs_single"])
def test_shipped_rules_files_parse(name: str) -> None:
    rules = read_rules(RULES / f"{name}.rules")
    funcs = {r.output: r.function for r in rules.rules if r.function}
    assert funcs["EXPTIME"] == "sum" and funcs["TEXPTIME"] == "sum"
    assert funcs["EXPSTART"] == "min" and funcs["EXPEND"] == "max"
    deleted = {r.keyword for r in rules.rules if r.delete}
    assert ("ASN_ID" in deleted) == (not name.endswith("_single"))


def test_rules_parser_errors_and_functions(tmp_path) -> None:
    bad = tmp_path / "bad.rules"
    bad.write_text("# ok\nEXPTIME EXPTIME sum\nFOO BAR median\n")
    with pytest.raises(InputError, match="line 3: unknown function 'median'"):
        read_rules(bad)
    bad.write_text("A B C D\n")
    with pytest.raises(InputError, match="line 1"):
        read_rules(bad)
    with pytest.raises(InputError, match="does not exist"):
        read_rules(tmp_path / "missing.rules")
    assert merge_values([3, 1, 2], "min") == 1 and merge_values([1.0, 3.0], "mean") == 2.0
    assert merge_values(["x", "x"], "multi") == "x" and merge_values([5], "float_one") == 1.0
    with pytest.raises(ValueError, match="unknown merge function"):
        merge_values([1], "nope")


@pytest.fixture(scope="module")
def product(tiny_visit, tmp_path_factory):
    exposures = [read_exposure_chips(p) for p in tiny_visit.paths]
    grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for e in exposures
                              for c in e.chips], pixel_scale_arcsec=0.1)
    cache = PixmapCache(tmp_path_factory.mktemp("maps"), grid)
    params = DrizzleParams(final_bits=0)
    arrays = drizzle_chips([ChipJob(c) for e in exposures for c in e.chips], grid, cache, params)
    stats = footprint_statistics(footprint_masks(exposures, cache), arrays.wht)
    spec = ProductSpec(filename="hst_12345_01_acs_wfc_f606w_j03a01_drc.fits", level="filter",
                       rules=read_rules(RULES / "acs.rules"), drizzle=params,
                       trailer="hst_12345_01_acs_wfc_f606w_j03a01_trl.txt",
                       exposure_names={e.rootname: f"hst_x_{e.rootname[:8]}" for e in exposures},
                       sky_rates={e.rootname: 0.5 for e in exposures}, footprint_stats=stats,
                       filter_keywords=instrument_facts("ACS").filter_keywords)
    path = tmp_path_factory.mktemp("product") / spec.filename
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        build_product(arrays, grid, exposures, spec).writeto(path)
    return path, exposures, arrays


def test_product_layout_and_verify(product) -> None:
    path, exposures, _ = product
    with fits.open(path) as hdul:
        hdul.verify("exception")
        assert [h.name for h in hdul] == ["PRIMARY", "SCI", "WHT", "CTX", "HDRTAB"]
        assert hdul[0].data is None
        assert hdul["SCI"].header["BITPIX"] == -32 and hdul["CTX"].header["BITPIX"] == 32
        assert hdul["SCI"].header["BUNIT"] == "ELECTRONS/S"
        table = hdul["HDRTAB"].data
        assert len(table) == sum(len(e.chips) for e in exposures)
        assert list(table["ROOTNAME"]) == [e.rootname for e in exposures]
        assert table.columns["HAPEXPNAME"].format == "51A"
        assert np.allclose(table["MDRIZSKY"], 0.5 * exposures[0].exptime)
        assert "EXPTIME" in table.columns.names and "CRPIX1" in table.columns.names


def test_product_keywords(product) -> None:
    path, exposures, _ = product
    prim, sci = fits.getheader(path, 0), fits.getheader(path, 1)
    assert prim["ROOTNAME"] == "hst_12345_01_acs_wfc_f606w_j03a01"
    assert prim["FILENAME"] == path.name and prim["HAPLEVEL"] == 2
    assert prim["EXPTIME"] == prim["TEXPTIME"] == pytest.approx(sum(e.exptime for e in exposures))
    assert prim["EXPSTART"] == min(e.expstart for e in exposures)
    assert prim["DATE-BEG"].startswith("2009-06-18")
    assert prim["NUMEXP"] == 4 and prim["NDRIZIM"] == 4 and prim["D004DATA"].endswith("[SCI,1]")
    assert prim["FILTER"] == "F606W" and prim["PINAME"] == "Tester"
    assert prim["DRIZPARS"].endswith("_trl.txt")
    assert "ASN_ID" not in prim and "PHOTFLAM" not in prim and sci["PHOTFLAM"] == 1e-19
    assert 0 < prim["NPIXFRAC"] <= 1 and prim["MEDNEXP"] == 4
    assert sci["S_REGION"].startswith("POLYGON ICRS ")
    assert sci["SKYCELL"].startswith("p") and sci["ORIENTAT"] == 0.0
    assert "CRPIX1" in sci and "A_ORDER" not in sci and sci["WCSNAME"] == "OPUS"


@pytest.mark.parametrize("bunit, units, expected", [
    ("ELECTRONS", "cps", "ELECTRONS/S"), ("ELECTRONS/S", "cps", "ELECTRONS/S"),
    ("ELECTRONS/S", "counts", "ELECTRONS"), ("COUNTS", "cps", "COUNTS/S")])
def test_product_unit_follows_the_inputs(product, bunit: str, units: str, expected: str) -> None:
    from dataclasses import replace

    from hapsvm.mosaic.product_file import _product_unit

    _, exposures, _ = product
    chip = exposures[0].chips[0]
    header = chip.header.copy()
    header["BUNIT"] = bunit
    assert _product_unit(replace(chip, header=header), fits.Header(), units) == expected
