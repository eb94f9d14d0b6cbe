"""Chip geometry (TAN-SIP) and rigid motions of a detector on the sky.

Every change of pointing, roll or a-priori error is a rotation of the celestial sphere applied to
all chips of an exposure at once: the chips keep their relative geometry exactly, and a TAN-SIP
WCS maps to a TAN-SIP WCS (new CRVAL, CD rotated in its tangent plane, SIP unchanged).
Tangent-plane offsets (xi, eta) are gnomonic, xi toward East, in degrees unless stated.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import replace

import numpy as np
from astropy.io import fits

__all__ = ["ChipGeometry", "radec_to_vec", "vec_to_radec", "tan_offsets", "tan_point",
           "move_matrix", "roll_matrix", "transform_chip", "orientat", "reference_point",
           "crop_chip", "wcs_header", "apriori_matrix", "apply_matrix", "relative_pixel_area"]


@dataclass(frozen=True)
class ChipGeometry:
    """The WCS of one chip: TAN projection, CD matrix and SIP polynomials (1-based CRPIX)."""

    extver: int
    """EXTVER of the SCI extension holding this chip."""
    ccdchip: int
    """``CCDCHIP`` (detector chip number; SCI,1 is chip 2 for ACS/WFC and WFC3/UVIS)."""
    shape: tuple[int, int]
    """Image shape (ny, nx) in pixels."""
    crpix: tuple[float, float]
    """Reference pixel (1-based FITS convention)."""
    crval: tuple[float, float]
    """Sky position (RA, Dec) of the reference pixel, degrees."""
    cd: tuple[float, float, float, float]
    """CD1_1, CD1_2, CD2_1, CD2_2 in degrees per pixel."""
    sip_a: tuple[tuple[str, float], ...]
    """SIP A coefficients as (keyword, value), e.g. ('A_2_0', 8.5e-06)."""
    sip_b: tuple[tuple[str, float], ...]
    """SIP B coefficients as (keyword, value)."""
    sip_order: int
    """A_ORDER = B_ORDER."""
    offset: tuple[int, int] = (0, 0)
    """(x0, y0): first full-chip pixel (0-based) of this image when cropped to a subarray."""

    @property
    def cd_matrix(self) -> np.ndarray:
        """The CD matrix as a 2×2 array."""
        return np.array(self.cd, dtype=float).reshape(2, 2)


def radec_to_vec(ra: np.ndarray | float, dec: np.ndarray | float) -> np.ndarray:
    """Unit vectors (..., 3) of sky positions in degrees."""
    a, d = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)], axis=-1)


def vec_to_radec(vec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sky positions (RA in [0, 360), Dec) in degrees of vectors (..., 3)."""
    v = np.asarray(vec, dtype=float)
    ra = np.degrees(np.arctan2(v[..., 1], v[..., 0])) % 360.0
    dec = np.degrees(np.arctan2(v[..., 2], np.hypot(v[..., 0], v[..., 1])))
    return ra, dec


def tan_offsets(ra: np.ndarray | float, dec: np.ndarray | float, ra0: float,
                dec0: float) -> tuple[np.ndarray, np.ndarray]:
    """Gnomonic offsets (xi East, eta North) in degrees of (ra, dec) about (ra0, dec0)."""
    a, d = np.radians(ra), np.radians(dec)
    a0, d0 = math.radians(ra0), math.radians(dec0)
    cosc = np.sin(d0) * np.sin(d) + np.cos(d0) * np.cos(d) * np.cos(a - a0)
    xi = np.cos(d) * np.sin(a - a0) / cosc
    eta = (np.cos(d0) * np.sin(d) - np.sin(d0) * np.cos(d) * np.cos(a - a0)) / cosc
    return np.degrees(xi), np.degrees(eta)


