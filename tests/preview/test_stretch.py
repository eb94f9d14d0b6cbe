"""The display stretch on images of known sky and noise: what a person sees in the JPEG."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from hapsvm.preview import DrizzleImage
from hapsvm.preview import StretchSettings
from hapsvm.preview import color_composite
from hapsvm.preview import display_levels
from hapsvm.preview import sky_and_noise
from hapsvm.preview import stretch_to_uint8

SKY, NOISE = 100.0, 5.0
SHAPE = (400, 500)


@dataclass
class Scene:
    """A noisy sky with one bright star and one faint extended source, and their positions."""

    sci: np.ndarray
    valid: np.ndarray
    star: tuple[int, int]
    faint: tuple[int, int]


def _blob(shape: tuple[int, int], yx: tuple[int, int], peak: float, width: float) -> np.ndarray:
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return peak * np.exp(-((yy - yx[0]) ** 2 + (xx - yx[1]) ** 2) / (2 * width ** 2))


def _scene(seed: int = 3) -> Scene:
    rng = np.random.default_rng(seed)
    sci = rng.normal(SKY, NOISE, SHAPE).astype(np.float32)
    star, faint = (300, 120), (100, 380)
    sci += _blob(SHAPE, star, 2e4 * NOISE, 1.5).astype(np.float32)   # 20,000 σ peak
    sci += _blob(SHAPE, faint, 4 * NOISE, 4.0).astype(np.float32)    # 4 σ per pixel
    return Scene(sci, np.ones(SHAPE, bool), star, faint)


def _disc(shape: tuple[int, int], yx: tuple[int, int], radius: float) -> np.ndarray:
    yy, xx = np.mgrid[:shape[0], :shape[1]]
    return (yy - yx[0]) ** 2 + (xx - yx[1]) ** 2 <= radius ** 2


def _grey(scene: Scene, settings: StretchSettings | None = None) -> np.ndarray:
    """uint8 preview flipped back to FITS row order (so masks of the scene apply)."""
    return np.flipud(stretch_to_uint8(scene.sci, scene.valid, settings or StretchSettings()))


def test_stretch_sky_is_dark_grey_and_noise_spans_grey_levels() -> None:
    scene = _scene()
    grey = _grey(scene)
    sky = grey[~_disc(SHAPE, scene.star, 30) & ~_disc(SHAPE, scene.faint, 15)]
    low, median, high = np.percentile(sky, [16, 50, 84])
    assert 10 <= median <= 80, "sky is a dark, non-zero grey"
    assert high - low >= 8, f"±1 σ of sky noise spans {high - low} grey levels"
    assert np.mean(sky == 0) < 0.05, "only pixels far below the sky are black"


def test_stretch_shows_a_faint_source_above_the_sky() -> None:
    scene = _scene()
    grey = _grey(scene).astype(float)
    core = grey[_disc(SHAPE, scene.faint, 3)].mean()
    ring = grey[_disc(SHAPE, scene.faint, 40) & ~_disc(SHAPE, scene.faint, 20)]
    assert core - ring.mean() >= 8 * ring.std() / np.sqrt(_disc(SHAPE, scene.faint, 3).sum())
    assert core - np.median(ring) >= 10, "a 4 σ source is at least 10 grey levels above the sky"


def test_stretch_does_not_clip_the_brightest_star_to_a_white_blob() -> None:
    scene = _scene()
    grey = _grey(scene)
    star = _disc(SHAPE, scene.star, 10)
    assert grey[star].max() >= 250, "the star's core is (nearly) white"
    assert np.count_nonzero(grey == 255) <= 9, "only the star's central pixels are white"
    profile = [int(grey[scene.star[0], scene.star[1] + dx]) for dx in range(1, 8)]
    assert all(a > b for a, b in zip(profile, profile[1:])), f"wings not graded: {profile}"
    assert profile[1] < 255, "two pixels (3 px FWHM) from the centre the star is not white"


def test_levels_ignore_nan_and_pixels_without_weight() -> None:
    scene = _scene()
    reference = display_levels(scene.sci, scene.valid, StretchSettings())
    sci, valid = scene.sci.copy(), scene.valid.copy()
    valid[:, :350] = False                  # 70 % of the grid has no weight (exposed area only)
    sci[~valid] = 0.0
    sci[::7, 400::5] = np.nan               # NaN inside the exposed area, WHT > 0
    levels = display_levels(sci, valid, StretchSettings())
    assert abs(levels.sky - SKY) < 0.1 * NOISE and abs(levels.noise / NOISE - 1) < 0.05
    assert abs(reference.sky - SKY) < 0.1 * NOISE and abs(reference.noise / NOISE - 1) < 0.05
    grey = np.flipud(stretch_to_uint8(sci, valid, StretchSettings()))
    assert (grey[~valid] == 0).all(), "pixels without weight are black"
    assert 10 <= np.median(grey[valid & np.isfinite(sci)]) <= 80


def test_quantised_image_keeps_the_exposed_sky_grey_and_faint_sources_visible() -> None:
    rng = np.random.default_rng(5)        # sky 0.4 ± 0.2 e-/s stored as floor(e-/s): mostly 0
    flux = rng.normal(0.4, 0.2, SHAPE) + _blob(SHAPE, (200, 250), 4.0, 3.0)
    flux += _blob(SHAPE, (80, 80), 400.0, 1.5)
    sci = np.floor(np.clip(flux, 0, 255)).astype(np.float32)
    sky, noise = sky_and_noise(sci.ravel().astype(float))
    assert sky == 0.0 and 0 < noise < 1, "noise falls back to a fraction of one quantum"
    grey = np.flipud(stretch_to_uint8(sci, np.ones(SHAPE, bool), StretchSettings()))
    assert 10 <= np.median(grey) <= 80, "the exposed sky is grey, not black"
    faint = grey[_disc(SHAPE, (200, 250), 2)].astype(float).mean()
    assert faint - np.median(grey) >= 40, "a 2-4 e-/s source stands well above the sky"


def test_pure_noise_stays_dark() -> None:
    sci = np.random.default_rng(2).normal(SKY, NOISE, SHAPE)
    levels = display_levels(sci, np.ones(SHAPE, bool), StretchSettings(min_white_sigma=50))
    assert levels.white >= SKY + 49 * NOISE
    grey = stretch_to_uint8(sci, np.ones(SHAPE, bool), StretchSettings())
    assert np.percentile(grey, 99.9) < 128


def test_stretch_settings_change_the_picture() -> None:
    scene = _scene()
    default = np.median(_grey(scene))
    assert np.median(_grey(scene, StretchSettings(black_sigma=5.0))) > default
    assert np.median(_grey(scene, StretchSettings(softening_sigma=10.0))) < default


@pytest.mark.parametrize("n_filters", [2, 3])
def test_color_composite_sky_is_neutral_grey_and_a_red_source_is_red(n_filters: int) -> None:
    rng = np.random.default_rng(4)
    pivots = [4000.0, 6000.0, 8000.0][-n_filters:]
    images = []
    for plam, sky, noise in zip(pivots, [10.0, 50.0, 300.0], [1.0, 3.0, 20.0]):
        sci = rng.normal(sky, noise, SHAPE).astype(np.float32)
        if plam == 8000.0:                  # a source seen only in the reddest filter
            sci += _blob(SHAPE, (200, 250), 30 * noise, 3.0).astype(np.float32)
        images.append(DrizzleImage(Path("x_drz.fits"), sci, np.ones(SHAPE, bool), plam, ""))
    rgb = np.flipud(color_composite(images[::-1], StretchSettings())).astype(float)
    sky = rgb[~_disc(SHAPE, (200, 250), 20)]
    medians = np.median(sky, axis=0)
    assert 10 <= medians.min() and medians.max() <= 80
    assert medians.max() - medians.min() <= 3, f"sky not neutral: {medians}"
    red, green, blue = rgb[200, 250]
    assert red >= 200 and red > green + 60 and red > blue + 100
