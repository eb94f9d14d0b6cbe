"""Time ``hapsvm.simulate.simulate_visit`` for small and full-size visits of every detector.

Usage: ``.venv/bin/python benchmarks/bench_simulate.py [--repeat N] [--repeat-full N] [--keep DIR]
[--small-only]``. Writes ``benchmarks/results/simulate.json`` (wall and CPU seconds of every run,
files, bytes on disk, load average around each run, command, commit and machine) and prints
each case; ``benchmarks/results_page.py`` renders it into ``benchmarks/RESULTS.md``. Visits
are written to a temporary directory that is removed afterwards unless ``--keep`` names one.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from run_record import command_line  # noqa: E402
from run_record import loadavg  # noqa: E402
from run_record import run_at_commit  # noqa: E402
from run_record import start_record  # noqa: E402
from run_record import write_result  # noqa: E402

from hapsvm.simulate import simulate_visit  # noqa: E402

DETECTORS = ("wfc3_ir", "wfc3_uvis", "acs_wfc")
CASES = (("small", 256), ("full", None))
N_EXPOSURES = 4
SEED = 1


def _disk(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def time_case(detector: str, label: str, size: int | None, repeat: int,
              root: Path) -> dict[str, Any]:
    """Simulate one visit shape ``repeat`` times; return its wall and CPU seconds and its size."""
    runs = []
    for i in range(repeat):
        out = root / f"{detector}_{label}_{i}"
        load = loadavg()[0]
        wall0, cpu0 = time.perf_counter(), time.process_time()
        visit = simulate_visit(out, detector=detector, n_exposures=N_EXPOSURES, size=size,
                               seed=SEED)
        runs.append({"wall_s": round(time.perf_counter() - wall0, 2),
                     "cpu_s": round(time.process_time() - cpu0, 2),
                     "load_before": load, "load_after": loadavg()[0]})
        files, disk = len(visit.exposure_paths), _disk(visit.visit_dir)
        if i < repeat - 1:
            shutil.rmtree(out)
    chip_shapes = visit.truth.exposures[0].chip_shapes
    return {"detector": detector, "case": label, "size_px": size, "n_exposures": N_EXPOSURES,
            "chips": len(chip_shapes), "chip_shape": list(chip_shapes[0]), "files": files,
            "disk_mb": round(disk / 1e6, 1), "runs": runs,
            "wall_s_median": round(statistics.median(r["wall_s"] for r in runs), 2),
            "cpu_s_median": round(statistics.median(r["cpu_s"] for r in runs), 2)}


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse options, time the cases and write the results."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per small case")
    parser.add_argument("--repeat-full", type=int, default=1, help="runs per full-size case")
    parser.add_argument("--keep", type=Path, default=None, help="write the visits here")
    parser.add_argument("--small-only", action="store_true", help="skip the full-size visits")
    args = parser.parse_args(argv)
    run_at_commit("benchmarks/bench_simulate.py", argv)  # the committed tree
    record = start_record(command_line("benchmarks/bench_simulate.py", argv))
    root = args.keep or Path(tempfile.mkdtemp(prefix="bench_simulate_"))
    cases = []
    try:
        for detector in DETECTORS:
            for label, size in CASES:
                if size is None and args.small_only:
                    continue
                repeat = args.repeat if size is not None else args.repeat_full
                cases.append(time_case(detector, label, size, repeat, root))
                print(cases[-1], flush=True)
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    write_result("simulate", record, {"seed": SEED, "cases": cases})
    return 0


if __name__ == "__main__":
    sys.exit(main())
