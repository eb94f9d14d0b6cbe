"""S_REGION of drizzle products: clean counter-clockwise polygons of the exposed area (§8.3)."""
from __future__ import annotations

import numpy as np
from astropy.wcs import WCS
from scipy import ndimage

__all__ = ["mask_outlines", "polygon_area", "region_polygons", "s_region_string",
           "simplify_outline"]

#: Douglas-Peucker tolerances tried in turn (pixels); the first polygon that contains every
#: exposed pixel centre and has the right area wins.
_TOLERANCES = (3.0, 1.5, 0.75, 0.35)


def polygon_area(xs: np.ndarray, ys: np.ndarray) -> float:
    """Signed shoelace area (positive for counter-clockwise with y up).

    Examples
    --------
    >>> polygon_area(np.array([0.0, 2, 2, 0]), np.array([0.0, 0, 1, 1]))
    2.0
    """
    return 0.5 * float(np.dot(xs, np.roll(ys, -1)) - np.dot(np.roll(xs, -1), ys))


def mask_outlines(mask: np.ndarray) -> list[np.ndarray]:
    """Closed outer outlines (vertices at pixel corners, counter-clockwise) of a mask's regions.

    Holes are filled first; pixel (i, j) spans x ∈ [j-0.5, j+0.5], y ∈ [i-0.5, i+0.5].

    Returns
    -------
    list of numpy.ndarray
        One (n, 2) array of (x, y) vertices per 4-connected region, without repeated corners
        on straight runs.
    """
    filled = ndimage.binary_fill_holes(mask)
    labels, _ = ndimage.label(filled)
    outlines = []
    for k, box in enumerate(ndimage.find_objects(labels), start=1):
        for loop in _trace(np.pad(labels[box] == k, 1)):
            if len(loop) >= 4 and polygon_area(loop[:, 0], loop[:, 1]) > 0:
                loop[:, 0] += box[1].start - 1
                loop[:, 1] += box[0].start - 1
                outlines.append(loop)
    return outlines


def _trace(sub: np.ndarray) -> list[np.ndarray]:
    """Closed loops along the boundary of a region, region on the left of every edge.

    Corner (X, Y) is at pixel position (X - 0.5, Y - 0.5); pixel (r, c) spans X ∈ [c, c+1],
    Y ∈ [r, r+1]. Outer loops come out counter-clockwise (positive area), hole loops clockwise.
    """
    inside = sub.astype(np.int8)
    edges: dict[tuple[int, int], list[tuple[int, int]]] = {}
    dy = inside[1:, :] - inside[:-1, :]
    for r, c in zip(*np.nonzero(dy == 1)):        # region above: walk +x
        edges.setdefault((c, r + 1), []).append((c + 1, r + 1))
    for r, c in zip(*np.nonzero(dy == -1)):       # region below: walk -x
        edges.setdefault((c + 1, r + 1), []).append((c, r + 1))
    dx = inside[:, 1:] - inside[:, :-1]
    for r, c in zip(*np.nonzero(dx == 1)):        # region to the right: walk -y
        edges.setdefault((c + 1, r + 1), []).append((c + 1, r))
    for r, c in zip(*np.nonzero(dx == -1)):       # region to the left: walk +y
        edges.setdefault((c + 1, r), []).append((c + 1, r + 1))
    loops = []
    while edges:
        start = min(edges)
        path, previous, current = [start], None, start
        while True:
            options = edges[current]
            nxt = options.pop() if len(options) == 1 or previous is None else \
                _leftmost(previous, current, options)
            if not options:
                del edges[current]
            if nxt == start:
                break
            previous, current = current, nxt
            path.append(nxt)
        pts = np.array(path, dtype=np.float64) - 0.5
        loops.append(pts[_corners(pts)])
    return loops


def _leftmost(prev: tuple[int, int], cur: tuple[int, int],
              options: list[tuple[int, int]]) -> tuple[int, int]:
    """At a saddle corner turn left, so loops never cross themselves."""
    dx, dy = cur[0] - prev[0], cur[1] - prev[1]
    left = (cur[0] - dy, cur[1] + dx)
    choice = left if left in options else options[0]
    options.remove(choice)
    return choice


