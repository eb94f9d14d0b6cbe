"""Give the grism/prism copies of a detector the alignment of its direct images (spec §4.4)."""
from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from pathlib import Path

from hapsvm import align
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReconcileGrismWcsConfig:
    """Grism WCS reconciliation. Unlike runsinglehap, the direct images keep their SVM
    alignment; each grism copy gets the correction of the direct exposure nearest in time,
    in a WCS both offer (a shared prior, else IDC_*-GSC240, else IDC_*)."""

    transfer_direct_solution: bool = True
    """Apply the direct images' correction to the grism copies (false: leave them as copied)."""


@register_step("reconcile_grism_wcs", config=ReconcileGrismWcsConfig,
               requires=("product_tree", "input_copies", "alignment"), provides=("grism_wcs",),
               scope="detector")
def reconcile_grism_wcs(ctx: VisitContext, cfg: ReconcileGrismWcsConfig) -> None:
    """Apply to each grism copy the correction of the nearest direct exposure sharing a WCS."""
    total = ctx.read("product_tree").total(ctx.unit)
    if not total.grism_exposures:
        raise NoWorkFound(f"{total.detector_key} has no grism/prism exposure")
    if not cfg.transfer_direct_solution:
        raise NoWorkFound("reconcile_grism_wcs.transfer_direct_solution is false")
    alignment: align.DetectorAlignment = ctx.read("alignment")
    copies = ctx.read("input_copies")
    direct = {r: copies[r] for r in alignment.exposures}
    direct_names = {r: {n: k for n, k in align.read_wcs_names(p).items() if k != " "}
                    for r, p in direct.items()}
    names: dict[str, str] = {}
    n = len(total.grism_exposures)
    for i, ep in enumerate(total.grism_exposures, start=1):
        root = ep.exposure.rootname
        src: Path = copies[root]
        offered = align.read_wcs_names(src)
        assignment = align.assign_grism_solution(root, ep.exposure.expstart, offered,
                                                 alignment, direct_names, direct)

        def write(tmp: Path, s: Path = src, root: str = root,
                  assignment: align.GrismAssignment = assignment) -> None:
            shutil.copyfile(s, tmp)
            keywords = align.fit_keywords(alignment, assignment.source)
            names[root] = align.update_grism(tmp, assignment, alignment, keywords=keywords)

        ctx.save_product(ep.input_copy, write)
        if assignment.correction is None:
            log.warning("%d/%d %s keeps its WCS: %s", i, n, root, assignment.reason)
        else:
            log.info("%d/%d %s (%s): solution of %s via %s → %s", i, n, root,
                     ep.exposure.filter_name, assignment.source, assignment.wcsname,
                     names[root])
    ctx.write("grism_wcs", names)
