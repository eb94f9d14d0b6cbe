"""Forced aperture photometry at given positions (spec §9.2): fluxes, local sky, errors, ABMAG, CI.

Flux = aperture sum − sky · area, with the sky from a 3-sigma-clipped annulus (``mode`` =
3·median − 2·mean). The error adds the background noise summed over the aperture from the
per-pixel noise map, the source's Poisson noise (flux / effective exposure time, since the
products are in e⁻/s) and the uncertainty of the sky level (area² · noise² / n_annulus).
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from photutils.aperture import CircularAnnulus
from photutils.aperture import CircularAperture
from photutils.aperture import aperture_photometry

__all__ = ["ApertureFluxes", "ApertureRadii", "abmag", "annulus_stats", "aperture_fluxes"]

#: 1.0857 = 2.5 / ln 10: magnitude error per unit relative flux error.
MAG_PER_RELFLUX = 2.5 / math.log(10.0)


@dataclass(frozen=True)
class ApertureRadii:
    """Aperture and sky-annulus radii in pixels."""

    r1: float
    r2: float
    sky_in: float
    sky_out: float

    @classmethod
    def from_arcsec(cls, a1: float, a2: float, sky_in: float, sky_width: float,
                    scale: float) -> ApertureRadii:
        """Convert arcsec radii with a pixel scale (arcsec/pixel)."""
        return cls(a1 / scale, a2 / scale, sky_in / scale, (sky_in + sky_width) / scale)


@dataclass
class ApertureFluxes:
    """Photometry of n sources in one image; fluxes in e⁻/s, magnitudes ABMAG (NaN if flux ≤ 0)."""

    flux1: np.ndarray
    err1: np.ndarray
    flux2: np.ndarray
    err2: np.ndarray
    mag1: np.ndarray
    merr1: np.ndarray
    mag2: np.ndarray
    merr2: np.ndarray
    sky: np.ndarray
    """Sky per pixel from the annulus (``MSkyAp2``), e⁻/s."""
    sky_std: np.ndarray
    """Clipped standard deviation of the annulus (``StdevAp2``), e⁻/s."""
    ci: np.ndarray
    """MagAp1 − MagAp2 = −2.5 log10(FluxAp1 / FluxAp2); NaN when either flux ≤ 0."""


def abmag(flux: np.ndarray, photflam: float, photplam: float) -> np.ndarray:
    """ABMAG of fluxes in e⁻/s: −2.5 log10(F·PHOTFLAM) − 21.10 − 5 log10(PHOTPLAM) + 18.6921.

    Non-positive fluxes (or PHOTFLAM/PHOTPLAM ≤ 0) give NaN.

    Examples
    --------
    >>> round(float(abmag(np.array([1.0]), 1.93e-20, 15369.0)[0]), 3)
    25.945
    """
    flux = np.asarray(flux, dtype=float)
    if photflam <= 0 or photplam <= 0:
        return np.full(flux.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        mag = -2.5 * np.log10(flux * photflam) - 21.10 - 5 * np.log10(photplam) + 18.6921
    return np.where(flux > 0, mag, np.nan)


def annulus_stats(data: np.ndarray, mask: np.ndarray, x: np.ndarray, y: np.ndarray,
                  r_in: float, r_out: float, *, nsigma: float = 3.0, maxiters: int = 10,
                  chunk: int = 2000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sigma-clipped mean, median and standard deviation of each source's annulus.

    Pixels whose centres lie within [r_in, r_out] of a position and are not masked take part
    (as photutils' ``ApertureStats`` selects them); the clipping (median centre, ``nsigma``
    both sides) is vectorised over sources, ``chunk`` sources at a time.

    Examples
    --------
    >>> img = np.full((50, 50), 2.0); img[25, 31] = 1000.0       # a cosmic ray in the annulus
    >>> mean, median, std = annulus_stats(img, np.zeros(img.shape, bool), np.array([25.0]),
    ...                                   np.array([25.0]), 4.0, 8.0)
    >>> float(mean[0]), float(median[0]), float(std[0])
    (2.0, 2.0, 0.0)
    """
    ny, nx = data.shape
    h = math.ceil(r_out) + 1
    off = np.arange(-h, h + 1)
    out = [np.full(len(x), np.nan) for _ in range(3)]
    for start in range(0, len(x), chunk):
        xs = np.asarray(x[start:start + chunk], float)
        ys = np.asarray(y[start:start + chunk], float)
        ix, iy = np.rint(xs).astype(int), np.rint(ys).astype(int)
        px = ix[:, None, None] + off[None, None, :]
        py = iy[:, None, None] + off[None, :, None]
        r2 = (px - xs[:, None, None]) ** 2 + (py - ys[:, None, None]) ** 2
        inside = (px >= 0) & (px < nx) & (py >= 0) & (py < ny)
        pxc, pyc = np.clip(px, 0, nx - 1), np.clip(py, 0, ny - 1)
        keep = inside & (r2 >= r_in ** 2) & (r2 <= r_out ** 2) & ~mask[pyc, pxc]
        vals = np.where(keep, data[pyc, pxc], np.nan).reshape(len(xs), -1).astype(float)
        sl = slice(start, start + len(xs))
        out[0][sl], out[1][sl], out[2][sl] = _clipped_rows(vals, nsigma, maxiters)
    return out[0], out[1], out[2]


