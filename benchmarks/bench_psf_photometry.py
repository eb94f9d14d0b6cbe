"""Point-catalogue photometry and trust on full-size simulated visits, per detector and filter.

Usage::

    .venv/bin/python benchmarks/bench_psf_photometry.py RUN_DIR:VISIT_DIR [...]
        [--out benchmarks/results/psf_photometry.md]

Each ``RUN_DIR`` is a finished ``svm`` run of the simulated visit in ``VISIT_DIR``
(``hapsvm.simulate.simulate_visit``; ``benchmarks/peers/make_visits.py`` makes the three
benchmark visits). The catalogue stage (``hapsvm.catalogs.build_catalogs``, the work of the
``make_catalogs`` step) is run again on the run's drizzled products with the parameters composed
for its detector, timed in CPU seconds of this process, and its filter point catalogues are
scored against the truth:

* completeness: stars on the image (≥ 3 px inside exposed pixels, as
  ``hapsvm.simulate.scoring``) with expected S/N ≥ 10 in aperture 2 that a *trusted* row
  matches within 1 output pixel;
* false fraction among trusted rows: trusted rows with no true star or galaxy within 1 pixel;
* PSF and aperture-corrected magnitudes of isolated stars (no other true source within 1″, not
  saturated: flag 4's rule applied to the inputs' DQ, also on WFC3/IR where the catalogue never
  sets flag 4) with expected S/N ≥ 50: median and robust scatter (1.4826 MAD) of MagPSF − true
  total mag and MagAp2Cor − true total mag;
* issue 19's targets per detector and filter: completeness ≥ 95 %, false among trusted ≤ 2 %,
  MagPSF robust scatter ≤ 0.02 mag and |median| ≤ 0.01 mag (``TARGETS``; the table says which
  are missed).
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs.utils import proj_plane_pixel_scales

from hapsvm.catalogs import CatalogParameters
from hapsvm.catalogs import build_catalogs
from hapsvm.catalogs import read_product
from hapsvm.catalogs import saturated_pixels
from hapsvm.catalogs.flags import saturation_flags
from hapsvm.simulate import load_truth
from hapsvm.simulate.scoring import _exposed
from hapsvm.simulate.scoring import expected_snr

ROOT = Path(__file__).resolve().parents[1]

#: issue 19's targets: (score key, bound, "min" or "max" or "abs")
TARGETS = (("completeness_snr10", 0.95, "min"), ("false_trusted", 0.02, "max"),
           ("MagPSF_scatter", 0.02, "max"), ("MagPSF_median", 0.01, "abs"))


def missed_targets(s: dict[str, float]) -> list[str]:
    """The issue-19 targets a filter's scores miss (a missing score counts as missed)."""
    out = []
    for key, bound, kind in TARGETS:
        v = float(s.get(key, float("nan")))
        ok = np.isfinite(v) and (v >= bound if kind == "min" else
                                 (abs(v) <= bound if kind == "abs" else v <= bound))
        if not ok:
            out.append(key)
    return out


def run_params(run_dir: Path) -> CatalogParameters:
    """The ``make_catalogs`` values the run used (its total drizzle's recipe file); keys this
    checkout added since keep their defaults."""
    recipe = next(run_dir.glob("*_total_*_dr[cz]_recipe.yaml"))
    values = yaml.safe_load(recipe.read_text())["config"]["make_catalogs"]
    known = CatalogParameters.__dataclass_fields__
    return CatalogParameters(**{k: v for k, v in values.items() if k in known})


@dataclass
class Products:
    """A run's drizzled products and inputs, by filter."""

    detector: str
    total: Path
    filters: dict[str, Path]
    inputs: dict[str, list[Path]]


def find_products(run_dir: Path) -> Products:
    """Total and filter drizzles (``hst_*_<filter>_<ipppss>_dr[cz].fits``) and FLT/FLC copies."""
    drz = sorted(p for p in run_dir.glob("hst_*_dr[cz].fits"))
    total = next(p for p in drz if "_total_" in p.name)
    parts = total.name.split("_")
    detector = f"{parts[3]}_{parts[4]}"
    ipppss = parts[6]
    filters = {p.name.split("_")[5]: p for p in drz
               if p.name.split("_")[6] == ipppss and "_total_" not in p.name}
    inputs = {f: sorted(run_dir.glob(f"hst_*_{f}_{ipppss}*_fl[ct].fits")) for f in filters}
    return Products(detector, total, filters, inputs)


