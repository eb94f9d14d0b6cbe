"""Saturated stars on the detection image: one source per saturated region, wings suppressed.

DAOStarFinder rejects saturated stars (flat cores and charge-bleed columns fail its sharpness
and roundness tests) and breaks their bleed trails and PSF wings into spurious faint sources.
runsinglehap lists saturated stars (flag 4), so the point detection here:

1. rasterises the input pixels whose DQ marks saturation (already mapped into the product
   frame for flag 4, :func:`hapsvm.catalogs.saturation.saturated_pixels`) into a mask, closed
   by one pixel so the dithered, resampled pixel centres form solid regions;
2. labels its connected regions; every region of at least ``min_pixels`` pixels is one star.
   Its centre is found in two stages. (a) The **widest part** of the region: the maximum of
   the Euclidean distance transform is the centre of the largest inscribed disk, i.e. of the
   round saturated core rather than of the bleed trail (a trail is only a few pixels wide,
   the core of a star bright enough to bleed is wider); its value is the core radius. (b) The
   **flux-weighted centroid of the unsaturated ring** around that core (radii r_core + 1 to
   r_core + 4 px, saturated pixels excluded): the PSF wings are symmetric about the star while
   the bleed columns, which are excluded, remove equal amounts on both sides of it. (b) falls
   back to (a) when the ring holds too little flux or moves the centre by more than r_core;
3. drops DAO detections that belong to a saturated star: inside its region dilated by
   ``dilation_px`` (bleed trail, core edge) or within ``radius_factor`` × (r_core + 1) px of
   its centre (PSF wings, diffraction structure), unless the detection's peak exceeds the
   wing level there (the median of the ring at the detection's distance from the star) by
   more than ``keep_nsigma`` times the ring's robust scatter (a real neighbour).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import ndimage

__all__ = ["SaturatedStars", "find_saturated_stars", "near_saturated", "saturation_mask"]

log = logging.getLogger(__name__)


@dataclass
class SaturatedStars:
    """Saturated stars found on one image (arrays of equal length)."""

    x: np.ndarray
    """0-based product pixel x of each star's centre."""
    y: np.ndarray
    r_core: np.ndarray
    """Radius of the largest disk inscribed in the saturated region, pixels."""
    n_pixels: np.ndarray
    """Pixels in the saturated region."""
    labels: np.ndarray
    """Region label image (0: not saturated; star k has label k + 1)."""

    def __len__(self) -> int:
        return len(self.x)


def saturation_mask(x: np.ndarray, y: np.ndarray, shape: tuple[int, int], *,
                    close_px: int = 1) -> np.ndarray:
    """Boolean mask of the product pixels holding mapped saturated input pixels.

    Examples
    --------
    A hole whose four neighbours are saturated is closed (4-connected closing):

    >>> m = saturation_mask(np.array([2.0, 4.0, 3.0, 3.0]), np.array([3.0, 3.0, 2.0, 4.0]), (6, 7))
    >>> m[3].astype(int).tolist()
    [0, 0, 1, 1, 1, 0, 0]
    """
    ny, nx = shape
    mask = np.zeros(shape, bool)
    if len(x):
        ix = np.clip(np.rint(x).astype(int), 0, nx - 1)
        iy = np.clip(np.rint(y).astype(int), 0, ny - 1)
        mask[iy, ix] = True
    if close_px > 0 and mask.any():
        mask = ndimage.binary_closing(mask, iterations=close_px, border_value=0) | mask
    return mask


def _ring_centroid(resid: np.ndarray, sat: np.ndarray, x0: float, y0: float,
                   r_in: float, r_out: float) -> tuple[float, float] | None:
    ny, nx = resid.shape
    lo_x, hi_x = max(0, int(x0 - r_out) - 1), min(nx, int(x0 + r_out) + 2)
    lo_y, hi_y = max(0, int(y0 - r_out) - 1), min(ny, int(y0 + r_out) + 2)
    yy, xx = np.mgrid[lo_y:hi_y, lo_x:hi_x]
    r = np.hypot(xx - x0, yy - y0)
    use = (r >= r_in) & (r <= r_out) & ~sat[lo_y:hi_y, lo_x:hi_x]
    w = np.clip(resid[lo_y:hi_y, lo_x:hi_x], 0, None) * use
    total = float(w.sum())
    if total <= 0 or use.sum() < 8:
        return None
    return float((w * xx).sum() / total), float((w * yy).sum() / total)


