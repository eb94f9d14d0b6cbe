"""Colour composite of up to three filter images of one detector, blue to red by wavelength."""
from __future__ import annotations

import numpy as np

from hapsvm.preview.images import DrizzleImage, pivot_wavelength
from hapsvm.preview.stretch import (StretchSettings, display_levels, linear_unit, stretch_to_unit,
                                    to_uint8)

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

    Each channel is scaled between its own percentile levels, then the same asinh stretch is
    applied to all three. With two filters the green channel is their mean. Pixels without data
    in a filter are black in that channel.

    Parameters
    ----------
    images
        Two or three images on one drizzle grid (same shape).
    settings
        Percentiles and asinh parameter (shared by the channels).
    filter_names
        Filter names of ``images``, used when PHOTPLAM is missing.

    Raises
    ------
    ValueError
        If fewer than 2 or more than 3 images are given, or their shapes differ.

    Examples
    --------
    >>> from pathlib import Path
    >>> ramp = np.tile(np.arange(8.0), (4, 1))
    >>> mk = lambda plam: DrizzleImage(Path("x"), ramp, np.ones(ramp.shape, bool), plam, "")
    >>> rgb = color_composite([mk(8000.0), mk(4000.0)], StretchSettings(0, 100, 1.0))
    >>> rgb.shape, rgb.dtype.name, rgb[0, -1].tolist()
    ((4, 8, 3), 'uint8', [255, 255, 255])
    """
    if not 2 <= len(images) <= 3:
        raise ValueError(f"a colour composite needs 2 or 3 images, got {len(images)}")
    shapes = {img.shape for img in images}
    if len(shapes) != 1:
        raise ValueError(f"images are on different grids: {sorted(shapes)}")
    order = order_by_wavelength(images, filter_names)
    planes = []
    for i in order:
        img = images[i]
        lo, hi = display_levels(img.sci, img.valid, settings)
        planes.append(linear_unit(img.sci, img.valid, lo, hi))
    if len(planes) == 2:
        green = np.add(planes[0], planes[1], dtype=np.float32)
        green *= np.float32(0.5)
        planes.insert(1, green)
    blue, green, red = planes
    unit_settings = StretchSettings(0.0, 100.0, settings.asinh_a)
    rgb = np.empty((*blue.shape, 3), np.uint8)
    for k, plane in enumerate((red, green, blue)):      # one float32 channel at a time
        rgb[..., k] = to_uint8(stretch_to_unit(plane, plane > 0, unit_settings, levels=(0.0, 1.0)))
    return rgb

