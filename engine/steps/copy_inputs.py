"""Copy every kept exposure of a detector to its SVM name; originals are never modified."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.progress import progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CopyInputsConfig:
    """Copying has no parameters."""


@register_step("copy_inputs", config=CopyInputsConfig, requires=("product_tree",),
               provides=("input_copies",), scope="detector")
def copy_inputs(ctx: VisitContext, cfg: CopyInputsConfig) -> None:
    """Write ``hst_<prop>_<obset>_<instr>_<det>_<filter>_<ipppssoo>_fl?.fits`` copies."""
    total = ctx.read("product_tree").total(ctx.unit)
    products = total.all_exposures()
    copies: dict[str, Path] = {}
    for i, ep in enumerate(progress(products, desc=f"copy {total.detector_key}",
                                    unit="file"), start=1):
        src = ep.exposure.path
        path = ctx.save_product(
            ep.input_copy,
            lambda tmp, s=src, n=ep.input_copy: visit.copy_and_rename(s, tmp, svm_name=n))
        copies[ep.exposure.rootname] = path
        log.info("%d/%d %s → %s (%s)", i, len(products), src.name, ep.input_copy, ep.kind)
    ctx.write("input_copies", copies)
