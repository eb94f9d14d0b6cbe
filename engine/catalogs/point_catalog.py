"""Point catalogues: detection on the total image, forced aperture photometry in each filter."""
from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np
from astropy.table import Table
from scipy import ndimage

from hapsvm.catalogs.apcorr import ApertureCorrection
from hapsvm.catalogs.apcorr import FarSkyFluxes
from hapsvm.catalogs.apcorr import Neighbours
from hapsvm.catalogs.apcorr import aperture_correction
from hapsvm.catalogs.apcorr import far_sky_fluxes
from hapsvm.catalogs.flags import COMPACT
from hapsvm.catalogs.flags import EDGE
from hapsvm.catalogs.flags import EXTENDED
from hapsvm.catalogs.flags import FAINT
from hapsvm.catalogs.flags import SATURATED
from hapsvm.catalogs.flags import ci_flags
from hapsvm.catalogs.flags import edge_flags
from hapsvm.catalogs.flags import faint_flags
from hapsvm.catalogs.flags import saturation_flags
from hapsvm.catalogs.params import CatalogParameters
from hapsvm.catalogs.photometry import MAG_PER_RELFLUX
from hapsvm.catalogs.photometry import ApertureFluxes
from hapsvm.catalogs.photometry import abmag
from hapsvm.catalogs.photometry import aperture_fluxes
from hapsvm.catalogs.points import find_point_sources
from hapsvm.catalogs.prepare import PreparedImage
from hapsvm.catalogs.psf_photometry import build_psf_model
from hapsvm.catalogs.psf_photometry import model_ee
from hapsvm.catalogs.psf_photometry import psf_fluxes
from hapsvm.catalogs.psf_photometry import total_flux_scale
from hapsvm.catalogs.saturated_stars import find_saturated_stars
from hapsvm.catalogs.saturated_stars import near_saturated
from hapsvm.catalogs.saturated_stars import saturation_mask
from hapsvm.catalogs.tables import POINT_COLUMNS
from hapsvm.catalogs.tables import make_table

__all__ = [
    "Positions",
    "detect_point_positions",
    "measure_point_catalog",
    "source_flags",
    "STELLAR_CI_KEY",
    "stellar_ci",
    "stellar_locus",
]

#: Header entry of a filter point catalogue: the median CI of its bright point-like sources.
STELLAR_CI_KEY = "Stellar CI"

log = logging.getLogger(__name__)


@dataclass
class Positions:
    """Catalogue positions shared by every filter of a detector."""

    x: np.ndarray
    """0-based pixel x in the total product's frame."""
    y: np.ndarray
    ra: np.ndarray
    """Degrees (from the total product's WCS)."""
    dec: np.ndarray
    ids: np.ndarray
    """1-based consecutive IDs."""


def detect_point_positions(total: PreparedImage, params: CatalogParameters, *,
                           saturated_xy: tuple[np.ndarray, np.ndarray] | None = None
                           ) -> Positions:
    """Find point sources on the total image; IDs 1..n, RA/Dec from its WCS.

    With ``saturated_xy`` (saturated input pixels in the total's frame) and
    ``params.detect_saturated``, every saturated region becomes one source and the DAO
    detections in its bleed trail and wings are dropped (:mod:`hapsvm.catalogs.saturated_stars`).
    """
    fwhm_px = params.fwhmpsf_arcsec / total.image.pixel_scale_arcsec
    resid = total.resid
    found = find_point_sources(resid, total.background.noise, total.background.footprint,
                               fwhm_px=fwhm_px, nsigma=params.nsigma,
                               sharpness_range=(params.sharpness_range[0],
                                                params.sharpness_range[1]),
                               roundness_range=(params.roundness_range[0],
                                                params.roundness_range[1]))
    x, y = np.asarray(found["x"], float), np.asarray(found["y"], float)
    if params.detect_saturated and saturated_xy is not None and len(saturated_xy[0]):
        x, y = _with_saturated(total, x, y, np.asarray(found["peak"], float), resid, params,
                               saturated_xy)
    ra, dec = total.image.wcs.pixel_to_world_values(x, y) if len(x) else (x.copy(), y.copy())
    log.info("point detection: %d sources (%.1f sigma, kernel FWHM %.2f px)", len(x),
             params.nsigma, fwhm_px)
    return Positions(x, y, np.asarray(ra, float), np.asarray(dec, float),
                     np.arange(1, len(x) + 1))


