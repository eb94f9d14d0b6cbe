"""Sérsic galaxies rendered on a pixel grid through the local WCS and convolved with the PSF."""
from __future__ import annotations

import math

import numpy as np
from scipy.signal import fftconvolve

from hapsvm.simulate.psf import PsfModel
from hapsvm.simulate.psf import psf_stamps

__all__ = ["sersic_bn", "sersic_stamp", "add_galaxies"]


def sersic_bn(n: float) -> float:
    """The Sérsic b_n constant (Ciotti & Bertin 1999 expansion), so r_eff holds half the light."""
    return 2 * n - 1 / 3 + 4 / (405 * n) + 46 / (25515 * n ** 2) + 131 / (1148175 * n ** 3)


def sersic_stamp(dx: float, dy: float, *, n: float, r_eff_arcsec: float, axis_ratio: float,
                 pa_deg: float, jacobian: np.ndarray, half_size: int,
                 oversample: int = 3) -> np.ndarray:
    """Pixel-integrated Sérsic profile (not normalised) on a (2h+1)² stamp.

    Parameters
    ----------
    dx, dy
        Offset of the galaxy centre from the stamp's central pixel, in pixels.
    n, r_eff_arcsec, axis_ratio, pa_deg
        Sérsic index, half-light semi-major axis (arcsec), b/a, and position angle of the major
        axis in degrees East of North.
    jacobian
        2×2 matrix from pixel offsets to (xi East, eta North) offsets in arcsec (CD × 3600).
    half_size, oversample
        Stamp half-size in pixels and sub-pixel samples per axis.
    """
    sub = (np.arange(oversample) + 0.5) / oversample - 0.5
    grid = (np.arange(-half_size, half_size + 1)[:, None] + sub[None, :]).ravel()
    u = grid[None, :] - dx
    v = grid[:, None] - dy
    xi = jacobian[0, 0] * u + jacobian[0, 1] * v
    eta = jacobian[1, 0] * u + jacobian[1, 1] * v
    t = math.radians(pa_deg)
    major = xi * math.sin(t) + eta * math.cos(t)
    minor = xi * math.cos(t) - eta * math.sin(t)
    r = np.sqrt(major ** 2 + (minor / axis_ratio) ** 2) / r_eff_arcsec
    img = np.exp(-sersic_bn(n) * (r ** (1.0 / n) - 1.0))
    size = 2 * half_size + 1
    return img.reshape(size, oversample, size, oversample).sum(axis=(1, 3))


def add_galaxies(image: np.ndarray, x: np.ndarray, y: np.ndarray, flux: np.ndarray,
                 shapes: np.ndarray, jacobian: np.ndarray, psf: PsfModel) -> None:
    """Add PSF-convolved Sérsic galaxies of total ``flux`` at 0-based pixel positions (x, y).

    Parameters
    ----------
    shapes
        Array (n, 4) of (sersic_n, r_eff_arcsec, axis_ratio, pa_deg) per galaxy.
    jacobian
        Pixel → sky-offset matrix in arcsec per pixel (CD × 3600 of the chip).
    """
    ny, nx = image.shape
    scale = math.sqrt(abs(np.linalg.det(jacobian)))
    kernel = psf_stamps(np.zeros(1), np.zeros(1), psf)[0]
    for xc, yc, f, (n, r_eff, q, pa) in zip(x, y, flux, shapes):
        h = int(np.clip(math.ceil(3.5 * r_eff / scale) + 4, 8, 60))
        ix, iy = int(round(xc)), int(round(yc))
        if ix + h < 0 or iy + h < 0 or ix - h >= nx or iy - h >= ny or f == 0:
            continue
        oversample = 3 if r_eff / scale < 4 else 1  # large galaxies are smooth at pixel scale
        stamp = sersic_stamp(xc - ix, yc - iy, n=n, r_eff_arcsec=r_eff, axis_ratio=q, pa_deg=pa,
                             jacobian=jacobian, half_size=h, oversample=oversample)
        stamp = fftconvolve(stamp, kernel, mode="same")
        stamp = np.clip(stamp, 0, None)
        stamp *= f / stamp.sum()
        x0, y0 = ix - h, iy - h
        xs, ys = max(x0, 0), max(y0, 0)
        xe, ye = min(ix + h + 1, nx), min(iy + h + 1, ny)
        image[ys:ye, xs:xe] += stamp[ys - y0:ye - y0, xs - x0:xe - x0]
