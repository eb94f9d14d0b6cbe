"""Drizzle a filter product (with cosmic-ray rejection) and each of its exposure products."""
from __future__ import annotations

import logging
import os
import tempfile
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path

from hapsvm import mosaic, visit
from hapsvm.core import VisitContext, constrained, register_step
from hapsvm.core.context import SCRATCH_SUFFIX
from hapsvm.mosaic.parallel import PARALLEL_MIN_PIXELS, product_bytes, workers_within
from hapsvm.paths import project_paths
from hapsvm.steps._drizzle_config import (CosmicRayConfig, ExposureDrizzleConfig,
                                          FinalDrizzleConfig, SkySubtractionConfig, nested)

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrizzleFilterProductsConfig(FinalDrizzleConfig):
    """Filter-product drizzle (top-level keys: its final drizzle) and its exposure products."""

    sky: SkySubtractionConfig = nested(SkySubtractionConfig)  # type: ignore[assignment]
    """Sky subtraction of the filter product."""
    cosmic_rays: CosmicRayConfig = nested(CosmicRayConfig)  # type: ignore[assignment]
    """Static mask and cosmic-ray rejection of the filter product."""
    exposure: ExposureDrizzleConfig = nested(ExposureDrizzleConfig)  # type: ignore[assignment]
    """Final drizzle of each exposure product (no sky, no CR rejection)."""
    header_rules: str = constrained("wfc3", pattern="^[a-z0-9_]+$")
    """conf/header_rules/<name>.rules (<name>_single.rules for exposure products)."""
    max_workers: int = constrained(2, minimum=1)
    """Processes for the per-exposure work (single drizzles, blot, exposure products)."""
    max_memory_gib: float = constrained(2.0, exclusiveMinimum=0)
    """Memory budget, GiB: fewer processes run at once when their arrays would not fit."""


def _keywords(fp: visit.FilterProduct) -> tuple[str, ...]:
    """The filter keywords of the product's instrument (FILTER of ACS products is rebuilt)."""
    return visit.instrument_facts(fp.exposures[0].exposure.instrument).filter_keywords


@register_step("drizzle_filter_products", config=DrizzleFilterProductsConfig,
               requires=("product_tree", "input_copies", "output_grid"),
               provides=("filter_drizzles",), scope="filter")
def drizzle_filter_products(ctx: VisitContext, cfg: DrizzleFilterProductsConfig) -> None:
    """Sky, CR rejection and final drizzle of the filter; CR flags into the copies; exposures."""
    fp = ctx.read("product_tree").filter_product(ctx.unit)
    cache, copies = ctx.read("output_grid"), ctx.read("input_copies")
    exposures = [mosaic.read_exposure_chips(copies[e.exposure.rootname], e.exposure.rootname)
                 for e in fp.exposures]
    rules_dir = project_paths().conf / "header_rules"
    with tempfile.TemporaryDirectory(prefix=".drizzle_", suffix=SCRATCH_SUFFIX,
                                     dir=ctx.output_dir) as tmp:
        work = Path(tmp)
        result = mosaic.drizzle_product(exposures, cache.grid, cache, sky=cfg.sky.params(),
                                        cr=cfg.cosmic_rays.params(), final=cfg.drizzle_params(),
                                        workdir=work, max_workers=cfg.max_workers,
                                        max_memory_gib=cfg.max_memory_gib)
        for member in fp.exposures:
            root = member.exposure.rootname
            masks = {ext: p for (r, ext), p in result.cr_masks.items() if r == root}
            if masks:
                ctx.save_product(member.input_copy, partial(
                    mosaic.write_cr_flags, copies[root], masks=masks,
                    crbit=cfg.cosmic_rays.crbit, resetbits=cfg.cosmic_rays.resetbits))
        stats = mosaic.footprint_statistics(mosaic.footprint_masks(exposures, cache),
                                            result.arrays.wht)
        spec = mosaic.ProductSpec(
            filename=fp.drizzle, level="filter",
            rules=mosaic.read_rules(rules_dir / f"{cfg.header_rules}.rules"),
            drizzle=cfg.drizzle_params(), trailer=fp.names()["trailer"],
            exposure_names={e.exposure.rootname: e.base for e in fp.exposures},
            sky_rates=result.sky_rates, footprint_stats=stats, filter_keywords=_keywords(fp))
        hdul = mosaic.build_product(result.arrays, cache.grid, exposures, spec)
        path = ctx.save_product(fp.drizzle, hdul.writeto)
        outcome = mosaic.DrizzleOutcome(path, [], result.cr_pixels, result.sky_rates,
                                        result.timings)
        del hdul, result                     # free the filter arrays before the exposures
        log.info("%s: %d exposures, %d CR pixels flagged, sky %s e-/s, NPIXFRAC %.3f, "
                 "MEANEXPT %.1f s; %.1f s (kernel %.1f s, blot %.1f s)", fp.drizzle,
                 len(exposures), outcome.cr_pixels,
                 ", ".join(f"{v:.4g}" for v in outcome.sky_rates.values()), stats["NPIXFRAC"],
                 stats["MEANEXPT"], outcome.timings["total"], outcome.timings["kernel"],
                 outcome.timings.get("blot_kernel", 0.0))
        written, kernel = _exposure_products(ctx, cfg, fp, work, rules_dir)
    ctx.write("filter_drizzles", replace(outcome, exposure_products=written, timings=(
        outcome.timings | {"exposure_products_kernel": kernel})))


def _exposure_products(ctx: VisitContext, cfg: DrizzleFilterProductsConfig,
                       fp: visit.FilterProduct, work: Path, rules_dir: Path
                       ) -> tuple[list[Path], float]:
    """Drizzle each member alone (``exposure`` settings), as many at once as memory allows;
    return the files and the kernel seconds."""
    cache, copies = ctx.read("output_grid"), ctx.read("input_copies")
    single = mosaic.read_rules(rules_dir / f"{cfg.header_rules}_single.rules")
    tasks = []
    for member in fp.exposures:
        root = member.exposure.rootname
        exp = mosaic.read_exposure_chips(copies[root], root)
        jobs = tuple(mosaic.ChipJob(chip=c, good_bits=cfg.exposure.final_bits) for c in exp.chips)
        spec = mosaic.ProductSpec(filename=member.drizzle, level="exposure", rules=single,
                                  drizzle=cfg.exposure.drizzle_params(), trailer=member.trailer,
                                  exposure_names={exp.rootname: member.base},
                                  filter_keywords=_keywords(fp))
        tasks.append(mosaic.ProductTask(jobs, (exp,), cache.grid, cache, spec.drizzle, spec,
                                        work / member.drizzle))
    pixels = sum(c.shape[0] * c.shape[1] for t in tasks for c in t.exposures[0].chips)
    task_bytes = product_bytes(cache.grid.shape, max(c.shape[0] * c.shape[1]
                                                     for t in tasks for c in t.exposures[0].chips))
    workers = 1 if pixels < PARALLEL_MIN_PIXELS else workers_within(
        cfg.max_workers, len(tasks), task_bytes, cfg.max_memory_gib * 2**30)
    kernel = mosaic.run_tasks(mosaic.write_product_file, tasks, max_workers=workers)
    written = [ctx.save_product(t.spec.filename, partial(os.replace, t.out_path)) for t in tasks]
    log.info("%s: %d exposure products, %d at a time (kernel %.1f s)", fp.filter_name,
             len(written), workers, sum(kernel))
    return written, sum(kernel)
