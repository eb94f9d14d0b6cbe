"""Detector effects: cosmic rays, hot and bad pixels, full-well saturation with bleeding."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CR_RATE_CM2_S", "DQ_BAD", "DQ_HOT", "DQ_SATURATED", "cosmic_rays", "PixelDefects",
           "pixel_defects", "bleed_saturation"]

#: Cosmic-ray rate on the HST detectors, events per second per cm².
CR_RATE_CM2_S = 1.75
#: DQ bits (ACS/WFC3 convention): bad detector pixel, hot pixel, full-well saturation.
DQ_BAD, DQ_HOT, DQ_SATURATED = 4, 16, 256

_DEPLETION_UM = 12.0     # sensitive depth of the CCDs
_E_PER_UM = 80.0         # most probable charge of a minimum-ionising particle in silicon
_CR_KERNEL = ((0, 0, 0.888), (1, 0, 0.025), (-1, 0, 0.025), (0, 1, 0.025), (0, -1, 0.025),
              (1, 1, 0.003), (1, -1, 0.003), (-1, 1, 0.003), (-1, -1, 0.003))


def cosmic_rays(shape: tuple[int, int], exptime_s: float, pixel_um: float,
                rng: np.random.Generator) -> np.ndarray:
    """Charge image (electrons, float32) of the cosmic rays hitting a CCD during an exposure.

    Events arrive at ``CR_RATE_CM2_S``; each crosses the 12 µm sensitive layer at an angle drawn
    for an isotropic flux (cos²θ uniform), leaves 80 e-/µm (log-normal spread) along its projected
    track, and the charge diffuses into the neighbouring pixels.
    """
    ny, nx = shape
    out = np.zeros(shape, dtype=np.float32)
    area_cm2 = nx * ny * (pixel_um * 1e-4) ** 2
    n = int(rng.poisson(CR_RATE_CM2_S * area_cm2 * max(exptime_s, 0.0)))
    if n == 0 or pixel_um <= 0:
        return out
    cos_t = np.sqrt(rng.uniform(0.0016, 1.0, n))
    tan_t = np.sqrt(1 - cos_t ** 2) / cos_t
    length = np.minimum(_DEPLETION_UM * tan_t / pixel_um, 40.0)
    charge = _E_PER_UM * _DEPLETION_UM / cos_t * rng.lognormal(0.0, 0.35, n)
    phi = rng.uniform(0, 2 * np.pi, n)
    x0, y0 = rng.uniform(-0.5, nx - 0.5, n), rng.uniform(-0.5, ny - 0.5, n)
    steps = np.maximum(1, np.ceil(length * 3)).astype(int)
    owner = np.repeat(np.arange(n), steps)
    frac = (np.arange(owner.size) - np.repeat(np.cumsum(steps) - steps, steps) + 0.5) / \
        np.repeat(steps, steps)
    s = (frac - 0.5) * length[owner]
    px = np.rint(x0[owner] + s * np.cos(phi[owner])).astype(int)
    py = np.rint(y0[owner] + s * np.sin(phi[owner])).astype(int)
    q = (charge / steps)[owner]
    flat = out.reshape(-1)
    for dx, dy, w in _CR_KERNEL:
        xx, yy = px + dx, py + dy
        ok = (xx >= 0) & (xx < nx) & (yy >= 0) & (yy < ny)
        np.add.at(flat, yy[ok] * nx + xx[ok], (q[ok] * w).astype(np.float32))
    return out


@dataclass(frozen=True)
class PixelDefects:
    """Fixed defects of one (possibly cropped) chip."""

    hot_rate_e_s: np.ndarray
    """Residual dark rate of hot pixels, electrons per second (0 elsewhere)."""
    dq: np.ndarray
    """DQ bits of the defects (hot 16, bad 4), int16."""


def pixel_defects(full_shape: tuple[int, int], offset: tuple[int, int],
                  shape: tuple[int, int], rng: np.random.Generator, *, hot_fraction: float,
                  bad_fraction: float, n_bad_columns: int) -> PixelDefects:
    """Draw hot pixels, bad pixels and bad columns on the full chip, then cut out the image.

    Drawing on the full chip keeps a subarray's defects identical to the same pixels of a
    full-frame simulation with the same seed.
    """
    fny, fnx = full_shape
    x0, y0 = offset
    ny, nx = shape
    hot_rate = np.zeros(shape, dtype=np.float32)
    dq = np.zeros(shape, dtype=np.int16)
    npix = fny * fnx
    hot = rng.choice(npix, size=int(hot_fraction * npix), replace=False)
    rate = rng.exponential(0.3, hot.size) + 0.05
    bad = rng.choice(npix, size=int(bad_fraction * npix), replace=False)
    columns = rng.integers(0, fnx, n_bad_columns)
    for idx, value, bit in ((hot, rate, DQ_HOT), (bad, None, DQ_BAD)):
        yy, xx = idx // fnx - y0, idx % fnx - x0
        ok = (xx >= 0) & (xx < nx) & (yy >= 0) & (yy < ny)
        dq[yy[ok], xx[ok]] |= bit
        if value is not None:
            hot_rate[yy[ok], xx[ok]] = value[ok]
    for col in columns - x0:
        if 0 <= col < nx:
            dq[:, col] |= DQ_BAD
    return PixelDefects(hot_rate, dq)


def bleed_saturation(electrons: np.ndarray, full_well: float) -> np.ndarray:
    """Clip pixels at ``full_well`` and spread the excess charge up and down their column.

    Charge pushed past the chip edge is lost. Works in place on a (ny, nx) float image and
    returns the boolean mask of saturated pixels (at full well after bleeding).
    """
    over_cols = np.nonzero((electrons > full_well).any(axis=0))[0]
    for col in over_cols:
        v = electrons[:, col]
        over = v > full_well
        edges = np.diff(np.concatenate([[0], over.astype(np.int8), [0]]))
        starts, stops = np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0]
        for start, stop in zip(starts, stops):
            excess = float((v[start:stop] - full_well).sum())
            v[start:stop] = full_well
            _fill(v[stop:], excess / 2, full_well)
            _fill(v[:start][::-1], excess / 2, full_well)
    return electrons >= full_well * (1 - 1e-7)


def _fill(v: np.ndarray, charge: float, full_well: float) -> None:
    if charge <= 0 or v.size == 0:
        return
    room = np.clip(full_well - v, 0, None)
    cum = np.cumsum(room)
    k = int(np.searchsorted(cum, charge))
    v[:k] += room[:k]
    if k < v.size:
        v[k] += charge - (cum[k - 1] if k > 0 else 0.0)