def tan_point(xi: np.ndarray | float, eta: np.ndarray | float, ra0: float,
              dec0: float) -> tuple[np.ndarray, np.ndarray]:
    """Sky position (degrees) of gnomonic offsets (xi, eta) in degrees about (ra0, dec0)."""
    x, y = np.radians(xi), np.radians(eta)
    d0 = math.radians(dec0)
    den = math.cos(d0) - y * math.sin(d0)
    ra = ra0 + np.degrees(np.arctan2(x, den))
    dec = np.degrees(np.arctan2(math.sin(d0) + y * math.cos(d0), np.hypot(x, den)))
    return np.asarray(ra % 360.0), np.asarray(dec)


def _rodrigues(axis: np.ndarray, angle: float) -> np.ndarray:
    k = axis / np.linalg.norm(axis)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + math.sin(angle) * kx + (1 - math.cos(angle)) * kx @ kx


def move_matrix(ra1: float, dec1: float, ra2: float, dec2: float) -> np.ndarray:
    """Rotation taking (ra1, dec1) to (ra2, dec2) along their great circle."""
    v1, v2 = radec_to_vec(ra1, dec1), radec_to_vec(ra2, dec2)
    axis = np.cross(v1, v2)
    s, c = np.linalg.norm(axis), float(np.dot(v1, v2))
    if s < 1e-15:
        return np.eye(3)
    return _rodrigues(axis, math.atan2(s, c))


def roll_matrix(ra: float, dec: float, dpa_deg: float) -> np.ndarray:
    """Rotation about (ra, dec) that increases position angles there by ``dpa_deg``."""
    return _rodrigues(radec_to_vec(ra, dec), -math.radians(dpa_deg))


def apriori_matrix(ref_ra: float, ref_dec: float, dx_arcsec: float, dy_arcsec: float,
                   rot_deg: float) -> np.ndarray:
    """Sky rotation from true to header positions: roll by ``rot_deg`` about the reference point,
    then shift it by (dx, dy) arcsec (ΔRA·cosδ, ΔDec, as tangent-plane offsets)."""
    ra2, dec2 = tan_point(dx_arcsec / 3600.0, dy_arcsec / 3600.0, ref_ra, ref_dec)
    return move_matrix(ref_ra, ref_dec, float(ra2), float(dec2)) @ roll_matrix(ref_ra, ref_dec,
                                                                             rot_deg)


