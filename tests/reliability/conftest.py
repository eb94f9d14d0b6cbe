"""Reliability suite summary: bad inputs tried, faults injected, kill points tested."""
from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the size of the reliability suite and how much of it passed."""
    reports = [r for key in ("passed", "failed") for r in terminalreporter.stats.get(key, [])
               if getattr(r, "when", "") == "call" and "tests/reliability/" in r.nodeid]
    if not reports:
        return
    from tests.reliability.test_bad_inputs import BAD_FILES
    from tests.reliability.test_bad_inputs import INPUT_LISTS
    from tests.reliability.test_catalog_faults import FAULT_PLANS
    from tests.reliability.test_kill_resume import _kill_points
    from tests.reliability.test_main_process_death import WORKER_STEPS

    failed = sum(r.outcome == "failed" for r in reports)
    faults = sum(len(plan) for plan in FAULT_PLANS.values())
    terminalreporter.write_sep("-", "reliability summary")
    terminalreporter.write_line(
        f"bad inputs tried: {len(BAD_FILES) + len(INPUT_LISTS) + 4} "
        f"({len(BAD_FILES)} bad files, {len(INPUT_LISTS)} bad input lists, 4 visit-level cases); "
        f"catalogue-service faults injected: {faults} in {len(FAULT_PLANS)} runs; "
        f"kill points (SIGKILL + resume): {len(_kill_points())} ({', '.join(_kill_points())}); "
        f"steps whose workers must die with the main process: {len(WORKER_STEPS)} "
        f"({', '.join(WORKER_STEPS)}); "
        f"reliability tests run: {len(reports)}, failed: {failed}; inputs' sha256 checked "
        "unchanged and resumed products compared with an uninterrupted run")
