"""HTML of one detector's QA report section: previews, files, footprints, alignment, catalogues."""
from __future__ import annotations

from html import escape
from urllib.parse import quote

from hapsvm.preview.report.model import AlignmentRow
from hapsvm.preview.report.model import CatalogSummary
from hapsvm.preview.report.model import DetectorReport
from hapsvm.preview.report.model import FileLink
from hapsvm.preview.report.model import KeywordTable
from hapsvm.preview.report.model import ProductRow
from hapsvm.preview.report.svg import footprint_svg
from hapsvm.preview.report.svg import histogram_svg
from hapsvm.preview.report.svg import overlay_svg
from hapsvm.preview.report.svg import shift_svg

__all__ = ["detector_section", "file_item", "href"]

#: Alignment keywords always shown, then those shown when any exposure has them.
_ALIGN_ALWAYS = ("WCSNAME", "NMATCHES", "RMS_RA", "RMS_DEC", "FITGEOM")
_ALIGN_OPTIONAL = ("SVMAERR", "WCSTYPE", "RELGEOM", "RELMATCH", "RELRMS_R", "RELRMS_D",
                   "RELREFIM", "HDRNAME", "SKYCELL")
_UNITS = {"RMS_RA": " (mas)", "RMS_DEC": " (mas)", "SVMAERR": " (mas, 1σ)", "RELRMS_R": " (mas)",
          "RELRMS_D": " (mas)"}


def href(name: str) -> str:
    """A relative link to a file beside the report (attribute-escaped).

    Examples
    --------
    >>> href("a b&c.fits")
    'a%20b%26c.fits'
    """
    return escape(quote(name))


def _none(text: str) -> str:
    return f'<p class="none">{escape(text)}</p>'


def file_item(f: FileLink) -> str:
    """One file: a link if it exists (or will), else its name marked 'not written'."""
    kind = f'<span class="kind">{escape(f.kind.replace("_", " "))}</span>'
    if f.exists:
        recipe = (f' <a class="recipe" href="{href(f.recipe)}" title="resolved recipe">recipe</a>'
                  if f.recipe else "")
        return f'<li><a href="{href(f.name)}">{escape(f.name)}</a> {kind}{recipe}</li>'
    if f.pending:
        return (f'<li><a href="{href(f.name)}" class="pending" title="written after this report'
                f' by a later step">{escape(f.name)}</a> {kind}</li>')
    return f'<li class="absent"><span>{escape(f.name)}</span> {kind} <em>not written</em></li>'


def _gallery(report: DetectorReport) -> str:
    figures = []
    for row in report.products:
        if not row.preview:
            continue
        img = row.thumbnail or row.preview
        figures.append(f'<figure><a href="{href(row.preview)}"><img src="{href(img)}" '
                       f'alt="preview of {escape(row.label)}" loading="lazy"></a>'
                       f'<figcaption>{escape(row.level)}: {escape(row.label)}</figcaption>'
                       "</figure>")
    if report.color_preview:
        img = report.color_thumbnail or report.color_preview
        figures.insert(1, f'<figure class="color"><a href="{href(report.color_preview)}">'
                          f'<img src="{href(img)}" alt="colour composite" '
                          'loading="lazy"></a><figcaption>colour composite (blue → red by '
                          'PHOTPLAM)</figcaption></figure>')
    if not figures:
        return _none("No previews: no drizzle product of this detector is on disk.")
    return '<div class="gallery">' + "".join(figures) + "</div>"


def _files_table(rows: list[ProductRow]) -> str:
    body = []
    for row in rows:
        items = "".join(file_item(f) for f in row.files)
        body.append(f'<tr class="lvl-{escape(row.level)}"><td>{escape(row.label)}</td>'
                    f'<td><ul class="links">{items}</ul></td></tr>')
    return ('<table class="files"><thead><tr><th>product</th><th>files</th></tr></thead>'
            "<tbody>" + "".join(body) + "</tbody></table>")


