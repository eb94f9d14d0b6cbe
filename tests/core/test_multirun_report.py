"""The operator's view of a multirun: failure reasons, their groups, the rows, the HTML page,
and the resources a run used."""
from __future__ import annotations

import html
import multiprocessing
import time
from pathlib import Path

import pytest

from hapsvm.core.multirun import failure_of
from hapsvm.core.multirun import read_summaries
from hapsvm.core.multirun import write_multirun_reports
from hapsvm.core.multirun import write_run_summary
from hapsvm.core.multirun_report import failure_reason
from hapsvm.core.multirun_report import group_failures
from hapsvm.core.multirun_report import render_html
from hapsvm.core.multirun_report import row_table
from hapsvm.core.multirun_report import summary_row
from hapsvm.core.multirun_report import totals_of
from hapsvm.core.usage import UsageMeter
from hapsvm.errors import AlgorithmError
from hapsvm.errors import InputError
from hapsvm.errors import StepFailed


@pytest.mark.parametrize(("message", "expected"), [
    ("/data/2009/ib6o21qmq_flt.fits: has no SCI extension", "<path>: has no SCI extension"),
    ("visits/v3/list.out line 12: has 3 comma-separated columns",
     "<path> line <n>: has <n> comma-separated columns"),
    ("ib6o21qmq_flt.fits: EXPTIME '-1.5e+02' is negative", "<path>: EXPTIME '<n>' is negative"),
    ("only 3 matches (rms 41.27 mas) at 0x7f3a2c", "only <n> matches (rms <n> mas) at <hex>"),
    ("wfc3_ir: no fit", "wfc3_ir: no fit"),
])
def test_failure_reason_strips_paths_and_numbers(message: str, expected: str) -> None:
    assert failure_reason("", message) == expected


def test_failure_reason_names_step_and_type_and_is_bounded() -> None:
    assert failure_reason("AlignmentError", "no fit", step="align_to_catalog") == \
        "align_to_catalog: AlignmentError: no fit"
    long = failure_reason("ValueError", "x " * 200)
    assert len(long) == 160 and long.endswith("…")


def test_failure_of_unwraps_step_failures() -> None:
    cause = InputError("EXPTIME 'abc' is not a number", file="/d/v/a_flt.fits", line=3)
    failure = failure_of(StepFailed("read_visit", "visit", cause))
    assert (failure.type, failure.step, failure.unit) == ("InputError", "read_visit", "visit")
    assert failure.reason == "read_visit: InputError: <path> line <n>: EXPTIME 'abc' is not a " \
                             "number"
    assert failure_of(RuntimeError("boom")).reason == "RuntimeError: boom"


def _summary(status: str, code: int, reason: str = "", **extra: object) -> dict:
    failure = {"type": "X", "message": reason, "reason": reason} if reason else None
    return {"input": f"/d/{status}.out", "status": status, "exit_code": code,
            "wall_seconds": 10.0, "failure": failure, "error": reason, **extra}


def test_group_failures_counts_and_orders_groups() -> None:
    rows = [summary_row(f"{i}_v{i}", s) for i, s in enumerate([
        _summary("failed", 2, "read_visit: InputError: <path>: has no SCI extension"),
        _summary("ok", 0),
        _summary("partial", 4, "align_to_catalog: AlignmentError: no fit"),
        _summary("failed", 2, "read_visit: InputError: <path>: has no SCI extension"),
        {"input": "/d/old.out", "status": "failed", "exit_code": 3, "wall_seconds": 1.0,
         "error": "drizzle.pixfrac: 2 is above 1"},          # a summary of an older version
    ])]
    groups = group_failures(rows)
    assert [(g.reason, g.count, g.jobs, g.exit_codes) for g in groups] == [
        ("read_visit: InputError: <path>: has no SCI extension", 2, ["0_v0", "3_v3"], [2]),
        ("align_to_catalog: AlignmentError: no fit", 1, ["2_v2"], [4]),
        ("drizzle.pixfrac: <n> is above <n>", 1, ["4_v4"], [3])]
    totals = totals_of(rows)
    assert totals.n_visits == 5 and totals.by_status == {"failed": 3, "ok": 1, "partial": 1}


