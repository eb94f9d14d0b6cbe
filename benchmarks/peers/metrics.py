"""What the peer benchmark measures on a finished run (both pipelines, same definitions).

* ``time_v``: wall, user, sys, max RSS and exit status from a ``/usr/bin/time -v`` report.
* ``alignment_error``: for every chip of every renamed FLT/FLC copy (``hst_*_fl[tc].fits``), the
  sky separation between the copy's final header WCS (astropy, full distortion) and the true WCS
  ``truth.true_wcs(rootname, chip)`` on a 16x16 grid of pixels spanning the chip; RMS in mas over
  all grid points of the visit, the worst exposure's RMS, and the same for the a-priori input
  header (what alignment started from).
* ``star_photometry``: each filter product's point catalogue
  (``*_<filter>_<ipppss>_point-cat.ecsv``) matched to the truth stars (``truth.sources``, type ==
  star, positions at the visit epoch) by nearest neighbour within 0.1"; stars kept if no other truth
  source (star or galaxy) lies within 1" and the star's true count rate x the product's total
  exposure time is >= 2000 e- (S/N well above 20) and its catalogue Flags has no saturation bit (4).
  Catalogue flux = the ABMAG column MagAp2 converted with the truth's own AB scale, i.e. ratio =
  10**(-0.4 (MagAp2 - mag_true)); (FluxAp2 / flux_true gives the same ratio when the catalogue's
  zero point matches the simulator's). Reported: N, the median ratio - 1 (bias: includes any missing
  aperture correction; runsinglehap's MagAp2 is *not* aperture-corrected) and the robust scatter
  1.4826 x MAD of the ratio about its median, in % (the flux error once a single aperture correction
  is applied).
* ``catalog_rows``: rows of every point and segment catalogue.
* ``hapsvm_stages``: (step, unit, status, seconds) from the ``provenance.steps`` list of the
  hapsvm ``*_recipe.yaml`` that lists the most steps, summed per step; and ``svm_summary.json``'s
  ``wall_seconds`` (the runner's own time: process wall minus it = start-up, imports, composition).
* ``runsinglehap_stages``: phases between runsinglehap's own hapsequencer log lines (1 s
  timestamps) plus the summed AstroDrizzle "Process Timing" tables of its trailer files.
"""
from __future__ import annotations

import glob
import math
import re
from collections import defaultdict
from pathlib import Path

import numpy as np

__all__ = ["time_v", "alignment_error", "star_photometry", "catalog_rows", "hapsvm_stages",
           "runsinglehap_stages", "renamed_copies"]

SKIP_DIRS = ("inputs", ".svm_state", "pixmaps", "_work", "tmp")


def time_v(path: Path) -> dict:
    text = Path(path).read_text()

    def grab(label: str) -> str:
        m = re.search(re.escape(label) + r":\s*(.+)", text)
        return m.group(1).strip() if m else "nan"

    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    secs = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
    status = grab("Exit status")
    sig = re.search(r"Command terminated by signal (\d+)", text)
    return dict(wall_s=round(secs, 2), user_s=float(grab("User time (seconds)")),
                sys_s=float(grab("System time (seconds)")),
                cpu_s=round(float(grab("User time (seconds)"))
                            + float(grab("System time (seconds)")), 2),
                max_rss_mib=round(float(grab("Maximum resident set size (kbytes)")) / 1024, 1),
                exit=(int(status) if status.lstrip("-").isdigit()
                      else (-int(sig.group(1)) if sig else None)))


def renamed_copies(run_dir: Path) -> list[Path]:
    out = []
    for p in sorted(Path(run_dir).rglob("hst_*_fl[tc].fits")):
        if not any(part in SKIP_DIRS for part in p.relative_to(run_dir).parts[:-1]):
            out.append(p)
    return out


def _sep_mas(w1, w0, x, y) -> np.ndarray:
    r1, d1 = w1.all_pix2world(x, y, 0)
    r0, d0 = w0.all_pix2world(x, y, 0)
    dra = (r1 - r0) * np.cos(np.deg2rad(d0))
    return np.hypot(dra, d1 - d0) * 3.6e6


def _chip_wcs(path: Path, ext):
    import warnings

    from astropy.io import fits
    from astropy.wcs import WCS
    with fits.open(path) as hdul, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = hdul[ext].header
        return WCS(h, hdul), (h["NAXIS2"], h["NAXIS1"])


