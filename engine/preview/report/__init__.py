"""The HTML QA report of a visit: data gathered from the products on disk, rendered offline."""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
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

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
