"""Built-in header keyword set, used when the real templates of ``shared/realdata`` are absent.

The chip geometry (CRVAL, CD, SIP, IDC* keywords) is copied verbatim from the real headers the
templates module reads (WFC3 ib4606cpq / ib4606c5q, ACS j8vo01kfq HDRTAB rows); the primary
keywords are the subset a calibrated FLT/FLC carries that SVM processing reads, plus their
neighbours. Values the simulation sets per exposure are filled in later by
:mod:`hapsvm.simulate.headers`.
"""
from __future__ import annotations

from dataclasses import dataclass

from astropy.io import fits

from hapsvm.simulate.detectors import get_detector
from hapsvm.simulate.geometry import ChipGeometry
from hapsvm.simulate.template_types import ChipTemplate
from hapsvm.simulate.template_types import DetectorTemplate

__all__ = ["builtin_template"]

_SIP_KEYS = ("0_2", "0_3", "0_4", "1_1", "1_2", "1_3", "2_0", "2_1", "2_2", "3_0", "3_1", "4_0")


@dataclass(frozen=True)
class _Chip:
    ccdchip: int
    crpix: tuple[float, float]
    crval: tuple[float, float]
    cd: tuple[float, float, float, float]
    order: int
    a: tuple[float, ...]
    b: tuple[float, ...]
    idc: dict[str, float]


@dataclass(frozen=True)
class _Det:
    idctab: str
    pa_v3_offset: float
    chips: tuple[_Chip, ...]


