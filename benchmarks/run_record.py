"""Where and when a benchmark figure was measured: command, commit, UTC time, machine and load.

Every benchmark that feeds ``benchmarks/RESULTS.md`` or the README writes its figures with
:func:`write_result` into ``benchmarks/results/<name>.json``, together with the record made by
:func:`start_record` at its start and completed by :func:`finish_record` at its end;
``benchmarks/results_page.py`` renders the pages from those files.

The working tree is shared and often holds other people's unfinished changes, so a benchmark
calls :func:`run_at_commit` first: it exports the committed tree (``git archive HEAD``) into
``benchmarks/work/src_<commit>/`` and runs the same script there, importing ``hapsvm`` from the
export; its figures still go to this checkout's ``benchmarks/results/``. Set
``BENCH_USE_CHECKOUT=1`` to measure the checkout as it is (its commit is then marked
``-dirty`` when engine/, conf/ or svm_recipes/ have uncommitted changes). Shell scripts export
with ``python benchmarks/run_record.py export`` (prints the commit and the ``PYTHONPATH``).
"""
from __future__ import annotations

import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

__all__ = ["RESULTS", "ROOT", "command_line", "export_commit", "finish_record", "git_commit",
           "loadavg", "machine", "run_at_commit", "start_record", "write_result"]

ROOT = Path(__file__).resolve().parents[1]
# set by run_at_commit for the exported copy: the checkout's results folder and the commit
RESULTS = Path(os.environ.get("HAPSVM_BENCH_RESULTS", ROOT / "benchmarks" / "results"))
EXPORTED_COMMIT = os.environ.get("HAPSVM_BENCH_COMMIT")
# the folders whose uncommitted changes make a measurement "-dirty"
CODE_DIRS = ("engine", "conf", "svm_recipes")


def _git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def git_commit() -> str:
    """Return the short HEAD commit, with ``-dirty`` when engine/, conf/ or svm_recipes/ differ.

    In a tree exported by :func:`run_at_commit` it is the exported commit (clean by
    construction).
    """
    if EXPORTED_COMMIT:
        return EXPORTED_COMMIT
    dirty = _git("status", "--porcelain", "--untracked-files=no", "--", *CODE_DIRS)
    return _git("rev-parse", "--short", "HEAD") + ("-dirty" if dirty else "")


def export_commit(commit: str = "HEAD") -> tuple[str, Path]:
    """Export ``commit`` (``git archive``) into ``benchmarks/work/src_<short>/`` once.

    Returns the short commit and the folder to put on ``PYTHONPATH`` so that ``import hapsvm``
    loads the export (it precedes the checkout's editable install).
    """
    short = _git("rev-parse", "--short", commit)
    src = ROOT / "benchmarks" / "work" / f"src_{short}"
    if not (src / "pkgs" / "hapsvm").exists():
        subprocess.run(["rm", "-rf", str(src)], check=True)
        (src / "pkgs").mkdir(parents=True)
        archive = subprocess.run(["git", "archive", short], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(src)], input=archive, check=True)
        (src / "pkgs" / "hapsvm").symlink_to("../engine")
    return short, src / "pkgs"


def realdata_for_exports() -> str:
    """The real-data templates an export must simulate from: ``$HAPSVM_REALDATA``, else the
    checkout's ``../shared/realdata`` (an export's own ``../shared`` does not exist, and without
    templates the simulator falls back to a built-in keyword set that lacks keywords
    runsinglehap needs, such as WFC3/IR's ``MEANDARK``)."""
    return os.environ.get("HAPSVM_REALDATA") or str(ROOT.parent / "shared" / "realdata")


def run_at_commit(script: str, argv: list[str]) -> None:
    """Re-run ``script`` (a path relative to the repository) from an export of HEAD.

    Does nothing when already running from an export or when ``BENCH_USE_CHECKOUT=1``;
    otherwise replaces the current process and never returns.
    """
    if EXPORTED_COMMIT or os.environ.get("BENCH_USE_CHECKOUT") == "1":
        return
    short, pkgs = export_commit()
    env = dict(os.environ, PYTHONPATH=str(pkgs), HAPSVM_BENCH_COMMIT=short,
               HAPSVM_BENCH_RESULTS=str(RESULTS), HAPSVM_REALDATA=realdata_for_exports())
    print(f"running {script} from git archive {short} ({pkgs.parent.relative_to(ROOT)})",
          file=sys.stderr, flush=True)
    os.execve(sys.executable, [sys.executable, str(pkgs.parent / script), *argv], env)


def machine() -> dict[str, Any]:
    """Return the machine's processor count, CPU model, memory (GiB), OS and Python version."""
    cpu = platform.processor() or platform.machine()
    with open("/proc/cpuinfo") as fh:
        for line in fh:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_kib = 0
    with open("/proc/meminfo") as fh:
        for line in fh:
            if line.startswith("MemTotal"):
                mem_kib = int(line.split()[1])
    return {"host": platform.node(), "nproc": os.cpu_count(), "cpu": cpu,
            "ram_gib": round(mem_kib / 2 ** 20, 1), "python": platform.python_version(),
            "system": f"{platform.system()} {platform.release()}"}


def command_line(script: str, argv: list[str]) -> str:
    """Return the command that reproduces this run: ``.venv/bin/python <script> <argv>``."""
    return shlex.join([".venv/bin/python", script, *argv])


def loadavg() -> list[float]:
    """Return the 1-, 5- and 15-minute load averages, rounded to 0.01."""
    return [round(x, 2) for x in os.getloadavg()]


def start_record(command: str) -> dict[str, Any]:
    """Return the provenance of a run starting now: command, commit, UTC time, machine, load."""
    return {"command": command, "commit": git_commit(),
            "source": "git archive of the commit" if EXPORTED_COMMIT else "checkout",
            "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()),
            "machine": machine(), "loadavg_start": loadavg()}


def finish_record(record: dict[str, Any]) -> dict[str, Any]:
    """Add the end time and load average to ``record`` (in place) and return it."""
    record["finished_utc"] = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())
    record["loadavg_end"] = loadavg()
    return record


def write_result(name: str, record: dict[str, Any], figures: dict[str, Any]) -> Path:
    """Write ``benchmarks/results/<name>.json`` (provenance under ``run``, figures beside it)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.json"
    payload = {"run": finish_record(record), **figures}
    path.write_text(json.dumps(payload, indent=1, sort_keys=False) + "\n")
    print(f"wrote {path}; render the pages with "
          ".venv/bin/python benchmarks/results_page.py", file=sys.stderr)
    return path


if __name__ == "__main__":
    # ``python benchmarks/run_record.py export``: export HEAD, print "<commit> <PYTHONPATH>"
    if sys.argv[1:] != ["export"]:
        sys.exit("usage: run_record.py export")
    print(*export_commit())
