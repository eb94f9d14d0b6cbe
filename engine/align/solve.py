"""Align a detector: relative fit, then catalogue × method × geometry until one is accepted."""
from __future__ import annotations

import logging
import math
from dataclasses import replace

import numpy as np
from astropy.wcs import WCS

from hapsvm.align.chip_wcs import TangentPlane
from hapsvm.align.chip_wcs import plane_for
from hapsvm.align.corrections import SkyCorrection
from hapsvm.align.corrections import measure_correction
from hapsvm.align.exceptions import CatalogUnavailableError
from hapsvm.align.fitting import ChipKey
from hapsvm.align.fitting import FitRun
from hapsvm.align.fitting import GroupFit
from hapsvm.align.fitting import fit_groups
from hapsvm.align.params import AlignmentSettings
from hapsvm.align.providers import CatalogProvider
from hapsvm.align.quality import QualityVerdict
from hapsvm.align.quality import evaluate_fit
from hapsvm.align.refcat import CatalogRequest
from hapsvm.align.refcat import ReferenceCatalog
from hapsvm.align.refcat import decimal_year
from hapsvm.align.refine import refine_groups
from hapsvm.align.results import ALIGNED
from hapsvm.align.results import FAILED
from hapsvm.align.results import RELATIVE_ONLY
from hapsvm.align.results import DetectorAlignment
from hapsvm.align.results import ExposureSolution
from hapsvm.align.results import FitAttempt
from hapsvm.align.results import RelativeFit
from hapsvm.align.results import catalog_outcome
from hapsvm.align.sources import ExposureSources
from hapsvm.align.starfit import GEOMETRY_PARAMETERS

__all__ = ["align_detector", "catalog_request", "nearest_in_time", "relative_error_mas"]

log = logging.getLogger(__name__)

_CONE_MARGIN_DEG = 5.0 / 3600.0


def catalog_request(name: str, wcs: list[WCS], plane: TangentPlane, mjd: float, *,
                    apply_proper_motions: bool = True) -> CatalogRequest:
    """Cone around the plane's tangent point that covers every chip, at the epoch of ``mjd``."""
    radius = 0.0
    for w in wcs:
        nx, ny = w.pixel_shape
        ra, dec = w.all_pix2world([0, nx - 1, nx - 1, 0], [0, 0, ny - 1, ny - 1], 0)
        x, y = plane.to_plane(np.asarray(ra), np.asarray(dec))
        radius = max(radius, float(np.max(np.hypot(x, y))) / 3600.0)
    return CatalogRequest(name, plane.ra_deg, plane.dec_deg, radius + _CONE_MARGIN_DEG,
                          decimal_year(mjd), apply_proper_motions)


def nearest_in_time(mjd: float, candidates: dict[str, float]) -> str:
    """Key of the candidate whose epoch (MJD) is closest to ``mjd``.

    Examples
    --------
    >>> nearest_in_time(10.0, {"a": 1.0, "b": 9.5, "c": 12.0})
    'b'
    """
    return min(candidates, key=lambda k: (abs(candidates[k] - mjd), k))


def _fit_relative(exps: list[ExposureSources], wcs: dict[ChipKey, WCS], plane: TangentPlane,
                  s: AlignmentSettings) -> tuple[RelativeFit, dict[ChipKey, WCS]]:
    """Align every exposure to the first one, trying the relative geometries in order."""
    first = exps[0].rootname
    if len(exps) == 1:
        return RelativeFit(True, "none", first, reason="single exposure"), dict(wcs)
    reason = ""
    for geom in s.relative_geometries:
        run = fit_groups(exps, wcs, plane=plane, geometry=geom, min_matches=s.min_matches[geom],
                         match=s.relative_match, n_clip=s.n_clip_iterations,
                         clip_sigma=s.clip_sigma)
        bad = {g: f.status for g, f in run.groups.items() if not f.ok}
        rots = [f.rotation_deg for f in run.groups.values() if f.status == "SUCCESS"]
        if bad:
            reason = f"{geom}: " + "; ".join(f"{g} {st}" for g, st in bad.items())
        elif rots and max(abs(r) for r in rots) >= s.max_relative_rotation_deg:
            reason = f"{geom}: relative rotation {max(rots, key=abs):.3f}° too large"
        else:
            fits = {g: f for g, f in run.groups.items() if f.status == "SUCCESS"}
            log.info("relative fit (%s) to %s: %s", geom, first, ", ".join(
                f"{g} {f.n_matches} matches {f.fit_rms_mas:.1f} mas" for g, f in fits.items()))
            return RelativeFit(True, geom, first, {g: f.n_matches for g, f in fits.items()},
                               {g: f.fit_rms_mas for g, f in fits.items()}), run.wcs
        log.info("relative fit %s", reason)
    return RelativeFit(False, "", first, reason=reason or "no geometry"), dict(wcs)


