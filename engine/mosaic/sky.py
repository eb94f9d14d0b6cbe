"""Sky levels of the exposures of a product (AstroDrizzle ``sky``/``skymatch`` methods)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from hapsvm.mosaic.params import SKY_METHODS
from hapsvm.mosaic.params import SkyParams

__all__ = ["SkySample", "clip_values", "clipped_statistic", "mode_of", "solve_sky"]

log = logging.getLogger(__name__)

#: Largest number of pixel values a sky statistic is computed from (regularly subsampled).
_MAX_SAMPLES = 400_000


def mode_of(values: np.ndarray, sigma: float, width: float) -> float:
    """Histogram mode of clipped values: bins of ``width``·``sigma``, smoothed over ±5 bins
    (±0.5σ for the default width) against bin noise, refined by a parabola through the peak."""
    if values.size < 3 or sigma <= 0:
        return float(np.median(values)) if values.size else 0.0
    binw = width * sigma
    lo = values.min()
    nbins = max(1, int(np.ceil((values.max() - lo) / binw)))
    hist = np.bincount(np.minimum(((values - lo) / binw).astype(np.int64), nbins - 1),
                       minlength=nbins).astype(np.float64)
    half = min(5, max(0, (nbins - 1) // 2))
    if half:
        hist = np.convolve(hist, np.ones(2 * half + 1), mode="same")
    k = int(np.argmax(hist))
    centre = lo + (k + 0.5) * binw
    if 0 < k < nbins - 1:
        a, b, c = hist[k - 1:k + 2]
        denom = a - 2 * b + c
        if denom != 0:
            centre += 0.5 * (a - c) / denom * binw
    return float(centre)


def clip_values(values: np.ndarray, params: SkyParams) -> np.ndarray:
    """Finite values in [lower, upper] after ``clip`` rounds of sigma clipping about the mean."""
    v = np.asarray(values).ravel()
    if v.size > _MAX_SAMPLES:  # a regular subsample: the statistic changes negligibly
        v = v[::int(np.ceil(v.size / _MAX_SAMPLES))]
    v = v.astype(np.float64)
    v = v[np.isfinite(v)]
    if params.lower is not None:
        v = v[v >= params.lower]
    if params.upper is not None:
        v = v[v <= params.upper]
    for _ in range(params.clip):
        if v.size < 3:
            break
        mean, std = v.mean(), v.std()
        kept = v[(v >= mean - params.lsigma * std) & (v <= mean + params.usigma * std)]
        if kept.size == v.size or kept.size < 3:
            break
        v = kept
    return v


def clipped_statistic(values: np.ndarray, params: SkyParams) -> float:
    """Sigma-clipped sky statistic (``params.stat``) of pixel values.

    Values outside [lower, upper] are dropped, then ``clip`` rounds of clipping at
    ``lsigma``/``usigma`` standard deviations about the mean; ``mode`` uses a histogram of bin
    ``width`` standard deviations, refined by a parabola through the peak bin.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> v = np.r_[rng.normal(10.0, 1.0, 20000), np.full(50, 1000.0)]
    >>> round(clipped_statistic(v, SkyParams(stat="median")), 1)
    10.0
    """
    v = clip_values(values, params)
    if v.size == 0:
        return 0.0
    if params.stat == "mean":
        return float(v.mean())
    if params.stat == "median":
        return float(np.median(v))
    return mode_of(v, float(v.std()), params.width)


@dataclass
class SkySample:
    """Sky statistics of one exposure, in e-/s (rates make exposures comparable)."""

    rootname: str
    exptime: float
    chip_rates: list[float]
    """Clipped sky statistic of each chip, e-/s per pixel."""
    overlap_rates: dict[str, float]
    """For each other exposure it overlaps: the statistic of this exposure's pixels there."""
    overlap_pixels: dict[str, int]
    """Number of this exposure's good pixels in each overlap."""


def _match_offsets(samples: list[SkySample]) -> np.ndarray:
    """Least-squares offsets (e-/s) equalising the sky of overlapping exposures, min 0."""
    n = len(samples)
    index = {s.rootname: i for i, s in enumerate(samples)}
    rows, rhs, weights = [], [], []
    for i, s in enumerate(samples):
        for other, rate in s.overlap_rates.items():
            j = index.get(other)
            if j is None or j <= i or s.rootname not in samples[j].overlap_rates:
                continue
            row = np.zeros(n)
            row[i], row[j] = 1.0, -1.0
            rows.append(row)
            rhs.append(rate - samples[j].overlap_rates[s.rootname])
            weights.append(np.sqrt(min(s.overlap_pixels[other],
                                       samples[j].overlap_pixels[s.rootname])))
    if not rows:
        return np.zeros(n)
    a = np.array(rows) * np.array(weights)[:, None]
    b = np.array(rhs) * np.array(weights)
    # Gauge: the offsets of each connected group are only defined up to a constant.
    a = np.vstack([a, np.full(n, 1e-6)])
    b = np.append(b, 0.0)
    offsets = np.linalg.lstsq(a, b, rcond=None)[0]
    return offsets - offsets.min()


def solve_sky(samples: list[SkySample], params: SkyParams) -> dict[str, float]:
    """Sky rate (e-/s per pixel) to subtract from every chip of each exposure.

    Parameters
    ----------
    samples
        Sky statistics of every exposure of the product.
    params
        ``method``: ``localmin`` (each exposure's lowest chip), ``globalmin`` (the lowest chip
        of all exposures), ``match`` (pairwise differences in overlaps only; the lowest
        exposure keeps its sky, as skymatch does) or ``globalmin+match``.

    Returns
    -------
    dict
        rootname → sky rate; all zero when ``params.subtract`` is false.

    Examples
    --------
    >>> a = SkySample("a", 100.0, [1.0, 1.2], {"b": 1.1}, {"b": 500})
    >>> b = SkySample("b", 100.0, [1.6], {"a": 1.6}, {"a": 500})
    >>> {k: round(v, 3) for k, v in solve_sky([a, b], SkyParams(method="match")).items()}
    {'a': 0.0, 'b': 0.5}
    >>> solve_sky([a, b], SkyParams(method="localmin"))
    {'a': 1.0, 'b': 1.6}
    """
    if params.method not in SKY_METHODS:
        raise ValueError(f"sky method {params.method!r} not in {SKY_METHODS}")
    if not params.subtract or not samples:
        return {s.rootname: 0.0 for s in samples}
    local = np.array([min(s.chip_rates) if s.chip_rates else 0.0 for s in samples])
    if params.method == "localmin":
        sky = local
    elif params.method == "globalmin":
        sky = np.full(len(samples), local.min())
    else:
        sky = _match_offsets(samples)
        if params.method == "globalmin+match":
            sky = sky + float(np.min(local - sky))
    return {s.rootname: float(v) for s, v in zip(samples, sky)}
