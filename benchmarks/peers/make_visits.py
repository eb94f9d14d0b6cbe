#!/usr/bin/env python
"""Simulate the benchmark visits (full size, known truth) once, with the hapsvm simulator.

usage: make_visits.py OUT_DIR [--only NAME ...] [--overwrite]

Visits (name -> simulate_visit arguments):
  sim_ir    WFC3/IR,   4 exposures, F160W,         seed 1
  sim_uvis  WFC3/UVIS, 4 exposures, F555W + F814W, seed 2
  sim_acs   ACS/WFC,   6 exposures, F606W + F814W, seed 3
Each visit goes to OUT_DIR/<name>/<ipppss>_<detector>/ and OUT_DIR/<name>/visit.json records the
paths (poller, Gaia-like ECSV and CSV reference, truth dir), the arguments and the simulation time.
An existing visit with the same arguments is kept (delete it or pass --overwrite to remake it).
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

VISITS = {
    "sim_ir": dict(detector="wfc3_ir", n_exposures=4, filters=["F160W"], seed=1),
    "sim_uvis": dict(detector="wfc3_uvis", n_exposures=4, filters=["F555W", "F814W"], seed=2),
    "sim_acs": dict(detector="acs_wfc", n_exposures=6, filters=["F606W", "F814W"], seed=3),
}


def make(out: Path, name: str, overwrite: bool) -> dict:
    from hapsvm.simulate import simulate_visit

    args = VISITS[name]
    record = out / name / "visit.json"
    if record.is_file() and not overwrite:
        info = json.loads(record.read_text())
        if info.get("args") == args and Path(info["poller"]).is_file():
            print(f"{name}: kept {info['visit_dir']}")
            return info
    t0 = time.perf_counter()
    visit = simulate_visit(out / name, overwrite=True, **args)
    info = dict(name=name, args=args, visit_dir=str(visit.visit_dir.resolve()),
                poller=str(visit.poller_path.resolve()),
                reference_ecsv=str(visit.reference_catalog_path.resolve()),
                reference_csv=str(visit.reference_csv_path.resolve()),
                exposures=[str(p.resolve()) for p in visit.imaging_paths],
                simulate_seconds=round(time.perf_counter() - t0, 1))
    record.write_text(json.dumps(info, indent=2))
    print(f"{name}: simulated {len(visit.imaging_paths)} exposures in {info['simulate_seconds']} s "
          f"-> {visit.visit_dir}")
    return info


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", type=Path)
    ap.add_argument("--only", nargs="*", choices=sorted(VISITS), default=None)
    ap.add_argument("--overwrite", action="store_true")
    a = ap.parse_args(argv)
    a.out_dir.mkdir(parents=True, exist_ok=True)
    for name in a.only or list(VISITS):
        make(a.out_dir.resolve(), name, a.overwrite)
    return 0


if __name__ == "__main__":
    sys.exit(main())
