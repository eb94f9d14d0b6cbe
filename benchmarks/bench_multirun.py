"""Multirun scaling: N small simulated visits with 1 and 2 joblib workers, and cost growth.

Usage::

    .venv/bin/python benchmarks/bench_multirun.py workers  [--visits 8] [--size 256] [--repeat 1]
    .venv/bin/python benchmarks/bench_multirun.py growth   [--exposures 2,4,8,16]
                                                           [--sizes 256,512,1014]

``workers`` simulates the visits once, then times ``svm -m input=<all> hydra.launcher.n_jobs=k``
for k = 1 and 2 (wall clock of the whole command), ``--repeat`` pairs back to back, and prints
each pair's speed-up and the median. ``growth`` times one
run per visit shape (WFC3/IR): exposures per visit at a fixed size, then image size at 4
exposures. Each prints a markdown table; work files go to benchmarks/work/ (git-ignored).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from hapsvm.simulate import simulate_visit  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "multirun"
SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def _catalog_args(visit) -> list[str]:
    return [f"align_to_catalog.catalog_file={visit.reference_catalog_path}",
            "align_to_catalog.providers=[file]"]


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return time.perf_counter() - start


def workers(n_visits: int, size: int, repeat: int = 1) -> None:
    visits = [simulate_visit(WORK / "visits", detector="wfc3_ir", n_exposures=4, size=size,
                             seed=100 + k, obset_id=f"{k + 1:02d}", overwrite=True)
              for k in range(n_visits)]
    # one catalogue per visit: ${svm_input_dir:${input}} is each job's own visit directory
    inputs = ",".join(str(v.poller_path) for v in visits)
    pairs = []
    for _ in range(repeat):          # 1 then 2 workers, back to back: the host's speed drifts
        walls = {}
        for n_jobs in (1, 2):
            sweep = WORK / f"sweep_{n_jobs}"
            shutil.rmtree(sweep, ignore_errors=True)
            cmd = [*SVM, "-m", f"input={inputs}", f"hydra.sweep.dir={sweep}",
                   f"hydra.launcher.n_jobs={n_jobs}", "quiet=true",
                   "processes_per_visit=1",  # one process per visit: visits are the parallelism
                   'align_to_catalog.catalog_file="${svm_input_dir:${input}}/reference_gaia.ecsv"',
                   "align_to_catalog.providers=[file]"]
            walls[n_jobs] = _timed(cmd, WORK)
        pairs.append((walls[1], walls[2]))
        print(f"pair {len(pairs)}: 1 worker {walls[1]:.1f} s, 2 workers {walls[2]:.1f} s, "
              f"speed-up {walls[1] / walls[2]:.2f}x", flush=True)
    print(f"\n{n_visits} simulated WFC3/IR visits, 4 exposures of {size}x{size} px each; "
          f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}\n")
    print("| run | 1 worker (s) | 2 workers (s) | speed-up |\n|---|---|---|---|")
    for k, (one, two) in enumerate(pairs, start=1):
        print(f"| {k} | {one:.1f} | {two:.1f} | {one / two:.2f}x |")
    ratios = sorted(one / two for one, two in pairs)
    print(f"\nmedian speed-up {statistics.median(ratios):.2f}x "
          f"(min {ratios[0]:.2f}x, max {ratios[-1]:.2f}x, {len(pairs)} pairs)")


def growth(exposures: list[int], sizes: list[int]) -> None:
    print("\n| exposures | size (px) | wall (s) | s per exposure |\n|---|---|---|---|")
    shapes = [(n, 256) for n in exposures] + [(4, s) for s in sizes]
    for n_exp, size in shapes:
        visit = simulate_visit(WORK / f"growth_{n_exp}_{size}", detector="wfc3_ir",
                               n_exposures=n_exp, size=size, seed=5, overwrite=True)
        out = WORK / f"growth_out_{n_exp}_{size}"
        shutil.rmtree(out, ignore_errors=True)
        seconds = _timed([*SVM, f"input={visit.poller_path}", f"output_dir={out}", "quiet=true",
                          *_catalog_args(visit)], WORK)
        print(f"| {n_exp} | {size} | {seconds:.1f} | {seconds / n_exp:.2f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    w = sub.add_parser("workers")
    w.add_argument("--visits", type=int, default=8)
    w.add_argument("--size", type=int, default=256)
    w.add_argument("--repeat", type=int, default=1, help="pairs of runs (1 then 2 workers)")
    g = sub.add_parser("growth")
    g.add_argument("--exposures", default="2,4,8,16")
    g.add_argument("--sizes", default="256,512,1014")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.what == "workers":
        workers(args.visits, args.size, args.repeat)
    else:
        growth([int(x) for x in args.exposures.split(",")], [int(x) for x in args.sizes.split(",")])


if __name__ == "__main__":
    main()
