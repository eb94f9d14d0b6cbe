"""Vet every exposure with the spec's keyword rules and keep the usable ones."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import constrained
from hapsvm.core import register_step
from hapsvm.errors import InputError
from hapsvm.errors import NoViableDataError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilterExposuresConfig:
    """Keyword values that reject an exposure (spec §2)."""

    reject_drizcorr: list[str] = constrained(["OMIT", "SKIPPED"])
    """DRIZCORR values that reject an exposure."""
    reject_scan_types: list[str] = constrained(["C", "D"])
    """WFC3 SCAN_TYP values (spatial scans) that reject an exposure."""
    calibration_targets: list[str] = constrained(
        ["DARK", "TUNG", "BIAS", "FLAT", "DEUT", "EARTH-CAL"])
    """Words in TARGNAME that mark a calibration exposure."""
    min_exptime_s: float = constrained(1e-5, minimum=0)
    """Exposures with |EXPTIME| at or below this (seconds) are rejected."""
    warn_fgslock: list[str] = constrained(["GY", "COARSE"])
    """FGSLOCK words that keep the exposure but flag it as possibly compromised."""
    grism_prefixes: list[str] = constrained(["G", "PR"])
    """Filter-name prefixes of grisms and prisms (kept for exposure-level products only)."""
    blocked_prefixes: list[str] = constrained(["BLOCK"])
    """Filter-name prefixes that reject an exposure."""


@register_step("filter_exposures", config=FilterExposuresConfig,
               requires=("input", "exposures", "unusable_inputs"),
               provides=("exposure_decisions", "kept_exposures"), planning=True)
def filter_exposures(ctx: VisitContext, cfg: FilterExposuresConfig) -> None:
    """Apply the rules in order; record a decision and reason for every exposure."""
    rules = visit.VettingRules(reject_drizcorr=cfg.reject_drizcorr,
                               reject_scan_types=cfg.reject_scan_types,
                               calibration_targets=cfg.calibration_targets,
                               min_exptime_s=cfg.min_exptime_s, warn_fgslock=cfg.warn_fgslock,
                               grism_prefixes=cfg.grism_prefixes,
                               blocked_prefixes=cfg.blocked_prefixes)
    decisions = []
    for exp in ctx.read("exposures"):
        decision = visit.vet_exposure(exp, rules)
        decisions.append((exp, decision))
        if not decision.keep:
            log.info("%s (%s): rejected, %s", exp.rootname, exp.path.name, decision.reason)
        elif decision.warning:
            log.warning("%s: kept, %s", exp.rootname, decision.warning)
    for bad in ctx.read("unusable_inputs"):
        decisions.append((bad, visit.Decision(keep=False, reason=bad.reason, kind="rejected")))
    kept = [e for e, d in decisions if d.keep]
    if not ctx.read("exposures"):
        raise InputError("no readable exposure in the input: " +
                         "; ".join(f"{b.path.name}: {b.reason}"
                                   for b in ctx.read("unusable_inputs")),
                         file=ctx.read("input"))
    n_grism = sum(d.kind == "grism" for _, d in decisions)
    log.info("%d of %d exposures kept (%d grism/prism)", len(kept), len(decisions), n_grism)
    if not kept:
        raise NoViableDataError("no exposure of the visit passed the filtering rules: " +
                                "; ".join(f"{e.path.name}: {d.reason}" for e, d in decisions))
    ctx.write("exposure_decisions", decisions)
    ctx.write("kept_exposures", kept)
