"""Segmentation of the total (detection) image with the spec's crowded-field fallbacks (§9.3).

Pass 1 convolves the background-subtracted image with a normalised 11×11 Gaussian (FWHM =
``TWEAK_FWHMPSF`` / pixel scale) and keeps ≥ ``source_box`` connected pixels above
``segm_nsigma`` · noise. A segmentation is *crowded* when its largest segment is too large
(fraction of the data pixels, or absolute pixels) or, for Gaussian passes, its segments cover
too much of the image. Crowded → pass 2 with a Ricker-wavelet kernel; still crowded → both
thresholds doubled and the two passes redone, the last wavelet pass judged with
``biggest_source_deblend_limit`` and accepted also when it shrank the largest segment by
``ratio_bigsource_limit`` relative to the Gaussian pass before it. (The spec's second round
first swaps a scalar background for a 2-D mesh; here the thresholds are always doubled.)
Otherwise the segment catalogues are empty, with the reason.
Deblending is applied to segments at least as large as the kernel, except the largest ones;
it needs scikit-image (photutils' watershed) and is skipped, with a note, without it.
"""
from __future__ import annotations

import importlib.util
import logging
import math
import warnings
from dataclasses import dataclass
from dataclasses import field

import numpy as np
from astropy.convolution import RickerWavelet2DKernel
from astropy.utils.exceptions import AstropyUserWarning
from photutils.segmentation import SegmentationImage
from photutils.segmentation import deblend_sources
from photutils.segmentation import detect_sources
from photutils.segmentation import make_2dgaussian_kernel
from photutils.utils.exceptions import NoDetectionsWarning
from scipy.signal import fftconvolve

from hapsvm.catalogs.params import CatalogParameters

__all__ = ["Segmentation", "crowding", "deblend_labels", "segment_image"]

log = logging.getLogger(__name__)
_KERNEL_SIZE = 11


@dataclass
class Segmentation:
    """Result of segmenting the detection image."""

    segm: SegmentationImage | None
    """Labels (ny, nx); None when no acceptable segmentation was found."""
    convolved: np.ndarray
    """The detection image convolved with the accepted kernel."""
    nsigma: float
    """Threshold used, in noise units."""
    kernel: str
    """``gaussian`` or ``ricker``."""
    passes: list[str] = field(default_factory=list)
    """One line per pass: kernel, threshold, largest-segment fraction, verdict."""
    empty_reason: str = ""
    """Why the segment catalogues are empty ('' when they are not)."""
    deblending: str = "not needed"
    """``n segments deblended``, ``not needed`` or why it was skipped."""


def crowding(segm: SegmentationImage | None, n_real: int, *, biggest_limit: float,
             pixels_limit: int, fraction_limit: float | None) -> tuple[bool, float, float]:
    """Whether a segmentation is crowded; also its largest-segment and covered fractions."""
    if segm is None or segm.n_labels == 0:
        return False, 0.0, 0.0
    areas = segm.areas
    biggest = float(areas.max()) / max(n_real, 1)
    covered = float(areas.sum()) / max(n_real, 1)
    poor = biggest > biggest_limit or areas.max() > pixels_limit
    if fraction_limit is not None:
        poor = poor or covered > fraction_limit
    return poor, biggest, covered


def _kernels(fwhm_px: float, rw2d_size: int) -> dict[str, np.ndarray]:
    gauss = np.asarray(make_2dgaussian_kernel(fwhm_px, size=_KERNEL_SIZE).array, float)
    sigma = 1.5 * fwhm_px / (2 * math.sqrt(2 * math.log(2)))
    size = rw2d_size if rw2d_size % 2 else rw2d_size + 1
    ricker = np.asarray(RickerWavelet2DKernel(sigma, x_size=size, y_size=size).array, float)
    ricker *= gauss.max() / ricker.max()
    return {"gaussian": gauss, "ricker": ricker}


def deblend_labels(segm: SegmentationImage, *, min_area: int, ratio_limit: float
                   ) -> list[int]:
    """Labels to deblend: area ≥ ``min_area``, without the largest segments.

    The largest segment is always skipped; so is each next one (in descending area) while it
    is at least ``ratio_limit`` times the area of the next smaller one.

    Examples
    --------
    >>> data = np.zeros((60, 60), int)
    >>> data[:30, :30], data[40:55, 40:55], data[0:5, 50:55] = 1, 2, 3
    >>> deblend_labels(SegmentationImage(data), min_area=121, ratio_limit=10)
    [2]
    """
    order = np.argsort(segm.areas)[::-1]
    areas, labels = segm.areas[order], segm.labels[order]
    skip = 1
    while skip < len(areas) - 1 and areas[skip] >= ratio_limit * areas[skip + 1]:
        skip += 1
    return [int(lab) for lab, a in zip(labels[skip:], areas[skip:]) if a >= min_area]


#: Rows convolved at a time by :func:`convolve_same`.
_CONVOLVE_ROWS = 512


