"""Run visits on SLURM in memory classes; resubmit a visit that ran out of memory one class up.

Usage::

    python benchmarks/cluster/run_with_retry.py --visits visits:/archive/2009/ \\
        --sweep-dir runs/2009 --classes 1G,2G,4G,8G [--visit-classes classes.tsv] \\
        [--default-class 1G] -- hydra.launcher.partition=compute processes_per_visit=1 ...

Each round groups the visits still to run by memory class and starts one ``svm -m
hydra/launcher=submitit_slurm`` multirun per class (concurrently), asking SLURM for that much
memory per job (``--mem``), in ``<sweep dir>/round<k>_<class>/``. When the multiruns have ended
(a multirun with an OOM-killed job ends early: submitit raises for that job) and SLURM has no job
of theirs pending or running, the state of every job is read from ``sacct``; each job's visit
comes from the job's own submitit pickle (its ``input=`` override). A visit whose job ended
``OUT_OF_MEMORY`` is resubmitted in the next larger class; any other end is final. (submitit
runs the task in a job step, ``srun`` inside the batch script: an OOM-killed task leaves that
step ``OUT_OF_MEMORY`` and the job ``FAILED``, so the steps' states are read too.)

``--visit-classes`` is a TSV of ``<visit>\\t<class>`` (visit name as in the run directories, or
the input path as given; ``#`` comments; a class between two listed classes rounds up), e.g. the
prediction of a planner; visits it does not list start in ``--default-class``.

Written to the sweep directory:

- ``multirun_summary.tsv``: one row per job: visit, round, class, SLURM job, sacct state of
  the job and of its steps, elapsed, MaxRSS, the visit's exit code and status from its
  ``svm_summary.json``, its job directory, and why it was retried
  (``OUT_OF_MEMORY at 512M (MaxRSS ...): resubmitted at 1G``);
- ``memory_classes.tsv``: the class each visit finished in (a ``--visit-classes`` for next time);
- each round's own Hydra files (``multirun.yaml``, ``.submitit/``, job directories, and the
  round's ``multirun_summary.tsv`` when Hydra reached the end of the multirun).

Exit code: the worst exit code over the visits' last jobs (1 for a job that wrote no summary).
"""
from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hapsvm.api import visit_name
from hapsvm.cli import expand_visit_arguments
from hapsvm.core.multirun import SUMMARY_FILE

__all__ = ["JobOutcome", "main", "parse_mem", "read_visit_classes", "run_rounds"]

FINAL_STATES = {"COMPLETED", "FAILED", "OUT_OF_MEMORY", "TIMEOUT", "CANCELLED", "NODE_FAIL",
                "PREEMPTED", "BOOT_FAIL", "DEADLINE"}
SACCT_FIELDS = "JobID,State,ExitCode,ReqMem,MaxRSS,Elapsed"


def parse_mem(text: str) -> int:
    """Memory in MiB from SLURM's notation (``512M``, ``2G``, ``1.5G``, ``1024``: MiB).

    Examples
    --------
    >>> parse_mem("2G"), parse_mem("512M"), parse_mem("300")
    (2048, 512, 300)
    """
    match = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)i?B?\s*", text.upper())
    if not match:
        raise ValueError(f"memory {text!r}: expected a number with K, M, G or T (e.g. 2G)")
    scale = {"K": 1 / 1024, "": 1, "M": 1, "G": 1024, "T": 1024 ** 2}[match.group(2)]
    return max(1, round(float(match.group(1)) * scale))


def mem_label(mib: int) -> str:
    """``2048`` -> ``2G``, ``512`` -> ``512M``."""
    return f"{mib // 1024}G" if mib % 1024 == 0 else f"{mib}M"


def read_visit_classes(path: Path, classes: list[int]) -> dict[str, int]:
    """Visit (name or input path) -> class in MiB from a TSV, rounded up to a listed class."""
    out: dict[str, int] = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        line = line.split("#", 1)[0].strip()
        if not line or line.lower().startswith("visit\t"):
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise ValueError(f"{path} line {number}: expected '<visit><TAB><class>', got {line!r}")
        want = parse_mem(fields[1])
        fitting = [c for c in classes if c >= want]
        if not fitting:
            raise ValueError(f"{path} line {number}: class {fields[1]} is above the largest "
                             f"class {mem_label(classes[-1])}")
        out[fields[0].strip()] = fitting[0]
    return out


@dataclass
class JobOutcome:
    """One SLURM job of one visit, as sacct and the job's summary tell it."""

    visit: str
    input: str
    round: int
    mem_mib: int
    job_id: str = "-"
    state: str = "MISSING"
    steps: str = "-"
    oom: bool = False
    elapsed: str = "-"
    max_rss: str = "-"
    exit_code: int = 1
    status: str = "no summary"
    job_dir: str = "-"
    note: str = "-"