_GEOMETRY: dict[str, _Det] = {
    'wfc3_ir': _Det(idctab='w3m18525i', pa_v3_offset=315.35337511475365, chips=(
        _Chip(ccdchip=1, crpix=(507.0, 507.0), crval=(137.84090087889, -64.910829230259),
              cd=(1.8925181085512e-05, -2.897620258245e-05, -3.2501598839893e-05,
                  -1.6998923794846e-05),
              order=4, a=(5.36543879655039e-08, 3.57608124801564e-11, -2.0298654411109e-13,
                  2.44567998516218e-05, 5.99977055536005e-11, 6.20421897334776e-13,
                  -1.9767903795896e-07, 1.12426213281082e-10, -2.0999805662514e-14,
                  -1.4547443693903e-10, 5.61137882880728e-13, -3.350311477329e-13),
              b=(3.00207750656021e-05, -1.6773547445182e-10, 7.74735188487937e-13,
                  -1.7469718445787e-07, 4.26550075268506e-11, -9.0688431239891e-14,
                  6.98027411532913e-06, -2.6338747532099e-10, -6.9630146722556e-14,
                  5.31541345421763e-11, 1.00135300774332e-13, -6.1398288616439e-13),
              idc={'IDCSCALE': 0.1282500028610229, 'IDCV2REF': 1.019, 'IDCV3REF': -0.507,
                  'IDCXREF': 507.0, 'IDCYREF': 507.0, 'IDCTHETA': 45.0,
                  'OCX10': 0.000776120403315872, 'OCX11': 0.1354107111692429,
                  'OCY10': 0.1209510564804077, 'OCY11': -0.00042132250382564}),
    )),
    'wfc3_uvis': _Det(idctab='2731450pi', pa_v3_offset=315.2720697671407, chips=(
        _Chip(ccdchip=2, crpix=(2048.0, 1026.0), crval=(137.86461550675, -64.904104846804),
              cd=(4.9732738993559e-06, -9.5527015393116e-06, -9.8870944570775e-06,
                  -5.5858978365842e-06),
              order=4, a=(9.68752216541829e-08, 1.83977137395279e-11, -1.5724178902718e-14,
                  -3.0073309899834e-06, 1.52171396326211e-11, 1.06776659403511e-14,
                  2.93081163466262e-06, -1.2617092273945e-11, -1.725583405793e-14,
                  3.05584134653132e-11, 6.65929786678309e-15, -7.458238590171e-15),
              b=(-3.1182425747255e-06, 1.49270537925503e-11, 1.7312015536267e-14,
                  2.81470255140448e-06, -5.0794595846563e-12, 8.68079140232788e-15,
                  -5.8319285504418e-08, 1.02902087236718e-11, 1.89739365693031e-14,
                  1.80116277193471e-13, -6.694073536343e-16, 2.81833598801922e-15),
              idc={'IDCSCALE': 0.03962000086903572, 'IDCV2REF': -27.4596, 'IDCV3REF': -33.2604,
                  'IDCXREF': 2048.0, 'IDCYREF': 1026.0, 'IDCTHETA': 45.0,
                  'OCX10': 0.000175079636392183, 'OCX11': 0.03977800905704498,
                  'OCY10': 0.03984111174941063, 'OCY11': 0.002336987992748618}),
        _Chip(ccdchip=1, crpix=(2048.0, 1026.0), crval=(137.81795794134, -64.915638586864),
              cd=(4.8745405707244e-06, -9.4499803731208e-06, -9.8676643928026e-06,
                  -5.5021772324999e-06),
              order=4, a=(-1.630053740409e-08, -1.0712402125648e-13, 6.3349781445814e-15,
                  -2.8946283867545e-06, 1.66169330210897e-11, 1.27995638473689e-14,
                  2.88097687020633e-06, -5.1076735491602e-12, 4.00539373548377e-16,
                  2.50273224837601e-11, 9.38427293471106e-16, -1.1174065984756e-15),
              b=(-2.8811433607635e-06, 4.06599817677014e-11, -2.19132265003e-14,
                  2.82933641443307e-06, -4.0592584819946e-12, -5.1649283694224e-15,
                  -8.5296382052784e-10, 9.76389218216109e-13, -6.541032706967e-15,
                  1.0933767977814e-11, -3.2278772092761e-15, -2.3237441451792e-15),
              idc={'IDCSCALE': 0.03962000086903572, 'IDCV2REF': 30.642796, 'IDCV3REF': 25.242006,
                  'IDCXREF': 2048.0, 'IDCYREF': 1026.0, 'IDCTHETA': 45.0,
                  'OCX10': 0.0001285237231059, 'OCX11': 0.03954129666090012,
                  'OCY10': 0.03936995193362236, 'OCY11': 0.002580430591478944}),
    )),
    'acs_wfc': _Det(idctab='4bb1536oj', pa_v3_offset=182.0744030117798, chips=(
        _Chip(ccdchip=2, crpix=(2048.0, 1024.0), crval=(179.48471354883, 55.488546847625),
              cd=(8.70272466798e-06, -1.0238004697611e-05, -1.0769011286727e-05,
                  -9.5087484799731e-06),
              order=4, a=(2.1497768437447e-06, 1.45416767225164e-11, 2.66101305960677e-14,
                  -5.1858252466159e-06, -5.1284318826135e-10, -1.0357405947219e-14,
                  8.54779421260146e-06, -1.7502288552752e-11, 3.80721734874321e-14,
                  -4.9408633862291e-10, -2.1704831583343e-15, 2.37505776390046e-14),
              b=(-7.2193331414725e-06, -3.4517210624658e-10, -8.9306864063172e-15,
                  6.18911523924776e-06, -7.9387681874018e-11, 6.03987568340518e-15,
                  -1.7303021173981e-06, -5.1267256494399e-10, -3.8778360066172e-14,
                  1.10125303576771e-10, -2.4046925797193e-15, -1.9808559348789e-14),
              idc={'IDCSCALE': 0.05, 'IDCV2REF': 257.198, 'IDCV3REF': 302.54099, 'IDCXREF': 2048.0,
                  'IDCYREF': 1024.0, 'IDCTHETA': 0.0, 'OCX10': 0.00196625,
                  'OCX11': 0.04982820198343403, 'OCY10': 0.050268501,
                  'OCY11': 0.001480872422041751}),
        _Chip(ccdchip=1, crpix=(2048.0, 1024.0), crval=(179.44745732959, 55.468844054905),
              cd=(8.4637638087275e-06, -9.821243057381e-06, -1.0753099176714e-05,
                  -9.2725598619174e-06),
              order=4, a=(2.26980565534233e-06, 8.7659218658233e-11, 1.37097209030893e-13,
                  -7.5524377069386e-06, -5.2274720775073e-10, -4.9711498927607e-15,
                  8.51219434622393e-06, -1.2787639230047e-10, 9.9110202047437e-14,
                  -5.0434153011769e-10, 4.26898570512858e-14, 1.8837018847612e-14),
              b=(-9.8135485239082e-06, -3.6863672363348e-10, -1.4606453369709e-13,
                  6.42968628376577e-06, -3.7122429792254e-11, 1.57295159744762e-14,
                  -2.9607678836518e-06, -4.1928024386745e-10, -1.0746962989281e-13,
                  1.14816739647118e-10, -3.7692484241782e-14, -1.7896856075301e-14),
              idc={'IDCSCALE': 0.05, 'IDCV2REF': 261.4796, 'IDCV3REF': 198.65397, 'IDCXREF': 2048.0,
                  'IDCYREF': 1024.0, 'IDCTHETA': 0.0, 'OCX10': 0.00227238,
                  'OCX11': 0.049223206459016414, 'OCY10': 0.048577301,
                  'OCY11': 0.002122732628080167}),
    )),
}

