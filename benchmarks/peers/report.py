"""Render benchmarks/results/peers.md's generated section from benchmarks/work/results/*/*.json.

Text outside the markers ``<!-- BEGIN GENERATED -->`` / ``<!-- END GENERATED -->`` is kept: it
explains the tables and holds no figures (``tests/test_peers_report.py`` checks). The section
opens with issue 10's goals and their verdicts (``peer_goals.py``). Without any saved record the
page is left as it is.
"""
from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import peer_goals as G

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))   # benchmarks/: run_record
from run_record import machine  # noqa: E402

BEGIN, END = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"
VISIT_LABEL = {"real": "real WFC3/IR visit 21 (4 x F098M, no catalogue)",
               "sim_ir": "sim WFC3/IR, 4 exp F160W",
               "sim_uvis": "sim WFC3/UVIS, 4 exp F555W+F814W",
               "sim_acs": "sim ACS/WFC, 6 exp F606W+F814W"}


def _load(work: Path, visit: str, name: str) -> dict | None:
    p = work / "results" / visit / f"{name}.json"
    return json.loads(p.read_text()) if p.is_file() else None


def _f(x, fmt="{:.1f}", none="–"):
    try:
        return fmt.format(x) if x is not None else none
    except (ValueError, TypeError):
        return str(x)


def _ratio(a, b):
    try:
        return f"{a / b:.2f}"
    except (TypeError, ZeroDivisionError):
        return "–"


def _norm(text: str, work: Path) -> str:
    """Work-directory paths as $BENCH_WORK (runs made before BENCH_WORK moved included)."""
    for root in (str(work), "/work/main/benchmarks/work", "benchmarks/work"):
        text = text.replace(root, "$BENCH_WORK")
    return text


def _machine() -> list[str]:
    m = machine()
    return [f"- machine: `nproc` = {m['nproc']}, CPU `{m['cpu']}`, {m['ram_gib']:.1f} GiB RAM, "
            f"{m['system']}",
            "- the machine is shared: other engineers' jobs ran at the same time (the 1-minute "
            "load average before each run is in the JSON); quote ratios, not absolute times"]


def _versions(repo: Path, peerenv: Path) -> list[str]:
    def pkgs(py: str, names: list[str]) -> str:
        if not Path(py).is_file():
            return f"not installed ({py} missing)"
        code = ("import importlib.metadata as m\n"
                f"for n in {names!r}:\n"
                "    try: print(n + '==' + m.version(n))\n"
                "    except Exception: pass\n")
        out = subprocess.run([py, "-c", code], capture_output=True, text=True).stdout.split()
        return ", ".join(out)

    hv = pkgs(str(repo / ".venv" / "bin" / "python"),
              ["hapsvm", "drizzle", "numpy", "astropy", "photutils", "tweakwcs", "stwcs", "scipy"])
    pv = pkgs(str(peerenv / "bin" / "python"),
              ["drizzlepac", "drizzle", "numpy", "astropy", "photutils", "tweakwcs", "stwcs",
               "scipy"])
    swarp = shutil.which("SWarp")
    sw = subprocess.run([swarp, "-v"], capture_output=True, text=True) if swarp else None
    swv = (sw.stdout + sw.stderr).strip().splitlines() if sw else ["not installed"]
    py = subprocess.run([str(repo / ".venv" / "bin" / "python"), "-V"], capture_output=True,
                        text=True).stdout.strip()
    return [f"- hapsvm venv ({py}): {hv}",
            f"- peer venv: {pv} (identical to `shared/peers/peerenv-freeze.txt`)",
            f"- SWarp: {swv[0] if swv else '?'} (Debian package `swarp`)"]


def _phot(q: dict) -> str:
    ph = (q or {}).get("photometry") or {}
    parts = []
    for f, r in sorted(ph.items()):
        if r.get("n", 0) >= 3:
            parts.append(f"{f.upper()}: {r['bias_pct']:+.1f} / {r['scatter_pct']:.1f} (N={r['n']})")
        else:
            parts.append(f"{f.upper()}: N={r.get('n', 0)}")
    return "; ".join(parts) or "–"


def _cat(q: dict) -> str:
    rows = (q or {}).get("catalog_rows") or {}
    pt = [v for k, v in rows.items() if k.endswith("point-cat.ecsv") and "_total_" in k]
    sg = [v for k, v in rows.items() if k.endswith("segment-cat.ecsv") and "_total_" in k]
    fpt = sum(v for k, v in rows.items() if k.endswith("point-cat.ecsv") and "_total_" not in k
              and isinstance(v, int))
    if not rows:
        return "none"
    return f"{pt[0] if pt else '–'} / {sg[0] if sg else '–'} ({fpt} in filter pts)"


