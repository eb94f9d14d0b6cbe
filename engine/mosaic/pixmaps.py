"""Pixel maps of chips onto the output grid, computed once per chip and kept on disk."""
from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from typing import BinaryIO

import numpy as np
from astropy.wcs import WCS
from drizzle.utils import calc_pixmap
from scipy.interpolate import BSpline
from scipy.interpolate import make_interp_spline

from hapsvm.mosaic.chips import Chip
from hapsvm.mosaic.footprints import chip_footprint
from hapsvm.mosaic.grid import OutputGrid

__all__ = ["PixmapCache", "PixmapSpline", "compute_pixmap", "fit_pixmap_spline",
           "interpolated_pixmap"]

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


def _basis(ra: float, dec: float) -> np.ndarray:
    """Rows: East, North and radial unit vectors at (ra, dec) degrees."""
    a, d = np.radians(ra), np.radians(dec)
    return np.array([[-np.sin(a), np.cos(a), 0.0],
                     [-np.sin(d) * np.cos(a), -np.sin(d) * np.sin(a), np.cos(d)],
                     [np.cos(d) * np.cos(a), np.cos(d) * np.sin(a), np.sin(d)]])


def _standard_tan(wcs: WCS) -> bool:
    """A plain gnomonic celestial WCS (RA/Dec TAN, LONPOLE 180, no PV terms)."""
    w = wcs.wcs
    return (list(w.ctype)[:2] in (["RA---TAN", "DEC--TAN"], ["RA---TAN-SIP", "DEC--TAN-SIP"])
            and w.lonpole == 180.0 and not w.get_pv() and wcs.naxis == 2)