def _clipped_rows(vals: np.ndarray, nsigma: float, maxiters: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sigma-clipped (median centre) mean, median and std of each row; NaN entries ignored.

    Each row is sorted once: the values kept by clipping always form a contiguous run of the
    sorted row, so every iteration only moves its two ends (prefix sums give mean and std).
    """
    v = np.sort(vals, axis=1)                    # NaN sort last
    n, m = v.shape
    rows = np.arange(n)
    filled = np.nan_to_num(v, nan=0.0)
    s1 = np.concatenate([np.zeros((n, 1)), np.cumsum(filled, axis=1)], axis=1)
    s2 = np.concatenate([np.zeros((n, 1)), np.cumsum(filled ** 2, axis=1)], axis=1)
    lo, hi = np.zeros(n, int), np.count_nonzero(np.isfinite(v), axis=1)

    def stats() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        cnt = np.maximum(hi - lo, 1)
        a = np.clip(lo + (cnt - 1) // 2, 0, m - 1)
        b = np.clip(lo + cnt // 2, 0, m - 1)
        median = 0.5 * (v[rows, a] + v[rows, b])
        mean = (s1[rows, hi] - s1[rows, lo]) / cnt
        std = np.sqrt(np.maximum((s2[rows, hi] - s2[rows, lo]) / cnt - mean ** 2, 0.0))
        empty = hi <= lo
        return (np.where(empty, np.nan, mean), np.where(empty, np.nan, median),
                np.where(empty, np.nan, std))

    for _ in range(maxiters):
        _mean, median, std = stats()
        with np.errstate(invalid="ignore"):
            new_lo = np.count_nonzero(v < (median - nsigma * std)[:, None], axis=1)
            new_hi = np.count_nonzero(v <= (median + nsigma * std)[:, None], axis=1)
        new_lo, new_hi = np.maximum(lo, new_lo), np.minimum(hi, new_hi)
        if np.array_equal(new_lo, lo) and np.array_equal(new_hi, hi):
            break
        lo, hi = new_lo, np.maximum(new_hi, new_lo)
    return stats()


def _sky(data: np.ndarray, mask: np.ndarray, x: np.ndarray, y: np.ndarray,
         radii: ApertureRadii, statistic: str) -> tuple[np.ndarray, np.ndarray]:
    if statistic not in ("mode", "median", "mean"):
        raise ValueError(f"sky statistic {statistic!r} is not mode, median or mean")
    mean, median, std = annulus_stats(data, mask, x, y, radii.sky_in, radii.sky_out)
    sky = {"mode": 3.0 * median - 2.0 * mean, "median": median, "mean": mean}[statistic]
    return np.nan_to_num(sky, nan=0.0), std


def aperture_fluxes(data: np.ndarray, noise: np.ndarray, x: np.ndarray, y: np.ndarray,
                    radii: ApertureRadii, *, exptime_map: np.ndarray, photflam: float,
                    photplam: float, sky_statistic: str = "mode") -> ApertureFluxes:
    """Measure two apertures with a local annulus sky at fixed positions.

    Parameters
    ----------
    data
        Image (ny, nx), e⁻/s, *not* background-subtracted (the annulus measures the sky).
    noise
        Per-pixel background noise (ny, nx), e⁻/s; inf where there is no data.
    x, y
        0-based positions (n,), pixels.
    radii
        Aperture and annulus radii, pixels.
    exptime_map
        Effective exposure time per pixel (ny, nx), s, for the source Poisson noise.
    photflam, photplam
        Header calibration for ABMAG.
    sky_statistic
        ``mode``, ``median`` or ``mean`` of the clipped annulus.

    Returns
    -------
    ApertureFluxes
    """
    n = len(x)
    if n == 0:
        empty = np.zeros(0)
        return ApertureFluxes(*([empty] * 11))
    xy = np.column_stack([x, y])
    bad = ~np.isfinite(noise)
    good_noise = np.where(bad, 0.0, noise)
    ap1, ap2 = CircularAperture(xy, r=radii.r1), CircularAperture(xy, r=radii.r2)
    annulus = CircularAnnulus(xy, r_in=radii.sky_in, r_out=radii.sky_out)
    phot = aperture_photometry(data, [ap1, ap2], error=good_noise, mask=bad)
    var_phot = aperture_photometry(exptime_map, [ap2], mask=bad)
    sky, sky_std = _sky(data, bad, np.asarray(x, float), np.asarray(y, float), radii,
                        sky_statistic)
    variance = np.square(good_noise, out=good_noise)      # in place: one full-size array
    ann_var = aperture_photometry(variance, annulus, mask=bad)["aperture_sum"]
    n_ann = np.maximum(np.asarray(annulus.area_overlap(data, mask=bad), float), 1.0)
    sky_var_mean = np.asarray(ann_var, float) / n_ann
    area2_px = np.asarray(ap2.area_overlap(data, mask=bad), float)
    t_eff = np.asarray(var_phot["aperture_sum_0"], float) / np.maximum(area2_px, 1e-9)
    out = []
    for i, ap in enumerate((ap1, ap2)):
        area = np.asarray(ap.area_overlap(data, mask=bad), float)
        flux = np.asarray(phot[f"aperture_sum_{i}"], float) - sky * area
        bkg_var = np.asarray(phot[f"aperture_sum_err_{i}"], float) ** 2
        with np.errstate(divide="ignore", invalid="ignore"):
            poisson = np.where(t_eff > 0, np.clip(flux, 0, None) / t_eff, 0.0)
        err = np.sqrt(bkg_var + poisson + area ** 2 * sky_var_mean / n_ann)
        err = np.where(area > 0, err, np.nan)
        flux = np.where(area > 0, flux, np.nan)
        mag = abmag(flux, photflam, photplam)
        with np.errstate(divide="ignore", invalid="ignore"):
            merr = np.where(flux > 0, MAG_PER_RELFLUX * err / flux, np.nan)
        out.append((flux, err, mag, merr))
    (f1, e1, m1, me1), (f2, e2, m2, me2) = out
    with np.errstate(divide="ignore", invalid="ignore"):
        ci = np.where((f1 > 0) & (f2 > 0), -2.5 * np.log10(f1 / f2), np.nan)
    return ApertureFluxes(f1, e1, f2, e2, m1, me1, m2, me2, sky, sky_std, ci)
