"""What a run's summary says about each detector: alignment and catalogues, from its context.

The facts are read from the values the steps left in the run's context (a resumed step's
values are restored there too), so every run, fresh or resumed, reports them the same way:
``svm_summary.json`` ``units`` and the columns of ``multirun_summary.tsv``.
"""
from __future__ import annotations

import math
from typing import Any

from hapsvm.core import RunResult

__all__ = ["unit_facts", "FACT_NAMES"]

#: The facts reported per detector, in column order.
FACT_NAMES = ("alignment_status", "alignment_catalog", "alignment_rms_mas", "alignment_matches",
              "alignment_quality", "alignment_error_mas", "point_rows", "segment_rows")


def _alignment(value: Any) -> dict[str, Any]:
    rms = float(getattr(value, "fit_rms_mas", math.nan))
    err = float(getattr(value, "position_error_mas", math.nan))   # SVMAERR, 1σ per axis
    return {"alignment_status": str(getattr(value, "status", "")),
            "alignment_catalog": str(getattr(value, "catalog", "")) or "-",
            "alignment_rms_mas": None if math.isnan(rms) else round(rms, 2),
            "alignment_matches": int(getattr(value, "n_matches", 0)),
            "alignment_quality": int(getattr(value, "quality_code", 5)),
            "alignment_error_mas": None if math.isnan(err) else round(err, 3)}


def _catalogs(files: Any) -> dict[str, Any]:
    rows = {f"{f.kind}_rows": int(f.n_sources) for f in files
            if getattr(f, "product", "") == "total"}
    return {k: rows[k] for k in ("point_rows", "segment_rows") if k in rows}


def unit_facts(result: RunResult | None) -> dict[str, dict[str, Any]]:
    """Per detector unit: alignment status, catalogue, fit RMS (mas), matches, quality code,
    formal uncertainty (mas, 1σ per axis: the exposures' SVMAERR),
    and the rows of the total point and segment catalogues, where the run got that far.

    Examples
    --------
    >>> unit_facts(None)
    {}
    """
    ctx = result.context if result is not None else None
    if ctx is None:
        return {}
    facts: dict[str, dict[str, Any]] = {}
    for unit in result.unit_configs if result is not None else {}:
        if not unit:
            continue
        values = ctx.snapshot(unit)
        found: dict[str, Any] = {}
        if values.get("alignment") is not None:
            found.update(_alignment(values["alignment"]))
        if values.get("catalogs"):
            found.update(_catalogs(values["catalogs"]))
        if found:
            facts[unit] = {k: found[k] for k in FACT_NAMES if k in found}
    return facts