def _corners(pts: np.ndarray) -> np.ndarray:
    before, after = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
    cross = (pts[:, 0] - before[:, 0]) * (after[:, 1] - pts[:, 1]) - \
        (pts[:, 1] - before[:, 1]) * (after[:, 0] - pts[:, 0])
    return np.abs(cross) > 0


def _douglas_peucker(pts: np.ndarray, tol: float) -> np.ndarray:
    """Indices kept by Douglas-Peucker on an open polyline."""
    keep = np.zeros(len(pts), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        i, j = stack.pop()
        if j <= i + 1:
            continue
        a, b = pts[i], pts[j]
        seg = b - a
        norm = np.hypot(*seg)
        rel = pts[i + 1:j] - a
        dist = np.abs(seg[0] * rel[:, 1] - seg[1] * rel[:, 0]) / norm if norm > 0 else \
            np.hypot(rel[:, 0], rel[:, 1])
        k = int(np.argmax(dist))
        if dist[k] > tol:
            keep[i + 1 + k] = True
            stack += [(i, i + 1 + k), (i + 1 + k, j)]
    return np.nonzero(keep)[0]


def _inset(outline: np.ndarray, amount: float) -> np.ndarray:
    """Move each vertex of a counter-clockwise rectilinear outline inward by ``amount``."""
    before, after = np.roll(outline, 1, axis=0), np.roll(outline, -1, axis=0)
    d_in = outline - before
    d_out = after - outline
    d_in /= np.maximum(np.hypot(d_in[:, 0], d_in[:, 1]), 1e-12)[:, None]
    d_out /= np.maximum(np.hypot(d_out[:, 0], d_out[:, 1]), 1e-12)[:, None]
    left_in = np.column_stack([-d_in[:, 1], d_in[:, 0]])
    left_out = np.column_stack([-d_out[:, 1], d_out[:, 0]])
    return outline + amount * (left_in + left_out)


def simplify_outline(outline: np.ndarray, tol: float, *, margin: float = 0.02) -> np.ndarray:
    """Simplify a closed counter-clockwise pixel outline into a polygon with few vertices that
    still contains every boundary pixel centre.

    Douglas-Peucker (tolerance ``tol`` pixels) picks the vertices; each simplified edge is then
    moved to the tightest parallel line keeping the pixel centres it replaced inside (plus
    ``margin``), and consecutive lines are intersected.
    """
    if len(outline) <= 4:
        return outline
    start = int(np.argmax(outline[:, 1] * 1e6 - outline[:, 0]))
    ring = np.roll(outline, -start, axis=0)
    centres = _inset(ring, 0.5)
    closed = np.vstack([ring, ring[:1]])
    closed_c = np.vstack([centres, centres[:1]])
    idx = _douglas_peucker(closed, tol)
    if len(idx) < 4:
        return outline
    lines = []
    for i, j in zip(idx[:-1], idx[1:]):
        a, b = closed[i], closed[j]
        d = (b - a) / max(np.hypot(*(b - a)), 1e-12)
        normal = np.array([d[1], -d[0]])             # outward for counter-clockwise
        shift = float(np.max((closed_c[i:j + 1] - a) @ normal)) + margin
        lines.append((a + shift * normal, d))
    verts = []
    for (p1, d1), (p2, d2) in zip(lines, lines[1:] + lines[:1], strict=True):
        det = d1[0] * (-d2[1]) - d1[1] * (-d2[0])
        if abs(det) < 1e-9:
            verts.append(p2)
            continue
        t = ((p2 - p1)[0] * (-d2[1]) - (p2 - p1)[1] * (-d2[0])) / det
        verts.append(p1 + t * d1)
    return np.array(verts)


def _contains(poly: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    inside = np.zeros(x.shape, dtype=bool)
    xa, ya = poly[:, 0], poly[:, 1]
    xb, yb = np.roll(xa, -1), np.roll(ya, -1)
    for x1, y1, x2, y2 in zip(xa, ya, xb, yb):
        crosses = (y1 > y) != (y2 > y)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
        inside ^= crosses & (x < xint)
    return inside


def region_polygons(mask: np.ndarray, *, max_area_error: float = 0.01, closing_px: int = 2,
                    max_pixels: int = 4_000_000) -> list[np.ndarray]:
    """Clean counter-clockwise polygons (pixel coordinates) of the exposed regions, largest first.

    The mask is closed (``closing_px`` iterations of a 3×3 structure: slivers and islands a few
    pixels apart merge) and its holes filled. Each polygon contains the centre of every exposed
    pixel of its region, and its area differs from the region's pixel count by at most
    ``max_area_error`` (else a finer tolerance, finally the exact pixel outline, is used). The
    first vertex is the northern-most (largest y). Masks larger than ``max_pixels`` are traced
    on blocks of f × f pixels (any exposed pixel marks its block, grown by one block so every
    exposed pixel centre stays inside), which adds about 1.5 f pixels along the outline.
    """
    factor = int(np.ceil(np.sqrt(mask.size / max_pixels))) if mask.size > max_pixels else 1
    if factor > 1:
        ny, nx = mask.shape
        pad = np.zeros((-(-ny // factor) * factor, -(-nx // factor) * factor), bool)
        pad[:ny, :nx] = mask
        blocks = pad.reshape(pad.shape[0] // factor, factor, -1, factor).any(axis=(1, 3))
        blocks = ndimage.binary_dilation(blocks, structure=np.ones((3, 3), bool))
        coarse = region_polygons(blocks, max_area_error=max_area_error, closing_px=closing_px,
                                 max_pixels=blocks.size)
        return [(poly + 0.5) * factor - 0.5 for poly in coarse]
    clean = mask.copy()
    if closing_px > 0:
        clean |= ndimage.binary_closing(np.pad(mask, closing_px + 1), iterations=closing_px,
                                        structure=np.ones((3, 3), bool))[
            closing_px + 1:-closing_px - 1, closing_px + 1:-closing_px - 1]
    clean = ndimage.binary_fill_holes(clean)
    labels, _ = ndimage.label(clean)
    polygons = []
    for outline in mask_outlines(clean):
        area = polygon_area(outline[:, 0], outline[:, 1])
        x0, y0 = int(outline[:, 0].min() + 0.5), int(outline[:, 1].min() + 0.5)
        x1, y1 = int(outline[:, 0].max() + 0.5), int(outline[:, 1].max() + 0.5)
        box = (slice(y0, y1), slice(x0, x1))
        sub = mask[box] & _region_mask(labels[box], outline, x0, y0)
        edge = sub & ~ndimage.binary_erosion(sub)
        ys, xs = np.nonzero(edge)
        xs, ys = (xs + x0).astype(float), (ys + y0).astype(float)
        chosen = outline
        for tol in _TOLERANCES:
            poly = simplify_outline(outline, tol)
            if len(poly) < 3:
                continue
            poly_area = polygon_area(poly[:, 0], poly[:, 1])
            if abs(poly_area / area - 1) <= max_area_error and _contains(poly, xs, ys).all():
                chosen = poly
                break
        top = int(np.argmax(chosen[:, 1] * 1e6 - chosen[:, 0]))
        polygons.append((area, np.roll(chosen, -top, axis=0)))
    return [p for _, p in sorted(polygons, key=lambda item: -item[0])]


def _region_mask(labels: np.ndarray, outline: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Pixels of the labelled region whose outline this is (the label under most vertices)."""
    cx = np.clip(np.floor(outline[:, 0] + 0.5).astype(int) - x0, 0, labels.shape[1] - 1)
    cy = np.clip(np.floor(outline[:, 1] + 0.5).astype(int) - y0, 0, labels.shape[0] - 1)
    found = labels[cy, cx]
    found = found[found > 0]
    if not found.size:
        return labels > 0
    return labels == np.bincount(found).argmax()


def s_region_string(polygons: list[np.ndarray], wcs: WCS) -> str:
    """``POLYGON ICRS ra dec ...`` groups (one per polygon, not closed), decimal degrees."""
    groups = []
    for poly in polygons:
        ra, dec = wcs.all_pix2world(poly[:, 0], poly[:, 1], 0)
        groups.append("POLYGON ICRS " + " ".join(f"{r % 360.0:.7f} {d:.7f}"
                                                 for r, d in zip(ra, dec)))
    return " ".join(groups)
