"""Drizzled products as catalogue inputs: SCI (e⁻/s), WHT, CTX, WCS and header facts."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs.utils import proj_plane_pixel_scales

from hapsvm.errors import InputError

__all__ = ["HEADER_KEYS", "ProductImage", "exposure_count", "product_grid", "read_product",
           "without_pixels"]

log = logging.getLogger(__name__)

#: (catalogue metadata name, header keyword) pairs copied into the ECSV header (spec §9.6).
HEADER_KEYS = (("WCSNAME", "WCSNAME"), ("WCSTYPE", "WCSTYPE"), ("Proposal ID", "PROPOSID"),
               ("Target Name", "TARGNAME"), ("Date Observed", "DATE-OBS"),
               ("Time Observed", "TIME-OBS"), ("Instrument", "INSTRUME"),
               ("Detector", "DETECTOR"), ("Target RA", "RA_TARG"), ("Target DEC", "DEC_TARG"),
               ("Orientation", "ORIENTAT"), ("Aperture RA", "RA_APER"),
               ("Aperture DEC", "DEC_APER"), ("Aperture PA", "PA_APER"),
               ("Exposure Start", "EXPSTART"), ("Total Exposure Time", "TEXPTIME"),
               ("CCD Gain", "CCDGAIN"), ("Filter 1", "FILTER1"), ("Filter 2", "FILTER2"))
_WCS_KEYS = ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CTYPE1", "CTYPE2", "CD1_1", "CD1_2",
             "CD2_1", "CD2_2", "NAXIS1", "NAXIS2")


@dataclass
class ProductImage:
    """One drizzled product (filter or total) with what the catalogues need."""

    sci: np.ndarray
    """Science array (ny, nx), e⁻/s, float32; NaN replaced by 0."""
    wht: np.ndarray
    """Weight array (ny, nx), float32 (≈ exposure time per pixel)."""
    ctx: np.ndarray | None
    """Context bit planes (nplanes, ny, nx) int32, or None when the product has no CTX."""
    wcs: WCS
    """Celestial WCS of the SCI extension."""
    filter_name: str
    """Filter (``f098m``), or ``total`` for the detection product."""
    photflam: float
    """Inverse sensitivity, erg cm⁻² Å⁻¹ per e⁻ (0 when absent)."""
    photplam: float
    """Pivot wavelength, Å (0 when absent)."""
    exptime: float
    """Total exposure time (TEXPTIME, else EXPTIME), s."""
    ndrizim: int
    """Number of input images drizzled (NDRIZIM, else the number of CTX bits used)."""
    read_noise: float
    """Largest READNSE* value, e⁻ (0 when absent)."""
    path: Path | None = None
    """The file, when read from disk."""
    header_meta: dict[str, object] = field(default_factory=dict)
    """Catalogue-header values (spec §9.6 names) found in the product headers."""
    count: np.ndarray | None = None
    """Per-pixel number of contributing inputs (int16), when computed at read time (the CTX
    planes are then not kept: ``ctx`` is None)."""

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx)."""
        return self.sci.shape  # type: ignore[return-value]

    @property
    def pixel_scale_arcsec(self) -> float:
        """Mean pixel scale of the SCI grid, arcsec."""
        scales = proj_plane_pixel_scales(self.wcs.celestial) * 3600.0
        return float(math.sqrt(scales[0] * scales[1]))

    @property
    def is_blank(self) -> bool:
        """True when SCI holds no non-zero finite value (spec §9.1: empty catalogues)."""
        return not bool(np.any(self.sci != 0))


def _first(headers: list[fits.Header], key: str, default: object = None) -> object:
    for hdr in headers:
        if key in hdr and hdr[key] is not None and str(hdr[key]).strip() != "":
            return hdr[key]
    return default


def _read_noise(headers: list[fits.Header]) -> float:
    values = [float(v) for h in headers for k, v in h.items()
              if k.startswith("READNSE") and isinstance(v, (int, float))]
    return max(values) if values else 0.0


