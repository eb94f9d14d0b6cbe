"""Make the point and segment catalogues of a detector's total and filter products (spec §9)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from hapsvm import catalogs
from hapsvm.catalogs.params import CatalogParameters
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MakeCatalogsConfig(CatalogParameters):
    """Catalogue parameters; per-detector values in conf/detector/<det>.yaml."""


def _inputs(ctx: VisitContext, rootnames: list[str]) -> list[Path]:
    copies = ctx.read("input_copies")
    return [copies[r] for r in rootnames if r in copies]


@register_step("make_catalogs", config=MakeCatalogsConfig,
               requires=("product_tree", "input_copies", "total_drizzle"),
               provides=("catalogs",), scope="detector")
def make_catalogs(ctx: VisitContext, cfg: MakeCatalogsConfig) -> None:
    """Detect on the total drizzle; measure every filter drizzle there; write the ECSV files."""
    total = ctx.read("product_tree").total(ctx.unit)
    if not total.has_direct_images:
        raise NoWorkFound(f"{total.detector_key} has no direct image")
    total_path = ctx.read("total_drizzle").product
    products = []
    for fp in total.filters:
        if ctx.product_path(fp.drizzle).is_file():
            products.append(fp)
        else:
            log.warning("%s: no filter drizzle %s; its catalogues are not made", ctx.unit,
                        fp.drizzle)
    if not products:
        raise NoWorkFound(f"{total.detector_key} has no filter drizzle to measure")
    # read one filter product at a time, when its turn comes (memory: one full-size image)
    filters = (catalogs.read_product(ctx.product_path(fp.drizzle), filter_name=fp.filter_name)
               for fp in products)
    saturated = None
    if cfg.saturation_dq_bits:
        wcs, shape = catalogs.product_grid(total_path)
        saturated = {fp.filter_name: catalogs.saturated_pixels(
            _inputs(ctx, [e.exposure.rootname for e in fp.exposures]), cfg.saturation_dq_bits,
            wcs, shape) for fp in products}
    exposures = {fp.filter_name: (len(fp.exposures), sum(e.exposure.exptime for e in fp.exposures))
                 for fp in products}
    total_image = partial(catalogs.read_product, total_path, filter_name="total")
    result = catalogs.build_catalogs(total_image, filters, cfg,
                                     saturated=saturated, exposures=exposures,
                                     recipe_version=ctx.provenance.recipe_version)
    names = {fp.filter_name: fp.names() for fp in products} | {"total": total.names()}
    written: list[catalogs.CatalogFile] = []
    for cats in result.all():
        for kind in ("point", "segment"):
            table = getattr(cats, kind)
            name = names[cats.filter_name][f"{kind}_catalog"]
            path = ctx.save_product(name, partial(catalogs.write_catalog, table))
            written.append(catalogs.CatalogFile(cats.filter_name, kind, path, len(table)))
            log.info("%s: %d sources", name, len(table))
    for note in result.notes:
        log.info("%s catalogues: %s", ctx.unit, note)
    ctx.write("catalogs", written)
