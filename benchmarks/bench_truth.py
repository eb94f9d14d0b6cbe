"""Harder truth: alignment to a Gaia-DR3-like catalogue with proper motions, SVMAERR calibration,
and point-catalogue completeness in crowded fields.

Usage::

    .venv/bin/python benchmarks/bench_truth.py                       # 24 full-size visits
    .venv/bin/python benchmarks/bench_truth.py --per-detector 2 --size 512   # a quick look
    .venv/bin/python benchmarks/bench_truth.py --catalogs            # point catalogues

Visits (``hapsvm.simulate.simulate_visit``, 4 exposures each, three detectors): sparse fields
(the simulator's default density and 40 or 1500 stars per chip) and crowded 47 Tuc-like fields
(``crowding="crowded"``, 40 s exposures), epochs 3-12 years from the catalogue's J2016.0 and
field mean proper motions of 0-9 mas/yr. The reference catalogue lists Gaia-DR3-like positions
and proper motions with errors drawn from their listed uncertainties.

Each sparse visit runs the alignment part of recipe v1 (``hapsvm.cli.run_visit`` with
``align_to_catalog.catalog_file=<its reference_gaia.ecsv>``); each crowded visit runs the whole
recipe v1 (alignment, drizzling, catalogues). The pipeline's source lists are then re-fitted
with ``hapsvm.align.align_detector`` in four ways — with and without proper-motion propagation
(``apply_proper_motions``) and with and without error weights (``weighted_fit``) — using the
detector's composed ``align_to_catalog`` settings. For each fit, every chip's corrected WCS is
compared with the true WCS over a 16×16 pixel grid (as ``bench_alignment.py`` does), and the
reported formal uncertainty (SVMAERR, 1σ per axis) is compared with the per-axis RMS error.
On crowded visits the filter point catalogue is matched to the true stars (within one output
pixel) for completeness against magnitude and local star density.

Writes ``benchmarks/results/truth.json`` (with command, commit, machine, load) and
``benchmarks/results/truth.md``; visits and runs go to ``benchmarks/work/truth/`` (deleted per
visit unless ``--keep``). Progress: one line per visit on stderr.

``--catalogs`` measures the point catalogues of the same visits instead: every visit runs the
whole recipe v1 (a run kept by ``--keep`` that already has point catalogues is reused) and each
filter point catalogue is scored by ``bench_psf_photometry.score`` (completeness at S/N ≥ 10,
false fraction among Trusted rows, MagPSF against the true total magnitude), pooled per detector
and filter, with the completeness curve of the crowded visits (``truth_catalogs.py``). Writes
``benchmarks/results/truth_catalogs.json`` and ``.md`` after every visit (marked partial until
the last one).
"""
from __future__ import annotations

import argparse
import functools
import json
import resource
import shutil
import sys
import time
from dataclasses import asdict
from dataclasses import dataclass
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
from astropy.wcs import WCS
from omegaconf import OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_alignment import recipe_file  # noqa: E402
from bench_alignment import rms_error  # noqa: E402
from run_record import command_line  # noqa: E402
from run_record import run_at_commit  # noqa: E402
from run_record import start_record  # noqa: E402
from run_record import write_result  # noqa: E402
from truth_catalogs import TARGETS  # noqa: E402
from truth_catalogs import catalog_report  # noqa: E402
from truth_catalogs import completeness  # noqa: E402
from truth_catalogs import filter_catalogs  # noqa: E402
from truth_catalogs import score_run  # noqa: E402

from hapsvm.align import FileCatalogProvider  # noqa: E402
from hapsvm.align import align_detector  # noqa: E402
from hapsvm.align.chip_wcs import read_exposure_wcs  # noqa: E402
from hapsvm.cli import run_visit  # noqa: E402
from hapsvm.core import Recipe  # noqa: E402
from hapsvm.core import RecipeComposer  # noqa: E402
from hapsvm.paths import project_paths  # noqa: E402
from hapsvm.simulate import SimulatedVisit  # noqa: E402
from hapsvm.simulate import VisitTruth  # noqa: E402
from hapsvm.simulate import load_truth  # noqa: E402
from hapsvm.simulate import simulate_visit  # noqa: E402
from hapsvm.simulate.truth import TRUTH_DIR  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "benchmarks/bench_truth.py"
INSTRUMENT = {"wfc3_ir": "wfc3", "wfc3_uvis": "wfc3", "acs_wfc": "acs"}
#: Fits compared: (apply_proper_motions, weighted_fit).
VARIANTS = {"pm+weights": (True, True), "pm, no weights": (True, False),
            "no pm, weights": (False, True), "no pm, no weights": (False, False)}
