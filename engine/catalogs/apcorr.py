"""Aperture correction from aperture 2 to "infinity", measured on the image's own stars.

Both the aperture-2 flux and the large-aperture flux (radius ``apcorr_radius_arcsec``) are
measured against the same *far* sky: the 3-sigma-clipped median of an annulus 2–7 px outside
the large aperture. The correction is the inverse-variance weighted, 3-sigma-clipped mean of
the per-star ratios F_large / F_2 over bright, isolated, point-like stars (no data gap and no
detected neighbour whose light can reach the large aperture or its sky), divided by the
encircled energy of the large aperture (``apcorr_large_ee``, 1 when it holds the whole PSF).
The corrected flux is F_2(far sky) × correction; its error adds the correction's standard
error in quadrature.

Why not ``FluxAp2 × correction``: the spec's sky annulus (0.25″–0.50″) overlaps the 0.45″
aperture 2 of WFC3/IR, and the clipped mode of an annulus full of the star's own light is not
proportional to the star's flux (the sigma clipping removes more of a bright star's profile
than of a faint one's), so ``FluxAp2`` carries an S/N-dependent bias (~5 % between S/N 50 and
300) that no single factor removes. With too few usable stars the detector default is used.
"""
from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
from astropy.stats import SigmaClip
from astropy.utils.exceptions import AstropyUserWarning
from photutils.aperture import (ApertureStats, CircularAnnulus, CircularAperture,
                                aperture_photometry)
from scipy.spatial import cKDTree