def _submitted_jobs(sweep: Path) -> dict[str, tuple[str, int]]:
    """SLURM job id -> (input, Hydra job number) from the submitit pickles of a sweep."""
    from submitit.core.utils import DelayedSubmission

    jobs = {}
    for pkl in sorted(sweep.glob(".submitit/*/*_submitted.pkl")):
        args = DelayedSubmission.load(pkl).args
        inputs = [o.split("=", 1)[1] for o in args[0] if o.startswith("input=")]
        jobs[pkl.parent.name] = (inputs[0] if inputs else "?", int(args[2]))
    return jobs


def sacct_rows(job_ids: list[str]) -> dict[str, dict[str, str]]:
    """Per job id: State, ExitCode, ReqMem, Elapsed of the allocation, MaxRSS over its steps,
    and Steps, each step's state (``batch=FAILED,0=OUT_OF_MEMORY``).

    A submitit job runs its task in a step (``srun`` inside the batch script): when the task
    is OOM-killed that step ends ``OUT_OF_MEMORY`` while the allocation ends ``FAILED``.
    """
    if not job_ids:
        return {}
    out = subprocess.run(["sacct", "-n", "-P", "-j", ",".join(job_ids), "-o", SACCT_FIELDS],
                         capture_output=True, text=True, check=True).stdout
    rows: dict[str, dict[str, str]] = {}
    names = SACCT_FIELDS.split(",")
    for line in out.splitlines():
        rec = dict(zip(names, line.split("|")))
        base, _, step = rec["JobID"].partition(".")
        row = rows.setdefault(base, {"Steps": ""})
        state = rec["State"].split()[0]   # "CANCELLED by 0" -> CANCELLED
        if not step:
            row.update({k: rec[k] for k in names if k != "MaxRSS"}, State=state)
            continue
        if step != "extern":
            row["Steps"] = ",".join(filter(None, [row["Steps"], f"{step}={state}"]))
        if rec.get("MaxRSS") and (not row.get("MaxRSS")
                                  or parse_mem(rec["MaxRSS"]) > parse_mem(row["MaxRSS"])):
            row["MaxRSS"] = rec["MaxRSS"]
    return rows


def out_of_memory(row: dict[str, str]) -> bool:
    """True when the job or one of its steps ended OUT_OF_MEMORY."""
    return "OUT_OF_MEMORY" in (row.get("State", ""), *[s.split("=")[-1] for s in
                                                       row.get("Steps", "").split(",")])