#: Per-detector visit plan: (crowding, stars per chip or None, epoch, pm mean, pm dispersion).
PLAN: tuple[tuple[str, int | None, float, tuple[float, float], float], ...] = (
    ("sparse", None, 2019.0, (1.5, -3.0), 5.0),
    ("sparse", None, 2023.0, (4.0, 3.0), 3.0),
    ("sparse", None, 2028.0, (-6.0, 2.0), 2.0),
    ("sparse", 40, 2022.0, (2.0, -8.0), 5.0),
    ("sparse", 40, 2026.0, (0.0, 0.0), 5.0),
    ("sparse", 1500, 2021.0, (3.0, -1.0), 4.0),
    ("crowded", None, 2023.0, (5.25, -2.53), 0.5),
    ("crowded", None, 2027.0, (-3.0, 7.0), 0.5),
)
CROWDED_EXPTIME_S = 40.0


@dataclass
class Case:
    """One simulated visit."""

    detector: str
    crowding: str
    n_stars: int | None
    epoch: float
    pm_mean: tuple[float, float]
    pm_dispersion: float
    seed: int

    @property
    def name(self) -> str:
        stars = self.crowding if self.n_stars is None else f"{self.n_stars}stars"
        return f"{self.detector}_{stars}_{self.epoch:.0f}_s{self.seed}"


def cases(per_detector: int) -> list[Case]:
    """The first ``per_detector`` plan rows for each detector (crowded rows always included
    when ``per_detector`` ≥ 2: the last rows of the plan are taken first for them)."""
    rows = list(PLAN)
    if per_detector < len(rows):
        rows = rows[:max(per_detector - 2, 0)] + rows[-min(2, per_detector):]
    return [Case(det, *row, seed=200 + 10 * d + i)
            for d, det in enumerate(INSTRUMENT) for i, row in enumerate(rows)]


@functools.cache
def composed_settings(detector: str) -> Any:
    """The detector's ``align_to_catalog`` settings as recipe v1 composes them (4 exposures)."""
    paths = project_paths()
    composer = RecipeComposer(paths, Recipe.load("v1", paths))
    cfg = composer.compose({"instrument": INSTRUMENT[detector], "detector": detector,
                            "nexp": "n4"}, ["input=unused"])
    return OmegaConf.to_object(cfg.align_to_catalog)


def offsets_mas(wcs_by_chip: dict[int, WCS], truth: VisitTruth, root: str) -> dict[int, np.ndarray]:
    """Per chip: (ΔRA·cosδ, ΔDec) in mas between ``wcs`` and the true WCS on a 16×16 grid."""
    out = {}
    for chip, w in wcs_by_chip.items():
        t = truth.true_wcs(root, chip)
        nx, ny = w.pixel_shape
        gx, gy = np.meshgrid(np.linspace(0, nx - 1, 16), np.linspace(0, ny - 1, 16))
        a = np.array(w.all_pix2world(gx.ravel(), gy.ravel(), 0))
        b = np.array(t.all_pix2world(gx.ravel(), gy.ravel(), 0))
        dra = (a[0] - b[0] + 180.0) % 360.0 - 180.0
        out[chip] = np.column_stack([dra * np.cos(np.radians(b[1])), a[1] - b[1]]) * 3.6e6
    return out


