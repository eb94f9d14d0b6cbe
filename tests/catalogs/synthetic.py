"""Drizzle-like products with exact truth: filter and total MEFs rendered on their output grid.

Every product has PRIMARY + SCI (e⁻/s) + WHT (exposure time per pixel) + CTX (input bit mask)
on a TAN WCS. Each filter has ``n_exposures`` dithered exposures whose coverage windows leave
edge strips with fewer exposures and an uncovered border. Stars use a pixel-integrated
Moffat core + Moffat wing PSF (truncated and renormalised, so the true flux is exactly what the
image holds); galaxies are PSF-convolved Sérsic profiles truncated at 4 r_eff. Noise: Poisson
of sky and source plus read noise, per pixel, for the exposure time that covers it. The total
product is the WHT-weighted mean of the filter products, as a drizzle of all exposures would be.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from scipy.signal import fftconvolve


@dataclass(frozen=True)
class SynthDetector:
    """Detector facts for the synthetic products."""

    instrument: str
    detector: str
    scale: float
    """Pixel scale, arcsec."""
    filters: dict[str, tuple[float, float]]
    """Filter → (PHOTPLAM Å, PHOTFLAM)."""
    sky_e_s: float
    """Sky per pixel, e⁻/s (before the drizzle-like sky subtraction)."""
    read_noise: float
    exptime: float
    """Per exposure, s."""
    floor_fwhm: float
    """Detector part of the PSF FWHM, arcsec."""
    half_size: int
    """PSF stamp half-size, pixels."""
    dither_px: float = 12.0


DETECTORS = {
    "wfc3_ir": SynthDetector("WFC3", "IR", 0.128, {"F105W": (10551.0, 3.04e-20),
                                                   "F160W": (15369.0, 1.93e-20)},
                             sky_e_s=0.8, read_noise=20.0, exptime=250.0, floor_fwhm=0.09,
                             half_size=12),
    "acs_wfc": SynthDetector("ACS", "WFC", 0.05, {"F606W": (5921.0, 7.86e-20),
                                                  "F814W": (8045.0, 7.07e-20)},
                             sky_e_s=0.12, read_noise=5.0, exptime=400.0, floor_fwhm=0.06,
                             half_size=20),
}


def psf_fwhm_px(det: SynthDetector, pivot: float) -> float:
    """PSF FWHM in pixels: floor ⊕ 1.03 λ/D."""
    diffraction = 1.03 * pivot * 1e-10 / 2.4 * 206264.806
    return math.hypot(det.floor_fwhm, diffraction) / det.scale


def _moffat(r2: np.ndarray, fwhm: float, beta: float) -> np.ndarray:
    alpha2 = (fwhm / (2 * math.sqrt(2 ** (1 / beta) - 1))) ** 2
    return (beta - 1) / (math.pi * alpha2) * (1 + r2 / alpha2) ** (-beta)


def psf_stamp(fwhm: float, half: int, dx: float = 0.0, dy: float = 0.0, os_: int = 5
              ) -> np.ndarray:
    """Pixel-integrated PSF (2h+1)² centred at (h + dx, h + dy), summing to 1."""
    sub = (np.arange(os_) + 0.5) / os_ - 0.5
    g = (np.arange(-half, half + 1)[:, None] + sub[None, :]).ravel()
    r2 = (g[None, :] - dx) ** 2 + (g[:, None] - dy) ** 2
    img = 0.82 * _moffat(r2, fwhm, 3.0) + 0.18 * _moffat(r2, 4 * fwhm, 2.0)
    n = 2 * half + 1
    img = img.reshape(n, os_, n, os_).sum(axis=(1, 3))
    return img / img.sum()


def _add(image: np.ndarray, stamp: np.ndarray, ix: int, iy: int) -> None:
    h = stamp.shape[0] // 2
    ny, nx = image.shape
    x0, y0 = ix - h, iy - h
    xs, ys, xe, ye = max(x0, 0), max(y0, 0), min(ix + h + 1, nx), min(iy + h + 1, ny)
    if xs < xe and ys < ye:
        image[ys:ye, xs:xe] += stamp[ys - y0:ye - y0, xs - x0:xe - x0]


def sersic_stamp(n: float, r_eff: float, q: float, theta: float, dx: float, dy: float,
                 psf: np.ndarray) -> np.ndarray:
    """PSF-convolved Sérsic (r_eff in pixels) truncated at 4 r_eff, summing to 1."""
    half = math.ceil(4 * r_eff) + psf.shape[0] // 2 + 2
    os_ = 3
    sub = (np.arange(os_) + 0.5) / os_ - 0.5
    g = (np.arange(-half, half + 1)[:, None] + sub[None, :]).ravel()
    u, v = g[None, :] - dx, g[:, None] - dy
    ct, st = math.cos(theta), math.sin(theta)
    a, b = u * ct + v * st, -u * st + v * ct
    r = np.sqrt(a ** 2 + (b / q) ** 2) / r_eff
    bn = 2 * n - 1 / 3 + 4 / (405 * n)
    img = np.where(r <= 4.0, np.exp(-bn * (r ** (1 / n) - 1)), 0.0)
    m = 2 * half + 1
    img = img.reshape(m, os_, m, os_).sum(axis=(1, 3))
    img = np.clip(fftconvolve(img, psf, mode="same"), 0, None)
    return img / img.sum()


@dataclass
class SynthProducts:
    """Paths of the written products and the truth."""

    total: Path
    filters: dict[str, Path]
    size: int
    truth: Table
    """x, y (0-based), ra, dec, kind, r_eff_px, flux_<F> (e⁻/s), snr_<F>, flux_total, snr_total."""
    noise: dict[str, float] = field(default_factory=dict)
    """Filter → central background 1-sigma per pixel, e⁻/s."""
    fwhm_px: dict[str, float] = field(default_factory=dict)


def _wcs(size: int, scale: float) -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [53.1, -27.8]
    w.wcs.crpix = [size / 2 + 0.5, size / 2 + 0.5]
    t = math.radians(20.0)
    s = scale / 3600.0
    w.wcs.cd = [[-s * math.cos(t), s * math.sin(t)], [s * math.sin(t), s * math.cos(t)]]
    return w


def _coverage(size: int, n_exp: int, det: SynthDetector, border: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Exposure count and CTX bits of dithered windows of side size − 2·border."""
    count = np.zeros((size, size), np.int16)
    ctx = np.zeros((size, size), np.int32)
    side = size - 2 * border
    for i in range(n_exp):
        ox = border + round(det.dither_px * ((i % 2) - 0.5))
        oy = border + round(det.dither_px * ((i // 2 % 2) - 0.5))
        count[oy:oy + side, ox:ox + side] += 1
        ctx[oy:oy + side, ox:ox + side] |= 1 << i
    return count, ctx


def _header(det: SynthDetector, filt: str, texp: float, nimg: int, wcs: WCS
            ) -> tuple[fits.Header, fits.Header]:
    pri = fits.Header()
    pri.update({"INSTRUME": det.instrument, "DETECTOR": det.detector, "FILTER": filt,
                "TEXPTIME": texp, "EXPTIME": texp, "NDRIZIM": nimg, "PROPOSID": 12345,
                "TARGNAME": "SYNTH", "DATE-OBS": "2020-01-01", "TIME-OBS": "00:00:00",
                "EXPSTART": 58849.0, "RA_TARG": 53.1, "DEC_TARG": -27.8,
                "READNSEA": det.read_noise})
    sci = wcs.to_header()
    sci.update({"BUNIT": "ELECTRONS/S", "WCSNAME": "SYNTH-TRUTH"})
    if filt != "detection":
        pivot, flam = det.filters[filt]
        sci.update({"PHOTFLAM": flam, "PHOTPLAM": pivot})
    return pri, sci


def _write(path: Path, pri: fits.Header, sci_hdr: fits.Header, sci: np.ndarray,
           wht: np.ndarray, ctx: np.ndarray) -> None:
    hdul = fits.HDUList([fits.PrimaryHDU(header=pri),
                         fits.ImageHDU(sci.astype(np.float32), sci_hdr, name="SCI"),
                         fits.ImageHDU(wht.astype(np.float32), sci_hdr, name="WHT"),
                         fits.ImageHDU(ctx.astype(np.int32), sci_hdr, name="CTX")])
    hdul.writeto(path)


def _ee(fwhm: float, half: int, radius: float) -> float:
    from photutils.aperture import CircularAperture
    from photutils.aperture import aperture_photometry

    stamp = psf_stamp(fwhm, half)
    ap = CircularAperture((half, half), r=radius)
    return float(aperture_photometry(stamp, ap)["aperture_sum"][0])


def _draw_sources(rng: np.random.Generator, size: int, n_stars: int, n_galaxies: int,
                  det: SynthDetector, flux_range: tuple[float, float]) -> Table:
    n = n_stars + n_galaxies
    lo, hi = flux_range
    # N(>f) ∝ f^-0.6: many faint sources, a tail of bright ones
    u = rng.uniform(0, 1, n)
    ref = (lo ** -0.6 - u * (lo ** -0.6 - hi ** -0.6)) ** (-1 / 0.6)
    kind = np.array(["star"] * n_stars + ["galaxy"] * n_galaxies)
    gal = kind == "galaxy"
    t = Table({"id": np.arange(1, n + 1), "x": rng.uniform(4, size - 5, n),
               "y": rng.uniform(4, size - 5, n), "kind": kind})
    t["sersic_n"] = np.where(gal, rng.uniform(0.7, 2.5, n), 0.0)
    t["r_eff_px"] = np.where(gal, rng.uniform(0.12, 0.4, n) / det.scale, 0.0)
    t["q"] = np.where(gal, rng.uniform(0.4, 1.0, n), 1.0)
    t["theta"] = rng.uniform(0, math.pi, n)
    # galaxies spread their light: log-uniform from 20× the faintest star to 2× the brightest
    ref[gal] = np.exp(rng.uniform(math.log(20 * lo), math.log(2 * hi), n))[gal]
    colors = rng.uniform(-0.5, 0.5, n)
    for i, filt in enumerate(det.filters):
        t[f"flux_{filt}"] = ref * 10 ** (-0.4 * colors * (i - 0.5))
    return t


def make_products(out_dir: Path, *, detector: str = "wfc3_ir", size: int = 512,
                  n_stars: int = 250, n_galaxies: int = 40, n_exposures: int = 4,
                  border: int = 24, seed: int = 1, flux_range: tuple[float, float] | None = None,
                  sky_offset: float = 0.01, n_dropouts: int = 0) -> SynthProducts:
    """Write ``<filter>_drz.fits`` per filter and ``total_drz.fits`` into ``out_dir``.

    Parameters
    ----------
    flux_range
        Reference flux range of the sources, e⁻/s (default: S/N ≈ 3 to ≈ 3000 stars).
    sky_offset
        Residual background left in the products, e⁻/s (the products are sky-subtracted).
    n_dropouts
        ``n_dropouts`` bright stars (from the 11th brightest on) get zero flux in the first
        filter (they are found
        on the total image and must still be measured there).
    """
    det = DETECTORS[detector]
    rng = np.random.default_rng(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    wcs = _wcs(size, det.scale)
    count, ctx1 = _coverage(size, n_exposures, det, border)
    t_cov = count * det.exptime
    sigma_c = math.sqrt(det.sky_e_s * n_exposures * det.exptime
                        + n_exposures * det.read_noise ** 2) / (n_exposures * det.exptime)
    ap2 = {"wfc3_ir": 0.45, "acs_wfc": 0.15}[detector] / det.scale
    area2 = math.pi * ap2 ** 2
    if flux_range is None:
        flux_range = (3.0 * sigma_c * math.sqrt(area2), 3000.0 * sigma_c * math.sqrt(area2))
    truth = _draw_sources(rng, size, n_stars, n_galaxies, det, flux_range)
    first = f"flux_{next(iter(det.filters))}"
    truth["dropout"] = np.zeros(len(truth), bool)
    if n_dropouts:
        stars = np.flatnonzero(truth["kind"] == "star")
        bright = stars[np.argsort(-np.asarray(truth[first])[stars])][10:10 + n_dropouts]
        truth[first][bright] = 0.0
        truth["dropout"][bright] = True
    ra, dec = wcs.pixel_to_world_values(truth["x"], truth["y"])
    truth["ra"], truth["dec"] = ra, dec
    scis, whts, ctxs = {}, {}, {}
    out = SynthProducts(total=out_dir / "total_drz.fits", filters={}, size=size, truth=truth)
    _yy, xx = np.mgrid[0:size, 0:size]
    for i, (filt, (pivot, _)) in enumerate(det.filters.items()):
        fwhm = psf_fwhm_px(det, pivot)
        out.fwhm_px[filt] = fwhm
        model = np.zeros((size, size))
        for row in truth:
            ix, iy = round(row["x"]), round(row["y"])
            dx, dy = row["x"] - ix, row["y"] - iy
            psf = psf_stamp(fwhm, det.half_size, dx, dy)
            if row["kind"] == "galaxy":
                psf = sersic_stamp(row["sersic_n"], row["r_eff_px"], row["q"], row["theta"],
                                   dx, dy, psf_stamp(fwhm, det.half_size))
            _add(model, psf * row[f"flux_{filt}"], ix, iy)
        counts = (model + det.sky_e_s) * t_cov
        var = np.clip(counts, 0, None) + count * det.read_noise ** 2
        noisy = counts + rng.normal(0, 1, counts.shape) * np.sqrt(var)
        covered = t_cov > 0
        sci = np.zeros((size, size))
        offset = sky_offset * (1 + 0.3 * (xx / size - 0.5))
        sci[covered] = noisy[covered] / t_cov[covered] - det.sky_e_s + offset[covered]
        wht = t_cov.astype(np.float64)
        ctx = ctx1 << (n_exposures * i)
        pri, hdr = _header(det, filt, n_exposures * det.exptime, n_exposures, wcs)
        path = out_dir / f"{filt.lower()}_drz.fits"
        _write(path, pri, hdr, sci, wht, ctx)
        out.filters[filt.lower()] = path
        scis[filt], whts[filt], ctxs[filt] = sci, wht, ctx
        out.noise[filt.lower()] = sigma_c
        ee2 = _ee(fwhm, det.half_size, ap2)
        f = np.asarray(truth[f"flux_{filt}"])
        truth[f"snr_{filt}"] = f * ee2 / np.sqrt(f * ee2 / (n_exposures * det.exptime)
                                                 + area2 * sigma_c ** 2)
        truth[f"ee2_{filt}"] = ee2
    wsum = sum(whts.values())
    tot = sum(whts[f] * scis[f] for f in det.filters)
    with np.errstate(invalid="ignore", divide="ignore"):
        tot = np.where(wsum > 0, tot / wsum, 0.0)
    nf = len(det.filters)
    pri, hdr = _header(det, "detection", nf * n_exposures * det.exptime, nf * n_exposures, wcs)
    _write(out.total, pri, hdr, tot, wsum, sum(ctxs.values()))
    ftot = sum(np.asarray(truth[f"flux_{f}"]) for f in det.filters) / nf
    ee2t = sum(np.asarray(truth[f"flux_{f}"]) * truth[f"ee2_{f}"] for f in det.filters) / \
        (ftot * nf)
    sig_t = sigma_c / math.sqrt(nf)
    truth["flux_total"] = ftot
    truth["snr_total"] = ftot * ee2t / np.sqrt(ftot * ee2t / (nf * n_exposures * det.exptime)
                                               + area2 * sig_t ** 2)
    out.noise["total"] = sig_t
    return out
