"""Calibrate and validate the resource model of ``svm plan`` on simulated visits.

Simulates visits of the three detectors (WFC3/IR, WFC3/UVIS, ACS/WFC; full frames and
subarray-like sizes; 1-6 exposures; 1-3 filters), runs each with ``svm`` (one at a time,
``processes_per_visit`` as listed: 2, the default, and 1 for a few, the multirun setting) while
sampling the process tree's summed RSS every 0.1 s, then fits the model of
:mod:`hapsvm.plan.model` to the measured peaks and wall times from the planning features alone
(headers: chips, exposures, filters, grid). The coefficients go to
``engine/plan/resource_model.json`` (with the command, commit and machine); the predicted vs
measured table, in-sample and leave-one-out, to ``benchmarks/results/resource_model.md``.

    .venv/bin/python benchmarks/bench_resource_model.py            # measure what is missing, fit
    .venv/bin/python benchmarks/bench_resource_model.py --fit-only # refit the stored measurements
    .venv/bin/python benchmarks/bench_resource_model.py --only ir_full_4x2 --remeasure

Measurements are kept in ``benchmarks/work/resource_model/measurements.json`` (``BENCH_WORK``
moves ``benchmarks/work``): a rerun measures only the visits it lacks.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import threading
import time
from dataclasses import asdict
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))   # benchmarks/: run_record
from run_record import export_commit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
WORK = Path(os.environ.get("BENCH_WORK", ROOT / "benchmarks" / "work")) / "resource_model"
RESULTS = ROOT / "benchmarks" / "results"
SVM = [sys.executable, "-c", "from hapsvm.cli import main; main()"]
PAGE = os.sysconf("SC_PAGE_SIZE")


@dataclass(frozen=True)
class VisitSpec:
    """One simulated calibration visit and the way it is run."""

    name: str
    detector: str
    n_exposures: int
    filters: tuple[str, ...]
    size: int | None
    seed: int
    processes: int = 2


IR2, UV2, ACS2 = ("F160W", "F110W"), ("F555W", "F814W"), ("F606W", "F814W")
VISITS = [
    VisitSpec("ir_s256_2x1", "wfc3_ir", 2, ("F160W",), 256, 11),
    VisitSpec("ir_s512_4x2", "wfc3_ir", 4, IR2, 512, 12),
    VisitSpec("ir_full_2x1", "wfc3_ir", 2, ("F160W",), None, 13),
    VisitSpec("ir_full_4x2", "wfc3_ir", 4, IR2, None, 14),
    VisitSpec("ir_full_6x3", "wfc3_ir", 6, ("F160W", "F110W", "F125W"), None, 15),
    VisitSpec("ir_full_4x1_p1", "wfc3_ir", 4, ("F160W",), None, 16, processes=1),
    VisitSpec("uvis_s512_2x1", "wfc3_uvis", 2, ("F555W",), 512, 21),
    VisitSpec("uvis_s1024_4x2", "wfc3_uvis", 4, UV2, 1024, 22),
    VisitSpec("uvis_s2048_3x1", "wfc3_uvis", 3, ("F814W",), 2048, 23),
    VisitSpec("uvis_full_2x1", "wfc3_uvis", 2, ("F555W",), None, 24),
    VisitSpec("uvis_full_4x2", "wfc3_uvis", 4, UV2, None, 25),
    VisitSpec("uvis_s2048_4x2_p1", "wfc3_uvis", 4, UV2, 2048, 26, processes=1),
    VisitSpec("acs_s512_2x1", "acs_wfc", 2, ("F606W",), 512, 31),
    VisitSpec("acs_s1024_4x2", "acs_wfc", 4, ACS2, 1024, 32),
    VisitSpec("acs_s2048_3x1", "acs_wfc", 3, ("F814W",), 2048, 33),
    VisitSpec("acs_full_2x1", "acs_wfc", 2, ("F606W",), None, 34),
    VisitSpec("acs_full_4x2", "acs_wfc", 4, ACS2, None, 35),
    VisitSpec("acs_full_6x2", "acs_wfc", 6, ACS2, None, 36),
    VisitSpec("acs_s2048_4x2_p1", "acs_wfc", 4, ACS2, 2048, 37, processes=1),
    VisitSpec("acs_full_4x2_p1", "acs_wfc", 4, ACS2, None, 38, processes=1),
]


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def export_source(commit: str) -> tuple[str, dict[str, str]]:
    """``git archive`` of ``commit`` (``run_record.export_commit``, once): the runs use that
    tree, not the checkout's uncommitted files. Returns the short commit and the environment
    that imports ``hapsvm`` from it."""
    short, pkgs = export_commit(commit)
    return short, dict(os.environ, PYTHONPATH=str(pkgs))


def simulate(spec: VisitSpec, env: dict[str, str]) -> Path:
    """The visit's poller file (simulated once, into ``WORK/sims/<name>/``)."""
    parent = WORK / "sims" / spec.name
    found = sorted(parent.glob("*/*_input.out"))
    if found:
        return found[0]
    start = time.perf_counter()
    code = ("import sys; from hapsvm.simulate import simulate_visit; "
            f"v = simulate_visit({str(parent)!r}, detector={spec.detector!r}, "
            f"n_exposures={spec.n_exposures}, filters={list(spec.filters)!r}, "
            f"size={spec.size!r}, seed={spec.seed}, overwrite=True); print(v.poller_path)")
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=WORK, check=True,
                         capture_output=True, text=True).stdout.strip().splitlines()[-1]
    log(f"{spec.name}: simulated in {time.perf_counter() - start:.0f} s")
    return Path(out)