def _fetch(name: str, providers: list[CatalogProvider],
           request: CatalogRequest) -> tuple[ReferenceCatalog | None, str]:
    """The first serving provider's catalogue, or ``None`` and why."""
    serving = [p for p in providers if p.serves(name)]
    if not serving:
        return None, "no provider configured for this catalogue"
    reasons = []
    for provider in serving:
        try:
            return provider.fetch(request), ""
        except CatalogUnavailableError as err:
            reasons.append(str(err))   # the provider's message names the provider
    return None, "; ".join(reasons)


def _try_catalog(ref: ReferenceCatalog, exps: list[ExposureSources],
                 bases: dict[str, dict[ChipKey, WCS]], plane: TangentPlane,
                 s: AlignmentSettings,
                 attempts: list[FitAttempt]) -> tuple[FitRun, str, str, QualityVerdict] | None:
    """Methods × geometries on one catalogue; the first accepted fit, else ``None``."""
    table = ref.to_table()
    for method, base in bases.items():
        for geom in s.fit_geometries:
            need = s.min_matches[geom]
            if len(ref) < need:
                attempts.append(FitAttempt(ref.name, method, geom, len(ref), 0, float("nan"), 5,
                                           False, f"{len(ref)} reference sources < {need}"))
                continue
            run = fit_groups(exps, base, plane=plane, geometry=geom, min_matches=need,
                             match=s.catalog_match, reference=table,
                             one_group=method == "relative", n_clip=s.n_clip_iterations,
                             clip_sigma=s.clip_sigma)
            if run.ok:
                run = refine_groups(exps, run.wcs, ref, plane, geometry=geom,
                                    one_group=method == "relative", start=base,
                                    radius_arcsec=s.catalog_match.tolerance_px * plane.scale_arcsec,
                                    min_matches=need, n_clip=s.n_clip_iterations,
                                    clip_sigma=s.clip_sigma, weighted=s.weighted_fit)
            verdict = evaluate_fit(list(run.groups.values()), n_ref=len(ref),
                                   required_matches=need, pixel_scale_arcsec=plane.scale_arcsec,
                                   settings=s)
            n = sum(g.n_matches for g in run.groups.values())
            ok = verdict.accepted(s)
            attempts.append(FitAttempt(ref.name, method, geom, len(ref), n, verdict.total_rms_mas,
                                       verdict.code, ok, "; ".join(verdict.reasons)))
            log.info("%s %s/%s: %d matches, rms %.1f mas, quality %d%s", ref.name, method, geom,
                     n, verdict.total_rms_mas, verdict.code,
                     "" if ok else f" (rejected: {'; '.join(verdict.reasons)[:200]})")
            if ok:
                return run, method, geom, verdict
    return None


def _solutions(exps: list[ExposureSources], fitted: list[ExposureSources],
               before: dict[ChipKey, WCS], after: dict[ChipKey, WCS], plane: TangentPlane,
               priors: dict[str, str],
               groups: dict[str, GroupFit] | None = None) -> dict[str, ExposureSolution]:
    """Per-exposure corrections; exposures left out of the fit borrow the nearest one's.

    ``groups`` (a catalogue fit's, by group name: ``all`` or a rootname) give each fitted
    exposure the formal error of its group.
    """
    groups = groups or {}
    corr: dict[str, SkyCorrection] = {}
    for e in fitted:
        keys = [(e.rootname, c.chip) for c in e.chips]
        corr[e.rootname] = measure_correction([before[k] for k in keys],
                                              [after[k] for k in keys], plane)
    epochs = {e.rootname: e.mjd for e in fitted}
    out = {}
    for e in exps:
        own = e.rootname in corr
        c = corr[e.rootname] if own else corr[nearest_in_time(e.mjd, epochs)]
        g = groups.get("all", groups.get(e.rootname)) if own else None
        out[e.rootname] = ExposureSolution(
            e.rootname, e.kind, priors.get(e.rootname, "OPUS"), c, e.n_sources, mjd=e.mjd,
            fitted=own,
            position_error_mas=g.position_error_mas.get(e.rootname, math.nan) if g else math.nan)
    return out


