"""Saturated input pixels (DQ bits) mapped into a drizzled product's pixel frame (flag 4)."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS
from astropy.wcs import FITSFixedWarning

__all__ = ["saturated_pixels"]

log = logging.getLogger(__name__)


def saturated_pixels(inputs: list[Path], bits: list[int], product_wcs: WCS,
                     shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """Positions, in the product frame, of input pixels whose DQ has any of ``bits``.

    Every ``SCI``/``DQ`` pair of every input is read; the chip's full WCS (SIP and lookup-table
    distortion included) maps the flagged pixels to the sky, and the product WCS maps them to
    product pixels. Pixels that land outside the product are dropped.

    Parameters
    ----------
    inputs
        FLT/FLC files (the aligned SVM copies).
    bits
        DQ bit values meaning "saturated" (e.g. ``[256]``).
    product_wcs
        WCS of the product's SCI extension.
    shape
        Product shape (ny, nx).

    Returns
    -------
    tuple of ndarray
        (x, y) 0-based product pixels, possibly empty.
    """
    mask_bits = int(np.bitwise_or.reduce(np.asarray(bits, dtype=np.int64))) if bits else 0
    xs, ys = [], []
    if mask_bits == 0:
        return np.zeros(0), np.zeros(0)
    for path in inputs:
        with fits.open(path, memmap=False) as hdul:
            for hdu in hdul:
                if hdu.name != "DQ" or hdu.data is None:
                    continue
                iy, ix = np.nonzero(np.asarray(hdu.data).astype(np.int64) & mask_bits)
                if ix.size == 0:
                    continue
                sci = hdul["SCI", hdu.ver]
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", FITSFixedWarning)
                    chip = WCS(sci.header, hdul)
                ra, dec = chip.all_pix2world(ix, iy, 0)
                px, py = product_wcs.world_to_pixel_values(ra, dec)
                xs.append(np.asarray(px, float))
                ys.append(np.asarray(py, float))
    if not xs:
        return np.zeros(0), np.zeros(0)
    x, y = np.concatenate(xs), np.concatenate(ys)
    ny, nx = shape
    inside = (x > -0.5) & (x < nx - 0.5) & (y > -0.5) & (y < ny - 0.5)
    log.debug("%d saturated input pixels inside the product", int(inside.sum()))
    return x[inside], y[inside]
