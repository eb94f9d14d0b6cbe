"""Drizzle the products of an SVM product tree: a filter product and its exposure products, a total.

Each function takes the tree's product, the input copies, the common grid (its pixel-map cache)
and the product parameters, splits the work over processes within the memory budget, assembles
the product files and hands each to ``save``: a step passes ``ctx.save_product``, which writes
the file atomically with its recipe beside it.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from collections.abc import Mapping
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.chips import read_exposure_chips
from hapsvm.mosaic.copies import write_cr_flags
from hapsvm.mosaic.drizzling import ChipJob
from hapsvm.mosaic.footprints import footprint_statistics
from hapsvm.mosaic.header_rules import read_rules
from hapsvm.mosaic.parallel import WorkBudget
from hapsvm.mosaic.parallel import run_tasks
from hapsvm.mosaic.params import FilterProductParams
from hapsvm.mosaic.params import ProductParams
from hapsvm.mosaic.params import TotalProductParams
from hapsvm.mosaic.pipeline import DrizzleOutcome
from hapsvm.mosaic.pipeline import drizzle_product
from hapsvm.mosaic.pipeline import footprint_masks
from hapsvm.mosaic.pixmaps import PixmapCache
from hapsvm.mosaic.product_file import ProductSpec
from hapsvm.mosaic.product_file import build_product
from hapsvm.mosaic.workers import ProductTask
from hapsvm.mosaic.workers import write_product_file
from hapsvm.visit.instruments import instrument_facts

if TYPE_CHECKING:
    from hapsvm.visit.product_tree import ExposureProduct
    from hapsvm.visit.product_tree import FilterProduct
    from hapsvm.visit.product_tree import TotalProduct

__all__ = ["SaveProduct", "drizzle_filter_product", "drizzle_total_product"]

log = logging.getLogger(__name__)

#: ``save(name, write)``: have ``write(tmp_path)`` create the file ``name``; return its path.
SaveProduct = Callable[[str, Callable[[Path], None]], Path]


def drizzle_filter_product(product: FilterProduct, inputs: Mapping[str, Path],
                           cache: PixmapCache, params: FilterProductParams, *,
                           save: SaveProduct, workdir: Path, rules_dir: Path) -> DrizzleOutcome:
    """Drizzle a filter product (sky, CR rejection), flag its cosmic rays in the input copies,
    then drizzle each member alone as its exposure product.

    Parameters
    ----------
    product
        The filter product of the tree.
    inputs
        rootname → renamed input copy (rewritten through ``save`` with the CR flags).
    cache
        Pixel maps on the detector's common output grid.
    params
        Final drizzle, sky, CR rejection, exposure drizzle, header rules and budget.
    save
        Writes each file (input copies, filter product, exposure products).
    workdir
        Existing scratch directory for intermediate files.
    rules_dir
        Directory of ``<params.header_rules>.rules`` and ``..._single.rules``.
    """
    keywords = instrument_facts(product.exposures[0].exposure.instrument).filter_keywords
    outcome = _filter_drizzle(product, inputs, cache, params, save=save, workdir=workdir,
                              rules_dir=rules_dir, filter_keywords=keywords)
    written, kernel = _exposure_products(product, inputs, cache, params, save=save,
                                         workdir=workdir, rules_dir=rules_dir,
                                         filter_keywords=keywords)
    return replace(outcome, exposure_products=written,
                   timings=outcome.timings | {"exposure_products_kernel": kernel})


def _filter_drizzle(product: FilterProduct, inputs: Mapping[str, Path], cache: PixmapCache,
                    params: FilterProductParams, *, save: SaveProduct, workdir: Path,
                    rules_dir: Path, filter_keywords: tuple[str, ...]) -> DrizzleOutcome:
    """The filter drizzle and the CR flags of its inputs (its arrays are freed on return)."""
    exposures = _read(product.exposures, inputs)
    result = drizzle_product(exposures, cache.grid, cache, sky=params.sky,
                             cr=params.cosmic_rays, drizzle=params, workdir=workdir,
                             budget=_budget(params))
    for member in product.exposures:
        root = member.exposure.rootname
        masks = {ext: p for (r, ext), p in result.cr_masks.items() if r == root}
        if masks:
            save(member.input_copy, partial(write_cr_flags, inputs[root], masks=masks,
                                            crbit=params.cosmic_rays.crbit,
                                            resetbits=params.cosmic_rays.resetbits))
    stats = footprint_statistics(footprint_masks(exposures, cache), result.arrays.wht)
    spec = ProductSpec(filename=product.drizzle, level="filter",
                       rules=read_rules(rules_dir / f"{params.header_rules}.rules"),
                       drizzle=params, trailer=product.names()["trailer"],
                       exposure_names=_bases(product.exposures), sky_rates=result.sky_rates,
                       footprint_stats=stats, filter_keywords=filter_keywords)
    path = save(product.drizzle, build_product(result.arrays, cache.grid, exposures,
                                               spec).writeto)
    timings = result.timings
    log.info("%s: %d exposures, %d CR pixels flagged, sky %s e-/s, NPIXFRAC %.3f, "
             "MEANEXPT %.1f s; %.1f s (kernel %.1f s, blot %.1f s)", product.drizzle,
             len(exposures), result.cr_pixels,
             ", ".join(f"{v:.4g}" for v in result.sky_rates.values()), stats["NPIXFRAC"],
             stats["MEANEXPT"], timings["total"], timings["kernel"],
             timings.get("blot_kernel", 0.0))
    return DrizzleOutcome(path, [], result.cr_pixels, result.sky_rates, timings)


def _exposure_products(product: FilterProduct, inputs: Mapping[str, Path],
                       cache: PixmapCache, params: FilterProductParams, *, save: SaveProduct,
                       workdir: Path, rules_dir: Path, filter_keywords: tuple[str, ...]
                       ) -> tuple[list[Path], float]:
    """Drizzle each member alone, as many at once as the budget allows; return the files
    and the kernel seconds."""
    single = read_rules(rules_dir / f"{params.header_rules}_single.rules")
    exposures = _read(product.exposures, inputs)    # the copies as flagged by the filter drizzle
    tasks = []
    for member, exp in zip(product.exposures, exposures):
        jobs = tuple(ChipJob(chip=c, good_bits=params.exposure.final_bits) for c in exp.chips)
        spec = ProductSpec(filename=member.drizzle, level="exposure", rules=single,
                           drizzle=params.exposure, trailer=member.trailer,
                           exposure_names=_bases([member]), filter_keywords=filter_keywords)
        tasks.append(ProductTask(jobs, (exp,), cache.grid, cache, spec.drizzle, spec,
                                 workdir / member.drizzle))
    workers = _budget(params).product_workers(len(tasks), cache.grid.shape, exposures)
    kernel = sum(run_tasks(write_product_file, tasks, max_workers=workers))
    written = [save(t.spec.filename, partial(os.replace, t.out_path)) for t in tasks]
    log.info("%s: %d exposure products, %d at a time (kernel %.1f s)", product.filter_name,
             len(written), workers, kernel)
    return written, kernel


def drizzle_total_product(total: TotalProduct, inputs: Mapping[str, Path], cache: PixmapCache,
                          params: TotalProductParams, *, save: SaveProduct, workdir: Path,
                          rules_dir: Path) -> DrizzleOutcome:
    """Drizzle a detector's total product from every exposure of its multi-exposure filters
    (of all filters when each has one exposure); no CR rejection.

    Parameters are those of :func:`drizzle_filter_product`; the footprint statistics count
    every direct exposure of the detector.
    """
    members = [e for f in total.filters for e in f.exposures]
    used = [e for f in total.filters if len(f.exposures) > 1 for e in f.exposures] or members
    exposures = dict(zip((e.exposure.rootname for e in members), _read(members, inputs)))
    drizzled = [exposures[e.exposure.rootname] for e in used]
    result = drizzle_product(drizzled, cache.grid, cache, sky=params.sky,
                             cr=params.static_mask_params(), drizzle=params, workdir=workdir,
                             budget=_budget(params))
    stats = footprint_statistics(footprint_masks(list(exposures.values()), cache),
                                 result.arrays.wht)
    spec = ProductSpec(filename=total.drizzle, level="total",
                       rules=read_rules(rules_dir / f"{params.header_rules}.rules"),
                       drizzle=params, trailer=total.names()["trailer"],
                       exposure_names=_bases(members), sky_rates=result.sky_rates,
                       footprint_stats=stats)
    path = save(total.drizzle, build_product(result.arrays, cache.grid, drizzled,
                                             spec).writeto)
    log.info("%s: %d of %d exposures, NPIXFRAC %.3f, MEANEXPT %.1f s; %.1f s (kernel %.1f s)",
             total.drizzle, len(drizzled), len(members), stats["NPIXFRAC"], stats["MEANEXPT"],
             result.timings["total"], result.timings["kernel"])
    return DrizzleOutcome(path, [], 0, result.sky_rates, result.timings)


def _read(members: list[ExposureProduct], inputs: Mapping[str, Path]) -> list[Exposure]:
    return [read_exposure_chips(inputs[e.exposure.rootname], e.exposure.rootname)
            for e in members]


def _bases(members: list[ExposureProduct]) -> dict[str, str]:
    """rootname → SVM exposure base name (HDRTAB column HAPEXPNAME)."""
    return {e.exposure.rootname: e.base for e in members}


def _budget(params: ProductParams) -> WorkBudget:
    return WorkBudget(max_workers=params.max_workers, max_memory_gib=params.max_memory_gib,
                      min_parallel_pixels=params.min_parallel_pixels)
