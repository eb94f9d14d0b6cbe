"""Aperture correction from aperture 2 to "infinity", measured on the image's own stars.

Both the aperture-2 flux and the large-aperture flux (radius ``apcorr_radius_arcsec``) are
measured against the same *far* sky: the 3-sigma-clipped median of an annulus 2–7 px outside
the large aperture. Reference stars are bright (``apcorr_min_snr``), point-like and unflagged,
with complete data and no detected neighbour of more than 5 % of their flux whose light can
reach the large aperture. For each, the ratio F_large / F_2 is measured with every other
segment of the detection image masked (dilated 2 px) and refilled from the star's own radial
profile. The correction is the random-effects weighted median of the ratios (a blended,
very bright star cannot dominate). The light beyond the large aperture, out to
``apcorr_outer_factor`` times its radius, is measured on the same stars' radial profiles (other
segments masked, each 1-px ring's median, sky from an annulus 2–7 px beyond the outer radius)
and multiplied in as one more weighted median; the result is divided by the encircled energy of
the outer aperture (``apcorr_large_ee``, 1 when it holds the whole PSF). The outer term is left
out when its standard error exceeds 0.5 % (few or faint stars). When it is included, the
large-aperture fluxes are measured against that same outer sky: the PSF wing in the annulus
just outside the large aperture, faint per pixel, would otherwise be subtracted from every pixel
of the large aperture (about half a per cent of the flux on simulated ACS/WFC F814W). Without the
outer term a 1″ large aperture misses ~1 % of a star's flux (0.5–1.5 %, more in the red and in
the IR). The stars' large-aperture totals are kept (``ApertureCorrection.star_total``): the
PSF fluxes' calibration follows them over the image.
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
from dataclasses import dataclass
from dataclasses import field

import numpy as np
from astropy.stats import sigma_clipped_stats
from photutils.aperture import CircularAperture
from photutils.aperture import aperture_photometry
from scipy import ndimage
from scipy.spatial import cKDTree

from hapsvm.catalogs.photometry import annulus_stats

__all__ = [
    "ApertureCorrection",
    "FarSkyFluxes",
    "Neighbours",
    "aperture_correction",
    "far_sky_fluxes",
    "weighted_median",
]

log = logging.getLogger(__name__)

#: Largest standard error of the outer-light term that is applied (a noisier one, from too few
#: or too faint stars, would add more error than the ~1 % of light it corrects).
_MAX_OUTER_ERROR = 0.005


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
    stars: np.ndarray = field(default_factory=lambda: np.zeros(0, int), compare=False,
                              repr=False)
    """Catalogue indices of the reference stars whose large-aperture flux was measured."""
    star_total: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False,
                                   repr=False)
    """Their total flux: large-aperture flux × the outer-light growth / ``large_ee`` (the
    unit of the image), for calibrations that vary over the image (PSF fluxes)."""
    star_total_err: np.ndarray = field(default_factory=lambda: np.zeros(0), compare=False,
                                       repr=False)
    """1-sigma errors of ``star_total`` (the correction's common error left out)."""

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
    big_complete: np.ndarray
    """The large aperture and its sky annulus hold no pixel without data (bool)."""


def far_sky_fluxes(data: np.ndarray, noise: np.ndarray, x: np.ndarray, y: np.ndarray, *,
                   r2: float, r_big: float, exptime_map: np.ndarray,
                   big_for: np.ndarray | None = None) -> FarSkyFluxes:
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
    big_for
        Sources that also need the large-aperture flux (bool; default all); the others get
        NaN there and ``big_complete`` False.
    """
    n = len(x)
    x, y = np.asarray(x, float), np.asarray(y, float)
    if n == 0:
        z = np.zeros(0)
        return FarSkyFluxes(z, z, z, z, big_complete=np.zeros(0, bool))
    bad = ~np.isfinite(noise)
    good_noise = np.where(bad, 0.0, noise)
    sky = np.nan_to_num(annulus_stats(data, bad, x, y, r_big + 2, r_big + 7)[1], nan=0.0)
    ny, nx = data.shape
    ix, iy = np.clip(np.rint(x).astype(int), 0, nx - 1), np.clip(np.rint(y).astype(int), 0, ny - 1)
    n_ring = math.pi * ((r_big + 7) ** 2 - (r_big + 2) ** 2)
    sky_var = (math.pi / 2) * good_noise[iy, ix] ** 2 / n_ring
    big_for = np.ones(n, bool) if big_for is None else np.asarray(big_for, bool)
    t = np.asarray(exptime_map[iy, ix], float)
    out = []
    for r, which in ((r2, np.ones(n, bool)), (r_big, big_for)):
        flux, err = np.full(n, np.nan), np.full(n, np.nan)
        if which.any():
            ap = CircularAperture(np.column_stack([x[which], y[which]]), r=r)
            phot = aperture_photometry(data, ap, error=good_noise, mask=bad)
            area = np.asarray(ap.area_overlap(data, mask=bad), float)
            f = np.asarray(phot["aperture_sum"], float) - sky[which] * area
            with np.errstate(divide="ignore", invalid="ignore"):
                poisson = np.where(t[which] > 0, np.clip(f, 0, None) / t[which], 0.0)
            var = np.asarray(phot["aperture_sum_err"], float) ** 2 + poisson + \
                area ** 2 * sky_var[which]
            flux[which] = np.where(area > 0, f, np.nan)
            err[which] = np.where(area > 0, np.sqrt(var), np.nan)
        out += [flux, err]
    complete = np.zeros(n, bool)
    for i in np.flatnonzero(big_for):
        h = math.ceil(r_big + 7) + 1
        if h <= ix[i] < nx - h and h <= iy[i] < ny - h:
            complete[i] = not bad[iy[i] - h:iy[i] + h + 1, ix[i] - h:ix[i] + h + 1].any()
    return FarSkyFluxes(out[0], out[1], out[2], out[3], big_complete=complete)


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
    """Candidates whose large aperture (radius ``reach``) no neighbour with more than 5 % of
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
        bright = neighbours.flux[near] > 0.05 * far.flux2[i]
        reaches = d < reach + 5 * neighbours.extent[near]
        ok[i] = not np.any(other & bright & reaches)
    return ok


@dataclass
class _StarCutout:
    """Pixels around one star: data, noise, distance from the star and what to leave out."""

    data: np.ndarray
    noise: np.ndarray
    r: np.ndarray
    """Distance of each pixel centre from the star, pixels."""
    other: np.ndarray
    """Other segments (dilated 2 px) and pixels without data (bool)."""
    centre: tuple[float, float]
    """The star's position in the cutout's frame, pixels."""


def _cutout(data: np.ndarray, noise: np.ndarray, segm: np.ndarray, x: float, y: float,
            half: int) -> _StarCutout | None:
    """The (2·half + 1)² box around (x, y), or None when it leaves the image."""
    ny, nx = data.shape
    ix, iy = round(x), round(y)
    if ix - half < 0 or iy - half < 0 or ix + half >= nx or iy + half >= ny:
        return None
    sl = (slice(iy - half, iy + half + 1), slice(ix - half, ix + half + 1))
    lab, sig = segm[sl], noise[sl]
    yy, xx = np.mgrid[iy - half:iy + half + 1, ix - half:ix + half + 1]
    own = segm[iy, ix]
    other = ndimage.binary_dilation((lab > 0) & (lab != own), iterations=2) | ~np.isfinite(sig)
    return _StarCutout(data[sl].astype(float), sig, np.hypot(xx - x, yy - y), other,
                       (x - (ix - half), y - (iy - half)))


def _sky(cut: _StarCutout, r_in: float) -> tuple[float, np.ndarray]:
    """Clipped median of the unmasked annulus ``r_in``–``r_in + 5`` px, and that annulus."""
    ring = (cut.r >= r_in) & (cut.r <= r_in + 5) & ~cut.other
    if ring.sum() < 20:
        return math.nan, ring
    _, sky, _ = sigma_clipped_stats(cut.data[ring], sigma=3.0, maxiters=10)
    return float(sky), ring


def _masked_ratio(data: np.ndarray, noise: np.ndarray, segm: np.ndarray, x: float, y: float,
                  *, r2: float, r_big: float, t_eff: float, r_sky: float = 0.0
                  ) -> tuple[float, float, float, float]:
    """F_large / F_2 of one star with other segments masked (dilated 2 px) and refilled.

    Masked pixels of the large aperture get the mean of the unmasked pixels at the same radius
    (1-px rings), so a neighbour's light is replaced by the star's own profile. F_2 is measured
    against the far sky of the catalogue (clipped median of the unmasked annulus 2–7 px beyond
    ``r_big``), F_large against the annulus 2–7 px beyond ``r_sky`` when that is larger (the
    outer-light term's sky: the PSF wing in the nearer annulus would be subtracted from the
    large aperture's ~50× larger area). Returns (ratio, its 1-sigma error, F_large, its
    error), NaN when a neighbour touches aperture 2 or masks more than 30 % of the large
    aperture.
    """
    nan = (math.nan, math.nan, math.nan, math.nan)
    r_far = max(r_sky, r_big)
    cut = _cutout(data, noise, segm, x, y, math.ceil(r_far + 7))
    if cut is None:
        return nan
    r, other, sig = cut.r, cut.other, cut.noise
    big = r <= r_big
    if other[r <= r2 + 1].any() or other[big].mean() > 0.3:
        return nan
    sky_near, ring = _sky(cut, r_big + 2)
    sky, far_ring = _sky(cut, r_far + 2) if r_far > r_big else (sky_near, ring)
    if not (math.isfinite(sky) and math.isfinite(sky_near)):
        return nan
    phot = aperture_photometry(_refilled(cut.data - sky, r, big & ~other, big & other),
                               [CircularAperture(cut.centre, r=r_big),
                                CircularAperture(cut.centre, r=r2)])
    total = float(phot["aperture_sum_0"][0])
    f2 = float(phot["aperture_sum_1"][0]) - (sky_near - sky) * math.pi * r2 ** 2
    if f2 <= 0:
        return nan
    var_sky = (math.pi / 2) * float(np.mean(sig[far_ring] ** 2)) / max(far_ring.sum(), 1)
    var_big = float(np.sum(sig[big & np.isfinite(sig)] ** 2)) + \
        max(total, 0) / max(t_eff, 1e-9) + big.sum() ** 2 * var_sky
    var2 = float(np.sum(sig[r <= r2] ** 2)) + max(f2, 0) / max(t_eff, 1e-9) + \
        (r <= r2).sum() ** 2 * var_sky
    ratio = total / f2
    return ratio, math.sqrt(var_big + ratio ** 2 * var2) / f2, total, math.sqrt(var_big)


def _refilled(net: np.ndarray, r: np.ndarray, good: np.ndarray, masked: np.ndarray
              ) -> np.ndarray:
    """``net`` with the ``masked`` pixels replaced by the mean of the ``good`` pixels of their
    1-px ring (a neighbour's light replaced by the star's own profile)."""
    rings = np.floor(r).astype(int)
    n_bins = int(rings.max()) + 1
    sums = np.bincount(rings[good], weights=net[good], minlength=n_bins)
    counts = np.bincount(rings[good], minlength=n_bins)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    return np.where(masked, means[rings], net)


def aperture_correction(far: FarSkyFluxes, x: np.ndarray, y: np.ndarray, usable: np.ndarray,
                        *, shape: tuple[int, int], radius_px: float, large_ee: float,
                        min_snr: float, min_stars: int, default_mag: float,
                        neighbours: Neighbours | None = None, segm: np.ndarray | None = None,
                        data: np.ndarray | None = None, noise: np.ndarray | None = None,
                        r2: float = 0.0, t_eff_map: np.ndarray | None = None,
                        outer_factor: float = 1.0) -> ApertureCorrection:
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
        Detected sources (segments, or the point sources themselves when None): a star is not
        used when one with more than 5 % of its flux can reach its large aperture.
    segm, data, noise, r2, t_eff_map
        Detection segmentation, image, noise map, aperture-2 radius (px) and each source's
        effective exposure time (s): with them the ratios are re-measured with the other
        segments masked and refilled from the star's own radial profile.
    outer_factor
        With ``segm``, ``data`` and ``noise``: the light between ``radius_px`` and
        ``outer_factor · radius_px`` is measured on the stars' profiles and included (1: not).

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
    cand &= np.isfinite(far.big) & far.big_complete
    idx = np.flatnonzero(_isolated(far, x, y, cand, radius_px, neighbours))
    if idx.size < min_stars:
        return default
    growth, g_err = 1.0, 0.0
    if segm is not None and data is not None and noise is not None:
        if outer_factor > 1:
            growth, g_err = _outer_correction(data, noise, segm, x[idx], y[idx],
                                              r_in=radius_px, r_out=outer_factor * radius_px,
                                              min_stars=min_stars)
        r_sky = outer_factor * radius_px if g_err > 0 else 0.0   # error 0: not included
        t_eff = t_eff_map if t_eff_map is not None else np.ones(len(x))
        per_star = np.array([_masked_ratio(data, noise, segm, x[i], y[i], r2=r2,
                                           r_big=radius_px, t_eff=float(t_eff[i]), r_sky=r_sky)
                             for i in idx], dtype=np.float64).reshape(-1, 4)
        ratio, sig, big, big_err = per_star.T
    else:
        big, big_err = far.big[idx], far.big_err[idx]
        ratio = big / far.flux2[idx]
        sig = np.hypot(big_err, ratio * far.err2[idx]) / far.flux2[idx]
    ok = np.isfinite(ratio) & np.isfinite(sig) & (sig > 0)
    if ok.sum() < min_stars:
        return default
    mean, error, n_used = _robust_weighted_mean(ratio[ok], sig[ok])
    mean, error = mean * growth, math.hypot(error * growth, mean * g_err)
    log.debug("aperture correction %.4f ± %.4f from %d stars", mean / large_ee, error, n_used)
    scale = growth / large_ee
    return ApertureCorrection(mean / large_ee, error / large_ee, n_used, "measured",
                              stars=idx[ok], star_total=big[ok] * scale,
                              star_total_err=big_err[ok] * scale)


def _ring_medians(net: np.ndarray, rings: np.ndarray, good: np.ndarray, n_rings: int
                  ) -> np.ndarray:
    """Median of the good pixels of each 1-px ring (NaN for an empty ring)."""
    out = np.full(n_rings, np.nan)
    order = np.argsort(rings[good], kind="stable")
    vals, idx = net[good][order], rings[good][order]
    bounds = np.searchsorted(idx, np.arange(n_rings + 1))
    for k in range(n_rings):
        if bounds[k + 1] > bounds[k]:
            out[k] = float(np.median(vals[bounds[k]:bounds[k + 1]]))
    return out


def _outer_light(data: np.ndarray, noise: np.ndarray, segm: np.ndarray, x: float, y: float, *,
                 r_in: float, r_out: float) -> tuple[float, float]:
    """(F(r_in < r ≤ r_out) / F(r ≤ r_in), 1-sigma error) of one star from its ring medians.

    Other segments (dilated 2 px) and pixels without data are left out. The star is replaced
    by a profile image: within ``r_in`` its pixels (masked ones refilled with their 1-px ring's
    median), beyond it every pixel its ring's median; both fluxes are exact circular-aperture
    sums of that image (as the large aperture's). The sky is the clipped median of the
    unmasked annulus 2–7 px beyond ``r_out``. NaN when the box leaves the image or a ring
    between ``r_in`` and ``r_out`` keeps fewer than a third of its pixels.
    """
    cut = _cutout(data, noise, segm, x, y, math.ceil(r_out + 7))
    if cut is None:
        return math.nan, math.nan
    sky, sky_ring = _sky(cut, r_out + 2)
    if not math.isfinite(sky):
        return math.nan, math.nan
    r, other, sig = cut.r, cut.other, cut.noise
    rings = np.floor(r).astype(int)
    reach = r <= r_out + 1                        # pixels an exact aperture of r_out touches
    n_rings = int(rings[reach].max()) + 1
    net = cut.data - sky
    med = _ring_medians(net, rings, reach & ~other, n_rings)
    counts = np.bincount(rings[reach], minlength=n_rings)
    kept = np.bincount(rings[reach & ~other], minlength=n_rings)
    k_in = math.floor(r_in)
    if np.any(kept[k_in:] < counts[k_in:] / 3) or not np.all(np.isfinite(med[k_in:])):
        return math.nan, math.nan
    profile = np.where(reach, med[np.minimum(rings, n_rings - 1)], 0.0)
    model = np.where((r <= r_in + 1) & ~other, net, profile)
    phot = aperture_photometry(model, [CircularAperture(cut.centre, r=r_in),
                                       CircularAperture(cut.centre, r=r_out)])
    inner, whole = float(phot["aperture_sum_0"][0]), float(phot["aperture_sum_1"][0])
    if not (inner > 0 and np.isfinite(inner)):
        return math.nan, math.nan
    n_out = math.pi * (r_out ** 2 - r_in ** 2)
    good_sig = sig[(r > r_in) & (r <= r_out) & ~other]
    var = (math.pi / 2) * float(np.sum(good_sig ** 2)) * n_out / max(good_sig.size, 1) + \
        n_out ** 2 * (math.pi / 2) * float(np.mean(sig[sky_ring] ** 2)) / sky_ring.sum()
    return (whole - inner) / inner, math.sqrt(var) / inner


def _outer_correction(data: np.ndarray, noise: np.ndarray, segm: np.ndarray, x: np.ndarray,
                      y: np.ndarray, *, r_in: float, r_out: float, min_stars: int
                      ) -> tuple[float, float]:
    """Growth factor F(r_out) / F(r_in) over reference stars and its error (1, 0 with too few
    stars or a standard error above ``_MAX_OUTER_ERROR``)."""
    pairs = [_outer_light(data, noise, segm, float(xi), float(yi), r_in=r_in, r_out=r_out)
             for xi, yi in zip(x, y, strict=True)]
    frac = np.array([p[0] for p in pairs], float)
    sig = np.array([p[1] for p in pairs], float)
    ok = np.isfinite(frac) & np.isfinite(sig) & (sig > 0)
    if ok.sum() < min_stars:
        log.info("light beyond the aperture-correction radius: %d usable stars (< %d); "
                 "not included", int(ok.sum()), min_stars)
        return 1.0, 0.0
    value, error, n_used = _robust_weighted_mean(frac[ok], sig[ok])
    used = error <= _MAX_OUTER_ERROR
    log.info("light beyond %.1f px out to %.1f px: %.2f %% ± %.2f of F(%.1f px) (%d stars)%s",
             r_in, r_out, 100 * value, 100 * error, r_in, n_used,
             "" if used else f"; error > {100 * _MAX_OUTER_ERROR:.1f} %: not included")
    return (1.0 + value, error) if used else (1.0, 0.0)


def weighted_median(values: np.ndarray, weights: np.ndarray) -> float:
    """The value at half the cumulative weight of the sorted values."""
    order = np.argsort(values)
    cum = np.cumsum(weights[order])
    return float(values[order][np.searchsorted(cum, 0.5 * cum[-1])])


def _robust_weighted_mean(values: np.ndarray, sigma: np.ndarray) -> tuple[float, float, int]:
    """Random-effects weighted median of per-star ratios, its standard error and stars used.

    Stars further than 5 robust standard deviations from the median are dropped; the extra
    scatter τ² the measurement errors do not explain (DerSimonian-Laird) is added to every
    star's variance, so one bright star contaminated by a blended neighbour cannot dominate;
    the weighted median then resists the (one-sided) contamination that remains.

    Examples
    --------
    >>> m, e, n = _robust_weighted_mean(np.array([1.10, 1.11, 1.09, 1.10, 1.12, 1.35]),
    ...                                 np.array([0.01, 0.01, 0.01, 0.01, 0.01, 0.001]))
    >>> round(m, 2), n
    (1.1, 5)
    """
    centre = float(np.median(values))
    spread = 1.4826 * float(np.median(np.abs(values - centre)))
    keep = np.abs(values - centre) <= 5 * np.maximum(spread, sigma)
    v, s2 = values[keep], sigma[keep] ** 2
    w = 1.0 / s2
    mean = float(np.sum(w * v) / np.sum(w))
    q = float(np.sum(w * (v - mean) ** 2))
    denom = float(np.sum(w) - np.sum(w ** 2) / np.sum(w))
    tau2 = max(0.0, (q - (v.size - 1)) / denom) if denom > 0 else 0.0
    w = 1.0 / (s2 + tau2)
    error = 1.2533 * float(np.sqrt(1.0 / np.sum(w)))
    return weighted_median(v, w), error, int(v.size)