def align_detector(exposures: list[ExposureSources], wcs: dict[ChipKey, WCS],
                   providers: list[CatalogProvider], settings: AlignmentSettings, *,
                   detector: str, priors: dict[str, str] | None = None) -> DetectorAlignment:
    """Align a detector's exposures together and to the first catalogue that fits well.

    Parameters
    ----------
    exposures
        Source lists of the imaging (and ramp) exposures, in the visit's sorted order.
    wcs
        A-priori WCS of every chip, keyed by (rootname, SCI extver).
    providers
        Catalogue providers, asked in order for each catalogue name.
    settings
        Catalogues, methods, geometries, matching and acceptance thresholds.
    detector
        Detector key, for messages.
    priors
        Each exposure's current ``WCSNAME`` (default ``OPUS``).

    Returns
    -------
    DetectorAlignment
        Never raises for a failed fit: ``status`` and ``reason`` say what happened.
    """
    priors = priors or {}
    plane = plane_for(list(wcs.values()))
    fitted = [e for e in exposures if e.n_sources >= 1]
    attempts: list[FitAttempt] = []
    if not fitted:
        rel = RelativeFit(False, "", "", reason="no exposure has sources")
        return DetectorAlignment(detector, FAILED, rel.reason, plane, rel, {}, attempts)
    relative, rel_wcs = _fit_relative(fitted, wcs, plane, settings)
    bases: dict[str, dict[ChipKey, WCS]] = {}
    for method in settings.fit_methods:
        if method == "relative" and relative.ok:
            bases["relative"] = rel_wcs
        elif method == "image" and (len(fitted) > 1 or "relative" not in bases):
            bases["image"] = dict(wcs)
    request = catalog_request("", list(wcs.values()), plane, fitted[0].mjd,
                              apply_proper_motions=settings.apply_proper_motions)
    for name in settings.catalogs:
        req = replace(request, catalog=name)
        ref, why = _fetch(name, providers, req)
        if ref is None or len(ref) == 0:
            why = why or "no reference sources in the field"
            attempts.append(FitAttempt(name, "", "", 0, 0, float("nan"), 5, False, why))
            log.warning("%s: %s", detector, catalog_outcome(attempts, name))
            continue
        found = _try_catalog(ref, fitted, bases, plane, settings, attempts)
        if found is not None:
            return _accepted(found, ref, exposures, fitted, wcs, plane, relative, attempts,
                             detector, priors)
        log.info("%s: %s", detector, catalog_outcome(attempts, name))
    return _unaligned(exposures, fitted, wcs, rel_wcs, plane, relative, attempts, settings,
                      detector, priors)


def _accepted(found: tuple[FitRun, str, str, QualityVerdict], ref: ReferenceCatalog,
              exps: list[ExposureSources], fitted: list[ExposureSources],
              wcs: dict[ChipKey, WCS], plane: TangentPlane, relative: RelativeFit,
              attempts: list[FitAttempt], detector: str,
              priors: dict[str, str]) -> DetectorAlignment:
    run, method, geom, verdict = found
    groups: list[GroupFit] = list(run.groups.values())
    sols = _solutions(exps, fitted, wcs, run.wcs, plane, priors, run.groups)
    if method == "relative":
        sols = {root: replace(sol, position_error_mas=math.hypot(
            sol.position_error_mas, relative_error_mas(relative, root)))
            for root, sol in sols.items()}
    errors = [x.position_error_mas for x in sols.values() if math.isfinite(x.position_error_mas)]
    return DetectorAlignment(
        detector, ALIGNED, "", plane, relative, sols, attempts, catalog=ref.name, method=method,
        fit_geometry=geom, n_matches=sum(g.n_matches for g in groups), n_reference=len(ref),
        fit_rms_mas=verdict.total_rms_mas,
        rms_ra_mas=float(np.mean([g.rms_ra_mas for g in groups])),
        rms_dec_mas=float(np.mean([g.rms_dec_mas for g in groups])),
        quality_code=verdict.code, compromised=verdict.compromised,
        position_error_mas=float(np.sqrt(np.mean(np.square(errors)))) if errors else math.nan,
        weighted=all(g.weighted for g in groups))


