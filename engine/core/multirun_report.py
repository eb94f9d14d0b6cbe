"""A multirun as an archive operator reads it: one row per visit, failures grouped by reason,
totals, and a static HTML page (no network resource: it opens offline).

The rows come from each run's ``svm_summary.json``; per-unit facts (``units``: e.g. a
detector's alignment catalogue) become columns by name, whatever they are: this module knows
nothing of what they mean.
"""
from __future__ import annotations

import html
import re
import statistics
from dataclasses import dataclass
from dataclasses import field
from typing import Any

__all__ = ["failure_reason", "SummaryRow", "summary_row", "FailureGroup", "group_failures",
           "Totals", "totals_of", "row_table", "failure_table", "render_html", "HTML_FILE",
           "FAILURES_FILE"]

#: The HTML page and the failure-group table written beside ``multirun_summary.tsv``.
HTML_FILE = "multirun_summary.html"
FAILURES_FILE = "multirun_failures.tsv"

_PATH = re.compile(r"(?:[A-Za-z]:)?[\w.~@+-]*(?:/[\w.~@+-]+)+/?|\b[\w.-]+\.(?:fits|fits\.gz|out|"
                   r"lst|txt|csv|ecsv|json|ya?ml|npy|pkl|log|jpg|png|html)\b")
_HEX = re.compile(r"\b0x[0-9a-fA-F]+\b")
_NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?!\w|\.\d)")
_QUOTED_PATH = re.compile(r"'<path>'|\"<path>\"")


def failure_reason(error_type: str, message: str, *, step: str = "", max_chars: int = 160) -> str:
    """A failure's group key: step, exception type and message with paths and numbers stripped.

    Parameters
    ----------
    error_type
        Name of the exception class (the cause's, for a step failure).
    message
        Its message.
    step
        The step that failed, if known.
    max_chars
        Longest key; longer messages are cut.

    Examples
    --------
    >>> failure_reason("InputError", "/data/v1/a_flt.fits line 3: EXPTIME '12.5' is not a number")
    "InputError: <path> line <n>: EXPTIME '<n>' is not a number"
    >>> failure_reason("AlignmentError", "only 3 matches < 6 (rms 41.2 mas)", step="align")
    'align: AlignmentError: only <n> matches < <n> (rms <n> mas)'
    >>> failure_reason("InputError", "ib6o21qmq_flt.fits: has no SCI extension")
    'InputError: <path>: has no SCI extension'
    """
    text = _PATH.sub("<path>", message)
    text = _QUOTED_PATH.sub("<path>", text)
    text = _HEX.sub("<hex>", text)
    text = _NUMBER.sub("<n>", text)
    text = " ".join(text.split())
    key = f"{error_type}: {text}" if error_type else text
    key = f"{step}: {key}" if step else key
    return key if len(key) <= max_chars else key[:max_chars - 1] + "…"


@dataclass(frozen=True)
class SummaryRow:
    """One visit of a multirun, flattened from its ``svm_summary.json``."""

    job: str
    status: str
    exit_code: int
    wall_seconds: float
    cpu_seconds: float | None
    peak_rss_gib: float | None
    input: str
    units: tuple[str, ...]
    """Units that reported facts, in order (e.g. detectors)."""
    facts: dict[str, tuple[str, ...]]
    """Per fact name, its value for each of ``units`` ('-' where a unit lacks it)."""
    metrics: dict[str, float]
    reason: str
    """Normalised failure reason ('' for a successful visit)."""
    error: str


def _text(value: Any) -> str:
    if isinstance(value, float):
        return "nan" if value != value else f"{value:.4g}"
    return "-" if value is None or value == "" else str(value)


def summary_row(job: str, summary: dict[str, Any]) -> SummaryRow:
    """Flatten one run summary (older summaries without the newer fields are accepted)."""
    units_data: dict[str, dict[str, Any]] = summary.get("units") or {}
    units = tuple(units_data)
    names: dict[str, None] = {}
    for facts in units_data.values():
        names.update(dict.fromkeys(facts))
    facts = {n: tuple(_text(units_data[u].get(n)) for u in units) for n in names}
    resources = summary.get("resources") or {}
    failure = summary.get("failure") or {}
    return SummaryRow(job=job, status=str(summary.get("status", "?")),
                      exit_code=int(summary.get("exit_code", 1)),
                      wall_seconds=float(summary.get("wall_seconds", 0.0)),
                      cpu_seconds=resources.get("cpu_seconds"),
                      peak_rss_gib=resources.get("peak_rss_gib"),
                      input=str(summary.get("input", "")), units=units, facts=facts,
                      metrics=dict(summary.get("metrics") or {}),
                      reason=str(failure.get("reason", "") or
                                 ("" if summary.get("exit_code", 1) == 0
                                  else failure_reason("", str(summary.get("error", ""))))),
                      error=str(summary.get("error", "")))


