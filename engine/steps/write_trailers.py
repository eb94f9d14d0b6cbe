"""Write a trailer (``_trl.txt``) per product with every log line of every step that touched it."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from hapsvm import __version__
from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import register_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteTrailersConfig:
    """Trailers have no parameters."""


def trailer_units(tree: visit.ProductTree) -> list[tuple[str, str, list[str]]]:
    """(trailer file, product, units whose steps touched it) for every product of the tree.

    Units: '' (visit-level steps), the detector (``wfc3_ir``) and, for filter and exposure
    products, the filter unit (``wfc3_ir_f098m``).
    """
    out = []
    for total in tree.totals:
        det = total.unit
        out.append((f"{total.base}_trl.txt", total.drizzle,
                    ["", det, *(f.unit for f in total.filters)]))
        for f in total.filters:
            out.append((f.names()["trailer"], f.drizzle, ["", det, f.unit]))
            out += [(e.trailer, e.drizzle, ["", det, f.unit]) for e in f.exposures]
        for e in total.ramp_exposures + total.grism_exposures + total.unpaired_exposures:
            out.append((e.trailer, e.input_copy, ["", det]))
    return out


@register_step("write_trailers", config=WriteTrailersConfig, requires=("product_tree",),
               provides=())
def write_trailers(ctx: VisitContext, cfg: WriteTrailersConfig) -> None:
    """Write one trailer per product: a header, then the log lines of its steps in order."""
    tree = ctx.read("product_tree")
    plan = trailer_units(tree)
    prov = ctx.provenance
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
    for i, (name, product, units) in enumerate(plan, start=1):
        lines = ctx.log_lines(units)
        header = (f"# hapsvm {__version__} trailer for {product}\n"
                  f"# recipe {prov.recipe} (version {prov.recipe_version}); written {stamp}\n"
                  f"# input {prov.input}; overrides: {' '.join(prov.overrides) or 'none'}\n")
        text = header + "".join(f"{line}\n" for line in lines)
        ctx.save_product(name, lambda p, t=text: p.write_text(t))
        log.debug("%d/%d %s: %d lines", i, len(plan), name, len(lines))
    log.info("wrote %d trailer files", len(plan))
