"""Alignment accuracy, success rate and step timings over simulated visits of varied density.

Usage::

    .venv/bin/python benchmarks/bench_alignment.py                 # 24 full-size visits
    .venv/bin/python benchmarks/bench_alignment.py --size 512 --per-detector 4

Each visit is simulated with ``hapsvm.simulate.simulate_visit`` (WFC3/IR, WFC3/UVIS, ACS/WFC;
4 exposures; stars per chip from dense to very sparse; the simulator's a-priori pointing errors
of 0.1-0.9″, plus for half the visits an extra common offset of 1.5-3″ written into the
headers), then the alignment part of recipe v1 is run through ``hapsvm.cli.run_visit`` with
``align_to_catalog.catalog_file=<the visit's Gaia-like ECSV>``. The final WCS of every renamed
copy is compared with ``truth.true_wcs`` over a 16×16 pixel grid per chip (RMS of the sky
separations). The same source lists are then re-fitted with drizzlepac 3.11's rules (rscale
only, ≥ 12 matches, a-priori WCS kept on failure) to show what the rscale → rshift → shift
chain buys in sparse fields. Results: ``benchmarks/results/alignment.md``; visits and run
directories: ``benchmarks/work/alignment/`` (git-ignored).
"""
from __future__ import annotations

import argparse
import json
import math
import platform
import shutil
import statistics
import sys
import time
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml
from astropy.io import fits
from astropy.wcs import WCS

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hapsvm.align import FileCatalogProvider  # noqa: E402
from hapsvm.align import align_detector  # noqa: E402
from hapsvm.align.chip_wcs import read_exposure_wcs  # noqa: E402
from hapsvm.align.params import AlignmentSettings  # noqa: E402
from hapsvm.cli import run_visit  # noqa: E402
from hapsvm.core import Recipe  # noqa: E402
from hapsvm.paths import project_paths  # noqa: E402
from hapsvm.simulate import VisitTruth  # noqa: E402
from hapsvm.simulate import simulate_visit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "benchmarks" / "work" / "alignment"
RESULTS = ROOT / "benchmarks" / "results" / "alignment.md"
REQUIRED_MAS = {"wfc3_ir": 13.0, "wfc3_uvis": 4.0, "acs_wfc": 5.0}
#: Stars per chip (None: the simulator's default density, about 150 per full chip).
DENSITIES = (None, 40, 12, 5)
ALIGN_STEPS = ("find_alignment_sources", "align_to_catalog", "apply_alignment")
DRIZZLEPAC_RULES = dict(fit_geometries=("rscale",), relative_geometries=("rscale",),
                        min_matches={"rscale": 12, "general": 25}, keep_relative_fit=False)


@dataclass
class Case:
    """One simulated visit of the benchmark."""

    detector: str
    n_stars: int | None
    extra_offset_arcsec: float
    seed: int

    @property
    def name(self) -> str:
        stars = "dense" if self.n_stars is None else f"{self.n_stars}stars"
        return f"{self.detector}_{stars}_off{self.extra_offset_arcsec:.1f}_s{self.seed}"