def find_saturated_stars(mask: np.ndarray, resid: np.ndarray, *, min_pixels: int = 3
                         ) -> SaturatedStars:
    """One star per connected saturated region of ``mask`` (see the module docstring).

    Parameters
    ----------
    mask
        Saturated product pixels (bool, (ny, nx)), e.g. from :func:`saturation_mask`.
    resid
        Background-subtracted detection image (for the ring centroid), e⁻/s.
    min_pixels
        Smallest region that is a star (single saturated pixels are cosmic rays or hot pixels).
    """
    labels, n = ndimage.label(mask)
    xs, ys, rs, ns = [], [], [], []
    keep = np.zeros(n + 1, bool)
    for k, sl in enumerate(ndimage.find_objects(labels), start=1):
        if sl is None:
            continue
        region = labels[sl] == k
        size = int(region.sum())
        if size < min_pixels:
            continue
        dist = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]
        r_core = float(dist.max())
        cy, cx = np.argwhere(dist >= r_core - 0.5).mean(axis=0)
        x0, y0 = sl[1].start + float(cx), sl[0].start + float(cy)
        ring = _ring_centroid(resid, mask, x0, y0, r_core + 1, r_core + 4)
        if ring is not None and np.hypot(ring[0] - x0, ring[1] - y0) <= max(r_core, 1.0):
            x0, y0 = ring
        keep[k] = True
        xs.append(x0)
        ys.append(y0)
        rs.append(r_core)
        ns.append(size)
    relabel = np.zeros(n + 1, np.int32)
    relabel[np.flatnonzero(keep)] = np.arange(1, int(keep.sum()) + 1)
    log.info("saturated stars: %d regions of >= %d pixels (of %d)", len(xs), min_pixels, n)
    return SaturatedStars(np.asarray(xs, float), np.asarray(ys, float), np.asarray(rs, float),
                          np.asarray(ns, int), relabel[labels])


def _wing_excess(resid: np.ndarray, sat: np.ndarray, star_xy: tuple[float, float],
                 src_xy: tuple[float, float], peak: float) -> float:
    """(peak − wing median) / wing robust sigma in the 2-px ring through the detection."""
    sx, sy = star_xy
    r = float(np.hypot(src_xy[0] - sx, src_xy[1] - sy))
    ny, nx = resid.shape
    half = int(r + 3)
    lo_x, hi_x = max(0, int(sx) - half), min(nx, int(sx) + half + 2)
    lo_y, hi_y = max(0, int(sy) - half), min(ny, int(sy) + half + 2)
    yy, xx = np.mgrid[lo_y:hi_y, lo_x:hi_x]
    rr = np.hypot(xx - sx, yy - sy)
    use = (np.abs(rr - r) <= 1.0) & ~sat[lo_y:hi_y, lo_x:hi_x]
    vals = resid[lo_y:hi_y, lo_x:hi_x][use]
    if vals.size < 8:
        return np.inf
    med = float(np.median(vals))
    sigma = 1.4826 * float(np.median(np.abs(vals - med)))
    return (peak - med) / sigma if sigma > 0 else np.inf


def near_saturated(stars: SaturatedStars, x: np.ndarray, y: np.ndarray, peak: np.ndarray,
                   resid: np.ndarray, *, dilation_px: int, radius_factor: float,
                   keep_nsigma: float) -> np.ndarray:
    """Which detections belong to a saturated star's core, bleed trail or wings (bool).

    Parameters
    ----------
    stars
        The saturated stars of the image.
    x, y, peak
        Detections (0-based pixels) and their background-subtracted peak values, e⁻/s.
    resid
        Background-subtracted detection image, e⁻/s.
    dilation_px
        Dilation of the saturated regions (bleed trails and core edges), pixels.
    radius_factor
        Wing radius around a star, in units of (r_core + 1) pixels.
    keep_nsigma
        A detection in the wings is kept (not dropped) when its peak exceeds the wing median at
        its distance from the star by more than this many robust sigmas of that ring.
    """
    drop = np.zeros(len(x), bool)
    if not len(stars) or not len(x):
        return drop
    sat = stars.labels > 0
    grown = ndimage.binary_dilation(sat, iterations=dilation_px) if dilation_px > 0 else sat
    ny, nx = sat.shape
    ix = np.clip(np.rint(x).astype(int), 0, nx - 1)
    iy = np.clip(np.rint(y).astype(int), 0, ny - 1)
    drop |= grown[iy, ix]
    radius = radius_factor * (stars.r_core + 1.0)
    dist = np.hypot(x[:, None] - stars.x[None, :], y[:, None] - stars.y[None, :])
    for i in np.flatnonzero(~drop & (dist <= radius[None, :]).any(axis=1)):
        k = int(np.argmin(dist[i] / radius))
        excess = _wing_excess(resid, sat, (stars.x[k], stars.y[k]), (x[i], y[i]), peak[i])
        drop[i] = excess <= keep_nsigma
    return drop
