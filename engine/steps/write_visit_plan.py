"""Write the exposure decision table (ECSV) and the product tree (JSON) of the visit."""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path

from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import register_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteVisitPlanConfig:
    """The visit plan files have no parameters."""


@register_step("write_visit_plan", config=WriteVisitPlanConfig,
               requires=("exposure_decisions", "product_tree"), provides=("plan_files",))
def write_visit_plan(ctx: VisitContext, cfg: WriteVisitPlanConfig) -> None:
    """Write ``<instr>_<ppp>_<obset>_exposures.ecsv`` and ``..._product_tree.json``."""
    tree = ctx.read("product_tree")
    table_name, tree_name = visit.plan_file_names(tree)
    table = visit.decisions_table(ctx.read("exposure_decisions"))
    path_table = ctx.save_product(
        table_name, lambda p: table.write(p, format="ascii.ecsv", overwrite=True))
    text = json.dumps(tree.as_dict(), indent=1)
    path_tree = ctx.save_product(tree_name, lambda p: p.write_text(text + "\n"))
    log.info("wrote %s (%d exposures) and %s", table_name, len(table), tree_name)
    ctx.write("plan_files", [Path(path_table), Path(path_tree)])
