"""Decide which exposures of a visit can be processed (spec §2 filtering rules)."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from hapsvm.visit.exposure import ExposureInfo
from hapsvm.visit.instruments import detector_facts
from hapsvm.visit.instruments import instrument_facts

__all__ = ["VettingRules", "Decision", "vet_exposure", "is_grism", "is_ramp"]



@dataclass(frozen=True)
class VettingRules:
    """Keyword values that make an exposure unusable (all compared upper case)."""

    imaging_obstype: str = "IMAGING"
    reject_drizcorr: list[str] = field(default_factory=lambda: ["OMIT", "SKIPPED"])
    reject_scan_types: list[str] = field(default_factory=lambda: ["C", "D"])
    calibration_targets: list[str] = field(
        default_factory=lambda: ["DARK", "TUNG", "BIAS", "FLAT", "DEUT", "EARTH-CAL"])
    min_exptime_s: float = 1e-5
    warn_fgslock: list[str] = field(default_factory=lambda: ["GY", "COARSE"])
    grism_prefixes: list[str] = field(default_factory=lambda: ["G", "PR"])
    blocked_prefixes: list[str] = field(default_factory=lambda: ["BLOCK"])


@dataclass(frozen=True)
class Decision:
    """Outcome of vetting one exposure."""

    keep: bool
    reason: str = ""
    warning: str = ""
    kind: str = "imaging"
    """``imaging``, ``grism`` (kept for exposure level only) or ``rejected``."""


def is_grism(filter_name: str) -> bool:
    """Grism/prism test of spec §4.4 on a derived filter name (``g102``, ``pr110l``...)."""
    return "g" in filter_name or "pr" in filter_name


def is_ramp(filter_name: str) -> bool:
    """Ramp (ACS ``fr*``) or quad (WFC3 ``fq*``) filter test of spec §4.5."""
    return filter_name.startswith(("fr", "fq"))


def _chain(exp: ExposureInfo, rules: VettingRules, *, is_dispersed: bool = False) -> str:
    """First matching rejection rule of spec §2, as ``KEYWORD=value``; '' if none.

    For grism/prism exposures (``is_dispersed``) the OBSTYPE rule is skipped, so that the
    later rules still apply to them. The spatial-scan and charge-injection rules apply where
    the instrument and detector facts (``hapsvm.visit.instruments``) say they can occur.
    """
    if exp.obstype != rules.imaging_obstype and not is_dispersed:
        return f"OBSTYPE={exp.obstype}"
    if exp.drizcorr in rules.reject_drizcorr:
        return f"DRIZCORR={exp.drizcorr}"
    if exp.mtflag == "T":
        return f"MTFLAG={exp.mtflag}"
    if instrument_facts(exp.instrument).has_spatial_scans and \
            exp.scan_typ in rules.reject_scan_types:
        return f"SCAN_TYP={exp.scan_typ}"
    if any(word in exp.targname for word in rules.calibration_targets):
        return f"TARGNAME={exp.targname}"
    if abs(exp.exptime) <= rules.min_exptime_s:
        return f"EXPTIME={exp.exptime:g}"
    if detector_facts(exp.detector_key).has_charge_injection and exp.chinject != "NONE":
        return f"CHINJECT={exp.chinject}"
    if exp.all_zero:
        return "SCI data all zeros"
    return ""


def vet_exposure(exp: ExposureInfo, rules: VettingRules | None = None) -> Decision:
    """Apply the filtering rules to one exposure.

    The rules run in the spec's order and the first match decides. Differences from
    runsinglehap 3.11 (documented in the README): an ``FGSLOCK`` GY/COARSE warning does not end
    the chain (so charge injection and all-zero data are still caught), and a grism/prism
    exposure skips only the ``OBSTYPE`` rule (a grism exposure of a moving target or of zero
    seconds stays rejected).

    Examples
    --------
    A zero-second exposure is rejected with the keyword that decided it:

    >>> from pathlib import Path
    >>> e = ExposureInfo(Path("x_flt.fits"), "ib6o21qnq", "WFC3", "IR", "F098M", "f098m", 0.0,
    ...     55107.5, 6e-20, 9864., "IMAGING", "PERFORM", "", "N", "GOODS", "FINE", "NONE",
    ...     11359, "B6O", "21", "flt", 1, False)
    >>> vet_exposure(e).reason
    'EXPTIME=0'
    """
    rules = rules or VettingRules()
    tokens = exp.filter_tokens
    dispersed = any(t.startswith(tuple(rules.grism_prefixes)) for t in tokens)
    reason = _chain(exp, rules, is_dispersed=dispersed)
    warning = ""
    if any(word in exp.fgslock for word in rules.warn_fgslock):
        warning = f"FGSLOCK={exp.fgslock}: guiding may be compromised"
    if any(t.startswith(tuple(rules.blocked_prefixes)) for t in tokens):
        reason = f"FILTER={exp.filters}"
    kind = "grism" if dispersed else "imaging"
    if reason:
        return Decision(keep=False, reason=reason, warning=warning, kind="rejected")
    return Decision(keep=True, reason="", warning=warning, kind=kind)
