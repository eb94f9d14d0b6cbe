"""Pixel maps of chips onto the output grid, computed once per chip and kept on disk."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from pathlib import Path

import numpy as np
from astropy.wcs import WCS
from drizzle.utils import calc_pixmap

from engine.mosaic.chips import Chip
from engine.mosaic.grid import OutputGrid

__all__ = ["PixmapCache", "compute_pixmap"]

log = logging.getLogger(__name__)

#: Rows per block when computing a pixel map (bounds the temporary memory).
_BLOCK_ROWS = 256


class _ChipRows:
    """A row block of a chip for ``calc_pixmap``; ``all_pix2world`` applies every distortion."""

    bounding_box = None

    def __init__(self, wcs: WCS, row0: int, shape: tuple[int, int]) -> None:
        self._wcs, self._row0, self.array_shape = wcs, row0, shape

    def pixel_to_world_values(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(self._wcs.all_pix2world(x, y + self._row0, 0))


class _Grid:
    """The (undistorted TAN) output grid for ``calc_pixmap``."""

    bounding_box = None

    def __init__(self, wcs: WCS) -> None:
        self._wcs = wcs

    def world_to_pixel_values(self, ra: np.ndarray, dec: np.ndarray) -> tuple[np.ndarray, ...]:
        return tuple(self._wcs.wcs_world2pix(ra, dec, 0))


def compute_pixmap(chip_wcs: WCS, shape: tuple[int, int], grid: OutputGrid) -> np.ndarray:
    """Output-grid coordinates of every pixel centre of a chip, with full distortion.

    Parameters
    ----------
    chip_wcs
        The chip's WCS (SIP and lookup-table distortions are applied).
    shape
        (ny, nx) of the chip.
    grid
        The output grid.

    Returns
    -------
    numpy.ndarray
        float32 array (ny, nx, 2): output x and y (0-based) of each input pixel.
    """
    ny, nx = shape
    out = np.empty((ny, nx, 2), dtype=np.float32)
    to = _Grid(grid.wcs)
    for row0 in range(0, ny, _BLOCK_ROWS):
        rows = min(_BLOCK_ROWS, ny - row0)
        out[row0:row0 + rows] = calc_pixmap(_ChipRows(chip_wcs, row0, (rows, nx)), to,
                                            shape=(rows, nx))
    return out


class PixmapCache:
    """Disk-backed pixel maps keyed by file, chip, chip WCS and output grid.

    Parameters
    ----------
    directory
        Where the maps are stored (one float32 ``.npy`` file per chip); created if needed.
    grid
        The output grid every map refers to.
    """

    def __init__(self, directory: Path, grid: OutputGrid) -> None:
        self.directory = Path(directory)
        self.grid = grid
        self.directory.mkdir(parents=True, exist_ok=True)

    def key(self, chip: Chip) -> str:
        """Cache key: file, extension, WCS digest and grid."""
        text = f"{Path(chip.path).resolve()}|{chip.extver}|{chip.wcs_key}|{self.grid.digest}"
        return hashlib.sha1(text.encode()).hexdigest()[:20]

    def path_for(self, chip: Chip) -> Path:
        """File holding the chip's map."""
        return self.directory / f"{Path(chip.path).stem}_sci{chip.extver}_{self.key(chip)}.npy"

    def ensure(self, chip: Chip) -> Path:
        """Compute and store the chip's map unless it is already cached; return its file."""
        path = self.path_for(chip)
        if path.is_file():
            return path
        pixmap = compute_pixmap(chip.wcs, chip.shape, self.grid)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".npy.part")
        with os.fdopen(fd, "wb") as handle:
            np.save(handle, pixmap)
        os.replace(tmp, path)
        log.debug("pixel map of %s: %s", chip.name, path.name)
        return path

    def get(self, chip: Chip) -> np.ndarray:
        """The chip's map (float32, (ny, nx, 2)), computed on first use."""
        return np.load(self.ensure(chip))

    def clear(self) -> None:
        """Delete every cached map and the directory if it is then empty."""
        for path in self.directory.glob("*.npy*"):
            path.unlink(missing_ok=True)
        try:
            self.directory.rmdir()
        except OSError:
            pass
