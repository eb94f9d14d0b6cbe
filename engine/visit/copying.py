"""Copy an exposure to its SVM name and stamp the HAP keywords on the copy (spec §3.2)."""
from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from hapsvm.errors import InputError

__all__ = ["copy_and_rename", "chip_s_region"]


#: Array dtypes of a calibrated exposure; other integer encodings are converted on copy.
_DTYPES = {"SCI": np.float32, "ERR": np.float32, "DQ": np.int16}


def chip_s_region(header: fits.Header, hdul: fits.HDUList) -> str:
    """``POLYGON ICRS`` of a chip's four corner pixel centres, closed (spec §8.3).

    The chip's full distortion model (SIP and lookup tables where present) is used.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        wcs = WCS(header, hdul)
    ny, nx = header["NAXIS2"], header["NAXIS1"]
    xs = np.array([0, nx - 1, nx - 1, 0, 0], dtype=float)
    ys = np.array([0, 0, ny - 1, ny - 1, 0], dtype=float)
    ra, dec = wcs.all_pix2world(xs, ys, 0)
    return "POLYGON ICRS " + " ".join(f"{r:.7f} {d:.7f}" for r, d in zip(ra, dec))


def copy_and_rename(original: Path, target: Path, *, svm_name: str) -> None:
    """Copy ``original`` to ``target`` and update the copy's headers; the original is untouched.

    On the copy: ``HAPLEVEL = 1``, ``IPPPSSOO = ROOTNAME``, ``FILENAME = svm_name``, a missing
    ``WCSNAME`` becomes ``OPUS``, ``S_REGION`` is computed for every SCI extension, and
    integer-encoded SCI/ERR/DQ arrays (as in re-packed archive files) become float32/int16.

    Raises
    ------
    InputError
        If the copy cannot be updated (no SCI extension, invalid WCS).
    """
    shutil.copyfile(original, target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(target, mode="update") as hdul:
            prim = hdul[0].header
            prim["HAPLEVEL"] = (1, "Classification level of this product")
            prim["IPPPSSOO"] = (str(prim.get("ROOTNAME", "")).strip(), "HST rootname")
            prim["FILENAME"] = svm_name
            for hdu in hdul[1:]:
                want = _DTYPES.get(hdu.name)
                if want is not None and hdu.data is not None and hdu.data.dtype != want:
                    hdu.data = hdu.data.astype(want)
            for hdu in hdul:
                if hdu.name != "SCI":
                    continue
                if not str(hdu.header.get("WCSNAME", "")).strip():
                    hdu.header["WCSNAME"] = ("OPUS", "WCS name (none given: pipeline default)")
                try:
                    hdu.header["S_REGION"] = (chip_s_region(hdu.header, hdul),
                                              "Spatial extent of the observation")
                except (ValueError, KeyError) as err:
                    raise InputError(f"SCI,{hdu.ver} has an unusable WCS ({err})",
                                     file=original) from err
