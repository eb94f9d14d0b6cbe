"""Render the figures of ``benchmarks/RESULTS.md`` and the README's accuracy section from results.

Usage: ``.venv/bin/python benchmarks/results_page.py [--check]``.

Every figure on those pages sits between ``<!-- BEGIN GENERATED: <name> -->`` and
``<!-- END GENERATED: <name> -->`` and is written here from the files the benchmarks write into
``benchmarks/results/``: the JSON records of ``bench_simulate.py``, ``bench_multirun.py``,
``optuna_example.py`` and ``peers/paired.py`` (each with its command, commit, machine and load
averages), and excerpts of the pages ``bench_alignment.py``, ``bench_drizzle.py``,
``bench_catalogs.py`` and ``peers/bench.py report`` write. Text outside the markers is prose and
holds no figures (``tests/test_results_page.py`` checks). ``--check`` rewrites nothing and exits
with status 1 when a page differs from what the results give (a stale page).
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["MARKER", "README_SECTIONS", "RESULTS_SECTIONS", "fill", "main", "md_table",
           "pages", "prose_figures"]

ROOT = Path(__file__).resolve().parents[1]
MARKER = re.compile(r"(<!-- BEGIN GENERATED: (?P<name>[\w-]+) -->\n)(?P<body>.*?)"
                    r"(<!-- END GENERATED: (?P=name) -->)", re.S)
# a figure in prose: a number followed by a unit (the test scans the text outside the markers)
FIGURE = re.compile(r"\d+(?:[.,]\d+)?\s?(?:s|ms|min|%|mas|arcsec|″|GiB|MiB|GB|MB|px|Mpix|×|x)"
                    r"(?!\w)")
UNDER_LOAD = ("Wall times were taken on a machine shared with other engineers' jobs (see the load "
              "averages): they are upper bounds; CPU times (user + system) are the steadier "
              "figures.")

# goals from the issues (requirements, not measurements): the pages state whether they are met
SIMULATE_GOALS_S = {"full": ("acs_wfc", 60.0), "small": (None, 3.0)}   # issue 4, wall seconds
MULTIRUN_GOAL_SPEEDUP = 1.8                                             # issue 11, two workers

Renderer = Callable[[Path], str]


def _load(results: Path, name: str) -> dict[str, Any] | None:
    path = results / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _missing(what: str, command: str) -> str:
    return f"Not measured yet ({what}): run `{command}`, then this script.\n"


def _provenance(run: dict[str, Any]) -> str:
    m = run["machine"]
    return (f"- command: `{run['command']}`\n"
            f"- commit `{run['commit']}`; {run['started_utc']} to {run['finished_utc']} UTC; "
            f"load average (1, 5, 15 min) {run['loadavg_start']} at the start, "
            f"{run['loadavg_end']} at the end\n"
            f"- machine: {m['host']}, {m['nproc']} cores ({m['cpu']}), {m['ram_gib']} GiB, "
            f"{m['system']}, Python {m['python']}\n")


def md_table(lines: list[str]) -> list[dict[str, str]]:
    """Return the rows of the first markdown table in ``lines`` as dicts keyed by its header."""
    rows = [ln.strip() for ln in lines]
    start = next((i for i, ln in enumerate(rows) if ln.startswith("|")), None)
    if start is None:
        return []
    table = []
    for ln in rows[start:]:
        if not ln.startswith("|"):
            break
        table.append([c.strip() for c in ln.strip("|").split("|")])
    header, body = table[0], table[2:]
    return [dict(zip(header, cells)) for cells in body]


def _section(lines: list[str], heading: str) -> list[str]:
    """Lines under the ``## <heading...>`` line up to the next ``## `` heading (or [])."""
    start = next((i for i, ln in enumerate(lines) if ln.startswith("## " + heading)), None)
    if start is None:
        return []
    end = next((i for i in range(start + 1, len(lines)) if lines[i].startswith("## ")),
               len(lines))
    return lines[start + 1:end]


