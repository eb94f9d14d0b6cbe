"""Catalogue flags (spec §9.4): bit values and the rules that set them.

| bit | meaning | rule |
|---|---|---|
| 0 | point-like | none of the below |
| 1 | extended | CI missing (NaN or 0) or CI > ``ci_upper_limit`` |
| 4 | saturated | an input pixel with a DQ saturation bit within round(r2 + 0.5)·2 px |
| 8 | faint | FluxAp2 < ``faint_snr`` · FluxErrAp2 |
| 16 | hot pixel / too compact | CI missing, CI error not finite, or CI < lower − √(σ₁² + σ₂²) |
| 64 | edge / few exposures | min over the aperture-2 disk of the exposure count < the limit |
"""
from __future__ import annotations

import math

import numpy as np
from scipy import ndimage
from scipy.spatial import cKDTree

__all__ = [
    "COMPACT",
    "EDGE",
    "EXTENDED",
    "FAINT",
    "FLAG_NOTES",
    "SATURATED",
    "ci_flags",
    "edge_count_map",
    "edge_flags",
    "faint_flags",
    "saturation_flags",
]

EXTENDED, SATURATED, FAINT, COMPACT, EDGE = 1, 4, 8, 16, 64

#: Flag descriptions written into the catalogue headers (spec §9.6 notes).
FLAG_NOTES = (
    "Flag 0: point-like source",
    "Flag 1: extended source (CI above the upper limit, or CI undefined)",
    "Flag 2: single-pixel saturation (not assigned)",
    "Flag 4: saturated (input DQ saturation within the flag radius)",
    "Flag 8: faint (FluxAp2 below the S/N limit)",
    "Flag 16: hot pixel or too compact (CI below the lower limit minus its error)",
    "Flag 32: false detection, swarm (not assigned)",
    "Flag 64: near the edge or in a region with few exposures",
    "Flag 128: bleeding or cosmic-ray residual (not assigned)",
)


def ci_flags(ci: np.ndarray, merr1: np.ndarray, merr2: np.ndarray, *, lower: float,
             upper: float) -> np.ndarray:
    """Flags 1 (extended) and 16 (too compact) from the concentration index.

    Examples
    --------
    >>> ci_flags(np.array([1.0, 1.5, 0.5, np.nan]), np.full(4, 0.01), np.full(4, 0.01),
    ...          lower=0.9, upper=1.23).tolist()
    [0, 1, 16, 17]
    """
    missing = ~np.isfinite(ci) | (ci == 0)
    ci_err = np.hypot(merr1, merr2)
    flags = np.zeros(len(ci), dtype=np.int64)
    with np.errstate(invalid="ignore"):
        flags[missing | (ci > upper)] |= EXTENDED
        flags[missing | ~np.isfinite(ci_err) | (ci < lower - ci_err)] |= COMPACT
    return flags


def faint_flags(flux2: np.ndarray, err2: np.ndarray, *, snr: float) -> np.ndarray:
    """Flag 8 where FluxAp2 < snr · FluxErrAp2 (or either is not finite)."""
    with np.errstate(invalid="ignore"):
        faint = ~(np.asarray(flux2) >= snr * np.asarray(err2))
    return np.where(faint, FAINT, 0).astype(np.int64)


def saturation_flags(x: np.ndarray, y: np.ndarray, sat_x: np.ndarray, sat_y: np.ndarray, *,
                     aperture_2_px: float) -> np.ndarray:
    """Flag 4 for sources within round(aperture_2_px + 0.5)·2 px of a saturated pixel.

    Parameters
    ----------
    x, y
        Source positions in the product frame, pixels.
    sat_x, sat_y
        Saturated input pixels mapped into the product frame, pixels.
    aperture_2_px
        Radius of aperture 2, pixels.
    """
    flags = np.zeros(len(x), dtype=np.int64)
    if len(sat_x) == 0 or len(x) == 0:
        return flags
    radius = round(aperture_2_px + 0.5) * 2
    tree = cKDTree(np.column_stack([sat_x, sat_y]))
    dist, _ = tree.query(np.column_stack([x, y]), k=1, distance_upper_bound=radius + 1e-9)
    flags[np.isfinite(dist)] = SATURATED
    return flags


