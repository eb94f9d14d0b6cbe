"""FITS headers of a simulated exposure, built on the real (or built-in) templates."""
from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from astropy.io import fits
from astropy.time import Time
from astropy.wcs import WCS
from erfa import ErfaWarning

from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.filters import FilterInfo
from hapsvm.simulate.geometry import ChipGeometry
from hapsvm.simulate.geometry import orientat
from hapsvm.simulate.geometry import wcs_header
from hapsvm.simulate.plan import ExposurePlan
from hapsvm.simulate.templates import ChipTemplate
from hapsvm.simulate.templates import DetectorTemplate

__all__ = ["VisitKeywords", "filter_values", "primary_header", "extension_headers",
           "apriori_wcsname",
           "s_region", "ir_sample_sequence"]

_PHOT_KEYS = ("PHOTMODE", "PHOTFLAM", "PHOTFNU", "PHOTZPT", "PHOTPLAM", "PHOTBW")


@dataclass(frozen=True)
class VisitKeywords:
    """Visit-wide values written to every primary header."""

    proposal_id: int
    obset_id: str
    targname: str
    ra_targ: float
    dec_targ: float
    pa_v3: float
    subarray: bool


def _set(header: fits.Header, key: str, value: object, comment: str = "") -> None:
    if key in header:
        header[key] = value
    else:
        header[key] = (value, comment)


def apriori_wcsname(template: DetectorTemplate) -> str:
    """Name of the a-priori WCS the headers carry, ``IDC_<idctab>-GSC240``."""
    return f"IDC_{template.idctab}-GSC240"


def ir_sample_sequence(exptime: float) -> tuple[str, int]:
    """A plausible (SAMP_SEQ, NSAMP) for a WFC3/IR exposure time in seconds."""
    for name, step in (("SPARS25", 25.0), ("SPARS50", 50.0), ("SPARS100", 100.0)):
        if exptime <= 15 * step:
            return name, int(np.clip(round(exptime / step) + 2, 2, 16))
    return "SPARS200", int(np.clip(round(exptime / 200.0) + 2, 2, 16))


def _photometry(header: fits.Header, spec: DetectorSpec, info: FilterInfo, chip: int) -> None:
    mode = f"{spec.instrument} {spec.detector}{chip if spec.is_ccd else ''} {info.name}"
    values = (mode, info.photflam, info.photfnu, -21.10, info.pivot_a, info.bandwidth_a)
    comments = ("observation con", "inverse sensitivity, ergs/cm2/Ang/electron",
                "inverse sensitivity, Jy*sec/electron", "ST magnitude zero point",
                "Pivot wavelength (Angstroms)", "RMS bandwidth of filter plus detector")
    for key, value, comment in zip(_PHOT_KEYS, values, comments):
        _set(header, key, value, comment)


def filter_values(spec: DetectorSpec, info: FilterInfo) -> list[str]:
    """Values of the detector's filter keywords: ``[FILTER]`` with one wheel keyword (WFC3),
    else one per wheel, the other wheels ``CLEAR<n>L`` (ACS ``[FILTER1, FILTER2]``)."""
    if len(spec.filter_keywords) == 1:
        return [info.name]
    return [info.name if wheel == info.wheel else f"CLEAR{wheel}L"
            for wheel in range(1, len(spec.filter_keywords) + 1)]


def _filters(header: fits.Header, spec: DetectorSpec, info: FilterInfo) -> None:
    keywords = spec.filter_keywords
    values = filter_values(spec, info)
    if len(keywords) == 1:
        _set(header, keywords[0], values[0], "element selected from filter wheel")
        return
    for wheel, (key, value) in enumerate(zip(keywords, values), start=1):
        _set(header, key, value, f"element selected from filter wheel {wheel}")
    _set(header, "LRFWAVE", info.pivot_a if info.kind == "ramp" else 0.0,
         "proposed linear ramp filter wavelength")


