"""Write an alignment into an exposure's headers (spec §5.5): new primary WCS, fit keywords.

Besides the spec §5.5 keywords, the primary header of every aligned, grism or unaligned copy
gets ``SVMALIGN``, a one-line outcome written by hapsvm (not by drizzlepac):
``'FIT_SVM_GAIAeDR3 rscale q1'``, ``'FIT_REL_NONE: no catalogue fit ...'``,
``'GRISM: solution of ib6o21qnq'`` or ``'FAILED: <reason>'`` (the WCS is then unchanged).
Aligned and unaligned direct copies also get ``SVMCAT1``, ``SVMCAT2``, ... : one line per reference
catalogue tried, in order (``'GAIAeDR3: service http://... unreachable (DNS: ...)'``,
``'GSC242: accepted relative/rscale, 38 matches, rms 4.1 mas, quality 1'``).
Every SCI header of an aligned copy also gets ``SVMAERR`` (hapsvm's, beside the spec's fit
keywords): the formal 1σ per-axis uncertainty of the new WCS in mas, RMS over the chip, from
the catalogue fit's covariance (and the relative fit's, for the relative method); −1 when no
catalogue fit was accepted.
"""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import astropy
import numpy as np
import stwcs
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from stwcs.wcsutil import altwcs

from hapsvm.align.chip_wcs import read_chip_wcs
from hapsvm.align.chip_wcs import sci_extvers
from hapsvm.align.corrections import SkyCorrection

__all__ = ["FitKeywords", "wcsname_for", "wcstype_for", "apply_correction", "mark_outcome",
           "prior_wcsname"]


_FIT_KINDS = {"REL": "relatively aligned to", "IMG": "aligned image-by-image to",
              "EVM": "aligned by visit-exposures to", "SVM": "aligned by visit to"}


def prior_wcsname(header: fits.Header) -> str:
    """The current ``WCSNAME``, ``OPUS`` when missing or blank."""
    return str(header.get("WCSNAME", "") or "").strip() or "OPUS"


def wcsname_for(prior: str, suffix: str) -> str:
    """``<prior up to its first '-'>-<suffix>`` (blank prior → ``OPUS``).

    Examples
    --------
    >>> wcsname_for("IDC_2731450pi-GSC240", "FIT_SVM_GAIAeDR3")
    'IDC_2731450pi-FIT_SVM_GAIAeDR3'
    >>> wcsname_for("", "FIT_SVM_GSC242")
    'OPUS-FIT_SVM_GSC242'
    """
    base = (prior.strip() or "OPUS").split("-")[0]
    return f"{base}-{suffix}"


def wcstype_for(wcsname: str) -> str:
    """Description of a WCS from its name (spec §5.5 derivation).

    Examples
    --------
    >>> wcstype_for("IDC_2731450pi-FIT_SVM_GAIAeDR3")
    'undistorted a posteriori solution aligned by visit to GAIAeDR3'
    >>> wcstype_for("OPUS")
    'pipeline default not aligned'
    """
    prefix, _, suffix = wcsname.partition("-")
    head = "undistorted " if prefix.upper().startswith("IDC") else \
        "pipeline default " if prefix.upper().startswith("OPU") else "user-defined "
    if not suffix:
        return head + "not aligned"
    if suffix.upper().startswith("FIT_"):
        parts = suffix.split("_", 2)
        kind = _FIT_KINDS.get(parts[1].upper(), "aligned to") if len(parts) > 1 else "aligned to"
        target = parts[2] if len(parts) > 2 else ""
        return f"{head}a posteriori solution {kind} {target}".strip()
    return f"{head}a priori solution based on {suffix}"


@dataclass(frozen=True)
class FitKeywords:
    """Fit description written to every SCI header (spec §5.5)."""

    rms_ra_mas: float = -1.0
    rms_dec_mas: float = -1.0
    n_matches: int = 0
    fit_geometry: str = "N/A"
    rel_geometry: str = "N/A"
    rel_matches: int = 0
    rel_rms_ra_mas: float = 0.0
    rel_rms_dec_mas: float = 0.0
    rel_reference: str = "N/A"
    position_error_mas: float = -1.0
    """``SVMAERR``: formal 1σ per-axis uncertainty of the WCS (mas), −1 when unknown."""


def _set(h: fits.Header, key: str, value: object, comment: str) -> None:
    """Set a card, dropping the comment when it would not fit beside a long string value."""
    if isinstance(value, str) and len(value) + len(comment) > 60:
        h[key] = value
    else:
        h[key] = (value, comment)


def _finite(value: float) -> float:
    return float(value) if np.isfinite(value) else -1.0


