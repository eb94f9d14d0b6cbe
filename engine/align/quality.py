"""Acceptance of a catalogue fit and its quality code 1-5 (spec §5.4)."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import numpy as np

from hapsvm.align.fitting import GroupFit
from hapsvm.align.params import QualitySettings

__all__ = ["QualityVerdict", "evaluate_fit", "magnitudes_correlate",
           "radial_offset_ok", "REJECTED"]


#: Quality code of a rejected fit.
REJECTED = 5


@dataclass(frozen=True)
class QualityVerdict:
    """Whether a fit is acceptable, its quality code and why."""

    code: int
    valid: bool
    compromised: bool
    total_rms_mas: float
    reasons: list[str] = field(default_factory=list)

    def accepted(self, settings: QualitySettings) -> bool:
        """Valid and of an accepted quality code."""
        return self.valid and self.code in settings.accepted_quality_codes


def magnitudes_correlate(image_mag: np.ndarray, ref_mag: np.ndarray, *, minimum: float) -> bool:
    """Pearson |r| of matched magnitudes exceeds ``minimum``; one match passes.

    Examples
    --------
    >>> magnitudes_correlate(np.array([1., 2., 3.]), np.array([11., 12.2, 12.9]), minimum=0.5)
    True
    >>> magnitudes_correlate(np.array([1., np.inf]), np.array([11., 12.]), minimum=0.5)
    False
    """
    if image_mag.size <= 1:
        return True
    if not np.all(np.isfinite(image_mag)):
        return False
    if np.ptp(image_mag) == 0 or np.ptp(ref_mag) == 0:
        return False
    return bool(abs(np.corrcoef(image_mag, ref_mag)[0, 1]) > minimum)


def radial_offset_ok(n_matches: int, offset_arcsec: float) -> bool:
    """Spec §5.4 radial-offset test: ``(n + 2)·0.36 > 0.8 + (r / 10″)^8``.

    Examples
    --------
    >>> radial_offset_ok(4, 1.0), radial_offset_ok(4, 20.0), radial_offset_ok(720, 20.0)
    (True, False, True)
    """
    return (n_matches + 2) * 0.36 > 0.8 + (offset_arcsec / 10.0) ** 8


def _group_problems(g: GroupFit, *, n_ref: int, required: int, pixel_scale_arcsec: float,
                    s: QualitySettings) -> tuple[list[str], bool]:
    """Reasons a group is invalid, and whether it is compromised."""
    if not g.ok:
        return [f"{g.group}: {g.status}"], False
    bad: list[str] = []
    compromised = False
    n = g.n_matches
    if abs(g.skew_deg) > 0.01 and (abs(g.scale - 1) > 0.01 or abs(g.rotation_deg) > 0.1):
        bad.append(f"{g.group}: potential singularity (skew {g.skew_deg:.3g}°)")
    if n < s.min_fit_matches:
        bad.append(f"{g.group}: {n} matches < {s.min_fit_matches}")
    usable = np.isfinite(g.ref_mag)
    if n < max(0.1 * min(1000, n_ref), 10) and usable.all() and g.image_mag.size:
        if not magnitudes_correlate(g.image_mag, g.ref_mag, minimum=s.min_mag_correlation):
            compromised = True
    if not (n >= required or (n >= 2 and g.fit_rms_mas > 0.5)):
        bad.append(f"{g.group}: {n} matches < {required} required")
        compromised = True
    offset = float(np.hypot(*g.shift_px)) * pixel_scale_arcsec
    if not radial_offset_ok(n, offset):
        bad.append(f"{g.group}: offset {offset:.2f}″ too large for {n} matches")
    if not g.fit_rms_mas <= s.max_fit_rms_mas:
        bad.append(f"{g.group}: fit RMS {g.fit_rms_mas:.1f} mas > {s.max_fit_rms_mas:g}")
    return bad, compromised


def evaluate_fit(groups: list[GroupFit], *, n_ref: int, required_matches: int,
                 pixel_scale_arcsec: float, settings: QualitySettings) -> QualityVerdict:
    """Judge a catalogue fit over its groups (spec §5.4; the consistency check is off).

    Parameters
    ----------
    groups
        One ``GroupFit`` per fitted group (one for a relative fit, one per exposure else).
    n_ref
        Reference sources available.
    required_matches
        Matches the fit geometry requires.
    pixel_scale_arcsec
        Size of the fit plane's unit.
    settings
        Thresholds.
    """
    reasons: list[str] = []
    compromised = False
    for g in groups:
        bad, comp = _group_problems(g, n_ref=n_ref, required=required_matches,
                                    pixel_scale_arcsec=pixel_scale_arcsec, s=settings)
        reasons += bad
        compromised |= comp
    rms = [g.fit_rms_mas for g in groups if g.ok]
    total = float(np.mean(rms)) if rms else float("nan")
    if rms and not total <= settings.max_fit_rms_mas:
        reasons.append(f"total RMS {total:.1f} mas > {settings.max_fit_rms_mas:g}")
    valid = not reasons and bool(groups)
    if not valid:
        code = REJECTED
    elif total < settings.good_fit_rms_mas:
        code = 2 if compromised else 1
    elif not compromised and total <= 1000:
        code = 3
    else:
        code = 4
    return QualityVerdict(code, valid, compromised, total, reasons)
