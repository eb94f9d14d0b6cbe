"""The visit plan as files: the decision table and the product-tree file names."""
from __future__ import annotations

from astropy.table import Table

from hapsvm.visit.exposure import ExposureInfo
from hapsvm.visit.exposure import UnusableInput
from hapsvm.visit.product_tree import ProductTree
from hapsvm.visit.vetting import Decision

__all__ = ["decisions_table", "plan_file_names"]


def plan_file_names(tree: ProductTree) -> tuple[str, str]:
    """Names of the decision table and the product-tree file, from the manifest's stem."""
    stem = tree.manifest.removesuffix("_manifest.txt")
    return f"{stem}_exposures.ecsv", f"{stem}_product_tree.json"


def decisions_table(decisions: list[tuple[ExposureInfo | UnusableInput, Decision]]) -> Table:
    """One row per input file: identity, key header values, decision, reason and warning."""
    rows = []
    for e, d in decisions:
        if isinstance(e, UnusableInput):
            rows.append((e.path.name, str(e.path), e.rootname, "", "", "", "", float("nan"), "",
                         d.keep, d.kind, d.reason, d.warning))
        else:
            rows.append((e.path.name, str(e.path), e.rootname, e.instrument, e.detector,
                         e.filters, e.filter_name, e.exptime, e.obstype, d.keep, d.kind,
                         d.reason, d.warning))
    names = ("filename", "path", "rootname", "instrument", "detector", "filters", "filter_name",
             "exptime", "obstype", "keep", "kind", "reason", "warning")
    table = Table(rows=rows, names=names) if rows else Table(names=names)
    table["exptime"].unit = "s"
    table.meta["description"] = "hapsvm exposure vetting decisions (spec §2)"
    return table
