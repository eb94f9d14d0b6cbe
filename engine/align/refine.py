"""Refine a catalogue fit with every detection: nearest-reference pairs, clipped linear fit.

tweakwcs matches one image source per reference source. In a group of several exposures a
star appears once per exposure, and keeping only the detection nearest the first offset guess
biases the group fit towards that guess (several mas on simulated visits). Here each detection
is paired with its nearest reference source (many to one) within a small radius, and the fit
is repeated until it settles, which removes the bias and uses all measurements.
"""
from __future__ import annotations

import logging

import numpy as np
from astropy.wcs import WCS
from scipy.spatial import cKDTree
from tweakwcs.linearfit import iter_linear_fit

from hapsvm.align.chip_wcs import TangentPlane
from hapsvm.align.corrections import SkyCorrection, measure_correction
from hapsvm.align.fitting import ChipKey, FitRun, GroupFit, quiet_tweakwcs
from hapsvm.align.refcat import ReferenceCatalog
from hapsvm.align.sources import ExposureSources

__all__ = ["refine_groups"]

log = logging.getLogger(__name__)

_MIN_GEOMETRY_PAIRS = {"shift": 1, "rshift": 2, "rscale": 2, "general": 3}


def _pairs(exps: list[ExposureSources], wcs: dict[ChipKey, WCS], tree: cKDTree,
           plane: TangentPlane, radius_arcsec: float) -> tuple[np.ndarray, np.ndarray,
                                                                np.ndarray]:
    """Image positions (plane, arcsec), index of the nearest reference, image magnitudes."""
    xy, idx, mag = [], [], []
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
    if not xy:
        return np.empty((0, 2)), np.empty(0, int), np.empty(0)
    return np.vstack(xy), np.concatenate(idx), np.concatenate(mag)


def _refine_one(exps: list[ExposureSources], wcs: dict[ChipKey, WCS], ref: ReferenceCatalog,
                ref_xy: np.ndarray, plane: TangentPlane, *, geometry: str, radius_arcsec: float,
                min_matches: int, n_iter: int, n_clip: int,
                clip_sigma: float) -> tuple[dict[ChipKey, WCS], GroupFit | None]:
    keys = [(e.rootname, c.chip) for e in exps for c in e.chips]
    current = {k: wcs[k] for k in keys}
    tree = cKDTree(ref_xy)
    fit = None
    for _ in range(n_iter):
        img, near, mag = _pairs(exps, current, tree, plane, radius_arcsec)
        if np.unique(near).size < max(min_matches, _MIN_GEOMETRY_PAIRS[geometry]):
            return current, None
        with quiet_tweakwcs():
            fit = iter_linear_fit(ref_xy[near], img, fitgeom=geometry, nclip=n_clip,
                                  sigma=(clip_sigma, "rmse"), center=(0.0, 0.0))
        corr = SkyCorrection(plane, tuple(map(tuple, np.asarray(fit["matrix"], float))),
                             tuple(np.asarray(fit["shift"], float)))  # type: ignore[arg-type]
        current = {k: corr.apply(w) for k, w in current.items()}
    assert fit is not None
    keep = np.asarray(fit["fitmask"], bool)
    resid = (ref_xy[near] - (img @ np.asarray(fit["matrix"]).T + fit["shift"]))[keep] * 1000.0
    group = GroupFit(
        group="", status="SUCCESS", n_matches=int(np.unique(near[keep]).size),
        fit_rms_mas=float(np.sqrt(np.mean(np.sum(resid ** 2, axis=1)))),
        rms_ra_mas=float(np.sqrt(np.mean(resid[:, 0] ** 2))),
        rms_dec_mas=float(np.sqrt(np.mean(resid[:, 1] ** 2))),
        image_mag=mag[keep], ref_mag=ref.mag[near[keep]])
    return current, group


def refine_groups(exposures: list[ExposureSources], wcs: dict[ChipKey, WCS],
                  ref: ReferenceCatalog, plane: TangentPlane, *, geometry: str, one_group: bool,
                  radius_arcsec: float, min_matches: int, start: dict[ChipKey, WCS] | None = None,
                  n_iter: int = 3, n_clip: int = 1, clip_sigma: float = 3.0) -> FitRun:
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
                                   n_iter=n_iter, n_clip=n_clip, clip_sigma=clip_sigma)
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