def busy_seconds() -> float:
    """CPU seconds the whole machine has been busy (all cores; /proc/stat)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def tree_rss_bytes(root_pid: int) -> int:
    """Summed resident memory of a process and all its descendants (bytes)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry))
        rss[int(entry)] = int(fields[21]) * PAGE
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total


def svm_command(spec: VisitSpec, poller: Path, out: Path) -> list[str]:
    catalog = poller.parent / "reference_gaia.ecsv"
    return [*SVM, f"input={poller}", f"output_dir={out}", "resume=false", "quiet=true",
            f"processes_per_visit={spec.processes}", f"align_to_catalog.catalog_file={catalog}",
            "align_to_catalog.providers=[file]"]


#: Keep every product of the measured runs (--keep-runs); else only summaries and logs.
KEEP_RUNS = False
#: Niceness of the measured runs: on a shared machine a higher priority keeps other
#: processes from stretching the wall time (set by --nice; needs the right to lower it).
NICE = -10


def _raise_priority(nice: int) -> None:
    try:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    except OSError:
        pass


def measure(spec: VisitSpec, poller: Path, env: dict[str, str], commit: str) -> dict:
    """Run the visit once; peak summed RSS (0.1 s samples), wall, CPU, the run's summary, and
    the CPU time other processes of the machine took meanwhile (noise on the wall time)."""
    out = WORK / "runs" / spec.name
    subprocess.run(["rm", "-rf", str(out)], check=True)
    cmd = svm_command(spec, poller, out)
    peak = [0]
    load0, busy0 = os.getloadavg()[0], busy_seconds()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=WORK, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, preexec_fn=lambda: _raise_priority(NICE))
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_bytes(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    summary = json.loads((out / "svm_summary.json").read_text()) \
        if (out / "svm_summary.json").is_file() else {}
    cpu = usage.ru_utime + usage.ru_stime
    result = {"spec": asdict(spec), "poller": str(poller), "command": " ".join(cmd[3:]),
              "commit": commit, "exit_code": proc.returncode, "wall_s": round(wall, 2),
              "cpu_s": round(cpu, 2),
              "other_cpu_s": round(max(0.0, busy_seconds() - busy0 - cpu), 1),
              "peak_tree_rss_gib": round(peak[0] / 2**30, 4),
              "maxrss_largest_gib": round(usage.ru_maxrss / 2**20, 4),
              "summary_wall_s": summary.get("wall_seconds"),
              "summary_peak_rss_gib": (summary.get("resources") or {}).get("peak_rss_gib"),
              "load_before": load0, "load_after": os.getloadavg()[0],
              "nice": NICE,
              "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    if proc.returncode != 0:
        result["stderr_tail"] = stderr[-2000:]
    result["run_grid"] = run_grid_shape(spec.name)
    if not KEEP_RUNS:          # full-size runs write ~2 GB each: keep the summary and the log
        for path in out.iterdir():
            if path.is_file() and path.suffix in (".fits", ".jpg", ".npy"):
                path.unlink()
    return result


def load_measurements() -> dict[str, dict]:
    path = WORK / "measurements.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def save_measurements(data: dict[str, dict]) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / "measurements.json"
    path.write_text(json.dumps(data, indent=1) + "\n")


def measure_all(specs: list[VisitSpec], *, commit: str, remeasure: bool) -> dict[str, dict]:
    data = load_measurements()
    short, env = export_source(commit)
    for i, spec in enumerate(specs, start=1):
        old = data.get(spec.name)
        if old and not remeasure and old["spec"] == json.loads(json.dumps(asdict(spec))) \
                and old.get("commit") == short and old["exit_code"] == 0 \
                and old.get("nice") == NICE:
            continue
        poller = simulate(spec, env)
        log(f"{spec.name} ({i}/{len(specs)}): running at {short}")
        data[spec.name] = measure(spec, poller, env, short)
        m = data[spec.name]
        log(f"{spec.name}: exit {m['exit_code']}, wall {m['wall_s']:.1f} s, cpu {m['cpu_s']:.1f} s,"
            f" peak {m['peak_tree_rss_gib']:.3f} GiB, others {m['other_cpu_s']:.0f} CPU s")
        save_measurements(data)
    return data


# ----------------------------------------------------------------------------- plan speed
def run_sampled(cmd: list[str]) -> tuple[str, str, float, int]:
    """Run a command; its stdout, stderr, wall time and peak summed RSS (0.1 s samples)."""
    peak = [0]
    done = threading.Event()
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=WORK, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_bytes(proc.pid))
            done.wait(0.1)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    done.set()
    sampler.join()
    return out, err, wall, peak[0]


def plan_speed(data: dict[str, dict], n: int) -> list[dict]:
    """``svm plan`` (the checkout's code) over ``n`` pollers naming the measured visits in
    turn, with 1 and 2 processes: its own timing line, the process's wall time and peak RSS."""
    import re

    visits = sorted(m["poller"] for m in data.values() if m["exit_code"] == 0)
    pollers = WORK / "plan_speed" / f"pollers_{n}"
    if not pollers.is_dir() or len(list(pollers.glob("*.out"))) != n:
        subprocess.run(["rm", "-rf", str(pollers)], check=True)
        pollers.mkdir(parents=True)
        texts = []
        for poller in visits:
            rows = []
            for line in Path(poller).read_text().splitlines():
                cols = line.split(",")
                cols[0] = str((Path(poller).parent / cols[0]).resolve())
                rows.append(",".join(cols))
            texts.append("\n".join(rows) + "\n")
        for i in range(n):
            (pollers / f"v{i:05d}.out").write_text(texts[i % len(texts)])
    runs = []
    for jobs in (1, 2):
        table = WORK / "plan_speed" / f"visit_plan_{n}_{jobs}.tsv"
        cmd = [*SVM, "plan", f"input=visits:{pollers}", "--output", str(table), "--jobs",
               str(jobs)]
        tries = [run_sampled(cmd) for _ in range(3)]     # a shared machine: the fastest of 3
        out, err, wall, peak = min(tries, key=lambda t: t[2])
        slowest = max(t[2] for t in tries)
        line = next((ln for ln in out.splitlines() if ln.startswith("svm plan:")), err[-500:])
        own = re.search(r"in ([0-9.]+) s \(([0-9.]+) ms per visit; config composed once in "
                        r"([0-9.]+) s\)", line)
        rows = len([ln for ln in table.read_text().splitlines() if not ln.startswith("#")]) - 1 \
            if table.is_file() else 0
        runs.append({"jobs": jobs, "n": n, "rows": rows, "wall_s": round(wall, 1),
                     "slowest_wall_s": round(slowest, 1),
                     "peak_gib": round(peak / 2**30, 3), "line": line,
                     "visits_s": float(own.group(1)) if own else None,
                     "ms_per_visit": float(own.group(2)) if own else None,
                     "compose_s": float(own.group(3)) if own else None,
                     "command": "svm " + " ".join(cmd[3:]).replace(str(WORK), "$WORK"),
                     "other_cpu_note": "shared machine"})
        log(f"svm plan, {n} pollers, --jobs {jobs}: {line}")
    return runs


# ----------------------------------------------------------------------------- fit
def features_of(data: dict[str, dict]) -> dict[str, object]:
    """The planning features of every measured visit (as ``svm plan`` computes them)."""
    from hapsvm.plan.cli import plan_settings
    from hapsvm.plan.features import visit_features

    settings = {p: plan_settings([f"processes_per_visit={p}"]) for p in (1, 2)}
    return {name: visit_features(m["poller"], settings[m["spec"]["processes"]])
            for name, m in data.items()}


def run_grid_shape(name: str) -> tuple[int, int] | None:
    """(ny, nx) of the total drizzle product the run wrote (None if absent)."""
    from astropy.io import fits

    found = sorted((WORK / "runs" / name).glob("*_total_*_dr?.fits"))
    if not found:
        return None
    with fits.open(found[0]) as hdul:
        h = hdul["SCI"].header if "SCI" in hdul else hdul[0].header
        return int(h["NAXIS2"]), int(h["NAXIS1"])


def fit_relative(rows: list[dict[str, float]], y: list[float], names: list[str]) -> list[float]:
    """Non-negative least squares on relative residuals ((prediction - y) / y)."""
    import numpy as np
    from scipy.optimize import nnls

    a = np.array([[r.get(n, 0.0) for n in names] for r in rows], float)
    yy = np.array(y, float)
    coef, _ = nnls(a / yy[:, None], np.ones(len(yy)))
    return [float(c) for c in coef]


def calibrate(terms: dict[str, dict[str, float]], measured: dict[str, float]) -> dict:
    """Coefficients on all visits; each visit's prediction from a fit without it."""
    import numpy as np

    names = sorted({k for t in terms.values() for k in t})
    visits = sorted(terms)
    coef = fit_relative([terms[v] for v in visits], [measured[v] for v in visits], names)
    coefficients = {n: c for n, c in zip(names, coef)}
    loo, fitted = {}, {}
    for v in visits:
        rest = [w for w in visits if w != v]
        c = fit_relative([terms[w] for w in rest], [measured[w] for w in rest], names)
        loo[v] = sum(ci * terms[v].get(n, 0.0) for ci, n in zip(c, names))
        fitted[v] = sum(coefficients[n] * terms[v].get(n, 0.0) for n in names)
    ratios = np.array([measured[v] / loo[v] for v in visits])
    in_sample = np.array([measured[v] / fitted[v] for v in visits])
    return {"coefficients": coefficients, "loo": loo, "fitted": fitted,
            "rel_error": float(np.sqrt(np.mean((ratios - 1.0) ** 2))),
            "median_ratio": float(np.median(ratios)), "worst_ratio": float(ratios.max()),
            "lowest_ratio": float(ratios.min()),
            "in_sample_rel_error": float(np.sqrt(np.mean((in_sample - 1.0) ** 2))),
            "in_sample_worst_ratio": float(in_sample.max())}


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text()
                .splitlines() if ln.startswith("model name")), platform.processor())
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{platform.node()}: {os.cpu_count()} cores ({cpu}), {mem:.0f} GiB, " \
        f"Python {platform.python_version()}, {platform.system()} {platform.release()}"


