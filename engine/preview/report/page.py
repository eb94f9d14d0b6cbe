"""The QA report page: a self-contained HTML file (inline CSS and SVG, no scripts, no fonts)."""
from __future__ import annotations

from html import escape

from hapsvm.preview.report.model import DecisionRow
from hapsvm.preview.report.model import ReportData
from hapsvm.preview.report.model import StepOutcome
from hapsvm.preview.report.sections import detector_section
from hapsvm.preview.report.sections import file_item
from hapsvm.preview.report.sections import href

__all__ = ["render_report", "CSS"]

CSS = """
:root { color-scheme: light; --ink:#1d232a; --muted:#5b6670; --line:#d5dbe1; --bg:#f6f8fa;
        --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0; background: #fff; }
header { background: #0b2545; color: #fff; padding: 18px 28px; }
header h1 { margin: 0 0 4px; font-size: 22px; }
header .meta { color: #c9d6e3; font-size: 13px; }
header .meta code { color: #fff; }
nav { position: sticky; top: 0; background: var(--bg); border-bottom: 1px solid var(--line);
      padding: 8px 28px; z-index: 2; }
nav a { margin-right: 16px; color: #0b57d0; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1500px; }
h2 { border-bottom: 2px solid #0b2545; padding-bottom: 4px; margin-top: 32px; }
h2 small { color: var(--muted); font-weight: normal; font-size: 14px; }
h3 { margin: 22px 0 8px; color: #0b2545; }
table { border-collapse: collapse; margin: 6px 0 12px; }
th, td { border: 1px solid var(--line); padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: var(--bg); }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font: 12px ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace;
       word-break: break-all; }
.scroll { overflow-x: auto; }
.keywords td { max-width: 420px; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px;
         color: #fff; background: var(--muted); }
.badge.done, .badge.kept, .badge.resumed { background: var(--ok); }
.badge.skipped, .badge.warning { background: var(--warn); }
.badge.failed, .badge.rejected { background: var(--bad); }
.summary span { margin-right: 18px; }
ul.links { list-style: none; margin: 0; padding: 0; }
ul.links li { margin: 1px 0; }
.kind { color: var(--muted); font-size: 12px; }
a.recipe { font-size: 11px; color: var(--muted); }
a.pending { font-style: italic; }
li.absent span { color: #9aa5b1; text-decoration: line-through; }
li.absent em { color: #9aa5b1; font-size: 12px; }
tr.lvl-total td:first-child { font-weight: 600; }
tr.lvl-filter td:first-child { padding-left: 22px; font-weight: 600; }
tr.lvl-exposure td:first-child { padding-left: 40px; }
tr.lvl-grism td:first-child, tr.lvl-ramp td:first-child,
tr.lvl-unpaired td:first-child { padding-left: 22px; color: var(--muted); }
.gallery { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; background: var(--bg); border: 1px solid var(--line); padding: 6px;
         width: 270px; }
figure img { display: block; max-width: 256px; max-height: 256px; margin: auto;
             background: #000; }
figure.color { width: 350px; }
figure.color img { max-width: 336px; max-height: 336px; }
figcaption { font-size: 12px; color: var(--muted); margin-top: 4px; word-break: break-all; }
.plot svg, .plots svg { max-width: 100%; height: auto; background: #fff;
                        border: 1px solid var(--line); }
.plots { display: flex; flex-wrap: wrap; gap: 12px; }
.plots .plot svg { width: 420px; }
svg text { font: 12px system-ui, sans-serif; fill: #333; }
svg text.tick { font-size: 11px; fill: #555; }
.overlay-box { max-width: 900px; }
.overlay-box svg { width: 100%; height: auto; background: #000; }
.none { color: var(--muted); font-style: italic; }
.caption { color: var(--muted); font-size: 12px; margin: 2px 0 8px; }
.outcome { font-size: 12px; min-width: 220px; max-width: 420px; }
table.align td { white-space: nowrap; }
table.align td.outcome { white-space: normal; }
pre.recipe { background: var(--bg); border: 1px solid var(--line); padding: 10px;
             max-height: 520px; overflow: auto; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; padding: 12px 28px;
         border-top: 1px solid var(--line); }
"""


def _badge(text: str, cls: str) -> str:
    return f'<span class="badge {escape(cls)}">{escape(text)}</span>'


