"""Source finding on synthetic images: centroids, cosmic rays, DQ masks, quantised data."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.align import SourceFindingSettings
from hapsvm.align import find_chip_sources
from hapsvm.align import find_exposure_sources

SETTINGS = SourceFindingSettings(box_size_px=16, kernel_fwhm_px=2.0, window_fwhm_px=2.5)


def _stars(n: int, *, shape: tuple[int, int] = (200, 240), seed: int = 1, fwhm: float = 2.0,
           noise: float = 2.0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Image with ``n`` pixel-integrated Gaussian stars on a flat sky, and their truth."""
    rng = np.random.default_rng(seed)
    ny, nx = shape
    x = rng.uniform(12, nx - 12, n)
    y = rng.uniform(12, ny - 12, n)
    flux = rng.uniform(3e3, 3e4, n)
    sigma = fwhm / 2.3548
    yy, xx = np.mgrid[0:ny, 0:nx]
    img = np.full(shape, 20.0)
    sub = (np.arange(5) + 0.5) / 5 - 0.5
    for xi, yi, fi in zip(x, y, flux):
        stamp = np.zeros(shape)
        for dx in sub:          # integrate over the pixel (5×5 sub-samples)
            for dy in sub:
                stamp += np.exp(-((xx + dx - xi) ** 2 + (yy + dy - yi) ** 2) / (2 * sigma ** 2))
        img += fi * stamp / stamp.sum()
    img += rng.normal(0, noise, shape)
    return img.astype(np.float32), x, y, flux


