"""Issue 10's goals against the peers and their verdicts, computed from the benchmark's run records.

``bench.py run`` saves one JSON record per visit and pipeline (``runsinglehap``, ``hapsvm``,
``resample``) under ``$BENCH_WORK/results/<visit>/``; ``report.py`` renders the table this module
computes at the top of the generated part of ``benchmarks/results/peers.md``. The thresholds are
the issue's requirements (constants below), the figures of every verdict come from the records.
A goal is *met* when every visit it applies to meets it, *not met* when one visit misses it, *met
on the visits measured* when some visits have no record (or a record the goal cannot be decided
from), *not measured* when none has.
"""
from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from statistics import NormalDist
from typing import Any

__all__ = ["ACS_RSS_MAX_MIB", "CPU_RATIO_MIN", "DRIZZLE_OVERHEAD_MAX", "NOISE_SIGMAS",
           "SWARP_RATIO_MAX", "VISITS", "WALL_SPEEDUP_MIN", "Check", "Verdict", "goal_verdicts",
           "load_records", "scatter_standard_error", "verdict_table"]

VISITS = ("real", "sim_ir", "sim_uvis", "sim_acs")
SHORT = {"real": "real IR", "sim_ir": "sim IR", "sim_uvis": "sim UVIS", "sim_acs": "sim ACS"}
PIPELINES = ("runsinglehap", "hapsvm", "resample")

# issue 10's requirements
WALL_SPEEDUP_MIN = 5.0        # runsinglehap wall / hapsvm wall, every visit
CPU_RATIO_MIN = 3.5           # runsinglehap CPU / hapsvm CPU (user + sys of the process tree)
ACS_RSS_MAX_MIB = 2048.0      # hapsvm's largest process on the ACS/WFC visit
DRIZZLE_OVERHEAD_MAX = 1.3    # drizzle stage wall / (drizzle + blot C-kernel seconds)
SWARP_RATIO_MAX = 1.5         # SWarp input Mpix/s / hapsvm input Mpix/s on the same grid
# "no worse" for a robust scatter: the difference within this many standard errors of it
NOISE_SIGMAS = 2.0
MIN_STARS = 3                 # fewer stars give no scatter

Record = dict[str, Any]
Records = dict[str, dict[str, Record | None]]     # visit -> pipeline -> record (None: not run)


@dataclass(frozen=True)
class Check:
    """One visit's (or one filter's) part of a goal."""

    visit: str
    passed: bool | None          # None: the record cannot decide it
    text: str
    within_noise: bool = False   # passed only within the measurement noise


@dataclass(frozen=True)
class Verdict:
    """A goal, its verdict and the figures behind it."""

    goal: str
    verdict: str
    evidence: str


def load_records(work: Path) -> Records:
    """Return the saved records of ``work/results/<visit>/<pipeline>.json`` (None where absent)."""
    out: Records = {}
    for visit in VISITS:
        out[visit] = {}
        for name in PIPELINES:
            path = work / "results" / visit / f"{name}.json"
            out[visit][name] = json.loads(path.read_text()) if path.is_file() else None
    return out


def scatter_standard_error(scatter: float, n: int) -> float:
    """Return the standard error of a robust scatter (1.4826 × MAD) of ``n`` normal values.

    The sample median of ``|x|`` has the asymptotic variance ``1 / (4 n g(m)^2)`` with ``g`` the
    density of ``|x|`` at its median ``m``; scaled by 1.4826 to a standard deviation.
    """
    m = NormalDist().inv_cdf(0.75)
    density = 2 * NormalDist().pdf(m)
    return 1.4826 * scatter / (2 * density * math.sqrt(n))


def _stages(rec: Record) -> dict[str, Any]:
    runs = rec.get("runs") or []
    return (runs[-1] if runs else rec["timing"]).get("stages") or {}


def _ran(rec: Record | None) -> bool:
    return bool(rec) and rec["timing"].get("exit") == 0


def _overall(checks: list[Check], missing: list[str]) -> str:
    if any(c.passed is False for c in checks):
        met = sorted({SHORT[c.visit] for c in checks if c.passed}
                     - {SHORT[c.visit] for c in checks if c.passed is False})
        return "not met" + (f" (met on {', '.join(met)})" if met else "")
    decided = [c for c in checks if c.passed]
    if not decided:
        return "not measured"
    verdict = ("met within the measurement noise" if any(c.within_noise for c in decided)
               else "met")
    return verdict + (" on the visits measured" if missing or len(decided) < len(checks) else "")


