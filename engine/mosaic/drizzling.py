"""Drizzle chips onto the output grid with ``drizzle.resample.Drizzle`` (the resampling kernel)."""
from __future__ import annotations

import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from drizzle.resample import Drizzle

from hapsvm.mosaic.chips import Chip
from hapsvm.mosaic.chips import read_chip_arrays
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.parallel import run_beside
from hapsvm.mosaic.parallel import save_array
from hapsvm.mosaic.params import KERNELS
from hapsvm.mosaic.params import DrizzleParams
from hapsvm.mosaic.params import good_pixel_mask
from hapsvm.mosaic.pixmaps import PixmapCache

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


@dataclass(frozen=True)
class _Part:
    """A contiguous run of the product's chips, drizzled into its own output arrays."""

    jobs: tuple[ChipJob, ...]
    grid: OutputGrid
    cache: PixmapCache
    params: DrizzleParams
    with_context: bool
    first_ctx: int
    n_ctx: int
    out_dir: Path | None = None


def _accumulate(part: _Part) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, float]:
    """Drizzle a part: SCI, WHT, CTX (context bits from ``first_ctx``) and kernel seconds."""
    ny, nx = part.grid.shape
    sci = np.zeros((ny, nx), dtype=np.float32)
    wht = np.zeros((ny, nx), dtype=np.float32)
    ctx = np.zeros(((max(part.n_ctx, 1) - 1) // 32 + 1, ny, nx), np.int32) \
        if part.with_context else None
    driz = Drizzle(kernel=part.params.kernel, fillval=None, out_img=sci, out_wht=wht,
                   out_ctx=ctx, begin_ctx_id=part.first_ctx, max_ctx_id=max(part.n_ctx - 1, 0),
                   disable_ctx=not part.with_context)
    seconds = 0.0
    for job in part.jobs:
        data, weight = chip_inputs(job)
        pixmap = part.cache.get(job.chip)
        ratio = part.grid.pixel_scale_arcsec / job.chip.pixel_scale_arcsec
        start = time.perf_counter()
        driz.add_image(data, exptime=job.chip.exptime, pixmap=pixmap, weight_map=weight,
                       wht_scale=job.chip.exptime, pixfrac=part.params.pixfrac,
                       in_units=job.chip.in_units, iscale=ratio ** 2, pixel_scale_ratio=ratio)
        seconds += time.perf_counter() - start
        del data, weight, pixmap
    return driz.out_img, driz.out_wht, driz.out_ctx if part.with_context else None, seconds


def _accumulate_to_files(part: _Part) -> tuple[list[Path], float]:
    """:func:`_accumulate` in a worker: the arrays go to ``.npy`` files in ``part.out_dir``."""
    assert part.out_dir is not None
    arrays = _accumulate(part)
    paths = [save_array(part.out_dir / f"part{part.first_ctx}_{name}.npy", a)
             for name, a in zip(("sci", "wht", "ctx"), arrays[:3]) if a is not None]
    return paths, arrays[3]


def _split(jobs: list[ChipJob]) -> int:
    """Index splitting the jobs into two runs of about equal pixel counts."""
    sizes = np.cumsum([j.chip.shape[0] * j.chip.shape[1] for j in jobs])
    return int(np.clip(np.searchsorted(sizes, sizes[-1] / 2), 1, len(jobs) - 1))


def _merge(sci: np.ndarray, wht: np.ndarray, ctx: np.ndarray | None, paths: list[Path]) -> None:
    """Add another part's weighted mean, weights and context bits into the arrays, in place."""
    sci2, wht2 = np.load(paths[0], mmap_mode="r"), np.load(paths[1], mmap_mode="r")
    np.multiply(sci, wht, out=sci)
    sci += sci2 * wht2
    wht += wht2
    np.divide(sci, wht, out=sci, where=wht > 0)
    if ctx is not None:
        ctx |= np.load(paths[2], mmap_mode="r")
    del sci2, wht2


def drizzle_chips(jobs: list[ChipJob], grid: OutputGrid, cache: PixmapCache,
                  params: DrizzleParams, *, with_context: bool = True,
                  workdir: Path | None = None, parallel: bool = False) -> DrizzleArrays:
    """Drizzle chips, in order, into new output arrays (one context bit per chip).

    Weights are the good-pixel masks scaled by each chip's exposure time (``wht_type`` EXP);
    data are converted to e-/s. Pixels without data keep 0 unless ``params.fillval`` is set.
    With ``parallel`` (and a ``workdir``), the second half of the chips is drizzled by a worker
    process into its own arrays and the weighted means are combined, which is exact.

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
    workdir, parallel
        Use two processes (a directory for the worker's arrays is needed).

    Raises
    ------
    ValueError
        For an unknown kernel or weight type.
    """
    if params.kernel not in KERNELS:
        raise ValueError(f"kernel {params.kernel!r} not in {KERNELS}")
    if params.wht_type != "EXP":
        raise ValueError(f"wht_type {params.wht_type!r}: only EXP is implemented")
    if parallel and workdir is not None and len(jobs) >= 2:
        k = _split(jobs)
        first = _Part(tuple(jobs[:k]), grid, cache, params, with_context, 0, len(jobs))
        second = _Part(tuple(jobs[k:]), grid, cache, params, with_context, k, len(jobs), workdir)
        (sci, wht, ctx, seconds), (paths, seconds2) = run_beside(
            _accumulate, first, _accumulate_to_files, second, parallel=True)
        _merge(sci, wht, ctx, paths)
        for path in paths:
            path.unlink(missing_ok=True)
        seconds += seconds2
    else:
        sci, wht, ctx, seconds = _accumulate(_Part(tuple(jobs), grid, cache, params,
                                                   with_context, 0, len(jobs)))
    texp = sum({(j.chip.path, j.chip.exptime): j.chip.exptime for j in jobs}.values())
    out = DrizzleArrays(sci=sci, wht=wht, ctx=ctx, kernel_seconds=seconds,
                        inputs=[j.chip for j in jobs], total_exptime=texp)
    if params.fillval is not None:
        out.sci[out.wht <= 0] = np.float32(params.fillval)
    if params.units == "counts":
        out.sci *= np.float32(texp)
    return out
