"""Harder truth: alignment to a Gaia-DR3-like catalogue with proper motions, SVMAERR calibration,
and point-catalogue completeness in crowded fields.

Usage::

    .venv/bin/python benchmarks/bench_truth.py                       # 24 full-size visits
    .venv/bin/python benchmarks/bench_truth.py --per-detector 2 --size 512   # a quick look

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
"""
from __future__ import annotations

import argparse
import functools
import json
import re
import resource
import shutil
import sys
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from omegaconf import OmegaConf

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_alignment import recipe_file, rms_error  # noqa: E402
from run_record import command_line, run_at_commit, start_record, write_result  # noqa: E402

from hapsvm.align import FileCatalogProvider, align_detector  # noqa: E402
from hapsvm.align.chip_wcs import read_exposure_wcs  # noqa: E402
from hapsvm.cli import run_visit  # noqa: E402
from hapsvm.core import Recipe, RecipeComposer  # noqa: E402
from hapsvm.paths import project_paths  # noqa: E402
from hapsvm.simulate import SimulatedVisit, VisitTruth, simulate_visit  # noqa: E402

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
MAG_BINS = np.arange(12.0, 28.01, 1.0)


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


def completeness(visit: SimulatedVisit, out: Path, filter_name: str) -> dict[str, Any]:
    """Point-catalogue completeness of the true stars against magnitude and local density."""
    # the filter product: <...>_<filter>_<ipppss>_drc.fits (single exposures: 8-character ids)
    pattern = re.compile(rf"_{filter_name.lower()}_[a-z0-9]{{6}}_(point-cat\.ecsv|dr[cz]\.fits)$")
    cats = [p for p in out.glob("*point-cat.ecsv") if pattern.search(p.name)]
    drz = [p for p in out.glob("*_dr[cz].fits") if pattern.search(p.name)]
    if not cats or not drz:
        return {"error": f"no point catalogue or drizzle of {filter_name} in {out}"}
    cat = Table.read(cats[0], format="ascii.ecsv")
    src = visit.truth.sources
    stars = src[src["type"] == "star"]
    with fits.open(drz[0]) as hdul:
        wht = hdul["WHT"].data
        w = WCS(hdul["SCI"].header)
    x, y = w.all_world2pix(np.asarray(stars["ra"]), np.asarray(stars["dec"]), 0)
    xi, yi = np.round(x).astype(int), np.round(y).astype(int)
    m = 3
    inside = (xi >= m) & (yi >= m) & (xi < wht.shape[1] - m) & (yi < wht.shape[0] - m)
    exposed = np.zeros(len(stars), bool)
    exposed[inside] = wht[yi[inside], xi[inside]] > 0
    scale = float(np.sqrt(abs(np.linalg.det(w.pixel_scale_matrix)))) * 3600.0
    c_star = SkyCoord(np.asarray(stars["ra"]), np.asarray(stars["dec"]), unit="deg")
    c_cat = SkyCoord(np.asarray(cat["RA"]), np.asarray(cat["DEC"]), unit="deg")
    _, sep, _ = c_star.match_to_catalog_sky(c_cat)
    found = sep.to_value(u.arcsec) < scale
    # local density: true stars within 1″ (the star itself excluded), per arcsec²
    idx = c_star.search_around_sky(c_star, 1.0 * u.arcsec)[0]
    density = (np.bincount(idx, minlength=len(stars)) - 1) / np.pi
    mag = np.asarray(stars[f"mag_{filter_name.lower()}"], float)
    sel = exposed
    edges = np.quantile(density[sel], [0.0, 1 / 3, 2 / 3, 1.0])
    rows = []
    for lo, hi in zip(MAG_BINS[:-1], MAG_BINS[1:]):
        in_bin = sel & (mag >= lo) & (mag < hi)
        row = {"mag_lo": float(lo), "mag_hi": float(hi), "n": int(in_bin.sum()),
               "completeness": float(found[in_bin].mean()) if in_bin.any() else None}
        for k in range(3):
            part = in_bin & (density >= edges[k]) & (density <= edges[k + 1])
            row[f"completeness_density{k}"] = float(found[part].mean()) if part.any() else None
        rows.append(row)
    shifted = SkyCoord(c_star.ra + 0.7 * u.arcsec, c_star.dec + 0.7 * u.arcsec)
    _, sep_r, _ = shifted.match_to_catalog_sky(c_cat)
    return {"filter": filter_name, "n_catalog": len(cat), "n_true_stars_exposed": int(sel.sum()),
            "match_radius_arcsec": scale, "density_edges_per_arcsec2": edges.tolist(),
            "chance_match_fraction": float((sep_r.to_value(u.arcsec)[sel] < scale).mean()),
            "bins": rows, "catalog": cats[0].name}


def _usage() -> tuple[float, float]:
    s, c = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return s.ru_utime + s.ru_stime + c.ru_utime + c.ru_stime, time.perf_counter()


def run_case(case: Case, size: int | None, work: Path, align_recipe: str) -> dict[str, Any]:
    """Simulate one visit, run the pipeline, re-fit four ways, score."""
    cpu0, t0 = _usage()
    exptime = CROWDED_EXPTIME_S if case.crowding == "crowded" else None
    visit = simulate_visit(work / "visits" / case.name, detector=case.detector, size=size,
                           seed=case.seed, n_stars=case.n_stars, crowding=case.crowding,
                           epoch_year=case.epoch, pm_mean_mas_yr=case.pm_mean,
                           pm_dispersion_mas_yr=case.pm_dispersion, exptime=exptime,
                           overwrite=True)
    cpu1, t1 = _usage()
    out = work / "runs" / case.name
    shutil.rmtree(out, ignore_errors=True)
    full = case.crowding == "crowded"
    result = run_visit(str(visit.poller_path), out,
                       [f"align_to_catalog.catalog_file={visit.reference_catalog_path}",
                        "align_to_catalog.providers=[file]",
                        "align_to_catalog.catalog_cache_dir=''"],
                       recipe="v1" if full else align_recipe)
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
        filt = visit.truth.exposures[0].filter
        row["completeness"] = completeness(visit, out, filt)
    return row


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
    parser.add_argument("--name", default="truth", help="results file stem")
    args = parser.parse_args()
    argv = sys.argv[1:]
    run_at_commit(SCRIPT, argv)
    record = start_record(command_line(SCRIPT, argv))
    work = ROOT / "benchmarks" / "work" / "truth"
    work.mkdir(parents=True, exist_ok=True)
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
