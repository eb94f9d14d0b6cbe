"""Per-chip alignment source lists: background mesh, smoothed peaks, windowed centroids."""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.stats import sigma_clipped_stats
from astropy.utils.exceptions import AstropyUserWarning
from astropy.utils.exceptions import AstropyWarning
from photutils.background import Background2D
from photutils.background import MedianBackground
from photutils.background import SExtractorBackground
from photutils.background import StdBackgroundRMS
from scipy import ndimage

from hapsvm.align.chip_wcs import read_chip_wcs
from hapsvm.align.chip_wcs import sci_extvers
from hapsvm.align.params import SourceFindingSettings

__all__ = ["ChipSources", "ExposureSources", "find_chip_sources",
           "find_exposure_sources"]

log = logging.getLogger(__name__)

_ESTIMATORS = {"sextractor": SExtractorBackground, "median": MedianBackground}
_EXCLUDE_PERCENTILES = (10.0, 25.0, 50.0, 75.0)


@dataclass(frozen=True)
class ChipSources:
    """Sources of one chip: 0-based pixel positions, instrumental flux and magnitude."""

    chip: int
    shape: tuple[int, int]
    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    position_error_px: np.ndarray | None = None
    """1σ centroid error per axis, pixels (pixel noise, the settings' floor and the
    saturated-core term); None when unknown."""

    @property
    def mag(self) -> np.ndarray:
        """Instrumental magnitude, -2.5 log10(flux)."""
        return -2.5 * np.log10(self.flux)

    def __len__(self) -> int:
        return int(self.x.size)


@dataclass(frozen=True)
class ExposureSources:
    """Sources of every chip of one exposure."""

    rootname: str
    path: Path
    filter_name: str
    kind: str
    mjd: float
    chips: list[ChipSources]

    @property
    def n_sources(self) -> int:
        """Total number of sources over the chips."""
        return sum(len(c) for c in self.chips)


def _background(data: np.ndarray, mask: np.ndarray,
                s: SourceFindingSettings) -> tuple[np.ndarray, np.ndarray]:
    """Background and RMS images; a sigma-clipped scalar if no mesh can be built."""
    box = min(s.box_size_px, *data.shape)
    for pct in _EXCLUDE_PERCENTILES:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyUserWarning)
                bkg = Background2D(data, box, mask=mask, filter_size=s.filter_size_px,
                                   exclude_percentile=pct,
                                   bkg_estimator=_ESTIMATORS[s.bkg_estimator.lower()](),
                                   bkg_rms_estimator=StdBackgroundRMS())
            return (_upsample(bkg.background_mesh, data.shape),
                    _upsample(bkg.background_rms_mesh, data.shape))
        except ValueError:
            continue
    log.debug("no background mesh at any exclusion percentile: scalar background used")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        _, median, std = sigma_clipped_stats(data, mask=mask)
    return np.full(data.shape, median), np.full(data.shape, max(float(std), 1e-6))


