"""Synthetic WCSs, source lists and reference catalogues for fit tests; truth comparisons."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.wcs import WCS

from hapsvm.align import ChipSources
from hapsvm.align import ExposureSources
from hapsvm.align import ReferenceCatalog

RA0, DEC0 = 53.1, -27.8


def tan_wcs(ra: float, dec: float, *, rot_deg: float = 10.0, scale_arcsec: float = 0.128,
            n: int = 1014) -> WCS:
    """A TAN WCS of an n×n chip centred on (ra, dec)."""
    w = WCS(naxis=2)
    w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
    w.wcs.crval = [ra, dec]
    w.wcs.crpix = [n / 2, n / 2]
    s, r = scale_arcsec / 3600, np.radians(rot_deg)
    w.wcs.cd = s * np.array([[-np.cos(r), np.sin(r)], [np.sin(r), np.cos(r)]])
    w.pixel_shape = (n, n)
    w.wcs.set()
    return w


def shifted(w: WCS, dra_arcsec: float, ddec_arcsec: float) -> WCS:
    """``w`` with its pointing moved by (ΔRA·cosδ, ΔDec)."""
    out = w.deepcopy()
    out.wcs.crval = [w.wcs.crval[0] + dra_arcsec / 3600 / np.cos(np.radians(w.wcs.crval[1])),
                     w.wcs.crval[1] + ddec_arcsec / 3600]
    out.wcs.set()
    return out


def star_field(n: int, *, seed: int = 1, size_deg: float = 0.045) -> ReferenceCatalog:
    """``n`` stars spread over a square around (RA0, DEC0)."""
    rng = np.random.default_rng(seed)
    ra = RA0 + (rng.random(n) - 0.5) * size_deg / np.cos(np.radians(DEC0))
    dec = DEC0 + (rng.random(n) - 0.5) * size_deg
    return ReferenceCatalog("GAIAeDR3", ra, dec, rng.uniform(17, 22, n), 2010.0)


def synthetic_visit(stars: ReferenceCatalog, *, n_exp: int = 4, seed: int = 2,
                    noise_px: float = 0.03, error_arcsec: tuple[float, float] = (0.5, -0.3),
                    n_extra: int = 0
                    ) -> tuple[list[ExposureSources], dict, dict]:
    """Exposures observing ``stars`` (plus ``n_extra`` non-catalogue sources each).

    Returns the source lists, the a-priori WCS (true WCS shifted by ``error_arcsec`` plus
    0.05″ per exposure) and the true WCS, both keyed by (rootname, 1).
    """
    rng = np.random.default_rng(seed)
    exps, apriori, true = [], {}, {}
    extra_ra = RA0 + (rng.random(n_extra) - 0.5) * 0.03
    extra_dec = DEC0 + (rng.random(n_extra) - 0.5) * 0.03
    for i in range(n_exp):
        root = f"iexp{i:02d}q"
        tw = tan_wcs(RA0 + i * 2e-4, DEC0 + i * 1e-4, rot_deg=10 + 0.002 * i)
        ra = np.concatenate([stars.ra, extra_ra])
        dec = np.concatenate([stars.dec, extra_dec])
        mag = np.concatenate([stars.mag, rng.uniform(19, 23, n_extra)])
        x, y = tw.all_world2pix(ra, dec, 0)
        inside = (x > 5) & (x < 1008) & (y > 5) & (y < 1008)
        x = x[inside] + rng.normal(0, noise_px, inside.sum())
        y = y[inside] + rng.normal(0, noise_px, inside.sum())
        flux = 10 ** (-0.4 * (mag[inside] - 25))
        exps.append(ExposureSources(root, Path(f"{root}.fits"), "f160w", "imaging",
                                    55000 + 0.01 * i, [ChipSources(1, (1014, 1014), x, y, flux)]))
        true[(root, 1)] = tw
        apriori[(root, 1)] = shifted(tw, error_arcsec[0] + 0.05 * i, error_arcsec[1])
    return exps, apriori, true


def wcs_error_mas(wcs: WCS, truth: WCS, *, n: int = 16) -> np.ndarray:
    """Sky separation (mas) between two WCSs over an n×n grid of the chip's pixels."""
    nx, ny = wcs.pixel_shape
    gx, gy = np.meshgrid(np.linspace(0, nx - 1, n), np.linspace(0, ny - 1, n))
    a = np.array(wcs.all_pix2world(gx.ravel(), gy.ravel(), 0))
    b = np.array(truth.all_pix2world(gx.ravel(), gy.ravel(), 0))
    dra = (a[0] - b[0] + 180) % 360 - 180
    return np.hypot(dra * np.cos(np.radians(b[1])), a[1] - b[1]) * 3.6e6


def rms(values: np.ndarray) -> float:
    """Root mean square."""
    return float(np.sqrt(np.mean(np.square(values))))


class MemoryProvider:
    """A catalogue provider serving fixed catalogues by name (for fit-logic tests)."""

    def __init__(self, catalogs: dict[str, ReferenceCatalog]) -> None:
        self.catalogs = catalogs
        self.label = "memory"
        self.asked: list[str] = []

    def serves(self, catalog: str) -> bool:
        return catalog in self.catalogs

    def fetch(self, request):  # type: ignore[no-untyped-def]
        self.asked.append(request.catalog)
        cat = self.catalogs[request.catalog]
        return ReferenceCatalog(request.catalog, cat.ra, cat.dec, cat.mag, cat.epoch_year)


def align_simulated(visit, finding, fitting, *, detector: str):  # type: ignore[no-untyped-def]
    """Find sources in a simulated visit's exposures and align them to its reference file.

    Returns the ``DetectorAlignment`` and the chips' prior WCS by (rootname, extver).
    """
    from hapsvm.align import FileCatalogProvider
    from hapsvm.align import align_detector
    from hapsvm.align import find_exposure_sources
    from hapsvm.align.chip_wcs import read_exposure_wcs

    exps, wcs, priors = [], {}, {}
    for path in visit.imaging_paths:
        root = path.name.split("_")[0]
        priors[root], chips = read_exposure_wcs(path)
        wcs.update({(root, v): w for v, w in chips.items()})
        exps.append(find_exposure_sources(path, rootname=root, filter_name="f", kind="imaging",
                                          settings=finding))
    provider = FileCatalogProvider(visit.reference_catalog_path, "GAIAeDR3")
    return align_detector(exps, wcs, [provider], fitting, detector=detector, priors=priors), wcs