def read_product(path: Path, *, filter_name: str | None = None) -> ProductImage:
    """Read a drizzled product (``PRIMARY``, ``SCI``, ``WHT``, optional ``CTX``).

    Parameters
    ----------
    path
        The ``*_drz.fits`` / ``*_drc.fits`` file.
    filter_name
        Overrides the FILTER keyword (``total`` for the detection product).

    Raises
    ------
    InputError
        If the file lacks a SCI or WHT extension or their shapes differ.
    """
    with fits.open(path, memmap=False) as hdul:
        names = [h.name for h in hdul]
        for ext in ("SCI", "WHT"):
            if ext not in names:
                raise InputError(f"drizzled product has no {ext} extension (has {names})",
                                 file=path)
        primary, sci_hdr = hdul[0].header, hdul["SCI"].header
        sci = np.nan_to_num(np.asarray(hdul["SCI"].data, dtype=np.float32), nan=0.0)
        wht = np.nan_to_num(np.asarray(hdul["WHT"].data, dtype=np.float32), nan=0.0)
        ctx = None
        if "CTX" in names and hdul["CTX"].data is not None:
            ctx = np.asarray(hdul["CTX"].data, dtype=np.int32)
            ctx = ctx[None] if ctx.ndim == 2 else ctx
            hdul["CTX"].data = None
        wcs = WCS(sci_hdr, hdul).celestial
    if sci.shape != wht.shape:
        raise InputError(f"SCI {sci.shape} and WHT {wht.shape} shapes differ", file=path)
    headers = [sci_hdr, primary]
    meta: dict[str, object] = {k: _first(headers, kw) for k, kw in HEADER_KEYS
                               if _first(headers, kw) is not None}
    meta["Image File Name"] = path.name
    meta.update({k: sci_hdr[k] for k in _WCS_KEYS if k in sci_hdr})
    texp = _first(headers, "TEXPTIME", _first(headers, "EXPTIME", 0.0))
    nbits = int(np.count_nonzero(np.bitwise_or.reduce(ctx.reshape(ctx.shape[0], -1), axis=1))) \
        if ctx is not None else 0
    fname = filter_name or str(_first([primary, sci_hdr], "FILTER", "")).lower()
    image = ProductImage(sci=sci, wht=wht, ctx=ctx, wcs=wcs, filter_name=fname,
                         photflam=_number(_first(headers, "PHOTFLAM", 0.0)),
                         photplam=_number(_first(headers, "PHOTPLAM", 0.0)),
                         exptime=_number(texp),
                         ndrizim=int(_number(_first(headers, "NDRIZIM", nbits or 1))),
                         read_noise=_read_noise(headers), path=Path(path), header_meta=meta)
    # keep the int16 count instead of the int32 CTX planes (the only use of CTX here)
    return replace(image, count=exposure_count(image), ctx=None)


def product_grid(path: Path) -> tuple[WCS, tuple[int, int]]:
    """Celestial WCS and (ny, nx) of a drizzled product's SCI extension (no pixels read)."""
    with fits.open(path, memmap=False) as hdul:
        if "SCI" not in [h.name for h in hdul]:
            raise InputError("drizzled product has no SCI extension", file=path)
        hdr = hdul["SCI"].header
        return WCS(hdr, hdul).celestial, (int(hdr["NAXIS2"]), int(hdr["NAXIS1"]))


def without_pixels(image: ProductImage) -> ProductImage:
    """``image`` with zero-memory stand-ins for its arrays (shape, WCS and header facts kept)."""
    blank = np.broadcast_to(np.float32(0.0), image.shape)
    return replace(image, sci=blank, wht=blank, ctx=None,
                   count=np.broadcast_to(np.int16(0), image.shape))


def _number(value: object) -> float:
    """A header value as a float (0 when it is not a number)."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0


def exposure_count(image: ProductImage) -> np.ndarray:
    """Per-pixel number of contributing inputs (popcount of CTX; WHT > 0 when there is none).

    Examples
    --------
    >>> ctx = np.array([[[0b101, 0b1, 0]]], dtype=np.int32)
    >>> img = ProductImage(sci=np.zeros((1, 3), np.float32), wht=np.ones((1, 3), np.float32),
    ...                    ctx=ctx, wcs=WCS(naxis=2), filter_name="f1", photflam=0.0,
    ...                    photplam=0.0, exptime=1.0, ndrizim=2, read_noise=0.0)
    >>> exposure_count(img).tolist()
    [[2, 1, 0]]
    """
    if image.count is not None:
        return image.count
    if image.ctx is None:
        return (image.wht > 0).astype(np.int16)
    count = np.zeros(image.shape, dtype=np.int16)
    for plane in image.ctx:
        bits = plane.view(np.uint32)
        for b in range(32):
            if not np.any(bits >> b):
                break
            count += ((bits >> b) & 1).astype(np.int16)
    return count
