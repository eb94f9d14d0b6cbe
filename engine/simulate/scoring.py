"""Score a pipeline's products of a simulated visit against its truth.

Used by the ``score_against_truth`` step (metrics for summaries and sweeps), by the benchmarks
and by tests. Everything is measured, nothing assumed: alignment error from the final header
WCS of each renamed exposure against the true WCS of each chip, catalogue completeness, false
detections, positions and fluxes against the true source list.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS

from hapsvm.simulate.truth import VisitTruth

__all__ = ["AlignmentScore", "CatalogScore", "score_alignment", "score_point_catalog",
           "expected_snr"]

_DEG_TO_MAS = 3.6e6


@dataclass(frozen=True)
class AlignmentScore:
    """RMS sky distance between header and true WCS over a grid of each chip's pixels."""

    per_chip_rms_mas: dict[str, float]
    """``<rootname>[<chip>]`` → RMS in milliarcseconds."""

    @property
    def worst_mas(self) -> float:
        """Largest per-chip RMS (mas)."""
        return max(self.per_chip_rms_mas.values())

    @property
    def median_mas(self) -> float:
        """Median per-chip RMS (mas)."""
        return float(np.median(list(self.per_chip_rms_mas.values())))


@dataclass(frozen=True)
class CatalogScore:
    """Point-catalogue quality against the true stars and galaxies."""

    n_catalog: int
    n_truth_stars: int
    """Stars inside the product's exposed area with S/N ≥ 10."""
    completeness: float
    """Fraction of those stars found within the match radius."""
    false_fraction: float
    """Fraction of catalogue sources with no true star or galaxy within the match radius."""
    false_fraction_trusted: float
    """The same among rows with ``Flags`` ≤ 5 (the rows the spec's trimming keeps)."""
    position_rms_pix: float
    """RMS offset of matched S/N ≥ 10 stars, output pixels."""
    median_flux_error_pct: float
    """Median |aperture-corrected flux / true flux − 1| of S/N ≥ 50 stars, percent."""


def score_alignment(copies: dict[str, Path], truth: VisitTruth, *, n_grid: int = 9) -> \
        AlignmentScore:
    """Compare each exposure copy's header WCS with the true WCS on an ``n_grid``² pixel grid."""
    rms: dict[str, float] = {}
    for rootname, path in sorted(copies.items()):
        kind = next((e.kind for e in truth.exposures if e.rootname == rootname), None)
        if kind != "imaging":
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            with fits.open(path) as hdul:
                for hdu in hdul:
                    if hdu.name != "SCI":
                        continue
                    ny, nx = hdu.data.shape
                    ys, xs = np.mgrid[0:ny - 1:complex(0, n_grid), 0:nx - 1:complex(0, n_grid)]
                    header = WCS(hdu.header, hdul)
                    true = truth.true_wcs(rootname, hdu.ver)
                    a = SkyCoord(*header.all_pix2world(xs.ravel(), ys.ravel(), 0), unit="deg")
                    b = SkyCoord(*true.all_pix2world(xs.ravel(), ys.ravel(), 0), unit="deg")
                    sep = a.separation(b).to_value(u.mas)
                    rms[f"{rootname}[{hdu.ver}]"] = float(np.sqrt(np.mean(sep ** 2)))
    if not rms:
        raise ValueError("no imaging exposure of the truth among the copies")
    return AlignmentScore(per_chip_rms_mas=rms)


def _exposed(drizzle: Path, ra: np.ndarray, dec: np.ndarray, margin: int) -> tuple[np.ndarray,
                                                                                   float]:
    """Mask of positions on pixels with weight (``margin`` px from any unexposed pixel)."""
    with fits.open(drizzle) as hdul:
        wht = hdul["WHT"].data
        wcs = WCS(hdul["SCI"].header)
    x, y = wcs.all_world2pix(ra, dec, 0)
    xi, yi = np.round(x).astype(int), np.round(y).astype(int)
    ok = (xi >= margin) & (yi >= margin) & (xi < wht.shape[1] - margin) & \
        (yi < wht.shape[0] - margin)
    good = np.zeros(len(ra), bool)
    for k in np.flatnonzero(ok):
        patch = wht[yi[k] - margin:yi[k] + margin + 1, xi[k] - margin:xi[k] + margin + 1]
        good[k] = bool(np.all(patch > 0))
    scale = float(np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix)))) * 3600.0
    return good, scale


