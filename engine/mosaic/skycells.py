"""The PanSTARRS-like sky-cell tessellation of HAP (spec §8.4), computed instead of read.

Tessellation (``pars/allsky_cells.fits`` is not available offline; this reproduces it):

* 46 declination zones centred every 4° from −90° to +90° (−90, −86, …, −2, 2, … 90),
  each spanning centre ± 2° (clipped at the poles);
* ``NBAND`` projection cells per zone = ``floor(90 · cos(|dec| − 2°))`` — the number of 4°
  cells that fit on the zone's equator-side edge — and 1 at the poles. This gives 1, 9, 15,
  21, … 89, 90, 90, 89, … and 2644 projection cells in all (numbers 0…2643, counted from the
  South pole, RA increasing), as in the shipped file; it also reproduces real SKYCELL values
  (e.g. ``p2376`` for RA 179.46°, Dec +55.47°);
* projection cell ``i`` of a zone: TAN at (i · 360 / NBAND, zone Dec), 0.04″ pixels, North
  up, 450 287 × 450 287 pixels, CRPIX at the centre;
* 21 × 21 sky cells per projection cell, 21 442 pixels apart, each 21 954 pixels wide
  (256-pixel overlaps); sky cell (x, y) (1-based) has CRPIX = pc CRPIX − (x−1, y−1) · 21 442.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from astropy.wcs import WCS

__all__ = ["ProjectionCell", "projection_cell", "sky_cells_for", "zone_table"]

ZONE_DECS = tuple(-90 + 4 * k for k in range(46))
PC_NXY = 450287
SC_NXY = 21
SC_STEP = 21442
SC_SIZE = 21954
SCALE_ARCSEC = 0.04


@dataclass(frozen=True)
class ProjectionCell:
    """One projection cell."""

    number: int
    zone_dec: float
    ra: float
    """Tangent-point RA, degrees."""

    @property
    def wcs(self) -> WCS:
        """The cell's TAN WCS (0.04″ pixels, North up)."""
        w = WCS(naxis=2)
        w.wcs.ctype = ["RA---TAN", "DEC--TAN"]
        w.wcs.crval = [self.ra, self.zone_dec]
        w.wcs.crpix = [PC_NXY / 2 + 0.5, PC_NXY / 2 + 0.5]
        w.wcs.cd = np.diag([-SCALE_ARCSEC / 3600, SCALE_ARCSEC / 3600])
        w.wcs.set()
        return w


def _nband(dec: float) -> int:
    if abs(dec) >= 90:
        return 1
    return math.floor(90 * math.cos(math.radians(abs(dec) - 2)))


@lru_cache(maxsize=1)
def zone_table() -> tuple[tuple[float, float, float, int, int], ...]:
    """(dec, dec_min, dec_max, nband, first projection cell) of each zone.

    Examples
    --------
    >>> t = zone_table(); len(t), t[0][3], t[1][3], t[22][3], t[-1][4] + t[-1][3]
    (46, 1, 9, 90, 2644)
    """
    rows, first = [], 0
    for dec in ZONE_DECS:
        n = _nband(dec)
        rows.append((float(dec), max(-90.0, dec - 2.0), min(90.0, dec + 2.0), n, first))
        first += n
    return tuple(rows)


def projection_cell(zone: int, index: int) -> ProjectionCell:
    """Projection cell ``index`` (0…NBAND−1) of zone ``zone`` (0…45)."""
    dec, _, _, n, first = zone_table()[zone]
    return ProjectionCell(number=first + index % n, zone_dec=dec, ra=(index % n) * 360.0 / n)


def sky_cells_for(ra: np.ndarray, dec: np.ndarray) -> list[str]:
    """Names ``p<pppp>x<xx>y<yy>`` of the sky cells holding any of the given sky positions.

    Pass densely sampled outline points of a footprint (a few arcseconds apart): a sky cell is
    listed when one of the points falls in its pixel box (spec §8.4 membership).

    Examples
    --------
    >>> sky_cells_for(np.array([179.46]), np.array([55.475]))
    ['p2376x04y17', 'p2377x20y17']
    """
    ra, dec = np.asarray(ra, float) % 360.0, np.asarray(dec, float)
    names: set[str] = set()
    for zone, (_zdec, dmin, dmax, n, _) in enumerate(zone_table()):
        near = (dec >= dmin - 1.5) & (dec <= dmax + 1.5)
        if not near.any():
            continue
        centre = np.rint(ra[near] * n / 360.0).astype(int)
        for index in sorted({int(c + d) % n for c in centre for d in (-1, 0, 1)}):
            cell = projection_cell(zone, index)
            px, py = cell.wcs.wcs_world2pix(ra[near], dec[near], 0)
            ok = (px >= 0) & (px <= PC_NXY) & (py >= 0) & (py <= PC_NXY)
            for x, y in zip(px[ok], py[ok]):
                for ix in _cells_along(x):
                    for iy in _cells_along(y):
                        names.add(f"p{cell.number:04d}x{ix:02d}y{iy:02d}")
    return sorted(names)


def _cells_along(p: float) -> list[int]:
    """1-based sky-cell indices whose box [0, SC_SIZE] (cell pixels) contains pc pixel ``p``."""
    lo = max(1, math.floor((p - SC_SIZE) / SC_STEP) + 1)
    hi = min(SC_NXY, math.floor(p / SC_STEP) + 1)
    return [k for k in range(lo, hi + 1) if 0 <= p - (k - 1) * SC_STEP <= SC_SIZE]