def _alignment(rows: list[AlignmentRow], uid: str) -> str:
    if not rows:
        return _none("No exposure copy on disk: no alignment to show.")
    columns = list(_ALIGN_ALWAYS) + [k for k in _ALIGN_OPTIONAL
                                     if any(k in r.keywords for r in rows)]
    head = "".join(f"<th>{escape(k + _UNITS.get(k, ''))}</th>"
                   for k in ("exposure", "outcome (SVMALIGN)", *columns, "shift (mas)"))
    body = []
    for r in rows:
        cells = "".join(f"<td>{escape(r.keywords.get(k, '–'))}</td>" for k in columns)
        shift = ("–" if r.shift_mas is None else
                 f"({r.shift_mas[0]:+.1f}, {r.shift_mas[1]:+.1f})")
        outcome = escape(r.keywords.get("SVMALIGN", "–"))
        body.append(f'<tr><td><a href="{href(r.file)}">{escape(r.rootname)}</a></td>'
                    f'<td class="outcome">{outcome}</td>{cells}<td class="num">{shift}</td></tr>')
    plots = [shift_svg(rows, uid=uid)]
    if sum(r.shift_mas is not None for r in rows) > 1:
        plots.append(shift_svg(rows, uid=uid, relative=True))
    plot = "".join(f'<div class="plot">{p}</div>' for p in plots if p)
    caption = ("<p class=\"caption\">Shift of each exposure's chip-1 centre: WCS of the renamed "
               "copy minus that of the original input (ΔRA·cosδ, ΔDec); right: the same minus "
               "the mean shift.</p>")
    all_zero = all(r.shift_mas is not None and max(map(abs, r.shift_mas)) < 1e-3 for r in rows)
    if all_zero:
        caption += _none("Every copy keeps its original WCS (no alignment applied).")
    return (f'<div class="scroll"><table class="data align"><thead><tr>{head}</tr></thead>'
            "<tbody>" + "".join(body) + "</tbody></table></div>" + caption +
            (f'<div class="plots">{plot}</div>' if plot and not all_zero else ""))


def _keywords(tables: list[KeywordTable]) -> str:
    if not tables:
        return _none("No drizzle product on disk: no SVM keywords to show.")
    keys = list(dict.fromkeys(k for t in tables for k in t.values))
    head = "".join(f'<th><a href="{href(t.file)}">{escape(t.file)}</a></th>' for t in tables)
    body = []
    for k in keys:
        cells = "".join(f'<td><code>{escape(t.values.get(k, "–"))}</code></td>' for t in tables)
        body.append(f"<tr><th>{escape(k)}</th>{cells}</tr>")
    return (f'<div class="scroll"><table class="data keywords"><thead><tr><th>keyword</th>{head}'
            "</tr></thead><tbody>" + "".join(body) + "</tbody></table></div>")


def _catalogs(report: DetectorReport) -> str:
    cats: list[CatalogSummary] = report.catalogs
    if not cats:
        return _none("No catalogue on disk.")
    rows = []
    for c in cats:
        meta = "; ".join(f"{k}: {v}" for k, v in c.meta.items())
        status = escape(c.error) if c.error else escape(meta)
        rows.append(f'<tr><td><a href="{href(c.file)}">{escape(c.file)}</a></td>'
                    f"<td>{escape(c.kind)}</td><td class=\"num\">{c.n_rows}</td>"
                    f"<td>{escape(c.mag_column or '–')}</td><td class=\"num\">"
                    f"{len(c.magnitudes)}</td><td>{status}</td></tr>")
    table = ('<table class="data"><thead><tr><th>catalogue</th><th>type</th><th>rows</th>'
             "<th>magnitude</th><th>with magnitude</th><th>header</th></tr></thead><tbody>"
             + "".join(rows) + "</tbody></table>")
    plots = [histogram_svg(c) for c in cats]
    grid = "".join(f'<div class="plot">{p}</div>' for p in plots if p)
    out = table + (f'<div class="plots">{grid}</div>' if grid else "")
    if report.overlay_image:
        total = [c for c in cats if c.file in report.overlay_catalogs]
        svg = overlay_svg(report.overlay_image, report.overlay_size, report.overlay_grid, total)
        out += ('<h4>Total-product sources on its preview</h4><p class="caption">large cyan '
                'circles: point catalogue, orange: segment catalogue (brightest 5000 of each)'
                '</p>'
                f'<div class="overlay-box">{svg}</div>')
    return out


def detector_section(report: DetectorReport) -> str:
    """The HTML ``<section>`` of one detector."""
    uid = escape(report.key)
    fp = footprint_svg(report.footprints, uid=report.key)
    parts = [
        (f'<section id="det-{uid}" class="detector"><h2>{escape(report.title)} '
         f'<small>{uid}</small></h2>'),
        "<h3>Previews</h3>", _gallery(report),
        "<h3>Products and files</h3>", _files_table(report.products),
        "<h3>Footprints on the sky</h3>",
        f'<div class="plot">{fp}</div>' if fp else _none("No footprint: no S_REGION on disk."),
        "<h3>Alignment per exposure</h3>", _alignment(report.alignment, report.key),
        "<h3>SVM keywords of the drizzle products</h3>", _keywords(report.keywords),
        "<h3>Catalogues</h3>", _catalogs(report), "</section>",
    ]
    return "".join(parts)
