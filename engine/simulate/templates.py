"""Header templates of the simulated detectors, read at run time from the real HST headers.

The real files live in ``shared/realdata`` beside the repository (``REALDATA_DIR``); the
environment variable ``HAPSVM_REALDATA`` points elsewhere. When the files are absent the
built-in keyword set of :mod:`hapsvm.simulate.builtin` (copied from the same headers) is used, so
a simulation never needs the data.
"""
from __future__ import annotations

import functools
import logging
import os
import re
from pathlib import Path

from astropy.io import fits
from astropy.table import Table

import hapsvm
from hapsvm.simulate.builtin import builtin_template
from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.detectors import get_detector
from hapsvm.simulate.geometry import ChipGeometry
from hapsvm.simulate.geometry import orientat
from hapsvm.simulate.template_types import ChipTemplate
from hapsvm.simulate.template_types import DetectorTemplate

__all__ = ["REALDATA_DIR", "ENV_VAR", "realdata_dir", "ChipTemplate", "DetectorTemplate",
           "load_template", "clean_extension_header", "clean_primary_header",
           "geometry_from_header"]

log = logging.getLogger(__name__)

#: Default location of the real HST templates: ``<repo>/../shared/realdata``.
REALDATA_DIR = Path(hapsvm.__file__).resolve().parents[1].parent / "shared" / "realdata"
#: Environment variable overriding ``REALDATA_DIR``.
ENV_VAR = "HAPSVM_REALDATA"

_IR = "wfc3_ib4606_hap_samples/sample_ipppssoot_flt.fits"
_UVIS = "wfc3_ib4606_hap_samples/sample_ipppssoot_flc.fits"
_ACS = "headers_wcs/j94f05bgq_flt.fits"
_ACS_HDRTAB = "wfc3_ib4606_hap_samples/sample_mvm_drc.fits"

_WCS_KEY = re.compile(
    r"^(WCSAXES|WCSNAME|WCSTYPE|CRPIX\d|CRVAL\d|CTYPE\d|CUNIT\d|CDELT\d|CD\d_\d|PC\d_\d|CRDER\d|"
    r"CSYER\d|LONPOLE|LATPOLE|RESTFRQ|RESTWAV|RADESYS|MJDREF|HDRNAME|[AB]P?_(ORDER|DMAX|\d+_\d+))"
    r"[A-Z]?$")
_OTHER_KEY = re.compile(
    r"^([OS](CRVAL\d|CRPIX\d|CD\d_\d|CTYPE\d|NAXIS\d|ORIENTA)|CPDIS\d|DP\d|D2IMDIS\d|D2IM\d|"
    r"D2IMERR\d|D2IMEXT|CPERR\d|NPOLEXT|NPOLFILE|D2IMFILE|IDCTAB|TDDALPHA|TDDBETA|WCSCDATE|"
    r"RMS_RA|RMS_DEC|NMATCHES|FITGEOM|REL(GEOM|MATCH|RMS_D|RMS_R|REFIM)|MDRIZSKY|S_REGION|"
    r"SNRMIN|SNRMAX|SNRMEAN|XTENSION|BITPIX|NAXIS\d?|PCOUNT|GCOUNT|EXTNAME|EXTVER|IRAF-TLM|"
    r"ORIGIN|DATE|INHERIT)$")
_PRIMARY_DROP = {"SIMPLE", "BITPIX", "NAXIS", "EXTEND", "NEXTEND", "HISTORY", "IRAF-TLM",
                 "ORIGIN", "DATE", "UPWCSVER", "PYWCSVER", "WCSCDATE"}


def realdata_dir() -> Path:
    """The real-data directory in force (``$HAPSVM_REALDATA`` or ``REALDATA_DIR``)."""
    env = os.environ.get(ENV_VAR)
    return Path(env) if env else REALDATA_DIR


def _keep(card: fits.Card, pattern: re.Pattern[str]) -> bool:
    key = card.keyword.split(".")[0]
    return not (pattern.match(key) or _OTHER_KEY.match(key))


def clean_extension_header(header: fits.Header) -> fits.Header:
    """Copy of an extension header without WCS, distortion, fit and structural keywords."""
    return fits.Header([c for c in header.cards if _keep(c, _WCS_KEY)])


def clean_primary_header(header: fits.Header) -> fits.Header:
    """Copy of a primary header without structural keywords, HISTORY and WCS-update stamps."""
    return fits.Header([c for c in header.cards if c.keyword not in _PRIMARY_DROP])


