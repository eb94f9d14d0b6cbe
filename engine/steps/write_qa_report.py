"""Write the visit's HTML QA report: products, previews, footprints, alignment, catalogues."""
from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from hapsvm import __version__
from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import constrained
from hapsvm.core import register_step
from hapsvm.preview import report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteQaReportConfig:
    """What the QA report links before it exists."""

    pending_kinds: list[str] = constrained(
        ["trailer", "manifest", "report_recipe"],
        items={"enum": ["trailer", "manifest", "report_recipe", "preview", "thumbnail",
                        "color_preview", "color_thumbnail", "drizzle", "point_catalog",
                        "segment_catalog", "headerlet", "input_copy"]})
    """File kinds written after the report by later steps (write_trailers, write_manifest):
    linked even though absent when the report is written."""


def _decision_rows(
        decisions: list[tuple[visit.ExposureInfo | visit.UnusableInput, visit.Decision]]
) -> list[report.DecisionRow]:
    rows = []
    for e, d in decisions:
        info = e if isinstance(e, visit.ExposureInfo) else None
        rows.append(report.DecisionRow(
            filename=e.path.name, rootname=e.rootname,
            filter_name=info.filter_name if info else "",
            exptime_s=info.exptime if info else float("nan"),
            keep=d.keep, kind=d.kind, reason=d.reason, warning=d.warning))
    return rows


@register_step("write_qa_report", config=WriteQaReportConfig,
               requires=("product_tree", "exposure_decisions"), provides=())
def write_qa_report(ctx: VisitContext, cfg: WriteQaReportConfig) -> None:
    """Write ``<instr>_<ppp>_<obset>_qa_report.html`` from the products on disk."""
    tree = ctx.read("product_tree")
    prov = ctx.provenance
    steps = [report.StepOutcome(s.step, s.unit, s.status, s.seconds, s.message)
             for s in prov.steps]
    request = report.ReportRequest(
        tree=tree, out_dir=ctx.output_dir,
        decisions=_decision_rows(ctx.read("exposure_decisions")), steps=steps,
        created=time.strftime("%Y-%m-%d %H:%M:%S"), software=f"hapsvm {__version__}",
        input=prov.input, recipe=f"{prov.recipe} (version {prov.recipe_version})",
        pending_kinds=frozenset(cfg.pending_kinds))
    data = report.gather_report(request)
    html = report.render_report(data)
    name = report.report_name(tree)

    def write(path: Path) -> None:
        path.write_text(html, encoding="utf-8")

    ctx.save_product(name, write)
    n_linked = sum(f.linked for d in data.detectors for r in d.products for f in r.files)
    log.info("QA report %s: %d detector(s), %d product files linked, %d previews, "
             "%d catalogues", name, len(data.detectors), n_linked,
             sum(bool(r.preview) for d in data.detectors for r in d.products),
             sum(len(d.catalogs) for d in data.detectors))
