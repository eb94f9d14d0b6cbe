"""Stage CPU and wall time before and after each speed lever of issue 20, on full-size visits.

Usage::

    .venv/bin/python benchmarks/bench_speed_levers.py [--base COMMIT] [--head COMMIT]
        [--visits acs,ir] [--repeat N] [--repeat-ir N] [--work DIR]
        [--out benchmarks/results/speed_levers.md]

Each configuration runs one visit through ``benchmarks/recipes/drizzle_stage.yaml`` (v1 from
``read_visit`` to ``drizzle_total_product``) in a child process under ``/usr/bin/time -v``:

- ``base``: a clean git worktree of ``--base`` (the commit before the levers);
- ``head, exact maps``: a clean worktree of ``--head`` with ``define_output_grid.pixmap_step_px=0``
  (every lever but the interpolated pixel maps);
- ``head``: the worktree of ``--head`` with its defaults (every lever).

Worktrees are imported through a directory holding a ``hapsvm`` link to their ``engine/`` first
on ``PYTHONPATH`` (``HAPSVM_ROOT`` points at their ``conf/``, recipes and schemas), so edits in
the shared working tree do not leak into the measurement. The visits are simulated once into
``--work`` (ACS/WFC: 4 exposures, F606W and F814W, seed 5; WFC3/IR: 4 exposures, seed 5). Per
run: the steps' CPU seconds (``svm_summary.json``, children included), user+sys and the largest
process's RSS of the whole run (``time -v``), the summed peak RSS the pipeline samples, the load
average before and after; products of each configuration are compared with the base's (largest
SCI and WHT differences relative to the largest |SCI| and WHT). Also the import time of
``hapsvm.steps`` (``-X importtime``), the IR run's fixed cost.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from astropy.io import fits

ROOT = Path(__file__).resolve().parents[1]
PY = ROOT / ".venv" / "bin" / "python"
RECIPE = ROOT / "benchmarks" / "recipes" / "drizzle_stage.yaml"
STAGE = ("define_output_grid", "drizzle_filter_products", "drizzle_total_product")
VISITS = {"acs": dict(detector="acs_wfc", n_exposures=4, filters=["F606W", "F814W"], seed=5),
          "ir": dict(detector="wfc3_ir", n_exposures=4, seed=5)}
RUN = """import json, sys, hapsvm
r = hapsvm.run_visit(sys.argv[1], sys.argv[2], overrides=json.loads(sys.argv[3]),
                     recipe=sys.argv[4], resume=False)
