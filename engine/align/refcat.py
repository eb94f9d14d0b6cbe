"""Astrometric reference catalogues: one column set for every source, epoch propagation."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
from astropy import units as u
from astropy.io import ascii
from astropy.table import Table

from hapsvm.errors import InputError

__all__ = ["ReferenceCatalog", "CatalogRequest", "catalog_from_table", "read_catalog_file",
           "read_service_csv", "decimal_year", "COLUMN_ALIASES", "ERROR_ALIASES",
           "SERVICE_REFERENCE_EPOCH"]


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
#: Uncertainty columns (lower case) with the unit assumed when the column has none: Gaia's are
#: in mas and mas/yr, GSC 2.4's ``raErr``/``decErr`` in arcsec and its motion errors in mas/yr.
ERROR_ALIASES: dict[str, tuple[tuple[str, float], ...]] = {
    "ra_error": (("ra_error", 1.0), ("ra_error_mas", 1.0), ("e_ra_icrs", 1.0),
                 ("raerr", 1000.0)),
    "dec_error": (("dec_error", 1.0), ("dec_error_mas", 1.0), ("e_de_icrs", 1.0),
                  ("decerr", 1000.0)),
    "pmra_error": (("pmra_error", 1.0), ("e_pmra", 1.0), ("rapmerr", 1.0)),
    "pmdec_error": (("pmdec_error", 1.0), ("e_pmde", 1.0), ("decpmerr", 1.0)),
}
#: Epoch of the positions whose uncertainties a service reply lists when the service itself
#: moved the positions to the requested epoch (Gaia DR3: J2016.0).
SERVICE_REFERENCE_EPOCH = 2016.0


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
    apply_proper_motions: bool = True
    """False: the catalogue's positions as they are (no EPOCH asked of the service)."""


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
    position_error_mas
        1σ position uncertainty per axis at ``epoch_year`` (mas): the listed position error
        and the proper-motion error times the years between, in quadrature; NaN where the
        catalogue lists none, ``None`` when it has no error columns at all.
    """

    name: str
    ra: np.ndarray
    dec: np.ndarray
    mag: np.ndarray
    epoch_year: float
    origin: str = ""
    notes: list[str] = field(default_factory=list)
    position_error_mas: np.ndarray | None = None

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
        err = None if self.position_error_mas is None else self.position_error_mas[keep]
        return ReferenceCatalog(self.name, self.ra[keep], self.dec[keep], self.mag[keep],
                                self.epoch_year, self.origin, list(self.notes), err)


def _separation_deg(ra: np.ndarray, dec: np.ndarray, ra0: float, dec0: float) -> np.ndarray:
    r1, d1, r0, d0 = (np.radians(v) for v in (ra, dec, ra0, dec0))
    hav = np.sin((d1 - d0) / 2) ** 2 + np.cos(d1) * np.cos(d0) * np.sin((r1 - r0) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(hav, 0, 1))))


def _floats(col: Any) -> np.ndarray:
    if col.dtype.kind in "fiub":
        return np.asarray(np.ma.filled(np.ma.asarray(col, dtype=float), np.nan))
    return np.array([_to_float(v) for v in np.ma.filled(np.ma.asarray(col), "")], dtype=float)


def _column(table: Table, key: str) -> np.ndarray | None:
    lower = {c.lower(): c for c in table.colnames}
    for alias in COLUMN_ALIASES[key]:
        if alias in lower:
            return _floats(table[lower[alias]])
    return None


def _error_column(table: Table, key: str) -> np.ndarray | None:
    """An uncertainty column in mas (position) or mas/yr (motion); its unit wins if it has one."""
    lower = {c.lower(): c for c in table.colnames}
    target = u.mas if key in ("ra_error", "dec_error") else u.mas / u.yr
    for alias, scale in ERROR_ALIASES[key]:
        if alias in lower:
            col = table[lower[alias]]
            unit = getattr(col, "unit", None)
            if unit is not None:
                try:
                    scale = float((1.0 * u.Unit(unit)).to_value(target))
                except (u.UnitsError, ValueError, TypeError):
                    pass
            return _floats(col) * scale
    return None


def _axis_variance(a: np.ndarray | None, b: np.ndarray | None) -> np.ndarray | None:
    """Mean of two per-axis variances (either may be missing; NaN where neither is known)."""
    if a is None and b is None:
        return None
    a2 = None if a is None else np.square(a)
    b2 = None if b is None else np.square(b)
    both = np.vstack([v for v in (a2, b2) if v is not None])
    with np.errstate(invalid="ignore"):
        valid = np.isfinite(both) & (both >= 0)
        n = valid.sum(axis=0)
        return np.where(n > 0, np.where(valid, both, 0.0).sum(axis=0) / np.maximum(n, 1),
                        np.nan)


def _position_errors(table: Table, years: np.ndarray) -> np.ndarray | None:
    """Per-axis 1σ position error (mas) ``years`` after the catalogue's epoch."""
    pos = _axis_variance(_error_column(table, "ra_error"), _error_column(table, "dec_error"))
    if pos is None:
        return None
    pm = _axis_variance(_error_column(table, "pmra_error"), _error_column(table, "pmdec_error"))
    if pm is not None:
        pos = pos + np.where(np.isfinite(pm), pm, 0.0) * np.square(years)
    return np.sqrt(pos)