def _write_fit_keywords(h: fits.Header, k: FitKeywords) -> None:
    ra, dec = _finite(k.rms_ra_mas), _finite(k.rms_dec_mas)
    h["RMS_RA"] = (ra, "RMS in RA of the WCS fit (mas)")
    h["RMS_DEC"] = (dec, "RMS in Dec of the WCS fit (mas)")
    h["CRDER1"] = (ra / 3.6e6 if ra >= 0 else -1.0, "random error in axis 1 (deg)")
    h["CRDER2"] = (dec / 3.6e6 if dec >= 0 else -1.0, "random error in axis 2 (deg)")
    h["NMATCHES"] = (int(k.n_matches), "number of sources used in the WCS fit")
    h["FITGEOM"] = (k.fit_geometry, "fit geometry of the WCS fit")
    h["RELGEOM"] = (k.rel_geometry, "fit geometry of the relative fit")
    h["RELMATCH"] = (int(k.rel_matches), "matches of the relative fit")
    h["RELRMS_D"] = (_finite(k.rel_rms_dec_mas), "Dec RMS of the relative fit (mas)")
    h["RELRMS_R"] = (_finite(k.rel_rms_ra_mas), "RA RMS of the relative fit (mas)")
    _set(h, "RELREFIM", k.rel_reference, "reference image of the relative fit")
    h["SVMAERR"] = (round(_finite(k.position_error_mas), 4),
                    "1-sigma WCS uncertainty per axis (mas)")


def _stamp_versions(prim: fits.Header) -> None:
    prim["UPWCSVER"] = (stwcs.__version__, "Version of STWCS used to update the WCS")
    prim["PYWCSVER"] = (astropy.__version__, "Version of PYWCS used to update the WCS")


def apply_correction(hdul: fits.HDUList, correction: SkyCorrection, *, wcsname: str,
                     keywords: FitKeywords, hdrname: str | None = None) -> None:
    """Give every SCI chip of an open exposure the corrected WCS, keeping the old one.

    The previous primary WCS of each chip is archived as an alternate WCS (stwcs, renamed if
    its name is taken); CRVAL and the CD matrix are replaced (distortion kept); ``WCSNAME``,
    ``WCSTYPE``, ``ORIENTAT``, the fit keywords and ``HDRNAME`` are written.

    Parameters
    ----------
    hdul
        The exposure, opened for update (a temporary copy, never a final product).
    correction
        The exposure's correction from its current WCS.
    wcsname
        The new ``WCSNAME``.
    keywords
        Fit description.
    hdrname
        ``HDRNAME`` of the new solution's headerlet, if one is written.
    """
    exts = [("SCI", v) for v in sci_extvers(hdul)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        new = {ext: correction.apply(read_chip_wcs(hdul, ext[1])) for ext in exts}
        altwcs.archive_wcs(hdul, exts, mode=altwcs.ArchiveMode.AUTO_RENAME |
                           altwcs.ArchiveMode.QUIET_ABORT)
    for ext in exts:
        h = hdul[ext].header
        w = new[ext]
        h["CRVAL1"], h["CRVAL2"] = float(w.wcs.crval[0]), float(w.wcs.crval[1])
        cd = w.pixel_scale_matrix
        for (i, j), value in np.ndenumerate(cd):
            h[f"CD{i + 1}_{j + 1}"] = float(value)
        _set(h, "WCSNAME", wcsname, "Coordinate system title")
        _set(h, "WCSTYPE", wcstype_for(wcsname), "Coordinate system type")
        h["ORIENTAT"] = (float(np.degrees(np.arctan2(cd[0, 1], cd[1, 1]))),
                         "position angle of image y axis (deg. e of n)")
        _write_fit_keywords(h, keywords)
        if hdrname:
            _set(h, "HDRNAME", hdrname, "Name of the headerlet of this WCS")
    _stamp_versions(hdul[0].header)


def mark_outcome(hdul: fits.HDUList, outcome: str, catalogs: Sequence[str] = ()) -> None:
    """Write the one-line ``SVMALIGN`` outcome to the primary header, and ``SVMCAT<i>``: one
    line per catalogue tried (each at most 240 characters; long values use FITS ``CONTINUE``
    cards; earlier ``SVMCAT<i>`` cards are replaced)."""
    prim = hdul[0].header
    _set(prim, "SVMALIGN", " ".join(outcome.split())[:240], "hapsvm alignment outcome")
    for key in [k for k in prim if k.startswith("SVMCAT") and k[6:].isdigit()]:
        del prim[key]
    after = "SVMALIGN"
    for i, line in enumerate(catalogs, start=1):
        key, text, comment = f"SVMCAT{i}", " ".join(line.split())[:240], "hapsvm catalogue try"
        prim.insert(after, (key, text, comment) if len(text) + len(comment) <= 60
                    else (key, text), after=True)
        after = key
