"""The AstroDrizzle-like sequence of one product: masks, sky, CR rejection, final drizzle."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np

from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.combine import SingleDrizzle
from hapsvm.mosaic.combine import combine_singles
from hapsvm.mosaic.drizzling import ChipJob
from hapsvm.mosaic.drizzling import DrizzleArrays
from hapsvm.mosaic.drizzling import drizzle_chips
from hapsvm.mosaic.footprints import FootprintMasks
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.parallel import WorkBudget
from hapsvm.mosaic.parallel import run_tasks
from hapsvm.mosaic.parallel import save_array
from hapsvm.mosaic.params import CosmicRayParams
from hapsvm.mosaic.params import DrizzleParams
from hapsvm.mosaic.params import SkyParams
from hapsvm.mosaic.pixmaps import PixmapCache
from hapsvm.mosaic.sky import solve_sky
from hapsvm.mosaic.workers import BlotTask
from hapsvm.mosaic.workers import SepTask
from hapsvm.mosaic.workers import SurveyTask
from hapsvm.mosaic.workers import blot_and_flag
from hapsvm.mosaic.workers import drizzle_single
from hapsvm.mosaic.workers import survey_exposure

__all__ = ["DrizzleOutcome", "ProductDrizzle", "drizzle_product", "exposure_footprints",
           "footprint_masks"]

log = logging.getLogger(__name__)

#: The default budget of :func:`drizzle_product` (WorkBudget is frozen: one instance serves all).
_DEFAULT_BUDGET = WorkBudget()


@dataclass
class ProductDrizzle:
    """A drizzled product and what was measured on the way."""

    arrays: DrizzleArrays
    sky_rates: dict[str, float]
    """rootname → subtracted sky, e-/s per input pixel."""
    cr_masks: dict[tuple[str, int], Path] = field(default_factory=dict)
    """(rootname, extver) → bool ``.npy`` cosmic-ray mask (multi-exposure CR rejection only)."""
    cr_pixels: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    """Stage → seconds (``kernel`` is the time inside ``Drizzle.add_image``)."""


@dataclass(frozen=True)
class DrizzleOutcome:
    """What a drizzle step wrote (the context value of ``filter_drizzles``/``total_drizzle``)."""

    product: Path
    """The filter or total drizzle file."""
    exposure_products: list[Path]
    """Exposure drizzle files (filter products only)."""
    cr_pixels: int
    """Pixels flagged as cosmic rays in the inputs."""
    sky_rates: dict[str, float]
    """rootname → subtracted sky, e-/s per input pixel."""
    timings: dict[str, float]
    """Stage → seconds (see :class:`ProductDrizzle`)."""


def exposure_footprints(exposures: list[Exposure], cache: PixmapCache) -> dict[str, np.ndarray]:
    """rootname → bool grid of the output pixels covered by any chip of the exposure."""
    shape = cache.grid.shape
    out = {}
    for exp in exposures:
        grid_mask = np.zeros(shape, dtype=bool)
        for chip in exp.chips:
            fp = cache.footprint(chip)
            if fp is not None:
                grid_mask[fp[0]] |= fp[1]
        out[exp.rootname] = grid_mask
    return out


def footprint_masks(exposures: list[Exposure], cache: PixmapCache) -> FootprintMasks:
    """Chip counts and summed exposure times per output pixel (spec §8.1)."""
    masks = FootprintMasks.empty(cache.grid.shape)
    for exp in exposures:
        for chip in exp.chips:
            masks.add(cache.footprint(chip), exp.exptime)
    return masks


def _survey(exposures: list[Exposure], cache: PixmapCache, sky: SkyParams, cr: CosmicRayParams,
            good_bits: int, reset_bits: int, workdir: Path, workers: int
            ) -> tuple[dict[str, float], dict[tuple[int, tuple[int, ...]], Path]]:
    """Sky rates per exposure and static masks per chip position (union over exposures)."""
    footprints: dict[str, Path] = {}
    if sky.subtract and "match" in sky.method and len(exposures) > 1:
        for root, grid_mask in exposure_footprints(exposures, cache).items():
            footprints[root] = save_array(workdir / f"footprint_{root}.npy", grid_mask)
    tasks = [SurveyTask(e, cache, sky, good_bits, reset_bits,
                        cr.static_sig if cr.static_mask else None, footprints, workdir)
             for e in exposures]
    results = run_tasks(survey_exposure, tasks, max_workers=workers)
    sky_rates = solve_sky([r[0] for r in results], sky)
    statics: dict[tuple[int, tuple[int, ...]], Path] = {}
    union: dict[tuple[int, tuple[int, ...]], np.ndarray] = {}
    for _, paths in results:
        for extver, path in paths.items():
            bad = np.load(path)
            key = (extver, bad.shape)
            union[key] = union[key] | bad if key in union else bad
    for (extver, shape), bad in union.items():
        statics[(extver, shape)] = save_array(
            workdir / f"static_{extver}_{shape[0]}x{shape[1]}.npy", bad)
    return sky_rates, statics


def drizzle_product(exposures: list[Exposure], grid: OutputGrid, cache: PixmapCache, *,
                    sky: SkyParams, cr: CosmicRayParams, drizzle: DrizzleParams, workdir: Path,
                    budget: WorkBudget = _DEFAULT_BUDGET) -> ProductDrizzle:
    """Run static mask, sky, (single drizzles, median, blot, driz_cr) and the final drizzle.

    Cosmic-ray rejection runs when ``cr.enabled`` and there are at least two exposures; it
    first clears ``cr.resetbits`` in the DQ arrays it reads.

    Parameters
    ----------
    exposures
        The product's exposures (tree order; their chips give the context-bit order).
    grid, cache
        Output grid and pixel maps.
    sky, cr, drizzle
        Parameters of the sky, static-mask/cosmic-ray and final-drizzle steps.
    workdir
        Existing directory for intermediate files (single drizzles, median, masks).
    budget
        Processes for per-exposure work (when the inputs have enough pixels); the final
        drizzle is split over two processes only if both fit its memory budget.
    """
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    workers = budget.workers(exposures)
    do_cr = cr.enabled and len(exposures) >= 2
    reset = cr.resetbits if do_cr else 0
    if sky.subtract or cr.static_mask:
        sky_rates, statics = _survey(exposures, cache, sky, cr, drizzle.final_bits, reset, workdir,
                                     workers)
    else:
        sky_rates, statics = {e.rootname: 0.0 for e in exposures}, {}
    timings["sky_and_static_mask"] = time.perf_counter() - t0

    def jobs(exp: Exposure, crs: dict[tuple[str, int], Path]) -> tuple[ChipJob, ...]:
        return tuple(ChipJob(chip=c, sky_rate=sky_rates.get(exp.rootname, 0.0),
                             good_bits=drizzle.final_bits, reset_bits=reset,
                             static_mask=statics.get((c.extver, c.shape)),
                             cr_mask=crs.get((exp.rootname, c.extver)))
                     for c in sorted(exp.chips, key=lambda c: c.extver))

    cr_masks: dict[tuple[str, int], Path] = {}
    cr_pixels = 0
    sep_kernel = 0.0
    if do_cr:
        t1 = time.perf_counter()
        sep = DrizzleParams(kernel=cr.driz_sep_kernel, pixfrac=cr.driz_sep_pixfrac,
                            final_bits=drizzle.final_bits)
        sep_tasks = [SepTask(e.rootname, jobs(e, {}), grid, cache, sep,
                             workdir / f"sep_{e.rootname}_sci.npy",
                             workdir / f"sep_{e.rootname}_wht.npy") for e in exposures]
        sep_kernel = sum(run_tasks(drizzle_single, sep_tasks, max_workers=workers))
        singles = [SingleDrizzle(t.rootname, t.sci_path, t.wht_path, e.exptime,
                                 sky_rates[e.rootname] * e.exptime,
                                 float(np.mean([c.readnoise for c in e.chips])))
                   for t, e in zip(sep_tasks, exposures)]
        t2 = time.perf_counter()
        median_path = save_array(workdir / "median.npy", combine_singles(singles, grid.shape, cr))
        t3 = time.perf_counter()
        blot_tasks = [BlotTask(e, grid, cache, median_path, sky_rates[e.rootname], cr, workdir)
                      for e in exposures]
        blot_kernel = 0.0
        for exp, (result, seconds) in zip(exposures, run_tasks(blot_and_flag, blot_tasks,
                                                               max_workers=workers)):
            blot_kernel += seconds
            for extver, (path, count) in result.items():
                cr_masks[(exp.rootname, extver)] = path
                cr_pixels += count
        timings.update(single_drizzles=t2 - t1, median=t3 - t2,
                       blot_and_driz_cr=time.perf_counter() - t3, blot_kernel=blot_kernel,
                       single_kernel=sep_kernel)
    t4 = time.perf_counter()
    all_jobs = [j for e in exposures for j in jobs(e, cr_masks)]
    arrays = drizzle_chips(all_jobs, grid, cache, drizzle, workdir=workdir,
                           parallel=budget.splits(grid.shape, exposures))
    timings["final_drizzle"] = time.perf_counter() - t4
    timings["final_kernel"] = arrays.kernel_seconds
    timings["kernel"] = arrays.kernel_seconds + sep_kernel
    timings["total"] = time.perf_counter() - t0
    return ProductDrizzle(arrays=arrays, sky_rates=sky_rates, cr_masks=cr_masks,
                          cr_pixels=cr_pixels, timings=timings)
