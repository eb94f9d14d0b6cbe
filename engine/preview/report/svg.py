"""Inline SVG plots of the QA report: sky footprints, shift vectors, histograms, source overlays."""
from __future__ import annotations

import math
from html import escape
from urllib.parse import quote

import numpy as np

from hapsvm.preview.report.model import AlignmentRow
from hapsvm.preview.report.model import CatalogSummary
from hapsvm.preview.report.model import Footprint

__all__ = ["PALETTE", "footprint_svg", "shift_svg", "histogram_svg", "overlay_svg",
           "sky_offsets"]

#: Okabe-Ito colours (readable by colour-blind viewers), one per filter.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000")
_W, _H, _PAD = 560, 420, 56


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
            f'<title>{escape(label)}</title>' + "".join(body) + "</svg>")


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    """Round tick values covering [lo, hi]."""
    span = hi - lo if hi > lo else 1.0
    raw = span / n
    mag = 10 ** math.floor(math.log10(raw))
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=10 * mag)
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step) + 1)]


def sky_offsets(points: list[tuple[float, float]],
                centre: tuple[float, float]) -> list[tuple[float, float]]:
    """(ΔRA·cosδ, ΔDec) in arcsec of (RA, Dec) degrees from ``centre`` (tangent-plane approx.).

    Examples
    --------
    >>> [tuple(round(v, 3) for v in p) for p in sky_offsets([(10.001, 0.0)], (10.0, 0.0))]
    [(3.6, 0.0)]
    """
    ra0, dec0 = centre
    cosd = math.cos(math.radians(dec0))
    return [(((ra - ra0 + 180.0) % 360.0 - 180.0) * cosd * 3600.0, (dec - dec0) * 3600.0)
            for ra, dec in points]


class _Frame:
    """Maps plot coordinates to SVG pixels; ``flip_x`` puts +x on the left, ``square`` gives
    both axes one scale (the data centred), ``legend_px`` keeps a column free on the right."""

    def __init__(self, xs: list[float], ys: list[float], *, flip_x: bool, square: bool,
                 legend_px: int = 0) -> None:
        self.left, self.top = _PAD, _PAD
        self.width, self.height = _W - 2 * _PAD - legend_px, _H - 2 * _PAD
        self.x0, self.x1 = min(xs), max(xs)
        self.y0, self.y1 = min(ys), max(ys)
        if self.x1 - self.x0 < 1e-9:
            self.x0, self.x1 = self.x0 - 1.0, self.x1 + 1.0
        if self.y1 - self.y0 < 1e-9:
            self.y0, self.y1 = self.y0 - 1.0, self.y1 + 1.0
        mx, my = 0.06 * (self.x1 - self.x0), 0.06 * (self.y1 - self.y0)
        self.x0, self.x1, self.y0, self.y1 = self.x0 - mx, self.x1 + mx, self.y0 - my, self.y1 + my
        self.sx = self.width / (self.x1 - self.x0)
        self.sy = self.height / (self.y1 - self.y0)
        if square:
            scale = min(self.sx, self.sy)
            cx, cy = (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2
            hx, hy = self.width / scale / 2, self.height / scale / 2
            self.x0, self.x1, self.y0, self.y1 = cx - hx, cx + hx, cy - hy, cy + hy
            self.sx = self.sy = scale
        self.flip = flip_x

    @property
    def right(self) -> float:
        """SVG x of the frame's right edge."""
        return self.left + self.width

    def px(self, x: float, y: float) -> tuple[float, float]:
        u = (self.x1 - x) if self.flip else (x - self.x0)
        return self.left + u * self.sx, self.top + self.height - (y - self.y0) * self.sy

    def axes(self, xlabel: str, ylabel: str) -> list[str]:
        bottom = self.top + self.height
        out = [(f'<rect x="{self.left}" y="{self.top}" width="{self.width}" '
                f'height="{self.height}" fill="none" stroke="#888"/>')]
        for t in _ticks(self.x0, self.x1):
            x, _ = self.px(t, self.y0)
            if self.left - 0.5 <= x <= self.right + 0.5:
                out.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" '
                           f'stroke="#888"/><text x="{x:.1f}" y="{bottom + 18}" '
                           f'text-anchor="middle" class="tick">{t:g}</text>')
        for t in _ticks(self.y0, self.y1):
            _, y = self.px(self.x0, t)
            if self.top - 0.5 <= y <= bottom + 0.5:
                out.append(f'<line x1="{self.left - 5}" y1="{y:.1f}" x2="{self.left}" '
                           f'y2="{y:.1f}" stroke="#888"/><text x="{self.left - 8}" '
                           f'y="{y + 4:.1f}" text-anchor="end" class="tick">{t:g}</text>')
        mid = self.left + self.width / 2
        out.append(f'<text x="{mid}" y="{_H - 14}" text-anchor="middle">{escape(xlabel)}</text>')
        out.append(f'<text x="16" y="{_H / 2}" text-anchor="middle" '
                   f'transform="rotate(-90 16 {_H / 2})">{escape(ylabel)}</text>')
        return out

    def legend(self, entries: list[tuple[str, str]]) -> list[str]:
        """Colour swatches and labels in the column right of the frame."""
        x = self.right + 10
        return [f'<rect x="{x}" y="{self.top + 15 * i + 2}" width="12" height="10" '
                f'fill="{colour}"/><text x="{x + 17}" y="{self.top + 15 * i + 11}" '
                f'class="tick">{escape(label)}</text>' for i, (label, colour) in enumerate(entries)]