def alignment_error(run_dir: Path, truth, input_dir: Path | None = None) -> dict:
    """RMS (mas) between final header WCSs of the renamed copies and the truth."""
    from astropy.io import fits

    per_exp, final_all, apriori_all = {}, [], []
    for path in renamed_copies(run_dir):
        root = str(fits.getval(path, "ROOTNAME")).strip().lower()
        wcsname = ""
        with fits.open(path) as hdul:
            exts = [(h.name, h.ver) for h in hdul if h.name == "SCI"]
            wcsname = str(hdul[exts[0]].header.get("WCSNAME", "")) if exts else ""
        seps, seps0 = [], []
        for name, ver in exts:
            w, (ny, nx) = _chip_wcs(path, (name, ver))
            gx, gy = np.meshgrid(np.linspace(0, nx - 1, 16), np.linspace(0, ny - 1, 16))
            wt = truth.true_wcs(root, ver)
            seps.append(_sep_mas(w, wt, gx.ravel(), gy.ravel()))
            src = Path(truth.visit_dir) / truth.exposure(root).filename
            w0, _ = _chip_wcs(src, (name, ver))
            seps0.append(_sep_mas(w0, wt, gx.ravel(), gy.ravel()))
        s, s0 = np.concatenate(seps), np.concatenate(seps0)
        per_exp[root] = dict(rms_mas=float(np.sqrt(np.mean(s ** 2))),
                             apriori_rms_mas=float(np.sqrt(np.mean(s0 ** 2))), wcsname=wcsname)
        final_all.append(s)
        apriori_all.append(s0)
    if not final_all:
        return dict(n_exposures=0)
    f, a = np.concatenate(final_all), np.concatenate(apriori_all)
    return dict(n_exposures=len(per_exp), rms_mas=float(np.sqrt(np.mean(f ** 2))),
                worst_exposure_rms_mas=max(v["rms_mas"] for v in per_exp.values()),
                apriori_rms_mas=float(np.sqrt(np.mean(a ** 2))),
                wcsnames=sorted({v["wcsname"] for v in per_exp.values()}), per_exposure=per_exp)


def _col(table, *names):
    low = {c.lower(): c for c in table.colnames}
    for n in names:
        if n.lower() in low:
            return table[low[n.lower()]]
    return None


def catalog_rows(run_dir: Path) -> dict:
    from astropy.table import Table
    out = {}
    for p in sorted(Path(run_dir).rglob("*_*-cat.ecsv")):
        try:
            out[p.name] = len(Table.read(p, format="ascii.ecsv"))
        except Exception as err:  # noqa: BLE001 - report, don't stop the benchmark
            out[p.name] = f"unreadable: {err}"
    return out


def star_photometry(run_dir: Path, truth, match_arcsec: float = 0.1, isolation_arcsec: float = 1.0,
                    min_electrons: float = 2000.0) -> dict:
    from astropy.coordinates import SkyCoord
    from astropy.table import Table

    src = truth.sources
    stars = src[src["type"] == "star"]
    all_c = SkyCoord(src["ra"], src["dec"], unit="deg")
    star_c = SkyCoord(stars["ra"], stars["dec"], unit="deg")
    # isolation: distance to the nearest *other* truth source
    _, d2, _ = star_c.match_to_catalog_sky(all_c, nthneighbor=2)
    isolated = d2.arcsec > isolation_arcsec
    results = {}
    for p in sorted(Path(run_dir).rglob("*_point-cat.ecsv")):
        m = re.search(r"_(f\d{3,4}[a-z]+)_[a-z0-9]{6}_point-cat", p.name)
        if not m:
            continue   # total (detection) product or exposure product
        filt = m.group(1)
        if f"mag_{filt}" not in stars.colnames:
            continue
        cat = Table.read(p, format="ascii.ecsv")
        ra, dec = _col(cat, "RA", "ra"), _col(cat, "DEC", "dec")
        mag = _col(cat, "MagAp2", "mag_ap2")
        flags = _col(cat, "Flags", "flags")
        if ra is None or mag is None or len(cat) == 0:
            results[filt] = dict(n=0, note=f"no RA/MagAp2 columns or empty ({len(cat)} rows)")
            continue
        drz = Path(str(p).replace("_point-cat.ecsv", "_drz.fits"))
        if not drz.exists():
            drz = Path(str(p).replace("_point-cat.ecsv", "_drc.fits"))
        texp = float("nan")
        if drz.exists():
            from astropy.io import fits
            texp = float(fits.getval(drz, "EXPTIME", 0))
        bright = stars[f"flux_{filt}"] * (texp if math.isfinite(texp) else 1e9) >= min_electrons
        sel = isolated & bright
        cc = SkyCoord(np.asarray(ra, float), np.asarray(dec, float), unit="deg")
        idx, d2c, _ = star_c.match_to_catalog_sky(cc)
        ok = sel & (d2c.arcsec < match_arcsec)
        cmag = np.asarray(mag, float)[idx]
        ok &= np.isfinite(cmag) & (cmag < 90)
        if flags is not None:
            ok &= (np.asarray(flags, int)[idx] & 4) == 0
        ratio = 10 ** (-0.4 * (cmag[ok] - np.asarray(stars[f"mag_{filt}"], float)[ok]))
        res = dict(n_selected=int(sel.sum()), n=int(ok.sum()), total_exptime_s=texp, catalog=p.name)
        if ok.sum() >= 3:
            med = float(np.median(ratio))
            res.update(bias_pct=100 * (med - 1),
                       scatter_pct=100 * 1.4826 * float(np.median(np.abs(ratio / med - 1))),
                       rms_pct_raw=100 * float(np.sqrt(np.mean((ratio - 1) ** 2))))
            cor = _col(cat, "MagAp2Cor")
            if cor is not None:   # hapsvm's extra aperture-corrected column
                rc = 10 ** (-0.4 * (np.asarray(cor, float)[idx][ok]
                                    - np.asarray(stars[f"mag_{filt}"], float)[ok]))
                rc = rc[np.isfinite(rc)]
                if rc.size >= 3:
                    res["magap2cor_bias_pct"] = 100 * (float(np.median(rc)) - 1)
            fl = _col(cat, "FluxAp2", "flux_ap2")
            if fl is not None:
                fr = np.asarray(fl, float)[idx][ok] / np.asarray(stars[f"flux_{filt}"], float)[ok]
                res["fluxap2_median_ratio"] = float(np.median(fr))
        results[filt] = res
    return results


