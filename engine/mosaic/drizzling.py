"""Drizzle chips onto the output grid with ``drizzle.resample.Drizzle`` (the resampling kernel)."""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from drizzle.resample import Drizzle

from engine.mosaic.chips import Chip, read_chip_arrays
from engine.mosaic.grid import OutputGrid
from engine.mosaic.params import KERNELS, DrizzleParams, good_pixel_mask
from engine.mosaic.pixmaps import PixmapCache

__all__ = ["ChipJob", "DrizzleArrays", "chip_inputs", "drizzle_chips"]


@dataclass(frozen=True)
class ChipJob:
    """One chip to drizzle, with what to subtract and which pixels to ignore."""

    chip: Chip
    sky_rate: float = 0.0
    """Sky to subtract, e-/s per input pixel."""
    good_bits: int = 0
    """DQ bits treated as good."""
    reset_bits: int = 0
    """DQ bits cleared before masking (earlier cosmic-ray flags)."""
    static_mask: Path | None = None
    """bool ``.npy`` of the chip's static mask (True = bad), if any."""
    cr_mask: Path | None = None
    """bool ``.npy`` of the chip's cosmic-ray mask (True = CR), if any."""


@dataclass
class DrizzleArrays:
    """Output arrays of one drizzle product."""

    sci: np.ndarray
    """float32 (ny, nx), e-/s (or e- when units are counts)."""
    wht: np.ndarray
    """float32 (ny, nx): summed weights (exposure time × overlap)."""
    ctx: np.ndarray | None
    """int32 (nplanes, ny, nx): bit k of plane k // 32 set where input chip k contributed."""
    kernel_seconds: float = 0.0
    """Time spent inside ``Drizzle.add_image``."""
    inputs: list[Chip] = field(default_factory=list)
    """The drizzled chips, in context-bit order."""
    total_exptime: float = 0.0
    """Sum of the distinct exposures' exposure times, seconds."""


def chip_inputs(job: ChipJob) -> tuple[np.ndarray, np.ndarray]:
    """Sky-subtracted data (input units) and 0/1 weight map of a chip, all masks applied."""
    sci, dq = read_chip_arrays(job.chip)
    if job.reset_bits:
        dq &= np.uint32(~job.reset_bits & 0xFFFF)
    good = good_pixel_mask(dq, job.good_bits)
    for path in (job.static_mask, job.cr_mask):
        if path is not None:
            good &= ~np.load(path)
    if job.sky_rate:
        sci -= np.float32(job.sky_rate * job.chip.exptime if job.chip.in_units == "counts"
                          else job.sky_rate)
    return sci, good.astype(np.float32)


def drizzle_chips(jobs: list[ChipJob], grid: OutputGrid, cache: PixmapCache,
                  params: DrizzleParams, *, with_context: bool = True) -> DrizzleArrays:
    """Drizzle chips, in order, into new output arrays (one context bit per chip).

    Weights are the good-pixel masks scaled by each chip's exposure time (``wht_type`` EXP);
    data are converted to e-/s. Pixels without data keep 0 unless ``params.fillval`` is set.

    Parameters
    ----------
    jobs
        Chips and their masks and sky.
    grid, cache
        The output grid and the chips' pixel maps on it.
    params
        Kernel, pixfrac, fill value, output units.
    with_context
        Build the context image.

    Raises
    ------
    ValueError
        For an unknown kernel or weight type.
    """
    if params.kernel not in KERNELS:
        raise ValueError(f"kernel {params.kernel!r} not in {KERNELS}")
    if params.wht_type != "EXP":
        raise ValueError(f"wht_type {params.wht_type!r}: only EXP is implemented")
    ny, nx = grid.shape
    sci = np.zeros((ny, nx), dtype=np.float32)
    wht = np.zeros((ny, nx), dtype=np.float32)
    ctx = np.zeros(((max(len(jobs), 1) - 1) // 32 + 1, ny, nx), np.int32) if with_context else None
    driz = Drizzle(kernel=params.kernel, fillval=None, out_img=sci, out_wht=wht, out_ctx=ctx,
                   max_ctx_id=max(len(jobs) - 1, 0), disable_ctx=not with_context)
    kernel_seconds = 0.0
    for job in jobs:
        data, weight = chip_inputs(job)
        pixmap = cache.get(job.chip)
        ratio = grid.pixel_scale_arcsec / job.chip.pixel_scale_arcsec
        start = time.perf_counter()
        driz.add_image(data, exptime=job.chip.exptime, pixmap=pixmap, weight_map=weight,
                       wht_scale=job.chip.exptime, pixfrac=params.pixfrac,
                       in_units=job.chip.in_units, iscale=ratio ** 2, pixel_scale_ratio=ratio)
        kernel_seconds += time.perf_counter() - start
        del data, weight, pixmap
    texp = sum({(j.chip.path, j.chip.exptime): j.chip.exptime for j in jobs}.values())
    out = DrizzleArrays(sci=driz.out_img, wht=driz.out_wht,
                        ctx=driz.out_ctx if with_context else None,
                        kernel_seconds=kernel_seconds, inputs=[j.chip for j in jobs],
                        total_exptime=texp)
    if params.fillval is not None:
        out.sci[out.wht <= 0] = np.float32(params.fillval)
    if params.units == "counts":
        out.sci *= np.float32(texp)
    return out
