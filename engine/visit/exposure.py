"""Read the header facts of one exposure (primary and SCI headers), read-only."""
from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from hapsvm.errors import InputError
from hapsvm.visit.inputs import InputRow
from hapsvm.visit.instruments import DETECTORS
from hapsvm.visit.instruments import INSTRUMENTS
from hapsvm.visit.instruments import DetectorFacts
from hapsvm.visit.instruments import find_detector
from hapsvm.visit.naming import derive_filter_name

__all__ = ["ExposureInfo", "UnusableInput", "read_exposure", "exposure_from_headers"]



@dataclass(frozen=True)
class ExposureInfo:
    """Everything the visit planning needs to know about one exposure."""

    path: Path
    rootname: str
    instrument: str
    detector: str
    filters: str
    filter_name: str
    exptime: float
    expstart: float
    photflam: float
    photplam: float
    obstype: str
    drizcorr: str
    mtflag: str
    scan_typ: str
    targname: str
    fgslock: str
    chinject: str
    proposal_id: int
    program_id: str
    obset_id: str
    suffix: str
    n_sci: int
    all_zero: bool
    aperture: str = "empty_aperture"

    @property
    def detector_key(self) -> str:
        """``<instrument>_<detector>`` in lower case, e.g. ``wfc3_ir``."""
        return f"{self.instrument.lower()}_{self.detector.lower()}"

    @property
    def filter_tokens(self) -> list[str]:
        """Upper-case filter names of the exposure (``FILTER`` or ``FILTER1``, ``FILTER2``)."""
        return [t for t in self.filters.upper().split(";") if t]


@dataclass(frozen=True)
class UnusableInput:
    """An input file the visit goes on without (unreadable, invalid or a duplicate)."""

    path: Path
    reason: str
    rootname: str = ""


def _text(header: fits.Header, key: str, default: str = "") -> str:
    value = header.get(key, default)
    return default if value is None else str(value).strip().upper()


def _number(header: fits.Header, key: str, path: Path) -> float:
    if key not in header:
        raise InputError(f"header keyword {key} is missing", file=path)
    try:
        return float(header[key])
    except (TypeError, ValueError):
        raise InputError(f"header keyword {key}={header[key]!r} is not a number", file=path,
                         value=header[key]) from None


def read_exposure(row: InputRow, *, check_data: bool = True) -> ExposureInfo:
    """Read an exposure's primary and SCI headers (opened read-only) into an ``ExposureInfo``.

    Parameters
    ----------
    row
        The input row naming the file.
    check_data
        Read the SCI pixels to tell an all-zero exposure (``ExposureInfo.all_zero``); False
        reads headers only and reports ``all_zero=False`` (resource planning: ``svm plan``).

    Raises
    ------
    InputError
        If the file is not FITS, has no SCI extension, lacks a required keyword, or comes from
        an unsupported instrument.
    """
    path = row.path
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AstropyWarning)
            with fits.open(path, mode="readonly", memmap=True, lazy_load_hdus=False) as hdul:
                info = _from_hdul(hdul, row, check_data=check_data)
    except fits.VerifyError as err:
        raise InputError(f"has an invalid header card, e.g. a NaN value ({err})".replace(
            ", fix it first with .verify('fix')", ""), file=path) from err
    except (OSError, ValueError) as err:
        raise InputError(f"cannot be read as FITS ({err})", file=path) from err
    for w in caught:
        text = str(w.message).lower()
        if "truncated" in text or "corrupted" in text:
            raise InputError("file is truncated or corrupted (" +
                             " ".join(str(w.message).split()) + ")", file=path)
    return info


def exposure_from_headers(hdus: Sequence[Any], row: InputRow) -> ExposureInfo:
    """An ``ExposureInfo`` from headers already read, with the checks of :func:`read_exposure`
    but no pixel (``all_zero`` is False).

    Parameters
    ----------
    hdus
        The file's HDUs in order: an ``HDUList``, or any objects with ``name``, ``ver`` and
        ``header`` (a mapping of upper-case keywords to values), e.g. from a fast header scan.
    row
        The input row naming the file.

    Raises
    ------
    InputError
        As :func:`read_exposure`, for a file that is not a usable FLT/FLC.
    """
    return _from_hdul(hdus, row, check_data=False)