_Cards = list[tuple[str, object, str]]

_COMMON: _Cards = [
    ("FILENAME", "", "name of file"),
    ("FILETYPE", "SCI", "type of data found in data file"),
    ("TELESCOP", "HST", "telescope used to acquire data"),
    ("INSTRUME", "", "identifier for instrument used to acquire data"),
    ("EQUINOX", 2000.0, "equinox of celestial coord. system"),
    ("ROOTNAME", "", "rootname of the observation set"),
    ("IMAGETYP", "EXT", "type of exposure identifier"),
    ("PRIMESI", "", "instrument designated as prime"),
    ("TARGNAME", "", "proposer's target name"),
    ("RA_TARG", 0.0, "right ascension of the target (deg) (J2000)"),
    ("DEC_TARG", 0.0, "declination of the target (deg) (J2000)"),
    ("PROPOSID", 0, "PEP proposal identifier"),
    ("LINENUM", "", "proposal logsheet line number"),
    ("PR_INV_L", "", "last name of principal investigator"),
    ("PR_INV_F", "", "first name of principal investigator"),
    ("PR_INV_M", "", "middle name / initial of principal investigat"),
    ("FGSLOCK", "FINE", "commanded FGS lock (FINE,COARSE,GYROS,UNKNOWN)"),
    ("GYROMODE", "T", "number of gyros scheduled, T=3+OBAD"),
    ("REFFRAME", "ICRS", "guide star catalog version"),
    ("MTFLAG", " ", "moving target flag; T if it is a moving target"),
    ("DATE-OBS", "", "UT date of start of observation (yyyy-mm-dd)"),
    ("TIME-OBS", "", "UT time of start of observation (hh:mm:ss)"),
    ("EXPSTART", 0.0, "exposure start time (Modified Julian Date)"),
    ("EXPEND", 0.0, "exposure end time (Modified Julian Date)"),
    ("EXPTIME", 0.0, "exposure duration (seconds)--calculated"),
    ("EXPFLAG", "NORMAL", "Exposure interruption indicator"),
    ("PA_V3", 0.0, "position angle of V3-axis of HST (deg)"),
    ("POSTARG1", 0.0, "POSTARG in axis 1 direction"),
    ("POSTARG2", 0.0, "POSTARG in axis 2 direction"),
    ("OBSTYPE", "IMAGING", "observation type - imaging or spectroscopic"),
    ("OBSMODE", "ACCUM", "operating mode"),
    ("SCLAMP", "NONE", "lamp status, NONE or name of lamp which is on"),
    ("NRPTEXP", 1, "number of repeat exposures in set: default 1"),
    ("SUBARRAY", False, "data from a subarray (T) or full frame (F)"),
    ("DETECTOR", "", "detector in use"),
    ("APERTURE", "", "aperture name"),
    ("PROPAPER", "", "proposed aperture name"),
    ("DIRIMAGE", "NONE", "direct image for grism or prism exposure"),
    ("DQICORR", "COMPLETE", "data quality initialization"),
    ("DARKCORR", "COMPLETE", "Subtract dark image"),
    ("FLATCORR", "COMPLETE", "flat field data"),
    ("PHOTCORR", "COMPLETE", "populate photometric header keywords"),
    ("DRIZCORR", "PERFORM", "drizzle processing"),
    ("IDCTAB", "", "origin of Polynomial Distortion"),
    ("DGEOFILE", "N/A", "Distortion correction image"),
    ("D2IMFILE", "N/A", "origin of detector to image correction"),
    ("NPOLFILE", "N/A", "origin of non-polynmial distortion model"),
    ("CCDAMP", "ABCD", "CCD Amplifier Readout Configuration"),
    ("CCDGAIN", 1.0, "commanded gain of CCD"),
]
_WFC3: _Cards = [
    ("SCAN_TYP", "N", "C:bostrophidon; D:C with dwell; N:N/A"),
    ("SCAN_RAT", 0.0, "commanded rate of the line scan (arcsec/sec)"),
    ("SCAN_LEN", 0.0, "scan length (arcsec)"),
    ("CSMID", "", "Channel Select Mechanism ID"),
    ("FILTER", "", "element selected from filter wheel"),
]
_IR: _Cards = [("SUBTYPE", "FULLIMAG", "Size/type of IR subarray"),
               ("SAMP_SEQ", "", "MultiAccum exposure time sequence name"),
               ("NSAMP", 0, "number of MULTIACCUM samples"),
               ("SAMPZERO", 2.911756, "sample time of the zeroth read (sec)"),
               ("UNITCORR", "COMPLETE", "convert to count rates"),
               ("CRCORR", "COMPLETE", "identify cosmic ray hits")]
