"""Linear fit of measured star positions to their reference positions, with its uncertainty.

Each reference star may be measured several times (once per exposure of a group). Its
catalogue error is common to those measurements, so the weighted fit works on one mean
measured position per star, with σ² = σ_catalogue² + σ_mean²; the unweighted fit (drizzlepac's
way) uses every detection alike. Either way the fit's formal covariance is kept: that of the
linearised model (shift 2, rshift 3, rscale 4, general 6 parameters) about the weighted
centroid of the stars (the pivot), C = s² (Xᵀ W X)⁻¹ over the stars' mean positions, with

* weighted: W = 1/σ², s² = max(1, χ²/dof) (the Particle Data Group's scale factor: errors
  are inflated when the residuals say they are too small, never shrunk);
* unweighted: W = 1, s² = Σ |r|² / dof (the residual variance per axis);

dof = 2N − parameters. ``StarFit.position_error`` gives the 1σ per-axis error of the fitted
position anywhere in the plane; at the pivot it is the error of the shift alone.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tweakwcs.linearfit import iter_linear_fit

from hapsvm.align.fitting import quiet_tweakwcs

__all__ = ["StarFit", "fit_stars", "GEOMETRY_PARAMETERS"]


#: Free parameters of each tweakwcs fit geometry.
GEOMETRY_PARAMETERS = {"shift": 2, "rshift": 3, "rscale": 4, "general": 6}


@dataclass(frozen=True)
class StarFit:
    """``reference ≈ matrix @ image + shift`` (plane arcsec) and how well it is known."""

    matrix: tuple[tuple[float, float], tuple[float, float]]
    shift: tuple[float, float]
    detection_mask: np.ndarray
    """Detections kept by the clipping."""
    detection_residuals: np.ndarray
    """(n, 2) reference minus fitted image position of every detection, arcsec."""
    n_stars: int
    """Distinct reference stars kept."""
    pivot: tuple[float, float]
    """Weighted centroid of the kept stars' measured positions (plane arcsec)."""
    covariance: np.ndarray
    """Scaled covariance of the linearised parameters about ``pivot`` (arcsec units; NaN when
    the stars leave no degree of freedom)."""
    geometry: str
    chi2_per_dof: float
    """χ²/dof of the star residuals (with unit weights when unweighted)."""
    weighted: bool
    """Whether the stars were weighted by their errors."""

    @property
    def shift_error_arcsec(self) -> float:
        """1σ per-axis error of the fitted position at the pivot (arcsec)."""
        return float(self.position_error(np.array([self.pivot]))[0])

    def position_error(self, points: np.ndarray) -> np.ndarray:
        """1σ per-axis error (arcsec) of the fitted position at (n, 2) measured positions."""
        rows = _design(np.asarray(points, float) - np.asarray(self.pivot), self.geometry)
        var = np.einsum("ij,jk,ik->i", rows, self.covariance, rows).reshape(-1, 2).mean(axis=1)
        return np.sqrt(np.clip(var, 0.0, None))


@dataclass(frozen=True)
class _Stars:
    index: np.ndarray
    """Reference index of each star."""
    xy: np.ndarray
    """Mean measured position of each star (arcsec)."""
    error: np.ndarray
    """1σ per axis of that mean (NaN where a detection's error is unknown)."""
    of_detection: np.ndarray
    """Star number of each detection."""


def _star_means(xy: np.ndarray, near: np.ndarray, error: np.ndarray,
                keep: np.ndarray) -> _Stars:
    """Inverse-variance mean position of each reference star's kept detections."""
    index, of_detection = np.unique(near, return_inverse=True)
    known = np.isfinite(error) & (error > 0)
    w = np.where(keep, np.where(known, 1.0 / np.where(known, error, 1.0) ** 2, 1.0), 0.0)
    total = np.bincount(of_detection, weights=w, minlength=index.size)
    mean = np.column_stack([np.bincount(of_detection, weights=w * xy[:, k],
                                        minlength=index.size) for k in range(2)]).astype(float)
    all_known = np.bincount(of_detection, weights=(keep & ~known).astype(float),
                            minlength=index.size) == 0
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = mean / total[:, None]
        sigma = np.where(all_known & (total > 0), 1.0 / np.sqrt(total), np.nan)
    return _Stars(index, mean, sigma, of_detection)


