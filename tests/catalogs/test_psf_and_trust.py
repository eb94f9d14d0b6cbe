"""PSF-fit magnitudes, the aperture correction's stellar locus, Trusted rows: against truth."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from hapsvm.catalogs.flags import COMPACT
from hapsvm.catalogs.flags import EXTENDED
from hapsvm.catalogs.point_catalog import stellar_locus
from hapsvm.catalogs.trust import trusted_rows
from tests.catalogs.test_point_catalog import DETECTORS
from tests.catalogs.test_point_catalog import _isolated_stars

#: robust scatter of MagPSF at S/N >= 50 these small fields support (issue 19: 0.02 on full-size
#: visits): the IR field has 7 isolated bright stars, fewer than psf_min_stars, so its model is
#: the Gaussian fallback, which does not follow the Moffat wings
MAX_PSF_SCATTER = {"wfc3_ir": 0.025, "acs_wfc": 0.02}
#: trusted fraction of the stars detected at S/N >= 10 (issue 19: 95 %); on the synthetic ACS
#: products ~4 % of real stars have a CI below the lower limit (flag 16, never trusted)
MIN_TRUSTED_COMPLETENESS = {"wfc3_ir": 0.95, "acs_wfc": 0.9}


def _robust(values: np.ndarray) -> tuple[float, float]:
    med = float(np.median(values))
    return med, 1.4826 * float(np.median(np.abs(values - med)))


@pytest.mark.parametrize("detector", DETECTORS)
def test_psf_magnitude_is_unbiased_total_magnitude(catalog_case, detector: str) -> None:
    case = catalog_case(detector)
    for prod in case.catalogs.filters:
        tab, fname = prod.point, prod.filter_name.upper()
        dist, row = case.match(tab)
        snr = np.asarray(case.truth[f"snr_{fname}"])
        sel = _isolated_stars(case) & (snr >= 50) & (dist < 1) & ~case.truth["dropout"]
        # total flux -> magnitude difference (the zero point cancels)
        with np.errstate(invalid="ignore", divide="ignore"):
            dmag = -2.5 * np.log10(np.asarray(tab["FluxPSF"])[row[sel]] /
                                   np.asarray(case.truth[f"flux_{fname}"])[sel])
        offset, scatter = _robust(dmag[np.isfinite(dmag)])
        print(f"{detector} {fname}: MagPSF - true, S/N>=50 isolated (n={sel.sum()}): median "
              f"{offset:+.4f}, robust scatter {scatter:.4f}; {tab.meta['PSF photometry']}")
        assert np.isfinite(dmag).sum() >= 15
        # issue 19 asks 0.01 on full-size visits (benchmarks/results/psf_photometry.md); these
        # small fields measure the aperture correction, whose level MagPSF shares, from 6-15
        # stars with a 1-3 % standard error ('Aperture correction error'); with so few stars
        # the outer-light term's error exceeds its 0.5 % limit, so it and its farther sky are
        # left out (the large aperture's sky annulus then holds some of the star's own wing)
        assert abs(offset) <= 0.015
        assert scatter <= MAX_PSF_SCATTER[detector]


def test_stellar_locus_ignores_compact_sources_when_every_star_is_extended() -> None:
    # a broad-PSF filter: every star's CI exceeds the upper CI limit (flag 1), and a few
    # cosmic-ray residuals are flagged 16; they must not define the stellar locus (they did:
    # UVIS F814W fell back to the default aperture correction)
    rng = np.random.default_rng(5)
    ci = np.concatenate([1.06 + 0.01 * rng.standard_normal(40), [0.2, 0.22, 0.25, 0.21, 0.3,
                                                                   0.24], [1.6, 1.8, 2.1]])
    flags = np.concatenate([np.full(40, EXTENDED), np.full(6, COMPACT), np.full(3, EXTENDED)])
    chosen = stellar_locus(ci, np.full(ci.size, 200.0), flags, min_snr=50, min_stars=5)
    assert chosen[:40].sum() >= 38
    assert not chosen[40:].any()


# ACS only: the small IR field has more bright galaxies than S/N >= 50 stars, so without the CI
# limits its densest bright CI is the galaxies'
@pytest.mark.parametrize("detector", ["acs_wfc"])
def test_aperture_correction_with_every_star_flagged_extended(catalog_case, detector: str
                                                              ) -> None:
    from dataclasses import replace

    from hapsvm.catalogs import build_catalogs
    from hapsvm.catalogs import read_product

    case = catalog_case(detector)
    params = replace(case.params, ci_upper_limit=0.0, psf_photometry=False)
    total = read_product(case.products.total, filter_name="total")
    fname, path = next(iter(case.products.filters.items()))
    cats = build_catalogs(total, [read_product(path, filter_name=fname)], params)
    tab = cats.filters[0].point
    assert tab.meta["Aperture correction method"].startswith("measured")
    dist, row = case.match(tab)
    snr = np.asarray(case.truth[f"snr_{fname.upper()}"])
    sel = _isolated_stars(case) & (snr >= 50) & (dist < 1) & ~case.truth["dropout"]
    assert np.all(np.asarray(tab["Flags"])[row[sel]] & EXTENDED)
    rel = np.asarray(tab["FluxAp2Cor"])[row[sel]] / np.asarray(
        case.truth[f"flux_{fname.upper()}"])[sel] - 1
    assert abs(np.median(rel)) <= 0.02


@pytest.mark.parametrize("detector", DETECTORS)
def test_trusted_rows_are_real_and_complete(catalog_case, detector: str) -> None:
    case = catalog_case(detector)
    tr = case.truth
    for prod in case.catalogs.filters:
        tab, fname = prod.point, prod.filter_name.upper()
        trusted = np.asarray(tab["Trusted"], bool)
        assert tab.meta["Trusted rows"] == trusted.sum()
        # false: no true source within 1.5 px (galaxies: 3 r_eff)
        tree = cKDTree(np.column_stack([tr["x"], tr["y"]]))
        xy = np.column_stack([tab["X-Center"], tab["Y-Center"]])[trusted]
        d, k = tree.query(xy)
        reach = np.where(tr["kind"][k] == "galaxy",
                         np.maximum(3 * np.asarray(tr["r_eff_px"])[k], 2.0), 1.5)
        false = float(np.mean(d > reach))
        dist, row = case.match(tab)
        # stars the catalogue measures at S/N >= 10 (the truth's S/N of these synthetic
        # products leaves out the sky-level error the catalogue's includes)
        msnr = np.asarray(tab["FluxAp2"] / tab["FluxErrAp2"])[row]
        stars = np.asarray(tr["kind"] == "star") & case.interior() & (dist < 1) & (msnr >= 10)
        complete = float(np.mean(trusted[row][stars]))
        print(f"{detector} {fname}: {trusted.sum()} of {len(tab)} rows trusted, false "
              f"{false:.3f}; trusted among detected S/N>=10 stars {complete:.3f} "
              f"(n={stars.sum()})")
        assert false <= 0.02
        # full-size simulated visits: benchmarks/results/psf_photometry.md
        assert complete >= MIN_TRUSTED_COMPLETENESS[detector]


def test_trusted_rows_need_a_second_filter_and_no_bright_neighbour() -> None:
    from astropy.table import Table

    a = Table({"X-Center": [10.0, 40.0, 70.0, 72.0], "Y-Center": [10.0, 40.0, 70.0, 70.0],
               "FluxAp2": [200.0, 200.0, 5000.0, 150.0], "FluxErrAp2": [10.0] * 4,
               "Flags": [0, 0, 0, EXTENDED]})
    b = Table(a, copy=True)
    b["FluxAp2"] = [150.0, 5.0, 4000.0, 100.0]      # row 1: a one-filter (cosmic-ray) source
    masks = trusted_rows([a, b], pixel_scale_arcsec=0.05, min_snr=10, other_snr=3,
                         wing_radius_arcsec=1.0, wing_flux_ratio=10)
    assert masks[0].tolist() == [True, False, True, False]
    assert masks[1].tolist() == [True, False, True, False]
    single = trusted_rows([a], pixel_scale_arcsec=0.05, min_snr=10, other_snr=3,
                          wing_radius_arcsec=1.0, wing_flux_ratio=10)
    assert single[0].tolist() == [True, True, True, False]


def test_psf_fit_measures_a_hollow_saturated_core_from_its_wings() -> None:
    """A drizzled saturated star whose core pixels are empty or low: the fit leaves the
    excluded pixels out (in a box grown to hold as many usable pixels) and finds its flux."""
    from photutils.psf import CircularGaussianPRF

    from hapsvm.catalogs.psf_photometry import psf_fluxes

    rng = np.random.default_rng(7)
    model = CircularGaussianPRF(fwhm=2.5)
    yy, xx = np.mgrid[0:41, 0:41].astype(float)
    truth = 50000.0
    star = model.evaluate(xx, yy, truth, 20.3, 19.8, 2.5)
    noise = np.full(star.shape, 2.0)
    image = star + rng.normal(0.0, 2.0, star.shape)
    excluded = np.zeros(star.shape, bool)
    excluded[18:22, 19:23] = True                # the saturated core, grown by a pixel
    image[excluded] *= 0.3                       # what drizzling leaves there
    args = (noise, np.array([20.3]), np.array([19.8]), np.ones(1, bool), model)
    hollow = psf_fluxes(image, *args, fit_shape=5, init_flux=np.array([truth / 2]))
    masked = psf_fluxes(image, *args, fit_shape=5, init_flux=np.array([truth / 2]),
                        excluded=excluded)
    assert abs(hollow.flux[0] / truth - 1) > 0.2
    assert abs(masked.flux[0] / truth - 1) < 0.01


def test_wing_test_judges_extended_by_the_stellar_ci_not_the_fixed_limits() -> None:
    """Drizzled WFC3/IR: every star's CI exceeds the spec's fixed upper limit (flag 1), so the
    wing test would drop every star near a bright one; it uses the catalogue's stellar CI."""
    from astropy.table import Table

    t = Table({"X-Center": [50.0, 54.0, 20.0, 23.0], "Y-Center": [50.0, 50.0, 20.0, 20.0],
               "FluxAp2": [5000.0, 100.0, 5000.0, 100.0], "FluxErrAp2": [10.0, 5.0, 10.0, 5.0],
               "CI": [0.70, 0.72, 0.69, 1.6], "Flags": [1, 1, 1, 1]})
    t.meta["Stellar CI"] = 0.70
    kw = dict(pixel_scale_arcsec=0.128, min_snr=10, other_snr=3, wing_radius_arcsec=1.0,
              wing_flux_ratio=10)
    assert trusted_rows([t], **kw)[0].tolist() == [True, True, True, False]
    del t.meta["Stellar CI"]                 # unknown: flag 1 decides, as the spec's limits do
    assert trusted_rows([t], **kw)[0].tolist() == [True, False, True, False]


