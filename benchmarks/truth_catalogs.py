"""Point-catalogue figures of ``bench_truth.py --catalogs``: score a finished run's filter point
catalogues against a simulated visit's truth, pool them per detector and filter, render the page.

The per-catalogue scoring is ``bench_psf_photometry.score`` (completeness at expected S/N ≥ 10
among stars on the image, false fraction among Trusted rows, MagPSF and MagAp2Cor − true total
magnitude of isolated unsaturated S/N ≥ 50 stars); this module only finds the products, adds the
crowded-field completeness curve against magnitude and local density, and pools visits.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from bench_psf_photometry import find_products
from bench_psf_photometry import saturated_inputs
from bench_psf_photometry import score

from hapsvm.simulate import VisitTruth
from hapsvm.simulate.scoring import expected_snr

__all__ = ["MAG_BINS", "TARGETS", "catalog_report", "completeness", "filter_catalogs",
           "pooled", "score_run"]

MAG_BINS = np.arange(12.0, 28.01, 1.0)
#: The issue's targets: completeness at S/N ≥ 10, false among Trusted, MagPSF scatter and
#: |median offset| of S/N ≥ 50 stars (mag).
TARGETS = {"completeness": 0.95, "false": 0.02, "scatter": 0.02, "offset": 0.01}


def filter_catalogs(run_dir: Path) -> dict[str, tuple[Path, Path]]:
    """Filter name (lower case) → (point catalogue, filter drizzle) of a finished run."""
    out = {}
    for name, drizzle in find_products(run_dir).filters.items():
        cat = drizzle.with_name(drizzle.name.rsplit("_", 1)[0] + "_point-cat.ecsv")
        if cat.is_file():
            out[name.lower()] = (cat, drizzle)
    return out


def completeness(truth: VisitTruth, catalog: Path, drizzle: Path,
                 filter_name: str) -> dict[str, Any]:
    """Point-catalogue completeness of the true stars against magnitude and local density.

    A star counts when it lies on exposed pixels (3 px from the edge) and a catalogue row (any
    row, and separately a Trusted row) lies within one output pixel; ``snr_median`` is the
    median expected aperture-2 S/N of the bin's stars (``expected_snr``).
    """
    filter_name = filter_name.lower()
    cat = Table.read(catalog, format="ascii.ecsv")
    src = truth.sources
    stars = src[src["type"] == "star"]
    with fits.open(drizzle) as hdul:
        wht = hdul["WHT"].data
        w = WCS(hdul["SCI"].header)
        exptime = float(hdul[0].header["EXPTIME"])
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
    trusted = np.asarray(cat["Trusted"], bool) if "Trusted" in cat.colnames else \
        np.ones(len(cat), bool)
    found_trusted = np.zeros(len(stars), bool)
    if trusted.any():
        _, sep_t, _ = c_star.match_to_catalog_sky(c_cat[trusted])
        found_trusted = sep_t.to_value(u.arcsec) < scale
    snr = expected_snr(np.asarray(stars[f"flux_{filter_name}"], float),
                       np.asarray(cat["FluxErrAp2"], float), exptime)
    # local density: true stars within 1″ (the star itself excluded), per arcsec²
    idx = c_star.search_around_sky(c_star, 1.0 * u.arcsec)[0]
    density = (np.bincount(idx, minlength=len(stars)) - 1) / np.pi
    mag = np.asarray(stars[f"mag_{filter_name}"], float)
    sel = exposed
    edges = np.quantile(density[sel], [0.0, 1 / 3, 2 / 3, 1.0])
    rows = []
    for lo, hi in zip(MAG_BINS[:-1], MAG_BINS[1:]):
        in_bin = sel & (mag >= lo) & (mag < hi)
        row = {"mag_lo": float(lo), "mag_hi": float(hi), "n": int(in_bin.sum()),
               "completeness": float(found[in_bin].mean()) if in_bin.any() else None,
               "completeness_trusted": float(found_trusted[in_bin].mean()) if in_bin.any()
               else None,
               "snr_median": float(np.median(snr[in_bin])) if in_bin.any() else None}
        for k in range(3):
            part = in_bin & (density >= edges[k]) & (density <= edges[k + 1])
            row[f"completeness_density{k}"] = float(found[part].mean()) if part.any() else None
        rows.append(row)
    shifted = SkyCoord(c_star.ra + 0.7 * u.arcsec, c_star.dec + 0.7 * u.arcsec)
    _, sep_r, _ = shifted.match_to_catalog_sky(c_cat)
    return {"filter": filter_name, "n_catalog": len(cat), "n_true_stars_exposed": int(sel.sum()),
            "match_radius_arcsec": scale, "density_edges_per_arcsec2": edges.tolist(),
            "chance_match_fraction": float((sep_r.to_value(u.arcsec)[sel] < scale).mean()),
            "bins": rows, "catalog": catalog.name}


def score_run(truth: VisitTruth, run_dir: Path, *, curve: bool) -> dict[str, dict[str, Any]]:
    """Per filter: ``bench_psf_photometry.score`` of the run's point catalogue, plus the
    completeness curve when ``curve``."""
    out: dict[str, dict[str, Any]] = {}
    catalogs = filter_catalogs(run_dir)
    sat_xy, r2 = saturated_inputs(run_dir) if catalogs else ({}, 0.0)
    for name, (cat, drizzle) in catalogs.items():
        table = Table.read(cat, format="ascii.ecsv")
        scores = score(table, drizzle, truth, name, saturated=(sat_xy[name], r2))
        row: dict[str, Any] = {"catalog": cat.name,
                               **{k: float(v) if isinstance(v, float) else v
                                  for k, v in scores.items()}}
        if curve:
            row["curve"] = completeness(truth, cat, drizzle, name)
        out[name] = row
    return out


def _weighted(values: list[tuple[float, int]]) -> tuple[float, float]:
    """(n-weighted mean, value of largest magnitude) of finite values with n > 0."""
    ok = [(v, n) for v, n in values if n > 0 and np.isfinite(v)]
    if not ok:
        return float("nan"), float("nan")
    v, n = np.array(ok, float).T
    return float(np.sum(v * n) / np.sum(n)), float(v[np.argmax(np.abs(v))])


def pooled(scores: list[dict[str, Any]]) -> dict[str, Any]:
    """Pool per-visit scores of one detector and filter.

    Completeness and false fraction are recounted from the visits' counts (stars with S/N ≥ 10
    found, false Trusted rows); MagPSF median offsets are averaged with the visits' S/N ≥ 50
    star counts as weights, scatters combined as the weighted RMS; the worst visit is given too.
    """
    n10 = sum(s["n_stars_snr10"] for s in scores)
    found = sum(round(s["completeness_snr10"] * s["n_stars_snr10"]) for s in scores
                if s["n_stars_snr10"])
    trusted = sum(s["trusted"] for s in scores)
    false = sum(round(s["false_trusted"] * s["trusted"]) for s in scores if s["trusted"])
    med = [(s.get("MagPSF_median", float("nan")), s.get("MagPSF_n", 0)) for s in scores]
    sca = [(s.get("MagPSF_scatter", float("nan")), s.get("MagPSF_n", 0)) for s in scores]
    offset, worst_offset = _weighted(med)
    var, _ = _weighted([(v * v, n) for v, n in sca])
    _, worst_scatter = _weighted(sca)
    return {"visits": len(scores), "n_stars_snr10": n10,
            "completeness_snr10": found / n10 if n10 else float("nan"),
            "trusted": trusted, "false_trusted": false / trusted if trusted else float("nan"),
            "n_snr50": sum(s.get("MagPSF_n", 0) for s in scores),
            "MagPSF_offset": offset, "MagPSF_offset_worst": worst_offset,
            "MagPSF_scatter": float(np.sqrt(var)), "MagPSF_scatter_worst": worst_scatter}


def _f(x: Any, digits: int = 3) -> str:
    return "—" if x is None or not np.isfinite(x) else f"{x:.{digits}f}"


def _meets(p: dict[str, Any]) -> str:
    values = {"completeness": p["completeness_snr10"], "false": p["false_trusted"],
              "scatter": abs(p["MagPSF_scatter_worst"]), "offset": abs(p["MagPSF_offset_worst"])}
    missed = [k for k, v in values.items() if np.isfinite(v) and
              (v < TARGETS[k] if k == "completeness" else v > TARGETS[k])]
    unknown = [k for k, v in values.items() if not np.isfinite(v)]
    verdict = "yes" if not missed else "no: " + ", ".join(missed)
    return verdict + (f" (no data: {', '.join(unknown)})" if unknown else "")


def _pooled_rows(rows: list[dict[str, Any]]) -> list[tuple[str, str, str, dict[str, Any]]]:
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for r in rows:
        for filt, s in r["filters"].items():
            for crowd in (r["crowding"], "all"):
                groups.setdefault((r["detector"], filt, crowd), []).append(s)
    order = {"sparse": 0, "crowded": 1, "all": 2}
    keys = sorted(groups, key=lambda k: (k[0], k[1], order[k[2]]))
    return [(d, f, c, pooled(groups[(d, f, c)])) for d, f, c in keys]


def _header(record: dict[str, Any], n_done: int, n_planned: int) -> list[str]:
    m = record["machine"]
    done = "" if n_done == n_planned else f" — **partial: {n_done} of {n_planned} visits done**"
    return ["# Point catalogues on the harder-truth visits (`benchmarks/bench_truth.py "
            "--catalogs`)", "",
            f"Command: `{record['command']}`  ", f"Commit: {record['commit']} "
            f"({record['source']}); started {record['started_utc']} UTC, written "
            f"{record.get('finished_utc', '')} UTC{done}  ",
            f"Machine: {m['cpu']}, {m['nproc']} CPUs, {m['ram_gib']} GiB, Python {m['python']};"
            f" load average at start {record['loadavg_start']}, at the last write "
            f"{record.get('loadavg_end', '')} (shared machine)", "",
            "The visits of `truth.md` (same plan and seeds), each run through the whole recipe "
            "v1 with the visit's reference catalogue; every filter point catalogue the run wrote "
            "is scored by `bench_psf_photometry.score`: completeness = stars on the image "
            "(≥ 3 px inside exposed pixels) with expected aperture-2 S/N ≥ 10 that a Trusted row "
            "matches within 1 output pixel; false = Trusted rows with no true star or galaxy "
            "within 1 pixel; MagPSF − true total magnitude of isolated (no true source within "
            "1″), unsaturated stars with expected S/N ≥ 50 (median and robust scatter "
            "1.4826·MAD). Saturated = within flag 4's distance of a saturated input pixel "
            "(DQ 256), applied on WFC3/IR too, whose catalogues never set flag 4; their MagPSF "
            "(fitted on the wings: the drizzled cores are partly empty) is scored apart.", ""]


def catalog_report(rows: list[dict[str, Any]], record: dict[str, Any], n_planned: int) -> str:
    """The markdown page of the point-catalogue figures."""
    t = TARGETS
    lines = _header(record, len(rows), n_planned) + [
        f"## Per detector and filter (targets: completeness ≥ {t['completeness']:.2f}, false ≤ "
        f"{t['false']:.2f}, MagPSF scatter ≤ {t['scatter']:.2f} mag, |offset| ≤ "
        f"{t['offset']:.2f} mag)", "",
        "Completeness and false fraction recounted over the visits; MagPSF offset = mean of the "
        "visits' medians weighted by their S/N ≥ 50 stars, scatter = weighted RMS of the "
        "visits' robust scatters; *worst* = the visit farthest from zero. *Meets* is judged on "
        "the pooled completeness and false fraction and on the worst visit's MagPSF figures.", "",
        "| detector | filter | fields | visits | stars S/N≥10 | completeness | Trusted rows | "
        "false | stars S/N≥50 | MagPSF offset (worst) | MagPSF scatter (worst) | meets |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for det, filt, crowd, p in _pooled_rows(rows):
        lines.append(
            f"| {det} | {filt.upper()} | {crowd} | {p['visits']} | {p['n_stars_snr10']} | "
            f"{_f(p['completeness_snr10'])} | {p['trusted']} | {_f(p['false_trusted'])} | "
            f"{p['n_snr50']} | {_f(p['MagPSF_offset'], 4)} ({_f(p['MagPSF_offset_worst'], 4)})"
            f" | {_f(p['MagPSF_scatter'], 4)} ({_f(p['MagPSF_scatter_worst'], 4)}) | "
            f"{_meets(p)} |")
    lines += ["", "## Every visit", "",
              "| visit | filter | rows | Trusted | false | stars S/N≥10 | completeness | "
              "MagPSF median / scatter (n) | MagAp2Cor median / scatter | saturated: MagPSF "
              "median / scatter (n) | run s (CPU) |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        for filt, s in r["filters"].items():
            lines.append(
                f"| {r['name']} | {filt.upper()} | {s['rows']} | {s['trusted']} | "
                f"{_f(s['false_trusted'])} | {s['n_stars_snr10']} | "
                f"{_f(s['completeness_snr10'])} | {_f(s.get('MagPSF_median'), 4)} / "
                f"{_f(s.get('MagPSF_scatter'), 4)} ({s.get('MagPSF_n', 0)}) | "
                f"{_f(s.get('MagAp2Cor_median'), 4)} / {_f(s.get('MagAp2Cor_scatter'), 4)} | "
                f"{_f(s.get('MagPSF_sat_median'), 4)} / {_f(s.get('MagPSF_sat_scatter'), 4)} "
                f"({s.get('MagPSF_sat_n', 0)}) | {r['run_s']:.0f} ({r['run_cpu_s']:.0f}) |")
    lines += _curves(rows)
    return "\n".join(lines) + "\n"


def _curves(rows: list[dict[str, Any]]) -> list[str]:
    with_curve = [(r, f, s["curve"]) for r in rows for f, s in r["filters"].items()
                  if "curve" in s]
    if not with_curve:
        return []
    lines = ["", "## Crowded fields: completeness curve", "",
             "Fraction of the true stars on exposed pixels with a point-catalogue row (any row; "
             "Trusted rows only) within one output pixel, by true magnitude in the visit's "
             "filter, with the bin's median expected S/N; the density columns (any row) split "
             "the stars into tertiles of local density (true stars within 1″, per arcsec²). "
             "*Chance* = fraction of positions shifted by (0.7″, 0.7″) that also find a row.", ""]
    for r, filt, c in with_curve:
        e = c["density_edges_per_arcsec2"]
        lines += [f"**{r['name']}** ({filt.upper()}, {c['n_catalog']} catalogue rows, "
                  f"{c['n_true_stars_exposed']} true stars exposed, chance "
                  f"{c['chance_match_fraction']:.3f})", "",
                  f"| mag | stars | S/N | any row | Trusted | density {e[0]:.1f}-{e[1]:.1f} | "
                  f"{e[1]:.1f}-{e[2]:.1f} | {e[2]:.1f}-{e[3]:.1f} |",
                  "|---|---|---|---|---|---|---|---|"]
        for b in c["bins"]:
            if b["n"]:
                cells = [b["completeness"], b["completeness_trusted"]] + \
                    [b[f"completeness_density{k}"] for k in range(3)]
                lines.append(f"| {b['mag_lo']:.0f}-{b['mag_hi']:.0f} | {b['n']} | "
                             f"{_f(b['snr_median'], 0)} | " + " | ".join(_f(x, 2) for x in cells)
                             + " |")
        lines.append("")
    return lines