def _design(uv: np.ndarray, geometry: str) -> np.ndarray:
    """(2n, p) derivatives of the fitted x, y of each point (rows x0, y0, x1, ...) with
    respect to the geometry's parameters, ``uv`` measured positions about the pivot."""
    u, v = uv[:, 0], uv[:, 1]
    one, zero = np.ones_like(u), np.zeros_like(u)
    cols = {"shift": ([one, zero], [zero, one]),
            "rshift": ([-v, one, zero], [u, zero, one]),
            "rscale": ([u, -v, one, zero], [v, u, zero, one]),
            "general": ([u, v, zero, zero, one, zero], [zero, zero, u, v, zero, one])}[geometry]
    x_rows, y_rows = np.column_stack(cols[0]), np.column_stack(cols[1])
    out = np.empty((2 * len(u), x_rows.shape[1]))
    out[0::2], out[1::2] = x_rows, y_rows
    return out


def _apply(fit: dict, xy: np.ndarray) -> np.ndarray:
    return xy @ np.asarray(fit["matrix"], float).T + np.asarray(fit["shift"], float)


def _weighted_fit(ref: np.ndarray, img: np.ndarray, weight: np.ndarray, *, geometry: str,
                  n_clip: int, clip_sigma: float) -> tuple[dict, np.ndarray]:
    """Weighted fit, clipping stars whose normalised residual exceeds ``clip_sigma`` times the
    RMS normalised residual (tweakwcs's rule with each residual in units of its σ)."""
    need = max(GEOMETRY_PARAMETERS[geometry] // 2, 1)
    mask = np.ones(len(ref), bool)
    for i in range(n_clip + 1):
        with quiet_tweakwcs():
            fit = iter_linear_fit(ref[mask], img[mask], wxy=weight[mask], fitgeom=geometry,
                                  nclip=0, center=(0.0, 0.0))
        z2 = np.sum((ref - _apply(fit, img)) ** 2, axis=1) * weight
        if i == n_clip:
            break
        new = z2 <= clip_sigma ** 2 * np.mean(z2[mask])
        if np.array_equal(new, mask) or new.sum() < need:
            break
        mask = new
    return fit, mask


def _covariance(img: np.ndarray, resid: np.ndarray, weight: np.ndarray, *, geometry: str,
                weighted: bool) -> tuple[np.ndarray, float, tuple[float, float]]:
    """(scaled covariance about the pivot, χ²/dof, pivot) from the kept stars' mean measured
    positions ``img``, their residuals and weights."""
    w = weight if weighted else np.ones(len(resid))
    pivot = tuple(float(v) for v in (w[:, None] * img).sum(axis=0) / w.sum())
    n_par = GEOMETRY_PARAMETERS[geometry]
    dof = 2 * len(resid) - n_par
    if dof <= 0:
        return np.full((n_par, n_par), np.nan), float("nan"), pivot  # type: ignore[return-value]
    chi2 = float(np.sum(w * np.sum(resid ** 2, axis=1))) / dof
    rows = _design(img - np.asarray(pivot), geometry)
    normal = rows.T @ (rows * np.repeat(w, 2)[:, None])
    try:
        inverse = np.linalg.inv(normal)
    except np.linalg.LinAlgError:
        inverse = np.full((n_par, n_par), np.nan)
    scale = max(1.0, chi2) if weighted else chi2
    return inverse * scale, chi2, pivot  # type: ignore[return-value]


def fit_stars(xy: np.ndarray, near: np.ndarray, ref_xy: np.ndarray, *, geometry: str,
              image_error: np.ndarray | None = None, ref_error: np.ndarray | None = None,
              weighted: bool = True, n_clip: int = 1, clip_sigma: float = 3.0) -> StarFit:
    """Fit detections ``xy`` to their reference stars ``ref_xy[near]`` (plane, arcsec).

    Parameters
    ----------
    xy
        (n, 2) measured positions of the detections.
    near
        Reference index of each detection (several detections may share one).
    ref_xy
        (m, 2) reference positions.
    geometry
        tweakwcs fit geometry (``shift``, ``rshift``, ``rscale``, ``general``).
    image_error, ref_error
        1σ per-axis errors (arcsec) of each detection and of each reference position (NaN
        where unknown). Without any catalogue error the fit is unweighted.
    weighted
        Weight the stars by 1/(σ_ref² + σ_mean²) (NaN errors: the median of the known ones).
    n_clip, clip_sigma
        Clipping iterations and threshold (in RMS residuals).

    Returns
    -------
    StarFit

    Examples
    --------
    >>> rng = np.random.default_rng(3)
    >>> ref = rng.uniform(-20, 20, (200, 2))
    >>> err = np.where(np.arange(200) < 20, 0.001, 0.02)           # 20 good stars
    >>> img = ref - [0.1, -0.2] + rng.normal(0, 1, (200, 2)) * err[:, None]
    >>> fit = fit_stars(img, np.arange(200), ref, geometry="shift", ref_error=err)
    >>> bool(abs(fit.shift[0] - 0.1) < 3 * fit.shift_error_arcsec), fit.n_stars
    (True, 200)
    >>> round(float(fit.shift_error_arcsec * np.sqrt(np.sum(1 / err ** 2))), 1)   # 1/√Σw
    1.0
    """
    image_error = np.full(len(xy), np.nan) if image_error is None else np.asarray(image_error)
    stars = _star_means(xy, near, image_error, np.ones(len(xy), bool))
    sigma = _star_sigma(stars, ref_error)
    use_weights = weighted and sigma is not None
    if use_weights:
        assert sigma is not None
        fit, star_mask = _weighted_fit(ref_xy[stars.index], stars.xy, 1.0 / sigma ** 2,
                                       geometry=geometry, n_clip=n_clip,
                                       clip_sigma=clip_sigma)
        keep = star_mask[stars.of_detection]
    else:
        with quiet_tweakwcs():
            fit = iter_linear_fit(ref_xy[near], xy, fitgeom=geometry, nclip=n_clip,
                                  sigma=(clip_sigma, "rmse"), center=(0.0, 0.0))
        keep = np.asarray(fit["fitmask"], bool)
    kept = _star_means(xy, near, image_error, keep)
    has = np.bincount(kept.of_detection, weights=keep.astype(float)) > 0
    ref_kept = ref_xy[kept.index[has]]
    resid = ref_kept - _apply(fit, kept.xy[has])
    sig_kept = _star_sigma(kept, ref_error)
    weight = np.ones(has.sum()) if sig_kept is None else 1.0 / sig_kept[has] ** 2
    covariance, chi2, pivot = _covariance(kept.xy[has], resid, weight, geometry=geometry,
                                          weighted=use_weights)
    m = np.asarray(fit["matrix"], float)
    return StarFit(
        matrix=((float(m[0, 0]), float(m[0, 1])), (float(m[1, 0]), float(m[1, 1]))),
        shift=(float(fit["shift"][0]), float(fit["shift"][1])), detection_mask=keep,
        detection_residuals=ref_xy[near] - _apply(fit, xy), n_stars=int(has.sum()),
        pivot=pivot, covariance=covariance, geometry=geometry, chi2_per_dof=chi2,
        weighted=use_weights)


def _star_sigma(stars: _Stars, ref_error: np.ndarray | None) -> np.ndarray | None:
    """Combined per-axis σ of each star (arcsec), or ``None`` without any catalogue error."""
    if ref_error is None:
        return None
    cat = np.asarray(ref_error, float)[stars.index]
    good = np.isfinite(cat) & (cat >= 0)
    if not good.any():
        return None
    cat = np.where(good, cat, np.median(cat[good]))
    img = stars.error
    img = np.where(np.isfinite(img), img, np.nanmedian(img) if np.isfinite(img).any() else 0.0)
    total = np.sqrt(cat ** 2 + img ** 2)
    floor = 1e-6                                   # 1 µas: no infinite weight
    return np.maximum(total, floor)
