"""Per-exposure tasks of the drizzle sequence, runnable in worker processes."""
from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hapsvm.mosaic.chips import Chip
from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.chips import read_chip_arrays
from hapsvm.mosaic.cosmic_rays import blot_median
from hapsvm.mosaic.cosmic_rays import driz_cr_mask
from hapsvm.mosaic.cosmic_rays import static_mask
from hapsvm.mosaic.drizzling import ChipJob
from hapsvm.mosaic.drizzling import DrizzleArrays
from hapsvm.mosaic.drizzling import drizzle_chips
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.parallel import run_tasks
from hapsvm.mosaic.parallel import save_array
from hapsvm.mosaic.params import CosmicRayParams
from hapsvm.mosaic.params import DrizzleParams
from hapsvm.mosaic.params import SkyParams
from hapsvm.mosaic.params import good_pixel_mask
from hapsvm.mosaic.pixmaps import PixmapCache
from hapsvm.mosaic.product_file import ProductSpec
from hapsvm.mosaic.product_file import build_product
from hapsvm.mosaic.sky import SkySample
from hapsvm.mosaic.sky import clip_values
from hapsvm.mosaic.sky import clipped_statistic

__all__ = ["BlotTask", "ProductTask", "SepTask", "SurveyTask", "blot_and_flag", "drizzle_single",
           "ensure_pixmap", "run_tasks", "save_array", "survey_exposure", "write_product_file"]


def ensure_pixmap(item: tuple[PixmapCache, Chip]) -> Path:
    """Compute one chip's pixel map into the cache (no-op when cached)."""
    cache, chip = item
    return cache.ensure(chip)


@dataclass(frozen=True)
class SurveyTask:
    """Sky statistics and static-mask candidates of one exposure."""

    exposure: Exposure
    cache: PixmapCache
    sky: SkyParams
    good_bits: int
    reset_bits: int
    static_sig: float | None
    footprints: dict[str, Path]
    """Other exposures' footprint grids (bool ``.npy``), for sky matching."""
    workdir: Path


def survey_exposure(task: SurveyTask) -> tuple[SkySample, dict[int, Path]]:
    """Measure the exposure's sky per chip and in each overlap; write static-mask candidates."""
    exp = task.exposure
    others = {r: np.load(p) for r, p in task.footprints.items() if r != exp.rootname}
    rates: list[float] = []
    overlap: dict[str, list[np.ndarray]] = {r: [] for r in others}
    statics: dict[int, Path] = {}
    for chip in exp.chips:
        sci, dq = read_chip_arrays(chip)
        if task.reset_bits:
            dq &= np.uint32(~task.reset_bits & 0xFFFF)
        good = good_pixel_mask(dq, task.good_bits)
        if task.static_sig is not None:
            bad = static_mask(sci, good, static_sig=task.static_sig)
            statics[chip.extver] = save_array(
                task.workdir / f"static_{exp.rootname}_{chip.extver}.npy", bad)
            good &= ~bad
        rate = sci / np.float32(chip.exptime) if chip.in_units == "counts" else sci
        rates.append(clipped_statistic(rate[good], task.sky))
        if others:   # every other pixel per axis is plenty for a sky statistic
            pix = np.rint(task.cache.get(chip)[::2, ::2]).astype(np.int32)
            ny, nx = task.cache.grid.shape
            sub_good, sub_rate = good[::2, ::2], rate[::2, ::2]
            inside = sub_good & (pix[..., 0] >= 0) & (pix[..., 0] < nx) & \
                (pix[..., 1] >= 0) & (pix[..., 1] < ny)
            px, py, values = pix[..., 0][inside], pix[..., 1][inside], sub_rate[inside]
            for root, grid_mask in others.items():
                overlap[root].append(values[grid_mask[py, px]])
    over_rates, over_n = {}, {}
    for root, parts in overlap.items():
        values = np.concatenate(parts) if parts else np.array([])
        if values.size >= 100:
            over_rates[root] = clipped_statistic(values, task.sky)
            over_n[root] = int(clip_values(values, task.sky).size)
    return SkySample(exp.rootname, exp.exptime, rates, over_rates, over_n), statics


@dataclass(frozen=True)
class SepTask:
    """Drizzle one exposure alone (single drizzle for the median)."""

    rootname: str
    jobs: tuple[ChipJob, ...]
    grid: OutputGrid
    cache: PixmapCache
    params: DrizzleParams
    sci_path: Path
    wht_path: Path


def drizzle_single(task: SepTask) -> float:
    """Write the single drizzle's SCI (e-/s) and WHT; return the kernel time (s)."""
    out = drizzle_chips(list(task.jobs), task.grid, task.cache, task.params, with_context=False)
    save_array(task.sci_path, out.sci)
    save_array(task.wht_path, out.wht)
    return out.kernel_seconds


@dataclass(frozen=True)
class BlotTask:
    """Blot the median onto one exposure's chips and flag cosmic rays."""

    exposure: Exposure
    grid: OutputGrid
    cache: PixmapCache
    median_path: Path
    sky_rate: float
    params: CosmicRayParams
    workdir: Path


def blot_and_flag(task: BlotTask) -> tuple[dict[int, tuple[Path, int]], float]:
    """CR mask file and flagged-pixel count of each chip, and the blot kernel's seconds."""
    median = np.load(task.median_path, mmap_mode="r")    # shared pages, not a copy
    out: dict[int, tuple[Path, int]] = {}
    seconds = 0.0
    for chip in task.exposure.chips:
        pixmap = task.cache.get(chip)
        ratio = task.grid.pixel_scale_arcsec / chip.pixel_scale_arcsec
        start = time.perf_counter()
        blot = blot_median(median, pixmap, pixel_ratio=ratio, interp=task.params.blot_interp)
        seconds += time.perf_counter() - start
        del pixmap
        sci, _ = read_chip_arrays(chip)
        model_e = (blot + np.float32(task.sky_rate)) * np.float32(chip.exptime)
        data_e = sci * np.float32(chip.to_electrons())
        mask = driz_cr_mask(data_e, model_e, readnoise=chip.readnoise, params=task.params)
        path = save_array(task.workdir / f"cr_{task.exposure.rootname}_{chip.extver}.npy", mask)
        out[chip.extver] = (path, int(mask.sum()))
    return out, seconds


@dataclass(frozen=True)
class ProductTask:
    """Drizzle a set of chips and write the product file to ``out_path``."""

    jobs: tuple[ChipJob, ...]
    exposures: tuple[Exposure, ...]
    grid: OutputGrid
    cache: PixmapCache
    params: DrizzleParams
    spec: ProductSpec
    out_path: Path


def write_product_file(task: ProductTask) -> float:
    """Drizzle, assemble and write the product; return the kernel time (s)."""
    arrays: DrizzleArrays = drizzle_chips(list(task.jobs), task.grid, task.cache, task.params)
    hdul = build_product(arrays, task.grid, list(task.exposures), task.spec)
    hdul.writeto(task.out_path, overwrite=True)
    return arrays.kernel_seconds