def apply_matrix(matrix: np.ndarray, ra: np.ndarray | float,
                 dec: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """Apply a sky rotation to positions in degrees."""
    return vec_to_radec(radec_to_vec(ra, dec) @ np.asarray(matrix).T)


def _pa_rotation(angle_deg: float) -> np.ndarray:
    t = math.radians(angle_deg)
    return np.array([[math.cos(t), math.sin(t)], [-math.sin(t), math.cos(t)]])


def transform_chip(chip: ChipGeometry, matrix: np.ndarray) -> ChipGeometry:
    """Move a chip rigidly with sky rotation ``matrix`` (exact for TAN-SIP)."""
    ra0, dec0 = chip.crval
    step = 1e-3 if dec0 < 89.0 else -1e-3
    ra1, dec1 = apply_matrix(matrix, ra0, dec0)
    ra_n, dec_n = apply_matrix(matrix, ra0, dec0 + step)
    xi, eta = tan_offsets(ra_n, dec_n, float(ra1), float(dec1))
    phi = math.degrees(math.atan2(float(xi), float(eta)))
    if step < 0:
        phi -= 180.0
    cd = _pa_rotation(phi) @ chip.cd_matrix
    return replace(chip, crval=(float(ra1), float(dec1)), cd=tuple(cd.ravel().tolist()))


def orientat(cd: np.ndarray | tuple[float, ...]) -> float:
    """Position angle (deg East of North) of the image +y axis for a CD matrix."""
    m = np.asarray(cd, dtype=float).reshape(2, 2)
    return math.degrees(math.atan2(m[0, 1], m[1, 1]))


def reference_point(chips: list[ChipGeometry]) -> tuple[float, float]:
    """The detector's reference point: the chip CRVAL, or the mid-point of the chips' CRVALs."""
    vec = sum(radec_to_vec(*c.crval) for c in chips)
    ra, dec = vec_to_radec(np.asarray(vec))
    return float(ra), float(dec)


def crop_chip(chip: ChipGeometry, shape: tuple[int, int]) -> ChipGeometry:
    """Keep the ``shape`` (ny, nx) region around the chip centre; CRPIX moves with it, so the
    SIP polynomials (relative to CRPIX) and the sky position of every kept pixel are unchanged."""
    ny, nx = shape
    full_ny, full_nx = chip.shape
    if ny >= full_ny and nx >= full_nx:
        return chip
    x0, y0 = (full_nx - nx) // 2, (full_ny - ny) // 2
    return replace(chip, shape=(ny, nx), crpix=(chip.crpix[0] - x0, chip.crpix[1] - y0),
                   offset=(chip.offset[0] + x0, chip.offset[1] + y0))


def wcs_header(chip: ChipGeometry, wcsname: str) -> fits.Header:
    """FITS WCS keywords (TAN-SIP, CD matrix, ICRS) of a chip."""
    h = fits.Header()
    h["WCSAXES"] = (2, "number of World Coordinate System axes")
    h["CRPIX1"] = (chip.crpix[0], "x-coordinate of reference pixel")
    h["CRPIX2"] = (chip.crpix[1], "y-coordinate of reference pixel")
    h["CRVAL1"] = (chip.crval[0], "first axis value at reference pixel")
    h["CRVAL2"] = (chip.crval[1], "second axis value at reference pixel")
    h["CTYPE1"] = ("RA---TAN-SIP", "TAN (gnomonic) projection + SIP distortions")
    h["CTYPE2"] = ("DEC--TAN-SIP", "TAN (gnomonic) projection + SIP distortions")
    h["CUNIT1"] = ("deg", "units of coordinate increment and value")
    h["CUNIT2"] = ("deg", "units of coordinate increment and value")
    for key, value in zip(("CD1_1", "CD1_2", "CD2_1", "CD2_2"), chip.cd):
        h[key] = (value, "partial of axis coordinate w.r.t. pixel")
    h["RADESYS"] = ("ICRS", "equatorial coordinate system")
    h["WCSNAME"] = (wcsname, "coordinate system title")
    h["A_ORDER"] = (chip.sip_order, "SIP polynomial order, axis 0, detector to sky")
    for key, value in chip.sip_a:
        h[key] = (value, "SIP distortion coefficient")
    h["B_ORDER"] = (chip.sip_order, "SIP polynomial order, axis 1, detector to sky")
    for key, value in chip.sip_b:
        h[key] = (value, "SIP distortion coefficient")
    return h


def relative_pixel_area(wcs: object, x: np.ndarray, y: np.ndarray,
                        pixel_scale: float) -> np.ndarray:
    """Sky area of the pixels at 0-based (x, y) under ``wcs`` (SIP included), in units of
    ``pixel_scale``² — the value of HST's pixel area map (PAM) there.

    A flat-fielded FLT/FLC holds a point source's counts divided by this factor.
    """
    x, y = np.asarray(x, float), np.asarray(y, float)
    ra0, dec0 = wcs.wcs.crval  # type: ignore[attr-defined]
    corners = []
    for dx, dy in ((-0.5, 0.0), (0.5, 0.0), (0.0, -0.5), (0.0, 0.5)):
        ra, dec = wcs.all_pix2world(x + dx, y + dy, 0)  # type: ignore[attr-defined]
        corners.append(tan_offsets(ra, dec, float(ra0), float(dec0)))
    (xl, yl), (xr, yr), (xb, yb), (xt, yt) = corners
    det = (xr - xl) * (yt - yb) - (xt - xb) * (yr - yl)
    return np.abs(det) * 3600.0 ** 2 / pixel_scale ** 2