def _table_lines(lines: list[str]) -> list[str]:
    """The lines of the first markdown table in ``lines``."""
    out: list[str] = []
    for ln in lines:
        if ln.startswith("|"):
            out.append(ln)
        elif out:
            break
    return out


def _page(results: Path, name: str) -> list[str] | None:
    path = results / name
    return path.read_text().splitlines() if path.is_file() else None


# --- sections of RESULTS.md from JSON records ------------------------------------------------

def render_simulate(results: Path) -> str:
    """The simulated-visit timings of ``bench_simulate.py``."""
    data = _load(results, "simulate")
    if data is None:
        return _missing("simulate.json", ".venv/bin/python benchmarks/bench_simulate.py")
    out = [_provenance(data["run"]), UNDER_LOAD, "",
           f"`simulate_visit(detector, n_exposures, size, seed={data['seed']})`; wall and CPU "
           "time of the call (CPU: this process), median over the runs.", "",
           "| detector | visit | runs | wall s (each run) | CPU s median | load before "
           "(1 min) | files | on disk MB |", "|---|---|---|---|---|---|---|---|"]
    for c in data["cases"]:
        shape = "×".join(str(n) for n in c["chip_shape"][::-1])
        size = f"{c['size_px']} px" if c["size_px"] else "full size"
        walls = ", ".join(f"{r['wall_s']:.2f}" for r in c["runs"])
        loads = ", ".join(f"{r['load_before']:.1f}" for r in c["runs"])
        out.append(f"| {c['detector']} | {size}: {c['n_exposures']} exposures of {c['chips']} "
                   f"× {shape} | {len(c['runs'])} | {walls} | {c['cpu_s_median']:.2f} | "
                   f"{loads} | {c['files']} | {c['disk_mb']:.1f} |")
    out.append("")
    for case, (detector, limit) in SIMULATE_GOALS_S.items():
        walls = [c["wall_s_median"] for c in data["cases"]
                 if c["case"] == case and detector in (None, c["detector"])]
        if walls:
            label = "full-size" if case == "full" else case
            out.append(f"- goal (issue 4): {label} visit of {detector or 'every detector'} "
                       f"under {limit:g} s: **{'met' if max(walls) < limit else 'not met'}** "
                       f"(largest median wall {max(walls):.2f} s)")
    return "\n".join(out) + "\n"


def render_multirun_workers(results: Path) -> str:
    """The 1- and 2-worker multirun pairs of ``bench_multirun.py workers``, one table per size."""
    files = sorted(results.glob("multirun_workers_*px.json"),
                   key=lambda p: int(p.stem.split("_")[-1][:-2]))
    if not files:
        return _missing("multirun_workers_<size>px.json",
                        ".venv/bin/python benchmarks/bench_multirun.py workers --repeat 2")
    out = []
    for path in files:
        d = json.loads(path.read_text())
        out += [f"**{d['n_visits']} simulated {d['detector']} visits of {d['n_exposures']} "
                f"exposures of {d['size_px']} px** (`{path.name}`)", "", _provenance(d["run"]),
                f"- each multirun: `{d['command_template']}`", "",
                "| pair | 1 worker: wall s (CPU s), load before | 2 workers: wall s (CPU s), "
                "load before | speed-up (wall) |", "|---|---|---|---|"]
        for k, p in enumerate(d["pairs"], start=1):
            one, two = p["one_worker"], p["two_workers"]
            out.append(f"| {k} | {one['wall_s']:.1f} ({one['cpu_s']:.1f}), "
                       f"{one['load_before']:.1f} | {two['wall_s']:.1f} ({two['cpu_s']:.1f}), "
                       f"{two['load_before']:.1f} | {p['speedup']:.2f}× |")
        verdict = "met" if d["speedup_median"] >= MULTIRUN_GOAL_SPEEDUP else "not met"
        out += ["", f"Median speed-up over {len(d['pairs'])} pairs: "
                f"**{d['speedup_median']:.2f}×**; goal (issue 11) at least "
                f"{MULTIRUN_GOAL_SPEEDUP}× with two workers: **{verdict}**.", ""]
    return "\n".join([*out, UNDER_LOAD]) + "\n"