def _match(found, x: np.ndarray, y: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    d = np.hypot(found.x[:, None] - x[None], found.y[:, None] - y[None])
    j = d.argmin(axis=1)
    return np.column_stack([found.x - x[j], found.y - y[j]])[d.min(axis=1) < 1.0]


def _separated(x: np.ndarray, y: np.ndarray, minimum: float = 8.0) -> np.ndarray:
    d = np.hypot(x[:, None] - x[None], y[:, None] - y[None]) + np.eye(x.size) * 1e9
    return d.min(axis=1) > minimum


def test_find_chip_sources_recovers_star_positions() -> None:
    img, x, y, flux = _stars(40)
    found = find_chip_sources(img, None, chip=1, settings=SETTINGS)
    iso = _separated(x, y)
    offsets = _match(found, x[iso], y[iso])
    assert len(offsets) == iso.sum()
    assert np.sqrt(np.mean(offsets ** 2)) < 0.03          # pixels
    assert np.all(np.diff(found.flux) <= 0)               # brightest first
    assert np.all(np.isfinite(found.mag))


@pytest.mark.parametrize("noise", [8.0, 20.0])
def test_centroid_errors_match_the_scatter(noise: float) -> None:
    # noise-limited stars (at S/N of several hundred the windowed centroid's pixel-phase bias,
    # a few 0.001 px here, is what centroid_error_floor_px stands for)
    settings = replace(SETTINGS, centroid_error_floor_px=0.0)
    offsets, sigmas = [], []
    for seed in range(1, 6):
        img, x, y, _ = _stars(40, seed=seed, noise=noise)
        err = np.full(img.shape, noise, np.float32)          # the ERR array: background only
        found = find_chip_sources(img, None, chip=1, settings=settings, err=err)
        iso = _separated(x, y)
        d = np.hypot(found.x[:, None] - x[iso][None], found.y[:, None] - y[iso][None])
        ok = d.min(axis=1) < 1.0
        j = d.argmin(axis=1)[ok]
        offsets.append(np.column_stack([found.x[ok] - x[iso][j], found.y[ok] - y[iso][j]]))
        sigmas.append(found.position_error_px[ok])
    z = np.concatenate(offsets) / np.concatenate(sigmas)[:, None]
    assert 0.8 < np.sqrt(np.mean(z ** 2)) < 1.25


def test_centroid_error_floor_and_saturated_core_terms() -> None:
    img, x, y, _ = _stars(20, noise=2.0)
    dq = np.zeros(img.shape, np.int16)
    dq[int(round(y[0])), int(round(x[0]))] = 256                 # one saturated core
    plain = find_chip_sources(img, dq, chip=1, settings=replace(
        SETTINGS, centroid_error_floor_px=0.0, saturated_centroid_error_px=0.0))
    floored = find_chip_sources(img, dq, chip=1, settings=replace(
        SETTINGS, centroid_error_floor_px=0.02, saturated_centroid_error_px=0.1))
    np.testing.assert_allclose(plain.x, floored.x)
    first = np.argmin(np.hypot(floored.x - x[0], floored.y - y[0]))
    expected = np.hypot(plain.position_error_px, 0.02)
    expected[first] = np.sqrt(expected[first] ** 2 + 0.1 ** 2)
    np.testing.assert_allclose(floored.position_error_px, expected, rtol=1e-6)


def test_max_sources_per_chip_keeps_the_brightest() -> None:
    img, x, y, flux = _stars(40)
    found = find_chip_sources(img, None, chip=1, settings=replace(SETTINGS,
                                                                  max_sources_per_chip=5))
    assert len(found) == 5
    assert found.flux.min() > np.sort(flux)[-12] * 0.5


def test_cosmic_rays_are_rejected_by_the_peak_fraction() -> None:
    img, x, y, _ = _stars(10, seed=2)
    rng = np.random.default_rng(3)
    cx, cy = rng.integers(10, 230, 30), rng.integers(10, 190, 30)
    img[cy, cx] += 5000.0
    kept = find_chip_sources(img, None, chip=1, settings=SETTINGS)
    clean = find_chip_sources(img, None, chip=1, settings=replace(SETTINGS,
                                                                  max_peak_fraction=0.3))
    assert len(kept) >= 35
    assert len(clean) == 10
    assert len(_match(clean, x, y)) == 10


def test_dq_flagged_pixels_are_masked_but_saturation_is_not() -> None:
    img, x, y, _ = _stars(10, seed=4)
    dq = np.zeros(img.shape, np.int16)
    first = (int(round(y[0])), int(round(x[0])))
    second = (int(round(y[1])), int(round(x[1])))
    dq[first[0] - 4:first[0] + 5, first[1] - 4:first[1] + 5] = 4        # bad pixels
    dq[second[0] - 1:second[0] + 2, second[1] - 1:second[1] + 2] = 256  # saturated core
    found = find_chip_sources(img, dq, chip=1, settings=SETTINGS)
    near = np.hypot(found.x[:, None] - x[None, :2], found.y[:, None] - y[None, :2]) < 1
    assert not near[:, 0].any() and near[:, 1].any()
    strict = find_chip_sources(img, dq, chip=1, settings=replace(SETTINGS,
                                                                 exclude_saturated=True))
    near = np.hypot(strict.x - x[1], strict.y - y[1]) < 1
    assert not near.any()


def test_quantised_zero_background_gives_no_noise_detections() -> None:
    """Re-packed archive data: whole e-/s, a background of exact zeros (visit 21)."""
    rng = np.random.default_rng(5)
    img = (rng.random((200, 200)) < 0.01).astype(np.float32)   # scattered 1 e-/s pixels
    star, x, y, _ = _stars(5, shape=(200, 200), noise=0.0)
    img += np.floor(star - 20.0)
    found = find_chip_sources(img, None, chip=1, settings=SETTINGS)
    assert len(found) == 5


def test_empty_chip_gives_no_sources() -> None:
    found = find_chip_sources(np.zeros((64, 64)), None, chip=2, settings=SETTINGS)
    assert len(found) == 0 and found.chip == 2


def test_find_exposure_sources_reads_every_chip(tmp_path) -> None:  # type: ignore[no-untyped-def]
    img, *_ = _stars(10)
    hdus = [fits.PrimaryHDU()]
    hdus[0].header["EXPSTART"] = 55000.25
    for ver in (1, 2):
        sci = fits.ImageHDU(img, name="SCI", ver=ver)
        for key, value in {"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN", "CRVAL1": 10.0,
                           "CRVAL2": 0.0, "CRPIX1": 120.0, "CRPIX2": 100.0, "CD1_1": -1e-5,
                           "CD2_2": 1e-5, "CD1_2": 0.0, "CD2_1": 0.0}.items():
            sci.header[key] = value
        hdus += [sci, fits.ImageHDU(np.zeros(img.shape, np.int16), name="DQ", ver=ver)]
    path = tmp_path / "x_flc.fits"
    fits.HDUList(hdus).writeto(path)
    exp = find_exposure_sources(path, rootname="jx", filter_name="f606w", kind="imaging",
                                settings=SETTINGS)
    assert [c.chip for c in exp.chips] == [1, 2] and exp.n_sources == 20
    assert exp.mjd == pytest.approx(55000.25)