def fit_variants(visit: SimulatedVisit, sources: list, detector: str) -> dict[str, dict]:
    """Re-fit the pipeline's source lists four ways; errors against the truth and SVMAERR."""
    priors, wcs = {}, {}
    for path in visit.imaging_paths:
        root = path.name.split("_")[0]
        priors[root], chips = read_exposure_wcs(path)
        wcs.update({(root, c): w for c, w in chips.items()})
    base = composed_settings(detector)
    out = {}
    for label, (pm, weighted) in VARIANTS.items():
        settings = replace(base, apply_proper_motions=pm, weighted_fit=weighted)
        provider = FileCatalogProvider(visit.reference_catalog_path, "GAIAeDR3")
        result = align_detector(sources, wcs, [provider], settings, detector=detector,
                                priors=priors)
        chips_rms, exposures = [], []
        for root in priors:
            sol = result.exposures.get(root)
            mine = {c: w for (r, c), w in wcs.items() if r == root}
            new = {c: sol.correction.apply(w) if sol else w for c, w in mine.items()}
            d = offsets_mas(new, visit.truth, root)
            chips_rms += [float(np.sqrt(np.mean(np.sum(v ** 2, axis=1)))) for v in d.values()]
            per_axis = float(np.sqrt(np.mean(np.concatenate(list(d.values())) ** 2)))
            sigma = float(sol.position_error_mas) if sol else float("nan")
            exposures.append({"root": root, "per_axis_rms_mas": per_axis, "svmaerr_mas": sigma})
        out[label] = {"status": result.status, "n_matches": result.n_matches,
                      "weighted": bool(result.weighted),
                      "svmaerr_mas": float(result.position_error_mas),
                      "chip_rms_mas": chips_rms, "exposures": exposures}
    return out


def pipeline_errors(visit: SimulatedVisit, out: Path) -> list[float]:
    """Per-chip RMS (mas) of the aligned copies' header WCS against the truth."""
    rms = []
    for path in visit.imaging_paths:
        root = path.name.split("_")[0]
        copy = next(out.glob(f"*_{root[:8]}_fl?.fits"))
        for chip, w in read_exposure_wcs(copy)[1].items():
            rms.append(float(np.sqrt(np.mean(rms_error({chip: w}, visit.truth, root) ** 2))))
    return rms


def _usage() -> tuple[float, float]:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime, time.perf_counter()


def simulate_case(case: Case, size: int | None, work: Path) -> SimulatedVisit:
    """Simulate the visit of ``case`` into ``work/visits/<name>`` (replacing an old copy)."""
    exptime = CROWDED_EXPTIME_S if case.crowding == "crowded" else None
    return simulate_visit(work / "visits" / case.name, detector=case.detector, size=size,
                          seed=case.seed, n_stars=case.n_stars, crowding=case.crowding,
                          epoch_year=case.epoch, pm_mean_mas_yr=case.pm_mean,
                          pm_dispersion_mas_yr=case.pm_dispersion, exptime=exptime,
                          overwrite=True)


def run_pipeline(visit: SimulatedVisit, out: Path, recipe: str) -> Any:
    """Run ``recipe`` on the visit into a fresh ``out``, aligning to its reference catalogue."""
    shutil.rmtree(out, ignore_errors=True)
    return run_visit(str(visit.poller_path), out,
                     [f"align_to_catalog.catalog_file={visit.reference_catalog_path}",
                      "align_to_catalog.providers=[file]",
                      "align_to_catalog.catalog_cache_dir=''"], recipe=recipe)


def run_case(case: Case, size: int | None, work: Path, align_recipe: str) -> dict[str, Any]:
    """Simulate one visit, run the pipeline, re-fit four ways, score."""
    cpu0, t0 = _usage()
    visit = simulate_case(case, size, work)
    cpu1, t1 = _usage()
    out = work / "runs" / case.name
    full = case.crowding == "crowded"
    result = run_pipeline(visit, out, "v1" if full else align_recipe)
    cpu2, t2 = _usage()
    alignment = result.context.peek("alignment", case.detector)
    sources = result.context.peek("alignment_sources", case.detector)
    row: dict[str, Any] = {
        **asdict(case), "name": case.name, "exit_code": result.exit_code,
        "n_reference": alignment.n_reference, "pipeline_status": alignment.status,
        "pipeline_svmaerr_mas": float(alignment.position_error_mas),
        "pipeline_chip_rms_mas": pipeline_errors(visit, out),
        "n_sources": sum(s.n_sources for s in sources),
        "stars_simulated": int(np.sum(visit.truth.sources["type"] == "star")),
        "simulate_s": t1 - t0, "simulate_cpu_s": cpu1 - cpu0, "run_s": t2 - t1,
        "run_cpu_s": cpu2 - cpu1, "full_pipeline": full,
        "steps_s": {r.step: round(r.seconds, 2) for r in result.records}}
    row["variants"] = fit_variants(visit, sources, case.detector)
    if full:
        products = filter_catalogs(out)
        filt = visit.truth.exposures[0].filter.lower()
        row["completeness"] = completeness(visit.truth, *products[filt], filt) if filt in \
            products else {"error": f"no point catalogue or drizzle of {filt} in {out}"}
    return row


