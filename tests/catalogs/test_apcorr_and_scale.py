"""Aperture correction out to the PSF's edge and the PSF fluxes' calibration over the image."""
from __future__ import annotations

import numpy as np

from hapsvm.catalogs.apcorr import aperture_correction
from hapsvm.catalogs.apcorr import far_sky_fluxes
from hapsvm.catalogs.psf_photometry import PsfFluxes
from hapsvm.catalogs.psf_photometry import total_flux_scale
from hapsvm.simulate.psf import PsfModel
from hapsvm.simulate.psf import add_points

SIZE, SPACING, FLUX, SKY_SIGMA = 640, 100, 5000.0, 0.01


def _star_field(psf: PsfModel, seed: int = 4) -> tuple[np.ndarray, ...]:
    """Isolated stars of known total flux on a flat sky with Gaussian noise, and their segments."""
    rng = np.random.default_rng(seed)
    grid = np.arange(SPACING // 2 + 20, SIZE - SPACING // 2 - 20, SPACING, dtype=float)
    x, y = (a.ravel() + rng.uniform(-0.5, 0.5, a.size) for a in np.meshgrid(grid, grid))
    flux = FLUX * rng.uniform(0.5, 2.0, x.size)
    image = np.zeros((SIZE, SIZE))
    add_points(image, x, y, flux, psf)
    image += rng.normal(0.0, SKY_SIGMA, image.shape)
    yy, xx = np.mgrid[:SIZE, :SIZE]
    segm = np.zeros(image.shape, int)
    for k, (xi, yi) in enumerate(zip(x, y, strict=True), start=1):
        segm[np.hypot(xx - xi, yy - yi) <= 4] = k
    return image, segm, x, y, flux


def test_aperture_correction_includes_the_light_out_to_the_psf_edge() -> None:
    # PSF truncated at 20 px; the large aperture is 10 px and the outer radius 2 x 10 = 20 px,
    # an integer: its last 1-px ring holds no pixel (that made every star unusable, and the
    # ~3 % of this PSF's light between 10 and 20 px was never added)
    psf = PsfModel(fwhm_px=2.0, half_size=8, wing_radius=20, oversample=3)
    image, segm, x, y, flux = _star_field(psf)
    noise = np.full(image.shape, SKY_SIGMA)
    exptime = np.full(image.shape, 1000.0)
    far = far_sky_fluxes(image, noise, x, y, r2=3.0, r_big=10.0, exptime_map=exptime)
    kwargs = dict(shape=image.shape, radius_px=10.0, large_ee=1.0, min_snr=50, min_stars=5,
                  default_mag=0.0, segm=segm, data=image, noise=noise, r2=3.0,
                  t_eff_map=np.full(x.size, 1000.0))
    with_outer = aperture_correction(far, x, y, np.ones(x.size, bool), outer_factor=2.0,
                                     **kwargs)
    without = aperture_correction(far, x, y, np.ones(x.size, bool), outer_factor=1.0, **kwargs)
    assert with_outer.method == "measured" and with_outer.n_stars >= 20
    total = far.flux2 * with_outer.factor
    assert abs(np.median(total / flux) - 1) < 0.003
    # the stars' large-aperture totals (for the PSF calibration) are total fluxes too
    assert abs(np.median(with_outer.star_total / flux[with_outer.stars]) - 1) < 0.003
    assert np.median(far.flux2 * without.factor / flux) < 0.985       # 10 px misses > 1.5 %


def test_psf_flux_scale_follows_a_trend_over_the_image() -> None:
    rng = np.random.default_rng(7)
    n, shape = 400, (2000, 4000)
    x, y = rng.uniform(0, shape[1] - 1, n), rng.uniform(0, shape[0] - 1, n)
    u = 2 * x / (shape[1] - 1) - 1
    true_scale = 1.05 * (1 + 0.02 * u + 0.01 * u ** 2)       # the model misses more light right
    total = 1000.0 * rng.uniform(1, 20, n)
    fitted = total / true_scale * (1 + 0.003 * rng.standard_normal(n))
    psf = PsfFluxes(fitted, 0.003 * fitted, np.zeros(n), np.ones(n), np.zeros(n, int))
    ap2cor = total * (1 + 0.01 * rng.standard_normal(n))     # noisier, no trend
    stars = np.flatnonzero(rng.uniform(size=n) < 0.5)        # half have large-aperture totals
    big = total[stars] * (1 + 0.005 * rng.standard_normal(stars.size))
    scale = total_flux_scale(psf, x, y, np.ones(n, bool), ap2cor, 0.01 * ap2cor, shape=shape,
                             min_stars=5, fallback=1.0, degree=2,
                             profile=(stars, big, 0.005 * big))
    assert scale.degree == 2 and scale.n_stars == n
    rel = np.abs(scale.values / true_scale - 1)   # stars' noise 0.3-1 %: 0.1 % typical error
    assert np.median(rel) < 0.002 and np.max(rel) < 0.007
    # a single factor leaves the trend: ±2 % at the edges
    flat = total_flux_scale(psf, x, y, np.ones(n, bool), ap2cor, 0.01 * ap2cor, shape=shape,
                            min_stars=5, fallback=1.0)
    assert flat.degree == 0 and np.max(np.abs(flat.values / true_scale - 1)) > 0.015
    # too few stars with large-aperture totals for a trend (10 per term): one factor
    few = total_flux_scale(psf, x, y, np.ones(n, bool), ap2cor, 0.01 * ap2cor, shape=shape,
                           min_stars=5, fallback=1.0, degree=2,
                           profile=(stars[:25], big[:25], 0.005 * big[:25]))
    assert few.degree == 0 and np.ptp(few.values) == 0
    none = total_flux_scale(psf, x, y, np.zeros(n, bool), ap2cor, 0.01 * ap2cor, shape=shape,
                            min_stars=5, fallback=1.3)
    assert none.n_stars == 0 and np.all(none.values == 1.3)
