"""Summaries of the point and segment catalogues: row counts, magnitudes, positions."""
from __future__ import annotations

import logging
import warnings
from pathlib import Path

import numpy as np
from astropy.table import Table
from astropy.utils.exceptions import AstropyWarning

from hapsvm.preview.report.model import CatalogSummary

__all__ = ["summarize_catalog", "magnitude_column", "MISSING_VALUE"]

log = logging.getLogger(__name__)

#: Value written for masked or NaN catalogue entries (spec §9.5).
MISSING_VALUE = -9999.0
#: Catalogue header entries shown in the report when present (spec §9.6).
_META_KEYS = ("WCSNAME", "Threshold (sigma)", "Total Exposure Time", "Filter 1",
              "Number of sources")
_POSITIONS = (("X-Center", "Y-Center"), ("X-Centroid", "Y-Centroid"))


def magnitude_column(columns: list[str], kind: str) -> str:
    """The magnitude column to histogram: ``MagSegment``/``MagAp2`` or a total's ``MagAP2_<f>``.

    Examples
    --------
    >>> magnitude_column(["ID", "MagAp1", "MagAp2"], "point")
    'MagAp2'
    >>> magnitude_column(["ID", "MagAp2", "MagSegment"], "segment")
    'MagSegment'
    >>> magnitude_column(["ID", "CI_f160w", "MagAP2_f160w"], "point")
    'MagAP2_f160w'
    >>> magnitude_column(["ID"], "point")
    ''
    """
    preferred = ["MagSegment", "MagAp2"] if kind == "segment" else ["MagAp2", "MagSegment"]
    for name in preferred:
        if name in columns:
            return name
    return next((c for c in columns if c.lower().startswith("magap2")), "")


def _finite(values: np.ndarray) -> np.ndarray:
    values = np.ma.filled(np.ma.asarray(values, dtype=float), np.nan)
    return values[np.isfinite(values) & (values != MISSING_VALUE) & (np.abs(values) < 90)]


def _meta(table: Table) -> dict[str, str]:
    out = {}
    for key in _META_KEYS:
        value = table.meta.get(key)
        if isinstance(value, (str, int, float)):
            out[key] = str(value)
    return out


def summarize_catalog(path: Path, kind: str, *, max_positions: int = 5000) -> CatalogSummary:
    """Read an ECSV catalogue and summarise it (an unreadable file gives ``error``).

    Parameters
    ----------
    path
        ``*_point-cat.ecsv`` or ``*_segment-cat.ecsv``.
    kind
        ``point`` or ``segment``.
    max_positions
        Keep at most this many source positions (the brightest by the magnitude column).
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", AstropyWarning)
            table = Table.read(path, format="ascii.ecsv")
    except (OSError, ValueError, KeyError) as err:
        log.warning("catalogue %s unreadable: %s", path.name, err)
        return CatalogSummary(path.name, kind, 0, "", [], [], error=str(err))
    column = magnitude_column(list(table.colnames), kind)
    mags = _finite(np.asarray(table[column])) if column else np.array([])
    positions: list[tuple[float, float]] = []
    for xcol, ycol in _POSITIONS:
        if xcol in table.colnames and ycol in table.colnames:
            x: np.ndarray = np.ma.filled(np.ma.asarray(table[xcol], dtype=float), np.nan)
            y: np.ndarray = np.ma.filled(np.ma.asarray(table[ycol], dtype=float), np.nan)
            order = np.arange(len(x))
            if column:
                mag: np.ndarray = np.ma.filled(np.ma.asarray(table[column], dtype=float), np.nan)
                mag = np.where(np.isfinite(mag) & (mag != MISSING_VALUE), mag, np.inf)
                order = np.argsort(mag, kind="stable")
            keep = [i for i in order if np.isfinite(x[i]) and np.isfinite(y[i])][:max_positions]
            positions = [(float(x[i]), float(y[i])) for i in keep]
            break
    return CatalogSummary(file=path.name, kind=kind, n_rows=len(table), mag_column=column,
                          magnitudes=[float(v) for v in mags], positions=positions,
                          meta=_meta(table))
