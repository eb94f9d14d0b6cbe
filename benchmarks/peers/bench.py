#!/usr/bin/env python
"""Side-by-side benchmark: hapsvm vs drizzlepac ``runsinglehap`` (end to end) and vs SWarp
(resampling alone), same visits, same machine. Run through ``benchmarks/peers/run.sh``.

usage:
  bench.py run    [--visits real,sim_ir,sim_uvis,sim_acs] [--pipelines runsinglehap,hapsvm,resample]
                  [--repeat N] [--timeout S]
  bench.py report [--out benchmarks/results/peers.md]

Everything is written under $BENCH_WORK (default benchmarks/work, git-ignored):
  visits/<name>/...                    simulated visits (make_visits.py), made once
  results/<visit>/<pipeline>/          inputs, run directory, logs, time.txt, result.json
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
WORK = Path(os.environ.get("BENCH_WORK", REPO / "benchmarks" / "work")).resolve()
PEERENV = Path(os.environ.get("PEERENV", WORK / "peerenv")).resolve()
SHARED = Path(os.environ.get("SHARED", REPO.parent / "shared")).resolve()
REAL_DIR = SHARED / "realdata" / "wfc3ir_goodss_visit21"
PEER_SCRIPTS = SHARED / "peers"
VISITS = ["real", "sim_ir", "sim_uvis", "sim_acs"]
PY = sys.executable
sys.path.insert(0, str(HERE))

import metrics as M  # noqa: E402


# ----------------------------------------------------------------------------- helpers
def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_rss_mib(root_pid: int) -> float:
    """Summed VmRSS of a process and all its descendants (MiB)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            ppid = int(fields[1])
            children.setdefault(ppid, []).append(int(d))
            rss[int(d)] = int(fields[21]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 2 ** 20


def timed_run(cmd: list[str], cwd: Path, log_path: Path, time_path: Path, env: dict | None = None,
              timeout: float = 3600) -> dict:
    """Run ``cmd`` under /usr/bin/time -v; sample the process tree's summed RSS every 0.25 s."""
    peak = [0.0]
    load0 = os.getloadavg()
    with open(log_path, "w") as out:
        proc = subprocess.Popen(["/usr/bin/time", "-v", "-o", str(time_path), *cmd], cwd=cwd,
                                stdout=out, stderr=subprocess.STDOUT, env=env)
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], tree_rss_mib(proc.pid))
                done.wait(0.25)

        th = threading.Thread(target=sample, daemon=True)
        th.start()
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        done.set()
        th.join()
    res = M.time_v(time_path)
    res["peak_tree_rss_mib"] = round(peak[0], 1)
    res["loadavg_before"] = [round(x, 2) for x in load0]
    res["command"] = " ".join(cmd)
    return res


def visit_info(name: str) -> dict:
    if name == "real":
        return dict(name="real", visit_dir=str(REAL_DIR), truth=None)
    rec = WORK / "visits" / name / "visit.json"
    if not rec.is_file():
        subprocess.run([PY, str(HERE / "make_visits.py"), str(WORK / "visits"), "--only", name],
                       check=True)
    return json.loads(rec.read_text())


def truth_of(info: dict):
    if info["name"] == "real":
        return None
    from hapsvm.simulate import load_truth
    return load_truth(info["visit_dir"])


def real_poller(dest: Path) -> Path:
    """8-column poller of the 4 F098M direct images of visit 21 (original files, read only)."""
    from astropy.io import fits
    rows = []
    for p in sorted(REAL_DIR.glob("ib6o21*_flt.fits")):
        h = fits.getheader(p, 0)
        if h.get("OBSTYPE", "").strip() != "IMAGING":
            continue
        root = h["ROOTNAME"].strip().lower()
        rows.append(",".join([p.name, str(h["PROPOSID"]), root[1:4].upper(), root[4:6].upper(),
                              f"{h['EXPTIME']:.3f}", h["FILTER"].strip(), h["DETECTOR"].strip(),
                              str(p)]))
    dest.write_text("\n".join(rows) + "\n")
    return dest


def repeat_runs(n: int, fn):
    runs = [fn(i) for i in range(n)]
    if n == 1:
        return runs[0], runs
    med = dict(runs[-1])
    for k in ("wall_s", "user_s", "sys_s", "cpu_s", "max_rss_mib", "peak_tree_rss_mib"):
        med[k] = statistics.median(r[k] for r in runs)
    return med, runs


