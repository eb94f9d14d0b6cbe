"""The QA report in headless Chromium: no JavaScript, console or resource-load error."""
from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from hapsvm.preview.browser import check_page
from hapsvm.preview.browser import find_chromium
from tests.preview.synthetic import make_visit
from tests.preview.synthetic import run_report_steps

pytestmark = pytest.mark.skipif(
    find_chromium() is None,
    reason="headless browser check needs chromium on PATH (Debian: apt-get install chromium)")


def test_browser_check_catches_errors(tmp_path: Path) -> None:
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head>'
                    '<body><img src="missing.jpg"><script>console.error("boom"); nope();'
                    "</script></body></html>")
    errors = check_page(page).errors
    assert any("missing.jpg" in e for e in errors)
    assert any("boom" in e for e in errors)
    assert any("nope" in e for e in errors)


def test_report_loads_without_errors(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    run_report_steps(v)
    shot = tmp_path / "report.png"
    check = check_page(v.out / "wfc3_b6o_21_qa_report.html", screenshot=shot)
    assert check.errors == []
    with Image.open(shot) as im:
        assert im.format == "PNG" and im.size[0] >= 1000 and im.size[1] > 2000
