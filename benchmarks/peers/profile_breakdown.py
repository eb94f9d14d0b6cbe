#!/usr/bin/env python
"""Break a py-spy collapsed profile down within one step: inclusive share of each function.

usage: profile_breakdown.py PROFILE.txt STEP [--match engine/] [--top 25]
Shares are of *all* samples of the run; only functions whose file path contains --match count.
"""
from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from profile_hapsvm import short  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("profile", type=Path)
    ap.add_argument("step")
    ap.add_argument("--match", default="")
    ap.add_argument("--top", type=int, default=25)
    a = ap.parse_args(argv)
    total, in_step, inc, self_ = 0, 0, Counter(), Counter()
    for line in a.profile.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if not n.isdigit():
            continue
        n = int(n)
        total += n
        frames = [short(f) for f in stack.split(";") if f and not f.startswith("process ")]
        names = [f.split(" (")[0] for f in frames]
        if a.step not in names:
            continue
        in_step += n
        below = frames[names.index(a.step) + 1:]
        for f in set(below):
            if a.match in f:
                inc[f] += n
        if below:
            self_[below[-1]] += n
    print(f"{a.step}: {100 * in_step / max(total, 1):.1f} % of {total} samples")
    print("--- inclusive below the step")
    for k, v in inc.most_common(a.top):
        print(f"{100 * v / total:6.1f}  {k}")
    print("--- exclusive (leaf) below the step")
    for k, v in self_.most_common(a.top):
        print(f"{100 * v / total:6.1f}  {k}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
