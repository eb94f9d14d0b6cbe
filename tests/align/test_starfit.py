"""The star fit on synthetic positions: weights, clipping, and a formal uncertainty that holds."""
from __future__ import annotations

import numpy as np
import pytest

from hapsvm.align.starfit import fit_stars


def _field(rng: np.random.Generator, n: int, *, spread: float = 20.0
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reference positions, their errors (a few good stars, many poor ones; arcsec) and a
    true transformation (rotation 0.002°, scale 1 + 1e-5, shift) taking image to reference."""
    ref = rng.uniform(-spread, spread, (n, 2))
    err = np.where(rng.uniform(size=n) < 0.2, 0.0005, 0.005) * rng.uniform(0.7, 1.4, n)
    th = np.radians(0.002)
    m = (1 + 1e-5) * np.array([[np.cos(th), -np.sin(th)], [np.sin(th), np.cos(th)]])
    return ref, err, m


def _simulate(rng: np.random.Generator, geometry: str, weighted: bool, n: int = 40
              ) -> tuple[float, float, float]:
    """One fit: (x error at the pivot, reported σ there, σ by 1/√Σw)."""
    ref, err, m = _field(rng, n)
    shift = np.array([0.3, -0.2])
    noisy_ref = ref + rng.normal(0, 1, (n, 2)) * err[:, None]      # catalogue errors
    img = (ref - shift) @ np.linalg.inv(m).T
    fit = fit_stars(img, np.arange(n), noisy_ref, geometry=geometry, ref_error=err,
                    weighted=weighted, n_clip=0)
    pivot = np.array(fit.pivot)
    fitted = np.array(fit.matrix) @ pivot + np.array(fit.shift)
    true = m @ pivot + shift
    return float(fitted[0] - true[0]), fit.shift_error_arcsec, float(1 / np.sqrt(np.sum(
        1 / err ** 2)))


@pytest.mark.parametrize("geometry", ["shift", "rscale", "general"])
@pytest.mark.parametrize("weighted", [True, False])
def test_starfit_uncertainty_is_calibrated(geometry: str, weighted: bool) -> None:
    rng = np.random.default_rng(11)
    runs = np.array([_simulate(rng, geometry, weighted) for _ in range(300)])
    z = runs[:, 0] / runs[:, 1]
    # weighted: about 0.85, as the scale factor max(1, χ²/dof) never shrinks an error
    assert 0.75 < np.sqrt(np.mean(z ** 2)) < 1.2
    if weighted:   # the weighted fit is as good as its weights say (PDG scale factor ≥ 1)
        assert np.median(runs[:, 1] / runs[:, 2]) == pytest.approx(1.0, abs=0.15)
    else:          # equal weights waste the good stars
        assert np.median(runs[:, 1] / runs[:, 2]) > 1.5


def test_starfit_repeated_detections_share_their_catalogue_error() -> None:
    rng = np.random.default_rng(5)
    ref, err, _ = _field(rng, 30)
    cat_offset = rng.normal(0, 1, (30, 2)) * err[:, None]
    near = np.repeat(np.arange(30), 4)                           # 4 exposures
    img = (ref + cat_offset)[near] + rng.normal(0, 1e-5, (120, 2))
    one = fit_stars(img[::4], np.arange(30), ref, geometry="shift", ref_error=err)
    four = fit_stars(img, near, ref, geometry="shift", ref_error=err)
    # four measurements of a star do not shrink the error of its catalogue position
    assert four.shift_error_arcsec == pytest.approx(one.shift_error_arcsec, rel=0.05)
    assert four.n_stars == 30 and four.detection_mask.sum() == 120


def test_starfit_clips_an_outlier_by_its_own_error() -> None:
    rng = np.random.default_rng(2)
    ref, err, _ = _field(rng, 40)
    img = ref + rng.normal(0, 1, (40, 2)) * err[:, None]
    good = int(np.argmin(err))
    img[good] += 0.05                                           # 100σ off for that star
    fit = fit_stars(img, np.arange(40), ref, geometry="rscale", ref_error=err, n_clip=2)
    assert not fit.detection_mask[good] and fit.detection_mask.sum() >= 38
    assert abs(fit.shift[0]) < 5 * fit.shift_error_arcsec


def test_starfit_without_catalogue_errors_is_unweighted() -> None:
    rng = np.random.default_rng(3)
    ref = rng.uniform(-20, 20, (25, 2))
    img = ref + rng.normal(0, 0.002, (25, 2))
    fit = fit_stars(img, np.arange(25), ref, geometry="rscale", weighted=True)
    assert not fit.weighted
    # unweighted: residual σ per axis / √N at the pivot, larger away from the stars
    assert fit.shift_error_arcsec == pytest.approx(0.002 / np.sqrt(25), rel=0.35)
    far = fit.position_error(np.array([[200.0, 0.0]]))[0]
    assert far > 3 * fit.shift_error_arcsec


def test_starfit_too_few_stars_gives_no_uncertainty() -> None:
    ref = np.array([[0.0, 0.0], [10.0, 0.0]])
    fit = fit_stars(ref + 0.01, np.arange(2), ref, geometry="rscale",
                    ref_error=np.array([0.001, 0.001]))
    assert np.isnan(fit.shift_error_arcsec)
    assert fit.shift == pytest.approx((-0.01, -0.01), abs=1e-9)