def geometry_from_header(header: fits.Header | dict[str, object], spec: DetectorSpec,
                         extver: int) -> ChipGeometry:
    """Read the TAN-SIP geometry of a chip from a header (or a header-table row as a dict)."""
    get = header.get
    sip = {k: float(get(k)) for k in header.keys()  # type: ignore[arg-type]
           if re.match(r"^[AB]_\d+_\d+$", k) and get(k) is not None}
    return ChipGeometry(
        extver=extver, ccdchip=int(get("CCDCHIP", 1)), shape=spec.chip_shape,  # type: ignore
        crpix=(float(get("CRPIX1")), float(get("CRPIX2"))),  # type: ignore[arg-type]
        crval=(float(get("CRVAL1")), float(get("CRVAL2"))),  # type: ignore[arg-type]
        cd=tuple(float(get(k)) for k in ("CD1_1", "CD1_2", "CD2_1", "CD2_2")),  # type: ignore
        sip_a=tuple(sorted((k, v) for k, v in sip.items() if k.startswith("A_"))),
        sip_b=tuple(sorted((k, v) for k, v in sip.items() if k.startswith("B_"))),
        sip_order=max(sum(int(n) for n in k.split("_")[1:]) for k in sip))


def _idc_name(value: object) -> str:
    return str(value).strip().split("$")[-1].replace("_idc.fits", "")


def _read_wfc3(spec: DetectorSpec, root: Path, name: str) -> DetectorTemplate:
    with fits.open(root / name) as hdul:
        primary = clean_primary_header(hdul[0].header)
        chips = []
        for extver in range(1, spec.n_chips + 1):
            sci = hdul["SCI", extver].header
            chips.append(ChipTemplate(geometry_from_header(sci, spec, extver),
                                      clean_extension_header(sci)))
    offset = float(primary["PA_V3"]) - orientat(chips[0].geometry.cd)
    return DetectorTemplate(spec.name, str(root / name), primary, tuple(chips),
                            _idc_name(primary["IDCTAB"]), offset)


_HDRTAB_IDC = ("IDCSCALE", "IDCV2REF", "IDCV3REF", "IDCTHETA", "OCX10", "OCX11", "OCY10",
               "OCY11")


def _read_acs(spec: DetectorSpec, root: Path) -> DetectorTemplate:
    table = Table.read(root / _ACS_HDRTAB, hdu="HDRTAB")
    rows = [table[i] for i in range(len(table)) if table["ROOTNAME"][i] == table["ROOTNAME"][0]]
    with fits.open(root / _ACS) as hdul:
        primary = clean_primary_header(hdul[0].header)
        chips = []
        for extver in range(1, spec.n_chips + 1):
            row = next(r for r in rows if int(r["EXTVER"]) == extver)
            values = {k: row[k] for k in row.colnames}
            header = clean_extension_header(hdul["SCI", extver].header)
            for key in _HDRTAB_IDC:
                header[key] = float(values[key])
            chips.append(ChipTemplate(geometry_from_header(values, spec, extver), header))
    offset = float(rows[0]["PA_V3"]) - orientat(chips[0].geometry.cd)
    return DetectorTemplate(spec.name, f"{root / _ACS} + HDRTAB of {root / _ACS_HDRTAB}",
                            primary, tuple(chips), _idc_name(rows[0]["IDCTAB"]), offset)


@functools.lru_cache(maxsize=16)
def _load(detector: str, root: str) -> DetectorTemplate:
    spec = get_detector(detector)
    base = Path(root)
    needed = [_ACS, _ACS_HDRTAB] if spec.instrument == "ACS" else \
        [_IR if spec.detector == "IR" else _UVIS]
    missing = [n for n in needed if not (base / n).is_file()]
    if missing:
        log.info("real templates %s not found under %s: using the built-in keyword set",
                 ", ".join(missing), base)
        return builtin_template(detector)
    if spec.instrument == "ACS":
        return _read_acs(spec, base)
    return _read_wfc3(spec, base, _IR if spec.detector == "IR" else _UVIS)


def load_template(detector: str) -> DetectorTemplate:
    """Return the header template of ``detector`` (real headers if present, else built-in).

    The result is cached per real-data directory; callers must copy headers before editing.
    """
    return _load(detector, str(realdata_dir()))
