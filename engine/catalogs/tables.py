"""Catalogue column layouts (spec §9.2, §9.3): names in order, formats and units.

Extra columns that the spec does not define (aperture-corrected, PSF-fit and Kron fluxes, the
``Trusted`` mark) come after the spec's columns.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from astropy.table import Column
from astropy.table import Table

__all__ = [
    "DEG",
    "FLUX",
    "MAG",
    "MISSING_FLAG",
    "PIX",
    "POINT_COLUMNS",
    "SEGMENT_COLUMNS",
    "SEGMENT_EMPTY_COLUMNS",
    "SKY",
    "ColumnSpec",
    "make_table",
    "total_table",
]

PIX, DEG, MAG, FLUX, SKY = "pix", "deg", "mag(AB)", "electron / s", "electron / (pix s)"
#: ``Flags_<filter>`` of a row the filter catalogue does not have (written as is).
MISSING_FLAG = -9999


@dataclass(frozen=True)
class ColumnSpec:
    """One output column."""

    name: str
    format: str
    unit: str | None
    dtype: type = float


def _c(name: str, fmt: str, unit: str | None, dtype: type = float) -> ColumnSpec:
    return ColumnSpec(name, fmt, unit, dtype)


_XY_POINT = (_c("X-Center", "10.3f", PIX), _c("Y-Center", "10.3f", PIX),
             _c("RA", "13.7f", DEG), _c("DEC", "13.7f", DEG), _c("ID", "7d", None, int))
_XY_SEGMENT = (_c("X-Centroid", "10.3f", PIX), _c("Y-Centroid", "10.3f", PIX),
               _c("RA", "13.7f", DEG), _c("DEC", "13.7f", DEG), _c("ID", "7d", None, int))

#: Filter point catalogue (spec §9.2) + aperture-corrected, PSF-fit and trust extras.
POINT_COLUMNS = _XY_POINT + (
    _c("MagAp1", "7.3f", MAG), _c("MagErrAp1", "7.3f", MAG), _c("FluxAp1", "10.4f", FLUX),
    _c("FluxErrAp1", "10.4f", FLUX), _c("MagAp2", "7.3f", MAG), _c("MagErrAp2", "7.3f", MAG),
    _c("MSkyAp2", "7.3f", SKY), _c("StdevAp2", "7.3f", SKY), _c("FluxAp2", "10.4f", FLUX),
    _c("FluxErrAp2", "10.4f", FLUX), _c("CI", "7.3f", MAG), _c("Flags", "5d", None, int),
    _c("FluxAp2Cor", "10.4f", FLUX), _c("FluxErrAp2Cor", "10.4f", FLUX),
    _c("MagAp2Cor", "7.3f", MAG),
    _c("FluxPSF", "10.4f", FLUX), _c("FluxErrPSF", "10.4f", FLUX), _c("MagPSF", "7.3f", MAG),
    _c("MagErrPSF", "7.3f", MAG), _c("QfitPSF", "8.4f", None), _c("Chi2PSF", "9.3f", None),
    _c("Trusted", "1d", None, int))

#: Filter segment catalogue (spec §9.3) + Kron-flux extras.
SEGMENT_COLUMNS = _XY_SEGMENT + (
    _c("CI", "7.3f", MAG), _c("Flags", "5d", None, int),
    _c("MagAp1", "7.3f", MAG), _c("MagErrAp1", "7.3f", MAG), _c("FluxAp1", "10.4f", FLUX),
    _c("FluxErrAp1", "10.4f", FLUX), _c("MagAp2", "7.3f", MAG), _c("MagErrAp2", "7.3f", MAG),
    _c("FluxAp2", "10.4f", FLUX), _c("FluxErrAp2", "10.4f", FLUX), _c("MSkyAp2", "7.3f", SKY),
    _c("Bck", "10.4f", SKY), _c("Area", "10.1f", "pix2"), _c("FWHM", "8.3f", PIX),
    _c("MagSegment", "7.3f", MAG), _c("FluxSegment", "10.4f", FLUX),
    _c("FluxSegmentErr", "10.4f", FLUX), _c("KronRadius", "8.3f", PIX),
    _c("Xmin", "8d", PIX, int), _c("Ymin", "8d", PIX, int), _c("Xmax", "8d", PIX, int),
    _c("Ymax", "8d", PIX, int), _c("X2", "10.4f", "pix2"), _c("Y2", "10.4f", "pix2"),
    _c("XY", "10.4f", "pix2"), _c("CXX", "10.4f", "pix-2"), _c("CYY", "10.4f", "pix-2"),
    _c("CXY", "10.4f", "pix-2"), _c("Elongation", "8.3f", None), _c("Ellipticity", "8.3f", None),
    _c("Theta", "8.3f", DEG),
    _c("FluxKron", "10.4f", FLUX), _c("FluxKronErr", "10.4f", FLUX), _c("MagKron", "7.3f", MAG))

#: Columns of a segment catalogue emptied for crowding (spec §9.3).
SEGMENT_EMPTY_COLUMNS = _XY_SEGMENT + (_c("Flags", "5d", None, int),)


def make_table(specs: tuple[ColumnSpec, ...], values: dict[str, np.ndarray], n: int) -> Table:
    """Build a table with every column of ``specs`` in order (missing values: empty/NaN)."""
    cols = []
    for s in specs:
        data = values.get(s.name)
        if data is None:
            data = np.zeros(n, dtype=s.dtype) if s.dtype is int else np.full(n, np.nan)
        cols.append(Column(np.asarray(data, dtype=s.dtype), name=s.name, format=s.format,
                           unit=s.unit))
    return Table(cols)


def total_table(base: Table, id_name: str, per_filter: dict[str, Table]) -> Table:
    """Total catalogue: ``base`` columns + ``MagAP2_<f>``, ``CI_<f>``, ``Flags_<f>``,
    ``MagPSF_<f>``, ``Trusted_<f>`` by ID (a filter table without a column gives 0s)."""
    out = base.copy()
    ids = np.asarray(out[id_name])
    for fname, tab in per_filter.items():
        index = {int(i): k for k, i in enumerate(np.asarray(tab["ID"]))}
        rows = np.array([index.get(int(i), -1) for i in ids], dtype=int)
        have = rows >= 0
        for src, dst, fmt, unit, dtype in (("MagAp2", f"MagAP2_{fname}", "7.3f", MAG, float),
                                           ("CI", f"CI_{fname}", "7.3f", MAG, float),
                                           ("Flags", f"Flags_{fname}", "5d", None, int),
                                           ("MagPSF", f"MagPSF_{fname}", "7.3f", MAG, float),
                                           ("Trusted", f"Trusted_{fname}", "1d", None, int)):
            if src in tab.colnames:
                values = np.asarray(tab[src], dtype=dtype)[np.where(have, rows, 0)]
            else:
                values = np.zeros(len(rows), dtype)
            fill = np.nan if dtype is not int else (0 if src == "Trusted" else MISSING_FLAG)
            data = np.where(have, values, fill) if len(rows) else np.zeros(0, dtype)
            out.add_column(Column(np.asarray(data, dtype=dtype), name=dst, format=fmt, unit=unit))
    return out
