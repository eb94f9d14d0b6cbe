"""Astrometric reference catalogues: one column set for every source, epoch propagation."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from astropy.io import ascii
from astropy.table import Table

from hapsvm.errors import InputError

__all__ = ["ReferenceCatalog", "CatalogRequest", "catalog_from_table", "read_catalog_file",
           "read_service_csv", "decimal_year", "COLUMN_ALIASES"]

log = logging.getLogger(__name__)

#: Accepted source column names (lower case) for each common column (spec §5.2 renaming).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "ra": ("ra", "ra_icrs", "raj2000", "ra_deg"),
    "dec": ("dec", "de_icrs", "dej2000", "dec_deg", "de"),
    "ra_error": ("ra_error", "raerr", "ra_err", "e_ra", "ra_error_mas"),
    "dec_error": ("dec_error", "decerr", "dec_err", "e_dec", "dec_error_mas"),
    "pmra": ("pmra", "rapm", "pm_ra"),
    "pmdec": ("pmdec", "decpm", "pm_dec"),
    "epoch": ("ref_epoch", "epoch", "jdate", "epoch_year"),
    "mag": ("mag", "phot_g_mean_mag", "gmag", "jmag", "fpgmag"),
    "object_id": ("objid", "source_id", "id"),
}


def decimal_year(mjd: float) -> float:
    """Julian-year epoch of a Modified Julian Date (J2000.0 = MJD 51544.5).

    Examples
    --------
    >>> round(decimal_year(51544.5), 3), round(decimal_year(55107.5), 3)
    (2000.0, 2009.755)
    """
    return 2000.0 + (float(mjd) - 51544.5) / 365.25


def _epoch_to_year(values: np.ndarray) -> np.ndarray:
    """Convert JD (> 2400000) or MJD (> 10000) epochs to decimal years (spec §5.2)."""
    out = np.asarray(values, dtype=float).copy()
    jd = out > 2400000
    out[jd] -= 2400000.5
    mjd = out > 10000
    out[mjd] = 2000.0 + (out[mjd] - 51544.5) / 365.25
    return out


@dataclass(frozen=True)
class CatalogRequest:
    """One cone search: which catalogue, where, how wide, for which epoch."""

    catalog: str
    ra_deg: float
    dec_deg: float
    radius_deg: float
    epoch_year: float


@dataclass(frozen=True)
class ReferenceCatalog:
    """Reference positions at the exposures' epoch, with magnitudes where given.

    Attributes
    ----------
    name
        Catalogue name (``GAIAeDR3``...), used in ``WCSNAME``.
    ra, dec
        Positions in degrees at ``epoch_year`` (after proper-motion propagation).
    mag
        Magnitudes (NaN where unknown).
    origin
        Where the rows came from (file path, service URL or cache entry).
    """

    name: str
    ra: np.ndarray
    dec: np.ndarray
    mag: np.ndarray
    epoch_year: float
    origin: str = ""
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return int(self.ra.size)

    def to_table(self) -> Table:
        """The tweakwcs form: columns ``RA``, ``DEC``, ``mag`` (degrees, magnitudes)."""
        table = Table([self.ra, self.dec, self.mag], names=("RA", "DEC", "mag"))
        table.meta["name"] = self.name
        return table

    def within(self, ra_deg: float, dec_deg: float, radius_deg: float) -> ReferenceCatalog:
        """The rows within ``radius_deg`` of a centre (great-circle distance)."""
        keep = _separation_deg(self.ra, self.dec, ra_deg, dec_deg) <= radius_deg
        return ReferenceCatalog(self.name, self.ra[keep], self.dec[keep], self.mag[keep],
                                self.epoch_year, self.origin, list(self.notes))


def _separation_deg(ra: np.ndarray, dec: np.ndarray, ra0: float, dec0: float) -> np.ndarray:
    r1, d1, r0, d0 = (np.radians(v) for v in (ra, dec, ra0, dec0))
    hav = np.sin((d1 - d0) / 2) ** 2 + np.cos(d1) * np.cos(d0) * np.sin((r1 - r0) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(hav, 0, 1))))


def _column(table: Table, key: str) -> np.ndarray | None:
    lower = {c.lower(): c for c in table.colnames}
    for alias in COLUMN_ALIASES[key]:
        if alias in lower:
            col = table[lower[alias]]
            if col.dtype.kind in "fiub":
                return np.asarray(np.ma.filled(np.ma.asarray(col, dtype=float), np.nan))
            return np.array([_to_float(v) for v in np.ma.filled(np.ma.asarray(col), "")],
                            dtype=float)
    return None


def _to_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def catalog_from_table(table: Table, *, name: str, epoch_year: float, origin: str = "",
                       already_at_epoch: bool = False) -> ReferenceCatalog:
    """Normalise a table's columns and propagate positions to ``epoch_year``.

    Parameters
    ----------
    table
        Rows with at least right ascension and declination (degrees); proper motions
        (``pmra`` = μα·cosδ, ``pmdec``, mas/yr), their reference epoch (decimal year, JD or MJD)
        and magnitudes are used when present (names in ``COLUMN_ALIASES``, any case).
    name
        Catalogue name.
    epoch_year
        Epoch of the observation (decimal year).
    origin
        Where the table came from, for messages.
    already_at_epoch
        The positions are already at ``epoch_year`` (a service applied the motions).

    Raises
    ------
    InputError
        If right ascension or declination is missing.

    Examples
    --------
    >>> t = Table({"ra": [10.0], "dec": [0.0], "pmra": [3600.0], "pmdec": [0.0],
    ...            "ref_epoch": [2016.0]})
    >>> cat = catalog_from_table(t, name="X", epoch_year=2017.0)
    >>> round(float((cat.ra[0] - 10.0) * 3600), 6)   # 3600 mas/yr × 1 yr
    3.6
    """
    ra, dec = _column(table, "ra"), _column(table, "dec")
    if ra is None or dec is None:
        raise InputError(f"catalogue has no RA/Dec columns (columns: {table.colnames})",
                         file=origin or None)
    good = np.isfinite(ra) & np.isfinite(dec)
    mag = _column(table, "mag")
    mag = np.full(ra.shape, np.nan) if mag is None else mag
    notes: list[str] = []
    if not already_at_epoch:
        ra, dec, note = _propagate(table, ra, dec, epoch_year)
        if note:
            notes.append(note)
    return ReferenceCatalog(name=name, ra=ra[good], dec=dec[good], mag=mag[good],
                            epoch_year=epoch_year, origin=origin, notes=notes)


def _propagate(table: Table, ra: np.ndarray, dec: np.ndarray,
               epoch_year: float) -> tuple[np.ndarray, np.ndarray, str]:
    pmra, pmdec, ref = _column(table, "pmra"), _column(table, "pmdec"), _column(table, "epoch")
    if pmra is None or pmdec is None or ref is None:
        return ra, dec, ""
    dt = epoch_year - _epoch_to_year(ref)
    pmra = np.where(np.isfinite(pmra) & np.isfinite(dt), pmra, 0.0)
    pmdec = np.where(np.isfinite(pmdec) & np.isfinite(dt), pmdec, 0.0)
    dt = np.where(np.isfinite(dt), dt, 0.0)
    cosd = np.cos(np.radians(dec))
    new_dec = dec + pmdec * dt / 3.6e6
    new_ra = ra + pmra * dt / 3.6e6 / np.where(np.abs(cosd) > 1e-9, cosd, 1e-9)
    moved = np.count_nonzero((pmra != 0) | (pmdec != 0))
    return new_ra, new_dec, f"{moved} proper motions applied to epoch {epoch_year:.3f}"


def read_catalog_file(path: Path, *, name: str, epoch_year: float) -> ReferenceCatalog:
    """Read a local catalogue (ECSV, CSV or FITS table) and bring it to ``epoch_year``.

    Raises
    ------
    InputError
        If the file is missing, unreadable or has no RA/Dec columns.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError("reference catalogue file does not exist", file=path)
    suffix = "".join(path.suffixes).lower()
    fmt = "ascii.ecsv" if suffix.endswith(".ecsv") else \
        "fits" if suffix.endswith((".fits", ".fit", ".fits.gz")) else "ascii.csv"
    try:
        table = Table.read(path, format=fmt)
    except Exception as err:  # noqa: BLE001 - astropy raises many types; re-raised with context
        raise InputError(f"cannot be read as {fmt} ({err})", file=path) from err
    return catalog_from_table(table, name=name, epoch_year=epoch_year, origin=str(path))


def read_service_csv(text: str, *, name: str, epoch_year: float, origin: str,
                     already_at_epoch: bool) -> ReferenceCatalog:
    """Parse a catalogue-service reply: the first line is discarded, the rest is CSV.

    Raises
    ------
    InputError
        If the reply has no data lines or its CSV cannot be parsed.
    """
    lines = text.splitlines()
    body = "\n".join(line for line in lines[1:] if line.strip())
    if not body:
        raise InputError("catalogue service reply holds no CSV table", file=origin)
    try:
        table = Table(ascii.read(body.splitlines(), format="csv"))
    except Exception as err:  # noqa: BLE001 - astropy raises many types; re-raised with context
        raise InputError(f"catalogue service reply is not valid CSV ({err})",
                         file=origin) from err
    return catalog_from_table(table, name=name, epoch_year=epoch_year, origin=origin,
                              already_at_epoch=already_at_epoch)
