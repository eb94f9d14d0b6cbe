"""The common output grid of a detector ("metawcs", spec §7.1): North up, native scale."""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from hapsvm.errors import InputError
from hapsvm.mosaic.outline import edge_pixels

__all__ = ["OutputGrid", "build_output_grid", "chip_outline_sky", "footprint_center"]


@dataclass(frozen=True)
class OutputGrid:
    """A North-up TAN grid shared by every drizzle product of one detector."""

    crval: tuple[float, float]
    """Sky position (RA, Dec) of the reference pixel, degrees."""
    crpix: tuple[float, float]
    """Reference pixel (1-based FITS convention)."""
    pixel_scale_arcsec: float
    """Pixel side, arcseconds."""
    shape: tuple[int, int]
    """(ny, nx) in pixels."""
    rotation_deg: float = 0.0
    """Position angle of the grid's +y axis, degrees East of North (0: North up)."""

    @property
    def wcs(self) -> WCS:
        """A fresh astropy WCS of the grid (safe to modify)."""
        scale = self.pixel_scale_arcsec / 3600.0
        rot = math.radians(self.rotation_deg)
        cd = scale * np.array([[-math.cos(rot), math.sin(rot)], [math.sin(rot), math.cos(rot)]])
        wcs = WCS(naxis=2)
        wcs.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        wcs.wcs.cunit = ["deg", "deg"]
        wcs.wcs.crval = list(self.crval)
        wcs.wcs.crpix = list(self.crpix)
        wcs.wcs.cd = cd
        wcs.wcs.radesys = "ICRS"
        wcs.wcs.set()
        wcs.pixel_shape = (self.shape[1], self.shape[0])
        return wcs

    def header(self) -> fits.Header:
        """FITS WCS keywords of the grid, CD-matrix form (as HST drizzle products)."""
        wcs = self.wcs
        h = fits.Header()
        h["WCSAXES"] = (2, "Number of coordinate axes")
        for i in (1, 2):
            h[f"CRPIX{i}"] = (float(wcs.wcs.crpix[i - 1]), "Pixel coordinate of reference point")
        for i in (1, 2):
            h[f"CRVAL{i}"] = (float(wcs.wcs.crval[i - 1]), "Coordinate value at reference point")
        h["CTYPE1"], h["CTYPE2"] = "RA---TAN", "DEC--TAN"
        h["CUNIT1"], h["CUNIT2"] = "deg", "deg"
        for (i, j), value in np.ndenumerate(wcs.wcs.cd):
            h[f"CD{i + 1}_{j + 1}"] = (float(value), "Coordinate transformation matrix element")
        h["RADESYS"] = ("ICRS", "Equatorial coordinate system")
        return h

    @property
    def digest(self) -> str:
        """A short text identifying the grid exactly (part of the pixel-map cache keys)."""
        return (f"{self.crval[0]:.10f},{self.crval[1]:.10f},{self.crpix[0]:.6f},"
                f"{self.crpix[1]:.6f},{self.pixel_scale_arcsec:.8f},{self.shape},"
                f"{self.rotation_deg:.6f}")


def chip_outline_sky(wcs: WCS, shape: tuple[int, int], *, n_per_side: int = 8
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Sky positions (RA, Dec) along the outer pixel edges of a chip, corners included.

    Parameters
    ----------
    wcs
        The chip's full-distortion WCS.
    shape
        (ny, nx) of the chip.
    n_per_side
        Points per side (the distortion bends the sides slightly).
    """
    xs, ys = edge_pixels(shape, n_per_side)
    ra, dec = wcs.all_pix2world(xs, ys, 0)
    return np.asarray(ra), np.asarray(dec)


def footprint_center(ra: np.ndarray, dec: np.ndarray) -> tuple[float, float]:
    """Geographic mid-point (normalised mean unit vector) of sky positions, degrees.

    Examples
    --------
    >>> footprint_center(np.array([359.0, 1.0]), np.array([0.0, 0.0]))
    (0.0, 0.0)
    """
    a, d = np.radians(ra), np.radians(dec)
    vec = np.stack([np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)]).mean(axis=1)
    vec /= np.linalg.norm(vec)
    ra0 = math.degrees(math.atan2(vec[1], vec[0])) % 360.0
    dec0 = math.degrees(math.asin(max(-1.0, min(1.0, vec[2]))))
    return round(ra0, 12) % 360.0, round(dec0, 12)


def build_output_grid(outlines: list[tuple[np.ndarray, np.ndarray]], *,
                      pixel_scale_arcsec: float, rotation_deg: float = 0.0) -> OutputGrid:
    """Build the grid covering every chip outline (spec §7.1).

    The tangent point starts at the footprint centre; the frame is the smallest pixel box that
    contains every outline point, and CRPIX/CRVAL are then moved to the frame's centre pixel
    (as stwcs ``output_wcs`` does), rotated by ``rotation_deg`` (0: North up).

    Parameters
    ----------
    outlines
        (RA, Dec) arrays of each chip's outline, degrees (see :func:`chip_outline_sky`).
    pixel_scale_arcsec
        Output pixel side, arcseconds (the detector's native scale for SVM).
    rotation_deg
        Orientation of the output +y axis, degrees East of North.

    Raises
    ------
    InputError
        If there is no outline or the scale is not positive.

    Examples
    --------
    >>> ra = np.array([10.0, 10.01, 10.01, 10.0]); dec = np.array([0.0, 0.0, 0.01, 0.01])
    >>> g = build_output_grid([(ra, dec)], pixel_scale_arcsec=0.36)
    >>> g.shape
    (100, 100)
    """
    if not outlines or pixel_scale_arcsec <= 0:
        raise InputError(f"cannot build an output grid from {len(outlines)} chips at "
                         f"{pixel_scale_arcsec} arcsec/pixel")
    ra = np.concatenate([o[0] for o in outlines])
    dec = np.concatenate([o[1] for o in outlines])
    crval = footprint_center(ra, dec)
    trial = OutputGrid(crval=crval, crpix=(0.0, 0.0), pixel_scale_arcsec=pixel_scale_arcsec,
                       shape=(1, 1), rotation_deg=rotation_deg)
    x, y = trial.wcs.wcs_world2pix(ra, dec, 0)
    # Outline points lie on outer pixel edges: the frame's first pixel edge is at -0.5.
    nx = max(1, math.ceil(np.max(x) - np.min(x) - 1e-6))
    ny = max(1, math.ceil(np.max(y) - np.min(y) - 1e-6))
    x_mid = np.min(x) + nx / 2.0      # frame pixel (nx - 1) / 2 in trial coordinates
    y_mid = np.min(y) + ny / 2.0
    ra_mid, dec_mid = trial.wcs.wcs_pix2world([[x_mid, y_mid]], 0)[0]
    # CRPIX (1-based) at the frame centre, CRVAL at that pixel's sky position.
    return OutputGrid(crval=(float(ra_mid) % 360.0, float(dec_mid)),
                      crpix=((nx - 1) / 2.0 + 1.0, (ny - 1) / 2.0 + 1.0),
                      pixel_scale_arcsec=pixel_scale_arcsec, shape=(ny, nx),
                      rotation_deg=rotation_deg)
