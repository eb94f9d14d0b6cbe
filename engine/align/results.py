"""A detector's alignment: what was tried, what was chosen, and each exposure's correction."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

from hapsvm.align.chip_wcs import TangentPlane
from hapsvm.align.corrections import SkyCorrection

__all__ = ["FitAttempt", "RelativeFit", "ExposureSolution", "DetectorAlignment",
           "catalog_outcome", "ALIGNED", "RELATIVE_ONLY", "FAILED"]

#: ``DetectorAlignment.status`` values.
ALIGNED, RELATIVE_ONLY, FAILED = "aligned", "relative only", "failed"


@dataclass(frozen=True)
class FitAttempt:
    """One catalogue × method × geometry try (also catalogues that could not be fetched)."""

    catalog: str
    method: str
    geometry: str
    n_reference: int
    n_matches: int
    fit_rms_mas: float
    quality_code: int
    accepted: bool
    reason: str = ""


def catalog_outcome(attempts: list[FitAttempt], catalog: str) -> str:
    """One line saying what happened with one catalogue (for the log and the headers).

    Examples
    --------
    >>> down = FitAttempt("GSC242", "", "", 0, 0, float("nan"), 5, False,
    ...                   "service http://h/ws unreachable (DNS: Name or service not known)")
    >>> catalog_outcome([down], "GSC242")
    'GSC242: service http://h/ws unreachable (DNS: Name or service not known)'
    >>> fits = [FitAttempt("GAIAeDR3", "relative", "rscale", 40, 3, 9.0, 5, False, "3 < 6"),
    ...         FitAttempt("GAIAeDR3", "image", "shift", 40, 30, 4.14, 1, True)]
    >>> catalog_outcome(fits, "GAIAeDR3")
    'GAIAeDR3: accepted image/shift, 30 matches, rms 4.1 mas, quality 1'
    >>> catalog_outcome(fits[:1], "GAIAeDR3")
    'GAIAeDR3: 1 fit rejected, last relative/rscale: 3 < 6'
    """
    tried = [a for a in attempts if a.catalog == catalog]
    if not tried:
        return f"{catalog}: not tried"
    accepted = [a for a in tried if a.accepted]
    if accepted:
        a = accepted[0]
        return (f"{catalog}: accepted {a.method}/{a.geometry}, {a.n_matches} matches, "
                f"rms {a.fit_rms_mas:.1f} mas, quality {a.quality_code}")
    last = tried[-1]
    if not last.method:                       # the catalogue itself could not be had
        return f"{catalog}: {last.reason}"
    n = len(tried)
    return (f"{catalog}: {n} fit{'s' if n != 1 else ''} rejected, last "
            f"{last.method}/{last.geometry}: {last.reason or f'quality {last.quality_code}'}")


@dataclass(frozen=True)
class RelativeFit:
    """The exposures aligned to the first one."""

    ok: bool
    geometry: str
    reference: str
    n_matches: dict[str, int] = field(default_factory=dict)
    rms_mas: dict[str, float] = field(default_factory=dict)
    reason: str = ""


@dataclass(frozen=True)
class ExposureSolution:
    """The correction of one exposure, from its a-priori WCS to the chosen one."""

    rootname: str
    kind: str
    prior_wcsname: str
    correction: SkyCorrection
    n_sources: int
    mjd: float = 0.0
    """EXPSTART (MJD)."""
    fitted: bool = True
    """False when the exposure had no usable sources and borrowed a neighbour's correction."""
    position_error_mas: float = float("nan")
    """Formal 1σ per-axis uncertainty of its aligned WCS from the catalogue fit, RMS over its
    chips (mas; NaN: no catalogue fit of its own): ``SVMAERR``."""

    @property
    def offset_radec_arcsec(self) -> tuple[float, float]:
        """(ΔRA·cosδ, ΔDec) at the fit plane's tangent point, arcsec."""
        return self.correction.offset_radec_arcsec


@dataclass(frozen=True)
class DetectorAlignment:
    """Result of aligning one detector (the ``alignment`` context value).

    Attributes
    ----------
    status
        ``aligned`` (catalogue fit accepted), ``relative only`` (no catalogue fit; the
        exposures were aligned to each other) or ``failed`` (every exposure keeps its WCS).
    reason
        Why the alignment is not ``aligned`` (empty otherwise).
    catalog, method, fit_geometry
        The accepted fit (empty strings when none).
    n_matches, n_reference
        Matches kept by the accepted fit, and catalogue sources available.
    fit_rms_mas, rms_ra_mas, rms_dec_mas
        Residual RMS of the accepted fit on the sky (mas; NaN when none).
    position_error_mas
        Formal 1σ per-axis uncertainty of the aligned WCSs (mas): the quadratic mean of the
        exposures' ``position_error_mas`` (NaN when no catalogue fit was accepted).
    weighted
        Whether the accepted fit weighted the stars by their errors.
    quality_code
        Spec §5.4 code 1-4 of the accepted fit; 5 when no catalogue fit was accepted.
    exposures
        Correction of each aligned exposure (imaging and ramp), by rootname.
    attempts
        Every try, in order, for the logs and the QA report.
    """

    detector: str
    status: str
    reason: str
    plane: TangentPlane
    relative: RelativeFit
    exposures: dict[str, ExposureSolution]
    attempts: list[FitAttempt]
    catalog: str = ""
    method: str = ""
    fit_geometry: str = ""
    n_matches: int = 0
    n_reference: int = 0
    fit_rms_mas: float = float("nan")
    rms_ra_mas: float = float("nan")
    rms_dec_mas: float = float("nan")
    quality_code: int = 5
    compromised: bool = False
    position_error_mas: float = float("nan")
    weighted: bool = False

    @property
    def succeeded(self) -> bool:
        """Whether new WCSs are to be written (a catalogue fit, or a relative-only fit)."""
        return self.status in (ALIGNED, RELATIVE_ONLY)

    @property
    def catalog_outcomes(self) -> list[str]:
        """One line per catalogue tried, in order: accepted, rejected or why unusable."""
        return [catalog_outcome(self.attempts, c)
                for c in dict.fromkeys(a.catalog for a in self.attempts)]

    @property
    def wcsname_suffix(self) -> str:
        """``FIT_SVM_<catalog>``, ``FIT_REL_NONE`` (relative only) or '' (failed)."""
        if self.status == ALIGNED:
            return f"FIT_SVM_{self.catalog}"
        if self.status == RELATIVE_ONLY:
            return "FIT_REL_NONE"
        return ""