def relative_error_mas(relative: RelativeFit, rootname: str) -> float:
    """Formal 1σ per-axis error of an exposure's relative alignment about the mean frame of
    the exposures (which the catalogue fit then places), averaged over the field, mas.

    Exposure j's fit to the reference exposure has variance v_j = (RMS residual per axis)² ·
    parameters / (2 · matches); the mean frame moves by ē = Σ e_j / N (the reference's e is 0),
    so exposure i is off by e_i − ē: v_i (1 − 1/N)² + Σ_(j≠i) v_j / N², and the reference
    exposure by Σ v_j / N².

    Examples
    --------
    >>> rel = RelativeFit(True, "rscale", "a", {"b": 50, "c": 8}, {"b": 2.0, "c": 2.0})
    >>> round(relative_error_mas(rel, "b"), 3), round(relative_error_mas(rel, "a"), 3)
    (0.302, 0.254)
    """
    n_par = GEOMETRY_PARAMETERS.get(relative.geometry)
    if not relative.ok or n_par is None:
        return 0.0
    var = {root: rms ** 2 / 2 * n_par / (2 * relative.n_matches[root])
           for root, rms in relative.rms_mas.items()
           if relative.n_matches.get(root, 0) > 0 and math.isfinite(rms)}
    n = len(var) + 1
    own = var.get(rootname, 0.0)
    return math.sqrt(own * (1 - 1 / n) ** 2 + (sum(var.values()) - own) / n ** 2)


def _reasons_by_catalog(attempts: list[FitAttempt]) -> str:
    """`` (GAIAeDR3, GSC242: <why>; 2MASS: <why>)``: each catalogue's last reason, catalogues
    that failed for the same reason named together ('' without attempts).

    Examples
    --------
    >>> down = [FitAttempt(c, "", "", 0, 0, float("nan"), 5, False, "service x unreachable")
    ...         for c in ("GAIAeDR3", "GSC242")]
    >>> _reasons_by_catalog(down + [FitAttempt("2MASS", "", "", 0, 0, 0.0, 5, False, "")])
    ' (GAIAeDR3, GSC242: service x unreachable; 2MASS: quality 5)'
    """
    last: dict[str, str] = {}
    for a in attempts:
        last[a.catalog] = a.reason or f"quality {a.quality_code}"
    grouped: dict[str, list[str]] = {}
    for catalog, reason in last.items():
        grouped.setdefault(reason, []).append(catalog)
    return " (" + "; ".join(f"{', '.join(c)}: {r}" for r, c in grouped.items()) + ")" \
        if grouped else ""


def _unaligned(exps: list[ExposureSources], fitted: list[ExposureSources],
               wcs: dict[ChipKey, WCS], rel_wcs: dict[ChipKey, WCS], plane: TangentPlane,
               relative: RelativeFit, attempts: list[FitAttempt], s: AlignmentSettings,
               detector: str, priors: dict[str, str]) -> DetectorAlignment:
    why = "no catalogue fit accepted" + _reasons_by_catalog(attempts)
    n_ref = max((a.n_reference for a in attempts), default=0)
    rel_rms = max(relative.rms_mas.values(), default=float("inf"))
    if s.keep_relative_fit and relative.ok and len(fitted) > 1 and \
            rel_rms <= s.max_fit_rms_mas:
        sols = _solutions(exps, fitted, wcs, rel_wcs, plane, priors)
        log.warning("%s: %s; keeping the relative alignment to %s", detector, why,
                    relative.reference)
        return DetectorAlignment(detector, RELATIVE_ONLY, why, plane, relative, sols, attempts,
                                 method="relative", fit_geometry=relative.geometry,
                                 n_matches=sum(relative.n_matches.values()), n_reference=n_ref,
                                 fit_rms_mas=float(np.mean(list(relative.rms_mas.values()))))
    log.warning("%s: %s; every exposure keeps its a-priori WCS", detector, why)
    return DetectorAlignment(detector, FAILED, why, plane, relative, {}, attempts,
                             n_reference=n_ref)
