"""Sky statistics and methods, the median step, blot and driz_cr on tiny synthetic exposures."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hapsvm.mosaic import ChipJob
from hapsvm.mosaic import CosmicRayParams
from hapsvm.mosaic import DrizzleParams
from hapsvm.mosaic import PixmapCache
from hapsvm.mosaic import SkyParams
from hapsvm.mosaic import build_output_grid
from hapsvm.mosaic import chip_outline_sky
from hapsvm.mosaic import drizzle_chips
from hapsvm.mosaic import drizzle_product
from hapsvm.mosaic import read_exposure_chips
from hapsvm.mosaic.combine import SingleDrizzle
from hapsvm.mosaic.combine import combine_singles
from hapsvm.mosaic.combine import minmed_combine
from hapsvm.mosaic.combine import trimmed_combine
from hapsvm.mosaic.cosmic_rays import driz_cr_mask
from hapsvm.mosaic.cosmic_rays import quick_derivative
from hapsvm.mosaic.sky import SkySample
from hapsvm.mosaic.sky import clipped_statistic
from hapsvm.mosaic.sky import solve_sky
from hapsvm.mosaic.workers import save_array


@pytest.fixture(scope="module")
def tiny_drizzle(tiny_visit, tmp_path_factory):
    exposures = [read_exposure_chips(p) for p in tiny_visit.paths]
    grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for e in exposures
                              for c in e.chips], pixel_scale_arcsec=0.1)
    work = tmp_path_factory.mktemp("tiny_work")
    cache = PixmapCache(work / "maps", grid)
    result = drizzle_product(exposures, grid, cache, sky=SkyParams(method="match", stat="median"),
                             cr=CosmicRayParams(), drizzle=DrizzleParams(final_bits=0),
                             workdir=work)
    return exposures, grid, cache, result


def test_sky_statistic_clips_outliers() -> None:
    rng = np.random.default_rng(2)
    values = np.r_[rng.normal(50.0, 3.0, 50_000), rng.uniform(500, 5000, 2000)]
    for stat in ("mode", "median", "mean"):
        assert abs(clipped_statistic(values, SkyParams(stat=stat)) - 50.0) < 0.3


def test_sky_methods() -> None:
    a = SkySample("a", 100.0, [1.0, 1.3], {"b": 1.1, "c": 1.0}, {"b": 900, "c": 900})
    b = SkySample("b", 100.0, [1.6], {"a": 1.6, "c": 1.5}, {"a": 900, "c": 900})
    c = SkySample("c", 100.0, [2.0], {"a": 2.0, "b": 2.0}, {"a": 900, "b": 900})
    assert solve_sky([a, b, c], SkyParams(method="localmin")) == {"a": 1.0, "b": 1.6, "c": 2.0}
    assert solve_sky([a, b, c], SkyParams(method="globalmin")) == {"a": 1.0, "b": 1.0, "c": 1.0}
    match = solve_sky([a, b, c], SkyParams(method="match"))
    assert match["a"] == pytest.approx(0.0, abs=1e-6)
    assert match["b"] == pytest.approx(0.5, abs=1e-3)
    assert match["c"] == pytest.approx(0.95, abs=0.06)
    both = solve_sky([a, b, c], SkyParams(method="globalmin+match"))
    assert both["a"] == pytest.approx(1.0, abs=1e-3)
    assert solve_sky([a], SkyParams(subtract=False)) == {"a": 0.0}
    with pytest.raises(ValueError, match="sky method"):
        solve_sky([a], SkyParams(method="bogus"))


def test_match_recovers_sky_differences(tiny_visit, tiny_drizzle) -> None:
    _, _, _, result = tiny_drizzle
    truth = tiny_visit.sky_rate
    lowest = min(truth, key=truth.get)
    for root, value in result.sky_rates.items():
        assert value == pytest.approx(truth[root] - truth[lowest], abs=0.01)


def test_trimmed_median_and_minmed() -> None:
    stack = np.array([[1.0, 1.0], [2.0, 2.0], [3.0, 100.0], [4.0, 4.0]])[:, None, :]
    bad = np.zeros(stack.shape, bool)
    assert trimmed_combine(stack, bad, nhigh=1)[0].tolist() == [2.0, 2.0]
    bad[1:, 0, 0] = True    # a single good value is kept even with nhigh = 1
    assert trimmed_combine(stack, bad, nhigh=1)[0, 0] == 1.0
    assert trimmed_combine(stack, np.ones_like(bad))[0, 0] == 0.0
    rng = np.random.default_rng(3)
    images = rng.normal(10.0, 0.1, (3, 20, 20)).astype(np.float32)
    images[0, 5, 5] += 1000.0
    images[1, 5, 5] += 900.0          # a pixel hit in two of three images
    weights = np.full(images.shape, 100.0, np.float32)
    singles = [SingleDrizzle(str(k), Path("-"), Path("-"), 100.0, 0.0, 3.0) for k in range(3)]
    out = minmed_combine(images, weights, np.zeros(images.shape, bool), singles,
                         CosmicRayParams(combine_type="minmed"))
    assert abs(out[5, 5] - 10.0) < 0.5


def test_median_of_singles_is_the_same_block_by_block(tmp_path, monkeypatch) -> None:
    rng = np.random.default_rng(4)
    singles = []
    for k in range(4):
        sci = rng.normal(5.0, 1.0, (50, 30)).astype(np.float32)
        wht = np.full((50, 30), 100.0, np.float32)
        singles.append(SingleDrizzle(str(k), save_array(tmp_path / f"s{k}.npy", sci),
                                     save_array(tmp_path / f"w{k}.npy", wht), 100.0, 0.0, 3.0))
    params = CosmicRayParams(combine_type="minmed")
    whole = combine_singles(singles, (50, 30), params)
    monkeypatch.setattr("hapsvm.mosaic.combine._BLOCK_ROWS", 7)
    assert np.array_equal(combine_singles(singles, (50, 30), params), whole)
    with pytest.raises(ValueError, match="combine_type"):
        combine_singles(singles, (50, 30), CosmicRayParams(combine_type="sum"))


def test_driz_cr_flags_outliers_and_spares_a_bright_model() -> None:
    model = np.full((30, 30), 100.0)
    model[10:13, 10:13] += np.array([[300, 900, 300], [900, 3000, 900], [300, 900, 300]])
    data = model.copy()
    data[20, 20] += 500.0                 # cosmic ray on sky
    data[11, 11] *= 1.03                  # small mismatch of a star core
    mask = driz_cr_mask(data, model, readnoise=5.0, params=CosmicRayParams())
    assert mask[20, 20] and not mask[11, 11] and mask.sum() == 1
    assert quick_derivative(model)[11, 11] == pytest.approx(2100.0)


def test_tiny_visit_cosmic_rays_rejected(tiny_visit, tiny_drizzle) -> None:
    exposures, _, _, result = tiny_drizzle
    hit = total = 0
    for exp in exposures:
        for chip in exp.chips:
            truth = tiny_visit.cr_masks[(exp.rootname, chip.extver)]
            flagged = np.load(result.cr_masks[(exp.rootname, chip.extver)])
            total += truth.sum()
            hit += (truth & flagged).sum()
    assert hit / total > 0.95
    assert result.cr_pixels >= hit


def test_final_drizzle_split_over_two_processes_is_exact(tiny_drizzle, tmp_path) -> None:
    exposures, grid, cache, _ = tiny_drizzle
    jobs = [ChipJob(c, sky_rate=0.5) for e in exposures for c in e.chips]
    serial = drizzle_chips(jobs, grid, cache, DrizzleParams())
    split = drizzle_chips(jobs, grid, cache, DrizzleParams(), workdir=tmp_path, parallel=True)
    assert np.array_equal(serial.ctx, split.ctx)
    assert np.allclose(serial.wht, split.wht, rtol=1e-6, atol=1e-3)
    assert np.allclose(serial.sci, split.sci, rtol=1e-5, atol=1e-5)
    assert not list(tmp_path.glob("*.npy"))


def test_cr_flags_in_copies_are_honoured_unless_reset(tiny_visit, tiny_drizzle, tmp_path) -> None:
    from hapsvm.mosaic import write_cr_flags
    from hapsvm.mosaic.drizzling import chip_inputs

    exposures, _, _, result = tiny_drizzle
    exp = exposures[0]
    masks = {c.extver: result.cr_masks[(exp.rootname, c.extver)] for c in exp.chips}
    flagged_copy = tmp_path / exp.path.name
    write_cr_flags(exp.path, flagged_copy, masks=masks, crbit=4096, resetbits=4096)
    chip = read_exposure_chips(flagged_copy).chips[0]
    cr = np.load(masks[chip.extver])
    assert cr.any()
    _, weight = chip_inputs(ChipJob(chip, good_bits=528))            # total: 4096 not good
    assert np.all(weight[cr] == 0) and np.all(weight[~cr] == 1)
    _, weight = chip_inputs(ChipJob(chip, good_bits=528, reset_bits=4096))   # filter: reset
    assert np.all(weight == 1)
    _, weight = chip_inputs(ChipJob(chip, good_bits=65535))          # exposure products
    assert np.all(weight == 1)