@dataclass(frozen=True)
class FailureGroup:
    """Visits that failed for the same normalised reason."""

    reason: str
    jobs: list[str]
    exit_codes: list[int]

    @property
    def count(self) -> int:
        """Number of visits in the group."""
        return len(self.jobs)


def group_failures(rows: list[SummaryRow]) -> list[FailureGroup]:
    """Failed and partial visits grouped by reason, largest group first (then by reason).

    Examples
    --------
    >>> a = summary_row("0_a", {"status": "failed", "exit_code": 2, "error": "x.fits: bad 3"})
    >>> b = summary_row("1_b", {"status": "failed", "exit_code": 2, "error": "y.fits: bad 4"})
    >>> [(g.reason, g.count) for g in group_failures([a, b])]
    [('<path>: bad <n>', 2)]
    """
    groups: dict[str, FailureGroup] = {}
    for row in rows:
        if row.exit_code == 0:
            continue
        group = groups.setdefault(row.reason or "(no reason recorded)",
                                  FailureGroup(row.reason or "(no reason recorded)", [], []))
        group.jobs.append(row.job)
        if row.exit_code not in group.exit_codes:
            group.exit_codes.append(row.exit_code)
    return sorted(groups.values(), key=lambda g: (-g.count, g.reason))


@dataclass(frozen=True)
class Totals:
    """Totals over the visits of a multirun."""

    n_visits: int
    by_status: dict[str, int] = field(default_factory=dict)
    wall_seconds: float = 0.0
    median_wall_seconds: float = 0.0
    cpu_seconds: float = 0.0
    max_peak_rss_gib: float | None = None


def totals_of(rows: list[SummaryRow]) -> Totals:
    """Counts by status, summed wall and CPU time, median wall, largest peak memory."""
    by_status: dict[str, int] = {}
    for row in rows:
        by_status[row.status] = by_status.get(row.status, 0) + 1
    peaks = [r.peak_rss_gib for r in rows if r.peak_rss_gib is not None]
    walls = [r.wall_seconds for r in rows]
    return Totals(n_visits=len(rows), by_status=by_status, wall_seconds=round(sum(walls), 1),
                  median_wall_seconds=round(statistics.median(walls), 1) if walls else 0.0,
                  cpu_seconds=round(sum(r.cpu_seconds or 0.0 for r in rows), 1),
                  max_peak_rss_gib=max(peaks) if peaks else None)


def _fact_names(rows: list[SummaryRow]) -> list[str]:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row.facts))
    return list(names)


def _cells(row: SummaryRow, fact_names: list[str]) -> list[str]:
    metrics = ",".join(f"{k}={v:.4g}" for k, v in sorted(row.metrics.items()))
    cpu = "-" if row.cpu_seconds is None else f"{row.cpu_seconds:.1f}"
    peak = "-" if row.peak_rss_gib is None else f"{row.peak_rss_gib:.3f}"
    return [row.job, row.status, str(row.exit_code), f"{row.wall_seconds:.1f}", cpu, peak,
            ",".join(row.units) or "-",
            *[",".join(row.facts.get(n, ())) or "-" for n in fact_names],
            row.reason or "-", row.error or "-", row.input, metrics or "-"]


def _header(fact_names: list[str]) -> list[str]:
    return ["job", "status", "exit", "wall_s", "cpu_s", "peak_gib", "units", *fact_names,
            "reason", "error", "input", "metrics"]


def _clean(cell: str) -> str:
    return " ".join(cell.replace("\t", " ").split())


def row_table(rows: list[SummaryRow]) -> str:
    """``multirun_summary.tsv``: one line per visit; a fact column lists one value per unit,
    in the order of the ``units`` column."""
    names = _fact_names(rows)
    lines = ["\t".join(_header(names))]
    lines += ["\t".join(_clean(c) for c in _cells(r, names)) for r in rows]
    return "\n".join(lines) + "\n"


def failure_table(groups: list[FailureGroup], *, n_examples: int = 5) -> str:
    """``multirun_failures.tsv``: reason, visits, exit codes, example jobs."""
    lines = ["reason\tcount\texit_codes\texamples"]
    for g in groups:
        lines.append("\t".join([_clean(g.reason), str(g.count),
                                ",".join(map(str, sorted(g.exit_codes))),
                                ",".join(g.jobs[:n_examples])]))
    return "\n".join(lines) + "\n"


