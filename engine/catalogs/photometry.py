"""Forced aperture photometry at given positions (spec §9.2): fluxes, local sky, errors, ABMAG, CI.

Flux = aperture sum − sky · area, with the sky from a 3-sigma-clipped annulus (``mode`` =
3·median − 2·mean). The error adds the background noise summed over the aperture from the
per-pixel noise map, the source's Poisson noise (flux / effective exposure time, since the
products are in e⁻/s) and the uncertainty of the sky level (area² · noise² / n_annulus).
"""
from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
from astropy.stats import SigmaClip
from astropy.utils.exceptions import AstropyUserWarning
from photutils.aperture import ApertureStats, CircularAnnulus, CircularAperture, aperture_photometry

__all__ = ["ApertureFluxes", "ApertureRadii", "abmag", "aperture_fluxes"]

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


def _sky(data: np.ndarray, annulus: CircularAnnulus, mask: np.ndarray, statistic: str
         ) -> tuple[np.ndarray, np.ndarray]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        stats = ApertureStats(data, annulus, mask=mask, sigma_clip=SigmaClip(sigma=3.0,
                                                                           maxiters=10))
        mean, median, std = (np.atleast_1d(np.asarray(v, float))
                             for v in (stats.mean, stats.median, stats.std))
    if statistic == "mode":
        sky = 3.0 * median - 2.0 * mean
    elif statistic == "median":
        sky = median
    elif statistic == "mean":
        sky = mean
    else:
        raise ValueError(f"sky statistic {statistic!r} is not mode, median or mean")
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
    sky, sky_std = _sky(data, annulus, bad, sky_statistic)
    ann_var = aperture_photometry(good_noise ** 2, annulus, mask=bad)["aperture_sum"]
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
