"""Write SKYCELL into the SCI headers of every direct-image copy (spec §8.4)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

from hapsvm import mosaic
from hapsvm.core import VisitContext
from hapsvm.core import constrained
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AddSkycellsConfig:
    """How densely the exposure outlines are sampled against the sky-cell grid."""

    step_arcsec: float = constrained(2.0, exclusiveMinimum=0, maximum=60)
    """Spacing of the outline points tested against the sky cells, arcsec."""


@register_step("add_skycells", config=AddSkycellsConfig,
               requires=("product_tree", "input_copies"), provides=("skycells",),
               scope="detector")
def add_skycells(ctx: VisitContext, cfg: AddSkycellsConfig) -> None:
    """List the sky cells each direct exposure touches; ramp and grism copies get none."""
    total = ctx.read("product_tree").total(ctx.unit)
    members = [e for f in total.filters for e in f.exposures]
    if not members:
        raise NoWorkFound(f"{total.detector_key} has no direct exposure")
    copies = ctx.read("input_copies")
    found: dict[str, list[str]] = {}
    for i, member in enumerate(members, start=1):
        root = member.exposure.rootname
        exposure = mosaic.read_exposure_chips(copies[root], root)
        if not str(exposure.chips[0].header.get("WCSNAME", "")).strip():
            log.info("%d/%d %s: no WCSNAME, no SKYCELL", i, len(members), root)
            continue
        cells = mosaic.exposure_sky_cells(exposure, step_arcsec=cfg.step_arcsec)
        ctx.save_product(member.input_copy,
                         partial(mosaic.write_skycell, copies[root], cells=cells))
        found[root] = cells
        log.info("%d/%d %s: SKYCELL %s", i, len(members), root, "; ".join(cells))
    ctx.write("skycells", found)
