"""Colour composite of up to three filter images of one detector, blue to red by wavelength."""
from __future__ import annotations

import numpy as np

from hapsvm.preview.images import DrizzleImage
from hapsvm.preview.images import pivot_wavelength
from hapsvm.preview.levels import display_levels
from hapsvm.preview.params import StretchSettings
from hapsvm.preview.stretch import row_blocks
from hapsvm.preview.stretch import stretch_block
from hapsvm.preview.stretch import to_uint8

__all__ = ["order_by_wavelength", "color_composite"]


def order_by_wavelength(images: list[DrizzleImage],
                        filter_names: list[str] | None = None) -> list[int]:
    """Indices of ``images`` sorted blue → red by pivot wavelength (PHOTPLAM, else the name).

    Examples
    --------
    >>> from pathlib import Path
    >>> mk = lambda plam: DrizzleImage(Path("x"), np.zeros((1, 1)), np.ones((1, 1), bool),
    ...                                plam, "")
    >>> order_by_wavelength([mk(8045.0), mk(5887.0), mk(float("nan"))], ["f814w", "f606w", "f435w"])
    [2, 1, 0]
    """
    names = filter_names or [""] * len(images)
    keys = [pivot_wavelength(img, name) for img, name in zip(images, names)]
    return sorted(range(len(images)), key=lambda i: keys[i])


def color_composite(images: list[DrizzleImage], settings: StretchSettings, *,
                    filter_names: list[str] | None = None) -> np.ndarray:
    """RGB uint8 image (ny, nx, 3), North up: bluest filter in blue, reddest in red.

    Each channel gets the display levels of its own image (sky, noise, white) and the same
    asinh stretch, so the sky is the same dark grey in the three channels and a source's colour
    reflects how far above its own sky it is in each filter. With two filters the green channel
    is the mean of the two stretched channels. Pixels without data in a filter are black in that
    channel. Built in row blocks: no full-size float plane is kept.

    Parameters
    ----------
    images
        Two or three images on one drizzle grid (same shape).
    settings
        σ multiples and white percentile (shared by the channels).
    filter_names
        Filter names of ``images``, used when PHOTPLAM is missing.

    Raises
    ------
    ValueError
        If fewer than 2 or more than 3 images are given, or their shapes differ.

    Examples
    --------
    >>> from pathlib import Path
    >>> sky = np.random.default_rng(0).normal(1.0, 0.1, (20, 30))
    >>> red, blue = sky.copy(), sky.copy()
    >>> red[0, 0] = 100.0                             # FITS row 0 is the bottom row
    >>> mk = lambda sci, plam: DrizzleImage(Path("x"), sci, np.ones(sci.shape, bool), plam, "")
    >>> rgb = color_composite([mk(red, 8000.0), mk(blue, 4000.0)], StretchSettings())
    >>> rgb.shape, rgb.dtype.name, rgb[-1, 0].tolist()[0], int(rgb[-1, 0, 2]) < 64
    ((20, 30, 3), 'uint8', 255, True)
    """
    if not 2 <= len(images) <= 3:
        raise ValueError(f"a colour composite needs 2 or 3 images, got {len(images)}")
    shapes = {img.shape for img in images}
    if len(shapes) != 1:
        raise ValueError(f"images are on different grids: {sorted(shapes)}")
    ordered = [images[i] for i in order_by_wavelength(images, filter_names)]
    levels = [display_levels(img.sci, img.valid, settings) for img in ordered]
    rgb = np.empty((*ordered[0].shape, 3), np.uint8)
    for rows, shown in row_blocks(ordered[0].shape[0]):
        planes = [stretch_block(img.sci[rows], img.valid[rows], lv)
                  for img, lv in zip(ordered, levels)]
        if len(planes) == 2:
            green = np.add(planes[0], planes[1], dtype=np.float32)
            green *= np.float32(0.5)
            planes.insert(1, green)
        blue, green, red = planes
        for k, plane in enumerate((red, green, blue)):
            rgb[shown, :, k] = to_uint8(plane)[::-1]
    return rgb
