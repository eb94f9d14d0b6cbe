"""The drizzle steps end to end (``hapsvm.cli.run_visit``): products, keywords, config choices."""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import yaml
from astropy.io import fits
from astropy.wcs import WCS

from hapsvm.cli import run_visit
from hapsvm.mosaic import PixmapCache
from hapsvm.mosaic import footprint_masks
from hapsvm.mosaic import footprint_statistics
from hapsvm.mosaic import read_exposure_chips
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.s_region import _contains
from hapsvm.mosaic.s_region import polygon_area
from tests.conftest import VISIT21_DIRECT
from tests.conftest import VISIT21_GRISM

#: Third-party warnings another step may raise; the drizzle products are opened with warnings
#: as errors below.
OTHER_STEPS = "ignore:Card is too long:astropy.io.fits.verify.VerifyWarning"


def test_recipe_values_per_detector_and_bin(compose_recipe) -> None:
    n6 = compose_recipe(instrument="acs", detector="acs_wfc", nexp="n6")
    f = n6.drizzle_filter_products
    assert (f.pixfrac, f.final_bits, f.cosmic_rays.combine_type) == (0.8, 336, "median")
    assert list(f.cosmic_rays.driz_cr_scale) == [1.2, 0.7] and f.header_rules == "acs"
    assert (n6.drizzle_total_product.pixfrac, n6.drizzle_total_product.fillval) == (1.0, 0.0)
    n2 = compose_recipe(instrument="acs", detector="acs_wfc", nexp="n2")
    assert n2.drizzle_filter_products.cosmic_rays.combine_type == "minmed"
    assert list(n2.drizzle_filter_products.cosmic_rays.driz_cr_snr) == [3.5, 3.0]
    ir4 = compose_recipe(instrument="wfc3", detector="wfc3_ir", nexp="n4")
    assert ir4.drizzle_filter_products.cosmic_rays.combine_type == "median"
    assert ir4.drizzle_filter_products.final_bits == 528
    assert ir4.define_output_grid.pixel_scale_arcsec == 0.12825
    n1 = compose_recipe(instrument="wfc3", detector="wfc3_uvis", nexp="n1")
    assert n1.drizzle_filter_products.final_bits == 65535
    assert not n1.drizzle_filter_products.sky.subtract
    assert not n1.drizzle_filter_products.cosmic_rays.enabled
    assert n1.drizzle_total_product.final_bits == 65535
    assert n1.drizzle_filter_products.exposure.final_bits == 65535
    cli = compose_recipe("drizzle_filter_products.pixfrac=0.7",
                         "drizzle_filter_products.cosmic_rays.driz_cr_snr=[4.0,3.5]",
                         instrument="acs", detector="acs_wfc", nexp="n6")
    assert cli.drizzle_filter_products.pixfrac == 0.7
    assert list(cli.drizzle_filter_products.cosmic_rays.driz_cr_snr) == [4.0, 3.5]


def _assert_drizzle_steps_done(result) -> None:
    """Every drizzle step ran and succeeded (later steps of other issues are not judged here)."""
    mine = {"add_skycells", "define_output_grid", "drizzle_filter_products",
            "drizzle_total_product"}
    done = {(r.step, r.status) for r in result.records if r.step in mine}
    assert {s for s, _ in done} == mine and {st for _, st in done} == {"done"}, \
        [(r.step, r.unit, r.status, r.message) for r in result.records]


def _polygons(s_region: str, wcs: WCS) -> list[np.ndarray]:
    polys = []
    for group in re.split(r"POLYGON ICRS", s_region)[1:]:
        values = np.array(group.split(), dtype=float).reshape(-1, 2)
        x, y = wcs.all_world2pix(values[:, 0], values[:, 1], 0)
        polys.append(np.column_stack([x, y]))
    return polys