def run_catalog_case(case: Case, size: int | None, work: Path) -> dict[str, Any]:
    """Run recipe v1 on one visit and score its filter point catalogues against the truth.

    A kept run (``--keep``) that already holds point catalogues is scored as it is, with the
    truth of its kept visit.
    """
    visit_dir, out = work / "visits" / case.name, work / "runs" / case.name
    reused = (visit_dir / TRUTH_DIR / "visit.json").is_file() and out.is_dir() and \
        any(out.glob("*_point-cat.ecsv"))
    cpu0, t0 = _usage()
    row: dict[str, Any] = {**asdict(case), "name": case.name, "reused_run": reused,
                           "exit_code": None, "simulate_s": None, "simulate_cpu_s": None,
                           "run_s": None, "run_cpu_s": None, "steps_s": {}}
    if reused:
        truth = load_truth(visit_dir)
    else:
        visit = simulate_case(case, size, work)
        cpu1, t1 = _usage()
        result = run_pipeline(visit, out, "v1")
        cpu2, t2 = _usage()
        truth = visit.truth
        row.update(exit_code=result.exit_code, simulate_s=t1 - t0, simulate_cpu_s=cpu1 - cpu0,
                   run_s=t2 - t1, run_cpu_s=cpu2 - cpu1,
                   steps_s={r.step: round(r.seconds, 2) for r in result.records})
    cpu3, t3 = _usage()
    row["stars_simulated"] = int(np.sum(truth.sources["type"] == "star"))
    row["filters"] = score_run(truth, out, curve=case.crowding == "crowded")
    cpu4, t4 = _usage()
    row.update(score_s=t4 - t3, score_cpu_s=cpu4 - cpu3)
    return row


def main_catalogs(args: argparse.Namespace, record: dict, work: Path) -> None:
    """``--catalogs``: run and score every visit, rewriting the results after each one."""
    todo = cases(args.per_detector)
    rows: list[dict] = []
    for i, case in enumerate(todo, start=1):
        row = json.loads(json.dumps(run_catalog_case(case, args.size, work), default=float))
        rows.append(row)
        parts = [f"{f.upper()} completeness {s['completeness_snr10']:.3f} "
                 f"(n {s['n_stars_snr10']}), false {s['false_trusted']:.3f}, MagPSF "
                 f"{s.get('MagPSF_median', float('nan')):+.4f} ± "
                 f"{s.get('MagPSF_scatter', float('nan')):.4f} (n {s.get('MagPSF_n', 0)})"
                 for f, s in row["filters"].items()]
        print(f"{i}/{len(todo)} {case.name}: exit {row['exit_code']}, "
              f"{'; '.join(parts) or 'no point catalogue'}; run {row['run_s'] or 0:.0f} s, "
              f"score {row['score_s']:.0f} s", file=sys.stderr, flush=True)
        figures = {"size": args.size, "visits_planned": len(todo), "visits_done": len(rows),
                   "targets": TARGETS, "visits": rows}
        path = write_result(args.name, record, figures)
        page = catalog_report(rows, json.loads(path.read_text())["run"], len(todo))
        (path.parent / f"{args.name}.md").write_text(page)
        if not args.keep:
            shutil.rmtree(work / "visits" / case.name, ignore_errors=True)
            shutil.rmtree(work / "runs" / case.name, ignore_errors=True)
    print(page)


def ratio_rms(rows: list[dict], label: str, level: str) -> tuple[float, int]:
    """RMS of measured per-axis error / SVMAERR over visits or exposures (aligned fits)."""
    z = []
    for r in rows:
        v = r["variants"][label]
        if v["status"] != "aligned":
            continue
        if level == "visit":
            per_axis = np.sqrt(np.mean([e["per_axis_rms_mas"] ** 2 for e in v["exposures"]]))
            if v["svmaerr_mas"] > 0:
                z.append(per_axis / v["svmaerr_mas"])
        else:
            z += [e["per_axis_rms_mas"] / e["svmaerr_mas"] for e in v["exposures"]
                  if e["svmaerr_mas"] > 0]
    return (float(np.sqrt(np.mean(np.square(z)))) if z else float("nan")), len(z)


