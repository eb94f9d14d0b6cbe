"""A WCS correction as an affine map of a tangent plane: measure it, describe it, apply it."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.wcs import WCS
from tweakwcs.correctors import FITSWCSCorrector

from hapsvm.align.chip_wcs import TangentPlane

__all__ = ["SkyCorrection", "identity_correction", "measure_correction", "wcs_grid_sky"]



@dataclass(frozen=True)
class SkyCorrection:
    """``p_new = matrix @ p_old + shift`` in a tangent plane (p in arcsec, x west, y north).

    The same correction applied to two WCSs of one pointing (a direct image and a grism image
    taken with the same guide stars) moves their sky positions identically.
    """

    plane: TangentPlane
    matrix: tuple[tuple[float, float], tuple[float, float]]
    shift_arcsec: tuple[float, float]

    @property
    def rotation_deg(self) -> float:
        """Proper rotation angle (degrees, tweakwcs sign convention)."""
        m = np.asarray(self.matrix)
        return float(np.degrees(np.arctan2(m[0, 1] - m[1, 0], m[0, 0] + m[1, 1])))

    @property
    def scale(self) -> float:
        """Isotropic scale factor (square root of the determinant)."""
        return float(np.sqrt(abs(np.linalg.det(np.asarray(self.matrix)))))

    @property
    def skew_deg(self) -> float:
        """Difference of the axis rotations (degrees); zero for rshift/rscale fits."""
        m = np.asarray(self.matrix)
        rx = np.degrees(np.arctan2(-m[1, 0], m[0, 0]))
        ry = np.degrees(np.arctan2(m[0, 1], m[1, 1]))
        return float(ry - rx)

    @property
    def offset_radec_arcsec(self) -> tuple[float, float]:
        """(ΔRA·cosδ, ΔDec) of the tangent point, arcsec."""
        return -self.shift_arcsec[0], self.shift_arcsec[1]

    def then(self, other: SkyCorrection) -> SkyCorrection:
        """This correction followed by ``other`` (both in this plane)."""
        m1, m2 = np.asarray(self.matrix), np.asarray(other.matrix)
        matrix = m2 @ m1
        shift = m2 @ np.asarray(self.shift_arcsec) + np.asarray(other.shift_arcsec)
        return _make(self.plane, matrix, shift)

    def apply(self, wcs: WCS) -> WCS:
        """A copy of ``wcs`` with the correction folded into CRVAL and the CD matrix.

        Distortion (SIP, lookup tables) is kept; the correction is exact at the reference
        pixel and linearised over the chip, like tweakwcs/drizzlepac header updates.
        """
        corrector = FITSWCSCorrector(wcs.deepcopy())
        ref = FITSWCSCorrector(self.plane.wcs())
        shift_units = np.asarray(self.shift_arcsec) / self.plane.scale_arcsec
        corrector.set_correction(matrix=np.asarray(self.matrix), shift=shift_units,
                                 ref_tpwcs=ref)
        return corrector.wcs


def _make(plane: TangentPlane, matrix: np.ndarray, shift: np.ndarray) -> SkyCorrection:
    m = tuple(tuple(float(v) for v in row) for row in matrix)
    return SkyCorrection(plane, m, (float(shift[0]), float(shift[1])))  # type: ignore[arg-type]


def identity_correction(plane: TangentPlane) -> SkyCorrection:
    """The correction that changes nothing."""
    return _make(plane, np.eye(2), np.zeros(2))


def wcs_grid_sky(wcs: WCS, *, n: int = 9) -> tuple[np.ndarray, np.ndarray]:
    """Sky positions (degrees) of an ``n × n`` grid of pixels spanning the chip."""
    nx, ny = wcs.pixel_shape
    gx, gy = np.meshgrid(np.linspace(0, nx - 1, n), np.linspace(0, ny - 1, n))
    ra, dec = wcs.all_pix2world(gx.ravel(), gy.ravel(), 0)
    return np.asarray(ra), np.asarray(dec)


def measure_correction(before: list[WCS], after: list[WCS],
                       plane: TangentPlane) -> SkyCorrection:
    """The affine plane map that takes the chips' old sky grid onto their new one.

    Parameters
    ----------
    before, after
        The chips' WCS before and after a fit (same order).
    plane
        Plane in which the map is expressed.
    """
    old, new = [], []
    for w0, w1 in zip(before, after):
        old.append(np.column_stack(plane.to_plane(*wcs_grid_sky(w0))))
        new.append(np.column_stack(plane.to_plane(*wcs_grid_sky(w1))))
    p0, p1 = np.vstack(old), np.vstack(new)
    design = np.column_stack([p0, np.ones(len(p0))])
    coef, *_ = np.linalg.lstsq(design, p1, rcond=None)
    matrix = coef[:2].T
    shift = coef[2]
    return _make(plane, matrix, shift)