def wait_until_final(job_ids: list[str], *, timeout_s: float, poll_s: float = 2.0) -> None:
    """Block until sacct shows every job in a final state (or the timeout passes)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        rows = sacct_rows(job_ids)
        if all(rows.get(j, {}).get("State") in FINAL_STATES for j in job_ids):
            return
        time.sleep(poll_s)
    raise TimeoutError(f"SLURM jobs {job_ids} not finished after {timeout_s:.0f} s")


def _summary(job_dir: Path) -> tuple[int, str]:
    try:
        data = json.loads((job_dir / SUMMARY_FILE).read_text())
        return int(data["exit_code"]), str(data["status"])
    except (OSError, ValueError, KeyError):
        return 1, "no summary"


def _launch(inputs: list[str], mem_mib: int, sweep: Path, overrides: list[str],
            svm: list[str]) -> subprocess.Popen[bytes]:
    sweep.mkdir(parents=True, exist_ok=True)
    cmd = [*svm, "-m", "hydra/launcher=submitit_slurm", *overrides,
           "hydra.launcher.mem_gb=null", f"++hydra.launcher.additional_parameters.mem={mem_mib}M",
           f"hydra.sweep.dir={sweep}", "input=" + ",".join(inputs)]
    (sweep / "command.txt").write_text(" ".join(cmd) + "\n")
    with open(sweep / "svm_multirun.log", "wb") as log:   # the child keeps its own copy
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)


def _outcomes(sweep: Path, round_no: int, mem_mib: int, names: dict[str, str], *,
              timeout_s: float) -> list[JobOutcome]:
    jobs = _submitted_jobs(sweep)
    wait_until_final(list(jobs), timeout_s=timeout_s)
    rows = sacct_rows(list(jobs))
    found = []
    for job_id, (inp, num) in jobs.items():
        rec = rows.get(job_id, {})
        job_dir = next(iter(sorted(sweep.glob(f"{num}_*"))), None)
        code, status = _summary(job_dir) if job_dir else (1, "no summary")
        found.append(JobOutcome(names.get(inp, visit_name(inp)), inp, round_no, mem_mib, job_id,
                                rec.get("State", "MISSING"), rec.get("Steps") or "-",
                                out_of_memory(rec), rec.get("Elapsed", "-"),
                                rec.get("MaxRSS") or "-", code, status,
                                str(job_dir) if job_dir else "-"))
    return found


def run_rounds(inputs: list[str], start: dict[str, int], classes: list[int], sweep_dir: Path,
               overrides: list[str], *, svm: list[str], timeout_s: float = 3600.0
               ) -> list[JobOutcome]:
    """Run every input in its start class; OOM-killed visits again one class up, until done."""
    names = {i: visit_name(i) for i in inputs}
    pending = dict(start)
    history: list[JobOutcome] = []
    round_no = 0
    while pending:
        round_no += 1
        groups: dict[int, list[str]] = {}
        for inp, mem in pending.items():
            groups.setdefault(mem, []).append(inp)
        sweeps = {mem: sweep_dir / f"round{round_no}_{mem_label(mem)}" for mem in groups}
        procs = {mem: _launch(sorted(group), mem, sweeps[mem], overrides, svm)
                 for mem, group in sorted(groups.items())}
        for proc in procs.values():
            proc.wait()
        pending = {}
        for mem in sorted(groups):
            for job in _outcomes(sweeps[mem], round_no, mem, names, timeout_s=timeout_s):
                history.append(job)
                if job.oom:
                    bigger = [c for c in classes if c > mem]
                    rss = f" (MaxRSS {job.max_rss})" if job.max_rss != "-" else ""
                    if bigger:
                        job.note = (f"OUT_OF_MEMORY at {mem_label(mem)}{rss}: resubmitted at "
                                    f"{mem_label(bigger[0])}")
                        pending[job.input] = bigger[0]
                    else:
                        job.note = f"OUT_OF_MEMORY at {mem_label(mem)}{rss}: no larger class"
    return history


def write_tables(history: list[JobOutcome], sweep_dir: Path) -> None:
    """``multirun_summary.tsv`` (every job) and ``memory_classes.tsv`` (last class per visit)."""
    head = ["visit", "round", "mem", "slurm_job", "state", "steps", "elapsed", "max_rss", "exit",
            "status", "job_dir", "note"]
    lines = ["\t".join(head)]
    for j in history:
        lines.append("\t".join([j.visit, str(j.round), mem_label(j.mem_mib), j.job_id, j.state,
                                j.steps, j.elapsed, j.max_rss, str(j.exit_code), j.status,
                                j.job_dir, j.note]))
    (sweep_dir / "multirun_summary.tsv").write_text("\n".join(lines) + "\n")
    last = {j.visit: j for j in history}
    classes = ["visit\tclass"] + [f"{v}\t{mem_label(j.mem_mib)}" for v, j in sorted(last.items())]
    (sweep_dir / "memory_classes.tsv").write_text("\n".join(classes) + "\n")


def main(argv: list[str] | None = None) -> int:
    """Command line (see the module docstring); returns the worst final exit code."""
    argv = sys.argv[1:] if argv is None else argv
    ours, overrides = (argv[:argv.index("--")], argv[argv.index("--") + 1:]) if "--" in argv \
        else (argv, [])
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visits", required=True,
                        help="visits:<dir>, @<list file> or comma-separated inputs")
    parser.add_argument("--sweep-dir", required=True, type=Path)
    parser.add_argument("--classes", default="1G,2G,4G,8G", help="memory classes, ascending")
    parser.add_argument("--visit-classes", type=Path, help="TSV: visit <TAB> class")
    parser.add_argument("--default-class", help="class of unlisted visits (default: smallest)")
    parser.add_argument("--timeout-s", type=float, default=3600.0,
                        help="longest wait for a round's jobs to end in sacct")
    args = parser.parse_args(ours)
    classes = sorted(parse_mem(c) for c in args.classes.split(","))
    inputs = expand_visit_arguments([f"input={args.visits}"])[0].split("=", 1)[1].split(",")
    inputs = [str(Path(i).resolve()) if Path(i).exists() else i for i in inputs]
    listed = read_visit_classes(args.visit_classes, classes) if args.visit_classes else {}
    default = parse_mem(args.default_class) if args.default_class else classes[0]
    start = {i: listed.get(visit_name(i), listed.get(i, default)) for i in inputs}
    args.sweep_dir.mkdir(parents=True, exist_ok=True)
    svm = [sys.executable, "-c", "from hapsvm.cli import main; main()"]
    history = run_rounds(inputs, start, classes, args.sweep_dir.resolve(), overrides, svm=svm,
                         timeout_s=args.timeout_s)
    write_tables(history, args.sweep_dir)
    print((args.sweep_dir / "multirun_summary.tsv").read_text(), end="")
    last = {j.visit: j for j in history}
    return max((j.exit_code for j in last.values()), default=0)


if __name__ == "__main__":
    sys.exit(main())
