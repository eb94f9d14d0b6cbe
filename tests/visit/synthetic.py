"""Tiny synthetic exposure files with controllable headers, for intake tests."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

BASE_PRIMARY = {
    "WFC3": {"INSTRUME": "WFC3", "DETECTOR": "IR", "FILTER": "F160W", "PROPOSID": 11359,
             "LINENUM": "21.001", "OBSTYPE": "IMAGING", "DRIZCORR": "PERFORM", "MTFLAG": "",
             "SCAN_TYP": "N", "TARGNAME": "GOODS-S", "FGSLOCK": "FINE", "EXPTIME": 200.0,
             "EXPSTART": 55107.5, "PHOTFLAM": 1.9e-20, "PHOTPLAM": 15369.0},
    "ACS": {"INSTRUME": "ACS", "DETECTOR": "WFC", "FILTER1": "F850LP", "FILTER2": "CLEAR2L",
            "PROPOSID": 9029, "LINENUM": "05.001", "OBSTYPE": "IMAGING", "DRIZCORR": "PERFORM",
            "MTFLAG": "", "TARGNAME": "NGC-1234", "FGSLOCK": "FINE", "EXPTIME": 500.0,
            "EXPSTART": 52500.2},
}


def write_exposure(path: Path, *, instrument: str = "WFC3", rootname: str = "ib6o21aaq",
                   n_sci: int = 1, zero: bool = False, shape: tuple[int, int] = (16, 16),
                   **keywords: object) -> Path:
    """Write a minimal calibrated exposure with a TAN WCS per SCI extension.

    ``keywords`` override primary-header values; a value of ``None`` removes the keyword.
    """
    prim = fits.PrimaryHDU()
    values = dict(BASE_PRIMARY[instrument], ROOTNAME=rootname, **keywords)
    for key, value in values.items():
        if value is not None:
            prim.header[key] = value
    hdus: list[fits.hdu.base.ExtensionHDU] = []
    for chip in range(1, n_sci + 1):
        data = np.zeros(shape, np.float32) if zero else np.full(shape, chip, np.float32)
        sci = fits.ImageHDU(data, name="SCI", ver=chip)
        h = sci.header
        h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
        h["CRVAL1"], h["CRVAL2"] = 53.1, -27.8 + 0.001 * chip
        h["CRPIX1"], h["CRPIX2"] = shape[1] / 2, shape[0] / 2
        h["CD1_1"], h["CD1_2"], h["CD2_1"], h["CD2_2"] = -3.5e-5, 0.0, 0.0, 3.5e-5
        if instrument == "ACS":
            h["PHOTFLAM"], h["PHOTPLAM"] = 1.5e-19, 9033.0
        hdus += [sci, fits.ImageHDU(np.ones(shape, np.float32), name="ERR", ver=chip),
                 fits.ImageHDU(np.zeros(shape, np.int16), name="DQ", ver=chip)]
    fits.HDUList([prim, *hdus]).writeto(path, overwrite=True)
    return path