sys.exit(r.exit_code)
"""


def git(*args: str, cwd: Path = ROOT) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True,
                          text=True).stdout.strip()


def worktree(commit: str, work: Path) -> tuple[Path, dict[str, str]]:
    """A clean worktree of ``commit`` and the environment that imports it."""
    full = git("rev-parse", commit)
    tree = work / f"tree_{full[:10]}"
    if not tree.exists():
        git("worktree", "add", "--detach", str(tree), full)
    shim = work / f"shim_{full[:10]}"
    shim.mkdir(exist_ok=True)
    if not (shim / "hapsvm").exists():
        (shim / "hapsvm").symlink_to(tree / "engine")
    env = dict(os.environ, PYTHONPATH=str(shim), HAPSVM_ROOT=str(tree))
    return tree, env


def simulate(work: Path, name: str) -> tuple[Path, Path]:
    """Poller and reference catalogue of the visit (simulated once)."""
    from hapsvm.simulate import simulate_visit

    marker = work / f"visit_{name}.json"
    if not marker.is_file():
        v = simulate_visit(work / f"visit_{name}", overwrite=True, **VISITS[name])  # type: ignore[arg-type]
        marker.write_text(json.dumps([str(v.poller_path), str(v.reference_catalog_path)]))
    poller, catalog = json.loads(marker.read_text())
    return Path(poller), Path(catalog)


def time_v(text: str, key: str) -> float:
    match = re.search(rf"{re.escape(key)}: ([0-9.:]+)", text)
    return float(match.group(1)) if match else float("nan")


def run_once(env: dict[str, str], visit: tuple[Path, Path], out: Path,
             overrides: list[str]) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    overrides = [f"align_to_catalog.catalog_file={visit[1]}", *overrides]
    load0 = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-v", str(PY), "-c", RUN, str(visit[0]), str(out),
                           json.dumps(overrides), str(RECIPE)], env=env, cwd=out.parent,
                          capture_output=True, text=True)
    wall = time.perf_counter() - start
    summary = json.loads((out / "svm_summary.json").read_text())
    steps: dict[str, float] = {}
    for s in summary["steps"]:
        steps[s["step"]] = steps.get(s["step"], 0.0) + float(s.get("cpu_seconds") or 0.0)
    return dict(exit=proc.returncode, wall=wall, load0=load0, load1=os.getloadavg()[0],
                cpu=time_v(proc.stderr, "User time (seconds)")
                + time_v(proc.stderr, "System time (seconds)"),
                rss1_gib=time_v(proc.stderr, "Maximum resident set size (kbytes)") / 2**20,
                peak_gib=summary["resources"]["peak_rss_gib"], steps=steps,
                stage=sum(steps.get(s, 0.0) for s in STAGE))


def compare(base: Path, other: Path) -> tuple[float, float, int]:
    """Largest relative SCI and WHT difference over the drizzle products, and their count."""
    worst_sci = worst_wht = 0.0
    files = sorted(base.glob("*_dr[cz].fits"))
    for path in files:
        with fits.open(path) as a, fits.open(other / path.name) as b:
            for ext in ("SCI", "WHT"):
                x, y = a[ext].data.astype(np.float64), b[ext].data.astype(np.float64)
                rel = float(np.abs(x - y).max() / max(np.abs(x).max(), 1e-30))
                if ext == "SCI":
                    worst_sci = max(worst_sci, rel)
                else:
                    worst_wht = max(worst_wht, rel)
    return worst_sci, worst_wht, len(files)


def static_masks(run: Path) -> list[str]:
    """Lever 1's precondition on a run's copies: do the total's static masks (DQ with the filter
    step's CR flags, union over every exposure of the chip position) equal each filter
    product's (CR bits reset, union over the filter's exposures)?"""
    from hapsvm.mosaic.chips import read_chip_arrays
    from hapsvm.mosaic.chips import read_exposure_chips
    from hapsvm.mosaic.cosmic_rays import static_mask
    from hapsvm.mosaic.params import good_pixel_mask

    conf = {"acs": (336, 4096), "ir": (528, 4096)}
    filters: dict[tuple[str, int], np.ndarray] = {}
    total: dict[int, np.ndarray] = {}
    lines = []
    for path in sorted(run.glob("*_fl[tc].fits")):
        band = path.name.split("_")[5]
        bits, crbit = conf["acs" if "_acs_" in path.name else "ir"]
        for chip in read_exposure_chips(path).chips:
            sci, dq = read_chip_arrays(chip)
            own = static_mask(sci, good_pixel_mask(dq & np.uint32(~crbit & 0xFFFF), bits),
                              static_sig=4.0)
            flagged = static_mask(sci, good_pixel_mask(dq, bits), static_sig=4.0)
            key = (band, chip.extver)
            filters[key] = filters[key] | own if key in filters else own
            total[chip.extver] = total[chip.extver] | flagged if chip.extver in total \
                else flagged
            lines.append(f"{path.name}[SCI,{chip.extver}]: {int(own.sum())} static pixels "
                         f"(filter), {int(flagged.sum())} (total), {int((own != flagged).sum())}"
                         " differ")
    for (band, extver), mask in sorted(filters.items()):
        lines.append(f"union {band} SCI,{extver}: {int(mask.sum())} pixels; total's union: "
                     f"{int(total[extver].sum())}; differ: {int((mask != total[extver]).sum())}")
    return lines


def import_seconds(env: dict[str, str]) -> tuple[float, list[tuple[str, float]]]:
    """Cumulative import time of ``hapsvm.steps`` and its five largest top-level packages."""
    err = subprocess.run([str(PY), "-X", "importtime", "-c", "import hapsvm.steps"], env=env,
                         capture_output=True, text=True).stderr
    tops: dict[str, float] = {}
    total = 0.0
    for line in err.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if not m:
            continue
        if len(m.group(2)) == 1:    # a top-level import of the statement
            tops[m.group(3)] = int(m.group(1)) / 1e6
        if m.group(3) == "hapsvm.steps":
            total = int(m.group(1)) / 1e6
    return total, sorted(tops.items(), key=lambda kv: -kv[1])[:5]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", default="431c4a8")
    parser.add_argument("--head", default="HEAD")
    parser.add_argument("--visits", default="acs,ir")
    parser.add_argument("--repeat", type=int, default=1, help="runs per configuration (ACS)")
    parser.add_argument("--repeat-ir", type=int, default=3, help="runs per configuration (IR)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/speed_levers"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/speed_levers.md")
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    base_tree, base_env = worktree(args.base, args.work)
    head_tree, head_env = worktree(args.head, args.work)
    configs = [("base", base_env, []),
               ("head, exact maps", head_env, ["define_output_grid.pixmap_step_px=0"]),
               ("head", head_env, [])]
    rows = []
    statics: dict[str, list[str]] = {}
    for name in args.visits.split(","):
        visit = simulate(args.work, name)
        outs: dict[str, Path] = {}
        for label, env, overrides in configs:
            runs = []
            for i in range(args.repeat_ir if name == "ir" else args.repeat):
                out = args.work / "runs" / name / re.sub(r"\W+", "_", label) / str(i)
                print(time.strftime("%H:%M:%S"), name, label, i, flush=True)
                runs.append(run_once(env, visit, out, overrides))
                outs[label] = out
            rows.append((name, label, runs, compare(outs["base"], outs[label])))
        statics[name] = static_masks(outs["head"])
    imports = {label: import_seconds(env) for label, env in (("base", base_env),
                                                             ("head", head_env))}
    write_report(args, rows, imports, statics, git("rev-parse", args.base),
                 git("rev-parse", args.head))


def _median(runs: list[dict], key: str) -> float:
    return statistics.median(r[key] for r in runs)


def write_report(args: argparse.Namespace, rows: list, imports: dict,
                 statics: dict[str, list[str]], base: str, head: str) -> None:
    cpu_model = next((line.split(":", 1)[1].strip() for line in
                      Path("/proc/cpuinfo").read_text().splitlines()
                      if line.startswith("model name")), platform.processor())
    lines = ["# Speed levers of issue 20: stage CPU before and after (generated)", "",
             f"Command: `.venv/bin/python benchmarks/bench_speed_levers.py --base {args.base} "
             f"--head {args.head} --visits {args.visits} --repeat {args.repeat} "
             f"--repeat-ir {args.repeat_ir}`", "",
             f"- base `{base[:10]}`, head `{head[:10]}` (clean worktrees of those commits)",
             f"- machine: {platform.node()}, {os.cpu_count()} cores `{cpu_model}`, Python "
             f"{platform.python_version()}; shared with other engineers' jobs: 1-min load "
             "before/after each run in the table (wall times follow the load, CPU far less)",
             f"- recipe `{RECIPE.relative_to(ROOT)}` (v1 up to drizzle_total_product); "
             f"medians of {args.repeat} run(s) per configuration (IR: {args.repeat_ir})", "",
             "| visit | configuration | exit | wall s | CPU s (run) | define_output_grid | "
             "drizzle_filter_products | drizzle_total_product | drizzle stage CPU s | "
             "largest process GiB | summed peak GiB | load | products vs base: SCI, WHT "
             "(n files) |", "|" + "---|" * 13]
    for name, label, runs, (dsci, dwht, n) in rows:
        steps = [statistics.median(r["steps"].get(s, 0.0) for r in runs) for s in STAGE]
        loads = ", ".join(f"{r['load0']:.1f}/{r['load1']:.1f}" for r in runs)
        lines.append(f"| {name} | {label} | {','.join(str(r['exit']) for r in runs)} | "
                     f"{_median(runs, 'wall'):.1f} | {_median(runs, 'cpu'):.1f} | "
                     + " | ".join(f"{s:.1f}" for s in steps)
                     + f" | {_median(runs, 'stage'):.1f} | {_median(runs, 'rss1_gib'):.2f} | "
                     f"{_median(runs, 'peak_gib'):.2f} | {loads} | {dsci:.2e}, {dwht:.2e} ({n}) |")
    lines += ["", "Import time of `hapsvm.steps` (`-X importtime`, one process, cumulative s):", ""]
    for label, (total, tops) in imports.items():
        lines.append(f"- {label}: {total:.2f} s; largest top-level imports: "
                     + ", ".join(f"{k} {v:.2f}" for k, v in tops))
    lines += ["", "Products vs base: the largest absolute SCI (WHT) difference over the n drizzle "
              "products, relative to the largest absolute SCI (WHT) value of the product.", "",
              "CPU s are user+sys of the process and its children; step columns from "
              "`svm_summary.json` (children included), summed over units. The difference "
              "between `head, exact maps` and `base` is the float64 memory-mapped pixel maps "
              "and the cheaper chip reads (products must be identical: ΔSCI = ΔWHT = 0); "
              "between `head` and `head, exact maps` the interpolated maps (products within "
              "the maps' float32 rounding)."]
    lines += ["", "Lever 1 (total product from the filter products' sums) needs the total's "
              "weights to equal the filters': the static masks of the head run's copies "
              "(`static_masks`):", ""]
    for name, found in statics.items():
        lines += [f"- {name}: " + "; ".join(found)]
    args.out.write_text("\n".join(lines) + "\n")
    print(args.out.read_text())


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
