"""Detector effects: cosmic-ray rate, charge-conserving bleeding, fixed pixel defects."""
from __future__ import annotations

import numpy as np
from scipy import ndimage

from hapsvm.simulate.effects import CR_RATE_CM2_S
from hapsvm.simulate.effects import DQ_BAD
from hapsvm.simulate.effects import DQ_HOT
from hapsvm.simulate.effects import bleed_saturation
from hapsvm.simulate.effects import cosmic_rays
from hapsvm.simulate.effects import pixel_defects


def test_effects_cosmic_ray_rate_matches_hst():
    rng = np.random.default_rng(3)
    shape, exptime = (512, 512), 1000.0
    charge = cosmic_rays(shape, exptime, 15.0, rng)
    expected = CR_RATE_CM2_S * 512 * 512 * (15e-4) ** 2 * exptime
    n_events = ndimage.label(charge > 0)[1]
    assert 0.8 * expected < n_events < 1.05 * expected
    assert 0.01 < np.mean(charge > 5) < 0.04  # ACS/WFC3 handbooks: 1.5-3 % per 1000 s
    assert np.median(charge[charge > 50]) > 100


def test_effects_bleeding_conserves_charge():
    image = np.full((200, 5), 100.0)
    image[100, 2] = 1_000_000.0
    total = image.sum()
    saturated = bleed_saturation(image, 80_000.0)
    assert image.max() <= 80_000.0 and image.sum() == total
    column = np.nonzero(saturated[:, 2])[0]
    assert saturated[:, [0, 1, 3, 4]].sum() == 0
    assert column.min() < 100 < column.max() and 10 <= column.size <= 13


def test_effects_pixel_defects_crop_like_the_full_chip():
    full = pixel_defects((400, 300), (0, 0), (400, 300), np.random.default_rng(5),
                         hot_fraction=0.01, bad_fraction=0.001, n_bad_columns=2)
    part = pixel_defects((400, 300), (50, 100), (64, 128), np.random.default_rng(5),
                         hot_fraction=0.01, bad_fraction=0.001, n_bad_columns=2)
    assert np.array_equal(part.dq, full.dq[100:164, 50:178])
    assert np.array_equal(part.hot_rate_e_s, full.hot_rate_e_s[100:164, 50:178])
    assert ((full.dq & DQ_HOT) > 0).mean() == 0.01
    assert np.all(full.hot_rate_e_s[(full.dq & DQ_HOT) > 0] > 0)
    assert ((full.dq & DQ_BAD) > 0).all(axis=0).sum() == 2
