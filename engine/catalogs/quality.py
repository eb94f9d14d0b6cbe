"""Catalogue quality control (spec §9.5): total-catalogue trimming, flagged fraction, CR rule."""
from __future__ import annotations

import numpy as np
from astropy.table import Table

__all__ = [
    "cr_rejection_threshold",
    "flag_columns",
    "flagged_fraction",
    "n_good_rows",
    "trim_total",
]


def flag_columns(table: Table) -> list[str]:
    """The ``Flags_<filter>`` columns of a total catalogue."""
    return [c for c in table.colnames if c.startswith("Flags_")]


def trim_total(table: Table, *, flag_trim_value: int) -> Table:
    """Drop rows whose flag is > ``flag_trim_value`` or missing (< 0) in **every** filter.

    Examples
    --------
    >>> t = Table({"ID": [1, 2, 3], "Flags_a": [0, 8, 64], "Flags_b": [16, 24, 1]})
    >>> trim_total(t, flag_trim_value=5)["ID"].tolist()
    [1, 3]
    """
    cols = flag_columns(table)
    if not cols or len(table) == 0:
        return table
    flags = np.column_stack([np.asarray(table[c], dtype=np.int64) for c in cols])
    bad = (flags > flag_trim_value) | (flags < 0)
    return table[~np.all(bad, axis=1)]


def flagged_fraction(flags: np.ndarray, *, flag_trim_value: int) -> float:
    """Fraction of rows flagged above ``flag_trim_value`` (0 for an empty catalogue)."""
    flags = np.asarray(flags, dtype=np.int64)
    return float(np.count_nonzero(flags > flag_trim_value)) / flags.size if flags.size else 0.0


def n_good_rows(table: Table) -> int:
    """Rows of a total catalogue with any ``Flags_<filter>`` in {0, 1} (spec's "good")."""
    cols = flag_columns(table)
    if not cols or len(table) == 0:
        return 0
    flags = np.column_stack([np.asarray(table[c], dtype=np.int64) for c in cols])
    return int(np.count_nonzero(np.any((flags >= 0) & (flags < 2), axis=1)))


def cr_rejection_threshold(crfactor: float, exposures: dict[str, tuple[int, float]],
                           total_exptime: float) -> float:
    """The spec's cosmic-ray rejection threshold ``crfactor · n1² / TEXPTIME``.

    ``n1`` is 0 when any filter has ≥ 2 exposures, else the summed exposure time of the
    (single-exposure) filters; a catalogue with 0 < good rows < threshold is rejected.

    Parameters
    ----------
    crfactor
        Detector and catalogue-type factor (e.g. ACS/WFC point 300, segment 150).
    exposures
        Filter → (number of exposures, summed exposure time in s).
    total_exptime
        Exposure time of the total product, s.

    Examples
    --------
    >>> cr_rejection_threshold(300, {"f606w": (1, 100.0)}, 100.0)
    30000.0
    >>> cr_rejection_threshold(300, {"f606w": (2, 200.0), "f814w": (1, 100.0)}, 300.0)
    0.0
    """
    if not exposures or total_exptime <= 0 or any(n >= 2 for n, _ in exposures.values()):
        return 0.0
    n1 = sum(t for _, t in exposures.values())
    return float(crfactor * n1 ** 2 / total_exptime)
