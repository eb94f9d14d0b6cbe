"""Read the science and weight arrays of a drizzled product for display."""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

__all__ = ["DrizzleImage", "read_drizzle", "pivot_wavelength"]

_DIGITS = re.compile(r"(\d+)")


@dataclass
class DrizzleImage:
    """The display-relevant content of one ``*_dr?.fits`` product.

    Attributes
    ----------
    path
        The product file.
    sci
        SCI array, shape (ny, nx), row 0 at the bottom (FITS order), float32.
    valid
        True where the pixel has data: WHT > 0 and SCI finite, same shape as ``sci``.
    photplam
        Pivot wavelength (Angstrom) from ``PHOTPLAM`` (SCI, then primary header); NaN if absent.
    filter_name
        ``FILTER`` of the primary header (lower case), '' if absent.
    """

    path: Path
    sci: np.ndarray
    valid: np.ndarray
    photplam: float
    filter_name: str

    @property
    def shape(self) -> tuple[int, int]:
        """(ny, nx) of the drizzle grid."""
        return (int(self.sci.shape[0]), int(self.sci.shape[1]))


def _first(headers: list[fits.Header], key: str) -> object:
    for h in headers:
        if key in h and not isinstance(h[key], fits.card.Undefined):
            return h[key]
    return None


def read_drizzle(path: Path) -> DrizzleImage:
    """Read SCI and WHT of a drizzled product (WHT absent → every finite pixel is valid).

    Parameters
    ----------
    path
        A drizzle product with a ``SCI`` image extension (and usually ``WHT``).

    Raises
    ------
    OSError, KeyError
        If the file cannot be read or has no SCI extension.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from astropy.io import fits
    >>> p = Path(tempfile.mkdtemp()) / "x_drz.fits"
    >>> sci = fits.ImageHDU(np.ones((4, 6), np.float32), name="SCI")
    >>> sci.header["PHOTPLAM"] = 5887.0
    >>> wht = fits.ImageHDU(np.eye(4, 6, dtype=np.float32), name="WHT")
    >>> fits.HDUList([fits.PrimaryHDU(), sci, wht]).writeto(p)
    >>> img = read_drizzle(p)
    >>> img.shape, int(img.valid.sum()), img.photplam
    ((4, 6), 4, 5887.0)
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path, memmap=False) as hdul:
            sci_hdu = hdul["SCI"]
            sci = np.asarray(sci_hdu.data, dtype=np.float32)
            names = [h.name for h in hdul]
            wht = np.asarray(hdul["WHT"].data) if "WHT" in names else None
            headers = [sci_hdu.header, hdul[0].header]
            plam = _first(headers, "PHOTPLAM")
            filt = _first([hdul[0].header], "FILTER")
    if sci.ndim != 2:
        raise KeyError(f"{path.name}: SCI is {sci.ndim}-dimensional, expected an image")
    valid = np.isfinite(sci)
    if wht is not None and wht.shape == sci.shape:
        valid &= wht > 0
    try:
        photplam = float(str(plam)) if plam is not None else float("nan")
    except ValueError:
        photplam = float("nan")
    return DrizzleImage(path=Path(path), sci=sci, valid=valid, photplam=photplam,
                        filter_name=str(filt or "").strip().lower())


def pivot_wavelength(image: DrizzleImage, filter_name: str = "") -> float:
    """``PHOTPLAM`` (Angstrom), else the number in the filter name ×10 (``f606w`` → 6060).

    Examples
    --------
    >>> pivot_wavelength(DrizzleImage(Path("x"), np.zeros((1, 1)), np.ones((1, 1), bool),
    ...                               float("nan"), ""), "f814w")
    8140.0
    """
    if np.isfinite(image.photplam) and image.photplam > 0:
        return image.photplam
    match = _DIGITS.search(filter_name or image.filter_name)
    return float(match.group(1)) * 10.0 if match else float("inf")
