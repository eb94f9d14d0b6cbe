"""Helpers shared by the simulation tests: truth pixel positions and isolated-star selection."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.io import fits

from hapsvm.simulate import SimulatedVisit

__all__ = ["ChipStars", "isolated_stars"]


@dataclass
class ChipStars:
    """Isolated, bright, unsaturated stars of one chip with their true pixel positions."""

    data: np.ndarray
    """SCI array (float64)."""
    mask: np.ndarray
    """True where DQ is set or a cosmic ray landed."""
    hits: np.ndarray
    """True where a cosmic ray or a hot pixel added charge."""
    x: np.ndarray
    y: np.ndarray
    flux: np.ndarray
    """Truth flux in the file's units integrated over the exposure (e- for CCDs, e-/s for IR)."""
    rootname: str
    chip: int


def isolated_stars(visit: SimulatedVisit, rootname: str, chip: int, *, min_counts: float,
                   radius: float, edge: float, bright_radius: float = 0.0) -> ChipStars:
    """Stars with no other source within ``radius`` px, no source of a third of their flux or
    more within ``bright_radius`` px (PSF wings), no saturated pixel within 6 px and no flagged
    or cosmic-ray pixel within 3 px."""
    truth = visit.truth
    exp = truth.exposure(rootname)
    path = visit.visit_dir / exp.filename
    with fits.open(path) as hdul:
        data = hdul["SCI", chip].data.astype(float)
        dq = hdul["DQ", chip].data
        is_rate = hdul["SCI", chip].header["BUNIT"] == "ELECTRONS/S"
    hits = ((dq & 16) != 0) | truth.cr_mask(rootname, chip)
    mask = (dq != 0) | hits
    wcs = truth.true_wcs(rootname, chip)
    src = truth.sources
    x, y = wcs.all_world2pix(np.asarray(src["ra"]), np.asarray(src["dec"]), 0)
    flux = np.asarray(src[f"flux_{exp.filter.lower()}"]) * (1.0 if is_rate else exp.exptime)
    counts = flux * (exp.exptime if is_rate else 1.0)
    ny, nx = data.shape
    inside = (x > edge) & (x < nx - 1 - edge) & (y > edge) & (y < ny - 1 - edge)
    star = np.asarray(src["type"]) == "star"
    keep = []
    for i in np.nonzero(inside & star & (counts > min_counts))[0]:
        d = np.hypot(x - x[i], y - y[i])
        d[i] = np.inf
        neighbours = ((d < radius) & (counts > 1e-3 * counts[i])) | \
            ((d < bright_radius) & (counts > 0.3 * counts[i]))
        ix, iy = int(round(x[i])), int(round(y[i]))
        box = (slice(iy - 6, iy + 7), slice(ix - 6, ix + 7))
        core = (slice(max(iy - 3, 0), iy + 4), slice(max(ix - 3, 0), ix + 4))
        if neighbours.any() or (dq[box] & 256).any() or mask[core].any():
            continue
        keep.append(i)
    k = np.array(keep, dtype=int)
    return ChipStars(data, mask, hits, x[k], y[k], flux[k], rootname, chip)


def true_epsf(detector: str, filter_name: str, *, half: int = 5, oversampling: int = 4):
    """photutils ``ImagePSF`` of the simulator's pixel-integrated PSF (an "effective PSF").

    Evaluated at pixel centres it gives the pixel-integrated PSF, so a fit with it measures the
    source position without the pixel-phase bias of Gaussian or centre-of-mass centroids on
    undersampled stars.
    """
    from photutils.psf import ImagePSF

    from hapsvm.simulate.detectors import get_detector
    from hapsvm.simulate.filters import get_filter
    from hapsvm.simulate.psf import psf_for
    from hapsvm.simulate.psf import psf_stamps

    spec = get_detector(detector)
    psf = psf_for(spec, get_filter(detector, filter_name).pivot_a)
    big = max(psf.wing_radius, psf.half_size)
    n = 2 * half * oversampling + 1
    offsets = -half + np.arange(n) / oversampling
    whole = np.floor(offsets).astype(int)
    phase = np.rint((offsets - whole) * oversampling).astype(int)
    data = np.zeros((n, n))
    for p in range(oversampling):
        for q in range(oversampling):
            stamp = psf_stamps(np.array([-p / oversampling]), np.array([-q / oversampling]),
                               psf)[0]
            cols, rows = np.nonzero(phase == p)[0], np.nonzero(phase == q)[0]
            data[np.ix_(rows, cols)] = stamp[np.ix_(big + whole[rows], big + whole[cols])]
    return ImagePSF(data, oversampling=oversampling)