def _align(q: dict) -> str:
    al = (q or {}).get("alignment")
    if al and al.get("n_exposures"):
        return (f"{al['rms_mas']:.1f} (worst exp {al['worst_exposure_rms_mas']:.1f}; "
                f"a priori {al['apriori_rms_mas']:.0f})")
    if q and q.get("wcsnames"):
        return "no truth; WCSNAME " + ",".join(q["wcsnames"])
    return "–"


def write_report(work: Path, out: Path, repo: Path, peerenv: Path) -> int:
    """Rewrite the generated section of ``out`` from the records under ``work``; 1 if none."""
    records = G.load_records(work)
    if not any(rec for per_visit in records.values() for rec in per_visit.values()):
        print(f"no run records under {work / 'results'}: {out} left as it is "
              "(run `benchmarks/peers/run.sh` first)")
        return 1
    L: list[str] = []
    L += ["## Summary: goals and verdicts", "",
          "Issue 10's goals; each verdict is computed by `benchmarks/peers/peer_goals.py` from the "
          "records the tables below are made of (hapsvm vs runsinglehap figures: medians of the "
          "runs).", "", *G.verdict_table(G.goal_verdicts(records)), ""]
    L += ["## Machine and versions", *_machine(), *_versions(repo, peerenv), ""]
    L += ["## End to end (same inputs, same machine)", "",
          "wall, CPU = user+sys of the whole process tree (`/usr/bin/time -v`); RSS1 = largest "
          "single process (`time -v`); RSSΣ = peak of the summed RSS of the process tree "
          "(sampled every 0.25 s; counts pages shared by forked workers more than once). "
          "Align = RMS (mas) of the final header WCS vs the true WCS over 16x16 points per chip. "
          "Stars = flux bias % / robust scatter % of isolated bright stars vs truth (see "
          "metrics.py). Catalogue = total-product point / segment rows. Runs: median of n.", "",
          "| visit | pipeline | n | exit | wall s | CPU s | RSS1 MiB | RSSΣ MiB | align mas "
          "| stars bias/scatter % | catalogue rows | speed-up rsh/hapsvm wall (CPU) |",
          "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        rsh, hap = _load(work, v, "runsinglehap"), _load(work, v, "hapsvm")
        for name, r in (("runsinglehap", rsh), ("hapsvm", hap)):
            if r is None:
                L.append(f"| {VISIT_LABEL[v]} | {name} | – | not run | | | | | | | | |")
                continue
            t = r["timing"]
            ratio = (f"{_ratio(rsh['timing']['wall_s'], hap['timing']['wall_s'])} "
                     f"({_ratio(rsh['timing']['cpu_s'], hap['timing']['cpu_s'])})"
                     ) if (hap and rsh and name == "hapsvm") else ""
            L.append(f"| {VISIT_LABEL[v]} | {name} | {r.get('repeat', 1)} | {t['exit']} | "
                     f"{t['wall_s']:.1f} | "
                     f"{t['cpu_s']:.1f} | {t['max_rss_mib']:.0f} | {t['peak_tree_rss_mib']:.0f} | "
                     f"{_align(r.get('quality'))} | {_phot(r.get('quality'))} | "
                     f"{_cat(r.get('quality'))} | {ratio} |")
    L += ["", "## Per stage (seconds; last run)", ""]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        rsh, hap = _load(work, v, "runsinglehap"), _load(work, v, "hapsvm")
        if rsh:
            st = rsh["runs"][-1]["stages"] if "runs" in rsh else rsh["timing"]["stages"]
            ph = ", ".join(f"{k} {v2:.0f}" for k, v2 in st["phases_s"].items())
            ad = ", ".join(f"{k} {v2:.1f}" for k, v2 in st["astrodrizzle_s"].items())
            L.append(f"- **{VISIT_LABEL[v]} — runsinglehap**: phases (from its log, "
                     f"1 s resolution): "
                     f"{ph}; its own 'Total processing time' {_f(st['total_processing_s'])} s "
                     f"(the rest of the wall time is Python start-up and imports). "
                     f"AstroDrizzle step timings summed over its products: {ad}.")
        if hap:
            st = hap["runs"][-1]["stages"] if "runs" in hap else hap["timing"]["stages"]
            steps = st.get("steps", {})
            txt = ", ".join(f"{k} {d['seconds']:.1f}"
                            + ("" if d["status"] == ["done"] else f" ({'/'.join(d['status'])})")
                            for k, d in steps.items())
            L.append(f"- **{VISIT_LABEL[v]} — hapsvm** (provenance.steps, summed over units): "
                     f"{txt or 'no recipe yaml'}")
    L += ["", "## Resampling alone: SWarp vs hapsvm on the same grid and exposures", "",
          "Input = the aligned renamed FLT/FLC copies of the pipeline named; grid = its total "
          "product's grid. SWarp: WEIGHTED co-add, no background subtraction, SIP converted "
          "exactly to TPV, weight = EXPTIME where DQ == 0; wall of the SWarp process (reads, "
          "resamples, writes temporary resampled images and the co-add). hapsvm: read + pixel "
          "maps (`hapsvm.mosaic.pixmaps.compute_pixmap`) + `Drizzle.add_image` + write, one "
          "process. Cells: Mpix/s of *input* pixels per wall second / per CPU second (median wall; "
          "CPU = user+sys).", "",
          "| visit | grid (ny x nx) | input Mpix | SWarp LANCZOS3 2 thr | SWarp NEAREST 2 thr "
          "| SWarp LANCZOS3 1 thr | hapsvm square | hapsvm point | hapsvm lanczos3 "
          "| hapsvm kernel only (square) | ratio SWarp L3 2thr / hapsvm square, wall (CPU) |",
          "|---|---|---|---|---|---|---|---|---|---|---|"]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        r = _load(work, v, "resample")
        if not r or "swarp" not in r:
            L.append(f"| {VISIT_LABEL[v]} | {'–' if not r else r.get('error', '–')} "
                     f"| | | | | | | | | |")
            continue
        sw, hp = r["swarp"], r["hapsvm"]["kernels"]

        def s(k, sw=sw):
            x = sw.get(k)
            if not x:
                return "–"
            cpu = x['median']['user_s'] + x['median']['sys_s']
            return (f"{x['mpix_per_s_input']:.2f} / {x['input_mpix'] / cpu:.2f} "
                    f"({x['median']['wall_s']:.1f} s; CPU {cpu:.1f} s)")

        def h(k, hp=hp):
            x = hp.get(k)
            if not x:
                return "–"
            return (f"{x['mpix_per_s_input']:.2f} / {x['input_mpix'] / x['median_s']['cpu']:.2f} "
                    f"({x['median_s']['total']:.1f} s; CPU {x['median_s']['cpu']:.1f} s)")

        sq = hp.get("square", {})
        l3 = sw['LANCZOS3_2t']
        l3_per_cpu = l3['input_mpix'] / (l3['median']['user_s'] + l3['median']['sys_s'])
        sq_per_cpu = sq['input_mpix'] / sq['median_s']['cpu'] if sq else None
        L.append(f"| {VISIT_LABEL[v]} (grid from {r['grid_from']}) | "
                 f"{l3['output_shape'][0]} x {l3['output_shape'][1]} | "
                 f"{l3['input_mpix']:.1f} | {s('LANCZOS3_2t')} | {s('NEAREST_2t')} | "
                 f"{s('LANCZOS3_1t')} | "
                 f"{h('square')} | {h('point')} | {h('lanczos3')} | "
                 f"{_f(sq.get('kernel_mpix_per_s_input'), '{:.2f}')} | "
                 f"{_ratio(l3['mpix_per_s_input'], sq.get('mpix_per_s_input'))} "
                 f"({_ratio(l3_per_cpu, sq_per_cpu)}) |")
    L += ["", "hapsvm resampling by part (median s: read / pixmap / kernel / write):", ""]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        r = _load(work, v, "resample")
        if r and "hapsvm" in r:
            parts = "; ".join(f"{k}: " + " / ".join(f"{d['median_s'][p]:.2f}"
                                                    for p in ("read", "pixmap", "kernel", "write"))
                              for k, d in r["hapsvm"]["kernels"].items())
            L.append(f"- {VISIT_LABEL[v]}: {parts}")
    L += ["", "## Drizzle stage vs the bare kernel (hapsvm)", "",
          "drizzle stage = define_output_grid + drizzle_filter_products + drizzle_total_product "
          "(provenance seconds); kernel = time inside `Drizzle.add_image` summed over every "
          "drizzle the stage makes (separate, final, exposure and total products), as the steps "
          "log it; blot = time inside `blot_image` (the driz_cr step's resampling of the median "
          "back to each chip; – for runs whose record has none: made before the steps logged it). "
          "Kernel seconds of "
          "parts that run in two processes are summed (CPU seconds), the stage is wall time.", "",
          "| visit | drizzle stage s | drizzle kernel s | blot kernel s | stage / drizzle kernel "
          "| stage / (drizzle + blot kernels) |",
          "|---|---|---|---|---|---|"]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        hap = _load(work, v, "hapsvm")
        if hap:
            st = hap["runs"][-1]["stages"]
            blot = st.get("blot_s_logged")
            both = (st.get("kernel_s_logged") or 0) + (blot or 0)
            L.append(f"| {VISIT_LABEL[v]} | {st.get('drizzle_stage_s', 0):.1f} | "
                     f"{st.get('kernel_s_logged', 0):.1f} | "
                     f"{_f(blot, '{:.1f}') if blot else '–'} | "
                     f"{_ratio(st.get('drizzle_stage_s'), st.get('kernel_s_logged'))} | "
                     f"{_ratio(st.get('drizzle_stage_s'), both) if blot else '–'} |")
    L += ["", "## Goals (computed from the tables above)", "",
          f"| visit | wall rsh/hapsvm (goal >= {G.WALL_SPEEDUP_MIN:g}) | CPU rsh/hapsvm "
          "| align mas hapsvm vs rsh (no worse) | star scatter % hapsvm vs rsh (no worse) "
          f"| RSS MiB (ACS goal <= {G.ACS_RSS_MAX_MIB:g}) | drizzle stage / (drizzle + blot "
          f"kernels) (<= {G.DRIZZLE_OVERHEAD_MAX:g}) "
          f"| SWarp/hapsvm Mpix/s (<= {G.SWARP_RATIO_MAX:g}) |",
          "|---|---|---|---|---|---|---|---|"]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        rsh, hap, rs = (_load(work, v, "runsinglehap"), _load(work, v, "hapsvm"),
                        _load(work, v, "resample"))
        if not (rsh and hap):
            L.append(f"| {VISIT_LABEL[v]} | – | | | | | | |")
            continue
        tr, th = rsh["timing"], hap["timing"]
        qa, qr = hap.get("quality", {}), rsh.get("quality", {})
        al = (f"{qa['alignment']['rms_mas']:.1f} vs {qr['alignment']['rms_mas']:.1f}"
              if qa.get("alignment", {}).get("n_exposures")
              and qr.get("alignment", {}).get("n_exposures") else "n/a (no truth)")
        sc = []
        for f, r in sorted((qr.get("photometry") or {}).items()):
            h = (qa.get("photometry") or {}).get(f, {})
            sc.append(f"{f.upper()} {_f(h.get('scatter_pct'))} vs {_f(r.get('scatter_pct'))}")
        st = hap["runs"][-1]["stages"]
        sw = "–"
        if rs and "swarp" in rs:
            sw = _ratio(rs["swarp"]["LANCZOS3_2t"]["mpix_per_s_input"],
                        rs["hapsvm"]["kernels"]["square"]["mpix_per_s_input"])
        kernels_s = (st.get('kernel_s_logged') or 0) + (st.get('blot_s_logged') or 0)
        L.append(f"| {VISIT_LABEL[v]} | {_ratio(tr['wall_s'], th['wall_s'])} | "
                 f"{_ratio(tr['cpu_s'], th['cpu_s'])} | {al} | "
                 f"{'; '.join(sc) or 'n/a'} | {th['max_rss_mib']:.0f} "
                 f"(tree {th['peak_tree_rss_mib']:.0f}) | "
                 f"{_ratio(st.get('drizzle_stage_s'), kernels_s)} | {sw} |")
    L += ["", "## Commands", "", "```"]
    for v in ("real", "sim_ir", "sim_uvis", "sim_acs"):
        for name in ("runsinglehap", "hapsvm"):
            r = _load(work, v, name)
            if r:
                cmd = _norm(r["timing"]["command"], work).replace(str(repo) + "/", "")
                extra = (f"   # cwd {Path(r['run_dir']).name}, "
                         f"ASTROMETRIC_CATALOG_URL={r['timing'].get('catalog_url', '')}"
                         if name == "runsinglehap" else "")
                L.append(f"# {v} {name} (git {r.get('git', '?')}, {r.get('finished', '')})")
                L.append(cmd + extra)
        r = _load(work, v, "resample")
        if r and "swarp" in r:
            L.append(f"# {v} SWarp")
            parts = r["swarp"]["LANCZOS3_2t"]["command"].split()
            chips = [x for x in parts[1:] if x.endswith(".fits") and "/inputs/" in x]
            rest = [x for x in parts[1:] if x not in chips]
            L.append(_norm(f"SWarp <{len(chips)} chip files {Path(chips[0]).parent}/*_sci?.fits> "
                           + " ".join(rest), work))
    L += ["```"]
    text = "\n".join(L) + "\n"
    old = (out.read_text() if out.is_file()
           else f"# Benchmarks against the peers\n\n{BEGIN}\n{END}\n")
    if BEGIN not in old:
        old += f"\n{BEGIN}\n{END}\n"
    new = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _: f"{BEGIN}\n{text}{END}",
                 old, flags=re.S)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(new)
    print(f"wrote {out}")
    return 0