_CROSS = ndimage.generate_binary_structure(2, 1)


def edge_count_map(count: np.ndarray) -> np.ndarray:
    """Exposure count with the pixels near the data edge zeroed (dilate 25, then erode 31),
    and holes inside the data (no exposure: e.g. a saturated star's core, left out by every
    exposure's drizzle) given the count around them: a hole is no edge.

    Taxicab (4-connected) steps; outside the image counts as no data. Boolean morphology keeps
    the memory at one byte per pixel.

    Examples
    --------
    >>> c = np.zeros((80, 80), np.int16); c[10:70, 10:70] = 2; c[40:42, 40:43] = 0
    >>> e = edge_count_map(c)
    >>> int(e[40, 40]), int(e[41, 42]), int(e[10, 40]), int(e[40, 41 - 31 + 10 - 1])
    (2, 2, 0, 0)
    """
    count = _fill_holes(count)
    grown = ndimage.binary_dilation(count > 0, structure=_CROSS, iterations=25)
    shrunk = ndimage.binary_erosion(grown, structure=_CROSS, iterations=31, border_value=0)
    del grown
    return np.where(shrunk, count, 0).astype(count.dtype, copy=False)


#: Holes wider than twice this many pixels keep a zero count at their centre.
_HOLE_FILL_STEPS = 32


def _fill_holes(count: np.ndarray) -> np.ndarray:
    """``count`` with enclosed zero patches filled, step by step, by their neighbours' largest
    count."""
    holes = ndimage.binary_fill_holes(count > 0) & (count == 0)
    if not holes.any():
        return count
    filled = count.copy()
    for _ in range(_HOLE_FILL_STEPS):
        grown = ndimage.grey_dilation(filled, footprint=_CROSS)
        todo = holes & (filled == 0)
        filled[todo] = grown[todo]
        if not (holes & (filled == 0)).any():
            break
    return filled


def edge_flags(count: np.ndarray, x: np.ndarray, y: np.ndarray, *, aperture_2_px: float,
               any_coverage: bool, edge: np.ndarray | None = None) -> np.ndarray:
    """Flag 64 where the fewest exposures over the aperture-2 disk is below the limit.

    The limit is 0.5 when ``any_coverage`` (IR, SBC) or the image's largest count is ≤ 1,
    2.5 when the largest count exceeds 5, else 1.5.

    Parameters
    ----------
    count
        Per-pixel exposure count of the product (ny, nx), e.g. from its CTX bits.
    x, y
        Source positions, pixels.
    aperture_2_px
        Radius of aperture 2, pixels.
    any_coverage
        Use the 0.5 limit.
    edge
        ``edge_count_map(count)`` when already computed.
    """
    edge = edge_count_map(count) if edge is None else edge
    top = int(count.max()) if count.size else 0
    limit = 0.5 if any_coverage or top <= 1 else (2.5 if top > 5 else 1.5)
    r = math.ceil(aperture_2_px)
    yy, xx = np.mgrid[-r:r + 1, -r:r + 1]
    disk = xx ** 2 + yy ** 2 <= aperture_2_px ** 2
    ny, nx = count.shape
    ix = np.clip(np.rint(x).astype(int), 0, nx - 1)
    iy = np.clip(np.rint(y).astype(int), 0, ny - 1)
    # minimum of ``edge`` over the disk around each source (outside the image: 0)
    py, px = iy[:, None] + yy[disk][None, :], ix[:, None] + xx[disk][None, :]
    inside = (py >= 0) & (py < ny) & (px >= 0) & (px < nx)
    values = np.where(inside, edge[np.clip(py, 0, ny - 1), np.clip(px, 0, nx - 1)], 0)
    low = values.min(axis=1) if values.size else np.zeros(len(ix), edge.dtype)
    return np.where(low < limit, EDGE, 0).astype(np.int64)