def convolve_same(image: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """``fftconvolve(image, kernel, mode="same")`` in float32, one strip of rows at a time.

    Each strip carries a halo of kernel-height rows, so the result equals the whole-image
    convolution while the FFT buffers stay the size of a strip.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> img, ker = rng.normal(size=(1100, 40)), rng.random((5, 5))
    >>> bool(np.allclose(convolve_same(img, ker), fftconvolve(img, ker, mode="same"), atol=1e-5))
    True
    """
    ny = image.shape[0]
    halo = kernel.shape[0]
    out = np.empty(image.shape, np.float32)
    for start in range(0, ny, _CONVOLVE_ROWS):
        stop = min(ny, start + _CONVOLVE_ROWS)
        lo, hi = max(0, start - halo), min(ny, stop + halo)
        block = fftconvolve(image[lo:hi], kernel, mode="same")
        out[start:stop] = block[start - lo:stop - lo]
    return out


def _detect(resid: np.ndarray, noise: np.ndarray, footprint: np.ndarray, kernel: np.ndarray,
            nsigma: float, npix: int) -> tuple[SegmentationImage | None, np.ndarray]:
    conv = convolve_same(resid, kernel)
    threshold = np.where(footprint, nsigma * noise, np.inf).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NoDetectionsWarning)  # an empty pass is a result
        segm = detect_sources(conv, threshold, n_pixels=npix, mask=~footprint)
    return segm, conv


def segment_image(resid: np.ndarray, noise: np.ndarray, footprint: np.ndarray,
                  params: CatalogParameters, *, fwhm_px: float) -> Segmentation:
    """Segment and deblend the background-subtracted detection image.

    Parameters
    ----------
    resid
        Background-subtracted total image (ny, nx), e⁻/s (0 outside the footprint is fine).
    noise
        Per-pixel noise (ny, nx), e⁻/s.
    footprint
        Illuminated pixels (bool).
    params
        Catalogue parameters (``segm_nsigma``, ``source_box``, ``rw2d_*``, ...).
    fwhm_px
        Gaussian kernel FWHM, pixels.

    Returns
    -------
    Segmentation
    """
    p = params
    resid = np.where(footprint, resid, 0.0).astype(np.float32)
    kernels = _kernels(fwhm_px, p.rw2d_size)
    n_real = int(np.count_nonzero(np.isfinite(resid) & (resid != 0)))
    plan = [("gaussian", p.segm_nsigma, p.rw2d_biggest_source, p.rw2d_source_fraction),
            ("ricker", p.rw2d_nsigma, p.rw2d_biggest_source, None),
            ("gaussian", 2 * p.segm_nsigma, p.rw2d_biggest_source, p.rw2d_source_fraction),
            ("ricker", 2 * p.rw2d_nsigma, p.biggest_source_deblend_limit, None)]
    out = Segmentation(None, resid, p.segm_nsigma, "gaussian")
    gauss_biggest = 0.0
    for i, (name, nsig, big_lim, frac_lim) in enumerate(plan):
        segm, conv = _detect(resid, noise, footprint, kernels[name], nsig, p.source_box)
        poor, biggest, covered = crowding(segm, n_real, biggest_limit=big_lim,
                                          pixels_limit=p.rw2d_biggest_pixels,
                                          fraction_limit=frac_lim)
        ratio = gauss_biggest / biggest if biggest > 0 else 3.0
        gauss_biggest = biggest if name == "gaussian" else gauss_biggest
        accept = not poor or (i == len(plan) - 1 and ratio > p.ratio_bigsource_limit)
        out.passes.append(f"{name} {nsig:g} sigma: {0 if segm is None else segm.n_labels} "
                          f"segments, largest {biggest:.4f}, covered {covered:.3f}"
                          f" -> {'accepted' if accept else 'crowded'}")
        log.debug("segmentation pass %s", out.passes[-1])
        if accept:
            out.segm, out.convolved, out.nsigma, out.kernel = segm, conv, nsig, name
            break
    else:
        out.empty_reason = "crowded field: no segmentation pass met the crowding limits (" + \
            "; ".join(out.passes) + ")"
        return out
    if out.segm is not None and out.segm.n_labels > 1:
        labels = deblend_labels(out.segm, min_area=_KERNEL_SIZE ** 2,
                                ratio_limit=p.ratio_bigsource_deblend_limit)
        if labels and importlib.util.find_spec("skimage") is None:
            out.deblending = "skipped: photutils deblending needs scikit-image (not installed)"
            log.warning("segmentation: %d segments not deblended: %s", len(labels),
                        out.deblending)
        elif labels:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", AstropyUserWarning)
                out.segm = deblend_sources(out.convolved, out.segm, n_pixels=p.source_box,
                                           labels=labels, n_levels=p.nlevels,
                                           contrast=p.contrast, progress_bar=False)
            out.deblending = f"{len(labels)} segments deblended"
    return out
