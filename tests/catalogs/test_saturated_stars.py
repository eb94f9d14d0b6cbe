"""Saturated stars: centre of a bled star, and suppression of its trail and wing detections."""
from __future__ import annotations

import numpy as np

from hapsvm.catalogs.saturated_stars import find_saturated_stars
from hapsvm.catalogs.saturated_stars import near_saturated


def _bled_star(x0: float = 40.3, y0: float = 38.6) -> tuple[np.ndarray, np.ndarray]:
    yy, xx = np.mgrid[0:80, 0:80]
    r2 = (xx - x0) ** 2 + (yy - y0) ** 2
    img = 5000.0 * np.exp(-r2 / (2 * 1.2 ** 2)) + 400.0 / (1 + r2 / 4.0) ** 1.5
    sat = img >= 1000.0
    col = round(x0)
    sat[int(y0) - 14:int(y0) + 15, col] = True               # bleed column, both ways
    img = np.where(sat, 1000.0, img)
    return img + np.random.default_rng(3).normal(0, 0.5, img.shape), sat


def test_saturated_stars_centre_is_the_core_not_the_bleed_trail() -> None:
    img, sat = _bled_star()
    stars = find_saturated_stars(sat, img)
    assert len(stars) == 1
    assert abs(stars.x[0] - 40.3) < 0.3 and abs(stars.y[0] - 38.6) < 0.3


def test_saturated_stars_trail_and_wing_detections_dropped_neighbour_kept() -> None:
    img, sat = _bled_star()
    img[38, 52] += 500.0                                      # a real neighbour, 12 px away
    stars = find_saturated_stars(sat, img)
    x = np.array([40.0, 41.5, 47.0, 52.0])                    # trail end, trail side, wing, star
    y = np.array([52.0, 30.0, 38.0, 38.0])
    peak = np.array([img[52, 40], img[30, 41], img[38, 47], img[38, 52]])
    drop = near_saturated(stars, x, y, peak, img, dilation_px=3, radius_factor=4.0,
                          keep_nsigma=10.0)
    assert drop.tolist() == [True, True, True, False]