def render_multirun_growth(results: Path) -> str:
    """The cost growth of ``bench_multirun.py growth``."""
    d = _load(results, "multirun_growth")
    if d is None:
        return _missing("multirun_growth.json",
                        ".venv/bin/python benchmarks/bench_multirun.py growth")
    out = [_provenance(d["run"]), f"- each run: `{d['command_template']}` "
           f"({d['detector']}, simulated with seed {d['seed']}; interpreter start included)", "",
           UNDER_LOAD, "",
           "| exposures | chip size (px) | wall s | CPU s | CPU s per exposure | load before |",
           "|---|---|---|---|---|---|"]
    for r in d["rows"]:
        out.append(f"| {r['n_exposures']} | {r['size_px']} | {r['wall_s']:.1f} | "
                   f"{r['cpu_s']:.1f} | {r['cpu_s_per_exposure']:.2f} | "
                   f"{r['load_before']:.1f} |")
    return "\n".join(out) + "\n"


def render_optuna(results: Path) -> str:
    """The Optuna example of ``optuna_example.py``."""
    d = _load(results, "optuna")
    if d is None:
        return _missing("optuna.json", ".venv/bin/python benchmarks/optuna_example.py")
    space = "; ".join(f"`{k}` ∈ [{lo}, {hi}]" for k, (lo, hi) in d["search_space"].items())
    best = ", ".join(f"`{k}` = {v}" for k, v in d["best_params"].items())
    return "\n".join([
        _provenance(d["run"]), f"- sweep: `{d['sweep_command']}`", "",
        f"Simulated {d['detector']} visit of {d['n_exposures']} exposures of {d['size_px']} px "
        f"(seed {d['visit_seed']}); objective `{d['metric']}`; search space {space}; TPE "
        f"sampler seed {d['sampler_seed']}, {d['trials']} trials.", "",
        "| measure | value |", "|---|---|",
        f"| default recipe | {d['default_value']:.3f} mas |",
        f"| best trial | {d['best_value']:.3f} mas ({best}) |",
        f"| improvement | {d['improvement_percent']:.1f} % |",
        f"| sweep wall time / CPU of all runs | {d['sweep_wall_s']:.0f} s / "
        f"{d['cpu_s_all_runs']:.0f} s |",
        f"| tuned recipe written | `{d['tuned_recipe']}` (in the script's `--recipes-dir`) |",
    ]) + "\n"


def render_paired_ir(results: Path) -> str:
    """The paired, alternating IR runs of ``peers/paired_ir.sh`` (``peers/paired.py``)."""
    files = sorted(results.glob("paired_ir_*.json"))
    if not files:
        return _missing("paired_ir_<visit>.json", "benchmarks/peers/paired_ir.sh 4")
    out = ["| visit | runs | A wall s median (range) | B wall s median (range) | A / B CPU s | "
           "A / B peak MiB | A / B wall, median (range) | B / A wall | load before | "
           "every run exit 0 |", "|---|---|---|---|---|---|---|---|---|---|"]
    provenance = []
    for path in files:
        d = json.loads(path.read_text())
        s = d["summary"]
        loads = [p[side]["load_before"] for p in d["pairs"] for side in ("a", "b")]
        out.append(
            f"| {d['visit']} (A = {d['label_a']}, B = {d['label_b']}) | {len(d['pairs'])} | "
            f"{s['a_wall_s']['median']:.2f} ({s['a_wall_s']['min']:.2f}-{s['a_wall_s']['max']:.2f})"
            f" | {s['b_wall_s']['median']:.2f} ({s['b_wall_s']['min']:.2f}-"
            f"{s['b_wall_s']['max']:.2f}) | {s['a_cpu_s']['median']:.1f} / "
            f"{s['b_cpu_s']['median']:.1f} | {s['a_max_rss_mib']['median']:.0f} / "
            f"{s['b_max_rss_mib']['median']:.0f} | {s['wall_ratio']['median']:.3f} "
            f"({s['wall_ratio']['min']:.3f}-{s['wall_ratio']['max']:.3f}) | "
            f"**{1 / s['wall_ratio']['median']:.2f}×** | {min(loads):.1f}-{max(loads):.1f} | "
            f"{'yes' if s['all_exit_zero'] else '**no**: see the JSON'} |")
        provenance += [f"`{path.name}`:", "", _provenance(d["run"])]
    return "\n".join([*out, "", *provenance]).rstrip("\n") + "\n"


