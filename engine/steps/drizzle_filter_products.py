"""Drizzle a filter product (with cosmic-ray rejection) and each of its exposure products."""
from __future__ import annotations

from dataclasses import dataclass

from hapsvm import mosaic
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.mosaic.params import FilterProductParams
from hapsvm.paths import project_paths


@dataclass(frozen=True)
class DrizzleFilterProductsConfig(FilterProductParams):
    """Filter-product drizzle (top-level keys: its final drizzle) and its exposure products."""


@register_step("drizzle_filter_products", config=DrizzleFilterProductsConfig,
               requires=("product_tree", "input_copies", "output_grid"),
               provides=("filter_drizzles",), scope="filter")
def drizzle_filter_products(ctx: VisitContext, cfg: DrizzleFilterProductsConfig) -> None:
    """Sky, CR rejection and final drizzle of the filter; CR flags into the copies; exposures."""
    product = ctx.read("product_tree").filter_product(ctx.unit)
    with ctx.scratch_dir("drizzle") as work:
        outcome = mosaic.drizzle_filter_product(
            product, ctx.read("input_copies"), ctx.read("output_grid"), cfg,
            save=ctx.save_product, workdir=work,
            rules_dir=project_paths().conf / "header_rules")
    ctx.write("filter_drizzles", outcome)
