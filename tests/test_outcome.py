"""The per-detector facts of a run summary, read from the run's context values."""
from __future__ import annotations

import math
from pathlib import Path
from types import SimpleNamespace

from hapsvm.catalogs.pipeline import CatalogFile
from hapsvm.core import RunProvenance
from hapsvm.core import RunResult
from hapsvm.core import VisitContext
from hapsvm.outcome import unit_facts


def test_unit_facts_from_alignment_and_catalogues(tmp_path: Path) -> None:
    ctx = VisitContext(tmp_path, RunProvenance("v1", "1", [], "x.out"))
    ctx.restore("wfc3_ir", {
        "alignment": SimpleNamespace(status="aligned", catalog="GAIAeDR3", fit_rms_mas=4.137,
                                     n_matches=31, quality_code=1, position_error_mas=0.41236),
        "catalogs": [CatalogFile("total", "point", tmp_path / "p.ecsv", 88),
                     CatalogFile("total", "segment", tmp_path / "s.ecsv", 97),
                     CatalogFile("F160W", "point", tmp_path / "f.ecsv", 80)]})
    ctx.restore("wfc3_uvis", {"alignment": SimpleNamespace(
        status="failed", catalog="", fit_rms_mas=math.nan, n_matches=0, quality_code=5)})
    result = RunResult(exit_code=0, records=[], context=ctx,
                       unit_configs={"": None, "wfc3_ir": None, "wfc3_ir_f160w": None,
                                     "wfc3_uvis": None})
    assert unit_facts(result) == {
        "wfc3_ir": {"alignment_status": "aligned", "alignment_catalog": "GAIAeDR3",
                    "alignment_rms_mas": 4.14, "alignment_matches": 31, "alignment_quality": 1,
                    "alignment_error_mas": 0.412, "point_rows": 88, "segment_rows": 97},
        "wfc3_uvis": {"alignment_status": "failed", "alignment_catalog": "-",
                      "alignment_rms_mas": None, "alignment_matches": 0,
                      "alignment_quality": 5, "alignment_error_mas": None}}
    assert unit_facts(None) == {}
