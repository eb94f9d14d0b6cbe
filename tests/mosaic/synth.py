"""Tiny synthetic exposures (TAN WCS, Gaussian stars, sky, noise, cosmic rays) for unit tests."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

__all__ = ["TinyVisit", "make_tiny_visit"]


@dataclass
class TinyVisit:
    """Files and truth of a tiny synthetic visit."""

    paths: list[Path]
    star_ra: np.ndarray
    star_dec: np.ndarray
    star_rate: np.ndarray
    """e-/s of each star."""
    cr_masks: dict[tuple[str, int], np.ndarray] = field(default_factory=dict)
    """(rootname, extver) → True where a cosmic ray was injected."""
    sky_rate: dict[str, float] = field(default_factory=dict)


def _chip_wcs(ra: float, dec: float, shape: tuple[int, int], scale: float, pa: float) -> WCS:
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [shape[1] / 2 + 0.5, shape[0] / 2 + 0.5]
    c, s = np.cos(np.radians(pa)), np.sin(np.radians(pa))
    w.wcs.cd = scale / 3600 * np.array([[-c, s], [s, c]])
    w.wcs.set()
    return w


def _render(shape: tuple[int, int], x: np.ndarray, y: np.ndarray, counts: np.ndarray,
            sigma: float) -> np.ndarray:
    img = np.zeros(shape)
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    from scipy.special import erf
    for xi, yi, ci in zip(x, y, counts):
        x0, x1 = int(max(0, xi - 8)), int(min(shape[1], xi + 9))
        y0, y1 = int(max(0, yi - 8)), int(min(shape[0], yi + 9))
        if x0 >= x1 or y0 >= y1:
            continue
        ex = 0.5 * (erf((np.arange(x0, x1) + 0.5 - xi) / (np.sqrt(2) * sigma)) -
                    erf((np.arange(x0, x1) - 0.5 - xi) / (np.sqrt(2) * sigma)))
        ey = 0.5 * (erf((np.arange(y0, y1) + 0.5 - yi) / (np.sqrt(2) * sigma)) -
                    erf((np.arange(y0, y1) - 0.5 - yi) / (np.sqrt(2) * sigma)))
        img[y0:y1, x0:x1] += ci * ey[:, None] * ex[None, :]
    del xx, yy
    return img


def make_tiny_visit(directory: Path, *, n_exposures: int = 4, shape: tuple[int, int] = (120, 140),
                    n_chips: int = 1, seed: int = 3, exptime: float = 400.0,
                    units: str = "ELECTRONS", n_cr: int = 60, sky_rates: list[float] | None = None,
                    scale: float = 0.1, dithers: list[tuple[float, float]] | None = None,
                    pa: float = 25.0, n_stars: int = 12, readnoise: float = 3.0) -> TinyVisit:
    """Write ``n_exposures`` FLT-like files with known stars and cosmic rays.

    Parameters
    ----------
    units
        ``ELECTRONS`` (counts, like ACS/UVIS) or ``ELECTRONS/S`` (like WFC3/IR).
    dithers
        Pointing offsets (arcsec East, North) per exposure.
    """
    rng = np.random.default_rng(seed)
    directory.mkdir(parents=True, exist_ok=True)
    ra0, dec0 = 150.0, 2.0
    dithers = dithers or [(0.0, 0.0), (0.53, 0.27), (0.26, 0.61), (0.79, 0.88)][:n_exposures]
    sky_rates = sky_rates or [0.5 + 0.05 * i for i in range(n_exposures)]
    span = scale * min(shape) / 3600 * 0.35
    star_ra = ra0 + rng.uniform(-span, span, n_stars) / np.cos(np.radians(dec0))
    star_dec = dec0 + rng.uniform(-span, span, n_stars)
    star_rate = rng.uniform(20, 200, n_stars)
    visit = TinyVisit(paths=[], star_ra=star_ra, star_dec=star_dec, star_rate=star_rate)
    for i in range(n_exposures):
        root = f"j{seed:02d}a01{i:02d}q"
        dra, ddec = dithers[i]
        prim = fits.PrimaryHDU()
        h = prim.header
        h.update(ROOTNAME=root, INSTRUME="ACS", DETECTOR="WFC", FILTER1="F606W",
                 FILTER2="CLEAR2L", EXPTIME=exptime, EXPSTART=55000.0 + 0.01 * i,
                 EXPEND=55000.0 + 0.01 * i + exptime / 86400, PROPOSID=12345,
                 TARGNAME="TINY", PR_INV_L="Tester", READNSEA=readnoise, READNSEB=readnoise,
                 PHOTFLAM=1e-19, PHOTPLAM=5900.0, PHOTZPT=-21.1, PHOTMODE="ACS WFC1 F606W",
                 PHOTBW=600.0, PHOTFNU=1e-7, OBSTYPE="IMAGING", ASN_ID="J01A01010")
        hdus = [prim]
        for extver in range(1, n_chips + 1):
            cra = ra0 + dra / 3600 / np.cos(np.radians(dec0))
            cdec = dec0 + ddec / 3600 + (extver - 1) * (shape[0] + 10) * scale / 3600
            w = _chip_wcs(cra, cdec, shape, scale, pa)
            x, y = w.all_world2pix(star_ra, star_dec, 0)
            electrons = _render(shape, x, y, star_rate * exptime, sigma=1.2)
            electrons += sky_rates[i] * exptime
            electrons = rng.poisson(np.clip(electrons, 0, None)).astype(float)
            electrons += rng.normal(0, readnoise, shape)
            cr = np.zeros(shape, bool)
            for _ in range(n_cr):
                cy, cx = rng.integers(2, shape[0] - 2), rng.integers(2, shape[1] - 2)
                length = rng.integers(1, 4)
                cr[cy, cx:cx + length] = True
            electrons[cr] += rng.uniform(2000, 8000, cr.sum())
            visit.cr_masks[(root, extver)] = cr
            data = electrons / exptime if units.endswith("/S") else electrons
            sci = fits.ImageHDU(data.astype(np.float32), name="SCI", ver=extver)
            sci.header.update(w.to_header())
            sci.header["BUNIT"] = units
            sci.header["WCSNAME"] = "OPUS"
            sci.header["IDCSCALE"] = scale
            sci.header["CCDCHIP"] = extver
            err = fits.ImageHDU(np.full(shape, 1.0, np.float32), name="ERR", ver=extver)
            dq = fits.ImageHDU(np.zeros(shape, np.int16), name="DQ", ver=extver)
            hdus += [sci, err, dq]
        path = directory / f"{root}_flc.fits"
        fits.HDUList(hdus).writeto(path, overwrite=True)
        visit.paths.append(path)
        visit.sky_rate[root] = sky_rates[i]
    return visit
