"""Multirun scaling: N small simulated visits with 1 and 2 joblib workers, and cost growth.

Usage::

    .venv/bin/python benchmarks/bench_multirun.py workers  [--visits 8] [--size 256] [--repeat 1]
    .venv/bin/python benchmarks/bench_multirun.py growth   [--exposures 2,4,8,16]
                                                           [--sizes 256,512,1014]

``workers`` simulates the visits once, then times ``svm -m input=<all> hydra.launcher.n_jobs=k``
for k = 1 and 2 (wall clock of the whole command), ``--repeat`` pairs back to back, and prints
each pair's speed-up and the median. ``growth`` times one
run per visit shape (WFC3/IR): exposures per visit at a fixed size, then image size at 4
exposures. Every command's wall time, the CPU time (user + system) of its process tree and the
load average before and after it are written, with the command, commit and machine, to
``benchmarks/results/multirun_workers_<size>px.json`` or ``benchmarks/results/multirun_growth.json``
(``benchmarks/results_page.py`` renders them); work files go to benchmarks/work/ (git-ignored).
"""
from __future__ import annotations

import argparse
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from run_record import command_line  # noqa: E402
from run_record import loadavg  # noqa: E402
from run_record import run_at_commit  # noqa: E402
from run_record import start_record  # noqa: E402
from run_record import write_result  # noqa: E402

from hapsvm.simulate import simulate_visit  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "multirun"
SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def _catalog_args(visit) -> list[str]:
    return [f"align_to_catalog.catalog_file={visit.reference_catalog_path}",
            "align_to_catalog.providers=[file]"]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _timed(cmd: list[str], cwd: Path) -> dict[str, float]:
    """Run ``cmd``; return its wall and CPU seconds (its process tree) and the load around it."""
    load, cpu0 = loadavg()[0], _children_cpu()
    start = time.perf_counter()
    r = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if r.returncode != 0:
        raise SystemExit(f"command failed ({r.returncode}): {' '.join(cmd)}\n{r.stderr[-3000:]}")
    return {"wall_s": round(wall, 2), "cpu_s": round(_children_cpu() - cpu0, 2),
            "load_before": load, "load_after": loadavg()[0]}


def _template(cmd: list[str], inputs: str) -> str:
    """The last multirun command, with the pollers, worker count and work folder named."""
    text = " ".join(["svm", *cmd[3:]]).replace(inputs, "<pollers>")
    return (text.replace(str(WORK), "benchmarks/work/multirun")
            .replace("n_jobs=2", "n_jobs=<1 or 2>").replace("sweep_2", "sweep_<1 or 2>"))


def workers(n_visits: int, size: int, repeat: int = 1) -> dict[str, Any]:
    """Time the multirun with 1 then 2 workers, ``repeat`` pairs; return the figures."""
    visits = [simulate_visit(WORK / "visits", detector="wfc3_ir", n_exposures=4, size=size,
                             seed=100 + k, obset_id=f"{k + 1:02d}", overwrite=True)
              for k in range(n_visits)]
    # one catalogue per visit: ${svm_input_dir:${input}} is each job's own visit directory
    inputs = ",".join(str(v.poller_path) for v in visits)
    pairs: list[dict[str, Any]] = []
    for _ in range(repeat):          # 1 then 2 workers, back to back: the host's speed drifts
        runs = {}
        for n_jobs in (1, 2):
            sweep = WORK / f"sweep_{n_jobs}"
            shutil.rmtree(sweep, ignore_errors=True)
            cmd = [*SVM, "-m", f"input={inputs}", f"hydra.sweep.dir={sweep}",
                   f"hydra.launcher.n_jobs={n_jobs}", "quiet=true",
                   "processes_per_visit=1",  # one process per visit: visits are the parallelism
                   'align_to_catalog.catalog_file="${svm_input_dir:${input}}/reference_gaia.ecsv"',
                   "align_to_catalog.providers=[file]"]
            runs[n_jobs] = _timed(cmd, WORK)
        pairs.append({"one_worker": runs[1], "two_workers": runs[2],
                      "speedup": round(runs[1]["wall_s"] / runs[2]["wall_s"], 3)})
        print(f"pair {len(pairs)}: {pairs[-1]}", flush=True)
    return {"n_visits": n_visits, "size_px": size, "n_exposures": 4, "detector": "wfc3_ir",
            "command_template": _template(cmd, inputs),
            "pairs": pairs,
            "speedup_median": round(statistics.median(p["speedup"] for p in pairs), 3)}


def growth(exposures: list[int], sizes: list[int]) -> dict[str, Any]:
    """Time one run per visit shape (WFC3/IR); return the figures."""
    rows = []
    shapes = [(n, 256) for n in exposures] + [(4, s) for s in sizes]
    for n_exp, size in shapes:
        visit = simulate_visit(WORK / f"growth_{n_exp}_{size}", detector="wfc3_ir",
                               n_exposures=n_exp, size=size, seed=5, overwrite=True)
        out = WORK / f"growth_out_{n_exp}_{size}"
        shutil.rmtree(out, ignore_errors=True)
        run = _timed([*SVM, f"input={visit.poller_path}", f"output_dir={out}", "quiet=true",
                      *_catalog_args(visit)], WORK)
        rows.append({"n_exposures": n_exp, "size_px": size, **run,
                     "wall_s_per_exposure": round(run["wall_s"] / n_exp, 3),
                     "cpu_s_per_exposure": round(run["cpu_s"] / n_exp, 3)})
        print(rows[-1], flush=True)
    return {"detector": "wfc3_ir", "seed": 5,
            "command_template": "svm input=<poller> output_dir=<dir> quiet=true "
                                "align_to_catalog.catalog_file=<reference> "
                                "align_to_catalog.providers=[file]",
            "rows": rows}


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
    argv = sys.argv[1:]
    args = parser.parse_args(argv)
    run_at_commit("benchmarks/bench_multirun.py", argv)  # the committed tree
    record = start_record(command_line("benchmarks/bench_multirun.py", argv))
    WORK.mkdir(parents=True, exist_ok=True)
    if args.what == "workers":
        write_result(f"multirun_workers_{args.size}px", record,
                     workers(args.visits, args.size, args.repeat))
    else:
        write_result("multirun_growth", record,
                     growth([int(x) for x in args.exposures.split(",")],
                            [int(x) for x in args.sizes.split(",")]))


if __name__ == "__main__":
    main()
