"""Compare the products of two runs of the same visits (e.g. a cluster multirun and local runs).

Usage::

    python benchmarks/cluster/compare_runs.py <reference run dir> <other run dir>
    python benchmarks/cluster/compare_runs.py --by-visit <reference root> <sweep dir> \
        [--json out.json]

``--by-visit`` pairs ``<reference root>/<visit>/`` with the sweep's job directory
``<n>_<visit>/`` (Hydra's ``<job number>_<visit name>``). Two runs are equal when they wrote the
same product files and

- every FITS file is identical (astropy ``FITSDiff``: header keywords and values, data arrays,
  table HDUs, exactly) apart from the date/time keywords in :data:`IGNORED_KEYWORDS`;
- every ECSV table (catalogues, the exposure table) has the same columns, units and values
  (NaN equal to NaN) and the same metadata apart from date/time keys;
- every ``*_recipe.yaml`` has the same resolved ``config`` and the same provenance (recipe,
  version, input sha256s, each step's unit, status and message), each run's own directory
  written as ``<run>``, without the step timings and the command-line spelling of overrides;
- every JPEG decodes to the same pixels and every JSON file has the same content.

Logs and trailers (``*.log``, ``*_trl.txt``), the HTML report, the manifest and the run's
bookkeeping (``.hydra/``, ``.svm_state/``, ``.submitit/``, ``svm_summary.json``) hold times and
paths: only their names are compared. Exit code 0 when every pair is equal, 1 otherwise.
"""
from __future__ import annotations

import argparse
import json
import math
import re
import sys
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
import yaml
from astropy.io.fits import FITSDiff
from astropy.table import Table
from PIL import Image

__all__ = ["IGNORED_KEYWORDS", "VisitComparison", "compare_by_visit", "compare_runs"]

#: FITS keywords holding the date or time a file was written (never part of the comparison).
IGNORED_KEYWORDS = ["DATE", "IRAF-TLM", "FITSDATE", "DATE-HDR", "PROCTIME", "CHECKSUM", "DATASUM"]
_BOOKKEEPING = (".hydra", ".svm_state", ".submitit")
_NAMES_ONLY = re.compile(r"(\.log|_trl\.txt|\.html|_manifest\.txt|svm_summary\.json)$")
_TIME_META = re.compile(r"date|time|created|written", re.IGNORECASE)


@dataclass
class VisitComparison:
    """Outcome of comparing one visit's two runs."""

    visit: str
    reference: str
    other: str
    n_compared: dict[str, int] = field(default_factory=dict)
    """Files compared by content, per kind (fits, ecsv, recipe, jpeg, json)."""
    differences: list[str] = field(default_factory=list)
    """One line per difference: file and what differs."""

    @property
    def equal(self) -> bool:
        """True when no difference was found."""
        return not self.differences


def _product_files(run_dir: Path) -> set[str]:
    return {str(p.relative_to(run_dir)) for p in run_dir.rglob("*")
            if p.is_file() and not p.relative_to(run_dir).parts[0].startswith(_BOOKKEEPING)}


def _fits_diff(a: Path, b: Path) -> str:
    diff = FITSDiff(str(a), str(b), ignore_keywords=IGNORED_KEYWORDS, ignore_comments=["*"],
                    rtol=0.0, atol=0.0)
    if diff.identical:
        return ""
    skip = (" a:", " b:", " fitsdiff", " Keyword(s) not", " Keyword(s) to", " Maximum",
            " Relative", " Absolute")
    lines = [ln.strip() for ln in diff.report().splitlines()
             if ln.strip() and not ln.startswith(skip)]
    return "; ".join(lines[2:8])


def _same_values(x: Any, y: Any) -> bool:
    if isinstance(x, float) and isinstance(y, float) and math.isnan(x) and math.isnan(y):
        return True
    return bool(x == y)


def _ecsv_diff(a: Path, b: Path) -> str:
    ta, tb = Table.read(a, format="ascii.ecsv"), Table.read(b, format="ascii.ecsv")
    if ta.colnames != tb.colnames or len(ta) != len(tb):
        return f"columns/rows {ta.colnames}x{len(ta)} vs {tb.colnames}x{len(tb)}"
    for name in ta.colnames:
        ca, cb = ta[name], tb[name]
        if str(getattr(ca, "unit", "")) != str(getattr(cb, "unit", "")):
            return f"column {name}: unit {ca.unit} vs {cb.unit}"
        va, vb = np.asarray(ca), np.asarray(cb)
        nan_ok = va.dtype.kind in "fc"
        if va.shape != vb.shape or not np.array_equal(va, vb, equal_nan=nan_ok):
            return f"column {name}: values differ"
    meta_a = {k: v for k, v in ta.meta.items() if not _TIME_META.search(str(k))}
    meta_b = {k: v for k, v in tb.meta.items() if not _TIME_META.search(str(k))}
    if meta_a != meta_b:
        keys = sorted(k for k in set(meta_a) | set(meta_b)
                      if not _same_values(meta_a.get(k), meta_b.get(k)))
        return f"metadata differs: {keys}"
    return ""