def find_chip_sources(data: np.ndarray, dq: np.ndarray | None, *, chip: int,
                      settings: SourceFindingSettings,
                      err: np.ndarray | None = None) -> ChipSources:
    """Find point-like sources on one chip, brightest first.

    Peaks of the kernel-smoothed, background-subtracted image above the threshold image (in
    segments of at least ``min_pixels``) are centroided with an iterative Gaussian-windowed
    centroid (SExtractor's ``XWIN``), which keeps close neighbours apart without deblending.

    Parameters
    ----------
    data
        SCI array (any numeric type; cast to float32).
    dq
        DQ array or ``None``; pixels with a bit other than ``saturation_dq_bits`` are masked.
    chip
        SCI EXTVER, stored with the result.
    settings
        Background, threshold, kernel, centroid and selection parameters.
    err
        ERR array (1σ per pixel, SCI units) for the centroid errors; ``None``: the background
        RMS (no source photon noise).

    Returns
    -------
    ChipSources
        At most ``max_sources_per_chip`` sources with positive flux, with centroid errors.
    """
    s = settings
    data = np.asarray(data, dtype=np.float32)
    sat_bits = int(np.bitwise_or.reduce(np.array(s.saturation_dq_bits or (0,), dtype=np.int64)))
    dq_arr = np.zeros(data.shape, np.int64) if dq is None else np.asarray(dq, np.int64)
    mask = ((dq_arr & ~sat_bits) != 0) | ~np.isfinite(data)
    bkg, rms = _background(np.where(mask, 0, data), mask, s)
    rms = np.maximum(rms, _rms_floor(data[~mask]))
    sub = np.where(mask, 0.0, data - bkg).astype(np.float32)
    smooth = ndimage.gaussian_filter(sub, s.kernel_fwhm_px / 2.3548, mode="constant",
                                     truncate=2.5)
    above = smooth > s.threshold_factor * s.nsigma * rms
    labels, n = ndimage.label(above)
    empty = ChipSources(chip, data.shape, np.empty(0), np.empty(0), np.empty(0), np.empty(0))
    if n == 0:
        return empty
    area = np.bincount(labels.ravel())
    size = 2 * int(np.ceil(s.kernel_fwhm_px)) + 1
    peak = (smooth == ndimage.maximum_filter(smooth, size=size)) & above
    peak &= area[labels] >= s.min_pixels
    py, px = np.nonzero(peak)
    order = np.argsort(-smooth[py, px])[: 3 * s.max_sources_per_chip]
    py, px = py[order], px[order]
    noise = rms if err is None else np.where(np.isfinite(err) & (err > 0), err, rms)
    variance = np.where(mask, 0.0, np.square(noise, dtype=np.float32))
    x, y, flux, frac, sigma = _windowed(sub, px, py, fwhm=s.window_fwhm_px, variance=variance)
    keep = np.isfinite(x) & np.isfinite(y) & (flux > 0)
    keep &= (x >= s.border_px) & (y >= s.border_px)
    keep &= (x <= data.shape[1] - 1 - s.border_px) & (y <= data.shape[0] - 1 - s.border_px)
    if s.max_peak_fraction < 1.0:
        keep &= frac <= s.max_peak_fraction
    saturated = (dq_arr & sat_bits) != 0
    if s.exclude_saturated:
        keep &= ~ndimage.maximum_filter(saturated, size=2 * size + 1)[py, px]
    idx = np.nonzero(keep)[0]
    idx = idx[np.argsort(-flux[idx], kind="stable")][: s.max_sources_per_chip]
    core_saturated = ndimage.maximum_filter(saturated, size=7)[py[idx], px[idx]]
    sigma = np.sqrt(sigma[idx] ** 2 + s.centroid_error_floor_px ** 2 +
                    np.where(core_saturated, s.saturated_centroid_error_px ** 2, 0.0))
    return ChipSources(chip, data.shape, x[idx], y[idx], flux[idx], sigma)


