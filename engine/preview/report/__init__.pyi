"""Static view of ``hapsvm.preview.report`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.preview.report.gather import (
    ReportRequest as ReportRequest,
    gather_detector as gather_detector,
    gather_report as gather_report,
    report_name as report_name,
)
from hapsvm.preview.report.model import (
    AlignmentRow as AlignmentRow,
    CatalogSummary as CatalogSummary,
    DecisionRow as DecisionRow,
    DetectorReport as DetectorReport,
    FileLink as FileLink,
    Footprint as Footprint,
    KeywordTable as KeywordTable,
    ProductRow as ProductRow,
    ReportData as ReportData,
    StepOutcome as StepOutcome,
)
from hapsvm.preview.report.page import (
    render_report as render_report,
)

__all__ = [
    "AlignmentRow",
    "CatalogSummary",
    "DecisionRow",
    "DetectorReport",
    "FileLink",
    "Footprint",
    "KeywordTable",
    "ProductRow",
    "ReportData",
    "ReportRequest",
    "StepOutcome",
    "gather_detector",
    "gather_report",
    "render_report",
    "report_name",
]
