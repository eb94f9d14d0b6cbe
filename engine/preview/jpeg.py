"""Write display arrays as JPEG files with Pillow (full-size previews and thumbnails)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image

__all__ = ["write_jpeg", "fit_within"]


def fit_within(shape: tuple[int, int], max_side: int) -> tuple[int, int]:
    """(width, height) of an image of ``shape`` (ny, nx) scaled so its long side ≤ ``max_side``.

    Never enlarges; each side is at least 1 pixel.

    Examples
    --------
    >>> fit_within((100, 400), 256), fit_within((50, 60), 256)
    ((256, 64), (60, 50))
    """
    ny, nx = shape
    scale = min(1.0, max_side / max(nx, ny))
    return max(1, round(nx * scale)), max(1, round(ny * scale))


def write_jpeg(pixels: np.ndarray, path: Path, *, quality: int = 90,
               max_side: int | None = None) -> tuple[int, int]:
    """Write a uint8 grey (ny, nx) or RGB (ny, nx, 3) array as a JPEG file.

    Parameters
    ----------
    pixels
        Display values, row 0 at the top.
    path
        Output file; any suffix (the format is always JPEG, so temporary names work).
    quality
        JPEG quality, 1-95.
    max_side
        If given, the image is shrunk (Lanczos) so that its long side is at most this many pixels.

    Returns
    -------
    tuple of int
        (width, height) written.

    Examples
    --------
    >>> import tempfile
    >>> p = Path(tempfile.mkdtemp()) / "t.part"
    >>> write_jpeg(np.zeros((300, 600), np.uint8), p, max_side=256)
    (256, 128)
    """
    mode = "RGB" if pixels.ndim == 3 else "L"
    image = Image.fromarray(np.ascontiguousarray(pixels, dtype=np.uint8), mode=mode)
    if max_side is not None:
        size = fit_within((image.height, image.width), max_side)
        if size != image.size:
            image = image.resize(size, Image.Resampling.LANCZOS)
    image.save(path, format="JPEG", quality=int(quality), optimize=True)
    return image.size
