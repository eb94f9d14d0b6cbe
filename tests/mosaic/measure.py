"""Measurements against the simulator's truth for the drizzle tests (flux, positions, CRs)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.io import fits
from astropy.table import Table
from photutils.centroids import centroid_2dg

from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.params import SkyParams
from hapsvm.mosaic.sky import clipped_statistic
from hapsvm.simulate.detectors import get_detector
from hapsvm.simulate.filters import get_filter
from hapsvm.simulate.psf import add_points
from hapsvm.simulate.psf import encircled_energy
from hapsvm.simulate.psf import psf_for
from hapsvm.simulate.psf import psf_stamps


@dataclass
class StarMeasure:
    """One isolated star measured in a product."""

    flux_true: float
    flux_ratio: float
    """Aperture flux / (truth × encircled energy)."""
    pixel_area: float
    """Mean area of the input pixels at the star, in output pixels (FLT-convention factor)."""
    dx: float
    dy: float
    """Measured minus true position, output pixels."""


def flux_column(sources: Table) -> str:
    """The ``flux_<filter>`` column of a single-filter truth table."""
    return next(c for c in sources.colnames if c.startswith("flux_"))


def pixel_area(exposures: list[Exposure], grid: OutputGrid, ra: float, dec: float) -> float:
    """Mean area (output pixels) of the input pixels at (ra, dec) over the covering chips."""
    areas = []
    for exp in exposures:
        for chip in exp.chips:
            px, py = chip.wcs.all_world2pix([ra], [dec], 0)
            if not (1 <= px[0] < chip.shape[1] - 2 and 1 <= py[0] < chip.shape[0] - 2):
                continue
            xs = np.array([px[0], px[0] + 1, px[0]])
            ys = np.array([py[0], py[0], py[0] + 1])
            r, d = chip.wcs.all_pix2world(xs, ys, 0)
            ox, oy = grid.wcs.wcs_world2pix(r, d, 0)
            areas.append(abs((ox[1] - ox[0]) * (oy[2] - oy[0]) - (ox[2] - ox[0]) * (oy[1] - oy[0])))
    return float(np.mean(areas)) if areas else float("nan")


def measure_stars(sci: np.ndarray, wht: np.ndarray, grid: OutputGrid, sources: Table,
                  exposures: list[Exposure], *, detector: str, radius: int = 12,
                  min_counts: float = 3e5) -> list[StarMeasure]:
    """Aperture flux and 2-D Gaussian centroid of bright, unsaturated stars with no other source
    within two aperture radii."""
    fcol = flux_column(sources)
    info = get_filter(detector, fcol.split("_", 1)[1].upper())
    spec = get_detector(detector)
    psf = psf_for(spec, info.pivot_a)
    ee = encircled_energy(psf, radius)
    peak = float(psf_stamps(np.zeros(1), np.zeros(1), psf)[0].max())
    max_rate = 0.5 * spec.full_well_e / (peak * max(e.exptime for e in exposures))
    bkg = clipped_statistic(sci[wht > 0], SkyParams(stat="median", lower=None))
    sx, sy = grid.wcs.all_world2pix(sources["ra"], sources["dec"], 0)
    yy, xx = np.mgrid[-radius:radius + 1, -radius:radius + 1]
    inside = np.hypot(xx, yy) <= radius
    texp = sum(e.exptime for e in exposures)
    out = []
    for k in np.nonzero(sources["type"] == "star")[0]:
        x, y, flux = sx[k], sy[k], float(sources[fcol][k])
        ix, iy = round(x), round(y)
        box = (slice(iy - radius, iy + radius + 1), slice(ix - radius, ix + radius + 1))
        if flux * texp < min_counts or flux > max_rate or \
                np.sum(np.hypot(sx - x, sy - y) < 2 * radius) > 1:
            continue
        if iy - radius < 0 or ix - radius < 0 or iy + radius >= sci.shape[0] or \
                ix + radius >= sci.shape[1] or (wht[box] <= 0).any():
            continue
        cut = sci[box].astype(np.float64) - bkg
        cx, cy = centroid_2dg(cut[radius - 6:radius + 7, radius - 6:radius + 7])
        out.append(StarMeasure(flux, float(cut[inside].sum() / (flux * ee)),
                               pixel_area(exposures, grid, float(sources["ra"][k]),
                                          float(sources["dec"][k])),
                               float(cx - 6 + ix - x), float(cy - 6 + iy - y)))
    return out


def expected_electrons(visit: object, exposure: Exposure, extver: int, *, detector: str
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Noise-free star image and sky (electrons) of a chip from the truth, and its noise σ."""
    truth = visit.truth  # type: ignore[attr-defined]
    spec = get_detector(detector)
    chip = next(c for c in exposure.chips if c.extver == extver)
    sources = truth.sources
    fcol = flux_column(sources)
    info = get_filter(detector, fcol.split("_", 1)[1].upper())
    stars = sources[sources["type"] == "star"]
    wcs = truth.true_wcs(exposure.rootname, extver)
    x, y = wcs.all_world2pix(stars["ra"], stars["dec"], 0)
    image = np.zeros(chip.shape)
    add_points(image, x, y, np.asarray(stars[fcol]) * exposure.exptime,
               psf_for(spec, info.pivot_a))
    sky = info.sky_e_s(spec.pixel_scale) * exposure.exptime
    sigma = np.sqrt(image + sky + chip.readnoise ** 2)
    return image, sigma


def chip_electrons(exposure: Exposure, extver: int) -> tuple[np.ndarray, np.ndarray]:
    """Data (electrons) and DQ of a chip."""
    chip = next(c for c in exposure.chips if c.extver == extver)
    with fits.open(chip.path) as hdul:
        data = np.asarray(hdul["SCI", extver].data, float) * chip.to_electrons()
        dq = np.asarray(hdul["DQ", extver].data)
    return data, dq
