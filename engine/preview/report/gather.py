"""Collect what the QA report shows from the product tree and the files on disk."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TypeVar

from PIL import Image

from hapsvm.preview.report.catalogs import summarize_catalog
from hapsvm.preview.report.files import detector_rows
from hapsvm.preview.report.files import link
from hapsvm.preview.report.headers import alignment_row
from hapsvm.preview.report.headers import copy_footprint
from hapsvm.preview.report.headers import product_footprint
from hapsvm.preview.report.headers import svm_keywords
from hapsvm.preview.report.model import DecisionRow
from hapsvm.preview.report.model import DetectorReport
from hapsvm.preview.report.model import FileLink
from hapsvm.preview.report.model import Footprint
from hapsvm.preview.report.model import ReportData
from hapsvm.preview.report.model import StepOutcome
from hapsvm.recipe_files import recipe_name_for
from hapsvm.visit.product_tree import ProductTree
from hapsvm.visit.product_tree import TotalProduct

__all__ = ["ReportRequest", "gather_detector", "gather_report", "report_name"]

log = logging.getLogger(__name__)
T = TypeVar("T")
#: Errors a damaged or half-written product can raise while it is read for the report.
_READ_ERRORS = (OSError, KeyError, ValueError, IndexError, TypeError)


@dataclass
class ReportRequest:
    """What the caller knows besides the files: the run's identity, decisions and step outcomes.

    Attributes
    ----------
    tree
        The visit's product tree.
    out_dir
        Where the products are (and the report goes).
    decisions, steps
        Vetting decisions of every input file; outcome of every step run so far.
    created, software, input, recipe
        Shown in the report's header.
    pending_kinds
        File kinds written after the report (``trailer``, ``manifest``, ``report_recipe``):
        linked although absent when the report is written.
    """

    tree: ProductTree
    out_dir: Path
    decisions: list[DecisionRow] = field(default_factory=list)
    steps: list[StepOutcome] = field(default_factory=list)
    created: str = ""
    software: str = ""
    input: str = ""
    recipe: str = ""
    pending_kinds: frozenset[str] = frozenset({"trailer", "manifest", "report_recipe"})


def report_name(tree: ProductTree) -> str:
    """``<instr>_<ppp>_<obset>_qa_report.html`` from the manifest's name.

    Examples
    --------
    >>> report_name(ProductTree(manifest="wfc3_b6o_21_manifest.txt", totals=[]))
    'wfc3_b6o_21_qa_report.html'
    """
    return tree.manifest.removesuffix("_manifest.txt") + "_qa_report.html"


def _safe(what: str, fn: Callable[..., T], *args: object) -> T | None:
    try:
        return fn(*args)
    except _READ_ERRORS as err:
        log.warning("QA report: %s unreadable (%s); left out", what, err)
        return None


def _footprints(total: TotalProduct, out_dir: Path) -> list[Footprint]:
    found: list[Footprint | None] = []
    for e in total.all_exposures():
        path = out_dir / e.input_copy
        if path.is_file():
            found.append(_safe(e.input_copy, copy_footprint, path, e.exposure.rootname,
                               e.exposure.filter_name))
    products = [(total.drizzle, "total")] + [(f.drizzle, f.filter_name) for f in total.filters]
    for name, group in products if total.has_direct_images else []:
        if (out_dir / name).is_file():
            found.append(_safe(name, product_footprint, out_dir / name, name, group))
    return [f for f in found if f is not None]


def _image_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as image:
        return image.size


def _overlay(report: DetectorReport, total: TotalProduct, out_dir: Path) -> None:
    names = total.names()
    preview, drizzle = out_dir / names["preview"], out_dir / total.drizzle
    cats = [c for c in report.catalogs if c.file in (names["point_catalog"],
                                                     names["segment_catalog"]) and c.positions]
    if not (preview.is_file() and drizzle.is_file() and cats):
        return
    table = _safe(drizzle.name, svm_keywords, drizzle)
    size = _safe(preview.name, _image_size, preview)
    grid = table.values.get("grid (nx × ny)", "") if table else ""
    if not grid or size is None:
        return
    nx, ny = (int(v) for v in grid.split(" × "))
    report.overlay_image, report.overlay_grid, report.overlay_size = preview.name, (ny, nx), size
    report.overlay_catalogs = [c.file for c in cats]


def gather_detector(total: TotalProduct, out_dir: Path,
                    pending: frozenset[str] = frozenset()) -> DetectorReport:
    """Everything the report shows for one detector, from the files that exist."""
    title = f"{total.instrument.upper()}/{total.detector.upper()}"
    report = DetectorReport(key=total.detector_key, title=title,
                            products=detector_rows(total, out_dir, pending))
    names = total.names() if total.has_direct_images else {}
    report.color_preview, report.color_thumbnail = (
        name if name and (out_dir / name).is_file() else ""
        for name in (names.get("color_preview", ""), names.get("color_thumbnail", "")))
    report.footprints = _footprints(total, out_dir)
    for e in total.all_exposures():
        copy = out_dir / e.input_copy
        if copy.is_file():
            row = _safe(e.input_copy, alignment_row, copy, e.exposure.path, e.exposure.rootname)
            if row is not None:
                report.alignment.append(row)
    products = [total] + list(total.filters) if total.has_direct_images else []
    for p in products:
        path = out_dir / p.drizzle
        table = _safe(p.drizzle, svm_keywords, path) if path.is_file() else None
        if table is not None:
            report.keywords.append(table)
    for p in products:
        names = p.names()
        for kind in ("point", "segment"):
            path = out_dir / names[f"{kind}_catalog"]
            if path.is_file():
                report.catalogs.append(summarize_catalog(path, kind))
    if total.has_direct_images:
        _overlay(report, total, out_dir)
    return report


def _visit_recipe(out_dir: Path, stem: str) -> tuple[str, str]:
    """(text, file name) of the visit-level resolved recipe: the plan files' recipe first."""
    candidates = [out_dir / f"{stem}_exposures_recipe.yaml",
                  out_dir / f"{stem}_product_tree_recipe.yaml",
                  *sorted(out_dir.glob("*_recipe.yaml"))]
    for path in candidates:
        if path.is_file():
            text = _safe(path.name, Path.read_text, path)
            if text is not None:
                return text, path.name
    return "", ""