def fit_and_report(data: dict[str, dict], command: str, speed: list[dict]) -> None:
    from hapsvm.plan.model import LinearModel
    from hapsvm.plan.model import ResourceModel
    from hapsvm.plan.model import memory_terms
    from hapsvm.plan.model import time_terms

    ok = {n: m for n, m in data.items() if m["exit_code"] == 0}
    feats = features_of(ok)
    mem = calibrate({n: memory_terms(f) for n, f in feats.items()},
                    {n: m["peak_tree_rss_gib"] for n, m in ok.items()})
    tim = calibrate({n: time_terms(f) for n, f in feats.items()},
                    {n: m["cpu_s"] for n, m in ok.items()})
    wall = calibrate({n: time_terms(f) for n, f in feats.items()},
                     {n: m["wall_s"] for n, m in ok.items()})
    commits = sorted({m.get("commit", "?") for m in ok.values()})
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    summary = (f"{len(ok)} simulated visits measured at {','.join(commits)}, "
               f"fitted {when}; memory ±{100 * mem['rel_error']:.0f} %, "
               f"CPU time ±{100 * tim['rel_error']:.0f} % (leave-one-out)")
    provenance = {"summary": summary, "command": command, "measured_at_commit": commits,
                  "fitted_at_commit": head, "machine": machine(), "date": when,
                  "visits": sorted(ok), "report": "benchmarks/results/resource_model.md"}
    model = ResourceModel(
        memory=LinearModel({k: round(v, 6) for k, v in mem["coefficients"].items()}, "GiB",
                           round(mem["rel_error"], 4), round(mem["median_ratio"], 4),
                           round(mem["worst_ratio"], 4)),
        time=LinearModel({k: round(v, 6) for k, v in tim["coefficients"].items()}, "s",
                         round(tim["rel_error"], 4), round(tim["median_ratio"], 4),
                         round(tim["worst_ratio"], 4)),
        provenance=provenance)
    from hapsvm.plan.model import MODEL_FILE

    MODEL_FILE.write_text(model.to_json())
    RESULTS.mkdir(exist_ok=True)
    text = report(ok, feats, mem, tim, wall, provenance) + speed_section(speed)
    (RESULTS / "resource_model.md").write_text(text)
    print(text)