def check_product(path: Path, exposures_by_root: dict, level: str) -> dict:
    """Open with warnings as errors, verify, and check the keywords against their inputs."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with fits.open(path) as hdul:
            hdul.verify("exception")
            prim, sci_h = hdul[0].header, hdul["SCI"].header
            wht, ctx = hdul["WHT"].data.astype(float), hdul["CTX"].data
            table = hdul["HDRTAB"].data
            roots = [str(r).lower() for r in table["ROOTNAME"]]
    assert [h for h in ("SCI", "WHT", "CTX")]
    inputs = [exposures_by_root[r] for r in dict.fromkeys(roots)]
    assert prim["HAPLEVEL"] == (1 if level == "exposure" else 2)
    assert prim["NUMEXP"] == len(inputs) == prim["NDRIZIM"] // len(inputs[0].chips)
    assert prim["EXPTIME"] == pytest.approx(sum(e.exptime for e in inputs))
    assert prim["FILENAME"] == path.name and prim["ROOTNAME"] == path.name.rsplit("_", 1)[0]
    if level == "total":
        assert prim["FILTER"] == "detection"
    wcs = WCS(sci_h)
    exposed = wht > 0
    ys, xs = np.nonzero(exposed)
    polys = _polygons(sci_h["S_REGION"], wcs)
    inside = np.zeros(xs.size, bool)
    for poly in polys:
        inside |= _contains(poly, xs.astype(float), ys.astype(float))
    area = sum(abs(polygon_area(p[:, 0], p[:, 1])) for p in polys)
    assert inside.all(), f"{path.name}: {np.sum(~inside)} exposed pixels outside S_REGION"
    print(f"{path.name}: S_REGION {len(polys)} polygon(s), "
          f"{sum(len(p) for p in polys)} vertices, area / exposed area {area / exposed.sum():.4f}")
    assert abs(area / exposed.sum() - 1) < 0.02
    bits = [((ctx >> k) & 1).astype(bool) for k in range(prim["NDRIZIM"])]
    assert np.array_equal(exposed, np.any(bits, axis=0))
    return {"prim": prim, "sci": sci_h, "wht": wht, "ctx": ctx, "bits": bits,
            "area_ratio": area / exposed.sum()}


def _footprint_check(info: dict, exposures: list, out: Path) -> None:
    """§8.1 keywords = their formulas on the chip footprints, and consistent with WHT/CTX."""
    ny, nx = info["wht"].shape
    wcs = WCS(info["sci"])
    grid = OutputGrid(crval=tuple(wcs.wcs.crval), crpix=tuple(wcs.wcs.crpix),
                      pixel_scale_arcsec=abs(wcs.wcs.cd[1, 1]) * 3600, shape=(ny, nx))
    cache = PixmapCache(out / ".test_maps", grid)
    stats = footprint_statistics(footprint_masks(exposures, cache), info["wht"])
    cache.clear()
    prim = info["prim"]
    for key, value in stats.items():
        assert prim[key] == pytest.approx(value, rel=1e-9), key
    exposed = info["wht"] > 0
    chips_per_pixel = np.sum(info["bits"], axis=0)
    assert prim["NPIXFRAC"] == pytest.approx(exposed.mean(), rel=0.02)
    assert prim["MEANNEXP"] == pytest.approx(chips_per_pixel[exposed].mean(), rel=0.02)
    assert prim["MEDWHT"] == pytest.approx(np.median(info["wht"][exposed]), rel=0.02)


@pytest.fixture(scope="module")
def sim_run(sim_visit_factory, tmp_path_factory):
    visit = sim_visit_factory(detector="wfc3_ir", n_exposures=6, size=256,
                              filters=["F160W", "F110W"], pointing_error=False)
    out = tmp_path_factory.mktemp("sim_run")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Card is too long", fits.verify.VerifyWarning)
        result = run_visit(str(visit.visit_dir), out, ["drizzle_filter_products.pixfrac=0.9"])
    return visit, out, result


def test_simulated_visit_products(sim_run) -> None:
    visit, out, result = sim_run
    _assert_drizzle_steps_done(result)
    exposures = {p.stem.split("_")[0]: read_exposure_chips(p) for p in visit.imaging_paths}
    tree = result.context.peek("product_tree")
    total = tree.totals[0]
    assert len(total.filters) == 2 and total.nexp_bin == "n4"
    copies = {e.exposure.rootname: out / e.input_copy for f in total.filters
              for e in f.exposures}
    by_root = {r: read_exposure_chips(p, r) for r, p in copies.items()}
    assert set(by_root) == set(exposures)
    for fp in total.filters:
        info = check_product(out / fp.drizzle, by_root, "filter")
        assert info["prim"]["D001PIXF"] == 0.9
        _footprint_check(info, [by_root[e.exposure.rootname] for e in fp.exposures], out)
        recipe = yaml.safe_load((out / fp.drizzle.replace(".fits", "_recipe.yaml")).read_text())
        assert recipe["config"]["drizzle_filter_products"]["pixfrac"] == 0.9
        assert recipe["config"]["nexp"]["name"] == "n2"          # 3 exposures per filter
        flagged = sum(int(np.sum(fits.getdata(out / e.input_copy, "DQ") & 4096 > 0))
                      for e in fp.exposures)
        assert flagged > 0, "CR flags are written into the renamed copies"
        for member in fp.exposures:
            info_e = check_product(out / member.drizzle, by_root, "exposure")
            assert info_e["prim"]["IPPPSSOO"] == member.exposure.rootname
            assert fits.getval(out / member.input_copy, "SKYCELL", 1).startswith("p")
    info_t = check_product(out / total.drizzle, by_root, "total")
    _footprint_check(info_t, list(by_root.values()), out)
    assert not any(p.name.startswith(".pixmaps") for p in out.iterdir())


@pytest.mark.realdata
@pytest.mark.filterwarnings(OTHER_STEPS)
def test_visit21_exposure_filter_and_total_products(visit21: Path, tmp_path: Path) -> None:
    listing = tmp_path / "visit21.lst"
    listing.write_text("".join(f"{visit21 / (r + '_flt.fits')}\n"
                               for r in VISIT21_DIRECT + VISIT21_GRISM))
    out = tmp_path / "out"
    result = run_visit(str(listing), out, [f"read_visit.roots=[{visit21}]"])
    _assert_drizzle_steps_done(result)
    by_root = {r: read_exposure_chips(out / f"hst_11359_21_wfc3_ir_f098m_{r[:8]}_flt.fits", r)
               for r in VISIT21_DIRECT}
    filt = check_product(out / "hst_11359_21_wfc3_ir_f098m_ib6o21_drz.fits", by_root, "filter")
    total = check_product(out / "hst_11359_21_wfc3_ir_total_ib6o21_drz.fits", by_root, "total")
    for info in (filt, total):
        assert info["prim"]["NUMEXP"] == 4 and info["prim"]["INSTRUME"] == "WFC3"
        assert info["sci"]["BUNIT"] == "ELECTRONS/S" and info["sci"]["ORIENTAT"] == 0.0
        assert info["prim"]["MEDNEXP"] == 4.0
    assert filt["wht"].shape == total["wht"].shape
    for root in VISIT21_DIRECT:
        info = check_product(out / f"hst_11359_21_wfc3_ir_f098m_{root[:8]}_drz.fits", by_root,
                             "exposure")
        assert info["prim"]["IPPPSSOO"] == root
    for root in VISIT21_GRISM:
        assert not (out / f"hst_11359_21_wfc3_ir_g102_{root[:8]}_drz.fits").exists()
