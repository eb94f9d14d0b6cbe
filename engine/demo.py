"""``svm demo``: simulate an HST visit with known truth, then run the pipeline on it.

Needs no data: the visit, its "Gaia" reference catalogue and its truth are written under
``outputs/demo/<detector>/visit/`` and the products under ``outputs/demo/<detector>/products/``.
"""
from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path

__all__ = ["catalog_overrides", "prepare_demo"]


def catalog_overrides(catalog: Path, steps: list[str]) -> list[str]:
    """Point every recipe step that reads a local reference catalogue at ``catalog``."""
    from hapsvm.core import registered_steps

    out = []
    for name in steps:
        spec = registered_steps().get(name)
        if spec and "catalog_file" in {f.name for f in dataclasses.fields(spec.config)}:
            out.append(f"{name}.catalog_file={catalog}")
    return out


def prepare_demo(argv: list[str]) -> tuple[list[str], Path]:
    """Simulate the demo visit; return the ``svm`` arguments that process it and the products
    directory (``svm demo`` then runs those arguments like any other command line)."""
    from hapsvm.simulate.detectors import DETECTORS

    parser = argparse.ArgumentParser(prog="svm demo", description=__doc__)
    parser.add_argument("--detector", default="wfc3_ir", choices=sorted(DETECTORS))
    parser.add_argument("--n-exposures", type=int, default=4)
    parser.add_argument("--filters", default=None, help="comma-separated, e.g. F606W,F814W")
    parser.add_argument("--size", type=int, default=None,
                        help="chip side in pixels (default: full size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=Path("outputs/demo"))
    parser.add_argument("overrides", nargs="*", help="svm (Hydra) overrides")
    args = parser.parse_args(argv)

    from hapsvm.core import Recipe
    from hapsvm.paths import project_paths
    from hapsvm.simulate import simulate_visit

    root = args.output / args.detector
    start = time.perf_counter()
    filters = args.filters.split(",") if args.filters else None
    visit = simulate_visit(root / "visit", detector=args.detector, n_exposures=args.n_exposures,
                           filters=filters, size=args.size, seed=args.seed)
    print(f"simulated {len(visit.exposure_paths)} exposures in {visit.visit_dir} "
          f"({time.perf_counter() - start:.1f} s); poller {visit.poller_path}", flush=True)
    steps = Recipe.load("v1", project_paths()).steps
    extra = catalog_overrides(visit.reference_catalog_path.resolve(), steps)
    products = (root / "products").resolve()
    return ([f"input={visit.poller_path.resolve()}", f"output_dir={products}", "resume=false",
             *extra, *args.overrides], products)