def test_centroid_refinement_recovers_a_start_three_pixels_off() -> None:
    """DAO's position of a star cut by the footprint's edge can be ~3 px off; the fit moves
    it home, with a Gaussian no broader than the PSF (a broad one follows a neighbour's
    wing)."""
    from scipy.special import erf

    from hapsvm.catalogs.points import fit_centroids

    p = np.arange(41) - 0.5
    star = np.outer(np.diff(erf((p - 20.3) / (np.sqrt(2) * 0.6))),
                    np.diff(erf((p - 19.6) / (np.sqrt(2) * 0.6)))) * 1000
    xs, ys = fit_centroids(star, np.array([17.4]), np.array([21.5]), fwhm_px=1.4)
    assert abs(xs[0] - 19.6) < 0.01 and abs(ys[0] - 20.3) < 0.01


def test_a_row_without_a_peak_is_not_trusted_unless_saturated() -> None:
    """CI above a flat profile's (5 log10 r2/r1: aperture 1 holds less light per area than the
    ring around it) means no source peaks there: a diffraction spike's flank, a bright star's
    ring. A saturated star whose drizzled core is empty is exempt."""
    from astropy.table import Table

    t = Table({"X-Center": [10.0, 90.0, 50.0], "Y-Center": [10.0, 90.0, 50.0],
               "FluxAp2": [500.0, 300.0, 9e5], "FluxErrAp2": [10.0, 10.0, 100.0],
               "CI": [0.7, 2.6, 2.6], "Flags": [0, 1, 1]})
    kw = dict(pixel_scale_arcsec=0.128, min_snr=10, other_snr=3, wing_radius_arcsec=1.0,
              wing_flux_ratio=10)
    assert trusted_rows([t], **kw)[0].tolist() == [True, True, True]
    sat = [np.array([False, False, True])]
    assert trusted_rows([t], aperture_ratio=3.0, saturated=sat, **kw)[0].tolist() == \
        [True, False, True]