# --- sections of RESULTS.md copied from the pages other benchmarks write -----------------------

NO_COMMIT = ("the page records no commit: `git log` of the page tells when it was written")


def _excerpt(results: Path, name: str, parts: list[tuple[str, str]],
             note: str = NO_COMMIT) -> str:
    """Copy ``parts`` of ``results/<name>`` with a line naming the page and ``note``.

    ("intro", "") = the lines before the page's first ``## `` heading, ("intro_table", "") = the
    same up to the end of their first table, ("table", heading) = the first table under that
    heading, ("section", heading) = all of that section (headings are looked up in the page's
    generated block when it has one).
    """
    lines = _page(results, name)
    if lines is None:
        return f"`benchmarks/results/{name}` is missing.\n"
    gen = MARKER_PLAIN.search("\n".join(lines))
    scope = gen.group("body").splitlines() if gen else lines
    out = [f"Copied from `benchmarks/results/{name}`, written by the command it names ({note}).",
           ""]
    for kind, heading in parts:
        if kind.startswith("intro"):
            end = next((i for i, ln in enumerate(lines) if ln.startswith("## ")), len(lines))
            body = [ln for ln in lines[1:end] if not ln.startswith("# ")]
            table = _table_lines(body)
            if table and kind == "intro_table":
                body = body[:body.index(table[-1]) + 1]
        else:
            sec = _section(scope, heading)
            body = _table_lines(sec) if kind == "table" else sec
            out += [f"**{heading}**", ""]
        out += [*body, ""]
    text = "\n".join(out)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip("\n") + "\n"


MARKER_PLAIN = re.compile(r"<!-- BEGIN GENERATED -->\n(?P<body>.*?)<!-- END GENERATED -->", re.S)


def render_alignment(results: Path) -> str:
    """The summary and step timings of ``results/alignment.md``."""
    return _excerpt(results, "alignment.md", [("intro", ""), ("table", "Summary"),
                                              ("table", "Step timings")])


def render_drizzle(results: Path) -> str:
    """The intro and measures of ``results/drizzle.md``."""
    return _excerpt(results, "drizzle.md", [("intro_table", "")])


def render_catalogs(results: Path) -> str:
    """The part of ``results/catalogs.md`` before its first sub-heading."""
    return _excerpt(results, "catalogs.md", [("intro", "")])


def render_truth(results: Path) -> str:
    """The intro, WCS error and SVMAERR calibration tables of ``results/truth.md``."""
    return _excerpt(results, "truth.md", [("intro", ""),
                                          ("table", "Final WCS error per chip"),
                                          ("table", "Calibration of SVMAERR")],
                    note="its Commit line names the commit")


def render_truth_catalogs(results: Path) -> str:
    """The intro and per detector/filter table of ``results/truth_catalogs.md``."""
    return _excerpt(results, "truth_catalogs.md", [("intro", ""),
                                                   ("table", "Per detector and filter")],
                    note="its Commit line names the commit")


def render_peers(results: Path) -> str:
    """The verdicts, machine, end-to-end and goals tables of the generated part of peers.md.

    The verdicts table (``peers/peer_goals.py``) is copied when the page has one: a page rendered
    before ``peers/report.py`` wrote it has none.
    """
    gen = MARKER_PLAIN.search("\n".join(_page(results, "peers.md") or []))
    summary = "Summary: goals and verdicts"
    verdicts = [("table", summary)] if gen and _section(gen.group("body").splitlines(),
                                                        summary) else []
    return _excerpt(results, "peers.md", [*verdicts, ("section", "Machine and versions"),
                                          ("table", "End to end"), ("table", "Goals")],
                    note="its Commands section names the commit of every run")