def report(rows: list[dict], record: dict, size: int | None) -> str:
    """The markdown page."""
    m = record["machine"]
    lines = ["# Harder truth: Gaia-DR3-like catalogue, proper motions, SVMAERR, crowded fields "
             "(`benchmarks/bench_truth.py`)", "",
             f"Command: `{record['command']}`  ", f"Commit: {record['commit']} "
             f"({record['source']}); started {record['started_utc']} UTC, finished "
             f"{record.get('finished_utc', '')} UTC  ",
             f"Machine: {m['cpu']}, {m['nproc']} CPUs, {m['ram_gib']} GiB, Python {m['python']};"
             f" load average at start {record['loadavg_start']}, at end "
             f"{record.get('loadavg_end', '')} (shared machine)  ",
             f"Images: {'full frames' if size is None else f'size {size}'}; {len(rows)} visits "
             "of 4 exposures.", "",
             "Error = RMS over a 16×16 pixel grid of each chip of the sky separation between the "
             "fitted WCS and the simulator's true WCS (per chip; median and max over the chips "
             "of the group). Ratio = RMS over visits (or exposures) of (per-axis RMS error / "
             "reported SVMAERR, 1σ per axis); a calibrated uncertainty gives about 1.", "",
             "## Final WCS error per chip (mas): median / max", "",
             "| detector | crowding | visits | " + " | ".join(VARIANTS) + " |",
             "|---|---|---|" + "---|" * len(VARIANTS)]
    for det in INSTRUMENT:
        for crowd in ("sparse", "crowded"):
            sub = [r for r in rows if r["detector"] == det and r["crowding"] == crowd]
            if not sub:
                continue
            cells = []
            for label in VARIANTS:
                vals = [x for r in sub for x in r["variants"][label]["chip_rms_mas"]]
                ok = sum(r["variants"][label]["status"] == "aligned" for r in sub)
                cells.append(f"{np.median(vals):.2f} / {np.max(vals):.2f} ({ok}/{len(sub)} "
                             "aligned)")
            lines.append(f"| {det} | {crowd} | {len(sub)} | " + " | ".join(cells) + " |")
    lines += ["", "## Calibration of SVMAERR (target 0.7-1.5)", "",
              "| fit | ratio RMS over visits (n) | ratio RMS over exposures (n) |",
              "|---|---|---|"]
    for label in VARIANTS:
        (zv, nv), (ze, ne) = ratio_rms(rows, label, "visit"), ratio_rms(rows, label, "exposure")
        lines.append(f"| {label} | {zv:.2f} ({nv}) | {ze:.2f} ({ne}) |")
    for crowd in ("sparse", "crowded"):
        sub = [r for r in rows if r["crowding"] == crowd]
        if sub:
            (zv, nv) = ratio_rms(sub, "pm+weights", "visit")
            lines.append(f"| pm+weights, {crowd} only | {zv:.2f} ({nv}) | "
                         f"{ratio_rms(sub, 'pm+weights', 'exposure')[0]:.2f} |")
    lines += ["", "## Every visit (pipeline run: pm + weights, the shipped defaults)", "",
              "| visit | epoch | pm mean (mas/yr) | stars | ref. stars | sources | status | "
              "matches | chip error median (mas) | SVMAERR (mas) | no-pm error median (mas) | "
              "simulate s (CPU) | run s (CPU) |", "|---|---|---|---|---|---|---|---|---|---|---|"
              "---|---|"]
    for r in rows:
        v, nopm = r["variants"]["pm+weights"], r["variants"]["no pm, weights"]
        lines.append(
            f"| {r['name']} | {r['epoch']:.0f} | ({r['pm_mean'][0]:+.1f}, {r['pm_mean'][1]:+.1f})"
            f" ± {r['pm_dispersion']:.1f} | {r['stars_simulated']} | {r['n_reference']} | "
            f"{r['n_sources']} | {r['pipeline_status']} | {v['n_matches']} | "
            f"{np.median(r['pipeline_chip_rms_mas']):.2f} | {r['pipeline_svmaerr_mas']:.2f} | "
            f"{np.median(nopm['chip_rms_mas']):.1f} | {r['simulate_s']:.0f} "
            f"({r['simulate_cpu_s']:.0f}) | {r['run_s']:.0f} ({r['run_cpu_s']:.0f}) |")
    crowded = [r for r in rows if "completeness" in r and "bins" in r["completeness"]]
    if crowded:
        lines += ["", "## Crowded fields: point-catalogue completeness (full pipeline)", "",
                  "Fraction of the true stars on exposed pixels with a point-catalogue source "
                  "within one output pixel, by true magnitude in the visit's filter; the three "
                  "density columns split the stars into tertiles of local density (true stars "
                  "within 1″, per arcsec²). *Chance* = fraction of positions shifted by "
                  "(0.7″, 0.7″) that also find a source (false matches by coincidence).", ""]
        for r in crowded:
            c = r["completeness"]
            e = c["density_edges_per_arcsec2"]
            lines += [f"**{r['name']}** ({c['filter']}, {c['n_catalog']} catalogue rows, "
                      f"{c['n_true_stars_exposed']} true stars exposed, chance "
                      f"{c['chance_match_fraction']:.3f}; steps "
                      + ", ".join(f"{k} {s:.0f} s" for k, s in r["steps_s"].items()
                                  if s >= 1.0) + ")", "",
                      f"| mag | stars | all | density {e[0]:.1f}-{e[1]:.1f} | "
                      f"{e[1]:.1f}-{e[2]:.1f} | {e[2]:.1f}-{e[3]:.1f} |",
                      "|---|---|---|---|---|---|"]
            for b in c["bins"]:
                if b["n"]:
                    cells = [b["completeness"]] + [b[f"completeness_density{k}"]
                                                   for k in range(3)]
                    lines.append(f"| {b['mag_lo']:.0f}-{b['mag_hi']:.0f} | {b['n']} | " +
                                 " | ".join("—" if x is None else f"{x:.2f}" for x in cells)
                                 + " |")
            lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Run the benchmark; write ``benchmarks/results/truth.json`` and ``truth.md``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-detector", type=int, default=len(PLAN))
    parser.add_argument("--size", type=int, default=None, help="image size (default: full)")
    parser.add_argument("--keep", action="store_true", help="keep the visits and runs")
    parser.add_argument("--catalogs", action="store_true",
                        help="run recipe v1 on every visit and score its point catalogues "
                             "(results truth_catalogs.{json,md}); the alignment figures are "
                             "not re-measured")
    parser.add_argument("--name", default=None,
                        help="results file stem (default truth, or truth_catalogs)")
    args = parser.parse_args()
    args.name = args.name or ("truth_catalogs" if args.catalogs else "truth")
    argv = sys.argv[1:]
    run_at_commit(SCRIPT, argv)
    record = start_record(command_line(SCRIPT, argv))
    work = ROOT / "benchmarks" / "work" / "truth"
    work.mkdir(parents=True, exist_ok=True)
    if args.catalogs:
        main_catalogs(args, record, work)
        return
    align_recipe = recipe_file(work)
    rows: list[dict] = []
    todo = cases(args.per_detector)
    for i, case in enumerate(todo, start=1):
        row = run_case(case, args.size, work, align_recipe)
        rows.append(row)
        v = row["variants"]["pm+weights"]
        print(f"{i}/{len(todo)} {case.name}: {row['pipeline_status']}, chip error median "
              f"{np.median(row['pipeline_chip_rms_mas']):.2f} mas, SVMAERR "
              f"{row['pipeline_svmaerr_mas']:.2f} mas, refit {v['status']}; simulate "
              f"{row['simulate_s']:.0f} s, run {row['run_s']:.0f} s", file=sys.stderr, flush=True)
        (work / f"{args.name}_partial.json").write_text(json.dumps(rows, default=float))
        if not args.keep:
            shutil.rmtree(work / "visits" / case.name, ignore_errors=True)
            shutil.rmtree(work / "runs" / case.name, ignore_errors=True)
    rows = json.loads(json.dumps(rows, default=float))     # numpy scalars to JSON types
    figures = {"size": args.size, "visits": rows}
    path = write_result(args.name, record, figures)
    page = report(rows, json.loads(path.read_text())["run"], args.size)
    (path.parent / f"{args.name}.md").write_text(page)
    print(page)


if __name__ == "__main__":
    main()