def _recipe_files(request: ReportRequest, report_file: str) -> list[FileLink]:
    out, pending = request.out_dir, request.pending_kinds
    stem = request.tree.manifest.removesuffix("_manifest.txt")
    names = [recipe_name_for(f"{stem}_exposures.ecsv")]
    for total in request.tree.totals:
        names += [recipe_name_for(e.input_copy) for e in total.all_exposures()[:1]]
        names += [recipe_name_for(f.drizzle) for f in total.filters]
        names += [recipe_name_for(total.drizzle)] if total.has_direct_images else []
    links = [link(out, n, "recipe", pending) for n in dict.fromkeys(names)]
    links = [lk for lk in links if lk.exists]
    links.append(link(out, recipe_name_for(report_file), "report_recipe", pending))
    return links


def gather_report(request: ReportRequest) -> ReportData:
    """The whole report's data (any missing part is left out, never an error)."""
    tree, out = request.tree, request.out_dir
    stem = tree.manifest.removesuffix("_manifest.txt")
    detectors = [gather_detector(t, out, request.pending_kinds) for t in tree.totals]
    visit_files = [link(out, tree.manifest, "manifest", request.pending_kinds),
                   link(out, f"{stem}_exposures.ecsv", "exposure_table", request.pending_kinds),
                   link(out, f"{stem}_product_tree.json", "product_tree",
                        request.pending_kinds)]
    text, source = _visit_recipe(out, stem)
    return ReportData(title=f"hapsvm QA report: {stem}", created=request.created,
                      software=request.software, input=request.input, recipe=request.recipe,
                      detectors=detectors, visit_files=visit_files, decisions=request.decisions,
                      steps=request.steps, recipe_text=text, recipe_source=source,
                      recipe_files=_recipe_files(request, report_name(tree)))
