"""Grism/prism copies take the alignment of the direct images (spec §4.4, public intent).

runsinglehap makes a WCS name common to grism and direct images (preferring
``IDC_?????????-GSC240``) the active WCS of *both*, which throws the direct images' SVM alignment
away. Here the direct images keep it, and each grism copy gets the same sky correction:

1. The WCS names a grism copy offers (primary and alternates of ``SCI,1``) are intersected with
   those of the direct exposures (their prior WCS and alternates).
2. A shared prior (the grism's primary name is a direct prior) is used as is. Otherwise the
   common name is chosen by preference ``IDC_?????????-GSC240``, ``IDC_?????????``, then any.
3. The direct exposure nearest in time offering that name gives the correction: its own
   correction for its prior, else the sky map from its WCS of that name to its aligned WCS.
4. The grism copy's WCS of that name becomes primary (the old primary is archived) and the
   correction is applied to it. No common name: the grism copy keeps its WCS.
"""
from __future__ import annotations

import fnmatch
import warnings
from dataclasses import dataclass
from pathlib import Path

from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from stwcs.wcsutil import altwcs

from hapsvm.align.chip_wcs import read_chip_wcs
from hapsvm.align.chip_wcs import sci_extvers
from hapsvm.align.corrections import SkyCorrection
from hapsvm.align.corrections import measure_correction
from hapsvm.align.headers import FitKeywords
from hapsvm.align.headers import apply_correction
from hapsvm.align.headers import mark_outcome
from hapsvm.align.headers import prior_wcsname
from hapsvm.align.headers import wcsname_for
from hapsvm.align.results import DetectorAlignment
from hapsvm.align.solve import nearest_in_time

__all__ = ["PREFERRED_NAMES", "GrismAssignment", "wcs_names", "read_wcs_names",
           "choose_common_name", "assign_grism_solution", "update_grism"]


#: Preference among WCS names common to grism and direct images (spec §4.4).
PREFERRED_NAMES = ("IDC_?????????-GSC240", "IDC_?????????")


@dataclass(frozen=True)
class GrismAssignment:
    """Which direct exposure's correction a grism exposure takes, in which WCS, or why none."""

    rootname: str
    source: str
    correction: SkyCorrection | None
    wcsname: str = ""
    """Name of the grism WCS the correction applies to (restored as primary if needed)."""
    reason: str = ""


def wcs_names(hdul: fits.HDUList) -> dict[str, str]:
    """WCS name → key of ``SCI,1`` (primary ``' '`` first; a blank primary name is OPUS)."""
    names = {prior_wcsname(hdul["SCI", 1].header): " "}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        for key, name in sorted(altwcs.wcsnames(hdul, ("SCI", 1)).items()):
            if key.strip() and name.strip():
                names.setdefault(name.strip(), key)
    return names


def read_wcs_names(path: Path) -> dict[str, str]:
    """:func:`wcs_names` of the file at ``path``."""
    with fits.open(path, mode="readonly") as hdul:
        return wcs_names(hdul)


def choose_common_name(grism: dict[str, str], priors: set[str],
                       direct: set[str]) -> str | None:
    """The WCS to carry the correction: a shared prior, else the preferred common name.

    Examples
    --------
    >>> choose_common_name({"OPUS": " "}, {"OPUS"}, {"OPUS"})
    'OPUS'
    >>> choose_common_name({"IDC_w3m18525i-GSC240": " ", "IDC_w3m18525i": "A"},
    ...                    {"IDC_w3m18525i-FIT_REL_GAIAeDR3"},
    ...                    {"IDC_w3m18525i-FIT_REL_GAIAeDR3", "IDC_w3m18525i", "OPUS"})
    'IDC_w3m18525i'
    """
    primary = next(name for name, key in grism.items() if key == " ")
    if primary in priors:
        return primary
    common = sorted(set(grism) & direct)
    for pattern in PREFERRED_NAMES:
        match = [n for n in common if fnmatch.fnmatchcase(n, pattern)]
        if match:
            return match[0]
    return primary if primary in common else (common[0] if common else None)


def assign_grism_solution(rootname: str, mjd: float, grism: dict[str, str],
                          alignment: DetectorAlignment,
                          direct_names: dict[str, dict[str, str]],
                          direct_paths: dict[str, Path]) -> GrismAssignment:
    """Choose the WCS and the direct exposure whose correction a grism copy takes.

    Parameters
    ----------
    rootname, mjd
        The grism exposure and its EXPSTART.
    grism
        Its WCS names (``wcs_names``).
    alignment
        The direct images' alignment.
    direct_names
        Per direct rootname, the WCS names its copy offers besides its prior (name → key).
    direct_paths
        Per direct rootname, its copy (read for a WCS other than its prior).
    """
    if not alignment.succeeded:
        return GrismAssignment(rootname, "", None, reason=f"direct images not aligned: "
                               f"{alignment.reason}")
    sols = alignment.exposures
    offered = {r: {s.prior_wcsname, *direct_names.get(r, {})} for r, s in sols.items()}
    name = choose_common_name(grism, {s.prior_wcsname for s in sols.values()},
                              set().union(*offered.values()))
    if name is None:
        return GrismAssignment(rootname, "", None, reason="no WCS name shared with the direct "
                               f"images (grism: {', '.join(sorted(grism))})")
    chosen = nearest_in_time(mjd, {r: sols[r].mjd for r in sols if name in offered[r]})
    sol = sols[chosen]
    if name == sol.prior_wcsname:
        return GrismAssignment(rootname, chosen, sol.correction, name)
    with fits.open(direct_paths[chosen]) as hdul:
        key = direct_names[chosen][name]
        chips = sci_extvers(hdul)
        named = [read_chip_wcs(hdul, v, key=key) for v in chips]
        current = [read_chip_wcs(hdul, v) for v in chips]
    return GrismAssignment(rootname, chosen,
                           measure_correction(named, current, alignment.plane), name)


def update_grism(path: Path, assignment: GrismAssignment, alignment: DetectorAlignment, *,
                 keywords: FitKeywords) -> str:
    """Apply an assignment to a (temporary) grism copy; return its new (or kept) WCSNAME."""
    with fits.open(path, mode="update") as hdul:
        prior = prior_wcsname(hdul["SCI", 1].header)
        if assignment.correction is None:
            mark_outcome(hdul, f"GRISM: WCS kept: {assignment.reason}")
            return prior
        exts = [("SCI", v) for v in sci_extvers(hdul)]
        key = wcs_names(hdul).get(assignment.wcsname, " ")
        if key != " ":
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyWarning)
                altwcs.archive_wcs(hdul, exts, mode=altwcs.ArchiveMode.AUTO_RENAME |
                                   altwcs.ArchiveMode.QUIET_ABORT)
                altwcs.restoreWCS(hdul, exts, wcskey=key)
        wcsname = wcsname_for(assignment.wcsname, alignment.wcsname_suffix)
        apply_correction(hdul, assignment.correction, wcsname=wcsname, keywords=keywords)
        mark_outcome(hdul, f"GRISM: solution of {assignment.source} via {assignment.wcsname} "
                     f"({wcsname})")
        return wcsname
