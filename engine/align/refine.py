"""Refine a catalogue fit with every detection: nearest-reference pairs, clipped linear fit.

tweakwcs matches one image source per reference source. In a group of several exposures a
star appears once per exposure, and keeping only the detection nearest the first offset guess
biases the group fit towards that guess (several mas on simulated visits). Here each detection
is paired with its nearest reference source (many to one) within a small radius, and the fit
is repeated until it settles, which removes the bias and uses all measurements.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS
from scipy.spatial import cKDTree

from hapsvm.align.chip_wcs import TangentPlane
from hapsvm.align.corrections import SkyCorrection
from hapsvm.align.corrections import measure_correction
from hapsvm.align.corrections import wcs_grid_sky
from hapsvm.align.fitting import ChipKey
from hapsvm.align.fitting import FitRun
from hapsvm.align.fitting import GroupFit
from hapsvm.align.refcat import ReferenceCatalog
from hapsvm.align.sources import ExposureSources
from hapsvm.align.starfit import StarFit
from hapsvm.align.starfit import fit_stars

__all__ = ["refine_groups"]


_MIN_GEOMETRY_PAIRS = {"shift": 1, "rshift": 2, "rscale": 2, "general": 3}


@dataclass(frozen=True)
class _Pairs:
    """Detections paired with their nearest reference source (many to one)."""

    xy: np.ndarray
    """(n, 2) image positions in the plane, arcsec."""
    near: np.ndarray
    """Index of the reference source of each detection."""
    mag: np.ndarray
    """Instrumental magnitudes."""
    error: np.ndarray
    """1σ centroid error per axis, arcsec (NaN where unknown)."""


def _pairs(exps: list[ExposureSources], wcs: dict[ChipKey, WCS], tree: cKDTree,
           plane: TangentPlane, radius_arcsec: float) -> _Pairs:
    """Every detection within ``radius_arcsec`` of a reference source, with that source."""
    xy, idx, mag, err = [], [], [], []
    for e in exps:
        for c in e.chips:
            if len(c) == 0:
                continue
            ra, dec = wcs[(e.rootname, c.chip)].all_pix2world(c.x, c.y, 0)
            p = np.column_stack(plane.to_plane(np.asarray(ra), np.asarray(dec)))
            dist, near = tree.query(p, distance_upper_bound=radius_arcsec)
            ok = np.isfinite(dist)
            xy.append(p[ok])
            idx.append(near[ok])
            mag.append(c.mag[ok])
            sigma = c.position_error_px if c.position_error_px is not None else \
                np.full(len(c), np.nan)
            err.append(sigma[ok] * plane.scale_arcsec)
    if not xy:
        return _Pairs(np.empty((0, 2)), np.empty(0, int), np.empty(0), np.empty(0))
    return _Pairs(np.vstack(xy), np.concatenate(idx), np.concatenate(mag), np.concatenate(err))


def _refine_one(exps: list[ExposureSources], wcs: dict[ChipKey, WCS], ref: ReferenceCatalog,
                ref_xy: np.ndarray, plane: TangentPlane, *, geometry: str, radius_arcsec: float,
                min_matches: int, n_iter: int, n_clip: int, clip_sigma: float,
                weighted: bool) -> tuple[dict[ChipKey, WCS], GroupFit | None]:
    keys = [(e.rootname, c.chip) for e in exps for c in e.chips]
    current = {k: wcs[k] for k in keys}
    tree = cKDTree(ref_xy)
    ref_err = None if ref.position_error_mas is None else ref.position_error_mas / 1000.0
    fit: StarFit | None = None
    for _ in range(n_iter):
        pairs = _pairs(exps, current, tree, plane, radius_arcsec)
        if np.unique(pairs.near).size < max(min_matches, _MIN_GEOMETRY_PAIRS[geometry]):
            return current, None
        fit = fit_stars(pairs.xy, pairs.near, ref_xy, geometry=geometry,
                        image_error=pairs.error, ref_error=ref_err, weighted=weighted,
                        n_clip=n_clip, clip_sigma=clip_sigma)
        corr = SkyCorrection(plane, fit.matrix, fit.shift)
        current = {k: corr.apply(w) for k, w in current.items()}
    assert fit is not None
    keep = fit.detection_mask
    resid = fit.detection_residuals[keep] * 1000.0
    group = GroupFit(
        group="", status="SUCCESS", n_matches=fit.n_stars,
        fit_rms_mas=float(np.sqrt(np.mean(np.sum(resid ** 2, axis=1)))),
        rms_ra_mas=float(np.sqrt(np.mean(resid[:, 0] ** 2))),
        rms_dec_mas=float(np.sqrt(np.mean(resid[:, 1] ** 2))),
        image_mag=pairs.mag[keep], ref_mag=ref.mag[pairs.near[keep]],
        shift_error_mas=fit.shift_error_arcsec * 1000.0,
        position_error_mas={e.rootname: _field_error_mas(fit, [current[(e.rootname, c.chip)]
                                                               for c in e.chips], plane)
                            for e in exps}, weighted=fit.weighted)
    return current, group


def _field_error_mas(fit: StarFit, chips: list[WCS], plane: TangentPlane) -> float:
    """Formal 1σ per-axis error of the fitted WCS, RMS over a 9×9 grid of each chip (mas)."""
    points = np.vstack([np.column_stack(plane.to_plane(*wcs_grid_sky(w))) for w in chips])
    return float(np.sqrt(np.mean(fit.position_error(points) ** 2)) * 1000.0)


def refine_groups(exposures: list[ExposureSources], wcs: dict[ChipKey, WCS],
                  ref: ReferenceCatalog, plane: TangentPlane, *, geometry: str, one_group: bool,
                  radius_arcsec: float, min_matches: int, start: dict[ChipKey, WCS] | None = None,
                  n_iter: int = 3, n_clip: int = 1, clip_sigma: float = 3.0,
                  weighted: bool = False) -> FitRun:
    """Refit each group (all exposures, or each exposure) with many-to-one nearest pairs.

    Parameters
    ----------
    exposures
        Source lists.
    wcs
        Chip WCSs after the coarse (tweakwcs) fit.
    ref
        Reference catalogue.
    plane
        Fit plane.
    geometry
        tweakwcs fit geometry.
    one_group
        One correction for all exposures (else one per exposure).
    radius_arcsec
        Pairing radius.
    min_matches
        Fewest distinct reference sources for a group to be refitted.
    start
        A-priori WCSs, to report the total shift of each group (default: ``wcs``).
    n_iter, n_clip, clip_sigma
        Pair-and-fit iterations, clipping iterations per fit and clipping threshold.
    weighted
        Weight each reference source by its catalogue and measurement errors
        (``starfit.fit_stars``); False: every detection counts the same.

    Returns
    -------
    FitRun
        Refined WCSs and statistics; a group with too few pairs is reported FAILED.
    """
    ref_xy = np.column_stack(plane.to_plane(ref.ra, ref.dec))
    groups = [exposures] if one_group else [[e] for e in exposures]
    new_wcs = dict(wcs)
    stats: dict[str, GroupFit] = {}
    start = start or wcs
    for members in groups:
        name = "all" if one_group else members[0].rootname
        refined, fit = _refine_one(members, wcs, ref, ref_xy, plane, geometry=geometry,
                                   radius_arcsec=radius_arcsec, min_matches=min_matches,
                                   n_iter=n_iter, n_clip=n_clip, clip_sigma=clip_sigma,
                                   weighted=weighted)
        if fit is None:
            stats[name] = GroupFit(name, f"FAILED: fewer than {min_matches} paired sources")
            continue
        new_wcs.update(refined)
        keys = list(refined)
        total = measure_correction([start[k] for k in keys], [refined[k] for k in keys], plane)
        fit.group = name
        fit.shift_px = (total.shift_arcsec[0] / plane.scale_arcsec,
                        total.shift_arcsec[1] / plane.scale_arcsec)
        fit.rotation_deg, fit.scale, fit.skew_deg = total.rotation_deg, total.scale, total.skew_deg
        stats[name] = fit
    return FitRun(new_wcs, stats)