def _verdict(goal: str, checks: list[Check], missing: list[str],
             notes: list[str] | None = None) -> Verdict:
    parts = [c.text for c in checks] + (notes or [])
    if missing:
        parts.append("no record: " + ", ".join(SHORT[v] for v in missing))
    return Verdict(goal, _overall(checks, missing), "; ".join(parts) or "–")


def _speed(records: Records, key: str, minimum: float, goal: str) -> Verdict:
    checks, missing = [], []
    for v in VISITS:
        rsh, hap = records[v]["runsinglehap"], records[v]["hapsvm"]
        if not (rsh and hap):
            missing.append(v)
        elif not (_ran(rsh) and _ran(hap)):
            checks.append(Check(v, None, f"{SHORT[v]}: exit {hap['timing'].get('exit')} "
                                         f"(hapsvm) / {rsh['timing'].get('exit')} (runsinglehap)"))
        else:
            a, b = hap["timing"][key], rsh["timing"][key]
            checks.append(Check(v, b / a >= minimum,
                                f"{SHORT[v]} {b / a:.2f}× ({a:.1f} s vs {b:.1f} s)"))
    return _verdict(goal, checks, missing)


def _quality_pairs(records: Records, section: str, missing: list[str]
                   ) -> Iterator[tuple[str, dict, dict]]:
    """(visit, hapsvm's, runsinglehap's ``quality[section]``) of the visits both ran; the others
    are appended to ``missing``."""
    for v in VISITS:
        rsh, hap = records[v]["runsinglehap"], records[v]["hapsvm"]
        if not (rsh and hap):
            missing.append(v)
            continue
        yield (v, (hap.get("quality") or {}).get(section) or {},
               (rsh.get("quality") or {}).get(section) or {})


def _alignment(records: Records) -> Verdict:
    checks, missing, notes = [], [], []
    for v, ah, ar in _quality_pairs(records, "alignment", missing):
        if not (ah.get("n_exposures") and ar.get("n_exposures")):
            notes.append(f"{SHORT[v]}: no true WCS, not scored")
            continue
        checks.append(Check(v, ah["rms_mas"] <= ar["rms_mas"],
                            f"{SHORT[v]} {ah['rms_mas']:.2f} vs {ar['rms_mas']:.2f} mas "
                            f"(a priori {ah.get('apriori_rms_mas', math.nan):.0f} mas)"))
    return _verdict("alignment error (RMS of the final WCS vs the true WCS) no worse than "
                    "runsinglehap's; hapsvm vs runsinglehap", checks, missing, notes)


def _stars(records: Records) -> Verdict:
    checks, missing, notes = [], [], []
    for v, ph, pr in _quality_pairs(records, "photometry", missing):
        if not pr:
            notes.append(f"{SHORT[v]}: no star photometry scored (no truth)")
        for f in sorted(pr):
            h, r = ph.get(f) or {}, pr[f]
            if min(h.get("n", 0), r.get("n", 0)) < MIN_STARS:
                notes.append(f"{SHORT[v]} {f.upper()}: too few stars")
                continue
            sigma = math.hypot(scatter_standard_error(h["scatter_pct"], h["n"]),
                               scatter_standard_error(r["scatter_pct"], r["n"]))
            diff = h["scatter_pct"] - r["scatter_pct"]
            checks.append(Check(v, diff <= NOISE_SIGMAS * sigma,
                                f"{SHORT[v]} {f.upper()} {h['scatter_pct']:.2f} vs "
                                f"{r['scatter_pct']:.2f} % (N {h['n']} / {r['n']}, standard "
                                f"error of the difference {sigma:.2f} %)", within_noise=diff > 0))
    return _verdict(f"star flux scatter (robust, isolated bright stars vs truth) no worse than "
                    f"runsinglehap's, within {NOISE_SIGMAS:g} standard errors of the difference; "
                    "hapsvm vs runsinglehap", checks, missing, notes)


