"""PSF-fit fluxes at the catalogue positions, normalised to total flux (extra columns, spec §9).

The PSF is the image's own: an effective PSF (``photutils.psf.EPSFBuilder``) built from its
bright, isolated, unsaturated point sources, or, with fewer than ``psf_min_stars`` of them, a
circular Gaussian PRF of the FWHM fitted to those few (``photutils.psf.fit_fwhm``) or of
``fwhmpsf_arcsec``. ``photutils.psf.PSFPhotometry`` fits its flux at the detected positions,
which stay fixed (forced photometry, no grouping: a neighbour's light inside the
``psf_fit_shape`` box is part of the residual, and the fit quality columns say so), on the
background-subtracted image, tile by tile (bounded memory).

The fitted flux is the model's normalisation, i.e. the flux inside the model's stamp. It is put
on the *total*-flux scale with the image's measured aperture correction: the factor is the
weighted median, over the aperture-correction reference stars, of the aperture-corrected flux
divided by the fitted flux (with too few such stars: the model's own encircled energy in
aperture 2 times the aperture correction), times its change over the image: one ePSF cannot
follow a drizzled PSF that changes over the field (ACS/WFC: ±1–2 % of a star's flux outside the
model's core across the image), so a low-order polynomial in x and y is fitted to the
large-aperture total / fitted flux of the stars the aperture correction measured. MagPSF
therefore shares the total-flux calibration of MagAp2Cor but not its noise: on stars the fit
weighs the core pixels by their noise.
"""
from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
from astropy.modeling import Fittable2DModel
from astropy.nddata import NDData
from astropy.table import Table
from astropy.utils.exceptions import AstropyUserWarning
from photutils.aperture import CircularAperture
from photutils.aperture import aperture_photometry
from photutils.psf import CircularGaussianPRF
from photutils.psf import EPSFBuilder
from photutils.psf import PSFPhotometry
from photutils.psf import extract_stars
from photutils.psf import fit_fwhm
from scipy.spatial import cKDTree

from hapsvm.catalogs.apcorr import weighted_median

__all__ = ["FluxScale", "PsfFluxes", "PsfModelInfo", "build_psf_model", "model_ee",
           "psf_fluxes", "total_flux_scale"]

log = logging.getLogger(__name__)

#: Tile size of the fits, pixels (memory of one tile's float64 copies, not of the image).
_TILE = 1024


@dataclass(frozen=True)
class PsfModelInfo:
    """How the PSF model of one image was made."""

    method: str
    """``epsf`` (built from the image's stars) or ``gaussian`` (too few stars)."""
    n_stars: int
    """Stars the model was built from (for ``gaussian``: stars its FWHM was fitted to)."""
    fwhm_px: float
    """FWHM of the Gaussian (``gaussian``), or NaN."""


@dataclass
class PsfFluxes:
    """PSF-fit fluxes of n sources in one image (model normalisation, not yet total flux)."""

    flux: np.ndarray
    """Fitted flux, e⁻/s (NaN where not fitted)."""
    err: np.ndarray
    """Its 1-sigma error from the fit (background noise only), e⁻/s."""
    qfit: np.ndarray
    """photutils ``qfit``: sum of |residual| over the fit box / fitted flux (0 = perfect)."""
    chi2: np.ndarray
    """photutils ``reduced_chi2`` of the fit."""
    fit_flags: np.ndarray
    """photutils fit flags (``photutils.psf.decode_psf_flags``); -1 where not fitted."""


def _isolated_stars(x: np.ndarray, y: np.ndarray, candidates: np.ndarray, snr: np.ndarray, *,
                    half: int, shape: tuple[int, int], max_stars: int) -> np.ndarray:
    """Brightest candidates with no other source within their stamp and the stamp on the image."""
    ny, nx = shape
    idx = np.flatnonzero(candidates & (x > half + 1) & (x < nx - half - 2) &
                         (y > half + 1) & (y < ny - half - 2))
    if idx.size == 0 or x.size < 2:
        return idx
    tree = cKDTree(np.column_stack([x, y]))
    dist, _ = tree.query(np.column_stack([x[idx], y[idx]]), k=2)
    idx = idx[dist[:, 1] > math.sqrt(2) * half + 2]
    return idx[np.argsort(-snr[idx], kind="stable")][:max_stars]