def primary_header(template: DetectorTemplate, spec: DetectorSpec, plan: ExposurePlan,
                   visit: VisitKeywords, n_extensions: int) -> fits.Header:
    """Primary header of one exposure (template keywords + this exposure's values)."""
    h = template.primary.copy()
    with warnings.catch_warnings():      # "dubious year": UTC past the leap-second table
        warnings.simplefilter("ignore", ErfaWarning)
        iso = Time(plan.expstart, format="mjd", scale="utc").isot
    root = plan.rootname
    ipppss = root[:6]
    values: list[tuple[str, object, str]] = [
        ("DATE", iso[:10], "date this file was written (yyyy-mm-dd)"),
        ("NEXTEND", n_extensions, "Number of standard extensions"),
        ("FILENAME", f"{root}_{spec.suffix}.fits", "name of file"),
        ("TELESCOP", "HST", "telescope used to acquire data"),
        ("INSTRUME", spec.instrument, "identifier for instrument used to acquire data"),
        ("ROOTNAME", root, "rootname of the observation set"),
        ("IMAGETYP", "EXT", "type of exposure identifier"),
        ("TARGNAME", visit.targname, "proposer's target name"),
        ("RA_TARG", visit.ra_targ, "right ascension of the target (deg) (J2000)"),
        ("DEC_TARG", visit.dec_targ, "declination of the target (deg) (J2000)"),
        ("PROPOSID", visit.proposal_id, "PEP proposal identifier"),
        ("LINENUM", f"{visit.obset_id}.{plan.index + 1:03d}", "proposal logsheet line number"),
        ("PR_INV_L", "Simulated", "last name of principal investigator"),
        ("PR_INV_F", "Hapsvm", "first name of principal investigator"),
        ("PR_INV_M", "", "middle name / initial of principal investigat"),
        ("FGSLOCK", "FINE", "commanded FGS lock (FINE,COARSE,GYROS,UNKNOWN)"),
        ("REFFRAME", "ICRS", "guide star catalog version"),
        ("MTFLAG", " ", "moving target flag; T if it is a moving target"),
        ("DATE-OBS", iso[:10], "UT date of start of observation (yyyy-mm-dd)"),
        ("TIME-OBS", iso[11:19], "UT time of start of observation (hh:mm:ss)"),
        ("EXPSTART", plan.expstart, "exposure start time (Modified Julian Date)"),
        ("EXPEND", plan.expend, "exposure end time (Modified Julian Date)"),
        ("EXPTIME", plan.exptime, "exposure duration (seconds)--calculated"),
        ("EXPFLAG", "NORMAL", "Exposure interruption indicator"),
        ("PA_V3", visit.pa_v3, "position angle of V3-axis of HST (deg)"),
        ("POSTARG1", plan.postarg[0], "POSTARG in axis 1 direction"),
        ("POSTARG2", plan.postarg[1], "POSTARG in axis 2 direction"),
        ("OBSTYPE", "IMAGING", "observation type - imaging or spectroscopic"),
        ("OBSMODE", "MULTIACCUM" if spec.detector == "IR" else "ACCUM", "operating mode"),
        ("SUBARRAY", visit.subarray, "data from a subarray (T) or full frame (F)"),
        ("DETECTOR", spec.detector, "detector in use"),
        ("APERTURE", spec.aperture, "aperture name"),
        ("PROPAPER", spec.aperture, "proposed aperture name"),
        ("DRIZCORR", "PERFORM", "drizzle processing"),
        ("IDCTAB", f"{'iref' if spec.instrument == 'WFC3' else 'jref'}${template.idctab}_idc.fits",
         "origin of Polynomial Distortion"),
        ("DGEOFILE", "N/A", "Distortion correction image"),
        ("D2IMFILE", "N/A", "origin of detector to image correction"),
        ("NPOLFILE", "N/A", "origin of non-polynmial distortion model"),
        ("ASN_ID", f"{ipppss.upper()}010", "unique identifier assigned to association"),
        ("ASN_TAB", f"{ipppss}010_asn.fits", "name of the association table"),
        ("ASN_MTYP", "EXP-DTH", "Role of the Member in the Association"),
        ("DISTNAME", f"{root}_{template.idctab}-NOMODEL-NOMODEL", "Distortion model name"),
        ("SIPNAME", f"{root}_{template.idctab}", "origin of SIP polynomial distortion model"),
    ]
    if spec.has_spatial_scans:
        values.append(("SCAN_TYP", "N", "C:bostrophidon; D:C with dwell; N:N/A"))
    if spec.facts.has_charge_injection:
        values.append(("CHINJECT", "NONE", "Charge Injection Mode"))
    if spec.detector == "IR":
        seq, nsamp = ir_sample_sequence(plan.exptime)
        values += [("SAMP_SEQ", seq, "MultiAccum exposure time sequence name"),
                   ("NSAMP", nsamp, "number of MULTIACCUM samples"),
                   ("SUBTYPE", "SQ256SUB" if visit.subarray else "FULLIMAG",
                    "Size/type of IR subarray")]
    for key, value, comment in values:
        _set(h, key, value, comment)
    _filters(h, spec, plan.filter)
    for key, value in plan.keywords:
        _set(h, key, value)
    if spec.is_ccd:
        _set(h, "CCDGAIN", 1.5 if spec.detector == "UVIS" else 2.0, "commanded gain of CCD")
    for amp, gain, noise in zip("ABCD", spec.gain, spec.read_noise_e):
        _set(h, f"ATODGN{amp}", gain, f"calibrated gain for amplifier {amp}")
        _set(h, f"READNSE{amp}", noise, f"calibrated read noise for amplifier {amp}")
    if spec.detector in ("IR", "UVIS"):
        _photometry(h, spec, plan.filter, 1)
    if spec.detector == "UVIS":
        for key, value in (("PHTFLAM1", plan.filter.photflam), ("PHTFLAM2", plan.filter.photflam),
                           ("PHTRATIO", 1.0)):
            _set(h, key, value)
    h.add_history("Simulated by hapsvm hapsvm.simulate; header template: " + template.source)
    return h