def test_rows_list_unit_facts_in_unit_order() -> None:
    two = _summary("ok", 0, units={"wfc3_uvis": {"alignment_catalog": "GAIAeDR3",
                                                  "alignment_rms_mas": 3.14159},
                                    "wfc3_ir": {"alignment_catalog": "GSC242",
                                                "point_rows": 12}},
                   resources={"cpu_seconds": 12.5, "peak_rss_gib": 0.75})
    text = row_table([summary_row("0_a", two), summary_row("1_b", _summary("ok", 0))])
    head, first, second = [line.split("\t") for line in text.splitlines()]
    row = dict(zip(head, first))
    assert head[:7] == ["job", "status", "exit", "wall_s", "cpu_s", "peak_gib", "units"]
    assert row["units"] == "wfc3_uvis,wfc3_ir" and row["alignment_catalog"] == "GAIAeDR3,GSC242"
    assert row["alignment_rms_mas"] == "3.142,-" and row["point_rows"] == "-,12"
    assert (row["cpu_s"], row["peak_gib"]) == ("12.5", "0.750")
    assert dict(zip(head, second))["units"] == "-" and len(second) == len(head)


def test_html_page_is_static_escaped_and_complete() -> None:
    rows = [summary_row("0_a", _summary("ok", 0, resources={"peak_rss_gib": 1.25})),
            summary_row("1_<b>", _summary("failed", 2, "InputError: <path>: bad & worse"))]
    page = render_html(rows, title="sweep <x>")
    assert page.startswith("<!DOCTYPE html>") and "sweep &lt;x&gt;" in page
    assert "InputError: &lt;path&gt;: bad &amp; worse" in page and "1_&lt;b&gt;" in page
    assert "2 visits: 1 failed, 1 ok" in page and "largest peak memory 1.25 GiB" in page
    for remote in ("http:", "https:", "//cdn", "<link", "src="):
        assert remote not in page


def test_reports_from_run_summaries(tmp_path: Path) -> None:
    for job, code, error in [("0_a", 0, None), ("1_b", 2, InputError("gone", file="/x/b.out"))]:
        (tmp_path / job).mkdir()
        write_run_summary(tmp_path / job, input=f"/x/{job}.out", recipe="v1", exit_code=code,
                          seconds=1.5, result=None, error=str(error or ""),
                          failure=failure_of(error) if error else None)
    rows = write_multirun_reports(tmp_path)
    assert [r.status for r in rows] == ["ok", "failed"] and len(read_summaries(tmp_path)) == 2
    assert (tmp_path / "multirun_failures.tsv").read_text().splitlines()[1] == \
        "InputError: <path>: gone\t1\t2\t1_b"
    assert html.escape("InputError: <path>: gone") in (tmp_path / "multirun_summary.html") \
        .read_text()
    assert failure_of(AlgorithmError("rms 12 > 10 mas")).reason == \
        "AlgorithmError: rms <n> > <n> mas"


def _hold_memory(mib: int) -> int:
    block = bytearray(mib * 2**20)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(1.2)
    return len(block)


def test_usage_meter_counts_children_memory_and_time() -> None:
    with UsageMeter(interval_s=0.1) as meter:
        with multiprocessing.get_context("fork").Pool(2) as pool:
            pool.map(_hold_memory, [150, 150])
    usage = meter.usage()
    assert usage.samples >= 3 and usage.high_water_reset
    assert usage.peak_rss_gib >= 0.29          # two children of 150 MiB at once
    assert usage.maxrss_children_gib >= 0.14 and usage.wall_seconds >= 1.2
