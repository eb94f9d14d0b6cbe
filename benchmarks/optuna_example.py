"""Optuna sweep example: tune alignment source detection on a simulated visit against truth.

Usage: ``.venv/bin/python benchmarks/optuna_example.py [--trials 16] [--size 512] [--seed 3]``

1. simulates a WFC3/IR visit (known true WCS);
2. runs the default recipe once and reads ``wfc3_ir.alignment_error_mas`` (worst-chip RMS of the
   final WCS against the true WCS, from ``score_against_truth``) from ``svm_summary.json``;
3. runs ``svm -m hydra/sweeper=optuna objective=wfc3_ir.alignment_error_mas`` over the alignment
   detection kernel and threshold (TPE sampler, fixed seed);
4. prints default vs best, and the recipe file the sweep wrote (``--recipes-dir``, by default
   benchmarks/work/optuna/recipes; pass svm_recipes to publish it);
5. writes the figures, the sweep command, commit and machine to ``benchmarks/results/optuna.json``
   (``benchmarks/results_page.py`` renders it).
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from run_record import command_line  # noqa: E402
from run_record import run_at_commit  # noqa: E402
from run_record import start_record  # noqa: E402
from run_record import write_result  # noqa: E402

from hapsvm.simulate import simulate_visit  # noqa: E402

WORK = ROOT / "benchmarks" / "work" / "optuna"
SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]
METRIC = "wfc3_ir.alignment_error_mas"


def _children_cpu() -> float:
    """CPU seconds (user + system) of this process's finished children so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _run(cmd: list[str]) -> None:
    r = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{r.stderr[-4000:]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=16)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--recipes-dir", type=Path, default=WORK / "recipes")
    argv = sys.argv[1:]
    args = parser.parse_args(argv)
    run_at_commit("benchmarks/optuna_example.py", argv)  # the committed tree
    record = start_record(command_line("benchmarks/optuna_example.py", argv))
    cpu0 = _children_cpu()   # a shell may exec this script after reaping other children
    shutil.rmtree(WORK, ignore_errors=True)
    args.recipes_dir.mkdir(parents=True, exist_ok=True)
    visit = simulate_visit(WORK / "visit", detector="wfc3_ir", n_exposures=4, size=args.size,
                           seed=args.seed)
    catalog = f"align_to_catalog.catalog_file={visit.reference_catalog_path}"
    offline = "align_to_catalog.providers=[file]"
    default_dir = WORK / "default"
    _run([*SVM, f"input={visit.poller_path}", f"output_dir={default_dir}", "quiet=true",
          catalog, offline])
    default = json.loads((default_dir / "svm_summary.json").read_text())["metrics"][METRIC]
    sweep = WORK / "sweep"
    cmd = [*SVM, "-m", "hydra/sweeper=optuna", f"hydra.sweeper.n_trials={args.trials}",
           "hydra.sweeper.n_jobs=1", "hydra.sweeper.direction=minimize",
           "hydra.sweeper.sampler.seed=1", "hydra/launcher=basic",
           f"recipes_dir={args.recipes_dir}",
           f"hydra.sweep.dir={sweep}", f"objective={METRIC}", f"input={visit.poller_path}",
           "quiet=true", catalog, offline,
           "find_alignment_sources.kernel_fwhm_px=interval(0.8,3.0)",
           "find_alignment_sources.nsigma=interval(2.0,10.0)"]
    wall0 = time.perf_counter()
    _run(cmd)
    wall = time.perf_counter() - wall0
    best = yaml.safe_load((sweep / "optimization_results.yaml").read_text())
    recipes = sorted(args.recipes_dir.glob("v1-tuned-*.yaml"))
    print(f"command: {' '.join(cmd[3:])}")
    print(f"default recipe: {METRIC} = {default:.3f} mas")
    print(f"best of {args.trials} trials: {METRIC} = {best['best_value']:.3f} mas "
          f"with {best['best_params']}")
    print(f"improvement: {default - best['best_value']:.3f} mas "
          f"({100 * (1 - best['best_value'] / default):.1f} %)")
    print(f"tuned recipe: {recipes[-1] if recipes else 'none written'}")
    sweep_cmd = " ".join(["svm", *cmd[3:]]).replace(str(ROOT) + "/", "")
    write_result("optuna", record, {
        "metric": METRIC, "trials": args.trials, "size_px": args.size, "visit_seed": args.seed,
        "sampler_seed": 1, "detector": "wfc3_ir", "n_exposures": 4,
        "search_space": {"find_alignment_sources.kernel_fwhm_px": [0.8, 3.0],
                         "find_alignment_sources.nsigma": [2.0, 10.0]},
        "sweep_command": sweep_cmd, "default_value": round(default, 4),
        "best_value": round(best["best_value"], 4),
        "best_params": {k: round(float(v), 4) for k, v in best["best_params"].items()},
        "improvement_percent": round(100 * (1 - best["best_value"] / default), 2),
        "sweep_wall_s": round(wall, 1),
        "cpu_s_all_runs": round(_children_cpu() - cpu0, 1),
        "tuned_recipe": recipes[-1].name if recipes else None})


if __name__ == "__main__":
    main()
