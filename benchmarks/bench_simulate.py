"""Time ``hapsvm.simulate.simulate_visit`` for small and full-size visits of every detector.

Usage: ``.venv/bin/python benchmarks/bench_simulate.py [--repeat N] [--keep DIR] [--small-only]``.
Prints a markdown table (wall time, files written, bytes on disk). Visits are written to a
temporary directory that is removed afterwards unless ``--keep`` names one.
"""
from __future__ import annotations

import argparse
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hapsvm.simulate import simulate_visit  # noqa: E402

DETECTORS = ("wfc3_ir", "wfc3_uvis", "acs_wfc")
CASES = (("small", 256), ("full", None))


def _disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def run(repeat: int, root: Path, small_only: bool) -> list[str]:
    """Run every case ``repeat`` times and return the markdown table rows."""
    rows = ["| detector | size | exposures | wall time (s) | files | disk (MB) |",
            "|---|---|---|---|---|---|"]
    for detector in DETECTORS:
        for label, size in CASES:
            if small_only and size is None:
                continue
            times = []
            for i in range(repeat):
                out = root / f"{detector}_{label}_{i}"
                start = time.perf_counter()
                visit = simulate_visit(out, detector=detector, n_exposures=4, size=size, seed=1)
                times.append(time.perf_counter() - start)
                files, disk = len(visit.exposure_paths), _disk(visit.visit_dir)
                if i < repeat - 1:
                    shutil.rmtree(out)
            shape = "x".join(map(str, visit.truth.exposures[0].chip_shapes[0][::-1]))
            chips = len(visit.truth.exposures[0].chip_shapes)
            rows.append(f"| {detector} | {label} ({chips}×{shape}) | 4 | "
                        f"{statistics.median(times):.2f} | {files} | {disk / 1e6:.1f} |")
    return rows


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse options, time the cases, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=1, help="runs per case (median shown)")
    parser.add_argument("--keep", type=Path, default=None, help="write the visits here")
    parser.add_argument("--small-only", action="store_true", help="skip the full-size visits")
    args = parser.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_simulate_"))
    try:
        rows = run(args.repeat, root, args.small_only)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    print(f"simulate_visit, seed 1, 4 exposures; {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