def make(products: Products, params: CatalogParameters) -> tuple[object, float, float]:
    """Run the catalogue stage; returns (DetectorCatalogs, CPU s, wall s)."""
    from hapsvm.catalogs import product_grid

    cpu, wall = time.process_time(), time.perf_counter()
    wcs, shape = product_grid(products.total)
    saturated = {f: saturated_pixels(products.inputs[f], params.saturation_dq_bits, wcs, shape)
                 for f in products.filters}
    total = read_product(products.total, filter_name="total")
    filters = (read_product(p, filter_name=f) for f, p in products.filters.items())
    result = build_catalogs(total, filters, params, saturated=saturated)
    return result, time.process_time() - cpu, time.perf_counter() - wall


def _robust(values: np.ndarray) -> tuple[float, float]:
    med = float(np.median(values))
    return med, 1.4826 * float(np.median(np.abs(values - med)))


def saturated_inputs(run_dir: Path) -> tuple[dict[str, tuple[np.ndarray, np.ndarray]], float]:
    """Per filter, the run's saturated input pixels (DQ ``saturation_dq_bits``) in the product
    frame, and the aperture-2 radius in pixels: the rule of flag 4, which WFC3/IR never sets."""
    from hapsvm.catalogs import product_grid

    products, params = find_products(run_dir), run_params(run_dir)
    wcs, shape = product_grid(products.total)
    scale = float(np.mean(proj_plane_pixel_scales(wcs.celestial))) * 3600.0
    return ({f: saturated_pixels(products.inputs[f], params.saturation_dq_bits, wcs, shape)
             for f in products.filters}, params.aperture_2_arcsec / scale)


def score(table: Table, drizzle: Path, truth: object, filter_name: str, *,
          saturated: tuple[tuple[np.ndarray, np.ndarray], float] | None = None
          ) -> dict[str, float]:
    """Completeness, false fraction among trusted rows, PSF and Ap2Cor magnitude errors.

    Saturated stars (flag 4, or with ``saturated`` = (saturated input pixels in the product
    frame, aperture-2 radius px) within flag 4's distance of one: the detectors that never set
    flag 4) are left out of the magnitude figures of unsaturated stars; their MagPSF is scored
    apart (``MagPSF_sat_*``): the PSF fit measures them from their wings."""
    src = truth.sources  # type: ignore[attr-defined]
    good, scale = _exposed(drizzle, np.asarray(src["ra"]), np.asarray(src["dec"]), margin=3)
    radius = 1.0 * scale
    c_src = SkyCoord(np.asarray(src["ra"]), np.asarray(src["dec"]), unit="deg")
    trusted = np.asarray(table["Trusted"], bool) if "Trusted" in table.colnames else \
        np.asarray(table["Flags"]) <= 5
    cat = table[trusted]
    c_cat = SkyCoord(np.asarray(cat["RA"], float), np.asarray(cat["DEC"], float), unit="deg")
    flux_true = np.asarray(src[f"flux_{filter_name}"], float)
    mag_true = np.asarray(src[f"mag_{filter_name}"], float)
    err = np.asarray(table["FluxErrAp2"], float)
    snr = expected_snr(flux_true, err[np.isfinite(err)], fits.getval(drizzle, "EXPTIME"))
    is_star = np.asarray(src["type"]) == "star"
    out: dict[str, float] = {"rows": len(table), "trusted": int(trusted.sum())}
    if len(cat):
        idx, sep, _ = c_src.match_to_catalog_sky(c_cat)
        found = sep.to_value(u.arcsec) < radius
        _, back, _ = c_cat.match_to_catalog_sky(c_src)
        out["false_trusted"] = float(np.mean(back.to_value(u.arcsec) >= radius))
    else:
        found = np.zeros(len(src), bool)
        out["false_trusted"] = float("nan")
    bright = is_star & good & (snr >= 10)
    out["n_stars_snr10"] = int(bright.sum())
    out["completeness_snr10"] = float(found[bright].mean()) if bright.any() else float("nan")
    # isolated unsaturated S/N >= 50 stars, matched in the full table
    _, d2, _ = c_src.match_to_catalog_sky(c_src, nthneighbor=2)
    c_all = SkyCoord(np.asarray(table["RA"], float), np.asarray(table["DEC"], float), unit="deg")
    j, sep_all, _ = c_src.match_to_catalog_sky(c_all)
    flags = np.asarray(table["Flags"], int)[j]
    sat = (flags & 4) != 0
    if saturated is not None:
        (sx, sy), r2 = saturated
        sat |= saturation_flags(np.asarray(table["X-Center"], float)[j],
                                np.asarray(table["Y-Center"], float)[j], sx, sy,
                                aperture_2_px=r2) != 0
    base = is_star & good & (snr >= 50) & (d2.to_value(u.arcsec) > 1.0) & \
        (sep_all.to_value(u.arcsec) < radius)
    sel = base & ~sat
    out["n_snr50"] = int(sel.sum())
    for col, which, suffix in (("MagPSF", sel, ""), ("MagAp2Cor", sel, ""),
                               ("MagPSF", base & sat, "_sat")):
        if col not in table.colnames:
            continue
        d = np.asarray(table[col], float)[j][which] - mag_true[which]
        d = d[np.isfinite(d)]
        if d.size >= 3:
            out[f"{col}{suffix}_median"], out[f"{col}{suffix}_scatter"] = _robust(d)
            out[f"{col}{suffix}_n"] = int(d.size)
    return out


