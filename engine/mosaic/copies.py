"""Updates of the renamed FLT/FLC copies: cosmic-ray DQ flags and SKYCELL (spec §8.4, §8.5)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
from astropy.io import fits

from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.grid import chip_outline_sky
from hapsvm.mosaic.skycells import sky_cells_for

__all__ = ["exposure_sky_cells", "write_cr_flags", "write_skycell"]


def write_cr_flags(source: Path, target: Path, *, masks: dict[int, Path], crbit: int,
                   resetbits: int) -> None:
    """Copy ``source`` to ``target`` with ``resetbits`` cleared and ``crbit`` set on CR pixels.

    Parameters
    ----------
    source, target
        The renamed copy and the new file to write (``source`` is not modified).
    masks
        EXTVER → bool ``.npy`` cosmic-ray mask of that chip.
    crbit, resetbits
        DQ bit to set, bits to clear first.

    """
    shutil.copyfile(source, target)
    with fits.open(target, mode="update") as hdul:
        for extver, path in masks.items():
            try:
                hdu = hdul["DQ", extver]
            except KeyError:
                continue
            mask = np.load(path)
            dq = np.asarray(hdu.data).astype(np.int32) & ~int(resetbits) & 0xFFFF
            dq[mask] |= int(crbit)
            hdu.data = dq.astype(np.uint16).view(np.int16) if hdu.data.dtype == np.int16 \
                else dq.astype(hdu.data.dtype)


def exposure_sky_cells(exposure: Exposure, *, step_arcsec: float = 2.0) -> list[str]:
    """Sky cells touched by the outlines of an exposure's chips (points every ``step_arcsec``)."""
    ras, decs = [], []
    for chip in exposure.chips:
        side_arcsec = max(chip.shape) * chip.pixel_scale_arcsec
        ra, dec = chip_outline_sky(chip.wcs, chip.shape,
                                   n_per_side=max(4, int(side_arcsec / step_arcsec) + 1))
        ras.append(ra)
        decs.append(dec)
    return sky_cells_for(np.concatenate(ras), np.concatenate(decs))


def write_skycell(source: Path, target: Path, *, cells: list[str]) -> None:
    """Copy ``source`` to ``target`` with SKYCELL (after S_REGION) in every SCI header."""
    shutil.copyfile(source, target)
    value = "; ".join(cells)
    comment = "Skycell(s) that this image occupies"
    if len(value) + 13 + len(comment) > 80:      # keep the card free of truncation warnings
        comment = ""
    with fits.open(target, mode="update") as hdul:
        for hdu in hdul:
            if hdu.name != "SCI":
                continue
            card = ("SKYCELL", value, comment)
            if "SKYCELL" in hdu.header:
                hdu.header["SKYCELL"] = value
            elif "S_REGION" in hdu.header:
                hdu.header.insert("S_REGION", card, after=True)
            else:
                hdu.header.append(card)