RESULTS_SECTIONS: dict[str, Renderer] = {
    "simulate": render_simulate, "alignment": render_alignment, "drizzle": render_drizzle,
    "catalogs": render_catalogs, "multirun_workers": render_multirun_workers,
    "multirun_growth": render_multirun_growth, "optuna": render_optuna, "peers": render_peers,
    "paired_ir": render_paired_ir, "truth": render_truth, "truth_catalogs": render_truth_catalogs}


# --- the README's accuracy and speed section ------------------------------------------------

def _readme_alignment(results: Path) -> str:
    rows = md_table(_section(_page(results, "alignment.md") or [], "Summary"))
    key = "final error median / max (mas)"
    if not rows or key not in rows[0]:
        return "- Alignment: `benchmarks/results/alignment.md` has no summary table to quote."
    parts = [f"{r['detector']} {r[key].replace(' / ', ' mas median, ')} mas worst "
             f"({r['success']} visits aligned)" for r in rows]
    return ("- Alignment of full-size simulated visits against their true WCS "
            "(`benchmarks/results/alignment.md`): " + "; ".join(parts) + ".")


def _readme_catalogs(results: Path) -> str:
    text = "\n".join(_page(results, "catalogs.md") or [])
    complete = re.search(r"completeness, all stars with S/N ≥ (\d+)[^:]*: ([\d.]+)", text)
    filters = re.findall(r"- (F\d+\w): .*?median \|error\| ([\d.]+); position error median "
                         r"([\d.]+) px", text)
    if not complete or not filters:
        return "- Catalogues: `benchmarks/results/catalogs.md` has no truth scores to quote."
    flux = ", ".join(f"{f} {100 * float(e):.2f} %" for f, e, _ in filters)
    pos = ", ".join(f"{f} {float(p):.4f} px" for f, _, p in filters)
    return ("- Catalogues of full-size synthetic ACS/WFC products (`benchmarks/results/"
            f"catalogs.md`): completeness of S/N ≥ {complete.group(1)} stars "
            f"{100 * float(complete.group(2)):.1f} %; aperture-corrected fluxes of S/N ≥ 50 "
            f"stars, median |error|: {flux}; median position error: {pos}.")


def _readme_peers(results: Path) -> str:
    lines = _page(results, "peers.md") or []
    gen = MARKER_PLAIN.search("\n".join(lines))
    scope = gen.group("body").splitlines() if gen else []
    runs = md_table(_section(scope, "End to end"))
    goals = {r["visit"]: r for r in md_table(_section(scope, "Goals"))}
    if not runs or not goals:
        return "- Against runsinglehap: `benchmarks/results/peers.md` has no tables to quote."
    parts = []
    for visit, goal in goals.items():
        side = {r["pipeline"]: r for r in runs if r["visit"] == visit}
        if {"hapsvm", "runsinglehap"} - side.keys():
            continue
        h, r = side["hapsvm"], side["runsinglehap"]
        rss = [float(x["RSS1 MiB"]) for x in (h, r)]
        align = [x["align mas"].split(" (")[0] for x in (h, r)]
        speed = float(goal[next(k for k in goal if k.startswith("wall"))])
        parts.append(
            f"  - {visit}: {h['wall s']} s vs {r['wall s']} s wall (**{speed:.2f}× faster**; "
            f"CPU {h['CPU s']} vs {r['CPU s']} s); largest process {rss[0]:.0f} MiB "
            f"({rss[0] / 1024:.2f} GiB) vs {rss[1]:.0f} MiB ({rss[1] / 1024:.2f} GiB); "
            + (f"alignment error {align[0]} vs {align[1]} mas" if align[0][:1].isdigit()
               else "no true WCS to score the alignment against"))
    swarp = [(v, g[k]) for v, g in goals.items() for k in g if k.startswith("SWarp")]
    return ("- Against runsinglehap (drizzlepac 3.11), same inputs and machine "
            "(`benchmarks/results/peers.md`, medians of its runs), hapsvm vs runsinglehap:\n"
            + "\n".join(parts) + "\n"
            "- Resampling alone on the same grid, SWarp / hapsvm input-pixel throughput "
            "(below one: hapsvm is faster): " + "; ".join(f"{v} {r}" for v, r in swarp) + ".")