def _linear_matrix(header: fits.Header) -> np.ndarray | None:
    """The 2×2 CD matrix (or CDELT·PC) of a header; None when it has neither."""
    if any(f"CD{i}_{j}" in header for i in (1, 2) for j in (1, 2)):
        return np.array([[header.get(f"CD{i}_{j}", 0.0) for j in (1, 2)] for i in (1, 2)],
                        dtype=float)
    if "CDELT1" in header:
        pc = np.array([[header.get(f"PC{i}_{j}", float(i == j)) for j in (1, 2)]
                       for i in (1, 2)], dtype=float)
        return np.diag([header.get("CDELT1", 1.0), header.get("CDELT2", 1.0)]) @ pc
    return None


def _check_wcs(header: fits.Header, ver: int, path: Path) -> None:
    """Refuse a SCI extension whose WCS cannot place pixels on the sky."""
    matrix = _linear_matrix(header)
    if matrix is None:
        raise InputError(f"SCI,{ver} has no WCS (no CD or CDELT keywords)", file=path)
    if not np.all(np.isfinite(matrix)):
        raise InputError(f"SCI,{ver} has a non-finite CD matrix {matrix.ravel().tolist()}",
                         file=path)
    if abs(np.linalg.det(matrix)) < 1e-20:
        raise InputError(f"SCI,{ver} has a singular CD matrix {matrix.ravel().tolist()}",
                         file=path)
    for key in ("CRVAL1", "CRVAL2", "CRPIX1", "CRPIX2"):
        value = header.get(key)
        if not isinstance(value, (int, float)) or not np.isfinite(value):
            raise InputError(f"SCI,{ver} has an invalid {key} ({value!r})", file=path)


def _detector_of(prim: fits.Header, path: Path) -> DetectorFacts:
    """The facts of the header's ``INSTRUME``/``DETECTOR``; an InputError if not handled."""
    instrument = _text(prim, "INSTRUME")
    if instrument not in INSTRUMENTS:
        raise InputError(f"instrument {instrument or '<none>'} is not supported (hapsvm handles "
                         f"{', '.join(INSTRUMENTS)})", file=path, value=instrument)
    detector = _text(prim, "DETECTOR")
    facts = find_detector(instrument, detector)
    if facts is None:
        raise InputError(f"detector {instrument}/{detector} is not supported (hapsvm handles "
                         f"{', '.join(DETECTORS)})", file=path, value=detector)
    return facts


def _from_hdul(hdul: Sequence[Any], row: InputRow, *, check_data: bool = True) -> ExposureInfo:
    path = row.path
    prim = hdul[0].header
    scis = [h for h in hdul if h.name == "SCI"]
    if not scis:
        raise InputError("has no SCI extension", file=path)
    names = {(h.name, h.ver) for h in hdul}
    for h in scis:
        for ext in ("ERR", "DQ"):
            if (ext, h.ver) not in names:
                raise InputError(f"has SCI,{h.ver} but no {ext},{h.ver} extension (not a "
                                 "calibrated FLT/FLC, or truncated)", file=path)
    for h in scis:
        _check_wcs(h.header, h.ver, path)
    facts = _detector_of(prim, path)
    instrument, detector = facts.instrument, facts.detector
    rootname = _text(prim, "ROOTNAME").lower()
    if len(rootname) < 8:
        raise InputError(f"ROOTNAME {rootname!r} is not an HST rootname", file=path)
    filters = ";".join(f for f in (_text(prim, k) for k in INSTRUMENTS[instrument].filter_keywords)
                       if f)
    photkey_hdr = prim if ("PHOTFLAM" in prim or facts.photometry_in_primary) else scis[0].header
    all_zero = check_data
    for h in scis if check_data else []:
        data = h.data
        if data is not None and np.any(data):
            all_zero = False
            break
    name = path.name.lower()
    return ExposureInfo(
        path=path, rootname=rootname, instrument=instrument, detector=detector,
        filters=filters, filter_name=derive_filter_name(filters),
        exptime=_number(prim, "EXPTIME", path), expstart=_number(prim, "EXPSTART", path),
        photflam=float(photkey_hdr.get("PHOTFLAM", 0.0) or 0.0),
        photplam=float(photkey_hdr.get("PHOTPLAM", 0.0) or 0.0),
        obstype=_text(prim, "OBSTYPE"), drizcorr=_text(prim, "DRIZCORR"),
        mtflag=_text(prim, "MTFLAG"), scan_typ=_text(prim, "SCAN_TYP"),
        targname=_text(prim, "TARGNAME"), fgslock=_text(prim, "FGSLOCK"),
        chinject=_text(prim, "CHINJECT", "NONE"),
        proposal_id=int(_number(prim, "PROPOSID", path)),
        program_id=rootname[1:4].upper(), obset_id=rootname[4:6],
        suffix="flc" if name.endswith("_flc.fits") else "flt",
        n_sci=len(scis), all_zero=all_zero, aperture=row.aperture)
