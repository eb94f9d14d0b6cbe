"""tweakwcs fits of chip source lists: to each other (relative) or to a reference catalogue."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

import numpy as np
from astropy.table import Table
from astropy.wcs import WCS
from tweakwcs import XYXYMatch
from tweakwcs import align_wcs
from tweakwcs.correctors import FITSWCSCorrector
from tweakwcs.imalign import NotEnoughCatalogs

from hapsvm.align.chip_wcs import TangentPlane
from hapsvm.align.params import MatchSettings
from hapsvm.align.sources import ExposureSources

__all__ = ["ChipKey", "GroupFit", "FitRun", "fit_groups", "chip_keys",
           "quiet_tweakwcs", "quiet_loggers"]


#: (rootname, SCI extver) of one chip.
ChipKey = tuple[str, int]


@dataclass
class GroupFit:
    """Outcome of fitting one group (an exposure, or every exposure together).

    Residuals are measured on the sky after the fit, over the sources the fit kept.
    """

    group: str
    status: str
    n_matches: int = 0
    fit_rms_mas: float = float("nan")
    rms_ra_mas: float = float("nan")
    rms_dec_mas: float = float("nan")
    shift_px: tuple[float, float] = (0.0, 0.0)
    rotation_deg: float = 0.0
    scale: float = 1.0
    skew_deg: float = 0.0
    image_mag: np.ndarray = field(default_factory=lambda: np.empty(0))
    ref_mag: np.ndarray = field(default_factory=lambda: np.empty(0))
    shift_error_mas: float = float("nan")
    """Formal 1σ per-axis error of the fitted position at the weighted centroid of the stars
    (mas; NaN: not estimated, e.g. a relative fit)."""
    position_error_mas: dict[str, float] = field(default_factory=dict)
    """Per exposure of the group: formal 1σ per-axis error of its fitted WCS, RMS over a
    grid of its chips' pixels (mas)."""
    weighted: bool = False
    """Whether the fit weighted the stars by their errors."""

    @property
    def ok(self) -> bool:
        """Whether tweakwcs fitted (or used as reference) this group."""
        return self.status in ("SUCCESS", "REFERENCE")


@dataclass
class FitRun:
    """Corrected chip WCSs and one ``GroupFit`` per group."""

    wcs: dict[ChipKey, WCS]
    groups: dict[str, GroupFit]

    @property
    def ok(self) -> bool:
        """Every group fitted."""
        return bool(self.groups) and all(g.ok for g in self.groups.values())


def _matcher(match: MatchSettings) -> XYXYMatch:
    """The tweakwcs matcher."""
    return XYXYMatch(searchrad=match.search_radius_px, separation=match.separation_px,
                     tolerance=match.tolerance_px, use2dhist=match.use_2dhist)


def chip_keys(exposures: list[ExposureSources]) -> list[ChipKey]:
    """Every chip of every exposure, in order."""
    return [(e.rootname, c.chip) for e in exposures for c in e.chips]


@contextlib.contextmanager
def quiet_loggers(*prefixes: str) -> Iterator[None]:
    """Raise the level of the named libraries' loggers to ERROR for the duration.

    tweakwcs and stwcs log every fit and headerlet at INFO/WARNING; this package reports the
    outcome itself, once per fit.
    """
    names = [n for n in logging.root.manager.loggerDict
             if any(n == p or n.startswith(p + ".") for p in prefixes)] + list(prefixes)
    loggers = [logging.getLogger(n) for n in names]
    old = [lg.level for lg in loggers]
    for lg in loggers:
        lg.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for lg, level in zip(loggers, old):
            lg.setLevel(level)


def quiet_tweakwcs() -> contextlib.AbstractContextManager[None]:
    """``quiet_loggers("tweakwcs")``."""
    return quiet_loggers("tweakwcs")