def _tangent_map(chip_wcs: WCS, grid_wcs: WCS, x: np.ndarray, y: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Exact chip → grid map between two gnomonic projections (a homography of the tangent
    planes) after astropy's pixel → focal-plane step (D2IM, SIP and NPOL distortions)."""
    fx, fy = chip_wcs.pix2foc(x, y, 0)
    cd = chip_wcs.pixel_scale_matrix
    dx, dy = fx - (chip_wcs.wcs.crpix[0] - 1), fy - (chip_wcs.wcs.crpix[1] - 1)
    xi = np.radians(cd[0, 0] * dx + cd[0, 1] * dy)
    eta = np.radians(cd[1, 0] * dx + cd[1, 1] * dy)
    m = _basis(*grid_wcs.wcs.crval) @ _basis(*chip_wcs.wcs.crval).T   # chip frame → grid frame
    vx = m[0, 0] * xi + m[0, 1] * eta + m[0, 2]
    vy = m[1, 0] * xi + m[1, 1] * eta + m[1, 2]
    vz = m[2, 0] * xi + m[2, 1] * eta + m[2, 2]
    gxi, geta = np.degrees(vx / vz), np.degrees(vy / vz)
    inv = np.linalg.inv(grid_wcs.pixel_scale_matrix)
    gx = inv[0, 0] * gxi + inv[0, 1] * geta + grid_wcs.wcs.crpix[0] - 1
    gy = inv[1, 0] * gxi + inv[1, 1] * geta + grid_wcs.wcs.crpix[1] - 1
    return gx, gy


def _exact_points(chip_wcs: WCS, grid_wcs: WCS, x: np.ndarray, y: np.ndarray, *, fast: bool
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Exact output-grid coordinates of chip pixel positions (0-based ``x``, ``y``)."""
    if fast:
        return _tangent_map(chip_wcs, grid_wcs, x, y)
    ra, dec = chip_wcs.all_pix2world(x, y, 0)
    gx, gy = grid_wcs.wcs_world2pix(ra, dec, 0)
    return np.asarray(gx), np.asarray(gy)


def _nodes(n: int, step: int) -> np.ndarray:
    """Every ``step``-th pixel index from 0, and the last pixel."""
    nodes = np.arange(0, n, step, dtype=np.float64)
    return nodes if nodes[-1] == n - 1 else np.append(nodes, n - 1.0)


def _spline_2d(xs: np.ndarray, ys: np.ndarray, values: np.ndarray
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Knots along x and y and B-spline coefficients (nx_coef, ny_coef) of the bicubic
    not-a-knot spline through ``values`` (len(ys), len(xs)) at the nodes."""
    along_y = make_interp_spline(ys, values, k=3, axis=0)
    along_x = make_interp_spline(xs, along_y.c, k=3, axis=1)
    return along_x.t, along_y.t, np.asarray(along_x.c)


def _evaluate(spline: tuple[np.ndarray, np.ndarray, np.ndarray], x: np.ndarray,
              y: np.ndarray) -> np.ndarray:
    """The spline on the grid ``y`` × ``x`` (float64): sparse design matrices, four non-zero
    basis functions per coordinate, no threaded BLAS."""
    tx, ty, coef = spline
    design_x = BSpline.design_matrix(x, tx, 3)
    design_y = BSpline.design_matrix(y, ty, 3)
    return np.asarray(design_y @ (design_x @ coef).T)


@dataclass(frozen=True)
class PixmapSpline:
    """A chip's pixel map as two bicubic splines (output x and y), checked against the exact
    map (:func:`fit_pixmap_spline`)."""

    shape: tuple[int, int]
    """(ny, nx) of the chip."""
    splines: tuple[tuple[np.ndarray, np.ndarray, np.ndarray], ...]
    """Knots along x, knots along y and coefficients of the output x and y splines."""

    def evaluate(self, *, dtype: type = np.float32) -> np.ndarray:
        """The map (ny, nx, 2) of float32 values, stored as ``dtype``."""
        ny, nx = self.shape
        out: np.ndarray = np.empty((ny, nx, 2), dtype=dtype)
        x = np.arange(nx, dtype=np.float64)
        for row0 in range(0, ny, _BLOCK_ROWS):
            y = np.arange(row0, min(row0 + _BLOCK_ROWS, ny), dtype=np.float64)
            for axis, spline in enumerate(self.splines):
                out[row0:row0 + y.size, :, axis] = _evaluate(spline, x, y).astype(np.float32)
        return out

    def save(self, file: Path | BinaryIO) -> None:
        """Write the splines to an ``.npz`` file."""
        arrays: dict[str, Any] = {f"{name}{axis}": part
                                  for axis, spline in enumerate(self.splines)
                                  for name, part in zip(("tx", "ty", "c"), spline)}
        np.savez(file, shape=np.array(self.shape), **arrays)

    @classmethod
    def load(cls, path: Path) -> PixmapSpline:
        """Read splines written by :meth:`save`."""
        with np.load(path) as saved:
            shape = (int(saved["shape"][0]), int(saved["shape"][1]))
            splines = tuple((saved[f"tx{a}"], saved[f"ty{a}"], saved[f"c{a}"]) for a in (0, 1))
        return cls(shape, splines)


def fit_pixmap_spline(chip_wcs: WCS, shape: tuple[int, int], grid: OutputGrid, *,
                      step_px: int, max_error_px: float, exact_tangent: bool = True
                      ) -> PixmapSpline | None:
    """Splines through the exact map every ``step_px`` pixels, if they are close enough.

    The map is evaluated exactly on a coarse grid of nodes (every ``step_px`` pixels and the
    last row and column), interpolated by a bicubic not-a-knot spline (as ``stcal``'s
    ``calc_pixmap(stepsize, order=3)`` interpolates), and checked against the exact map at the
    centre of every cell of nodes, where a spline's error is largest.

    Parameters
    ----------
    chip_wcs, shape, grid
        As for :func:`compute_pixmap`.
    step_px
        Distance between nodes, pixels.
    max_error_px
        Largest accepted difference from the exact map at the cell centres, output pixels.
    exact_tangent
        Allow the tangent-plane evaluation of the exact values.

    Returns
    -------
    PixmapSpline or None
        None when the chip is too small for a spline of at least four nodes per axis or the
        check fails (the caller then computes the exact map).
    """
    ny, nx = shape
    if step_px < 2 or min(ny, nx) < 4 * step_px:
        return None
    grid_wcs = grid.wcs
    fast = exact_tangent and _standard_tan(chip_wcs) and _standard_tan(grid_wcs)
    ys, xs = _nodes(ny, step_px), _nodes(nx, step_px)
    splines = tuple(_spline_2d(xs, ys, v) for v in
                    _exact_points(chip_wcs, grid_wcs, *np.meshgrid(xs, ys), fast=fast))
    xm, ym = (xs[:-1] + xs[1:]) / 2, (ys[:-1] + ys[1:]) / 2
    exact_mid = _exact_points(chip_wcs, grid_wcs, *np.meshgrid(xm, ym), fast=fast)
    error = max(float(np.abs(_evaluate(s, xm, ym) - e).max())
                for s, e in zip(splines, exact_mid))
    if not error <= max_error_px:
        log.debug("interpolated pixel map off by %.3g px (> %.3g): exact map", error,
                  max_error_px)
        return None
    return PixmapSpline((ny, nx), splines)


def interpolated_pixmap(chip_wcs: WCS, shape: tuple[int, int], grid: OutputGrid, *,
                        step_px: int, max_error_px: float, exact_tangent: bool = True
                        ) -> np.ndarray | None:
    """The pixel map from exact values every ``step_px`` pixels and cubic splines between them
    (:func:`fit_pixmap_spline`): float32 (ny, nx, 2) as :func:`compute_pixmap`, or None where
    the splines are not within ``max_error_px`` of the exact map."""
    spline = fit_pixmap_spline(chip_wcs, shape, grid, step_px=step_px,
                               max_error_px=max_error_px, exact_tangent=exact_tangent)
    return None if spline is None else spline.evaluate()


def compute_pixmap(chip_wcs: WCS, shape: tuple[int, int], grid: OutputGrid, *,
                   exact_tangent: bool = True, step_px: int = 0,
                   max_error_px: float = 0.01) -> np.ndarray:
    """Output-grid coordinates of every pixel centre of a chip, with full distortion.

    With ``exact_tangent`` and plain TAN(-SIP) WCSs on both sides, the map is evaluated as
    astropy's focal-plane distortion followed by the exact homography between the two tangent
    planes (equal to ``calc_pixmap`` to ~1e-9 pixel, about ten times faster); otherwise
    ``drizzle.utils.calc_pixmap`` evaluates the chip's full-distortion WCS and the grid's WCS.
    With ``step_px`` the map is interpolated from exact values every ``step_px`` pixels when
    that is within ``max_error_px`` of the exact map (:func:`interpolated_pixmap`).

    Parameters
    ----------
    chip_wcs
        The chip's WCS (SIP and lookup-table distortions are applied).
    shape
        (ny, nx) of the chip.
    grid
        The output grid.
    exact_tangent
        Allow the tangent-plane evaluation.
    step_px
        Node spacing of the interpolated map, pixels; 0: exact at every pixel.
    max_error_px
        Largest accepted error of the interpolated map, output pixels.

    Returns
    -------
    numpy.ndarray
        float32 array (ny, nx, 2): output x and y (0-based) of each input pixel.
    """
    if step_px:
        coarse = interpolated_pixmap(chip_wcs, shape, grid, step_px=step_px,
                                     max_error_px=max_error_px, exact_tangent=exact_tangent)
        if coarse is not None:
            return coarse
    ny, nx = shape
    out = np.empty((ny, nx, 2), dtype=np.float32)
    grid_wcs = grid.wcs
    fast = exact_tangent and _standard_tan(chip_wcs) and _standard_tan(grid_wcs)
    to = _Grid(grid_wcs)
    for row0 in range(0, ny, _BLOCK_ROWS):
        rows = min(_BLOCK_ROWS, ny - row0)
        if fast:
            y, x = np.mgrid[row0:row0 + rows, 0:nx].astype(np.float64)
            gx, gy = _tangent_map(chip_wcs, grid_wcs, x, y)
            out[row0:row0 + rows, :, 0], out[row0:row0 + rows, :, 1] = gx, gy
        else:
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
    step_px, max_error_px
        Maps interpolated from exact values every ``step_px`` pixels where they are within
        ``max_error_px`` output pixels of the exact map (:func:`interpolated_pixmap`); 0: exact.
    """

    def __init__(self, directory: Path, grid: OutputGrid, *, step_px: int = 0,
                 max_error_px: float = 0.01) -> None:
        self.directory = Path(directory)
        self.grid = grid
        self.step_px = step_px
        self.max_error_px = max_error_px
        self.directory.mkdir(parents=True, exist_ok=True)

    def key(self, chip: Chip) -> str:
        """Cache key: file, extension, WCS digest, grid and interpolation."""
        text = f"{Path(chip.path).resolve()}|{chip.extver}|{chip.wcs_key}|{self.grid.digest}"
        if self.step_px:
            text += f"|{self.step_px}|{self.max_error_px}"
        return hashlib.sha1(text.encode()).hexdigest()[:20]

    def path_for(self, chip: Chip) -> Path:
        """File holding the chip's map."""
        return self.directory / f"{Path(chip.path).stem}_sci{chip.extver}_{self.key(chip)}.npy"

    def ensure(self, chip: Chip) -> Path:
        """Prepare the chip's map unless it is cached; return the file holding it.

        Where the interpolation holds (``step_px``) only its splines are stored
        (``.spline.npz``, a few kB): evaluating them (~0.04 s for an ACS/WFC chip) costs less
        than writing and reading back the map. Otherwise the exact map is stored in float64
        holding the float32 values of :func:`compute_pixmap`: the drizzle and blot kernels take
        float64 maps, so :meth:`get` hands them a memory map of the file instead of a converted
        copy per call (same values, same products).
        """
        path = self.path_for(chip)
        spline_path = path.with_suffix(".spline.npz")
        for found in (path, spline_path):
            if found.is_file():
                return found
        self.directory.mkdir(parents=True, exist_ok=True)   # cleared after a previous run
        spline = fit_pixmap_spline(chip.wcs, chip.shape, self.grid, step_px=self.step_px,
                                   max_error_px=self.max_error_px) if self.step_px else None
        if spline is not None:
            path = spline_path
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".npz.part")
            with os.fdopen(fd, "wb") as handle:
                spline.save(handle)
        else:
            pixmap = compute_pixmap(chip.wcs, chip.shape, self.grid)
            fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".npy.part")
            with os.fdopen(fd, "wb") as handle:
                np.save(handle, pixmap.astype(np.float64))
        os.replace(tmp, path)
        log.debug("pixel map of %s: %s", chip.name, path.name)
        return path

    def get(self, chip: Chip) -> np.ndarray:
        """The chip's map ((ny, nx, 2) float64 of float32 values: the evaluated splines, or a
        read-only memory map of the stored exact map), prepared on first use."""
        path = self.ensure(chip)
        if path.name.endswith(".spline.npz"):
            return PixmapSpline.load(path).evaluate(dtype=np.float64)
        return np.load(path, mmap_mode="r")

    def footprint(self, chip: Chip) -> tuple[tuple[slice, slice], np.ndarray] | None:
        """The chip's footprint on the grid (bounding box, mask), cached beside its map."""
        path = self.path_for(chip).with_suffix(".footprint.npz")
        if path.is_file():
            with np.load(path) as saved:
                if saved["mask"].size == 0:
                    return None
                y0, y1, x0, x1 = (int(v) for v in saved["box"])
                return (slice(y0, y1), slice(x0, x1)), saved["mask"]
        found = chip_footprint(self.get(chip), self.grid.shape)
        box = np.array([found[0][0].start, found[0][0].stop, found[0][1].start,
                        found[0][1].stop]) if found else np.zeros(4, int)
        fd, tmp = tempfile.mkstemp(dir=self.directory, suffix=".npz.part")
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, box=box, mask=found[1] if found else np.zeros(0, bool))
        os.replace(tmp, path)
        return found

    def clear(self) -> None:
        """Delete every cached map and the directory if it is then empty."""
        for path in [*self.directory.glob("*.npy*"), *self.directory.glob("*.npz*")]:
            path.unlink(missing_ok=True)
        try:
            self.directory.rmdir()
        except OSError:
            pass
