"""Static mask, blot of the median image and the derivative-based cosmic-ray test (driz_cr)."""
from __future__ import annotations

import numpy as np
from drizzle.resample import blot_image
from scipy import ndimage

from hapsvm.mosaic.params import CosmicRayParams
from hapsvm.mosaic.params import SkyParams
from hapsvm.mosaic.sky import clip_values
from hapsvm.mosaic.sky import mode_of

__all__ = ["blot_median", "driz_cr_mask", "quick_derivative", "static_mask"]


def static_mask(sci: np.ndarray, good: np.ndarray, *, static_sig: float) -> np.ndarray:
    """True for pixels more than ``static_sig`` standard deviations below the chip's sky mode.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> img = rng.normal(10, 1, (50, 50)).astype(np.float32); img[5, 5] = -50
    >>> m = static_mask(img, np.ones(img.shape, bool), static_sig=4.0)
    >>> bool(m[5, 5]), int(m.sum()) < 5
    (True, True)
    """
    clipped = clip_values(sci[good], SkyParams(lower=None))
    if clipped.size < 3:
        return np.zeros(sci.shape, dtype=bool)
    sigma = float(clipped.std())
    return sci < mode_of(clipped, sigma, 0.1) - static_sig * sigma


def blot_median(median: np.ndarray, pixmap: np.ndarray, *, pixel_ratio: float,
                interp: str) -> np.ndarray:
    """Resample the median image (e-/s per output pixel) back onto a chip (e-/s per chip pixel).

    Parameters
    ----------
    median
        The median image on the output grid.
    pixmap
        The chip's (ny, nx, 2) map onto the output grid.
    pixel_ratio
        Output pixel scale / chip pixel scale.
    interp
        ``blot_image`` interpolation (``poly5``, ``linear``, ...).
    """
    return blot_image(median, np.asarray(pixmap, dtype=np.float64), fillval=0.0,
                      iscale=1.0 / pixel_ratio ** 2, interp=interp)


def quick_derivative(image: np.ndarray) -> np.ndarray:
    """Largest absolute difference between each pixel and its four neighbours.

    Examples
    --------
    >>> quick_derivative(np.array([[0.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 1.0]]))[1, 1]
    np.float32(4.0)
    """
    padded = np.pad(np.asarray(image, dtype=np.float32), 1, mode="edge")
    centre = padded[1:-1, 1:-1]
    out = np.abs(centre - padded[:-2, 1:-1])
    for nb in (padded[2:, 1:-1], padded[1:-1, :-2], padded[1:-1, 2:]):
        np.maximum(out, np.abs(centre - nb), out=out)
    return out


def driz_cr_mask(data_e: np.ndarray, model_e: np.ndarray, *, readnoise: float,
                 params: CosmicRayParams) -> np.ndarray:
    """Cosmic-ray pixels of one chip by comparison with the blotted median (True = CR).

    A pixel is a first-pass candidate when ``|data - model| > scale1·deriv + snr1·noise``,
    with ``noise = sqrt(|model| + readnoise²)`` in electrons and ``deriv`` the model's
    :func:`quick_derivative`. It is flagged when it passes the second-pass test
    (``scale2``, ``snr2``) and any pixel of its 3×3 neighbourhood is a candidate; flags are
    then grown to ``driz_cr_grow`` × ``driz_cr_grow`` boxes.

    Parameters
    ----------
    data_e
        The chip's data in electrons (sky included).
    model_e
        The blotted median plus the subtracted sky, electrons.
    readnoise
        Electrons.
    params
        ``driz_cr_snr``, ``driz_cr_scale``, ``driz_cr_grow``.
    """
    diff = np.abs(data_e - model_e)
    deriv = quick_derivative(model_e)
    noise = np.sqrt(np.abs(model_e) + readnoise ** 2)
    (snr1, snr2), (mult1, mult2) = params.driz_cr_snr, params.driz_cr_scale
    candidate = diff > mult1 * deriv + snr1 * noise
    near = ndimage.maximum_filter(candidate, size=3, mode="nearest")
    mask = near & (diff > mult2 * deriv + snr2 * noise)
    if params.driz_cr_grow > 1:
        mask = ndimage.maximum_filter(mask, size=params.driz_cr_grow, mode="constant")
    return mask