def _table(ok: dict[str, dict], feats: dict, fit: dict, key: str, unit: str,
           fmt: str) -> list[str]:
    lines = [f"| visit | measured {unit} | predicted (leave-one-out) | ratio | in-sample | "
             "ratio |", "|---|---|---|---|---|---|"]
    for n in sorted(ok, key=lambda n: (ok[n]["spec"]["detector"], ok[n][key])):
        m, p, q = ok[n][key], fit["loo"][n], fit["fitted"][n]
        lines.append(f"| {n} | {m:{fmt}} | {p:{fmt}} | {m / p:.2f} | {q:{fmt}} | {m / q:.2f} |")
    return lines


def report(ok: dict[str, dict], feats: dict, mem: dict, tim: dict, wall: dict,
           prov: dict) -> str:
    lines = ["# Resource model of `svm plan`: predicted vs measured", "",
             f"Written by `{prov['command']}` on {prov['date']}; runs measured at commit(s) "
             f"`{', '.join(prov['measured_at_commit'])}` (a `git archive` of the commit, not "
             f"the checkout's uncommitted files), fitted at `{prov['fitted_at_commit']}`.",
             f"Machine: {prov['machine']}.", "",
             "The runs were measured by this script without `--fit-only` (it measures the "
             "visits `benchmarks/work/resource_model/measurements.json` lacks for the commit "
             "given by `--commit`, then fits), at niceness "
             f"{sorted({m.get('nice', 0) for m in ok.values()})}; `--fit-only` refits the "
             "stored measurements.", "",
             "Each simulated visit was run once with `svm` (`align_to_catalog.providers=[file]`, "
             "the visit's own `reference_gaia.ecsv`, `processes_per_visit` as named: `_p1` "
             "visits with 1, the others with 2, the default), one visit at a time. Peak memory "
             "is the largest summed RSS of the `svm` process and its children, sampled every "
             "0.1 s; time is the CPU time (user + system) of the `svm` process and its "
             "children, start-up included: the wall time of a run on one idle core "
             "(`processes_per_visit=1`, the multirun setting), and more than the wall time of "
             "a run with 2 processes on 2 idle cores. The wall time measured here is shown "
             "too, but this machine is shared (see the last table): its wall times are "
             "stretched by other processes by up to 2x and are not a basis for a model. "
             "The predictions use only what `svm plan` reads: headers (chips, exposures, "
             "filters) and the output grid computed from them.", "",
             "Ratios are measured / predicted; the leave-one-out prediction of a visit comes "
             "from coefficients fitted without it (the honest error of a new visit).", "",
             "## Summary", "",
             "| model | median ratio | worst (largest) ratio | lowest ratio | relative error "
             "(RMS, leave-one-out) | in-sample RMS |", "|---|---|---|---|---|---|"]
    for name, fit in (("peak memory", mem), ("CPU time (the model)", tim),
                      ("wall time (same terms, for comparison)", wall)):
        lines.append(f"| {name} | {fit['median_ratio']:.2f} | {fit['worst_ratio']:.2f} | "
                     f"{fit['lowest_ratio']:.2f} | {100 * fit['rel_error']:.1f} % | "
                     f"{100 * fit['in_sample_rel_error']:.1f} % |")
    lines += ["", "Coefficients (written to `engine/plan/resource_model.json`):", "",
              "- memory (GiB) = " + " + ".join(f"{v:.4g}·{k}" for k, v in
                                              mem["coefficients"].items()),
              "- CPU time (s) = " + " + ".join(f"{v:.4g}·{k}" for k, v in
                                              tim["coefficients"].items()),
              "", "Terms: see `hapsvm.plan.model` (`memory_terms`, `time_terms`).", "",
              "## Peak memory (GiB)", "", *_table(ok, feats, mem, "peak_tree_rss_gib", "GiB",
                                                  ".3f"),
              "", "## CPU time (s)", "", *_table(ok, feats, tim, "cpu_s", "s", ".1f"), "",
              "## Wall time (s), for comparison (shared machine)", "",
              *_table(ok, feats, wall, "wall_s", "s", ".1f"), "",
              "## The visits and their runs", "",
              "| visit | detector | exposures × filters | chip size | grid (plan) | grid (run) "
              "| input Mpix | wall s | CPU s | other processes' CPU s during the run |",
              "|---|---|---|---|---|---|---|---|---|---|"]
    for n in sorted(ok, key=lambda n: (ok[n]["spec"]["detector"], n)):
        m, f = ok[n], feats[n]
        d = f.detectors[0]
        spec = m["spec"]
        size = "full" if spec["size"] is None else str(spec["size"])
        run = m.get("run_grid") or run_grid_shape(n)
        lines.append(f"| {n} | {spec['detector']} | {spec['n_exposures']} × "
                     f"{len(spec['filters'])} | {size} | {d.grid_shape[1]} × {d.grid_shape[0]} "
                     f"| {f'{run[1]} × {run[0]}' if run else '-'} | "
                     f"{d.input_pixels / 1e6:.1f} | {m['wall_s']:.0f} | {m['cpu_s']:.0f} | "
                     f"{m['other_cpu_s']:.0f} |")
    lines += ["", "The machine is shared: the last column is the CPU time other processes "
              "used while the visit ran (2 cores: at most 2 s per second of wall time). CPU "
              "time and memory hardly depend on that load; wall time does.", ""]
    return "\n".join(lines) + "\n"