_STYLE = """body{font:14px/1.4 sans-serif;margin:1.5em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1.5em}th,td{border:1px solid #ccc;padding:2px 6px;
text-align:left;vertical-align:top}th{background:#eee;cursor:pointer;user-select:none}
td.num{text-align:right}tr.failed td{background:#fde2e2}tr.partial td{background:#fff4d6}
td.reason{max-width:40em}code{font-size:90%}.small{color:#666;font-size:90%}"""

_SCRIPT = """function sortBy(th){const t=th.closest('table'),b=t.tBodies[0],i=th.cellIndex,
d=th.dataset.dir==='a'?'d':'a';th.dataset.dir=d;const k=r=>{const s=r.cells[i].innerText,
n=parseFloat(s);return isNaN(n)||!/^[-+.\\d]/.test(s)?s.toLowerCase():n};
Array.from(b.rows).sort((x,y)=>{const p=k(x),q=k(y),c=(typeof p===typeof q)?(p<q?-1:p>q?1:0):
(typeof p==='number'?-1:1);return d==='a'?c:-c}).forEach(r=>b.appendChild(r))}"""


def _td(text: str, *, numeric: bool = False, cls: str = "") -> str:
    classes = " ".join(c for c in ("num" if numeric else "", cls) if c)
    attr = f' class="{classes}"' if classes else ""
    return f"<td{attr}>{html.escape(text)}</td>"


def _visit_table(rows: list[SummaryRow]) -> list[str]:
    names = _fact_names(rows)
    head = "".join(f'<th onclick="sortBy(this)">{html.escape(h)}</th>'
                   for h in _header(names)[:-1])
    out = ['<table id="visits"><thead><tr>' + head + "</tr></thead><tbody>"]
    numeric = {2, 3, 4, 5}
    for row in rows:
        cells = _cells(row, names)[:-1]
        job = (f'<td><a href="{html.escape(row.job)}/">{html.escape(row.job)}</a></td>')
        rest = [_td(c, numeric=i in numeric, cls="reason" if h in ("reason", "error") else "")
                for i, (h, c) in enumerate(zip(_header(names), cells)) if i > 0]
        out.append(f'<tr class="{html.escape(row.status)}">' + job + "".join(rest) + "</tr>")
    out.append("</tbody></table>")
    return out


def _group_table(groups: list[FailureGroup], n_examples: int = 5) -> list[str]:
    if not groups:
        return ["<p>No visit failed.</p>"]
    out = ['<table id="failures"><thead><tr><th>visits</th><th>exit codes</th><th>reason</th>'
           "<th>examples</th></tr></thead><tbody>"]
    for g in groups:
        examples = ", ".join(f'<a href="{html.escape(j)}/">{html.escape(j)}</a>'
                             for j in g.jobs[:n_examples])
        more = f" (+{g.count - n_examples} more)" if g.count > n_examples else ""
        out.append(f"<tr>{_td(str(g.count), numeric=True)}"
                   f"{_td(','.join(map(str, sorted(g.exit_codes))))}"
                   f'<td class="reason"><code>{html.escape(g.reason)}</code></td>'
                   f"<td>{examples}{html.escape(more)}</td></tr>")
    out.append("</tbody></table>")
    return out


def render_html(rows: list[SummaryRow], *, title: str, generated: str = "") -> str:
    """The static page: totals, failure groups, the sortable table of visits (offline)."""
    totals = totals_of(rows)
    groups = group_failures(rows)
    status = ", ".join(f"{n} {s}" for s, n in sorted(totals.by_status.items()))
    peak = "-" if totals.max_peak_rss_gib is None else f"{totals.max_peak_rss_gib:.2f} GiB"
    parts = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
             f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>",
             f'<p class="small">{html.escape(generated)}</p>' if generated else "",
             "<h2>Totals</h2><ul>",
             f"<li>{totals.n_visits} visits: {html.escape(status) or 'none'}</li>",
             f"<li>wall time {totals.wall_seconds:.0f} s summed, median "
             f"{totals.median_wall_seconds:.1f} s per visit; CPU {totals.cpu_seconds:.0f} s</li>",
             f"<li>largest peak memory {peak}</li></ul>",
             f"<h2>Failures by reason ({sum(g.count for g in groups)} visits, "
             f"{len(groups)} reasons)</h2>", *_group_table(groups),
             "<h2>Visits</h2><p class=\"small\">Click a column to sort. A unit column lists one "
             "value per unit, in the order of <code>units</code>.</p>", *_visit_table(rows),
             f"<script>{_SCRIPT}</script></body></html>"]
    return "\n".join(p for p in parts if p) + "\n"
