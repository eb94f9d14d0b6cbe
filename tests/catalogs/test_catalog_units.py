"""Background, flags, quality rules, ECSV output, saturation mapping and error paths."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from hapsvm.catalogs import FILL_VALUE
from hapsvm.catalogs import CatalogParameters
from hapsvm.catalogs import build_catalogs
from hapsvm.catalogs import read_product
from hapsvm.catalogs import saturated_pixels
from hapsvm.catalogs import write_catalog
from hapsvm.catalogs.background import estimate_background
from hapsvm.catalogs.flags import EDGE
from hapsvm.catalogs.flags import SATURATED
from hapsvm.catalogs.flags import edge_flags
from hapsvm.catalogs.flags import faint_flags
from hapsvm.catalogs.flags import saturation_flags
from hapsvm.catalogs.photometry import ApertureRadii
from hapsvm.catalogs.photometry import aperture_fluxes
from hapsvm.catalogs.quality import cr_rejection_threshold
from hapsvm.catalogs.quality import n_good_rows
from hapsvm.catalogs.quality import trim_total
from hapsvm.errors import InputError
from tests.catalogs.synthetic import make_products


def test_background_noise_map_follows_the_weight() -> None:
    rng = np.random.default_rng(5)
    wht = np.full((300, 300), 1000.0, np.float32)
    wht[:, 200:] = 250.0                                  # a quarter of the exposure time
    sigma = 0.05 * np.sqrt(1000.0 / wht)
    sci = (0.02 + rng.normal(0, 1, wht.shape) * sigma).astype(np.float32)
    bkg = estimate_background(sci, wht, erosion_px=0)
    assert bkg.method == "sigma_clipped_background"
    assert float(bkg.level[0, 0]) == pytest.approx(0.02, abs=0.002)
    assert float(bkg.noise[0, 0]) == pytest.approx(0.05, rel=0.03)
    assert float(bkg.noise[0, 250]) == pytest.approx(0.10, rel=0.03)


def test_background_uses_a_mesh_for_a_skewed_sky() -> None:
    rng = np.random.default_rng(6)
    yy, xx = np.mgrid[0:400, 0:400]
    sky = 0.5 * np.exp(-((xx - 50) ** 2 + (yy - 50) ** 2) / (2 * 120.0 ** 2))
    sci = (sky + rng.normal(0, 0.02, sky.shape)).astype(np.float32)
    bkg = estimate_background(sci, np.ones_like(sci), erosion_px=0, box_size=27)
    assert bkg.skew > 0.5 and bkg.method == "twod_background"
    assert np.median(np.abs(bkg.level - sky)) < 0.01


def test_background_of_a_mostly_zero_image_is_zero() -> None:
    sci = np.zeros((100, 100), np.float32)
    sci[::7, ::5] = 1.0
    bkg = estimate_background(sci, np.ones_like(sci), erosion_px=0, exposure_time=100.0)
    assert bkg.method == "zero_background" and not np.any(bkg.level)
    assert bkg.rms >= 0.01


def test_flags_faint_saturation_and_edge() -> None:
    assert faint_flags(np.array([10.0, 4.0, np.nan]), np.array([1.0, 1.0, 1.0]),
                       snr=5).tolist() == [0, 8, 8]
    sat = saturation_flags(np.array([10.0, 30.0]), np.array([10.0, 10.0]), np.array([16.0]),
                           np.array([10.0]), aperture_2_px=3.0)   # radius round(3.5)·2 = 8 px
    assert sat.tolist() == [SATURATED, 0]
    count = np.zeros((400, 400), np.int16)
    count[60:340, 60:340] = 4
    count[60:340, 60:80] = 1                                    # one exposure on the left strip
    x, y = np.array([200.0, 72.0, 62.0]), np.full(3, 200.0)
    flags = edge_flags(count, x, y, aperture_2_px=3.0, any_coverage=False)
    assert flags.tolist() == [0, EDGE, EDGE]
    ir = edge_flags(count, x, y, aperture_2_px=3.0, any_coverage=True)
    assert ir.tolist() == [0, 0, EDGE]                          # 62 px: the zeroed data edge


def test_quality_trimming_and_cr_rule() -> None:
    t = Table({"ID": [1, 2, 3], "Flags_a": [0, 8, -9999], "Flags_b": [16, 24, -9999]})
    assert trim_total(t, flag_trim_value=5)["ID"].tolist() == [1]
    assert n_good_rows(t) == 1
    assert cr_rejection_threshold(150, {"f1": (1, 400.0)}, 400.0) == 60000.0


def test_photometry_rejects_an_unknown_sky_statistic() -> None:
    data = np.ones((50, 50))
    with pytest.raises(ValueError, match="sky statistic"):
        aperture_fluxes(data, np.ones_like(data), np.array([25.0]), np.array([25.0]),
                        ApertureRadii(1, 2, 4, 6), exptime_map=np.ones_like(data),
                        photflam=1e-19, photplam=5000.0, sky_statistic="biweight")


def test_write_catalog_fills_missing_values_and_reads_back(tmp_path: Path) -> None:
    t = Table({"X-Center": [1.0, 2.0], "MagAp1": [20.0, np.nan], "Flags": [0, 8]})
    t["MagAp1"].unit = "mag(AB)"
    t.meta["Number of sources"] = 2
    write_catalog(t, tmp_path / "x.ecsv")
    back = Table.read(tmp_path / "x.ecsv")
    assert back["MagAp1"].tolist() == [20.0, FILL_VALUE]
    assert str(back["MagAp1"].unit) == "mag(AB)" and back.meta["Number of sources"] == 2


def _flt(path: Path, wcs: WCS, dq: np.ndarray) -> None:
    hdr = wcs.to_header()
    fits.HDUList([fits.PrimaryHDU(),
                  fits.ImageHDU(np.zeros(dq.shape, np.float32), hdr, name="SCI", ver=1),
                  fits.ImageHDU(dq, hdr, name="DQ", ver=1)]).writeto(path)


def test_saturated_pixels_land_on_the_same_sky_position(tmp_path: Path) -> None:
    product = WCS(naxis=2)
    product.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    product.wcs.crval, product.wcs.crpix = [10.0, 20.0], [50.5, 50.5]
    product.wcs.cdelt = [-1e-5, 1e-5]
    chip = product.deepcopy()
    chip.wcs.crpix = [40.5, 45.5]                               # shifted by (-10, -5) px
    dq = np.zeros((100, 100), np.int16)
    dq[60, 30] = 256
    dq[10, 10] = 4                                              # not a saturation bit
    _flt(tmp_path / "a_flt.fits", chip, dq)
    x, y = saturated_pixels([tmp_path / "a_flt.fits"], [256], product, (100, 100))
    assert x.tolist() == pytest.approx([40.0], abs=1e-6)
    assert y.tolist() == pytest.approx([65.0], abs=1e-6)


def test_read_product_needs_sci_and_wht(tmp_path: Path) -> None:
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros((5, 5)), name="SCI")]).writeto(
        tmp_path / "p.fits")
    with pytest.raises(InputError, match="no WHT extension"):
        read_product(tmp_path / "p.fits")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory):
    return make_products(tmp_path_factory.mktemp("small"), size=200, n_stars=40, n_galaxies=5,
                         seed=7, n_exposures=1)


def _params() -> CatalogParameters:
    return CatalogParameters(aperture_1_arcsec=0.15, aperture_2_arcsec=0.45,
                             fwhmpsf_arcsec=0.14, apcorr_radius_arcsec=1.6, segm_nsigma=5,
                             rw2d_biggest_source=0.045, rw2d_source_fraction=0.15)


def test_catalogs_of_a_blank_total_are_empty_with_the_reason(small, tmp_path: Path) -> None:
    with fits.open(small.total) as hdul:
        hdul["SCI"].data[:] = 0
        hdul.writeto(tmp_path / "blank.fits")
    cats = build_catalogs(read_product(tmp_path / "blank.fits", filter_name="total"),
                          [read_product(p, filter_name=f) for f, p in small.filters.items()],
                          _params())
    for prod in cats.all():
        assert len(prod.point) == 0 and len(prod.segment) == 0
        assert "blank" in prod.point.meta["Quality"]


def test_catalogs_refuse_a_filter_product_on_another_grid(small, tmp_path: Path) -> None:
    first = next(iter(small.filters.values()))
    with fits.open(first) as hdul:
        hdul["SCI"].header["CRPIX1"] += 3.0
        hdul.writeto(tmp_path / "shifted.fits")
    with pytest.raises(InputError, match="not on the total product's pixel grid"):
        build_catalogs(read_product(small.total, filter_name="total"),
                       [read_product(tmp_path / "shifted.fits", filter_name="f105w")], _params())


def test_cr_rule_empties_single_exposure_catalogs_only_when_enabled(small) -> None:
    total = read_product(small.total, filter_name="total")
    filters = [read_product(p, filter_name=f) for f, p in small.filters.items()]
    exposures = {f: (1, 250.0) for f in small.filters}
    kept = build_catalogs(total, filters, _params(), exposures=exposures)
    assert len(kept.filters[0].point) > 0
    assert not any("cosmic-ray" in n for n in kept.notes)
    off = build_catalogs(total, filters,
                         CatalogParameters(**{**_params().__dict__, "cr_rejection": True}),
                         exposures=exposures)
    assert all(len(p.point) == 0 and len(p.segment) == 0 for p in off.all())
    assert "cosmic-ray rejection" in off.filters[0].point.meta["Quality"]
    assert any("cosmic-ray" in n for n in off.notes)