def _points(frame: _Frame, pts: list[tuple[float, float]]) -> str:
    return " ".join("{:.1f},{:.1f}".format(*frame.px(x, y)) for x, y in pts)


def footprint_svg(footprints: list[Footprint], *, uid: str = "0") -> str:
    """Sky outlines of exposure chips (dashed) and products (solid), East (RA increasing) left.

    ``uid`` makes the SVG's element ids unique in the page. Returns '' when there is nothing
    to draw.
    """
    polys = [(fp, poly) for fp in footprints for poly in fp.polygons]
    if not polys:
        return ""
    allpts = [p for _, poly in polys for p in poly]
    ra_ref = allpts[0][0]
    ras = [ra_ref + ((ra - ra_ref + 180.0) % 360.0 - 180.0) for ra, _ in allpts]
    centre = (float(np.mean(ras)), float(np.mean([d for _, d in allpts])))
    offsets = sky_offsets(allpts, centre)
    frame = _Frame([o[0] for o in offsets], [o[1] for o in offsets], flip_x=True, square=True,
                   legend_px=90)
    groups = list(dict.fromkeys(fp.group for fp, _ in polys))
    filters = [g for g in groups if g != "total"]
    colour = {g: PALETTE[i % (len(PALETTE) - 1)] for i, g in enumerate(filters)}
    colour["total"] = PALETTE[-1]
    body = frame.axes("ΔRA·cosδ (arcsec; East to the left)", "ΔDec (arcsec)")
    n_filters = max(1, len(filters))
    for fp, poly in sorted(polys, key=lambda item: (item[0].kind == "product",
                                                    item[0].group != "total")):
        if fp.kind != "product":
            style = 'stroke-width="1" stroke-dasharray="4 3" fill-opacity="0.03"'
        elif fp.group == "total":
            style = 'stroke-width="5" stroke-opacity="0.35" fill-opacity="0.04"'
        else:  # filter outlines often coincide: interleave their dashes
            i = filters.index(fp.group) if fp.group in filters else 0
            style = (f'stroke-width="2.5" fill-opacity="0.04" stroke-dasharray="10 '
                     f'{10 * (n_filters - 1)}" stroke-dashoffset="{10 * i}"')
        body.append(f'<polygon points="{_points(frame, sky_offsets(poly, centre))}" '
                    f'stroke="{colour[fp.group]}" fill="{colour[fp.group]}" {style}>'
                    f'<title>{escape(fp.label)}</title></polygon>')
    body += frame.legend([(g, colour[g]) for g in groups])
    body.append(_compass(_PAD + 30, _PAD + 40, f"compass-{uid}"))
    body.append(f'<text x="{_PAD}" y="{_PAD - 10}" class="tick">centre RA {centre[0] % 360:.5f}°'
                f', Dec {centre[1]:+.5f}°; dashed: exposure chips, solid: drizzle products</text>')
    return _svg(_W, _H, body, "Sky footprints")


def _compass(x: float, y: float, uid: str) -> str:
    arrow = f'stroke="#333" stroke-width="1.5" marker-end="url(#{uid})"'
    return (_arrow_def(uid) + f'<line x1="{x}" y1="{y}" x2="{x}" y2="{y - 28}" {arrow}/>'
            f'<text x="{x}" y="{y - 32}" text-anchor="middle">N</text>'
            f'<line x1="{x}" y1="{y}" x2="{x - 28}" y2="{y}" {arrow}/>'
            f'<text x="{x - 38}" y="{y + 4}" text-anchor="middle">E</text>')


def _arrow_def(uid: str) -> str:
    return (f'<defs><marker id="{uid}" viewBox="0 0 10 10" refX="9" refY="5" '
            'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
            '<path d="M0,0 L10,5 L0,10 z" fill="#333"/></marker></defs>')


