"""Display levels of an image from its sky: sky level and noise, black, softening and white.

Every level is measured on a bounded, regular sample of the pixels with data (WHT > 0, finite),
gathered in row blocks, so a 6000 × 5600 mosaic costs no full-size temporary copy.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from hapsvm.preview.params import StretchSettings

__all__ = ["DisplayLevels", "sample_valid", "sky_and_noise", "display_levels"]

log = logging.getLogger(__name__)

#: Largest number of valid pixels the levels are measured on (a regular subsample beyond).
_MAX_SAMPLES = 1_000_000
#: Rows read at a time while sampling.
_BLOCK_ROWS = 512
#: Sigma clipping of the sky estimate: clip at this many σ, for at most this many rounds.
_CLIP_SIGMA = 3.0
_MAX_ROUNDS = 8
#: Pixels more than this many σ above the sky are source pixels (they set the white level).
_SOURCE_SIGMA = 5.0
#: σ of a normal distribution per median absolute deviation.
_MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True)
class DisplayLevels:
    """Measured levels of one image, in its SCI unit.

    Attributes
    ----------
    sky, noise
        Sky level (sigma-clipped median) and its noise σ.
    black, white
        Values shown black and white.
    softening
        Asinh softening: values this far above black sit where the stretch turns logarithmic.
    """

    sky: float
    noise: float
    black: float
    white: float
    softening: float


def sample_valid(sci: np.ndarray, valid: np.ndarray, *,
                 max_samples: int = _MAX_SAMPLES) -> np.ndarray:
    """A regular float64 subsample (raster order) of the finite pixels where ``valid``.

    Reads ``sci`` in row blocks: memory is one block plus the sample (≤ ``max_samples``).

    Examples
    --------
    >>> sci = np.arange(12.0).reshape(3, 4); valid = sci % 2 == 0
    >>> sample_valid(sci, valid).tolist(), sample_valid(sci, valid, max_samples=3).tolist()
    ([0.0, 2.0, 4.0, 6.0, 8.0, 10.0], [0.0, 4.0, 8.0])
    """
    n_valid = int(np.count_nonzero(valid))
    step = max(1, -(-n_valid // max_samples))
    parts, seen = [], 0
    for start in range(0, sci.shape[0], _BLOCK_ROWS):
        rows = slice(start, start + _BLOCK_ROWS)
        values = sci[rows][valid[rows]]
        parts.append(values[(-seen) % step::step].astype(np.float64))  # a copy: frees the block
        seen += values.size
    sample = np.concatenate(parts) if parts else np.empty(0)
    return sample[np.isfinite(sample)]


def _median_and_mad(values: np.ndarray) -> tuple[float, float]:
    median = float(np.median(values))
    return median, float(np.median(np.abs(values - median)))


def sky_and_noise(sample: np.ndarray) -> tuple[float, float]:
    """Sky level and noise σ of pixel values: sigma-clipped median and 1.4826 × MAD.

    The clipping (3 σ, a few rounds) removes the sources. When more than half of the pixels sit
    exactly at the sky (an integer-quantised or clipped image: the MAD is 0), σ is the rms of
    a uniform quantisation step, ``step / √12``, the step being the median distance from the
    sky of the pixels that differ from it; a constant image gets σ = 1.

    Parameters
    ----------
    sample
        Finite pixel values (any order), at least one.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> sky, noise = sky_and_noise(np.concatenate([rng.normal(10, 2, 100_000), np.full(500, 1e4)]))
    >>> round(sky, 1), round(noise, 1)
    (10.0, 2.0)
    >>> sky_and_noise(np.array([0.0] * 90 + [1.0] * 10))     # 1/√12 = 0.289
    (0.0, 0.2886751345948129)
    """
    sky, mad = _median_and_mad(sample)
    for _ in range(_MAX_ROUNDS):
        if mad == 0:
            break
        kept = sample[np.abs(sample - sky) < _CLIP_SIGMA * _MAD_TO_SIGMA * mad]
        new_sky, new_mad = _median_and_mad(kept)
        converged = abs(new_sky - sky) <= 1e-3 * mad and abs(new_mad - mad) <= 1e-3 * mad
        sky, mad = new_sky, new_mad
        if converged:
            break
    if mad > 0:
        return sky, _MAD_TO_SIGMA * mad
    offsets = np.abs(sample - sky)
    offsets = offsets[offsets > 0]
    return sky, float(np.median(offsets) / np.sqrt(12.0)) if offsets.size else 1.0


def display_levels(sci: np.ndarray, valid: np.ndarray,
                   settings: StretchSettings) -> DisplayLevels:
    """Black, white and asinh softening of an image, from its sky level and noise σ.

    ``black = sky - black_sigma σ``; ``softening = softening_sigma σ``; white is the
    ``white_percentile`` of the source pixels (> sky + 5 σ) but at least ``sky + min_white_sigma
    σ``. Only valid pixels count, so empty (WHT = 0) borders or NaN change nothing. An image
    without valid pixels gets sky 0, σ 1.

    Parameters
    ----------
    sci
        Image, shape (ny, nx).
    valid
        Pixels with data, same shape.
    settings
        The σ multiples and the white percentile.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> sci = rng.normal(100.0, 5.0, (200, 200)); sci[50, 50] = 1e5
    >>> lv = display_levels(sci, sci > -np.inf, StretchSettings())
    >>> [round(v) for v in (lv.sky, lv.noise, lv.black, lv.softening, lv.white)]
    [100, 5, 90, 10, 100000]
    """
    sample = sample_valid(sci, valid)
    sky, noise = sky_and_noise(sample) if sample.size else (0.0, 1.0)
    white = sky + settings.min_white_sigma * noise
    sources = sample[sample > sky + _SOURCE_SIGMA * noise]
    if sources.size:
        white = max(white, float(np.percentile(sources, settings.white_percentile)))
    levels = DisplayLevels(sky=sky, noise=noise, black=sky - settings.black_sigma * noise,
                           white=white, softening=settings.softening_sigma * noise)
    log.debug("display levels from %d pixels: sky %.4g, noise %.4g, black %.4g, white %.4g "
              "(%.0f sigma)", sample.size, sky, noise, levels.black, white, (white - sky) / noise)
    return levels