# ----------------------------------------------------------------------------- pipelines
def run_runsinglehap(info: dict, repeat: int, timeout: float) -> dict:
    base = WORK / "results" / info["name"] / "runsinglehap"
    inputs, run = base / "inputs", base / "run"
    peer_py = PEERENV / "bin" / "python"

    def once(i: int) -> dict:
        for d in (inputs, run):
            shutil.rmtree(d, ignore_errors=True)
            d.mkdir(parents=True)
        env = dict(os.environ)
        server = None
        if info["name"] == "real":
            poller = run / "ib6o21_input.out"
            subprocess.run([str(peer_py), str(PEER_SCRIPTS / "prepare_svm_inputs.py"),
                            "--data-dir", str(REAL_DIR), "--visit", "21", "--out-dir", str(inputs),
                            "--poller", str(poller)], check=True, stdout=subprocess.DEVNULL)
            # no catalogue offline: a closed loopback port makes the query fail at once
            env["ASTROMETRIC_CATALOG_URL"] = f"http://127.0.0.1:{free_port()}/webservices"
        else:
            src_poller = Path(info["poller"])
            poller = run / src_poller.name
            rows = []
            for line in src_poller.read_text().splitlines():
                cols = line.split(",")
                shutil.copy2(Path(info["visit_dir"]) / cols[0], inputs / cols[0])
                cols[7] = str(inputs / cols[0])
                rows.append(",".join(cols))
            poller.write_text("\n".join(rows) + "\n")
            port = free_port()
            slog = base / "catalog_server.log"
            slog.unlink(missing_ok=True)
            server = subprocess.Popen([str(peer_py), str(PEER_SCRIPTS / "serve_local_catalog.py"),
                                       info["reference_csv"], "--port", str(port),
                                       "--log", str(slog)])
            for _ in range(100):
                if slog.exists() and "serving" in slog.read_text():
                    break
                time.sleep(0.1)
            env["ASTROMETRIC_CATALOG_URL"] = f"http://127.0.0.1:{port}/webservices"
        try:
            # through the venv's python, so a moved venv (shebangs not rewritten) still works
            res = timed_run([str(peer_py), str(PEERENV / "bin" / "runsinglehap"), poller.name], run,
                            base / f"runsinglehap_{i}.log", base / f"time_{i}.txt", env, timeout)
        finally:
            if server:
                server.terminate()
                server.wait()
        res["catalog_url"] = env["ASTROMETRIC_CATALOG_URL"]
        res["stages"] = M.runsinglehap_stages(base / f"runsinglehap_{i}.log", run)
        return res

    med, runs = repeat_runs(repeat, once)
    return dict(pipeline="runsinglehap", visit=info["name"], timing=med, runs=runs,
                run_dir=str(run), log=str(base / f"runsinglehap_{repeat - 1}.log"))


def hapsvm_command(info: dict, out: Path, base: Path) -> list[str]:
    cmd = [str(Path(PY).parent / "svm")]
    if info["name"] == "real":
        poller = real_poller(base / "ib6o21_input.out")
        cmd += [f"input={poller}", f"read_visit.roots=[{REAL_DIR}]"]
    else:
        import hapsvm.steps  # noqa: F401 - registers the steps the recipe names
        from hapsvm.core import Recipe
        from hapsvm.demo import catalog_overrides
        from hapsvm.paths import project_paths
        steps = Recipe.load("v1", project_paths()).steps
        cmd += [f"input={info['poller']}",
                *catalog_overrides(Path(info["reference_ecsv"]), steps)]
    return cmd + [f"output_dir={out}", "resume=false", "quiet=true"]


def run_hapsvm(info: dict, repeat: int, timeout: float) -> dict:
    base = WORK / "results" / info["name"] / "hapsvm"
    out = base / "out"
    base.mkdir(parents=True, exist_ok=True)
    cmd = hapsvm_command(info, out, base)

    def once(i: int) -> dict:
        shutil.rmtree(out, ignore_errors=True)
        res = timed_run(cmd, REPO, base / f"svm_{i}.log", base / f"time_{i}.txt", None, timeout)
        res["stages"] = M.hapsvm_stages(out)
        return res

    med, runs = repeat_runs(repeat, once)
    return dict(pipeline="hapsvm", visit=info["name"], timing=med, runs=runs, run_dir=str(out),
                log=str(base / f"svm_{repeat - 1}.log"), recipe_steps=_recipe_steps())


def _recipe_steps() -> list[str]:
    import hapsvm.steps  # noqa: F401
    from hapsvm.core import Recipe
    from hapsvm.paths import project_paths
    return list(Recipe.load("v1", project_paths()).steps)