def _memory(records: Records) -> Verdict:
    v = "sim_acs"
    hap, rsh = records[v]["hapsvm"], records[v]["runsinglehap"]
    goal = (f"peak RSS of hapsvm's largest process ≤ {ACS_RSS_MAX_MIB / 1024:g} GiB on the "
            "ACS/WFC visit")
    if not hap:
        return _verdict(goal, [], [v])
    t = hap["timing"]
    text = (f"{SHORT[v]} {t['max_rss_mib'] / 1024:.2f} GiB largest process, "
            f"{t['peak_tree_rss_mib'] / 1024:.2f} GiB summed over the process tree")
    if rsh:
        text += f" (runsinglehap {rsh['timing']['max_rss_mib'] / 1024:.2f} GiB)"
    return _verdict(goal, [Check(v, t["max_rss_mib"] <= ACS_RSS_MAX_MIB if _ran(hap) else None,
                                 text)], [])


def _drizzle(records: Records) -> Verdict:
    checks, missing = [], []
    for v in VISITS:
        hap = records[v]["hapsvm"]
        if not hap:
            missing.append(v)
            continue
        st = _stages(hap)
        stage, kern, blot = (st.get("drizzle_stage_s"), st.get("kernel_s_logged"),
                             st.get("blot_s_logged"))
        if not (stage and kern):
            checks.append(Check(v, None, f"{SHORT[v]}: no kernel time logged"))
        elif blot:
            ratio = stage / (kern + blot)
            checks.append(Check(v, ratio <= DRIZZLE_OVERHEAD_MAX,
                                f"{SHORT[v]} {ratio:.2f} ({stage:.1f} s stage, "
                                f"{kern + blot:.1f} s kernels)"))
        else:
            bound = stage / kern     # without the blot seconds: an upper bound of the ratio
            checks.append(Check(v, True if bound <= DRIZZLE_OVERHEAD_MAX else None,
                                f"{SHORT[v]} at most {bound:.2f} (no blot time logged; "
                                f"{stage:.1f} s stage, {kern:.1f} s drizzle kernels)"))
    return _verdict(f"drizzle stage ≤ {DRIZZLE_OVERHEAD_MAX:g}× the summed C-kernel time "
                    "(`Drizzle.add_image` + `blot_image`); stage / kernels", checks, missing)


def _resampling(records: Records) -> Verdict:
    checks, missing = [], []
    for v in VISITS:
        rs = records[v]["resample"]
        if not rs or "swarp" not in rs or "LANCZOS3_2t" not in rs["swarp"]:
            missing.append(v)
            continue
        sw = rs["swarp"]["LANCZOS3_2t"]["mpix_per_s_input"]
        sq = rs["hapsvm"]["kernels"]["square"]["mpix_per_s_input"]
        checks.append(Check(v, sw / sq <= SWARP_RATIO_MAX,
                            f"{SHORT[v]} {sw / sq:.2f} ({sw:.2f} vs {sq:.2f} input Mpix/s)"))
    return _verdict(f"resampling throughput within {SWARP_RATIO_MAX:g}× of SWarp's on the same "
                    "grid; SWarp (LANCZOS3, two threads) / hapsvm (square kernel, one process)",
                    checks, missing)


def goal_verdicts(records: Records) -> list[Verdict]:
    """Return issue 10's goals with their verdicts and evidence, computed from ``records``.

    Parameters
    ----------
    records
        ``records[visit][pipeline]``: the JSON record ``bench.py run`` saved for that visit
        (``real``, ``sim_ir``, ``sim_uvis``, ``sim_acs``) and pipeline (``runsinglehap``,
        ``hapsvm``, ``resample``), or None when it was not run.

    Returns
    -------
    list of Verdict
        One per goal, in the issue's order.
    """
    records = {v: {p: (records.get(v) or {}).get(p) for p in PIPELINES} for v in VISITS}
    return [
        _speed(records, "wall_s", WALL_SPEEDUP_MIN,
               f"end to end ≥ {WALL_SPEEDUP_MIN:g}× faster than runsinglehap (wall) on every "
               "visit; runsinglehap / hapsvm (hapsvm vs runsinglehap wall)"),
        _speed(records, "cpu_s", CPU_RATIO_MIN,
               f"≥ {CPU_RATIO_MIN:g}× less CPU (user + sys of the process tree) than runsinglehap "
               "on every visit; runsinglehap / hapsvm (hapsvm vs runsinglehap CPU)"),
        _alignment(records), _stars(records), _memory(records), _drizzle(records),
        _resampling(records)]


def verdict_table(verdicts: list[Verdict]) -> list[str]:
    """Return the markdown lines of the goals table."""
    return ["| goal | verdict | evidence |", "|---|---|---|",
            *(f"| {v.goal} | **{v.verdict}** | {v.evidence} |" for v in verdicts)]