__all__ = ["ApertureCorrection", "FarSkyFluxes", "Neighbours", "far_sky_fluxes",
           "aperture_correction"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApertureCorrection:
    """Multiplicative correction of the far-sky aperture-2 flux to total flux."""

    factor: float
    """Total flux / F_2(far sky)."""
    error: float
    """Standard error of ``factor`` (0 for the default)."""
    n_stars: int
    """Stars used (0 when the default was used)."""
    method: str
    """``measured`` or ``default``."""

    @property
    def mag(self) -> float:
        """The correction in magnitudes (negative: the total is brighter)."""
        return -2.5 * math.log10(self.factor)


@dataclass
class FarSkyFluxes:
    """Aperture-2 and large-aperture fluxes against the far sky, e⁻/s, with 1-sigma errors."""

    flux2: np.ndarray
    err2: np.ndarray
    big: np.ndarray
    big_err: np.ndarray
    big_complete: np.ndarray | None = None
    """The large aperture and its sky annulus hold no pixel without data (bool)."""


def far_sky_fluxes(data: np.ndarray, noise: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                   r2: float, r_big: float, exptime_map: np.ndarray) -> FarSkyFluxes:
    """Aperture-2 and large-aperture fluxes of sources with the sky 2–7 px beyond ``r_big``.

    Parameters
    ----------
    data, noise
        Image and per-pixel noise (ny, nx), e⁻/s; noise is inf where there is no data.
    x, y
        Positions, pixels.
    r2, r_big
        Radii of aperture 2 and of the large aperture, pixels.
    exptime_map
        Effective exposure time per pixel, s (source Poisson noise).
    """
    if len(x) == 0:
        z = np.zeros(0)
        return FarSkyFluxes(z, z, z, z, np.zeros(0, bool))
    bad = ~np.isfinite(noise)
    xy = np.column_stack([x, y])
    aps = [CircularAperture(xy, r=r2), CircularAperture(xy, r=r_big)]
    good_noise = np.where(bad, 0.0, noise)
    phot = aperture_photometry(data, aps, error=good_noise, mask=bad)
    t = aperture_photometry(exptime_map, aps[0], mask=bad)["aperture_sum"]
    ring = CircularAnnulus(xy, r_in=r_big + 2, r_out=r_big + 7)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        stats = ApertureStats(data, ring, mask=bad, sigma_clip=SigmaClip(sigma=3.0, maxiters=10))
        sky = np.nan_to_num(np.atleast_1d(np.asarray(stats.median, float)), nan=0.0)
    n_ring = np.maximum(np.asarray(ring.area_overlap(data, mask=bad), float), 1.0)
    complete = (np.abs(np.asarray(aps[1].area_overlap(data, mask=bad), float) - aps[1].area)
                < 1e-6) & (np.abs(n_ring - ring.area) < 1e-6)
    sky_var = np.asarray(aperture_photometry(good_noise ** 2, ring, mask=bad)["aperture_sum"],
                         float) / n_ring ** 2 * (math.pi / 2)
    out = []
    for i, ap in enumerate(aps):
        area = np.asarray(ap.area_overlap(data, mask=bad), float)
        flux = np.asarray(phot[f"aperture_sum_{i}"], float) - sky * area
        t_eff = np.asarray(t, float) / np.maximum(np.asarray(aps[0].area_overlap(
            data, mask=bad), float), 1e-9)
        with np.errstate(divide="ignore", invalid="ignore"):
            poisson = np.where(t_eff > 0, np.clip(flux, 0, None) / t_eff, 0.0)
        var = np.asarray(phot[f"aperture_sum_err_{i}"], float) ** 2 + poisson + \
            area ** 2 * sky_var
        out += [np.where(area > 0, flux, np.nan), np.where(area > 0, np.sqrt(var), np.nan)]
    return FarSkyFluxes(*out, big_complete=complete)


@dataclass
class Neighbours:
    """Detected sources that may contaminate a large aperture: position, flux, extent."""

    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    """Flux (any consistent unit, e.g. the detection image's segment flux), for the 0.5 % test."""
    extent: np.ndarray
    """1-sigma semi-major axis, pixels; the light is assumed to reach 5× this far."""


def _isolated(far: FarSkyFluxes, x: np.ndarray, y: np.ndarray, candidates: np.ndarray,
              reach: float, neighbours: Neighbours) -> np.ndarray:
    """Candidates whose large aperture (radius ``reach``) no neighbour with more than 0.5 % of
    the star's flux reaches (its centre + 5 extents); the star's own entry (the neighbour
    within 1.5 px) is ignored. The far annulus is protected by its clipped median."""
    ok = candidates.copy()
    if neighbours.x.size == 0:
        return ok
    tree = cKDTree(np.column_stack([neighbours.x, neighbours.y]))
    search = reach + 5 * float(np.max(neighbours.extent, initial=0.0))
    for i in np.flatnonzero(ok):
        near = np.asarray(tree.query_ball_point([x[i], y[i]], search), dtype=int)
        if near.size == 0:
            continue
        d = np.hypot(neighbours.x[near] - x[i], neighbours.y[near] - y[i])
        other = d > 1.5
        bright = neighbours.flux[near] > 0.005 * far.flux2[i]
        reaches = d < reach + 5 * neighbours.extent[near]
        ok[i] = not np.any(other & bright & reaches)
    return ok


def aperture_correction(far: FarSkyFluxes, x: np.ndarray, y: np.ndarray, usable: np.ndarray,
                        *, shape: tuple[int, int], radius_px: float, large_ee: float,
                        min_snr: float, min_stars: int, default_mag: float,
                        neighbours: Neighbours | None = None) -> ApertureCorrection:
    """Weighted, clipped mean of F_large / F_2 over bright isolated stars.

    Parameters
    ----------
    far
        Far-sky fluxes of every catalogue source in this image.
    x, y
        Positions, pixels.
    usable
        Sources allowed as reference stars (point-like, unflagged), bool.
    shape
        Image shape (ny, nx): stars whose large aperture leaves the image are not used.
    radius_px, large_ee
        Large-aperture radius (pixels) and its encircled energy (≤ 1).
    min_snr, min_stars
        Smallest aperture-2 S/N of a reference star; fewest stars for a measured value.
    default_mag
        Correction used otherwise, mag.
    neighbours
        Detected sources (segments, or the point sources themselves when None) that must not
        reach the large aperture or its sky annulus.

    Returns
    -------
    ApertureCorrection
    """
    default = ApertureCorrection(10 ** (-0.4 * default_mag), 0.0, 0, "default")
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = np.where(far.err2 > 0, far.flux2 / far.err2, 0.0)
    margin = radius_px + 8
    ny, nx = shape
    cand = usable & np.isfinite(snr) & (snr >= min_snr) & np.isfinite(far.big) & \
        (x > margin) & (x < nx - 1 - margin) & (y > margin) & (y < ny - 1 - margin)
    if neighbours is None:
        neighbours = Neighbours(x, y, np.nan_to_num(far.flux2), np.full(x.size, 1.0))
    cand &= np.isfinite(far.big) & (far.big_complete if far.big_complete is not None else True)
    idx = np.flatnonzero(_isolated(far, x, y, cand, radius_px, neighbours))
    if idx.size < min_stars:
        return default
    ratio = far.big[idx] / far.flux2[idx]
    sig = np.hypot(far.big_err[idx], ratio * far.err2[idx]) / far.flux2[idx]
    ok = np.isfinite(ratio) & np.isfinite(sig) & (sig > 0)
    ratio, sig = ratio[ok], sig[ok]
    if ratio.size < min_stars:
        return default
    mean, error, n_used = _robust_weighted_mean(ratio, sig)
    log.debug("aperture correction %.4f ± %.4f from %d stars", mean / large_ee, error, n_used)
    return ApertureCorrection(mean / large_ee, error / large_ee, n_used, "measured")


def _robust_weighted_mean(values: np.ndarray, sigma: np.ndarray) -> tuple[float, float, int]:
    """Inverse-variance mean after clipping outliers about the median.

    A value is kept when it lies within 3 × max(its own sigma, 1.4826 · MAD) of the current
    centre; the centre starts at the median, so a few contaminated stars with small errors
    cannot drag it. Returns (mean, standard error, values used).

    Examples
    --------
    >>> m, e, n = _robust_weighted_mean(np.array([1.10, 1.11, 1.09, 1.10, 2.0]),
    ...                                 np.array([0.01, 0.01, 0.01, 0.01, 0.001]))
    >>> round(m, 3), n
    (1.1, 4)
    """
    centre = float(np.median(values))
    keep = np.ones(values.size, bool)
    for _ in range(10):
        mad = 1.4826 * float(np.median(np.abs(values - centre)))
        new = np.abs(values - centre) < 3 * np.maximum(sigma, mad)
        if not new.any():
            break
        w = 1.0 / sigma[new] ** 2
        centre = float(np.sum(w * values[new]) / np.sum(w))
        if np.array_equal(new, keep):
            break
        keep = new
    w = 1.0 / sigma[keep] ** 2
    chi = float(np.std((values[keep] - centre) / sigma[keep])) if keep.sum() > 1 else 1.0
    return centre, float(np.sqrt(1.0 / np.sum(w))) * max(1.0, chi), int(keep.sum())