def _steps(steps: list[StepOutcome]) -> str:
    if not steps:
        return '<p class="none">No step outcome recorded.</p>'
    rows = "".join(
        f"<tr><td>{escape(s.step)}</td><td>{escape(s.unit)}</td>"
        f"<td>{_badge(s.status, s.status)}</td><td class=\"num\">{s.seconds:.2f}</td>"
        f"<td>{escape(s.message)}</td></tr>" for s in steps)
    return ('<table class="data"><thead><tr><th>step</th><th>unit</th><th>status</th>'
            "<th>seconds</th><th>message</th></tr></thead><tbody>" + rows + "</tbody></table>")


def _decisions(decisions: list[DecisionRow]) -> str:
    if not decisions:
        return '<p class="none">No vetting decision recorded.</p>'
    rows = []
    for d in decisions:
        status = ("kept", "kept") if d.keep else ("rejected", "rejected")
        if d.keep and d.warning:
            status = ("kept (warning)", "warning")
        exptime = f"{d.exptime_s:g}" if d.exptime_s == d.exptime_s else "–"
        rows.append(f"<tr><td>{escape(d.filename)}</td><td>{escape(d.rootname)}</td>"
                    f"<td>{escape(d.filter_name)}</td><td class=\"num\">{exptime}</td>"
                    f"<td>{_badge(*status)}</td><td>{escape(d.kind)}</td>"
                    f"<td>{escape(d.reason or d.warning)}</td></tr>")
    return ('<table class="data"><thead><tr><th>input file</th><th>rootname</th><th>filter</th>'
            "<th>EXPTIME (s)</th><th>decision</th><th>kind</th><th>reason</th></tr></thead>"
            "<tbody>" + "".join(rows) + "</tbody></table>")


def _summary(data: ReportData) -> str:
    kept = sum(d.keep for d in data.decisions)
    rejected = len(data.decisions) - kept
    failed = sum(s.status == "failed" for s in data.steps)
    n_files = sum(f.exists for d in data.detectors for r in d.products for f in r.files)
    parts = [f"<span><b>{len(data.detectors)}</b> detector(s)</span>",
             f"<span><b>{kept}</b> exposure(s) kept, <b>{rejected}</b> rejected</span>",
             f"<span><b>{n_files}</b> product files on disk</span>",
             f"<span>{_badge(f'{failed} failed step(s)', 'failed' if failed else 'done')}</span>"]
    return '<p class="summary">' + "".join(parts) + "</p>"


def _recipe(data: ReportData) -> str:
    links = "".join(file_item(f) for f in data.recipe_files)
    out = f'<ul class="links">{links}</ul>' if links else ""
    if data.recipe_text:
        out += (f'<p>Resolved recipe of the visit, from <a href="{href(data.recipe_source)}">'
                f'{escape(data.recipe_source)}</a> (each unit\'s own recipe is linked above '
                "and beside each product):</p>"
                f'<pre class="recipe">{escape(data.recipe_text)}</pre>')
    else:
        out += '<p class="none">No resolved recipe file on disk.</p>'
    return out


def render_report(data: ReportData) -> str:
    """The complete HTML document of a report."""
    nav = ['<a href="#steps">Steps</a>', '<a href="#exposures">Exposures</a>']
    nav += [f'<a href="#det-{escape(d.key)}">{escape(d.title)}</a>' for d in data.detectors]
    nav.append('<a href="#recipe">Recipe</a>')
    visit_files = "".join(file_item(f) for f in data.visit_files)
    body = [
        "<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(data.title)}</title><style>{CSS}</style></head><body>",
        (f"<header><h1>{escape(data.title)}</h1><div class=\"meta\">input <code>"
         f"{escape(data.input)}</code> · recipe <code>{escape(data.recipe)}</code> · "
         f"{escape(data.software)} · written {escape(data.created)}</div></header>"),
        f"<nav>{''.join(nav)}</nav><main>", _summary(data),
        f'<h3>Visit files</h3><ul class="links">{visit_files}</ul>',
        '<section id="steps"><h2>Steps</h2>', _steps(data.steps), "</section>",
        '<section id="exposures"><h2>Exposures and vetting decisions</h2>',
        _decisions(data.decisions), "</section>",
        *[detector_section(d) for d in data.detectors],
        '<section id="recipe"><h2>Recipe</h2>', _recipe(data), "</section></main>",
        ("<footer>Static page: no scripts, fonts or remote resources; every link is relative to "
         "this file.</footer></body></html>"),
    ]
    return "\n".join(body) + "\n"
