"""Epoch propagation and the reported alignment uncertainty (SVMAERR) on small simulated visits
whose reference catalogue has Gaia-DR3-like errors."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from astropy.wcs import WCS
from omegaconf import OmegaConf

from hapsvm.align.results import ALIGNED
from hapsvm.align.results import DetectorAlignment
from hapsvm.simulate import SimulatedVisit
from hapsvm.simulate import simulate_visit
from tests.align.helpers import align_simulated
from tests.align.helpers import rms
from tests.align.helpers import wcs_error_mas

INSTRUMENT = {"wfc3_ir": "wfc3", "wfc3_uvis": "wfc3", "acs_wfc": "acs"}


def align_visit(visit: SimulatedVisit, compose_recipe: Callable, detector: str,
                **settings: Any) -> tuple[DetectorAlignment, dict[tuple[str, int], WCS]]:
    """Align a simulated visit with the shipped config of its detector (plus ``settings``)."""
    cfg = compose_recipe(instrument=INSTRUMENT[detector], detector=detector, nexp="n4")
    finding = OmegaConf.to_object(cfg.find_alignment_sources)
    fitting = replace(OmegaConf.to_object(cfg.align_to_catalog), **settings)
    return align_simulated(visit, finding, fitting, detector=detector)


def exposure_errors(result: DetectorAlignment, wcs: dict[tuple[str, int], WCS],
                    visit: SimulatedVisit) -> dict[str, np.ndarray]:
    """Per exposure: sky offsets (aligned minus true WCS, mas) over a 16×16 grid of each chip."""
    out: dict[str, list[np.ndarray]] = {}
    for (root, chip), w in wcs.items():
        new = result.exposures[root].correction.apply(w)
        true = visit.truth.true_wcs(root, chip)
        nx, ny = w.pixel_shape
        gx, gy = np.meshgrid(np.linspace(0, nx - 1, 16), np.linspace(0, ny - 1, 16))
        a = np.array(new.all_pix2world(gx.ravel(), gy.ravel(), 0))
        b = np.array(true.all_pix2world(gx.ravel(), gy.ravel(), 0))
        d = np.column_stack([(a[0] - b[0]) * np.cos(np.radians(b[1])), a[1] - b[1]]) * 3.6e6
        out.setdefault(root, []).append(d)
    return {root: np.vstack(d) for root, d in out.items()}


def test_moving_field_is_aligned_at_the_visit_epoch(tmp_path: Path,
                                                   compose_recipe: Callable) -> None:
    # a mean proper motion of 5 mas/yr (3, 4) and 7 years from the catalogue's J2016.0
    visit = simulate_visit(tmp_path, detector="wfc3_uvis", size=256, seed=2, epoch_year=2023.0,
                           pm_mean_mas_yr=(3.0, 4.0), pm_dispersion_mas_yr=2.0)
    result, wcs = align_visit(visit, compose_recipe, "wfc3_uvis")
    assert result.status == ALIGNED and result.weighted
    final = rms(np.concatenate([wcs_error_mas(result.exposures[r].correction.apply(w),
                                              visit.truth.true_wcs(r, c))
                                for (r, c), w in wcs.items()]))
    assert final < 1.0
    # without propagation the catalogue shows the stars where they were in 2016: the WCS
    # follows them, about 35 mas (7 yr × 5 mas/yr) against the motion
    stale, _ = align_visit(visit, compose_recipe, "wfc3_uvis", apply_proper_motions=False)
    errors = np.vstack(list(exposure_errors(stale, wcs, visit).values()))
    assert 25.0 < rms(np.hypot(errors[:, 0], errors[:, 1])) < 45.0
    np.testing.assert_allclose(errors.mean(axis=0), [-21.0, -28.0], atol=8.0)


#: The seeded set of the calibration test (about 50 s): detector, seed, epoch (decimal year,
#: 2003.5-2024.5: up to 12.5 years from the catalogue's J2016.0).
CALIBRATION_SET = [(det, seed, 2003.5 + (7 * seed) % 22)
                   for seed in range(1, 19) for det in ("wfc3_ir", "wfc3_uvis", "acs_wfc")]


def test_reported_uncertainty_is_calibrated(tmp_path: Path, compose_recipe: Callable) -> None:
    """Over a seeded set of small visits, error / uncertainty has an RMS near 1."""
    z = []
    for det, seed, epoch in CALIBRATION_SET:
        visit = simulate_visit(tmp_path / f"{det}_{seed}", detector=det, size=256, seed=seed,
                               epoch_year=epoch)
        result, wcs = align_visit(visit, compose_recipe, det)
        assert result.status == ALIGNED
        for root, d in exposure_errors(result, wcs, visit).items():
            sigma = result.exposures[root].position_error_mas      # SVMAERR: 1σ per axis
            assert 0.0 < sigma < 5.0
            z.append(np.sqrt(np.mean(d ** 2)) / sigma)              # per-axis RMS error / σ
    z_rms = float(np.sqrt(np.mean(np.square(z))))
    print(f"error / uncertainty: RMS {z_rms:.2f} over {len(z)} exposures "
          f"({len(CALIBRATION_SET)} visits)")
    assert 0.7 < z_rms < 1.5
