"""Chip WCSs with their full distortion model, and the tangent plane the fits are made in."""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

__all__ = ["read_chip_wcs", "read_exposure_wcs", "sci_extvers", "TangentPlane", "plane_for"]


def sci_extvers(hdul: fits.HDUList) -> list[int]:
    """EXTVER of every SCI extension, in file order."""
    return [int(h.ver) for h in hdul if h.name == "SCI"]


def read_chip_wcs(hdul: fits.HDUList, extver: int, *, key: str = " ") -> WCS:
    """The ``(SCI, extver)`` WCS with SIP and NPOL/D2IM lookup tables where present.

    ``key`` selects an alternate WCS (``A``-``Z``; its distortion is the chip's). ``pixel_shape``
    is set from the data shape so correctors know the chip size.
    """
    hdu = hdul["SCI", extver]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        wcs = WCS(hdu.header, hdul, key=key)
    ny, nx = int(hdu.header["NAXIS2"]), int(hdu.header["NAXIS1"])
    wcs.pixel_shape = (nx, ny)
    return wcs


def read_exposure_wcs(path: Path) -> tuple[str, dict[int, WCS]]:
    """The prior ``WCSNAME`` (``OPUS`` if blank) and every chip's WCS of a file (read-only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path, mode="readonly") as hdul:
            prior = str(hdul["SCI", 1].header.get("WCSNAME", "") or "").strip() or "OPUS"
            return prior, {ver: read_chip_wcs(hdul, ver) for ver in sci_extvers(hdul)}


@dataclass(frozen=True)
class TangentPlane:
    """A north-up gnomonic plane in which matching, fitting and corrections are expressed.

    Attributes
    ----------
    ra_deg, dec_deg
        Tangent point (degrees).
    scale_arcsec
        Size of one plane unit (arcsec); the detector's pixel scale, so that matching radii
        are in detector pixels.
    """

    ra_deg: float
    dec_deg: float
    scale_arcsec: float

    def wcs(self) -> WCS:
        """A distortion-free TAN WCS of the plane (pixel (0, 0) at the tangent point)."""
        wcs = WCS(naxis=2)
        wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        wcs.wcs.crval = [self.ra_deg, self.dec_deg]
        wcs.wcs.crpix = [1.0, 1.0]
        s = self.scale_arcsec / 3600.0
        wcs.wcs.cd = [[-s, 0.0], [0.0, s]]
        wcs.pixel_shape = (2, 2)
        wcs.wcs.set()
        return wcs

    def to_plane(self, ra: np.ndarray, dec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Sky (degrees) → plane coordinates (arcsec, x towards west... i.e. -RA, y north)."""
        x, y = self.wcs().wcs_world2pix(ra, dec, 0)
        return np.asarray(x) * self.scale_arcsec, np.asarray(y) * self.scale_arcsec


def plane_for(wcses: list[WCS]) -> TangentPlane:
    """The plane centred on the middle of the chips' footprints, at their pixel scale."""
    corners = []
    for wcs in wcses:
        nx, ny = wcs.pixel_shape
        xs = np.array([0, nx - 1, nx - 1, 0], float)
        ys = np.array([0, 0, ny - 1, ny - 1], float)
        ra, dec = wcs.all_pix2world(xs, ys, 0)
        corners.append(np.column_stack([ra, dec]))
    pts = np.vstack(corners)
    vec = np.column_stack([np.cos(np.radians(pts[:, 1])) * np.cos(np.radians(pts[:, 0])),
                           np.cos(np.radians(pts[:, 1])) * np.sin(np.radians(pts[:, 0])),
                           np.sin(np.radians(pts[:, 1]))]).mean(axis=0)
    ra0 = float(np.degrees(np.arctan2(vec[1], vec[0])) % 360.0)
    dec0 = float(np.degrees(np.arctan2(vec[2], np.hypot(vec[0], vec[1]))))
    scale = float(np.sqrt(abs(np.linalg.det(wcses[0].pixel_scale_matrix))) * 3600.0)
    return TangentPlane(ra0, dec0, round(scale, 6))
