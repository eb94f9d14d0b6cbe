"""Drizzle accuracy on simulated visits whose header WCS is the truth (no pointing error).

Flux convention: like calibrated HST FLT/FLCs, the simulated exposures are flat-fielded (a
star's counts are its flux divided by the relative pixel area); drizzling multiplies each input
pixel by its area on the output grid, so product fluxes equal the truth. The mean pixel area at
each star (a few per cent from 1 on ACS/WFC and WFC3/IR) is printed to show the size of the
effect a wrong convention would have.
"""
from __future__ import annotations

import numpy as np
import pytest
from scipy import ndimage

from tests.mosaic.measure import chip_electrons
from tests.mosaic.measure import expected_electrons
from tests.mosaic.measure import measure_stars

DETECTORS = ["acs_wfc", "wfc3_ir"]


@pytest.mark.parametrize("detector", DETECTORS)
def test_drizzle_star_flux_within_1pc_of_truth(drizzle_sim, detector: str) -> None:
    d = drizzle_sim(detector)
    stars = measure_stars(d.result.arrays.sci, d.result.arrays.wht, d.grid,
                          d.visit.truth.sources, d.exposures, detector=detector)
    assert len(stars) >= 5, "too few isolated bright stars to test"
    ratio = np.array([s.flux_ratio for s in stars])
    area = np.array([s.pixel_area for s in stars])
    print(f"{detector}: {len(stars)} stars, flux/truth median {np.median(ratio):.4f}, "
          f"max |flux/truth - 1| {np.abs(ratio - 1).max():.4f} (pixel areas "
          f"{area.min():.3f}-{area.max():.3f} output pixels)")
    assert np.all(np.abs(ratio - 1) < 0.01)


@pytest.mark.parametrize("detector", DETECTORS)
def test_drizzle_star_positions_within_005_pixel(drizzle_sim, detector: str) -> None:
    d = drizzle_sim(detector)
    stars = measure_stars(d.result.arrays.sci, d.result.arrays.wht, d.grid,
                          d.visit.truth.sources, d.exposures, detector=detector)
    offsets = np.array([(s.dx, s.dy) for s in stars])
    print(f"{detector}: position rms {np.sqrt((offsets ** 2).mean(axis=0))} px, "
          f"max {np.abs(offsets).max():.4f} px")
    assert np.all(np.hypot(offsets[:, 0], offsets[:, 1]) < 0.05)


def _cr_statistics(d) -> dict[str, float]:
    """Fractions of injected cosmic-ray pixels flagged, and of star pixels wrongly flagged."""
    ctx = d.result.arrays.ctx[0]
    n_cover = sum((ctx >> k) & 1 for k in range(ctx.dtype.itemsize * 8))
    counts = dict.fromkeys(("all", "all_hit", "sig", "sig_hit", "clean", "clean_hit",
                            "star", "star_hit"), 0)
    for exp in d.exposures:
        for chip in exp.chips:
            truth_cr = d.visit.truth.cr_mask(exp.rootname, chip.extver)
            flagged = np.load(d.result.cr_masks[(exp.rootname, chip.extver)])
            data, dq = chip_electrons(exp, chip.extver)
            stars, sigma = expected_electrons(d.visit, exp, chip.extver, detector=d.detector)
            sky = np.median(data[(dq == 0) & ~truth_cr & (stars < 0.01 * sigma)])
            excess = (data - sky - stars) / sigma
            pix = np.rint(d.cache.get(chip)).astype(int)
            cover = n_cover[np.clip(pix[..., 1], 0, ctx.shape[0] - 1),
                            np.clip(pix[..., 0], 0, ctx.shape[1] - 1)]
            good = dq == 0
            significant = truth_cr & good & (excess > 5)
            clean = significant & (cover >= 3) & (stars < sigma)
            star = good & (stars > 5 * sigma) & ~ndimage.binary_dilation(truth_cr)
            for name, sel in (("all", truth_cr), ("sig", significant), ("clean", clean),
                              ("star", star)):
                counts[name] += int(sel.sum())
                counts[name + "_hit"] += int((sel & flagged).sum())
    return {k: counts[k + "_hit"] / max(counts[k], 1) for k in ("all", "sig", "clean", "star")} \
        | {"n_clean": counts["clean"], "n_star": counts["star"]}


@pytest.mark.parametrize("detector", ["acs_wfc"])
def test_drizzle_rejects_cosmic_rays_not_stars(drizzle_sim, detector: str) -> None:
    d = drizzle_sim(detector)
    stats = _cr_statistics(d)
    print(f"{detector}: CR pixels flagged: all injected (>= 5 e-) {stats['all']:.3f}, "
          f">5 sigma {stats['sig']:.4f}, >5 sigma on sky covered by >=3 exposures "
          f"{stats['clean']:.4f} (n={stats['n_clean']}); star pixels >5 sigma wrongly "
          f"flagged {stats['star']:.5f} (n={stats['n_star']})")
    assert stats["clean"] >= 0.99
    assert stats["star"] <= 0.001


@pytest.mark.parametrize("detector", DETECTORS)
def test_drizzle_wht_and_ctx_follow_the_exposures(drizzle_sim, detector: str) -> None:
    """CTX bit k is set exactly where chip k contributed; WHT is the exposure time per unit of
    input-pixel area (drizzle spreads each input pixel's weight over its own area)."""
    d = drizzle_sim(detector)
    arrays = d.result.arrays
    ctx = arrays.ctx[0]
    assert arrays.ctx.shape[0] == 1 and len(arrays.inputs) <= 32
    bound = np.zeros(ctx.shape)
    exptime = np.zeros(ctx.shape)
    n_bits = np.zeros(ctx.shape, int)
    for k, chip in enumerate(arrays.inputs):
        pix = d.cache.get(chip).astype(np.float64)
        area = (np.gradient(pix[..., 0], axis=1) * np.gradient(pix[..., 1], axis=0) -
                np.gradient(pix[..., 0], axis=0) * np.gradient(pix[..., 1], axis=1))
        bit = ((ctx >> k) & 1).astype(bool)
        exptime += bit * chip.exptime
        bound += bit * chip.exptime / area.min()
        n_bits += bit
    assert np.array_equal(arrays.wht > 0, ctx != 0)
    assert np.all(arrays.wht <= bound * 1.001 + 1e-3)
    full = n_bits == len(d.exposures)
    ratio = np.median(arrays.wht[full] / exptime[full])
    print(f"{detector}: median WHT / summed exposure time where all exposures overlap {ratio:.4f}")
    assert 0.95 < ratio < 1.08
    assert np.all(arrays.sci[arrays.wht == 0] == 0)
