"""Run ``svm demo`` on a small two-filter visit and screenshot its QA report in headless Chromium.

Usage::

    .venv/bin/python benchmarks/screenshot_report.py [--detector acs_wfc] [--filters F606W,F814W]
        [--size 512] [--reuse]

The demo (simulated visit, then the whole ``v1`` recipe) writes into ``$BENCH_WORK/report_demo``
(default ``benchmarks/work/report_demo``); the report ``*_qa_report.html`` is then loaded in
headless Chromium over the DevTools pipe, every JavaScript exception, console error and failed
resource load is printed, and a full-page screenshot goes to ``benchmarks/results/qa_report.png``.
``--reuse`` skips the demo and screenshots the report already there. Exit code: the demo's if it
failed, 1 if the page had errors or no report was written, else 0.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    """Run the demo, check the report in Chromium, write the screenshot; return an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detector", default="acs_wfc")
    parser.add_argument("--filters", default="F606W,F814W")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--reuse", action="store_true", help="screenshot the existing report")
    parser.add_argument("--output", type=Path, default=ROOT / "benchmarks/results/qa_report.png")
    args = parser.parse_args()

    from hapsvm.preview.browser import check_page
    from hapsvm.preview.browser import find_chromium

    work = Path(os.environ.get("BENCH_WORK", ROOT / "benchmarks/work")) / "report_demo"
    products = work / args.detector / "products"
    if not args.reuse:
        cmd = [sys.executable, "-c", "from hapsvm.cli import main; main()", "demo",
               "--detector", args.detector, "--filters", args.filters, "--size", str(args.size),
               "--output", str(work), "quiet=true"]
        start = time.perf_counter()
        done = subprocess.run(cmd, cwd=ROOT, check=False)
        print(f"svm demo: exit code {done.returncode} in {time.perf_counter() - start:.1f} s")
        if done.returncode != 0:
            return done.returncode
    reports = sorted(products.glob("*_qa_report.html"))
    if not reports:
        print(f"no *_qa_report.html in {products}")
        return 1
    if find_chromium() is None:
        print("chromium not found on PATH (Debian: apt-get install chromium)")
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    check = check_page(reports[0], screenshot=args.output)
    print(f"{reports[0]}: page {check.width} x {check.height} px, loaded and captured in "
          f"{time.perf_counter() - start:.1f} s; screenshot {args.output}")
    for error in check.errors:
        print(f"  page error: {error}")
    previews = sorted(p.name for p in products.glob("*.jpg"))
    print(f"{len(previews)} preview files:", *previews, sep="\n  ")
    return 1 if check.errors else 0


if __name__ == "__main__":
    sys.exit(main())