def build_psf_model(resid: np.ndarray, x: np.ndarray, y: np.ndarray, candidates: np.ndarray,
                    snr: np.ndarray, *, stamp_px: int, oversampling: int, min_stars: int,
                    max_stars: int, fwhm_px: float) -> tuple[Fittable2DModel, PsfModelInfo]:
    """The image's PSF model: an ePSF of its isolated bright stars, or a Gaussian PRF.

    Parameters
    ----------
    resid
        Background-subtracted image (ny, nx), e⁻/s.
    x, y
        Every catalogue position, pixels (isolation is judged against all of them).
    candidates
        Sources that may serve as PSF stars (point-like, bright, unsaturated), bool.
    snr
        Their aperture-2 S/N (the brightest are used first).
    stamp_px
        Size of the star stamps and of the model, pixels (odd).
    oversampling
        ePSF oversampling factor.
    min_stars, max_stars
        Fewest stars for an ePSF; most stars used.
    fwhm_px
        FWHM of the fallback Gaussian when not even one star is available, pixels.

    Returns
    -------
    tuple
        The model (positions to be set per source) and how it was made.
    """
    half = stamp_px // 2
    idx = _isolated_stars(x, y, candidates, snr, half=half, shape=resid.shape,
                          max_stars=max_stars)
    if idx.size >= min_stars:
        stars = extract_stars(NDData(resid), Table({"x": x[idx], "y": y[idx]}),
                              size=(stamp_px, stamp_px))
        builder = EPSFBuilder(oversampling=oversampling, maxiters=5, progress_bar=False)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            epsf = builder(stars).epsf
        log.info("PSF model: ePSF of %d stars (%d px, oversampling %d)", idx.size, stamp_px,
                 oversampling)
        return epsf, PsfModelInfo("epsf", int(idx.size), math.nan)
    fwhm = fwhm_px
    if idx.size:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyUserWarning)
            fitted = np.asarray(fit_fwhm(resid, xypos=np.column_stack([x[idx], y[idx]]),
                                         fwhm=fwhm_px, fit_shape=5), float)
        fitted = fitted[np.isfinite(fitted) & (fitted > 0)]
        fwhm = float(np.median(fitted)) if fitted.size else fwhm_px
    log.info("PSF model: Gaussian PRF, FWHM %.2f px (%d stars < %d for an ePSF)", fwhm,
             idx.size, min_stars)
    return CircularGaussianPRF(fwhm=fwhm), PsfModelInfo("gaussian", int(idx.size), fwhm)


def _fixed(model: Fittable2DModel, names: tuple[str, ...] = ("x_0", "y_0", "fwhm")
           ) -> Fittable2DModel:
    model = model.copy()
    for name in names:
        if name in model.param_names:
            getattr(model, name).fixed = True
    return model


def psf_fluxes(resid: np.ndarray, noise: np.ndarray, x: np.ndarray, y: np.ndarray,
               fit: np.ndarray, model: Fittable2DModel, *, fit_shape: int,
               init_flux: np.ndarray, xy_bound_px: float = 0.0,
               excluded: np.ndarray | None = None) -> PsfFluxes:
    """Fit the model's flux at fixed positions with ``PSFPhotometry``, tile by tile.

    Parameters
    ----------
    resid, noise
        Background-subtracted image and per-pixel noise (ny, nx), e⁻/s; noise is inf where
        there is no data (those pixels are masked).
    x, y
        Positions, pixels.
    fit
        Sources to fit (bool); the others get NaN.
    model
        PSF model (``build_psf_model``).
    fit_shape
        Side of the square box of pixels fitted around each source (odd).
    init_flux
        Starting fluxes (e.g. aperture-2 fluxes), e⁻/s.
    xy_bound_px
        The fitted position may move this far from the catalogue position, pixels (0: fixed).
    excluded
        Pixels left out of every fit (bool, (ny, nx)), e.g. saturated cores; None: none.

    Returns
    -------
    PsfFluxes
    """
    n = len(x)
    out = PsfFluxes(np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan),
                    np.full(n, np.nan), fit_flags=np.full(n, -1))
    boxes = _box_sizes(x, y, fit & np.isfinite(init_flux), excluded, fit_shape=fit_shape,
                       max_shape=max(fit_shape, _model_size(model)))
    for shape in np.unique(boxes[boxes > 0]):
        # sources with excluded pixels in their box: a larger box, fixed positions
        bound = xy_bound_px if shape == fit_shape else 0.0
        _fit_all(resid, noise, x, y, boxes == shape, model, int(shape), bound, init_flux, out,
                 excluded)
    return out


