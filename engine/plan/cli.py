"""``svm plan``: each visit's peak memory, run time and memory class, before running it.

Reads headers only (no pixel, no file hash, nothing written but the table), with one
composition of the recipe for all visits, and writes ``visit_plan.tsv``, the visit → class
table ``benchmarks/cluster/run_with_retry.py --visit-classes`` reads::

    svm plan input=visits:/archive/2009/ processes_per_visit=1 --classes 2G,8G,16G,64G
"""
from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from dataclasses import fields
from functools import partial
from pathlib import Path
from typing import Any

from hapsvm import visit
from hapsvm.api import visit_name
from hapsvm.core import Recipe
from hapsvm.core import RecipeComposer
from hapsvm.core import atomic_write
from hapsvm.core import check_data_overrides
from hapsvm.core import get_step
from hapsvm.errors import HapsvmError
from hapsvm.paths import project_paths
from hapsvm.plan.features import PlanSettings
from hapsvm.plan.features import visit_features
from hapsvm.plan.model import ResourceModel
from hapsvm.plan.model import load_model
from hapsvm.plan.table import DEFAULT_CLASSES
from hapsvm.plan.table import PlanRow
from hapsvm.plan.table import memory_class
from hapsvm.plan.table import memory_label
from hapsvm.plan.table import parse_memory
from hapsvm.plan.table import plan_table

__all__ = ["plan_main", "plan_settings", "plan_visit", "PlanOptions"]


_OWN_KEYS = ("input=", "recipe=", "recipes_dir=", "output_dir=")


def plan_settings(overrides: list[str], *, recipe: str = "v1",
                  recipes_dir: str | None = None) -> PlanSettings:
    """The planning steps' and the drizzle budget's config, from one composition."""
    paths = project_paths().with_user_recipes(recipes_dir)
    composer = RecipeComposer(paths, Recipe.load(recipe, paths))
    cfg = composer.compose({}, [o for o in overrides if not o.startswith(_OWN_KEYS)])

    def typed(step: str) -> Any:
        return composer.typed(cfg, get_step(step))

    vetting = typed("filter_exposures")
    rules = visit.VettingRules(**{f.name: getattr(vetting, f.name)
                                  for f in fields(visit.VettingRules) if hasattr(vetting, f.name)})
    drizzle, grid = typed("drizzle_filter_products"), typed("define_output_grid")
    return PlanSettings(rules=rules, nexp_bins=dict(typed("define_products").nexp_bins),
                        roots=tuple(Path(r) for r in typed("read_visit").roots),
                        processes=int(cfg.processes_per_visit),
                        max_memory_gib=float(drizzle.max_memory_gib),
                        rotation_deg=float(grid.rotation_deg))


@dataclass(frozen=True)
class PlanOptions:
    """How predictions become memory classes."""

    classes: tuple[float, ...] = DEFAULT_CLASSES
    """Memory classes, GiB."""
    margin: float = 0.25
    """Safety margin: a visit needs ``peak * (1 + margin)``."""


def plan_visit(input_path: str, settings: PlanSettings, model: ResourceModel,
               options: PlanOptions) -> PlanRow:
    """Plan one visit (a visit that cannot be planned gets the smallest class and a note)."""
    name = visit_name(input_path)
    try:
        features = visit_features(input_path, settings)
    except HapsvmError as err:
        return PlanRow(name, input_path, None, None, min(options.classes),
                       f"not planned: {type(err).__name__}: {err}")
    prediction = model.predict(features)
    cls = memory_class(prediction.peak_gib, options.classes, margin=options.margin)
    note = "" if cls is not None else \
        f"needs {prediction.peak_gib * (1 + options.margin):.1f} GiB: above every class"
    return PlanRow(name, input_path, features, prediction,
                   cls if cls is not None else max(options.classes), note)


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="svm plan", description="Predict each visit's peak memory and run time from its "
        "headers and write the visit -> memory class table.")
    parser.add_argument("--output", type=Path, default=Path("visit_plan.tsv"),
                        help="the table (default: visit_plan.tsv)")
    parser.add_argument("--classes", default=",".join(memory_label(c) for c in DEFAULT_CLASSES),
                        help="memory classes (default: %(default)s)")
    parser.add_argument("--margin", type=float, default=None,
                        help="safety margin on the predicted peak, a fraction (default: the "
                        "model's worst under-prediction in calibration, at least 0.2)")
    parser.add_argument("--jobs", type=int, default=1, help="processes reading headers")
    parser.add_argument("--model", type=Path, default=None,
                        help="another resource_model.json (default: the shipped one)")
    parser.add_argument("overrides", nargs="*", help="input=<visit>[,<visit>...] (or "
                        "visits:<dir>, @<file>), recipe=, recipes_dir=, config overrides such "
                        "as processes_per_visit=1")
    return parser.parse_args(argv)


def plan_main(argv: list[str]) -> int:
    """Command line of ``svm plan`` (``input=`` already expanded by the caller); exit code."""
    args = _parse(argv)
    given = dict(o.split("=", 1) for o in args.overrides if "=" in o)
    if not given.get("input"):
        print("svm plan: no input given (input=<visit>, input=visits:<dir> or input=@<file>)",
              file=sys.stderr)
        return 3
    check_data_overrides([o for o in args.overrides if not o.startswith("input=")])
    inputs = [i for i in given["input"].split(",") if i]
    model = load_model(args.model)
    margin = args.margin if args.margin is not None else \
        max(0.2, model.memory.worst_ratio - 1.0)
    options = PlanOptions(classes=tuple(sorted(parse_memory(c) for c in args.classes.split(","))),
                          margin=margin)
    start = time.perf_counter()
    settings = plan_settings(args.overrides, recipe=given.get("recipe", "v1"),
                             recipes_dir=given.get("recipes_dir"))
    composed = time.perf_counter() - start
    rows = _plan_all(inputs, settings, model, options, jobs=args.jobs)
    seconds = time.perf_counter() - start - composed
    comment = (f"svm plan {' '.join(argv)}\nmodel: {model.provenance.get('summary', '-')}\n"
               f"processes_per_visit={settings.processes}, margin {margin:.2f}, classes "
               f"{','.join(memory_label(c) for c in options.classes)}")
    text = plan_table(rows, comment=comment)
    atomic_write(args.output, lambda p: p.write_text(text))
    print(_report(rows, seconds, composed, args.output), flush=True)
    return 0


def _report(rows: list[PlanRow], seconds: float, composed: float, output: Path) -> str:
    """One line: visits, speed, visits per class, visits not planned, the table."""
    counts: dict[float, int] = {}
    for r in rows:
        if r.memory_class is not None:
            counts[r.memory_class] = counts.get(r.memory_class, 0) + 1
    failed = sum(r.features is None for r in rows)
    per_class = ", ".join(f"{memory_label(c)}: {n}" for c, n in sorted(counts.items()))
    return (f"svm plan: {len(rows)} visits in {seconds:.1f} s "
            f"({1000 * seconds / max(len(rows), 1):.1f} ms per visit; config composed once in "
            f"{composed:.1f} s); visits per class {per_class}"
            f"{f'; {failed} not planned (see note)' if failed else ''}; table {output}")


def _plan_all(inputs: list[str], settings: PlanSettings, model: ResourceModel,
              options: PlanOptions, *, jobs: int) -> list[PlanRow]:
    work = partial(plan_visit, settings=settings, model=model, options=options)
    if jobs <= 1 or len(inputs) < 2 * jobs:
        return [work(i) for i in inputs]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(work, inputs, chunksize=max(1, len(inputs) // (8 * jobs))))
