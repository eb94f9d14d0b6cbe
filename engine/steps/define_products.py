"""Group kept exposures into the SVM product tree and declare one work unit per detector."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import WorkUnit
from hapsvm.core import constrained
from hapsvm.core import register_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DefineProductsConfig:
    """How exposure counts map to n-exposure bins (the ``nexp`` config group)."""

    nexp_bins: dict[str, list[int]] = constrained(
        {"wfc3_ir": [1, 2, 4], "wfc3_uvis": [1, 2, 6], "acs_wfc": [1, 2, 6],
         "acs_hrc": [1, 2, 6], "acs_sbc": [1, 2, 6]},
        additionalProperties={"type": "array", "minItems": 1,
                              "items": {"type": "integer", "minimum": 1}})
    """Per detector, the lower bounds of its bins: ``[1, 2, 4]`` gives n1, n2 (2-3), n4 (≥4)."""


@register_step("define_products", config=DefineProductsConfig, requires=("kept_exposures",),
               provides=("product_tree", "work_units"), planning=True)
def define_products(ctx: VisitContext, cfg: DefineProductsConfig) -> None:
    """Build detector → filter → exposure products with every SVM name (spec §3, §4)."""
    tree = visit.build_product_tree(ctx.read("kept_exposures"), nexp_bins=cfg.nexp_bins)
    units = []
    for total in tree.totals:
        instrument = total.instrument.lower()
        children = [WorkUnit(name=f.unit,
                             groups={"instrument": instrument, "detector": total.detector_key,
                                     "nexp": f.nexp_bin}) for f in total.filters]
        units.append(WorkUnit(name=total.unit,
                              groups={"instrument": instrument, "detector": total.detector_key,
                                      "nexp": total.nexp_bin}, children=children))
        log.info("%s: %d filter products (%s), %d grism, %d ramp exposures; total %s",
                 total.detector_key, len(total.filters),
                 ", ".join(f"{f.filter_name}×{len(f.exposures)}" for f in total.filters) or "-",
                 len(total.grism_exposures), len(total.ramp_exposures), total.drizzle)
    ctx.write("product_tree", tree)
    ctx.write("work_units", units)