def hapsvm_stages(run_dir: Path) -> dict:
    import yaml

    best = None
    for p in Path(run_dir).rglob("*_recipe.yaml"):
        try:
            doc = yaml.safe_load(p.read_text())
        except Exception:  # noqa: BLE001
            continue
        steps = (doc or {}).get("provenance", {}).get("steps") or []
        if best is None or len(steps) > len(best):
            best = steps
    per_step = defaultdict(float)
    status = defaultdict(set)
    for s in best or []:
        per_step[s["step"]] += float(s.get("seconds") or 0)
        status[s["step"]].add(s.get("status", "?"))
    summary = {}
    sj = Path(run_dir) / "svm_summary.json"
    if sj.is_file():
        import json
        doc = json.loads(sj.read_text())
        summary = dict(wall_seconds=doc.get("wall_seconds"), status=doc.get("status"),
                       step_seconds=doc.get("step_seconds"))
    # time inside Drizzle.add_image (and blot_image), as the drizzle steps log it
    # ("...; 12.3 s (kernel 4.5 s)" or "...; 12.3 s (kernel 4.5 s, blot 1.2 s)")
    kernel = blot = 0.0
    lg = Path(run_dir) / "svm.log"
    if lg.is_file():
        for line in lg.read_text(errors="replace").splitlines():
            m = re.search(r"\(kernel ([\d.]+) s(?:, blot ([\d.]+) s)?\)", line)
            if m:
                kernel += float(m.group(1))
                blot += float(m.group(2) or 0.0)
    drizzle = sum(per_step.get(k, 0.0) for k in ("define_output_grid", "drizzle_filter_products",
                                                 "drizzle_total_product"))
    return dict(steps={k: dict(seconds=round(v, 2), status=sorted(status[k]))
                       for k, v in per_step.items()},
                records=best or [], summary=summary, kernel_s_logged=round(kernel, 2),
                blot_s_logged=round(blot, 2),
                drizzle_stage_s=round(drizzle, 2))


_PHASES = [("setup", "Run start time"),
           ("align", "The configuration parameters have been read"),
           ("wcs_update", "ALIGNED WCS"),
           ("drizzle", "Processing with astrodrizzle"),
           ("caom_update", "Updating these drizzle products for CAOM"),
           ("catalogs", "Create source catalog from newly defined product"),
           ("finish", "Creating manifest file")]


def _stamp(line: str) -> float | None:
    m = re.match(r"(\d{4})(\d{3})(\d{2})(\d{2})(\d{2}) ", line)
    if not m:
        return None
    y, doy, hh, mm, ss = map(int, m.groups())
    return (doy * 86400 + hh * 3600 + mm * 60 + ss) + y * 0


def runsinglehap_stages(log_path: Path, run_dir: Path) -> dict:
    lines = Path(log_path).read_text(errors="replace").splitlines()
    marks, last = {}, None
    for line in lines:
        t = _stamp(line)
        if t is None:
            continue
        last = t
        for name, pat in _PHASES:
            if pat in line and name not in marks:
                marks[name] = t
    total = None
    for line in lines:
        m = re.search(r"Total processing time: ([\d.]+) sec", line)
        if m:
            total = float(m.group(1))
    order = [n for n, _ in _PHASES if n in marks]
    phases = {}
    # each phase runs from its marker to the next one (the 'setup' marker starts intake)
    names = {"setup": "intake", "align": "align", "wcs_update": "wcs_update", "drizzle": "drizzle",
             "caom_update": "caom_update", "catalogs": "catalogs", "finish": "manifest"}
    for a, b in zip(order, order[1:] + [None]):
        end = marks[b] if b else last
        phases[names[a]] = float(end - marks[a])
    adriz = defaultdict(float)
    for trl in glob.glob(str(Path(run_dir) / "*_trl.txt")):
        for line in Path(trl).read_text(errors="replace").splitlines():
            m = re.search(r"\]\s+(Initialization|Static Mask|Subtract Sky|Separate Drizzle|"
                          r"Create Median|Blot|Driz_CR|Final Drizzle)\s+([\d.]+) sec", line)
            if m:
                adriz[m.group(1)] += float(m.group(2))
    return dict(phases_s=phases, total_processing_s=total,
                astrodrizzle_s={k: round(v, 2) for k, v in adriz.items()})
