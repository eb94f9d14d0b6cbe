"""Analytic HST-like PSFs (Moffat core + Moffat wings) integrated over pixels, and point rendering.

The core of a stamp (``half_size``) is evaluated on an ``oversample``² sub-pixel grid and summed
per pixel, so it is the pixel-integrated PSF; the smooth wings out to the circular truncation
radius ``wing_radius`` are sampled at pixel centres. Every stamp is
renormalised to 1, so a source's total flux is exactly what its stamp holds (the truncated PSF
is the PSF: its "infinite aperture" is the ``wing_radius`` circle).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from hapsvm.simulate.detectors import DetectorSpec

__all__ = ["PsfModel", "psf_for", "psf_stamps", "add_points", "encircled_energy"]

_HST_DIAMETER_M = 2.4


@dataclass(frozen=True)
class PsfModel:
    """Sum of two circular Moffat profiles, sizes in pixels."""

    fwhm_px: float
    """FWHM of the core Moffat in pixels (≈ FWHM of the PSF)."""
    beta: float = 3.0
    """Moffat index of the core."""
    wing_weight: float = 0.18
    """Fraction of the flux in the wing component."""
    wing_fwhm_factor: float = 4.0
    """FWHM of the wing component relative to the core."""
    wing_beta: float = 2.0
    """Moffat index of the wings."""
    half_size: int = 12
    """Half-size in pixels of the pixel-integrated core of a stamp."""
    wing_radius: int = 40
    """Truncation radius of the PSF in pixels (stamps are 2·wing_radius + 1 square)."""
    oversample: int = 5
    """Sub-pixel samples per axis used to integrate over each pixel."""

    def profile(self, r2: np.ndarray) -> np.ndarray:
        """Surface brightness (per pixel², total 1) at squared radius ``r2`` in pixels²."""
        out = np.zeros_like(r2)
        for weight, fwhm, beta in ((1 - self.wing_weight, self.fwhm_px, self.beta),
                                   (self.wing_weight, self.fwhm_px * self.wing_fwhm_factor,
                                    self.wing_beta)):
            alpha2 = (fwhm / (2 * math.sqrt(2 ** (1 / beta) - 1))) ** 2
            base = 1.0 / (1.0 + r2 * (1.0 / alpha2))
            if beta == int(beta):
                power = base.copy()
                for _ in range(int(beta) - 1):
                    power *= base
            else:
                power = base ** beta
            out += weight * (beta - 1) / (math.pi * alpha2) * power
        return out


def psf_for(spec: DetectorSpec, pivot_a: float, *, jitter_arcsec: float = 0.0) -> PsfModel:
    """PSF of ``spec`` at wavelength ``pivot_a`` (Å): FWHM² = floor² + (1.03 λ/D)² + jitter²."""
    diffraction = 1.03 * pivot_a * 1e-10 / _HST_DIAMETER_M * 206264.806
    fwhm = math.sqrt(spec.psf_floor_fwhm_arcsec ** 2 + diffraction ** 2 +
                     (2.3548 * jitter_arcsec) ** 2)
    return PsfModel(fwhm_px=fwhm / spec.pixel_scale, half_size=spec.psf_half_size,
                    wing_radius=int(round(spec.psf_radius_arcsec / spec.pixel_scale)),
                    oversample=spec.psf_oversample)


def psf_stamps(dx: np.ndarray, dy: np.ndarray, psf: PsfModel) -> np.ndarray:
    """Pixel-integrated stamps (n, S, S), each summing to 1, of sources at sub-pixel offsets.

    Parameters
    ----------
    dx, dy
        Offsets (n,) of the sources from their stamp's central pixel, in pixels.
    psf
        The PSF model; S = 2·wing_radius + 1.
    """
    dx, dy = np.asarray(dx, np.float32), np.asarray(dy, np.float32)
    h, big, os_ = psf.half_size, max(psf.wing_radius, psf.half_size), psf.oversample
    sub = (np.arange(os_) + 0.5) / os_ - 0.5
    grid = (np.arange(-h, h + 1)[:, None] + sub[None, :]).ravel().astype(np.float32)
    gx = grid[None, None, :] - dx[:, None, None]
    gy = grid[None, :, None] - dy[:, None, None]
    n, size = len(dx), 2 * h + 1
    core = psf.profile(gx ** 2 + gy ** 2).reshape(n, size, os_, size, os_).mean(axis=(2, 4))
    if big == h:
        return (core / core.sum(axis=(1, 2), keepdims=True, dtype=np.float64)).astype(float)
    wgrid = np.arange(-big, big + 1, dtype=np.float32)
    r2 = (wgrid[None, None, :] - dx[:, None, None]) ** 2 + \
        (wgrid[None, :, None] - dy[:, None, None]) ** 2
    stamps = psf.profile(r2)
    stamps[r2 > big ** 2] = 0.0
    stamps[:, big - h:big + h + 1, big - h:big + h + 1] = core
    return (stamps / stamps.sum(axis=(1, 2), keepdims=True, dtype=np.float64)).astype(float)


def add_points(image: np.ndarray, x: np.ndarray, y: np.ndarray, flux: np.ndarray,
               psf: PsfModel) -> None:
    """Add point sources of total ``flux`` at 0-based pixel positions (x, y) to ``image``.

    Sources whose stamp misses the image are skipped; stamps are clipped at the edges.
    """
    ny, nx = image.shape
    h = max(psf.wing_radius, psf.half_size)
    x, y, flux = (np.asarray(a, dtype=float).ravel() for a in (x, y, flux))
    keep = (x > -h - 1) & (x < nx + h) & (y > -h - 1) & (y < ny + h) & (flux != 0)
    x, y, flux = x[keep], y[keep], flux[keep]
    offsets = np.arange(-h, h + 1)
    flat = image.reshape(-1)
    work = (2 * h + 1) ** 2 + (psf.oversample * (2 * psf.half_size + 1)) ** 2
    batch = int(np.clip(2_000_000 // work, 8, 8192))
    for start in range(0, len(x), batch):
        sl = slice(start, start + batch)
        ix, iy = np.rint(x[sl]).astype(int), np.rint(y[sl]).astype(int)
        stamps = psf_stamps(x[sl] - ix, y[sl] - iy, psf) * flux[sl, None, None]
        px = ix[:, None, None] + offsets[None, None, :]
        py = iy[:, None, None] + offsets[None, :, None]
        px, py = np.broadcast_to(px, stamps.shape), np.broadcast_to(py, stamps.shape)
        inside = (px >= 0) & (px < nx) & (py >= 0) & (py < ny)
        idx = (py * nx + px)[inside]
        np.add.at(flat, idx, stamps[inside])


def encircled_energy(psf: PsfModel, radius_px: float) -> float:
    """Fraction of a centred source's flux within ``radius_px`` pixels (pixel-centre test)."""
    stamp = psf_stamps(np.zeros(1), np.zeros(1), psf)[0]
    h = max(psf.wing_radius, psf.half_size)
    yy, xx = np.mgrid[-h:h + 1, -h:h + 1]
    return float(stamp[(xx ** 2 + yy ** 2) <= radius_px ** 2].sum())
