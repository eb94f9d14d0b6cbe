"""Paired, alternating runs of two commands (A B A B ...): wall, CPU and peak memory of each run.

Usage::

    .venv/bin/python benchmarks/peers/paired.py --name real --runs 4 --warmup 1 \\
        --a "svm input=..." --b "sh rsh_real.sh" [--label-a hapsvm] [--label-b runsinglehap]

Each command string is split as a shell splits words and started without a shell. A run's wall
time is a monotonic clock around the process; its CPU time (user + system) and peak memory
(largest single process) are the kernel's accounting of the finished child and the descendants
it waited for (``os.wait4``, as ``/usr/bin/time -v`` reads them; the peak cannot read below
this script's own, recorded as ``rss_floor_mib``, far below a pipeline's). The ratio A/B is
taken pair by pair, so a drift of the machine's speed during the call cancels. Writes
``benchmarks/results/paired_ir_<name>.json`` (``--out`` overrides) with every run, the medians,
the command, commit, machine and load averages; ``benchmarks/results_page.py`` renders it.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from run_record import RESULTS  # noqa: E402
from run_record import finish_record  # noqa: E402
from run_record import loadavg  # noqa: E402
from run_record import start_record  # noqa: E402

__all__ = ["run_once", "paired_runs", "summarise"]


def run_once(command: str) -> dict[str, Any]:
    """Run ``command`` once (no shell, output discarded); return wall, CPU, peak RSS, exit code."""
    load = loadavg()[0]
    start = time.perf_counter()
    proc = subprocess.Popen(shlex.split(command), stdin=subprocess.DEVNULL,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    return {"wall_s": round(wall, 3), "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
            "max_rss_mib": round(usage.ru_maxrss / 1024, 1), "exit": proc.returncode,
            "load_before": load}


def paired_runs(a: str, b: str, runs: int, warmup: int) -> list[dict[str, Any]]:
    """Run A then B, ``warmup`` uncounted pairs then ``runs`` pairs; return the counted pairs."""
    pairs = []
    for k in range(warmup + runs):
        pair = {"a": run_once(a), "b": run_once(b)}
        pair["wall_ratio"] = round(pair["a"]["wall_s"] / pair["b"]["wall_s"], 4)
        pair["cpu_ratio"] = round(pair["a"]["cpu_s"] / max(pair["b"]["cpu_s"], 1e-9), 4)
        label = f"warm-up {k + 1}" if k < warmup else f"pair {k + 1 - warmup}"
        print(f"{label}: {pair}", flush=True)
        if k >= warmup:
            pairs.append(pair)
    return pairs


def summarise(pairs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the medians (and ranges) of A's and B's figures and of the pairwise ratios."""
    def stats(values: list[float]) -> dict[str, float]:
        return {"median": round(statistics.median(values), 3), "min": round(min(values), 3),
                "max": round(max(values), 3)}
    out: dict[str, Any] = {}
    for side in ("a", "b"):
        for key in ("wall_s", "cpu_s", "max_rss_mib"):
            out[f"{side}_{key}"] = stats([p[side][key] for p in pairs])
    out["wall_ratio"] = stats([p["wall_ratio"] for p in pairs])
    out["cpu_ratio"] = stats([p["cpu_ratio"] for p in pairs])
    out["all_exit_zero"] = all(p[s]["exit"] == 0 for p in pairs for s in ("a", "b"))
    return out


def main(argv: list[str] | None = None) -> int:
    """Entry point: parse options, run the pairs, write the JSON."""
    argv = sys.argv[1:] if argv is None else argv
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", required=True, help="visit name (file paired_ir_<name>.json)")
    parser.add_argument("--a", required=True, help="command A (hapsvm)")
    parser.add_argument("--b", required=True, help="command B (the yardstick: runsinglehap)")
    parser.add_argument("--label-a", default="hapsvm")
    parser.add_argument("--label-b", default="runsinglehap")
    parser.add_argument("--runs", type=int, default=4, help="counted pairs")
    parser.add_argument("--warmup", type=int, default=1, help="uncounted pairs first")
    parser.add_argument("--out", type=Path, default=None, help="JSON file to write")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    record = start_record("benchmarks/peers/paired_ir.sh (benchmarks/peers/paired.py "
                          f"--name {args.name} --runs {args.runs} --warmup {args.warmup})")
    pairs = paired_runs(args.a, args.b, args.runs, args.warmup)
    out = args.out or RESULTS / f"paired_ir_{args.name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"run": finish_record(record), "visit": args.name, "label_a": args.label_a,
               "label_b": args.label_b, "command_a": args.a, "command_b": args.b,
               "warmup": args.warmup, "pairs": pairs,
               "summary": summarise(pairs),
               "rss_floor_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                                      1)}
    out.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
