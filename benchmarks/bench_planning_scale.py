"""A multirun over thousands of visits: time to the first job and the parent's memory.

Makes N poller files naming one small simulated WFC3/IR visit (each job processes it into its
own directory), then starts ``svm -m input=visits:<dir>`` with the planning-only recipe
(``benchmarks/recipes/planning.yaml``: read, vet, plan; a few tenths of a second per visit)
and samples the parent process: seconds until the first job's ``svm_summary.json`` exists,
the parent's resident memory over time, jobs finished. The run is stopped after
``--duration`` seconds (all its processes). Results go to
``benchmarks/results/planning_scale_<sweepers>.md``.

    .venv/bin/python benchmarks/bench_planning_scale.py --visits 10000 --duration 240
    .venv/bin/python benchmarks/bench_planning_scale.py --visits 10000 --sweeper basic
"""
from __future__ import annotations

import argparse
import os
import platform
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work" / "planning_scale"
RESULTS = ROOT / "benchmarks" / "results"
SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]


def make_pollers(n: int) -> Path:
    """N poller files (absolute paths) naming one small simulated visit."""
    from hapsvm.simulate import simulate_visit

    visit = simulate_visit(WORK / "visit", detector="wfc3_ir", n_exposures=2, size=128, seed=5,
                           overwrite=True)
    rows = []
    for line in visit.poller_path.read_text().splitlines():
        cols = line.split(",")
        path = str((visit.poller_path.parent / cols[0]).resolve())
        cols[0], cols[7] = path, path
        rows.append(",".join(cols))
    text = "\n".join(rows) + "\n"
    pollers = WORK / f"pollers_{n}"
    pollers.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        path = pollers / f"v{i:05d}.out"
        if not path.exists():
            path.write_text(text)
    return pollers


def rss_mib(pid: int) -> float:
    """Resident memory of one process, MiB (0 when it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def measure(pollers: Path, sweeper: str, duration: float, n_jobs: int) -> dict:
    sweep = WORK / f"sweep_{sweeper}"
    subprocess.run(["rm", "-rf", str(sweep)], check=True)
    cmd = [*SVM, "-m", f"input=visits:{pollers}",
           f"recipe={ROOT / 'benchmarks' / 'recipes' / 'planning.yaml'}",
           f"hydra/sweeper={sweeper}", f"hydra.launcher.n_jobs={n_jobs}",
           "processes_per_visit=1", "quiet=true", f"hydra.sweep.dir={sweep}"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=WORK, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    first, samples = None, []
    while time.perf_counter() - start < duration and proc.poll() is None:
        time.sleep(2.0)
        t = time.perf_counter() - start
        done = len(list(sweep.glob("*/svm_summary.json"))) if sweep.is_dir() else 0
        if first is None and done:
            first = t
        samples.append((t, rss_mib(proc.pid), done))
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    return {"cmd": " ".join(cmd[3:]), "first_job_s": first, "samples": samples}


def report(n: int, runs: dict[str, dict], duration: float) -> str:
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                            capture_output=True, text=True).stdout.strip()
    lines = [f"# Many visits: time to the first job and the parent's memory ({n} visits)", "",
             f"Written by `benchmarks/bench_planning_scale.py --visits {n} --duration "
             f"{duration:g}` at commit `{commit}` on {platform.node()} "
             f"({os.cpu_count()} cores), {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
             "Each job runs the planning-only recipe on the same small visit; the run is "
             f"stopped after {duration:g} s.", "",
             "| sweeper | first job after | parent RSS at 30 s / 60 s / end | jobs finished |",
             "|---|---|---|---|"]
    for name, r in runs.items():
        s = r["samples"]

        def at(t: float, s: list = s) -> str:
            near = [x for x in s if x[0] >= t]
            return f"{near[0][1]:.0f}" if near else "-"
        first = f"{r['first_job_s']:.1f} s" if r["first_job_s"] else f"> {duration:g} s"
        end = f"{s[-1][1]:.0f}" if s else "-"
        lines.append(f"| {name} | {first} | {at(30)} / {at(60)} / {end} MiB | "
                     f"{s[-1][2] if s else 0} in {s[-1][0]:.0f} s |")
    lines += ["", "Commands:", ""] + [f"- `svm {r['cmd']}`" for r in runs.values()]
    lines += ["", "Parent RSS samples (s, MiB, jobs finished), every ~20 s:", ""]
    for name, r in runs.items():
        pts = r["samples"][::10]
        lines.append(f"- {name}: " + ", ".join(f"({t:.0f}, {m:.0f}, {d})" for t, m, d in pts))
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--visits", type=int, default=10_000)
    parser.add_argument("--duration", type=float, default=240.0)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--sweeper", action="append", default=None,
                        help="svm (default) and/or basic (Hydra's)")
    args = parser.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    pollers = make_pollers(args.visits)
    runs = {s: measure(pollers, s, args.duration, args.n_jobs)
            for s in (args.sweeper or ["svm", "basic"])}
    text = report(args.visits, runs, args.duration)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"planning_scale_{'-'.join(runs)}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