_CCD: _Cards = [("CRSPLIT", 1, "number of cosmic ray split exposures"),
                ("CRCORR", "OMIT", "combine observations to reject cosmic rays"),
                ("PCTECORR", "COMPLETE", "cte correction"),
                ("FLASHSTA", "NOT PERFORMED", "Status: SUCCESSFUL, ABORTED, NOT PERFORMED"),
                ("SHUTRPOS", "A", "Shutter position: A or B")]
_UVIS: _Cards = [("CHINJECT", "NONE", "Charge Injection Mode"),
                 ("FLUXCORR", "COMPLETE", "Scale UVIS2 to match UVIS1 using PHTRATIO")]
_ACS: _Cards = [("FILTER1", "", "element selected from filter wheel 1"),
                ("FILTER2", "", "element selected from filter wheel 2"),
                ("LRFWAVE", 0.0, "proposed linear ramp filter wavelength")]


def _primary(detector: str) -> fits.Header:
    spec = get_detector(detector)
    cards = list(_COMMON)
    if spec.instrument == "WFC3":
        cards += _WFC3 + (_IR if spec.detector == "IR" else _CCD + _UVIS)
    else:
        cards += _ACS + _CCD
    header = fits.Header()
    for key, value, comment in cards:
        header[key] = (value, comment)
    header["INSTRUME"] = spec.instrument
    header["PRIMESI"] = spec.instrument
    header["DETECTOR"] = spec.detector
    return header


def _chip(spec_name: str, extver: int, chip: _Chip) -> ChipTemplate:
    spec = get_detector(spec_name)
    geometry = ChipGeometry(
        extver=extver, ccdchip=chip.ccdchip, shape=spec.chip_shape, crpix=chip.crpix,
        crval=chip.crval, cd=chip.cd, sip_order=chip.order,
        sip_a=tuple((f"A_{k}", v) for k, v in zip(_SIP_KEYS, chip.a)),
        sip_b=tuple((f"B_{k}", v) for k, v in zip(_SIP_KEYS, chip.b)))
    header = fits.Header()
    if spec.is_ccd:
        header["CCDCHIP"] = (chip.ccdchip, "CCD chip (1 or 2)")
    for key, value in chip.idc.items():
        header[key] = value
    return ChipTemplate(geometry, header)


def builtin_template(detector: str) -> DetectorTemplate:
    """Return the built-in template of ``detector`` (no file is read)."""
    det = _GEOMETRY[get_detector(detector).name]
    chips = tuple(_chip(detector, i, c) for i, c in enumerate(det.chips, start=1))
    return DetectorTemplate(detector, "builtin", _primary(detector), chips, det.idctab,
                            det.pa_v3_offset)
