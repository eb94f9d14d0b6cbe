"""Multirun scaling: N small simulated visits with 1 and 2 joblib workers, and cost growth.

Usage::

    .venv/bin/python benchmarks/bench_multirun.py workers  [--visits 8] [--size 256]
    .venv/bin/python benchmarks/bench_multirun.py growth   [--exposures 2,4,8,16] [--sizes 256,512,1014]

``workers`` simulates the visits once, then times ``svm -m input=<all> hydra.launcher.n_jobs=k``
for k = 1 and 2 (wall clock of the whole command) and prints the speed-up. ``growth`` times one
run per visit shape (WFC3/IR): exposures per visit at a fixed size, then image size at 4
exposures. Each prints a markdown table; work files go to benchmarks/work/ (git-ignored).
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine.simulate import simulate_visit  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "multirun"
SVM = [sys.executable, "-c", "from engine.cli import main; main()"]


def _catalog_args(visit) -> list[str]:
    return [f"align_to_catalog.catalog_file={visit.reference_catalog_path}"]


def _timed(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return time.perf_counter() - start


def workers(n_visits: int, size: int) -> None:
    visits = [simulate_visit(WORK / "visits", detector="wfc3_ir", n_exposures=4, size=size,
                             seed=100 + k, obset_id=f"{k + 1:02d}", overwrite=True)
              for k in range(n_visits)]
    # one catalogue per visit: ${svm_input_dir:${input}} is each job's own visit directory
    inputs = ",".join(str(v.poller_path) for v in visits)
    rows = []
    for n_jobs in (1, 2):
        sweep = WORK / f"sweep_{n_jobs}"
        shutil.rmtree(sweep, ignore_errors=True)
        cmd = [*SVM, "-m", f"input={inputs}", f"hydra.sweep.dir={sweep}",
               f"hydra.launcher.n_jobs={n_jobs}", "quiet=true",
               "processes_per_visit=1",   # one process per visit: the visits are the parallelism
               'align_to_catalog.catalog_file="${svm_input_dir:${input}}/reference_gaia.ecsv"']
        rows.append((n_jobs, _timed(cmd, WORK)))
    base = rows[0][1]
    print(f"\n{n_visits} simulated WFC3/IR visits, 4 exposures of {size}x{size} px each; "
          f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}\n")
    print("| workers | wall (s) | speed-up |\n|---|---|---|")
    for n_jobs, seconds in rows:
        print(f"| {n_jobs} | {seconds:.1f} | {base / seconds:.2f}x |")


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
    g = sub.add_parser("growth")
    g.add_argument("--exposures", default="2,4,8,16")
    g.add_argument("--sizes", default="256,512,1014")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    if args.what == "workers":
        workers(args.visits, args.size)
    else:
        growth([int(x) for x in args.exposures.split(",")], [int(x) for x in args.sizes.split(",")])


if __name__ == "__main__":
    main()
