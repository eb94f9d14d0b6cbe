"""Drizzle a detector's total (detection) product from its filter products' exposures."""
from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from hapsvm import mosaic
from hapsvm.core import VisitContext, constrained, register_step
from hapsvm.core.context import SCRATCH_SUFFIX
from hapsvm.errors import NoWorkFound
from hapsvm.mosaic.params import CosmicRayParams
from hapsvm.paths import project_paths
from hapsvm.steps._drizzle_config import FinalDrizzleConfig, SkySubtractionConfig, nested

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DrizzleTotalProductConfig(FinalDrizzleConfig):
    """Total-product drizzle (no CR rejection: the filter steps' DQ flags are honoured)."""

    sky: SkySubtractionConfig = nested(SkySubtractionConfig)  # type: ignore[assignment]
    """Sky subtraction over every exposure of the total."""
    static_mask: bool = True
    """Mask pixels far below the sky mode (AstroDrizzle static mask)."""
    static_sig: float = constrained(4.0, exclusiveMinimum=0)
    """Static-mask threshold, standard deviations below the mode."""
    header_rules: str = constrained("wfc3", pattern="^[a-z0-9_]+$")
    """conf/header_rules/<name>.rules."""
    max_workers: int = constrained(2, minimum=1)
    """Processes for the per-exposure sky measurement and the final drizzle."""
    max_memory_gib: float = constrained(2.0, exclusiveMinimum=0)
    """Memory budget, GiB: the final drizzle uses two processes only if both fit."""
    keep_pixel_maps: bool = False
    """Keep the cached pixel maps (``.pixmaps_<detector>/``) after the last product."""


@register_step("drizzle_total_product", config=DrizzleTotalProductConfig,
               requires=("product_tree", "input_copies", "output_grid"),
               provides=("total_drizzle",), scope="detector")
def drizzle_total_product(ctx: VisitContext, cfg: DrizzleTotalProductConfig) -> None:
    """Drizzle every multi-exposure filter (all filters if each has one exposure) together."""
    total = ctx.read("product_tree").total(ctx.unit)
    if not total.has_direct_images:
        raise NoWorkFound(f"{total.detector_key} has no direct image")
    cache, copies = ctx.read("output_grid"), ctx.read("input_copies")
    members = [e for f in total.filters for e in f.exposures]
    multi = [e for f in total.filters if len(f.exposures) > 1 for e in f.exposures]
    used = multi or members
    exposures = {e.exposure.rootname: mosaic.read_exposure_chips(copies[e.exposure.rootname],
                                                                 e.exposure.rootname)
                 for e in members}
    inputs = [exposures[e.exposure.rootname] for e in used]
    cr = CosmicRayParams(enabled=False, static_mask=cfg.static_mask, static_sig=cfg.static_sig,
                         resetbits=0)
    with tempfile.TemporaryDirectory(prefix=".drizzle_", suffix=SCRATCH_SUFFIX,
                                     dir=ctx.output_dir) as tmp:
        result = mosaic.drizzle_product(inputs, cache.grid, cache, sky=cfg.sky.params(), cr=cr,
                                        final=cfg.drizzle_params(), workdir=Path(tmp),
                                        max_workers=cfg.max_workers,
                                        max_memory_gib=cfg.max_memory_gib)
    stats = mosaic.footprint_statistics(mosaic.footprint_masks(list(exposures.values()), cache),
                                        result.arrays.wht)
    rules = project_paths().conf / "header_rules" / f"{cfg.header_rules}.rules"
    spec = mosaic.ProductSpec(filename=total.drizzle, level="total",
                              rules=mosaic.read_rules(rules),
                              drizzle=cfg.drizzle_params(), trailer=total.names()["trailer"],
                              exposure_names={e.exposure.rootname: e.base for e in members},
                              sky_rates=result.sky_rates, footprint_stats=stats)
    hdul = mosaic.build_product(result.arrays, cache.grid, inputs, spec)
    path = ctx.save_product(total.drizzle, lambda t: hdul.writeto(t))
    log.info("%s: %d of %d exposures, NPIXFRAC %.3f, MEANEXPT %.1f s; %.1f s (kernel %.1f s)",
             total.drizzle, len(inputs), len(members), stats["NPIXFRAC"], stats["MEANEXPT"],
             result.timings["total"], result.timings["kernel"])
    if not cfg.keep_pixel_maps:
        cache.clear()
    ctx.write("total_drizzle",
              mosaic.DrizzleOutcome(path, [], 0, result.sky_rates, result.timings))
