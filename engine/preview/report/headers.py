"""Header facts for the report: S_REGION footprints, SVM keywords, alignment keywords and shifts."""
from __future__ import annotations

import logging
import re
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from hapsvm.preview.report.model import AlignmentRow
from hapsvm.preview.report.model import Footprint
from hapsvm.preview.report.model import KeywordTable

__all__ = ["parse_s_region", "copy_footprint", "product_footprint", "svm_keywords",
           "alignment_row", "ALIGNMENT_KEYWORDS", "SVM_KEYWORDS"]

log = logging.getLogger(__name__)

#: SCI-header keywords of the alignment (spec §5.5, and hapsvm's SVMAERR), shown per exposure.
ALIGNMENT_KEYWORDS = ("WCSNAME", "WCSTYPE", "NMATCHES", "RMS_RA", "RMS_DEC", "SVMAERR",
                      "FITGEOM", "RELGEOM", "RELMATCH", "RELRMS_R", "RELRMS_D", "RELREFIM",
                      "HDRNAME", "SKYCELL")
#: Drizzle-product keywords (spec §8), primary header first, then SCI.
SVM_KEYWORDS = ("FILTER", "NUMEXP", "TEXPTIME", "NPIXFRAC", "MEANEXPT", "MEDEXPT", "MEANNEXP",
                "MEDNEXP", "MEANWHT", "MEDWHT", "HAPLEVEL", "DRIZPARS", "WCSNAME", "PHOTPLAM",
                "PHOTFLAM", "SKYCELL", "S_REGION")
_POLYGON = re.compile(r"POLYGON\s+(?:[A-Za-z][A-Za-z0-9]*\s+)?([-+0-9.eE\s]+)")


def parse_s_region(text: str) -> list[list[tuple[float, float]]]:
    """Polygons of an ``S_REGION`` value (one per ``POLYGON`` group), vertices in degrees.

    Examples
    --------
    >>> parse_s_region("POLYGON ICRS 1 2 3 4 5 6 POLYGON 7 8 9 10 11 12")
    [[(1.0, 2.0), (3.0, 4.0), (5.0, 6.0)], [(7.0, 8.0), (9.0, 10.0), (11.0, 12.0)]]
    >>> parse_s_region("CIRCLE 1 2 3")
    []
    """
    polygons = []
    for match in _POLYGON.finditer(str(text)):
        values = [float(v) for v in match.group(1).split()]
        pts = list(zip(values[0::2], values[1::2]))
        if len(pts) >= 3:
            polygons.append(pts)
    return polygons


def _open(path: Path) -> fits.HDUList:
    return fits.open(path, memmap=False, lazy_load_hdus=True)


def copy_footprint(path: Path, label: str, group: str) -> Footprint | None:
    """The chips of an exposure copy from the ``S_REGION`` of each SCI header."""
    polygons: list[list[tuple[float, float]]] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with _open(path) as hdul:
            for hdu in hdul:
                if hdu.name == "SCI":
                    polygons += parse_s_region(hdu.header.get("S_REGION", ""))
    return Footprint(label, "exposure", group, polygons) if polygons else None


def product_footprint(path: Path, label: str, group: str) -> Footprint | None:
    """The outline of a drizzle product from its SCI ``S_REGION``."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with _open(path) as hdul:
            text = hdul["SCI"].header.get("S_REGION", "") if "SCI" in hdul else ""
    polygons = parse_s_region(text)
    return Footprint(label, "product", group, polygons) if polygons else None


def _text(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value).strip()


def svm_keywords(path: Path) -> KeywordTable:
    """The SVM keywords (spec §8) of a drizzle product: primary header, then SCI header."""
    values: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with _open(path) as hdul:
            headers = [hdul[0].header] + ([hdul["SCI"].header] if "SCI" in hdul else [])
            shape = (headers[-1].get("NAXIS2"), headers[-1].get("NAXIS1"))
    for key in SVM_KEYWORDS:
        for h in headers:
            if key in h and not isinstance(h[key], fits.card.Undefined):
                values[key] = _text(h[key])
                break
    if all(shape):
        values["grid (nx × ny)"] = f"{shape[1]} × {shape[0]}"
    return KeywordTable(file=path.name, values=values)


def _chip_centre_world(path: Path) -> tuple[float, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path, memmap=False) as hdul:
            h = hdul["SCI", 1].header
            wcs = WCS(h, hdul)
            ra, dec = wcs.all_pix2world([(h["NAXIS1"] - 1) / 2.0], [(h["NAXIS2"] - 1) / 2.0], 0)
    return float(ra[0]), float(dec[0])


def _shift_mas(copy: Path, original: Path) -> tuple[float, float] | None:
    try:
        ra1, dec1 = _chip_centre_world(copy)
        ra0, dec0 = _chip_centre_world(original)
    except (OSError, KeyError, ValueError, MemoryError) as err:
        log.debug("no shift for %s: %s", copy.name, err)
        return None
    dra = ((ra1 - ra0 + 180.0) % 360.0 - 180.0) * np.cos(np.radians(dec0)) * 3.6e6
    return float(dra), float((dec1 - dec0) * 3.6e6)


def alignment_row(copy: Path, original: Path | None, rootname: str) -> AlignmentRow:
    """Alignment keywords of an exposure copy and its shift from the original's WCS.

    Parameters
    ----------
    copy
        The renamed FLT/FLC copy (holding the aligned WCS, if alignment ran).
    original
        The input file as read (its a-priori WCS); ``None`` or absent → no shift.
    rootname
        Exposure rootname.
    """
    values: dict[str, str] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with _open(copy) as hdul:
            sci = hdul["SCI", 1].header
            for key in ALIGNMENT_KEYWORDS:
                if key in sci:
                    values[key] = _text(sci[key])
            if "SVMALIGN" in hdul[0].header:
                values["SVMALIGN"] = _text(hdul[0].header["SVMALIGN"])
    shift = _shift_mas(copy, original) if original is not None and original.is_file() else None
    return AlignmentRow(rootname=rootname, file=copy.name, keywords=values, shift_mas=shift)
