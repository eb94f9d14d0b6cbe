#!/usr/bin/env python
"""Profile one hapsvm run with py-spy (sampling, all worker processes) and list the top entries.

usage: profile_hapsvm.py VISIT [--rate 50] [--top 25]
  VISIT: real, sim_ir, sim_uvis, sim_acs (the same command bench.py runs; output to
         $BENCH_WORK/results/<visit>/profile/)
Needs py-spy in the hapsvm venv (`.venv/bin/pip install py-spy`). Writes profile.txt (collapsed
stacks), profile.json and prints: inclusive ("total") and exclusive ("self") share of the samples
per function, and per top-level hapsvm step (the hapsvm.steps.<name> frame on the stack).
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import bench  # noqa: E402

_FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^():]+?)(?::(?P<line>\d+))?\)$")


def short(frame: str) -> str:
    m = _FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    f = m.group("file")
    for marker in ("site-packages/", "/work/main/", "lib/python3"):
        if marker in f:
            f = f.split(marker, 1)[1]
    return f"{m.group('func')} ({f})"


def aggregate(path: Path, top: int) -> dict:
    total, incl, excl, steps = 0, Counter(), Counter(), Counter()
    for line in path.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        n = int(n)
        frames = [short(f) for f in stack.split(";") if f and not f.startswith("process ")]
        if not frames:
            continue
        total += n
        for f in set(frames):
            incl[f] += n
        excl[frames[-1]] += n
        step = next((f.split(" (")[0] for f in frames
                     if "engine/steps/" in f and not f.startswith("<module>")), None)
        steps[step or "(outside steps: start-up, imports, composition, runner)"] += n
    pct = lambda c: [(k, round(100 * v / total, 1)) for k, v in c.most_common(top)]  # noqa: E731
    return dict(samples=total, inclusive=pct(incl), exclusive=pct(excl), steps=pct(steps))


def memory_by_step(timeline: list, log: Path) -> dict:
    """Peak sampled tree RSS (MiB) while each step ran (step starts from the runner's log)."""
    import datetime as dt
    starts = []
    if log.is_file():
        for line in log.read_text(errors="replace").splitlines():
            m = re.match(r"\[(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d),(\d+)\]\[hapsvm\.core\.runner\]"
                         r"\[INFO\] - (\w+) \[[\w]*\]: start", line)
            if m:
                t = (dt.datetime.strptime(m.group(1), "%Y-%m-%d %H:%M:%S").timestamp()
                     + int(m.group(2)) / 1000)
                starts.append((t, m.group(3)))
    peaks: dict[str, float] = {}
    for _, wall, rss in timeline:
        step = "(start-up / between steps)"
        for t, name in starts:
            if t <= wall:
                step = name
        peaks[step] = max(peaks.get(step, 0.0), rss)
    return dict(peak_mib=max((r for *_, r in timeline), default=0.0),
                by_step={k: round(v) for k, v in sorted(peaks.items(), key=lambda kv: -kv[1])})


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("visit", choices=bench.VISITS)
    ap.add_argument("--rate", type=int, default=50)
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args(argv)
    info = bench.visit_info(a.visit)
    base = bench.WORK / "results" / a.visit / "profile"
    out = base / "out"
    shutil.rmtree(out, ignore_errors=True)
    base.mkdir(parents=True, exist_ok=True)
    cmd = bench.hapsvm_command(info, out, base)
    prof = base / "profile.txt"
    spy = Path(sys.executable).parent / "py-spy"
    import threading
    import time
    proc = subprocess.Popen([str(spy), "record", "--subprocesses", "--format", "raw", "--rate",
                             str(a.rate), "-o", str(prof), "--", *cmd], cwd=bench.REPO,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    timeline, done = [], threading.Event()

    def sample() -> None:   # summed RSS of the tree (py-spy itself is a few MiB)
        t0 = time.time()
        while not done.is_set():
            timeline.append((round(time.time() - t0, 2), time.time(), bench.tree_rss_mib(proc.pid)))
            done.wait(0.5)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    proc.wait()
    done.set()
    th.join()
    res = aggregate(prof, a.top)
    res["memory"] = memory_by_step(timeline, out / "svm.log")
    res["command"] = " ".join(cmd)
    (base / "profile.json").write_text(json.dumps(res, indent=2))
    print(f"{res['samples']} samples at {a.rate} Hz")
    print("--- peak summed RSS (MiB) by step (step = last runner start line):",
          res["memory"]["by_step"])
    for key in ("steps", "inclusive", "exclusive"):
        print(f"--- {key} (% of samples)")
        for k, v in res[key]:
            print(f"{v:6.1f}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