def speed_section(runs: list[dict]) -> str:
    if not runs:
        return ""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                          capture_output=True, text=True).stdout.strip()
    lines = ["## Speed of `svm plan`", "",
             f"`svm plan` of the checkout (at `{head}`) over {runs[0]['n']} poller files, each "
             "naming one of the measured visits in turn (2-6 exposures, 1-2 chips each), on "
             "this shared machine, the fastest of 3 runs. `visits` is the planning itself (after "
             "Python's start-up and the one composition of the recipe); `total` the whole "
             "process.", "",
             "| processes | rows | visits | per visit | composition | total wall (slowest of 3) "
             "| peak RSS |", "|---|---|---|---|---|---|---|"]
    for r in runs:
        lines.append(f"| {r['jobs']} | {r['rows']} | {r['visits_s']} s | {r['ms_per_visit']} ms "
                     f"| {r['compose_s']} s | {r['wall_s']} s ({r['slowest_wall_s']} s) | "
                     f"{r['peak_gib']:.2f} GiB |")
    lines += ["", "Commands:", ""] + [f"- `{r['command']}`" for r in runs] + [""]
    return "\n".join(lines) + "\n"


def main() -> None:
    global NICE, KEEP_RUNS
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", action="append", help="visit names (default: all)")
    parser.add_argument("--remeasure", action="store_true")
    parser.add_argument("--fit-only", action="store_true")
    parser.add_argument("--measure-only", action="store_true")
    parser.add_argument("--plan-pollers", type=int, default=1000,
                        help="pollers for the speed of svm plan (0: not measured)")
    parser.add_argument("--keep-runs", action="store_true",
                        help="keep the runs' products (default: summaries and logs only)")
    parser.add_argument("--nice", type=int, default=NICE,
                        help="niceness of the measured runs (default %(default)s)")
    parser.add_argument("--commit", default="HEAD",
                        help="the runs use this commit's files (git archive), default HEAD")
    args = parser.parse_args()
    specs = [s for s in VISITS if not args.only or s.name in args.only]
    NICE, KEEP_RUNS = args.nice, args.keep_runs
    WORK.mkdir(parents=True, exist_ok=True)
    if not args.fit_only:
        measure_all(specs, commit=args.commit, remeasure=args.remeasure)
    if args.measure_only:
        return
    command = "python benchmarks/bench_resource_model.py " + " ".join(sys.argv[1:])
    data = load_measurements()
    speed = plan_speed(data, args.plan_pollers) if args.plan_pollers else []
    fit_and_report(data, command.strip(), speed)


if __name__ == "__main__":
    main()
