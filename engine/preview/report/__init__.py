"""The HTML QA report of a visit: data gathered from the products on disk, rendered offline."""
from __future__ import annotations

from engine.preview.report.gather import (ReportRequest, gather_detector, gather_report,
                                          report_name)
from engine.preview.report.model import (AlignmentRow, CatalogSummary, DecisionRow,
                                         DetectorReport, FileLink, Footprint, KeywordTable,
                                         ProductRow, ReportData, StepOutcome)
from engine.preview.report.page import render_report

__all__ = ["ReportRequest", "gather_detector", "gather_report", "report_name", "AlignmentRow",
           "CatalogSummary", "DecisionRow", "DetectorReport", "FileLink", "Footprint",
           "KeywordTable", "ProductRow", "ReportData", "StepOutcome", "render_report"]
