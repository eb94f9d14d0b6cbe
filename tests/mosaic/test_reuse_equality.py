"""Faster ways to the same numbers: each proven equal to the direct computation it replaces."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

from hapsvm.mosaic import DrizzleParams
from hapsvm.mosaic import PixmapCache
from hapsvm.mosaic import build_output_grid
from hapsvm.mosaic import chip_outline_sky
from hapsvm.mosaic import read_exposure_chips
from hapsvm.mosaic.chips import Chip
from hapsvm.mosaic.chips import read_chip_arrays
from hapsvm.mosaic.drizzling import ChipJob
from hapsvm.mosaic.drizzling import drizzle_chips
from hapsvm.mosaic.pixmaps import compute_pixmap


class _Float32Maps(PixmapCache):
    """The former cache: a float32 map per call, converted to float64 inside the kernels."""

    def get(self, chip: Chip) -> np.ndarray:
        return np.load(self.ensure(chip)).astype(np.float32)


def test_cached_float64_maps_drizzle_exactly_as_float32_maps(tiny_visit, tmp_path) -> None:
    exposures = [read_exposure_chips(p) for p in tiny_visit.paths]
    chips = [c for e in exposures for c in e.chips]
    grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for c in chips],
                             pixel_scale_arcsec=0.1)
    cache = PixmapCache(tmp_path / "maps", grid)
    mapped = cache.get(chips[0])
    assert isinstance(mapped, np.memmap) and mapped.dtype == np.float64
    assert np.array_equal(mapped, compute_pixmap(chips[0].wcs, chips[0].shape, grid))
    jobs = [ChipJob(chip=c, sky_rate=0.3, good_bits=0) for c in chips]
    params = DrizzleParams(kernel="square", pixfrac=0.8)
    new = drizzle_chips(jobs, grid, cache, params)
    old = drizzle_chips(jobs, grid, _Float32Maps(tmp_path / "maps", grid), params)
    assert new.wht.sum() > 0
    for a, b in ((new.sci, old.sci), (new.wht, old.wht), (new.ctx, old.ctx)):
        assert np.array_equal(a, b)


def _old_read(path: Path, extver: int) -> tuple[np.ndarray, np.ndarray]:
    """read_chip_arrays before it avoided the 64-bit DQ copy and the nan_to_num passes."""
    with fits.open(path, memmap=False) as hdul:
        sci = np.asarray(hdul["SCI", extver].data, dtype=np.float32)
        try:
            dq = np.asarray(hdul["DQ", extver].data, dtype=np.int64)
        except KeyError:
            dq = np.zeros(sci.shape, dtype=np.int64)
    if dq.shape != sci.shape:
        dq = np.zeros(sci.shape, dtype=np.int64)
    return np.nan_to_num(sci, copy=False), (dq & 0xFFFF).astype(np.uint32)


def test_read_chip_arrays_equals_the_direct_conversion(tiny_visit, tmp_path) -> None:
    chip = read_exposure_chips(tiny_visit.paths[0]).chips[0]
    rng = np.random.default_rng(7)
    for name, dq_dtype in (("int16", np.int16), ("int32", np.int32), ("uint8", np.uint8),
                           ("none", None)):
        path = tmp_path / f"{name}.fits"
        with fits.open(chip.path) as hdul:
            sci = rng.normal(0, 10, chip.shape).astype(np.float32)
            sci[0, :4] = [np.nan, np.inf, -np.inf, 1.0]
            hdul["SCI", chip.extver].data = sci
            if dq_dtype is None:
                del hdul["DQ", chip.extver]
            else:
                info = np.iinfo(dq_dtype)
                hdul["DQ", chip.extver].data = rng.integers(info.min, info.max, chip.shape,
                                                            endpoint=True).astype(dq_dtype)
            hdul.writeto(path)
        moved = Chip(**{**chip.__dict__, "path": path})
        sci_new, dq_new = read_chip_arrays(moved)
        sci_old, dq_old = _old_read(path, chip.extver)
        assert sci_new.dtype == sci_old.dtype and dq_new.dtype == dq_old.dtype
        assert np.array_equal(sci_new, sci_old) and np.array_equal(dq_new, dq_old)
        assert sci_new[0, 1] == np.finfo(np.float32).max and sci_new[0, 0] == 0
        if dq_dtype is np.int16:
            assert dq_new.max() > 32767     # negative int16 values keep their high bit


def test_cached_splines_give_the_interpolated_map_exactly(tmp_path) -> None:
    from hapsvm.mosaic.pixmaps import PixmapSpline
    from hapsvm.mosaic.pixmaps import fit_pixmap_spline
    from tests.mosaic.test_grid_pixmaps import _template_wcs

    wcs, shape = _template_wcs("wfc3_ir")
    grid = build_output_grid([chip_outline_sky(wcs, shape)], pixel_scale_arcsec=0.13)
    direct = compute_pixmap(wcs, shape, grid, step_px=64)
    spline = fit_pixmap_spline(wcs, shape, grid, step_px=64, max_error_px=0.01)
    assert spline is not None
    spline.save(tmp_path / "map.spline.npz")
    again = PixmapSpline.load(tmp_path / "map.spline.npz").evaluate(dtype=np.float64)
    assert again.dtype == np.float64 and np.array_equal(again, direct)
    # What the cache stores for a chip: splines when they hold, else the exact map.
    chip = Chip(path=tmp_path / "chip.fits", extver=1, shape=shape, wcs=wcs,
                header=fits.Header(), exptime=1.0, in_units="cps", pixel_scale_arcsec=0.13,
                readnoise=0.0, wcs_key="k")
    cache = PixmapCache(tmp_path / "maps", grid, step_px=64)
    assert cache.ensure(chip).name.endswith(".spline.npz")
    assert np.array_equal(cache.get(chip), direct)
    strict = PixmapCache(tmp_path / "maps", grid, step_px=64, max_error_px=1e-12)
    assert strict.ensure(chip).suffix == ".npy"
    assert np.array_equal(strict.get(chip), compute_pixmap(wcs, shape, grid))
    box, mask = cache.footprint(chip)
    assert mask.sum() > 0.9 * shape[0] * shape[1]
