"""Static view of ``hapsvm.preview.report`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.preview.report.gather import ReportRequest as ReportRequest
from hapsvm.preview.report.gather import gather_detector as gather_detector
from hapsvm.preview.report.gather import gather_report as gather_report
from hapsvm.preview.report.gather import report_name as report_name
from hapsvm.preview.report.model import AlignmentRow as AlignmentRow
from hapsvm.preview.report.model import CatalogSummary as CatalogSummary
from hapsvm.preview.report.model import DecisionRow as DecisionRow
from hapsvm.preview.report.model import DetectorReport as DetectorReport
from hapsvm.preview.report.model import FileLink as FileLink
from hapsvm.preview.report.model import Footprint as Footprint
from hapsvm.preview.report.model import KeywordTable as KeywordTable
from hapsvm.preview.report.model import ProductRow as ProductRow
from hapsvm.preview.report.model import ReportData as ReportData
from hapsvm.preview.report.model import StepOutcome as StepOutcome
from hapsvm.preview.report.page import render_report as render_report

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
