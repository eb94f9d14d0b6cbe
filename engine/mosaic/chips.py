"""Chips of the renamed exposure copies: WCS with full distortion, units, noise, data on demand."""
from __future__ import annotations

import hashlib
import warnings
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from hapsvm.errors import InputError

__all__ = ["Chip", "Exposure", "chip_wcs", "read_chip_arrays", "read_exposure_chips"]

_AMPS = "ABCD"


@dataclass
class Chip:
    """One SCI extension of an exposure copy (headers and WCS only; data are read on demand)."""

    path: Path
    extver: int
    shape: tuple[int, int]
    """(ny, nx) in pixels."""
    wcs: WCS
    """Full-distortion WCS (SIP, lookup tables) of the chip."""
    header: fits.Header
    """The SCI header."""
    exptime: float
    """Exposure time of the exposure, seconds."""
    in_units: str
    """``counts`` (e-) or ``cps`` (e-/s), from BUNIT."""
    pixel_scale_arcsec: float
    """Nominal linear pixel scale (IDCSCALE, else from the CD matrix)."""
    readnoise: float
    """Read noise in electrons (mean of the amplifiers' READNSE values)."""
    wcs_key: str = field(default="")
    """Digest of the WCS (keys the pixel-map cache)."""

    @property
    def name(self) -> str:
        """``<file>[SCI,<extver>]``."""
        return f"{self.path.name}[SCI,{self.extver}]"

    def to_electrons(self) -> float:
        """Factor converting the chip's pixel values to electrons."""
        return self.exptime if self.in_units == "cps" else 1.0


@dataclass
class Exposure:
    """The direct-image chips of one renamed exposure copy."""

    rootname: str
    path: Path
    primary: fits.Header
    chips: list[Chip]
    exptime: float
    expstart: float
    expend: float


def _wcs_digest(wcs: WCS) -> str:
    digest = hashlib.sha1(wcs.to_header_string(relax=True).encode())
    for table in (wcs.cpdis1, wcs.cpdis2, wcs.det2im1, wcs.det2im2):
        if table is not None:
            digest.update(np.ascontiguousarray(table.data).tobytes())
    return digest.hexdigest()[:16]


def chip_wcs(header: fits.Header, hdul: fits.HDUList) -> WCS:
    """Full-distortion astropy WCS of a chip; raises ``InputError`` if the header has none."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        try:
            wcs = WCS(header, hdul)
        except (ValueError, KeyError, MemoryError) as err:
            raise InputError(f"SCI,{header.get('EXTVER', 1)} has no usable WCS ({err})",
                             file=hdul.filename()) from err
    if not wcs.has_celestial:
        raise InputError(f"SCI,{header.get('EXTVER', 1)} has no celestial WCS",
                         file=hdul.filename())
    wcs.pixel_shape = (header["NAXIS1"], header["NAXIS2"])
    return wcs


def _readnoise(primary: fits.Header) -> float:
    values = [float(primary[f"READNSE{a}"]) for a in _AMPS
              if isinstance(primary.get(f"READNSE{a}"), (int, float))
              and float(primary[f"READNSE{a}"]) > 0]
    return float(np.mean(values)) if values else 0.0


def _pixel_scale(header: fits.Header, wcs: WCS) -> float:
    idcscale = header.get("IDCSCALE")
    if isinstance(idcscale, (int, float)) and idcscale > 0:
        return float(idcscale)
    cd = wcs.celestial.pixel_scale_matrix
    return float(np.sqrt(abs(np.linalg.det(cd))) * 3600.0)


def read_exposure_chips(path: Path, rootname: str | None = None) -> Exposure:
    """Read the headers and WCSs of every SCI chip of an exposure copy (no pixel data).

    Parameters
    ----------
    path
        A renamed FLT/FLC copy.
    rootname
        The exposure's rootname (default: the primary ``ROOTNAME``).

    Raises
    ------
    InputError
        If the file has no SCI extension, no exposure time or an unusable WCS.
    """
    with fits.open(path) as hdul:
        primary = hdul[0].header.copy()
        exptime = float(primary.get("EXPTIME", 0.0))
        if exptime <= 0:
            raise InputError(f"EXPTIME {exptime} is not positive", file=path)
        chips = []
        for hdu in hdul:
            if hdu.name != "SCI" or hdu.header.get("NAXIS", 0) != 2:
                continue
            header = hdu.header.copy()
            wcs = chip_wcs(header, hdul)
            bunit = str(header.get("BUNIT", primary.get("BUNIT", "ELECTRONS"))).upper()
            chips.append(Chip(path=Path(path), extver=int(header.get("EXTVER", 1)),
                              shape=(header["NAXIS2"], header["NAXIS1"]), wcs=wcs,
                              header=header, exptime=exptime,
                              in_units="cps" if "/S" in bunit else "counts",
                              pixel_scale_arcsec=_pixel_scale(header, wcs),
                              readnoise=_readnoise(primary), wcs_key=_wcs_digest(wcs)))
    if not chips:
        raise InputError("no 2-D SCI extension", file=path)
    root = rootname or str(primary.get("ROOTNAME", Path(path).stem)).strip().lower()
    return Exposure(rootname=root, path=Path(path), primary=primary, chips=chips,
                    exptime=exptime, expstart=float(primary.get("EXPSTART", 0.0)),
                    expend=float(primary.get("EXPEND", primary.get("EXPSTART", 0.0))))


def read_chip_arrays(chip: Chip) -> tuple[np.ndarray, np.ndarray]:
    """SCI (float32; NaN → 0, ±inf → the largest float32 values, as ``numpy.nan_to_num``) and
    DQ (uint32 holding the 16-bit values, zeros when absent) arrays of one chip."""
    with fits.open(chip.path, memmap=False) as hdul:
        sci = np.asarray(hdul["SCI", chip.extver].data, dtype=np.float32)
        try:
            raw = np.asarray(hdul["DQ", chip.extver].data)
        except KeyError:
            raw = np.zeros(sci.shape, dtype=np.int64)
    if raw.shape != sci.shape:
        raw = np.zeros(sci.shape, dtype=np.int64)
    if raw.dtype.kind == "i" and raw.dtype.itemsize == 2:
        # 16-bit signed DQ: its bit pattern as unsigned, without a 64-bit copy
        dq = raw.view(raw.dtype.str.replace("i", "u")).astype(np.uint32)
    else:
        dq = (raw.astype(np.int64) & 0xFFFF).astype(np.uint32)
    if not np.isfinite(sci).all():
        np.nan_to_num(sci, copy=False)
    return sci, dq