def _readme_paired(results: Path) -> str:
    parts = []
    for path in sorted(results.glob("paired_ir_*.json")):
        d = json.loads(path.read_text())
        s = d["summary"]
        loads = [p[side]["load_before"] for p in d["pairs"] for side in ("a", "b")]
        parts.append(f"{d['visit']} {s['a_wall_s']['median']:.1f} s vs "
                     f"{s['b_wall_s']['median']:.1f} s wall ({1 / s['wall_ratio']['median']:.2f}× "
                     f"faster; CPU {s['a_cpu_s']['median']:.1f} vs {s['b_cpu_s']['median']:.1f} "
                     f"s; load {min(loads):.1f}-{max(loads):.1f}; "
                     f"{len(d['pairs'])} alternating pairs, commit "
                     f"`{d['run']['commit']}`"
                     + ("" if s["all_exit_zero"] else "; **some runs failed**") + ")")
    if not parts:
        return ("- Paired, alternating runs of the IR visits: not measured with "
                "`benchmarks/peers/paired.py` yet.")
    return "- Paired, alternating runs of the IR visits: " + "; ".join(parts) + "."


def render_readme(results: Path) -> str:
    """The README's accuracy and speed bullets, quoted from the results pages and records."""
    return "\n".join([_readme_alignment(results), _readme_catalogs(results),
                      _readme_peers(results), _readme_paired(results)]) + "\n"


README_SECTIONS: dict[str, Renderer] = {"accuracy_speed": render_readme}


# --- filling the pages -------------------------------------------------------------------------

def fill(text: str, sections: dict[str, Renderer], results: Path) -> str:
    """Return ``text`` with the body of every generated section rendered from ``results``.

    Raises
    ------
    ValueError
        A section of ``sections`` has no markers in ``text``, or ``text`` has markers of a
        section no renderer knows.
    """
    found = {m.group("name") for m in MARKER.finditer(text)}
    if unknown := found - sections.keys():
        raise ValueError(f"generated sections without a renderer: {sorted(unknown)}")
    if missing := sections.keys() - found:
        raise ValueError(f"sections without markers: {sorted(missing)} (add "
                         "<!-- BEGIN GENERATED: name --> / <!-- END GENERATED: name -->)")
    return MARKER.sub(lambda m: m.group(1) + sections[m.group("name")](results) + m.group(4),
                      text)


def pages(root: Path = ROOT) -> dict[Path, dict[str, Renderer]]:
    """The pages with generated sections and their renderers."""
    return {root / "benchmarks" / "RESULTS.md": RESULTS_SECTIONS,
            root / "README.md": README_SECTIONS}


def prose_figures(text: str) -> list[str]:
    """Return the figures (a number and a unit) in ``text`` outside its generated sections.

    Both marker forms count: named (``<!-- BEGIN GENERATED: name -->``, the pages this script
    fills) and plain (``<!-- BEGIN GENERATED -->``, the pages the benchmarks write themselves).
    """
    return FIGURE.findall(MARKER_PLAIN.sub("", MARKER.sub("", text)))


def main(argv: list[str] | None = None) -> int:
    """Entry point: rewrite the generated sections, or with ``--check`` report stale ones."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a page is stale")
    parser.add_argument("--root", type=Path, default=ROOT, help="repository root")
    args = parser.parse_args(argv)
    results = args.root / "benchmarks" / "results"
    stale = []
    for page, sections in pages(args.root).items():
        old = page.read_text()
        new = fill(old, sections, results)
        if new == old:
            continue
        if args.check:
            stale.append(page)
        else:
            page.write_text(new)
            print(f"rewrote {page}")
    for page in stale:
        print(f"{page} is stale: run .venv/bin/python benchmarks/results_page.py",
              file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