def s_region(wcs: WCS) -> str:
    """``S_REGION`` polygon (ICRS) of the image corners under ``wcs``."""
    ny, nx = wcs.pixel_shape[1], wcs.pixel_shape[0]  # type: ignore[index]
    corners = np.array([[0.5, 0.5], [nx + 0.5, 0.5], [nx + 0.5, ny + 0.5], [0.5, ny + 0.5]])
    sky = wcs.all_pix2world(corners, 1)
    return "POLYGON ICRS " + " ".join(f"{ra:.10f} {dec:.10f}" for ra, dec in sky)


def extension_headers(template_chip: ChipTemplate, spec: DetectorSpec, plan: ExposurePlan,
                      header_chip: ChipGeometry, wcsname: str,
                      aperture_radec: tuple[float, float]) -> dict[str, fits.Header]:
    """SCI, ERR, DQ (and SAMP, TIME for IR) headers of one chip, carrying the header WCS."""
    block = wcs_header(header_chip, wcsname)
    ny, nx = header_chip.shape
    x0, y0 = header_chip.offset
    pa = orientat(header_chip.cd)
    common: list[tuple[str, object, str]] = [
        ("ROOTNAME", plan.rootname, "rootname of the observation set"),
        ("EXPNAME", plan.rootname, "exposure identifier"),
        ("LTV1", float(-x0), "offset in X to subsection start"),
        ("LTV2", float(-y0), "offset in Y to subsection start"),
        ("LTM1_1", 1.0, "reciprocal of sampling rate in X"),
        ("LTM2_2", 1.0, "reciprocal of sampling rate in Y"),
        ("ORIENTAT", pa, "position angle of image y axis (deg. e of n)"),
        ("RA_APER", aperture_radec[0], "RA of aperture reference position"),
        ("DEC_APER", aperture_radec[1], "Declination of aperture reference position"),
        ("PA_APER", pa, "Position Angle of reference aperture center"),
        ("VAFACTOR", 1.0, "velocity aberration plate scale factor")]
    headers: dict[str, fits.Header] = {}
    units = {"SCI": spec.bunit, "ERR": spec.bunit, "DQ": "UNITLESS", "SAMP": "SAMPLES",
             "TIME": "SECONDS"}
    names = ("SCI", "ERR", "DQ", "SAMP", "TIME") if spec.detector == "IR" else ("SCI", "ERR", "DQ")
    for name in names:
        h = template_chip.header.copy() if name == "SCI" else fits.Header()
        _set(h, "EXTNAME", name, "extension name")
        _set(h, "EXTVER", header_chip.extver, "extension version number")
        _set(h, "BUNIT", units[name], "brightness units")
        if spec.is_ccd:
            _set(h, "CCDCHIP", header_chip.ccdchip, "CCD chip (1 or 2)")
        for key, value, comment in common:
            _set(h, key, value, comment)
        h.update(block)
        if name == "SCI":
            _sci_only(h, spec, plan, header_chip, (x0, y0), (ny, nx))
        headers[name] = h
    return headers


def _sci_only(h: fits.Header, spec: DetectorSpec, plan: ExposurePlan, chip: ChipGeometry,
              offset: tuple[int, int], shape: tuple[int, int]) -> None:
    ny, nx = shape
    _set(h, "CENTERA1", int(offset[0] + nx // 2 + 1), "subarray axis1 center in detector pixels")
    _set(h, "CENTERA2", int(offset[1] + ny // 2 + 1), "subarray axis2 center in detector pixels")
    _set(h, "SIZAXIS1", nx, "subarray axis1 size in unbinned detector pixels")
    _set(h, "SIZAXIS2", ny, "subarray axis2 size in unbinned detector pixels")
    _set(h, "SATURATE", spec.full_well_e, "full-well saturation level (electrons)")
    _set(h, "SDQFLAGS", 31743, "serious data quality flags")
    if spec.is_ccd:
        _photometry(h, spec, plan.filter, chip.ccdchip)
    if spec.detector == "UVIS":
        for key, value in (("PHTFLAM1", plan.filter.photflam), ("PHTFLAM2", plan.filter.photflam),
                           ("PHTRATIO", 1.0)):
            _set(h, key, value)
    _set(h, "WCSTYPE", "undistorted a priori solution based on GSC240", "")
