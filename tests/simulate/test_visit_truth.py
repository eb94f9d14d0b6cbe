"""The simulated pixels agree with the recorded truth: positions, pointing errors, fluxes."""
from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from photutils.aperture import CircularAnnulus
from photutils.aperture import CircularAperture
from photutils.aperture import aperture_photometry
from photutils.psf import PSFPhotometry

from hapsvm.simulate.detectors import get_detector
from hapsvm.simulate.filters import get_filter
from hapsvm.simulate.geometry import relative_pixel_area
from hapsvm.simulate.geometry import tan_offsets
from hapsvm.simulate.psf import psf_for
from hapsvm.simulate.psf import psf_stamps
from tests.simulate.helpers import isolated_stars
from tests.simulate.helpers import true_epsf

DETECTORS = ["wfc3_ir", "wfc3_uvis", "acs_wfc"]


@pytest.mark.parametrize("detector", DETECTORS)
def test_visit_truth_star_centroids_match_true_wcs(sim_visit_factory, detector):
    """PSF-fitted positions (photutils, with the simulator's effective PSF) = true WCS."""
    visit = sim_visit_factory(detector=detector, pointing_error=False)
    dx, dy = [], []
    for exp in visit.truth.exposures:
        for chip in range(1, len(exp.chip_shapes) + 1):
            stars = isolated_stars(visit, exp.rootname, chip, min_counts=2e4, radius=12, edge=12)
            if not stars.x.size:
                continue
            data = stars.data - np.median(stars.data[~stars.mask])
            phot = PSFPhotometry(true_epsf(detector, exp.filter), (7, 7), aperture_radius=3)
            start = Table({"x": np.round(stars.x), "y": np.round(stars.y)})
            fit = phot(data, mask=stars.mask, init_params=start)
            dx += list(fit["x_fit"] - stars.x)
            dy += list(fit["y_fit"] - stars.y)
    assert len(dx) >= 5
    rms = np.sqrt(np.mean(np.square(dx) + np.square(dy)))
    assert rms < 0.02, f"centroid rms {rms:.4f} px over {len(dx)} stars"


@pytest.mark.parametrize("detector", DETECTORS)
def test_visit_truth_header_wcs_is_off_by_recorded_apriori_error(sim_visit_factory, detector):
    visit = sim_visit_factory(detector=detector)
    truth = visit.truth
    for exp in truth.exposures:
        dx, dy, rot = truth.apriori_error(exp.rootname)
        assert 0.05 <= np.hypot(dx, dy) <= 1.0 and 0 < abs(rot) < 0.01
        with fits.open(visit.visit_dir / exp.filename) as hdul:
            for chip, (ny, nx) in enumerate(exp.chip_shapes, start=1):
                header_wcs = WCS(hdul["SCI", chip].header, hdul)
                centre = ((nx - 1) / 2, (ny - 1) / 2)
                ra_h, dec_h = header_wcs.all_pix2world(*centre, 0)
                ra_t, dec_t = truth.true_wcs(exp.rootname, chip).all_pix2world(*centre, 0)
                xi, eta = tan_offsets(ra_h, dec_h, float(ra_t), float(dec_t))
                shift = np.array([xi, eta]) * 3600.0
                # exact model: roll about the reference point, then the recorded shift
                ra_p, dec_p = truth.header_position(exp.rootname, ra_t, dec_t)
                xi_p, eta_p = tan_offsets(ra_p, dec_p, float(ra_h), float(dec_h))
                assert np.hypot(xi_p, eta_p) * 3.6e6 < 1.0
                # at the chip centre: the recorded shift, plus the roll times the lever arm
                lever = np.hypot(*tan_offsets(ra_t, dec_t, exp.ref_ra, exp.ref_dec)) * 3600
                bound = 1e-3 + np.radians(abs(rot)) * lever
                assert np.hypot(shift[0] - dx, shift[1] - dy) < bound
                if detector == "wfc3_ir":
                    assert np.hypot(shift[0] - dx, shift[1] - dy) < 1e-3


def test_visit_truth_no_pointing_error_gives_header_equal_truth(sim_visit_factory):
    visit = sim_visit_factory(detector="wfc3_uvis", pointing_error=False)
    exp = visit.truth.exposures[1]
    assert visit.truth.apriori_error(exp.rootname) == (0.0, 0.0, 0.0)
    with fits.open(visit.visit_dir / exp.filename) as hdul:
        for chip in (1, 2):
            header_wcs = WCS(hdul["SCI", chip].header, hdul)
            true_wcs = visit.truth.true_wcs(exp.rootname, chip)
            pix = np.array([[0.0, 0.0], [255.0, 127.0], [100.0, 30.0]])
            np.testing.assert_allclose(header_wcs.all_pix2world(pix, 0),
                                       true_wcs.all_pix2world(pix, 0), rtol=0, atol=1e-11)


def _encircled(detector: str, filter_name: str, x: float, y: float, radius: float) -> float:
    """Fraction of a star's flux inside the aperture, from a noise-free stamp of the PSF."""
    psf = psf_for(get_detector(detector), get_filter(detector, filter_name).pivot_a)
    big = max(psf.wing_radius, psf.half_size)
    dx, dy = x - round(x), y - round(y)
    stamp = psf_stamps(np.array([dx]), np.array([dy]), psf)[0]
    aperture = CircularAperture((big + dx, big + dy), r=radius)
    return float(aperture_photometry(stamp, aperture)["aperture_sum"][0])


@pytest.mark.parametrize("detector", DETECTORS)
def test_visit_truth_aperture_flux_matches_truth(sim_visit_factory, detector):
    """Background-subtracted aperture flux = truth flux (× EXPTIME for CCDs) × encircled energy
    / pixel area map (flat-fielded counts, as in real FLT/FLC files)."""
    visit = sim_visit_factory(detector=detector, pointing_error=False, size=512, n_stars=10,
                              n_galaxies=0)
    radius = {"wfc3_ir": 8.0, "wfc3_uvis": 12.0, "acs_wfc": 10.0}[detector]
    ratios = []
    for exp in visit.truth.exposures:
        for chip in range(1, len(exp.chip_shapes) + 1):
            stars = isolated_stars(visit, exp.rootname, chip, min_counts=2e4, radius=radius + 10,
                                   edge=radius + 10, bright_radius=60)
            wcs = visit.truth.true_wcs(exp.rootname, chip)
            scale = get_detector(detector).pixel_scale
            for x, y, flux in zip(stars.x, stars.y, stars.flux):
                area = float(relative_pixel_area(wcs, x, y, scale))
                ap = CircularAperture((x, y), r=radius)
                ann = CircularAnnulus((x, y), r_in=radius + 2, r_out=radius + 8)
                sky = np.median(ann.to_mask(method="center").get_values(stars.data))
                clean = np.where(stars.hits, sky, stars.data)  # cosmic rays, hot pixels
                total = aperture_photometry(clean, ap)["aperture_sum"][0] - sky * ap.area
                expected = flux * _encircled(detector, exp.filter, x, y, radius) / area
                ratios.append(total / expected)
    assert len(ratios) >= 2, "no isolated bright star far enough from the edges"
    assert abs(np.median(ratios) - 1) < 0.03, ratios