def _relative(value: Any, run_dir: Path) -> Any:
    """``value`` with the run's own directory written as ``<run>`` (recursively)."""
    if isinstance(value, str):
        return value.replace(str(run_dir.resolve()), "<run>").replace(str(run_dir), "<run>")
    if isinstance(value, dict):
        return {_relative(k, run_dir): _relative(v, run_dir) for k, v in value.items()}
    if isinstance(value, list):
        return [_relative(v, run_dir) for v in value]
    return value


def _recipe_view(path: Path, run_dir: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text())
    prov = data.get("provenance", {})
    steps = [{k: s.get(k) for k in ("step", "unit", "status", "message")}
             for s in prov.get("steps", [])]
    view = {"config": data.get("config"),
            "provenance": {"recipe": prov.get("recipe"), "recipe_version":
                           prov.get("recipe_version"), "product": prov.get("product"),
                           "input": prov.get("input"), "inputs_sha256":
                           prov.get("inputs_sha256"), "steps": steps}}
    return _relative(view, run_dir)


def _dict_diff(a: Any, b: Any, where: str = "") -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for key in sorted(set(a) | set(b), key=str):
            out += _dict_diff(a.get(key), b.get(key), f"{where}.{key}" if where else str(key))
        return out
    return [] if _same_values(a, b) else [f"{where}: {a!r} vs {b!r}"[:200]]


def _jpeg_diff(a: Path, b: Path) -> str:
    with Image.open(a) as ia, Image.open(b) as ib:
        pa, pb = np.asarray(ia), np.asarray(ib)
    return "" if pa.shape == pb.shape and np.array_equal(pa, pb) else "pixels differ"


def _kind(name: str) -> str | None:
    if _NAMES_ONLY.search(name):
        return None
    for suffix, kind in ((".fits", "fits"), (".ecsv", "ecsv"), ("_recipe.yaml", "recipe"),
                         (".jpg", "jpeg"), (".json", "json")):
        if name.endswith(suffix):
            return kind
    return None


def compare_runs(reference: Path, other: Path, *, visit: str = "") -> VisitComparison:
    """Compare the products of two run directories of one visit (see the module docstring)."""
    out = VisitComparison(visit or reference.name, str(reference), str(other))
    files_a, files_b = _product_files(reference), _product_files(other)
    for name in sorted(files_a ^ files_b):
        out.differences.append(f"{name}: only in {'reference' if name in files_a else 'other'}")
    for name in sorted(files_a & files_b):
        kind = _kind(name)
        if kind is None:
            continue
        a, b = reference / name, other / name
        if kind == "fits":
            problem = _fits_diff(a, b)
        elif kind == "ecsv":
            problem = _ecsv_diff(a, b)
        elif kind == "recipe":
            problem = "; ".join(_dict_diff(_recipe_view(a, reference), _recipe_view(b, other))[:5])
        elif kind == "jpeg":
            problem = _jpeg_diff(a, b)
        else:
            problem = "; ".join(_dict_diff(_relative(json.loads(a.read_text()), reference),
                                           _relative(json.loads(b.read_text()), other))[:5])
        out.n_compared[kind] = out.n_compared.get(kind, 0) + 1
        if problem:
            out.differences.append(f"{name}: {problem}")
    return out


def compare_by_visit(reference_root: Path, sweep_dir: Path) -> list[VisitComparison]:
    """Pair ``<reference_root>/<visit>`` with ``<sweep_dir>/<n>_<visit>`` and compare each."""
    jobs = {re.sub(r"^\d+_", "", d.name): d for d in sorted(sweep_dir.iterdir())
            if d.is_dir() and re.match(r"^\d+_", d.name)}
    results = []
    for visit_dir in sorted(d for d in reference_root.iterdir() if d.is_dir()):
        job = jobs.pop(visit_dir.name, None)
        if job is None:
            results.append(VisitComparison(visit_dir.name, str(visit_dir), "",
                                           differences=["no job directory in the sweep"]))
        else:
            results.append(compare_runs(visit_dir, job, visit=visit_dir.name))
    for visit, job in jobs.items():
        results.append(VisitComparison(visit, "", str(job), differences=["no reference run"]))
    return results


def main(argv: list[str] | None = None) -> int:
    """Command line: print one line per visit (and each difference); exit 1 on any difference."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reference", type=Path)
    parser.add_argument("other", type=Path)
    parser.add_argument("--by-visit", action="store_true",
                        help="reference is a root of <visit>/ runs, other a sweep of <n>_<visit>/")
    parser.add_argument("--json", type=Path, help="also write the outcome as JSON")
    args = parser.parse_args(argv)
    results = (compare_by_visit(args.reference, args.other) if args.by_visit
               else [compare_runs(args.reference, args.other)])
    for r in results:
        counts = ", ".join(f"{n} {k}" for k, n in sorted(r.n_compared.items()))
        print(f"{r.visit}: {'equal' if r.equal else 'DIFFERENT'} ({counts or 'nothing compared'})")
        for d in r.differences[:20]:
            print(f"    {d}")
    if args.json:
        args.json.write_text(json.dumps([asdict(r) | {"equal": r.equal} for r in results],
                                        indent=1) + "\n")
    return 0 if results and all(r.equal for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