def _with_saturated(total: PreparedImage, x: np.ndarray, y: np.ndarray, peak: np.ndarray,
                    resid: np.ndarray, params: CatalogParameters,
                    saturated_xy: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """DAO detections minus saturated stars' trails and wings, plus one source per star."""
    mask = saturation_mask(*saturated_xy, total.image.shape) & total.background.footprint
    stars = find_saturated_stars(mask, resid, min_pixels=params.saturated_min_pixels)
    drop = near_saturated(stars, x, y, peak, resid, dilation_px=params.saturated_dilation_px,
                          radius_factor=params.saturated_radius_factor,
                          keep_nsigma=params.saturated_keep_nsigma)
    log.info("saturated stars: %d added, %d detections in their cores, bleed trails or wings "
             "dropped", len(stars), int(drop.sum()))
    x, y = np.concatenate([x[~drop], stars.x]), np.concatenate([y[~drop], stars.y])
    order = np.lexsort((x, y))
    return x[order], y[order]


def source_flags(prep: PreparedImage, x: np.ndarray, y: np.ndarray, phot: ApertureFluxes,
                 params: CatalogParameters, *,
                 saturated_xy: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Flags 1, 4, 8, 16, 64 of sources measured in one filter image (spec §9.4)."""
    flags = ci_flags(phot.ci, phot.merr1, phot.merr2, lower=params.ci_lower_limit,
                     upper=params.ci_upper_limit)
    flags |= faint_flags(phot.flux2, phot.err2, snr=params.faint_snr)
    if params.flag_saturation and saturated_xy is not None:
        flags |= saturation_flags(x, y, *saturated_xy, aperture_2_px=prep.radii.r2)
    flags |= edge_flags(prep.count, x, y, aperture_2_px=prep.radii.r2,
                        any_coverage=params.edge_any_coverage, edge=prep.edge_count)
    return flags


def stellar_locus(ci: np.ndarray, snr: np.ndarray, flags: np.ndarray, *, min_snr: float,
                  min_stars: int, half_width: float = 0.08) -> np.ndarray:
    """Point-like candidates for the aperture correction: near the image's own stellar CI.

    Among bright (``snr ≥ min_snr``) sources that are not saturated, faint, at an edge or too
    compact (flag 16: hot pixels and cosmic-ray residuals, never stars), the stellar locus is
    the median CI of those the CI limits call point-like (flag 1 unset too); when fewer than
    ``min_stars`` are (the spec's fixed CI limits need not fit a given PSF or drizzle: every
    star of a broad-PSF filter can be flagged extended), it is the densest CI of them all, the
    median of the shortest interval holding a third of them (bright compact sources are mostly
    stars sharing one CI). Sources within ``half_width`` mag of the locus are returned (bool).

    Examples
    --------
    >>> ci = np.array([1.05, 1.06, 1.07, 1.06, 1.3, 1.1, 0.2, 0.21, 0.22, 0.2, 0.2])
    >>> stellar_locus(ci, np.full(11, 100.0), np.array([1] * 6 + [16] * 5), min_snr=50,
    ...               min_stars=3).tolist()
    [True, True, True, True, False, True, False, False, False, False, False]
    >>> ci = np.array([0.70, 0.68, 0.71, 0.69, 1.3, 1.1, 0.2])
    >>> stellar_locus(ci, np.full(7, 100.0), np.array([0, 0, 0, 0, 1, 1, 16]), min_snr=50,
    ...               min_stars=3).tolist()
    [True, True, True, True, False, False, False]
    """
    locus = stellar_ci(ci, snr, flags, min_snr=min_snr, min_stars=min_stars)
    if not np.isfinite(locus):
        return np.zeros(len(ci), bool)
    with np.errstate(invalid="ignore"):
        return _bright(ci, snr, flags, min_snr) & (np.abs(ci - locus) <= half_width)


def _bright(ci: np.ndarray, snr: np.ndarray, flags: np.ndarray, min_snr: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return (snr >= min_snr) & np.isfinite(ci) & \
            ((flags & (SATURATED | FAINT | EDGE | COMPACT)) == 0)


def stellar_ci(ci: np.ndarray, snr: np.ndarray, flags: np.ndarray, *, min_snr: float,
               min_stars: int) -> float:
    """The image's stellar concentration index (the locus of :func:`stellar_locus`), or NaN
    with fewer than ``min_stars`` bright sources.

    Examples
    --------
    The median CI of the bright point-like (flag 1 unset) sources; with too few of them, the
    densest CI of all bright ones:

    >>> ci = np.array([0.70, 0.68, 0.71, 0.69, 1.3])
    >>> stellar_ci(ci, np.full(5, 100.0), np.array([0, 0, 0, 0, 1]), min_snr=50, min_stars=3)
    0.695
    >>> stellar_ci(ci, np.full(5, 100.0), np.ones(5, int), min_snr=50, min_stars=3)
    0.69
    """
    bright = _bright(ci, snr, flags, min_snr)
    point = bright & ((flags & EXTENDED) == 0)
    if point.sum() >= min_stars:
        return float(np.median(ci[point]))
    if bright.sum() >= min_stars:
        return _densest(ci[bright], min_count=min_stars)
    return math.nan


def _densest(values: np.ndarray, *, min_count: int) -> float:
    """Median of the shortest interval holding a third of ``values`` (≥ ``min_count``)."""
    v = np.sort(values)
    k = min(v.size, max(min_count, v.size // 3))
    start = int(np.argmin(v[k - 1:] - v[:v.size - k + 1]))
    return float(np.median(v[start:start + k]))


def _t_eff(prep: PreparedImage, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ny, nx = prep.exptime_map.shape
    ix = np.clip(np.rint(x).astype(int), 0, nx - 1)
    iy = np.clip(np.rint(y).astype(int), 0, ny - 1)
    return np.asarray(prep.exptime_map[iy, ix], float)


def measure_point_catalog(prep: PreparedImage, pos: Positions, x: np.ndarray, y: np.ndarray,
                          params: CatalogParameters, *,
                          saturated_xy: tuple[np.ndarray, np.ndarray] | None = None,
                          neighbours: Neighbours | None = None,
                          segm: np.ndarray | None = None) -> tuple[Table, ApertureCorrection]:
    """Forced photometry of every total-catalogue source in one filter image.

    Parameters
    ----------
    prep
        The prepared filter image.
    pos
        Total-catalogue positions and IDs (X-Center/Y-Center/RA/DEC come from here).
    x, y
        The same sources in this image's pixel frame (equal to ``pos.x``/``pos.y`` when the
        products share the detector's grid, as SVM products do).
    params
        Catalogue parameters.
    saturated_xy
        Saturated input pixels in this image's frame, or None (not known): flag 4 with
        ``params.flag_saturation``; either way the stars near them are no reference stars and
        their pixels are left out of the PSF fits.
    neighbours
        Detected sources that rule out reference stars near them (default: the catalogue).
    segm
        Detection segmentation map: other segments are masked in the reference stars' large
        apertures (optional).

    Returns
    -------
    tuple
        The filter point catalogue and the aperture correction measured for it.
    """
    img = prep.image
    phot = aperture_fluxes(img.sci, prep.background.noise, x, y, prep.radii,
                           exptime_map=prep.exptime_map, photflam=img.photflam,
                           photplam=img.photplam, sky_statistic=params.sky_statistic)
    flags = source_flags(prep, x, y, phot, params, saturated_xy=saturated_xy)
    # saturated stars are never reference stars, whether flag 4 is written or not (WFC3/IR)
    near_sat = saturation_flags(x, y, *saturated_xy, aperture_2_px=prep.radii.r2) \
        if saturated_xy is not None else np.zeros(len(x), np.int64)
    r_big = params.apcorr_radius_arcsec / img.pixel_scale_arcsec
    with np.errstate(divide="ignore", invalid="ignore"):
        usable = stellar_locus(phot.ci, phot.flux2 / phot.err2, flags | near_sat,
                               min_snr=params.apcorr_min_snr, min_stars=params.apcorr_min_stars)
    far = far_sky_fluxes(img.sci, prep.background.noise, x, y, r2=prep.radii.r2, r_big=r_big,
                         exptime_map=prep.exptime_map, big_for=usable)
    apcorr = aperture_correction(far, x, y, usable, shape=img.shape, radius_px=r_big,
                                 large_ee=params.apcorr_large_ee, min_snr=params.apcorr_min_snr,
                                 min_stars=params.apcorr_min_stars,
                                 default_mag=params.apcorr_default_mag,
                                 neighbours=neighbours, segm=segm, data=img.sci,
                                 noise=prep.background.noise, r2=prep.radii.r2,
                                 t_eff_map=_t_eff(prep, x, y),
                                 outer_factor=params.apcorr_outer_factor)
    cor = far.flux2 * apcorr.factor
    with np.errstate(divide="ignore", invalid="ignore"):
        psf_stars = stellar_locus(phot.ci, phot.flux2 / phot.err2, flags | near_sat,
                                  min_snr=params.apcorr_min_snr,
                                  min_stars=params.apcorr_min_stars,
                                  half_width=params.psf_star_ci_width)
    psf = _psf_columns(prep, x, y, phot, far, (usable, psf_stars), apcorr, params,
                       saturated_xy=saturated_xy)
    values = {"X-Center": pos.x, "Y-Center": pos.y, "RA": pos.ra, "DEC": pos.dec,
              "ID": pos.ids, "MagAp1": phot.mag1, "MagErrAp1": phot.merr1,
              "FluxAp1": phot.flux1, "FluxErrAp1": phot.err1, "MagAp2": phot.mag2,
              "MagErrAp2": phot.merr2, "MSkyAp2": phot.sky, "StdevAp2": phot.sky_std,
              "FluxAp2": phot.flux2, "FluxErrAp2": phot.err2, "CI": phot.ci, "Flags": flags,
              "FluxAp2Cor": cor, "FluxErrAp2Cor": np.hypot(far.err2 * apcorr.factor,
                                                             far.flux2 * apcorr.error),
              "MagAp2Cor": abmag(cor, img.photflam, img.photplam)} | psf.columns
    table = make_table(POINT_COLUMNS, values, len(pos.ids))
    with np.errstate(divide="ignore", invalid="ignore"):
        locus = stellar_ci(phot.ci, phot.flux2 / phot.err2, flags | near_sat,
                           min_snr=params.apcorr_min_snr, min_stars=params.apcorr_min_stars)
    table.meta[STELLAR_CI_KEY] = round(locus, 4) if np.isfinite(locus) else None
    log.info("%s point catalogue: %d sources, %d unflagged, aperture correction %.3f mag (%s, "
             "%d stars)", img.filter_name, len(table), int(np.count_nonzero(flags == 0)),
             apcorr.mag, apcorr.method, apcorr.n_stars)
    table.meta["psf"] = psf.note
    return table, apcorr


@dataclass
class _PsfColumns:
    columns: dict[str, np.ndarray]
    note: str
    """How the model was made and normalised (a catalogue header entry)."""


def _psf_columns(prep: PreparedImage, x: np.ndarray, y: np.ndarray, phot: ApertureFluxes,
                 far: FarSkyFluxes, stars: tuple[np.ndarray, np.ndarray],
                 apcorr: ApertureCorrection,
                 params: CatalogParameters, *,
                 saturated_xy: tuple[np.ndarray, np.ndarray] | None = None) -> _PsfColumns:
    """FluxPSF, FluxErrPSF, MagPSF, MagErrPSF, QfitPSF, Chi2PSF of one filter image.

    ``stars`` holds the reference stars of the total-flux scale (those of the aperture
    correction) and the candidate PSF stars."""
    reference, psf_stars = stars
    if not params.psf_photometry or len(x) == 0:
        return _PsfColumns({}, "not measured (psf_photometry false)" if len(x) else "no sources")
    img = prep.image
    resid = prep.resid
    with np.errstate(divide="ignore", invalid="ignore"):
        snr = phot.flux2 / phot.err2
    model, info = build_psf_model(
        resid, x, y, psf_stars, snr, stamp_px=params.psf_stamp_px | 1,
        oversampling=params.psf_oversampling, min_stars=params.psf_min_stars,
        max_stars=params.psf_max_stars,
        fwhm_px=params.fwhmpsf_arcsec / img.pixel_scale_arcsec)
    with np.errstate(invalid="ignore"):
        fit = np.isfinite(snr) & (snr >= params.psf_min_snr)
    excluded = None
    if saturated_xy is not None and len(saturated_xy[0]):
        excluded = saturation_mask(*saturated_xy, img.shape, close_px=0)
        if params.psf_saturated_grow_px > 0:
            excluded = ndimage.binary_dilation(
                excluded, structure=np.ones((3, 3), bool),
                iterations=params.psf_saturated_grow_px)
    fitted = psf_fluxes(resid, prep.background.noise, x, y, fit, model,
                        fit_shape=params.psf_fit_shape | 1, init_flux=phot.flux2,
                        xy_bound_px=params.psf_xy_bound_px, excluded=excluded)
    del resid
    fallback = model_ee(model, prep.radii.r2, params.psf_stamp_px // 2) * apcorr.factor
    scale = total_flux_scale(fitted, x, y, reference, far.flux2 * apcorr.factor,
                             far.err2 * apcorr.factor, shape=img.shape,
                             min_stars=params.apcorr_min_stars, fallback=fallback,
                             degree=params.psf_scale_degree,
                             profile=(apcorr.stars, apcorr.star_total, apcorr.star_total_err))
    flux = fitted.flux * scale.values
    t_eff = _t_eff(prep, x, y)
    with np.errstate(divide="ignore", invalid="ignore"):
        poisson = np.where(t_eff > 0, np.clip(flux, 0, None) / t_eff, 0.0)
        err = np.sqrt((fitted.err * scale.values) ** 2 + poisson)
        merr = np.where(flux > 0, MAG_PER_RELFLUX * err / flux, np.nan)
    how = f"{info.n_stars} stars" if info.method == "epsf" else \
        f"FWHM {info.fwhm_px:.2f} px from {info.n_stars} stars"
    norm = (f"median FluxAp2Cor / fit of {scale.n_stars} stars, times a degree-"
            f"{scale.degree} polynomial in x, y of the large-aperture total / fit of "
            f"{apcorr.stars.size} stars" if scale.n_stars else
            "model encircled energy in aperture 2 x aperture correction")
    note = (f"{info.method} ({how}); {int(fit.sum())} rows fitted (S/N >= "
            f"{params.psf_min_snr}), positions within {params.psf_xy_bound_px} px, "
            f"{params.psf_fit_shape | 1} px box; "
            f"total-flux scale {scale.median:.4f} (median; {norm})")
    log.info("%s PSF photometry: %s", img.filter_name, note)
    return _PsfColumns({"FluxPSF": flux, "FluxErrPSF": err,
                        "MagPSF": abmag(flux, img.photflam, img.photplam), "MagErrPSF": merr,
                        "QfitPSF": fitted.qfit, "Chi2PSF": fitted.chi2}, note)