def fit_groups(exposures: list[ExposureSources], wcs: dict[ChipKey, WCS], *,
               plane: TangentPlane, geometry: str, min_matches: int, match: MatchSettings,
               reference: Table | None = None, one_group: bool = False, n_clip: int = 1,
               clip_sigma: float = 3.0) -> FitRun:
    """Align chip source lists with ``tweakwcs.align_wcs``.

    Parameters
    ----------
    exposures
        Source lists; the first exposure is the reference of a relative fit.
    wcs
        Current WCS of each chip (not modified).
    plane
        Tangent plane of matching and fitting.
    geometry
        ``shift``, ``rshift``, ``rscale`` or ``general``.
    min_matches
        Fewest matches for a group to be fitted.
    match
        Matcher parameters.
    reference
        Reference catalogue (``RA``, ``DEC``, ``mag``); ``None`` for a relative fit of the
        exposures to each other (the first exposure is the reference).
    one_group
        Fit every chip together as one group (else one group per exposure).
    n_clip, clip_sigma
        Sigma-clipping iterations and threshold (in fit RMS) of the fit.

    Returns
    -------
    FitRun
        New chip WCSs (unchanged for groups that failed) and per-group statistics.
    """
    correctors: dict[ChipKey, FITSWCSCorrector] = {}
    for e in exposures:
        for c in e.chips:
            if len(c) == 0:
                continue
            table = Table([c.x, c.y], names=("x", "y"))
            group = "all" if one_group else e.rootname
            correctors[(e.rootname, c.chip)] = FITSWCSCorrector(
                wcs[(e.rootname, c.chip)].deepcopy(),
                meta={"catalog": table, "name": f"{e.rootname}[{c.chip}]", "group_id": group})
    ref_plane = FITSWCSCorrector(plane.wcs())
    try:
        with quiet_tweakwcs():
            eff_ref = align_wcs(list(correctors.values()), refcat=reference, ref_tpwcs=ref_plane,
                                enforce_user_order=True, expand_refcat=reference is None,
                                minobj=min_matches, match=_matcher(match), fitgeom=geometry,
                                nclip=n_clip, sigma=clip_sigma, group_bb_policy=1)
    except (NotEnoughCatalogs, ValueError) as err:
        groups = {("all" if one_group else e.rootname): GroupFit("all", f"FAILED: {err}")
                  for e in exposures}
        return FitRun(dict(wcs), groups)
    new_wcs = dict(wcs)
    for key, corr in correctors.items():
        if corr.meta.get("fit_info", {}).get("status") == "SUCCESS":
            new_wcs[key] = corr.wcs
    return FitRun(new_wcs, _group_stats(exposures, correctors, eff_ref, one_group, plane))


def _group_stats(exposures: list[ExposureSources], correctors: dict[ChipKey, FITSWCSCorrector],
                 eff_ref: Table, one_group: bool, plane: TangentPlane) -> dict[str, GroupFit]:
    members: dict[str, list[ExposureSources]] = {}
    for e in exposures:
        members.setdefault("all" if one_group else e.rootname, []).append(e)
    out: dict[str, GroupFit] = {}
    for group, exps in members.items():
        keys = [(e.rootname, c.chip) for e in exps for c in e.chips if (e.rootname, c.chip)
                in correctors]
        if not keys:
            out[group] = GroupFit(group, "FAILED: no sources")
            continue
        info = correctors[keys[0]].meta.get("fit_info", {"status": "FAILED: not fitted"})
        if info["status"] != "SUCCESS":
            out[group] = GroupFit(group, info["status"])
            continue
        mags = np.concatenate([c.mag for e in exps for c in e.chips if len(c)])
        out[group] = _residuals(group, info, eff_ref, mags, plane)
    return out


def _residuals(group: str, info: dict, ref: Table, mags: np.ndarray,
               plane: TangentPlane) -> GroupFit:
    mask = np.asarray(info["fitmask"], bool)
    ref_idx = np.asarray(info["matched_ref_idx"])[mask]
    in_idx = np.asarray(info["matched_input_idx"])[mask]
    ra, dec = np.asarray(info["fit_RA"]), np.asarray(info["fit_DEC"])
    rra, rdec = np.asarray(ref["RA"])[ref_idx], np.asarray(ref["DEC"])[ref_idx]
    dra = (ra - rra) * np.cos(np.radians(rdec)) * 3.6e6
    dra = (dra + 648e6) % 1296e6 - 648e6
    ddec = (dec - rdec) * 3.6e6
    ref_mag = np.asarray(ref["mag"], float)[ref_idx] if "mag" in ref.colnames else \
        np.full(ref_idx.size, np.nan)
    image_mag = mags[in_idx] if in_idx.size and in_idx.max() < mags.size else \
        np.full(ref_idx.size, np.nan)
    return GroupFit(
        group=group, status="SUCCESS", n_matches=int(mask.sum()),
        fit_rms_mas=float(np.sqrt(np.mean(dra ** 2 + ddec ** 2))),
        rms_ra_mas=float(np.sqrt(np.mean(dra ** 2))),
        rms_dec_mas=float(np.sqrt(np.mean(ddec ** 2))),
        shift_px=(float(info["shift"][0]), float(info["shift"][1])),
        rotation_deg=float(info["proper_rot"]), scale=float(info["<scale>"]),
        skew_deg=float(info["skew"]), image_mag=image_mag, ref_mag=ref_mag)