def quality(info: dict, res: dict) -> dict:
    run = Path(res["run_dir"])
    truth = truth_of(info)
    q = dict(catalog_rows=M.catalog_rows(run),
             products=sorted(p.name for p in run.rglob("hst_*_dr[zc].fits")
                             if "inputs" not in p.parts))
    if truth is not None:
        q["alignment"] = M.alignment_error(run, truth)
        q["photometry"] = M.star_photometry(run, truth)
    else:
        from astropy.io import fits
        q["wcsnames"] = sorted({str(fits.getval(p, "WCSNAME", ("SCI", 1)))
                                for p in M.renamed_copies(run)})
    return q


def run_resample(info: dict, repeat: int) -> dict:
    """SWarp and hapsvm's resampling on the same grid and the same aligned exposures."""
    base = WORK / "results" / info["name"] / "resample"
    base.mkdir(parents=True, exist_ok=True)
    src = None
    for pipe in ("hapsvm", "runsinglehap"):
        run = WORK / "results" / info["name"] / pipe / ("out" if pipe == "hapsvm" else "run")
        grids = sorted(p for p in run.rglob("hst_*_total_*_dr[zc].fits")) if run.exists() else []
        copies = M.renamed_copies(run) if run.exists() else []
        if grids and copies:
            src = (pipe, grids[0], copies)
            break
    if src is None:
        return dict(error="no drizzled total product from either pipeline yet")
    pipe, grid, copies = src
    result = dict(grid_from=pipe, grid=str(grid), exposures=[str(c) for c in copies], swarp={})
    configs = [("LANCZOS3", 2), ("NEAREST", 2)] + ([("LANCZOS3", 1)] if repeat > 1 else [])
    for rtype, threads in configs:
        key = f"{rtype}_{threads}t"
        wdir = base / f"swarp_{key}"
        shutil.rmtree(wdir, ignore_errors=True)
        subprocess.run([PY, str(HERE / "swarp_resample.py"), "--grid", str(grid), "--work",
                        str(wdir), "--resampling", rtype, "--threads", str(threads),
                        "--repeat", str(repeat), *map(str, copies)], check=True,
                       stdout=subprocess.DEVNULL)
        result["swarp"][key] = json.loads((wdir / f"swarp_{rtype.lower()}.json").read_text())
    hout = base / "hapsvm_resample.json"
    subprocess.run([PY, "-W", "ignore", str(HERE / "hapsvm_resample.py"), "--grid", str(grid),
                    "--out", str(hout), "--repeat", str(repeat), *map(str, copies)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    result["hapsvm"] = json.loads(hout.read_text())
    return result


def save(info: dict, name: str, res: dict) -> None:
    d = WORK / "results" / info["name"]
    d.mkdir(parents=True, exist_ok=True)
    res["finished"] = time.strftime("%Y-%m-%d %H:%M:%S")
    res["git"] = git_state()
    (d / f"{name}.json").write_text(json.dumps(res, indent=2, default=str))


def git_state() -> str:
    def g(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=REPO, capture_output=True, text=True).stdout.strip()
    dirty = g("status", "--porcelain", "--", "engine", "conf", "svm_recipes")
    return g("rev-parse", "--short", "HEAD") + (
        f" + {len(dirty.splitlines())} uncommitted files in engine/conf/svm_recipes"
        if dirty else "")


def cmd_run(a: argparse.Namespace) -> int:
    for v in a.visits.split(","):
        info = visit_info(v)
        for p in a.pipelines.split(","):
            rep = a.repeat if a.repeat else (3 if v in ("real", "sim_ir") else 1)
            log(f"{v}: {p} (repeat {rep})")
            if p == "runsinglehap":
                res = run_runsinglehap(info, rep, a.timeout)
                res["quality"] = quality(info, res)
            elif p == "hapsvm":
                res = run_hapsvm(info, rep, a.timeout)
                res["quality"] = quality(info, res)
            elif p == "resample":
                res = run_resample(info, rep)
            else:
                raise SystemExit(f"unknown pipeline {p}")
            res["repeat"] = rep
            save(info, p, res)
            t = res.get("timing", {})
            log(f"{v}: {p} done: exit {t.get('exit')}, wall {t.get('wall_s')} s, "
                f"rss {t.get('max_rss_mib')} MiB")
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--visits", default=",".join(VISITS))
    r.add_argument("--pipelines", default="runsinglehap,hapsvm,resample")
    r.add_argument("--repeat", type=int, default=0,
                   help="0: 3 for the IR visits, 1 for the big ones")
    r.add_argument("--timeout", type=float, default=3600)
    p = sub.add_parser("report")
    p.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "peers.md")
    a = ap.parse_args(argv)
    if a.cmd == "run":
        return cmd_run(a)
    from report import write_report
    return write_report(WORK, a.out, REPO, PEERENV)


if __name__ == "__main__":
    sys.exit(main())
