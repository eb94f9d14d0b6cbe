"""Align a detector's exposures to each other, then to the first reference catalogue that fits."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from hapsvm import align
from hapsvm.align.params import AlignmentSettings
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AlignToCatalogConfig(AlignmentSettings):
    """Relative and absolute alignment of a detector (spec §5.2-5.4)."""


@register_step("align_to_catalog", config=AlignToCatalogConfig,
               requires=("product_tree", "input_copies", "alignment_sources"),
               provides=("alignment",), scope="detector")
def align_to_catalog(ctx: VisitContext, cfg: AlignToCatalogConfig) -> None:
    """Fit the exposures together, then each catalogue × method × geometry until one passes."""
    sources = ctx.read("alignment_sources")
    if not sources:
        raise NoWorkFound("no exposure has a source list to align")
    copies = ctx.read("input_copies")
    wcs, priors = {}, {}
    for exp in sources:
        priors[exp.rootname], chips = align.read_exposure_wcs(copies[exp.rootname])
        wcs.update({(exp.rootname, ver): w for ver, w in chips.items()})
    providers = align.catalog_providers(cfg)
    if not providers:
        log.warning("%s: no reference catalogue configured (align_to_catalog.providers %s, "
                    "catalog_file %s, catalog_url %r)", ctx.unit, list(cfg.providers),
                    cfg.catalog_file, cfg.catalog_url)
    result = align.align_detector(sources, wcs, providers, cfg,
                                  detector=ctx.unit, priors=priors)
    if result.status == align.ALIGNED:
        log.info("%s: %s %s/%s, %d matches, rms %.1f mas, uncertainty %.2f mas (1σ per axis, "
                 "%s), quality %d", ctx.unit, result.catalog, result.method, result.fit_geometry,
                 result.n_matches, result.fit_rms_mas, result.position_error_mas,
                 "weighted" if result.weighted else "unweighted", result.quality_code)
    else:
        log.warning("%s: alignment %s: %s", ctx.unit, result.status, result.reason)
    ctx.write("alignment", result)
