"""The HTML QA report of a visit: data gathered from the products on disk, rendered offline."""
from __future__ import annotations

from hapsvm.lazy import lazy_exports

# submodule -> public names; a submodule is imported when one of its names is first read
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "gather": ["ReportRequest", "gather_detector", "gather_report", "report_name"],
    "model": ["AlignmentRow", "CatalogSummary", "DecisionRow", "DetectorReport", "FileLink",
              "Footprint", "KeywordTable", "ProductRow", "ReportData", "StepOutcome"],
    "page": ["render_report"],
})