def _fit_all(resid: np.ndarray, noise: np.ndarray, x: np.ndarray, y: np.ndarray,
             fit: np.ndarray, model: Fittable2DModel, fit_shape: int, xy_bound_px: float,
             init_flux: np.ndarray, out: PsfFluxes, excluded: np.ndarray | None) -> None:
    ny, nx = resid.shape
    margin = fit_shape // 2 + 2
    ix, iy = np.rint(x).astype(int), np.rint(y).astype(int)
    fixed = _fixed(model, ("fwhm",) if xy_bound_px > 0 else ("x_0", "y_0", "fwhm"))
    for ty in range(0, ny, _TILE):
        for tx in range(0, nx, _TILE):
            sel = np.flatnonzero(fit & (ix >= tx) & (ix < tx + _TILE) & (iy >= ty) &
                                 (iy < ty + _TILE))
            if sel.size:
                _fit_tile(resid, noise, x, y, sel, (max(ty - margin, 0), max(tx - margin, 0),
                                                    min(ty + _TILE + margin, ny),
                                                    min(tx + _TILE + margin, nx)),
                          fixed, (fit_shape, xy_bound_px), init_flux, out, excluded)


def _model_size(model: Fittable2DModel) -> int:
    """Side of the model's own stamp in image pixels (odd), or 0 for an analytic model."""
    data = getattr(model, "data", None)
    if data is None:
        return 0
    over = int(np.max(np.atleast_1d(getattr(model, "oversampling", 1))))
    return (int(np.asarray(data).shape[0]) // over) | 1


def _box_sizes(x: np.ndarray, y: np.ndarray, fit: np.ndarray, excluded: np.ndarray | None, *,
               fit_shape: int, max_shape: int) -> np.ndarray:
    """Fit box side of each source (0: not fitted): ``fit_shape``, or, when excluded pixels
    fall in that box, the smallest larger odd box with as many usable pixels as a full
    ``fit_shape`` box (at most ``max_shape``).

    Examples
    --------
    >>> ex = np.zeros((40, 40), bool); ex[19:22, 19:22] = True
    >>> _box_sizes(np.array([20.0, 5.0]), np.array([20.0, 5.0]), np.ones(2, bool), ex,
    ...            fit_shape=5, max_shape=15).tolist()
    [7, 5]
    """
    boxes = np.where(fit, fit_shape, 0)
    if excluded is None or not excluded.any():
        return boxes
    ny, nx = excluded.shape
    ix, iy = np.rint(x).astype(int), np.rint(y).astype(int)
    half = fit_shape // 2
    for i in np.flatnonzero(fit):
        for h in range(half, max(max_shape // 2, half) + 1):
            cut = excluded[max(iy[i] - h, 0):min(iy[i] + h + 1, ny),
                           max(ix[i] - h, 0):min(ix[i] + h + 1, nx)]
            if h == half and not cut.any():
                break
            if cut.size - int(cut.sum()) >= fit_shape * fit_shape or h == max_shape // 2:
                boxes[i] = 2 * h + 1
                break
    return boxes


def _fit_tile(resid: np.ndarray, noise: np.ndarray, x: np.ndarray, y: np.ndarray,
              sel: np.ndarray, box: tuple[int, int, int, int], model: Fittable2DModel,
              shape_bound: tuple[int, float], init_flux: np.ndarray, out: PsfFluxes,
              excluded: np.ndarray | None) -> None:
    fit_shape, bound = shape_bound
    y0, x0, y1, x1 = box
    data = np.asarray(resid[y0:y1, x0:x1], float)
    sig = np.asarray(noise[y0:y1, x0:x1], float)
    bad = ~np.isfinite(sig) | ~np.isfinite(data)
    if excluded is not None:
        bad |= excluded[y0:y1, x0:x1]
    init = Table({"id": np.arange(1, sel.size + 1), "x": x[sel] - x0, "y": y[sel] - y0,
                  "flux": np.where(init_flux[sel] > 0, init_flux[sel], 1.0)})
    phot = PSFPhotometry(model, (fit_shape, fit_shape), grouper=None,
                         xy_bounds=(bound, bound) if bound > 0 else None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        res = phot(np.where(bad, 0.0, data), mask=bad, error=np.where(bad, 1.0, sig),
                   init_params=init)
    rows = sel[np.asarray(res["id"], int) - 1]
    out.flux[rows] = np.asarray(res["flux_fit"], float)
    out.err[rows] = np.asarray(res["flux_err"], float)
    out.qfit[rows] = np.asarray(res["qfit"], float)
    out.chi2[rows] = np.asarray(res["reduced_chi2"], float)
    out.fit_flags[rows] = np.asarray(res["flags"], int)


def model_ee(model: Fittable2DModel, radius_px: float, half: int) -> float:
    """Fraction of the model's flux (within ``half`` px) inside ``radius_px`` of its centre.

    Examples
    --------
    A pixel-integrated Gaussian of 2 px FWHM holds a little less inside 3 px than the analytic
    1 - exp(-r²/2σ²) = 0.998 (pixels widen it; the aperture's edge pixels are partial):

    >>> round(model_ee(CircularGaussianPRF(fwhm=2.0), 3.0, 15), 3)
    0.994
    """
    m = _fixed(model)
    m.x_0, m.y_0, m.flux = 0.0, 0.0, 1.0
    yy, xx = np.mgrid[-half:half + 1, -half:half + 1].astype(float)
    img = np.asarray(m(xx, yy), float)
    inner = aperture_photometry(img, CircularAperture((half, half), r=radius_px))
    return float(inner["aperture_sum"][0]) / float(img.sum())


@dataclass(frozen=True)
class FluxScale:
    """Factor putting fitted fluxes on the total-flux scale, per source."""

    values: np.ndarray
    """The factor at each source's position."""
    n_stars: int
    """Reference stars it was fitted to (0: the fallback constant)."""
    degree: int
    """Degree of the polynomial in x and y (-1: the fallback constant)."""

    @property
    def median(self) -> float:
        """Median factor over the sources (a summary for the header)."""
        return float(np.median(self.values)) if self.values.size else math.nan


def _design(x: np.ndarray, y: np.ndarray, shape: tuple[int, int], degree: int) -> np.ndarray:
    """Monomials u^i v^j (i + j ≤ degree) of the positions scaled to [-1, 1] over the image."""
    u, v = 2 * x / max(shape[1] - 1, 1) - 1, 2 * y / max(shape[0] - 1, 1) - 1
    return np.column_stack([u ** (k - j) * v ** j for k in range(degree + 1)
                            for j in range(k + 1)])


def total_flux_scale(psf: PsfFluxes, x: np.ndarray, y: np.ndarray, reference: np.ndarray,
                     total_flux: np.ndarray, total_err: np.ndarray, *, shape: tuple[int, int],
                     min_stars: int, fallback: float, degree: int = 0,
                     profile: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
                     ) -> FluxScale:
    """Factor putting fitted fluxes on the total-flux scale, a smooth function of position.

    Its level is the weighted median over ``reference`` stars of ``total_flux / psf.flux``
    (weights from both errors), the calibration of the aperture-corrected fluxes. Its change
    over the image comes from ``profile``: the drizzled PSF changes over the image (e.g. with
    the pixel scale of a distorted detector), and with it the fraction of a star's light the
    fitted model holds, which leaves ±1–2 % trends across ACS/WFC. So ln(star total / fitted
    flux) of the profile stars is fitted with a polynomial in x and y of ``degree`` (lower when
    there are fewer than 10 stars per term; 0: no change), weighted by both errors plus the
    star-to-star scatter they do not explain, stars beyond 4 robust sigma dropped, and clipped
    to the range it takes at those stars (no extrapolation).

    Parameters
    ----------
    psf
        Fitted fluxes of every source.
    x, y
        Positions of every source, pixels.
    reference
        Stars that set the level (bool).
    total_flux, total_err
        Total (aperture-corrected) fluxes of every source and their errors, unit of
        ``psf.flux``.
    shape
        Image shape (ny, nx).
    min_stars, fallback
        With fewer usable reference stars: the constant ``fallback``.
    degree
        Highest degree of the polynomial.
    profile
        (indices, total fluxes, errors) of the stars whose total flux was measured in a large
        aperture, for the change over the image.

    Returns
    -------
    FluxScale

    Examples
    --------
    >>> p = PsfFluxes(np.array([100.0, 200.0, 50.0]), np.ones(3), np.zeros(3), np.ones(3),
    ...               np.zeros(3, int))
    >>> s = total_flux_scale(p, np.zeros(3), np.zeros(3), np.ones(3, bool),
    ...                      np.array([120.0, 240.0, 60.0]), np.ones(3), shape=(10, 10),
    ...                      min_stars=3, fallback=1.0)
    >>> np.round(s.values, 3).tolist(), s.n_stars, s.degree
    ([1.2, 1.2, 1.2], 3, 0)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = total_flux / psf.flux
        sig = np.abs(ratio) * np.hypot(total_err / total_flux, psf.err / psf.flux)
    ok = reference & np.isfinite(ratio) & np.isfinite(sig) & (sig > 0) & (psf.flux > 0)
    if ok.sum() < min_stars:
        return FluxScale(np.full(len(x), fallback), 0, -1)
    trend, degree = _trend(psf, x, y, shape, degree, profile)
    level = weighted_median(ratio[ok] / trend[ok], trend[ok] ** 2 / sig[ok] ** 2)
    return FluxScale(level * trend, int(ok.sum()), degree)


def _trend(psf: PsfFluxes, x: np.ndarray, y: np.ndarray, shape: tuple[int, int], degree: int,
           profile: tuple[np.ndarray, np.ndarray, np.ndarray] | None
           ) -> tuple[np.ndarray, int]:
    """exp(polynomial without its constant term) of ln(total / fit) of the profile stars at
    every source, and the degree used (1 everywhere and degree 0 without enough stars)."""
    if profile is None:
        return np.ones(len(x)), 0
    stars, total, total_err = profile
    fit = psf.flux[stars]
    with np.errstate(divide="ignore", invalid="ignore"):
        ell = np.log(total / fit)
        sig = np.hypot(total_err / total, psf.err[stars] / fit)
    ok = np.isfinite(ell) & np.isfinite(sig) & (sig > 0) & (total > 0) & (fit > 0)
    while degree > 0 and 10 * (degree + 1) * (degree + 2) // 2 > ok.sum():
        degree -= 1
    if degree == 0:
        return np.ones(len(x)), 0
    design = _design(x[stars][ok], y[stars][ok], shape, degree)
    coef = _robust_polyfit(design, ell[ok], sig[ok])
    coef[0] = 0.0
    at_stars = design @ coef
    log_trend = _design(x, y, shape, degree) @ coef
    return np.exp(np.clip(log_trend, at_stars.min(), at_stars.max())), degree


def _robust_polyfit(design: np.ndarray, values: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Weighted least squares with the unexplained scatter τ² added and 4-sigma clipping."""
    keep = np.ones(values.size, bool)
    tau2 = 0.0
    coef: np.ndarray = np.zeros(design.shape[1])
    for _ in range(4):
        w = 1.0 / np.sqrt(sigma[keep] ** 2 + tau2)
        coef = np.linalg.lstsq(design[keep] * w[:, None], values[keep] * w, rcond=None)[0]
        res = values - design @ coef
        spread = 1.4826 * float(np.median(np.abs(res[keep])))
        tau2 = max(0.0, spread ** 2 - float(np.median(sigma[keep] ** 2)))
        keep = np.abs(res) <= 4 * np.sqrt(sigma ** 2 + tau2)
        if keep.sum() < design.shape[1]:
            break
    return coef