def expected_snr(flux: np.ndarray, catalog_errors: np.ndarray, exptime_s: float) -> np.ndarray:
    """S/N a source of ``flux`` (e-/s) has in aperture 2: background noise from the catalogue's
    faint-source errors (the background-limited floor) plus the source's Poisson noise."""
    errs = np.sort(catalog_errors[np.isfinite(catalog_errors) & (catalog_errors > 0)])
    if not len(errs):
        return np.full(len(flux), np.nan)
    floor = float(np.median(errs[: max(1, len(errs) // 2)]))
    return flux / np.sqrt(floor ** 2 + np.clip(flux, 0, None) / max(exptime_s, 1e-9))


def score_point_catalog(catalog: Path, drizzle: Path, truth: VisitTruth, *, filter_name: str,
                        match_radius_pix: float = 1.0) -> CatalogScore:
    """Score a filter point catalogue (spec columns plus ``FluxAp2Cor``) against the truth."""
    cat = Table.read(catalog, format="ascii.ecsv")
    src = truth.sources
    flux_col = f"flux_{filter_name.lower()}"
    good, scale = _exposed(drizzle, np.asarray(src["ra"]), np.asarray(src["dec"]), margin=3)
    radius = match_radius_pix * scale * u.arcsec
    c_cat = SkyCoord(np.asarray(cat["RA"]), np.asarray(cat["DEC"]), unit="deg")
    c_src = SkyCoord(np.asarray(src["ra"]), np.asarray(src["dec"]), unit="deg")
    if len(cat):
        idx, sep2d, _ = c_src.match_to_catalog_sky(c_cat)
        sep = sep2d.to_value(u.arcsec)
    else:
        idx, sep = np.zeros(len(src), int), np.full(len(src), np.inf)
    matched = sep < radius.to_value(u.arcsec)
    flux = np.asarray(cat["FluxAp2Cor"] if "FluxAp2Cor" in cat.colnames else cat["FluxAp2"],
                      float)
    err = np.asarray(cat["FluxErrAp2"], float)
    is_star = (np.asarray(src["type"]) == "star") & good
    true_flux = np.asarray(src[flux_col], float)
    snr = expected_snr(true_flux, err, fits.getval(drizzle, "EXPTIME"))
    bright = is_star & (snr >= 10)
    very = is_star & (snr >= 50) & matched
    completeness = float(matched[bright].mean()) if bright.any() else float("nan")
    false_fraction = false_trusted = 0.0
    if len(cat):
        idx_back, sep_back, _ = c_cat.match_to_catalog_sky(c_src)
        is_false = np.asarray(sep_back >= radius)
        false_fraction = float(np.mean(is_false))
        trusted = np.asarray(cat["Flags"]) <= 5 if "Flags" in cat.colnames else \
            np.ones(len(cat), bool)
        false_trusted = float(np.mean(is_false[trusted])) if trusted.any() else 0.0
    pos = sep[bright & matched] / scale
    ratio = flux[idx[very]] / true_flux[very] - 1 if len(cat) else np.array([])
    return CatalogScore(
        n_catalog=len(cat), n_truth_stars=int(bright.sum()), completeness=completeness,
        false_fraction=false_fraction, false_fraction_trusted=false_trusted,
        position_rms_pix=float(np.sqrt(np.mean(pos ** 2))) if len(pos) else float("nan"),
        median_flux_error_pct=float(np.median(np.abs(ratio)) * 100) if len(ratio) else
        float("nan"))