def _to_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")


def catalog_from_table(table: Table, *, name: str, epoch_year: float, origin: str = "",
                       already_at_epoch: bool = False, propagate: bool = True) -> ReferenceCatalog:
    """Normalise a table's columns and propagate positions and their errors to ``epoch_year``.

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
        The positions are already at ``epoch_year`` (a service applied the motions); their
        listed errors are taken to be at ``SERVICE_REFERENCE_EPOCH``.
    propagate
        False: positions and errors are taken as they are (no proper motion applied).

    Uncertainty columns (``ERROR_ALIASES``) give ``position_error_mas``:
    √(σ_pos² + (Δt·σ_pm)²) per axis, Δt the years from the positions' epoch to ``epoch_year``.

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
    >>> t = Table({"ra": [10.0], "dec": [0.0], "pmra": [0.0], "pmdec": [0.0], "ra_error": [0.3],
    ...            "dec_error": [0.3], "pmra_error": [0.5], "pmdec_error": [0.5],
    ...            "ref_epoch": [2016.0]})
    >>> catalog_from_table(t, name="X", epoch_year=2008.0).position_error_mas.round(3).tolist()
    [4.011]
    """
    ra, dec = _column(table, "ra"), _column(table, "dec")
    if ra is None or dec is None:
        raise InputError(f"catalogue has no RA/Dec columns (columns: {table.colnames})",
                         file=origin or None)
    good = np.isfinite(ra) & np.isfinite(dec)
    mag = _column(table, "mag")
    mag = np.full(ra.shape, np.nan) if mag is None else mag
    notes: list[str] = []
    years = np.zeros(ra.shape)
    if already_at_epoch and propagate:
        years = np.full(ra.shape, epoch_year - SERVICE_REFERENCE_EPOCH)
    elif propagate:
        ra, dec, note, years = _propagate(table, ra, dec, epoch_year)
        if note:
            notes.append(note)
    else:
        notes.append("proper motions not applied")
    err = _position_errors(table, years)
    return ReferenceCatalog(name=name, ra=ra[good], dec=dec[good], mag=mag[good],
                            epoch_year=epoch_year, origin=origin, notes=notes,
                            position_error_mas=None if err is None else err[good])


def _propagate(table: Table, ra: np.ndarray, dec: np.ndarray,
               epoch_year: float) -> tuple[np.ndarray, np.ndarray, str, np.ndarray]:
    """Positions moved to ``epoch_year``, a note, and the years each was moved (0: not)."""
    pmra, pmdec, ref = _column(table, "pmra"), _column(table, "pmdec"), _column(table, "epoch")
    if pmra is None or pmdec is None or ref is None:
        return ra, dec, "", np.zeros(ra.shape)
    dt = epoch_year - _epoch_to_year(ref)
    known = np.isfinite(pmra) & np.isfinite(pmdec) & np.isfinite(dt)
    pmra = np.where(known, pmra, 0.0)
    pmdec = np.where(known, pmdec, 0.0)
    dt = np.where(known, dt, 0.0)
    cosd = np.cos(np.radians(dec))
    new_dec = dec + pmdec * dt / 3.6e6
    new_ra = ra + pmra * dt / 3.6e6 / np.where(np.abs(cosd) > 1e-9, cosd, 1e-9)
    moved = np.count_nonzero((pmra != 0) | (pmdec != 0))
    return new_ra, new_dec, f"{moved} proper motions applied to epoch {epoch_year:.3f}", dt


def read_catalog_file(path: Path, *, name: str, epoch_year: float,
                      propagate: bool = True) -> ReferenceCatalog:
    """Read a local catalogue (ECSV, CSV or FITS table) and bring it to ``epoch_year``
    (``propagate=False``: positions as listed).

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
    return catalog_from_table(table, name=name, epoch_year=epoch_year, origin=str(path),
                              propagate=propagate)


def read_service_csv(text: str, *, name: str, epoch_year: float, origin: str,
                     already_at_epoch: bool, propagate: bool = True) -> ReferenceCatalog:
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
                              already_at_epoch=already_at_epoch, propagate=propagate)