def shift_svg(rows: list[AlignmentRow], *, uid: str = "0", relative: bool = False) -> str:
    """Each exposure's WCS shift (copy minus original, mas) as an arrow from the origin.

    East (RA increasing) to the left. With ``relative`` the mean shift is subtracted first
    (the exposure-to-exposure scatter). Returns '' when no exposure has a shift.
    """
    shifts = [(r.rootname, r.shift_mas) for r in rows if r.shift_mas is not None]
    if not shifts:
        return ""
    if relative:
        mx = sum(s[0] for _, s in shifts) / len(shifts)
        my = sum(s[1] for _, s in shifts) / len(shifts)
        shifts = [(name, (s[0] - mx, s[1] - my)) for name, s in shifts]
        uid = f"{uid}-rel"
    reach = max([max(abs(s[0]), abs(s[1])) for _, s in shifts] + [1.0])
    frame = _Frame([-reach, reach], [-reach, reach], flip_x=True, square=True, legend_px=90)
    body = frame.axes("ΔRA·cosδ (mas; East to the left)", "ΔDec (mas)")
    ox, oy = frame.px(0.0, 0.0)
    marker = f"shift-{uid}"
    body.append(_arrow_def(marker) + f'<line x1="{frame.left}" y1="{oy:.1f}" '
                f'x2="{frame.right}" y2="{oy:.1f}" stroke="#ddd"/><line x1="{ox:.1f}" '
                f'y1="{frame.top}" x2="{ox:.1f}" y2="{frame.top + frame.height}" stroke="#ddd"/>')
    for i, (name, (dx, dy)) in enumerate(shifts):
        x, y = frame.px(dx, dy)
        colour = PALETTE[i % len(PALETTE)]
        body.append(f'<line x1="{ox:.1f}" y1="{oy:.1f}" x2="{x:.1f}" y2="{y:.1f}" '
                    f'stroke="{colour}" stroke-width="2" marker-end="url(#{marker})">'
                    f'<title>{escape(name)}: ({dx:+.1f}, {dy:+.1f}) mas</title></line>')
    body += frame.legend([(name, PALETTE[i % len(PALETTE)])
                          for i, (name, _) in enumerate(shifts)])
    title = "WCS shift per exposure minus the mean (mas)" if relative else \
        "WCS shift per exposure (mas)"
    return _svg(_W, _H, body, title)


def histogram_svg(summary: CatalogSummary, *, bin_mag: float = 0.5) -> str:
    """Histogram of a catalogue's magnitudes; '' when it has none."""
    mags = np.asarray(summary.magnitudes, dtype=float)
    if mags.size == 0:
        return ""
    lo, hi = math.floor(mags.min() / bin_mag) * bin_mag, math.ceil(mags.max() / bin_mag) * bin_mag
    hi = max(hi, lo + bin_mag)
    n_bins = max(1, min(60, round((hi - lo) / bin_mag)))
    counts, edges = np.histogram(mags, bins=n_bins, range=(lo, hi))
    frame = _Frame([lo, hi], [0.0, float(counts.max())], flip_x=False, square=False)
    frame.y0 = 0.0
    frame.sy = frame.height / (frame.y1 - frame.y0)
    body = frame.axes(f"{summary.mag_column} (ABMAG)", "sources per bin")
    body.append(f'<text x="{frame.left}" y="{frame.top - 10}" class="tick">'
                f'{escape(summary.file)} ({mags.size} of {summary.n_rows} rows)</text>')
    for c, a, b in zip(counts, edges[:-1], edges[1:]):
        if c == 0:
            continue
        x0, y0 = frame.px(a, c)
        x1, y1 = frame.px(b, 0.0)
        body.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{max(x1 - x0 - 1, 1):.1f}" '
                    f'height="{y1 - y0:.1f}" fill="#0072B2"><title>{a:.2f}–{b:.2f}: {c}'
                    '</title></rect>')
    return _svg(_W, _H, body, f"{summary.file}: {summary.mag_column} histogram")


def overlay_svg(image: str, size: tuple[int, int], grid: tuple[int, int],
                catalogs: list[CatalogSummary]) -> str:
    """A preview with catalogue sources as circles (point: large cyan, segment: orange).

    Parameters
    ----------
    image
        Preview file name (relative link).
    size
        (width, height) of the preview, pixels.
    grid
        (ny, nx) of the drizzle grid the catalogue positions refer to (0-based pixels).
    catalogs
        Catalogues with positions on that grid.
    """
    width, height = size
    ny, nx = grid
    if not (width and height and nx and ny):
        return ""
    scale = width / nx
    radius = max(3.0, width / 160)
    body = [f'<image href="{escape(quote(image))}" x="0" y="0" width="{width}" height="{height}"/>']
    styles = {"point": ("#00e5ff", 1.5), "segment": ("#ff9f1c", 1.0)}
    for cat in catalogs:
        colour, size_factor = styles.get(cat.kind, ("#ffffff", 1.0))
        r = radius * size_factor
        body.append(f'<g fill="none" stroke="{colour}" stroke-width="{max(1.0, radius / 4):.1f}">'
                    f'<title>{escape(cat.file)}: {len(cat.positions)} sources</title>')
        body += [f'<circle cx="{(x + 0.5) * scale:.1f}" cy="{(ny - y - 0.5) * scale:.1f}" '
                 f'r="{r:.1f}"/>' for x, y in cat.positions]
        body.append("</g>")
    label = "Sources on " + image
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'class="overlay" role="img" aria-label="{escape(label)}"><title>{escape(label)}'
            "</title>" + "".join(body) + "</svg>")