def _git_commit() -> str:
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                          capture_output=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--", "engine/catalogs"], cwd=ROOT,
                           text=True, capture_output=True).stdout.strip()
    return head + (" + uncommitted engine/catalogs changes" if dirty else "")


def _fmt(value: object, digits: int = 3) -> str:
    if isinstance(value, float):
        return "–" if not np.isfinite(value) else f"{value:.{digits}f}"
    return str(value)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("runs", nargs="+", help="RUN_DIR:VISIT_DIR pairs")
    ap.add_argument("--out", type=Path, default=None, help="markdown file to write")
    a = ap.parse_args(argv)
    rows, times = [], []
    for pair in a.runs:
        run_dir, visit_dir = (Path(p) for p in pair.split(":"))
        products, params = find_products(run_dir), run_params(run_dir)
        truth = load_truth(visit_dir)
        result, cpu, wall = make(products, params)
        sat_xy, r2 = saturated_inputs(run_dir)
        load = os.getloadavg()[0]
        times.append((products.detector, cpu, wall, load))
        print(f"{products.detector}: catalogue stage {cpu:.1f} CPU s, {wall:.1f} wall s "
              f"(load {load:.1f})", flush=True)
        for prod in result.filters:  # type: ignore[attr-defined]
            s = score(prod.point, products.filters[prod.filter_name], truth, prod.filter_name,
                      saturated=(sat_xy[prod.filter_name], r2))
            meta = prod.point.meta
            s["apcorr"] = meta.get("Aperture correction", float("nan"))
            s["apcorr_method"] = str(meta.get("Aperture correction method", "")).split(":")[0]
            rows.append((products.detector, prod.filter_name.upper(), s,
                         str(meta.get("PSF photometry", "–"))))
            print(products.detector, prod.filter_name, s, flush=True)
    lines = [
        "# Point-catalogue photometry and trust on simulated visits",
        "",
        f"`{' '.join(['.venv/bin/python', 'benchmarks/bench_psf_photometry.py', *a.runs])}`",
        "",
        f"Commit {_git_commit()}; machine {platform.machine()}, Python "
        f"{platform.python_version()}, {os.cpu_count()} CPUs shared with other jobs (1-minute "
        "load in the timing table); written "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; hapsvm catalogue code from "
        f"`{Path(build_catalogs.__code__.co_filename).parent}`.",
        "",
        "Runs: full-size visits of `benchmarks/peers/make_visits.py` (sim_ir: WFC3/IR 4 × F160W "
        "seed 1; sim_uvis: WFC3/UVIS 4 exposures F555W+F814W seed 2; sim_acs: ACS/WFC 6 "
        "exposures F606W+F814W seed 3) run by `svm`; the catalogue stage is re-run here on "
        "their drizzled products (definitions in the script's docstring).",
        "",
        "| detector | filter | rows | trusted | false among trusted | completeness S/N≥10 "
        "(n) | MagPSF − true: median / robust scatter (n, S/N≥50) | MagAp2Cor − true: median "
        "/ robust scatter | aperture correction | issue 19 targets missed |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for det, filt, s, _ in rows:
        psf = (f"{_fmt(s.get('MagPSF_median', float('nan')), 4)} / "
               f"{_fmt(s.get('MagPSF_scatter', float('nan')), 4)} ({s.get('MagPSF_n', 0)})")
        ap2 = (f"{_fmt(s.get('MagAp2Cor_median', float('nan')), 4)} / "
               f"{_fmt(s.get('MagAp2Cor_scatter', float('nan')), 4)}")
        lines.append(f"| {det} | {filt} | {s['rows']} | {s['trusted']} | "
                     f"{_fmt(s['false_trusted'])} | {_fmt(s['completeness_snr10'])} "
                     f"({s['n_stars_snr10']}) | {psf} | {ap2} | {_fmt(s['apcorr'], 4)} "
                     f"({s['apcorr_method']}) | {', '.join(missed_targets(s)) or 'none'} |")
    lines += ["", "Catalogue stage (`build_catalogs` + saturated-pixel mapping, one process):",
              "", "| detector | CPU s | wall s | load |", "|---|---|---|---|"]
    lines += [f"| {d} | {c:.1f} | {w:.1f} | {lo:.1f} |" for d, c, w, lo in times]
    lines += ["", "PSF models:", ""] + [f"- {d} {f.upper()}: {note}" for d, f, _, note in rows]
    text = "\n".join(lines) + "\n"
    print(text)
    if a.out:
        a.out.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