def _upsample(mesh: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Bilinear interpolation of a background mesh (box centres) to every pixel.

    Separable and vectorised: much cheaper on full frames than photutils' cubic zoom, and
    smooth enough for a detection threshold.
    """
    mesh = np.asarray(mesh, np.float32)
    rows = _linear_weights(mesh.shape[0], shape[0])
    cols = _linear_weights(mesh.shape[1], shape[1])
    along_x = mesh[:, cols[0]] * (1 - cols[2]) + mesh[:, cols[1]] * cols[2]
    out = along_x[rows[0]]
    out *= (1 - rows[2])[:, None]
    out += along_x[rows[1]] * rows[2][:, None]
    return out


def _linear_weights(n_mesh: int, n_pix: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower/upper mesh index and weight of the upper one for each pixel (clamped at edges)."""
    pos = (np.arange(n_pix) + 0.5) * n_mesh / n_pix - 0.5
    pos = np.clip(pos, 0, n_mesh - 1)
    lo = np.floor(pos).astype(int)
    hi = np.minimum(lo + 1, n_mesh - 1)
    return lo, hi, (pos - lo).astype(np.float32)


def _rms_floor(values: np.ndarray) -> float:
    """Smallest credible noise: the quantisation noise (1/√12) of integer-valued data.

    Re-packed archive files (SCI stored as whole e-/s) have a background of exact zeros, whose
    measured RMS is 0; without a floor every non-zero pixel would be a detection.

    Examples
    --------
    >>> round(_rms_floor(np.array([0.0, 0.0, 3.0])), 3), _rms_floor(np.array([0.5, 1.25]))
    (0.289, 1e-12)
    """
    finite = values[np.isfinite(values)]
    if finite.size and np.all(finite == np.round(finite)):
        return float(1.0 / np.sqrt(12.0))
    return 1e-12


def _windowed(sub: np.ndarray, px: np.ndarray, py: np.ndarray, *, fwhm: float,
              variance: np.ndarray, n_iter: int = 16
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Gaussian-windowed centroids, aperture fluxes, peak-pixel fractions and centroid errors.

    Returns x, y (0-based pixels), the flux within a radius of 2·FWHM + 1, the fraction
    of the 3×3 flux in the brightest pixel (cosmic rays have most of it in one pixel) and the
    1σ centroid error per axis from the pixel ``variance`` (``_centroid_error``).
    """
    half = int(np.ceil(2 * fwhm)) + 1
    pad = np.pad(sub, half, mode="constant")
    off = np.arange(-half, half + 1)
    gy, gx = np.meshgrid(off, off, indexing="ij")
    stamps = pad[(py + half)[:, None, None] + gy, (px + half)[:, None, None] + gx]
    sigma2 = (fwhm / 2.3548) ** 2
    dx = np.zeros(px.size)
    dy = np.zeros(px.size)
    for _ in range(n_iter):
        r2 = (gx[None] - dx[:, None, None]) ** 2 + (gy[None] - dy[:, None, None]) ** 2
        w = np.exp(-r2 / (2 * sigma2)) * stamps
        norm = w.sum(axis=(1, 2))
        with np.errstate(invalid="ignore", divide="ignore"):
            step_x = 2 * (w * (gx[None] - dx[:, None, None])).sum(axis=(1, 2)) / norm
            step_y = 2 * (w * (gy[None] - dy[:, None, None])).sum(axis=(1, 2)) / norm
        dx = np.clip(dx + step_x, -1.5, 1.5)
        dy = np.clip(dy + step_y, -1.5, 1.5)
    aperture = (gx ** 2 + gy ** 2) <= half ** 2
    flux = (stamps * aperture[None]).sum(axis=(1, 2))
    sigma = _centroid_error(np.pad(variance, half, mode="constant")[
        (py + half)[:, None, None] + gy, (px + half)[:, None, None] + gx], stamps, gx, gy, dx, dy,
        sigma2)
    core = stamps[:, half - 1:half + 2, half - 1:half + 2]
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = stamps[:, half, half] / core.sum(axis=(1, 2))
    bad = ~np.isfinite(dx) | ~np.isfinite(dy) | (norm <= 0)
    x = np.where(bad, np.nan, px + dx)
    y = np.where(bad, np.nan, py + dy)
    return x, y, flux, np.where(np.isfinite(frac), frac, 1.0), np.where(bad, np.nan, sigma)


def _centroid_error(var: np.ndarray, stamps: np.ndarray, gx: np.ndarray, gy: np.ndarray,
                    dx: np.ndarray, dy: np.ndarray, sigma2: float) -> np.ndarray:
    """1σ per-axis error of converged windowed centroids (pixels) from per-pixel variances.

    The centroid solves Σ w I (x − x̄) = 0 with the window w centred on x̄; linearising gives
    var(x̄) = Σ w² σ² (x − x̄)² / (Σ w I (1 − (x − x̄)² / σ_w²))² (SExtractor's ``ERRX2WIN``
    with its factor 4 is the case of a window matched to the PSF).
    """
    ox, oy = gx[None] - dx[:, None, None], gy[None] - dy[:, None, None]
    w = np.exp(-(ox ** 2 + oy ** 2) / (2 * sigma2))
    wi = w * stamps
    den_x = (wi * (1 - ox ** 2 / sigma2)).sum(axis=(1, 2))
    den_y = (wi * (1 - oy ** 2 / sigma2)).sum(axis=(1, 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        var_x = (w ** 2 * var * ox ** 2).sum(axis=(1, 2)) / den_x ** 2
        var_y = (w ** 2 * var * oy ** 2).sum(axis=(1, 2)) / den_y ** 2
        out = np.sqrt((var_x + var_y) / 2)
    return np.where(np.isfinite(out) & (den_x > 0) & (den_y > 0), out, np.nan)


def find_exposure_sources(path: Path, *, rootname: str, filter_name: str, kind: str,
                          settings: SourceFindingSettings) -> ExposureSources:
    """Find sources on every SCI chip of an exposure file (opened read-only).

    The chip WCS is read too, to check it is usable before any fit.
    """
    chips = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path, mode="readonly") as hdul:
            mjd = float(hdul[0].header.get("EXPSTART", 51544.5))
            for ver in sci_extvers(hdul):
                read_chip_wcs(hdul, ver)
                dq = hdul["DQ", ver].data if ("DQ", ver) in hdul else None
                err = hdul["ERR", ver].data if ("ERR", ver) in hdul else None
                chips.append(find_chip_sources(hdul["SCI", ver].data, dq, chip=ver,
                                               settings=settings, err=err))
    return ExposureSources(rootname=rootname, path=Path(path), filter_name=filter_name,
                           kind=kind, mjd=mjd, chips=chips)
