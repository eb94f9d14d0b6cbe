"""Drizzle a detector's total (detection) product from its filter products' exposures."""
from __future__ import annotations

from dataclasses import dataclass

from hapsvm import mosaic
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound
from hapsvm.mosaic.params import TotalProductParams
from hapsvm.paths import project_paths


@dataclass(frozen=True)
class DrizzleTotalProductConfig(TotalProductParams):
    """Total-product drizzle (no CR rejection: the filter steps' DQ flags are honoured)."""

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
    cache = ctx.read("output_grid")
    with ctx.scratch_dir("drizzle") as work:
        outcome = mosaic.drizzle_total_product(
            total, ctx.read("input_copies"), cache, cfg, save=ctx.save_product, workdir=work,
            rules_dir=project_paths().conf / "header_rules")
    if not cfg.keep_pixel_maps:
        cache.clear()
    ctx.write("total_drizzle", outcome)