def cases(per_detector: int) -> list[Case]:
    """Densities × (no extra offset, extra offset), per detector."""
    out = []
    for d, det in enumerate(REQUIRED_MAS):
        for i in range(per_detector):
            density = DENSITIES[(i // 2) % len(DENSITIES)]
            extra = 0.0 if i % 2 == 0 else 1.5 + 1.5 * ((i * 7 + d) % 3) / 2
            out.append(Case(det, density, extra, seed=100 + 10 * d + i))
    return out


def add_offset(paths: list[Path], arcsec: float, seed: int) -> None:
    """Move every chip's CRVAL by a common sky offset (a larger guide-star error)."""
    angle = (seed * 2.399) % (2 * math.pi)
    dx, dy = arcsec * math.cos(angle), arcsec * math.sin(angle)
    for path in paths:
        with fits.open(path, mode="update") as hdul:
            for hdu in hdul:
                if hdu.name == "SCI":
                    h = hdu.header
                    h["CRVAL1"] += dx / 3600 / math.cos(math.radians(h["CRVAL2"]))
                    h["CRVAL2"] += dy / 3600


def recipe_file(work: Path) -> str:
    """Recipe v1 cut after the alignment steps."""
    steps = Recipe.load("v1", project_paths()).steps
    keep = {"read_visit", "filter_exposures", "define_products", "write_visit_plan",
            "copy_inputs", *ALIGN_STEPS, "reconcile_grism_wcs", "write_manifest"}
    data = {"defaults": ["v1", "_self_"],
            "recipe": {"name": "align_bench", "version": "1",
                       "steps": [s for s in steps if s in keep]}}
    path = work / "align_bench.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def rms_error(wcs_by_chip: dict[int, WCS], truth: VisitTruth, root: str) -> np.ndarray:
    """Sky separations (mas) between header and true WCS over a 16×16 grid of each chip."""
    out = []
    for chip, w in wcs_by_chip.items():
        t = truth.true_wcs(root, chip)
        nx, ny = w.pixel_shape
        gx, gy = np.meshgrid(np.linspace(0, nx - 1, 16), np.linspace(0, ny - 1, 16))
        a = np.array(w.all_pix2world(gx.ravel(), gy.ravel(), 0))
        b = np.array(t.all_pix2world(gx.ravel(), gy.ravel(), 0))
        out.append(np.hypot((a[0] - b[0]) * np.cos(np.radians(b[1])), a[1] - b[1]) * 3.6e6)
    return np.concatenate(out)


def run_case(case: Case, size: int | None, recipe: str) -> dict:
    """Simulate, align through the pipeline, measure; also refit with drizzlepac's rules."""
    t0 = time.perf_counter()
    visit = simulate_visit(WORK / "visits" / case.name, detector=case.detector, size=size,
                           seed=case.seed, n_stars=case.n_stars, overwrite=True)
    t_sim = time.perf_counter() - t0
    if case.extra_offset_arcsec:
        add_offset(visit.imaging_paths, case.extra_offset_arcsec, case.seed)
    out = WORK / "runs" / case.name
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    result = run_visit(str(visit.poller_path), out,
                       [f"align_to_catalog.catalog_file={visit.reference_catalog_path}",
                        "align_to_catalog.providers=[file]",
                        "align_to_catalog.catalog_cache_dir=''"], recipe=recipe)
    t_run = time.perf_counter() - t0
    unit = case.detector
    alignment = result.context.peek("alignment", unit)
    sources = result.context.peek("alignment_sources", unit)
    before, after, dp = [], [], []
    wcs, priors = _apriori(visit)
    dp_result = align_detector(sources, wcs, [FileCatalogProvider(
        visit.reference_catalog_path, "GAIAeDR3")],
        replace(AlignmentSettings(), **DRIZZLEPAC_RULES), detector=unit, priors=priors)
    for path in visit.imaging_paths:
        root = path.name.split("_")[0]
        _, prior = read_exposure_wcs(path)
        before.append(rms_error(prior, visit.truth, root))
        copy = next(out.glob(f"*_{root[:8]}_fl?.fits"))
        after.append(rms_error(read_exposure_wcs(copy)[1], visit.truth, root))
        sol = dp_result.exposures.get(root)
        dp.append(rms_error({c: sol.correction.apply(w) if sol else w for c, w in prior.items()},
                            visit.truth, root))
    final = float(np.sqrt(np.mean(np.concatenate(after) ** 2)))
    steps = {r.step: r.seconds for r in result.records if r.step in ALIGN_STEPS}
    return {"case": case.name, "detector": case.detector, "stars_per_chip": case.n_stars,
            "n_reference": alignment.n_reference, "extra_offset": case.extra_offset_arcsec,
            "apriori_mas": float(np.sqrt(np.mean(np.concatenate(before) ** 2))),
            "final_mas": final, "status": alignment.status, "catalog": alignment.catalog,
            "method": alignment.method, "geometry": alignment.fit_geometry,
            "n_matches": alignment.n_matches, "fit_rms_mas": alignment.fit_rms_mas,
            "quality": alignment.quality_code, "exit_code": result.exit_code,
            "success": alignment.status == "aligned" and final < REQUIRED_MAS[case.detector],
            "dp_status": dp_result.status,
            "dp_final_mas": float(np.sqrt(np.mean(np.concatenate(dp) ** 2))),
            "sources": sum(s.n_sources for s in sources), "simulate_s": t_sim,
            "run_s": t_run, "steps_s": steps}


def _apriori(visit) -> tuple[dict, dict]:  # type: ignore[no-untyped-def]
    wcs, priors = {}, {}
    for path in visit.imaging_paths:
        root = path.name.split("_")[0]
        priors[root], chips = read_exposure_wcs(path)
        wcs.update({(root, c): w for c, w in chips.items()})
    return wcs, priors


def report(rows: list[dict], size: int | None, command: str) -> str:
    """The markdown results page."""
    lines = ["# Alignment benchmark (`benchmarks/bench_alignment.py`)", "",
             f"Command: `{command}`  ", f"Image size: {'full frames' if size is None else size}"
             f"; {len(rows)} simulated visits of 4 exposures; machine: {platform.machine()}, "
             f"{platform.python_version()}, {_cpus()} CPUs (shared with other jobs).", "",
             "Final error = RMS over a 16×16 pixel grid per chip of the sky separation between "
             "the header WCS of each aligned copy and the simulator's true WCS. *Success* = "
             "catalogue fit accepted and final error below the requirement (IR 13, UVIS 4, "
             "ACS/WFC 5 mas). *drizzlepac rules* = the same source lists refitted with rscale "
             "only, ≥ 12 matches, a-priori WCS kept on failure (hapsvm's code with drizzlepac "
             "3.11's parameters, not runsinglehap itself).", "", "## Summary", "",
             "| detector | visits | success | final error median / max (mas) | "
             "success with drizzlepac rules | sparse (≤ 12 stars/chip) success: hapsvm / "
             "drizzlepac rules |", "|---|---|---|---|---|---|"]
    for det in REQUIRED_MAS:
        sub = [r for r in rows if r["detector"] == det]
        if not sub:
            continue
        ok = [r for r in sub if r["success"]]
        dp_ok = [r for r in sub if r["dp_status"] == "aligned"
                 and r["dp_final_mas"] < REQUIRED_MAS[det]]
        sparse = [r for r in sub if r["stars_per_chip"] is not None and r["stars_per_chip"] <= 12]
        sp_ok = sum(r["success"] for r in sparse)
        sp_dp = sum(r in dp_ok for r in sparse)
        errs = [r["final_mas"] for r in ok] or [float("nan")]
        lines.append(f"| {det} | {len(sub)} | {len(ok)}/{len(sub)} | "
                     f"{statistics.median(errs):.2f} / {max(errs):.2f} | {len(dp_ok)}/{len(sub)} | "
                     f"{sp_ok}/{len(sparse)} / {sp_dp}/{len(sparse)} |")
    lines += ["", "## Step timings (median seconds per visit)", "",
              "| detector | simulate | " + " | ".join(ALIGN_STEPS) + " | whole run |",
              "|---|---|" + "---|" * len(ALIGN_STEPS) + "---|"]
    for det in REQUIRED_MAS:
        sub = [r for r in rows if r["detector"] == det]
        if sub:
            cells = [statistics.median(r["steps_s"].get(s, float("nan")) for r in sub)
                     for s in ALIGN_STEPS]
            lines.append(f"| {det} | {statistics.median(r['simulate_s'] for r in sub):.1f} | "
                         + " | ".join(f"{c:.2f}" for c in cells)
                         + f" | {statistics.median(r['run_s'] for r in sub):.1f} |")
    lines += ["", "## Every visit", "",
              "| visit | ref. stars | a-priori (mas) | status | method/geometry | matches | "
              "fit rms (mas) | q | final (mas) | drizzlepac rules: status, final (mas) |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['n_reference']} | {r['apriori_mas']:.0f} | "
                     f"{r['status']} | {r['method']}/{r['geometry']} | {r['n_matches']} | "
                     f"{r['fit_rms_mas']:.1f} | {r['quality']} | {r['final_mas']:.2f} | "
                     f"{r['dp_status']}, {r['dp_final_mas']:.1f} |")
    return "\n".join(lines + NOTES) + "\n"


NOTES = ["", "## Notes", "",
         "- Visits: `simulate_visit(detector, size, seed, n_stars)` with 4 direct exposures; "
         "stars per chip: simulator default (about 150 per full chip), 40, 12, 5 (of which only "
         "those with G ≤ 21 are in the reference catalogue: the *ref. stars* column counts "
         "those inside the query cone). A-priori errors: the simulator's guide-star error "
         "(0.1-0.9″, common to the visit, plus 10 mas per-exposure jitter and a small rotation); "
         "visits named `off<x>` have an extra common offset of x″ written into every header.",
         "- Every failure is a field with at most 3 catalogue stars, below MIN_FIT_MATCHES = 4: "
         "hapsvm then keeps the relative alignment (`relative only`, WCSNAME `*-FIT_REL_NONE`): "
         "the exposures agree with each other but keep the first exposure's a-priori error, "
         "so their final error is the a-priori one. drizzlepac's rules fail every field with "
         "fewer than 12 matches, including all sparse fields hapsvm aligns (rshift/shift "
         "fallback and 6-match rscale).",
         "- Timings are wall-clock seconds on a 2-core machine shared with other jobs "
         "(load average 5-7 during the run), so they are upper bounds; source finding "
         "dominates (photutils Background2D mesh statistics and full-frame filtering).",
         "- Real visit 21 (WFC3/IR, 4 × F098M, uint8 data; `tests/align/test_visit21.py` "
         "with the SIP block of the G102 full-float file grafted on, as its README suggests): "
         "relative rscale fit to ib6o21qnq with 23, 28 and 30 matches, residual RMS 83, 101 "
         "and 74 mas per source (faint galaxies, whole-e⁻/s quantised pixels); no catalogue "
         "offline, so the run reports `relative only` and the four G102 copies take the "
         "correction of the F098M image nearest in time. With the delivered plain-TAN headers "
         "(no distortion) the relative fit finds too few matches and every copy keeps its WCS "
         "(`SVMALIGN = 'FAILED: ...'`).",
         "- Regenerate this page from the last run without re-running: "
         "`python benchmarks/bench_alignment.py --report-only`."]


def _cpus() -> int:
    import os
    return os.cpu_count() or 1


def main() -> None:
    """Run the benchmark and write ``benchmarks/results/alignment.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=None, help="image size (default: full)")
    parser.add_argument("--per-detector", type=int, default=8, help="visits per detector")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument("--report-only", action="store_true",
                        help="rewrite the results page from the last run's rows.json")
    args = parser.parse_args()
    if args.report_only:
        saved = json.loads((WORK / "run.json").read_text())
        args.output.write_text(report(saved["rows"], saved["size"], saved["command"]))
        print(f"wrote {args.output}")
        return
    WORK.mkdir(parents=True, exist_ok=True)
    recipe = recipe_file(WORK)
    rows = []
    for i, case in enumerate(cases(args.per_detector), start=1):
        row = run_case(case, args.size, recipe)
        rows.append(row)
        print(f"{i:2d} {row['case']:34s} {row['status']:13s} {row['geometry']:6s} "
              f"n={row['n_matches']:4d} final {row['final_mas']:7.2f} mas "
              f"(drizzlepac rules: {row['dp_status']}, {row['dp_final_mas']:.1f}) "
              f"run {row['run_s']:.1f} s", flush=True)
        (WORK / "rows.json").write_text(json.dumps(rows, indent=1, default=str))
    command = "python benchmarks/bench_alignment.py " + " ".join(sys.argv[1:])
    (WORK / "run.json").write_text(json.dumps({"rows": rows, "size": args.size,
                                               "command": command.strip()}, default=str))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(report(rows, args.size, command.strip()))
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
