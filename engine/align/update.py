"""Write a detector's alignment into the direct and ramp exposure copies."""
from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

from astropy.io import fits

from hapsvm.align.corrections import SkyCorrection
from hapsvm.align.headerlets import HeaderletInfo
from hapsvm.align.headerlets import headerlet_name
from hapsvm.align.headerlets import make_headerlet
from hapsvm.align.headers import FitKeywords
from hapsvm.align.headers import apply_correction
from hapsvm.align.headers import mark_outcome
from hapsvm.align.headers import prior_wcsname
from hapsvm.align.headers import wcsname_for
from hapsvm.align.results import ALIGNED
from hapsvm.align.results import DetectorAlignment
from hapsvm.align.results import ExposureSolution

__all__ = ["fit_keywords", "update_exposure", "mark_unaligned"]



def fit_keywords(alignment: DetectorAlignment, rootname: str, *,
                 reference_name: str = "N/A") -> FitKeywords:
    """Spec §5.5 keywords of one exposure (relative keywords when the method was relative)
    and its ``SVMAERR``."""
    rel = alignment.relative
    relative = alignment.method == "relative" and rel.ok and rel.geometry != "none"
    rel_rms = rel.rms_mas.get(rootname, 0.0) / math.sqrt(2) if relative else 0.0
    catalog_fit = alignment.status == ALIGNED
    sol = alignment.exposures.get(rootname)
    return FitKeywords(
        rms_ra_mas=alignment.rms_ra_mas if catalog_fit else -1.0,
        rms_dec_mas=alignment.rms_dec_mas if catalog_fit else -1.0,
        n_matches=alignment.n_matches if catalog_fit else 0,
        fit_geometry=alignment.fit_geometry if catalog_fit else "N/A",
        rel_geometry=rel.geometry if relative else "N/A",
        rel_matches=rel.n_matches.get(rootname, 0) if relative else 0,
        rel_rms_ra_mas=rel_rms, rel_rms_dec_mas=rel_rms,
        rel_reference=reference_name if relative else "N/A",
        position_error_mas=_num(sol.position_error_mas) if catalog_fit and sol else -1.0)


def _history(c: SkyCorrection) -> tuple[str, ...]:
    dra, ddec = c.offset_radec_arcsec
    return (f"platescale {c.plane.scale_arcsec:.5f} arcsec/pixel",
            f"x shift {c.shift_arcsec[0] / c.plane.scale_arcsec:.4f} px, "
            f"y shift {c.shift_arcsec[1] / c.plane.scale_arcsec:.4f} px "
            f"(dRA*cos(Dec) {dra:.4f}\", dDec {ddec:.4f}\")",
            f"rotation {c.rotation_deg:.6f} deg, scale {c.scale:.8f}, skew {c.skew_deg:.6f} deg")


def update_exposure(path: Path, solution: ExposureSolution, alignment: DetectorAlignment, *,
                    copy_name: str, reference_name: str = "N/A") -> bytes:
    """Apply an exposure's solution to its (temporary) copy and return its headerlet.

    Parameters
    ----------
    path
        The temporary copy, modified in place.
    solution
        The exposure's correction.
    alignment
        The detector's alignment (catalogue, statistics, relative fit).
    copy_name
        The copy's final file name (for ``HDRNAME``).
    reference_name
        SVM base name of the relative fit's reference exposure (``RELREFIM``).

    Returns
    -------
    bytes
        The headerlet FITS file of the new WCS.
    """
    with fits.open(path, mode="update") as hdul:
        prior = prior_wcsname(hdul["SCI", 1].header)
        wcsname = wcsname_for(prior, alignment.wcsname_suffix)
        hdrname = headerlet_name(copy_name, wcsname)
        apply_correction(hdul, solution.correction, wcsname=wcsname, hdrname=hdrname,
                         keywords=fit_keywords(alignment, solution.rootname,
                                               reference_name=reference_name))
        outcome = f"{alignment.wcsname_suffix} {alignment.fit_geometry} q{alignment.quality_code}"
        if alignment.status != ALIGNED:
            outcome = f"{alignment.wcsname_suffix}: {alignment.reason}"
        if not solution.fitted:
            outcome += " (no sources: correction of the nearest exposure in time)"
        mark_outcome(hdul, outcome, alignment.catalog_outcomes)
        info = HeaderletInfo(catalog=alignment.catalog, fit_method=alignment.method,
                             n_matches=alignment.n_matches, fit_rms_mas=_num(alignment.fit_rms_mas),
                             rms_ra_mas=_num(alignment.rms_ra_mas),
                             rms_dec_mas=_num(alignment.rms_dec_mas),
                             history=_history(solution.correction))
        return make_headerlet(hdul, hdrname=hdrname, info=info)


def _num(value: float) -> float:
    return float(value) if math.isfinite(value) else -1.0


def mark_unaligned(path: Path, reason: str, catalogs: Sequence[str] = ()) -> None:
    """Record on a (temporary) copy that its WCS was kept and why (``SVMALIGN = 'FAILED: ...'``),
    with one ``SVMCAT<i>`` line per catalogue tried (``DetectorAlignment.catalog_outcomes``)."""
    with fits.open(path, mode="update") as hdul:
        mark_outcome(hdul, f"FAILED: {reason}", catalogs)
