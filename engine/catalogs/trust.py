"""Which point-catalogue rows a user can trust: the ``Trusted`` column (1 = trusted).

The spec's catalogues keep every detection of the total image, and most of a sparse field's
rows are noise peaks and cosmic-ray residuals (on a simulated full-size UVIS visit ~85 % of
2,248 rows match no true source). A row of a filter catalogue is trusted when

1. its aperture-2 S/N is at least ``trust_min_snr``;
2. it has neither flag 16 (hot pixel or too compact: cosmic rays) nor flag 64 (edge, few
   exposures: cosmic rays survive there);
3. with two or more filter products, its aperture-2 S/N in another filter is at least
   ``trust_other_snr`` (a cosmic-ray residual of one exposure shows in one filter only; so
   does a real source of extreme colour, which is then not trusted);
4. it is not an extended row within ``trust_wing_radius_arcsec`` of a source at least
   ``trust_wing_flux_ratio`` times brighter in aperture 2 (a detection in that source's wing).
   Extended here means a CI more than ``trust_extended_ci`` above the catalogue's stellar CI
   (its header's ``Stellar CI``), or flag 1 when the image has too few bright stars for one:
   the spec's fixed CI limits can call every star of an image extended (drizzled WFC3/IR),
   and the rule would then drop every star near a bright one.
5. it has a peak at its position: its CI is at most that of a flat profile,
   5·log10(r2 / r1) for apertures of radii r1 < r2 (a larger CI means aperture 1 holds less
   light per unit area than the ring around it: a position on a bright star's ring or
   diffraction spike, or beside the source); rows near saturated input pixels are exempt (a
   saturated core left empty by the drizzle has no peak either).

Saturated rows (flag 4) can be trusted: the source is real, its photometry is not (the flag
says so). The total catalogue's ``Trusted`` is 1 when the row is trusted in any filter.
"""
from __future__ import annotations

import numpy as np
from astropy.table import Table
from scipy.spatial import cKDTree

from hapsvm.catalogs.flags import COMPACT
from hapsvm.catalogs.flags import EDGE
from hapsvm.catalogs.flags import EXTENDED
from hapsvm.catalogs.point_catalog import STELLAR_CI_KEY

__all__ = ["TRUST_NOTES", "trust_notes", "trusted_rows"]

#: Header text of the ``Trusted`` column (numbers filled in by ``trust_notes``).
TRUST_NOTES = (
    "Trusted = 1: a real source by these tests (else 0): aperture-2 S/N >= {min_snr};",
    "no flag 16 or 64; S/N >= {other_snr} in another filter when the detector has several;",
    "not an extended row (CI > Stellar CI + {ci}, else flag 1) within {radius}\" of a source",
    "{ratio}x brighter (a wing detection); CI <= 5 log10(r2/r1) unless near saturated pixels",
    "(no peak at the position: a ring, a diffraction spike).",
    "Saturated rows (flag 4) may be trusted: the source is real, its photometry is not.",
)


def _snr(table: Table) -> np.ndarray:
    flux, err = np.asarray(table["FluxAp2"], float), np.asarray(table["FluxErrAp2"], float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(err > 0, flux / err, np.nan)


def _extended(table: Table, ci_margin: float) -> np.ndarray:
    """CI above the stellar CI by more than ``ci_margin`` (missing CI: extended), or flag 1."""
    locus = table.meta.get(STELLAR_CI_KEY)
    if locus is None or not np.isfinite(locus) or "CI" not in table.colnames:
        return (np.asarray(table["Flags"], int) & EXTENDED) != 0
    ci = np.asarray(table["CI"], float)
    with np.errstate(invalid="ignore"):
        return ~(ci <= float(locus) + ci_margin)


def _wing_rows(table: Table, *, radius_px: float, ratio: float, ci_margin: float
               ) -> np.ndarray:
    """Extended rows with a ``ratio`` times brighter source within ``radius_px``."""
    x, y = np.asarray(table["X-Center"], float), np.asarray(table["Y-Center"], float)
    flux = np.nan_to_num(np.asarray(table["FluxAp2"], float), nan=0.0)
    extended = _extended(table, ci_margin)
    out = np.zeros(len(table), bool)
    if len(table) < 2 or radius_px <= 0:
        return out
    tree = cKDTree(np.column_stack([x, y]))
    for i in np.flatnonzero(extended):
        near = tree.query_ball_point([x[i], y[i]], radius_px)
        out[i] = any(j != i and flux[j] >= ratio * max(flux[i], 0.0) and flux[j] > 0
                     for j in near)
    return out


def trusted_rows(tables: list[Table], *, pixel_scale_arcsec: float, min_snr: float,
                 other_snr: float, wing_radius_arcsec: float, wing_flux_ratio: float,
                 extended_ci: float = 0.3, aperture_ratio: float | None = None,
                 saturated: list[np.ndarray] | None = None) -> list[np.ndarray]:
    """The ``Trusted`` mask of each filter point catalogue of one detector.

    Parameters
    ----------
    tables
        The filter point catalogues (same rows, same order: forced photometry at the total
        catalogue's positions), with ``FluxAp2``, ``FluxErrAp2``, ``Flags``, ``X-Center`` and
        ``Y-Center``.
    pixel_scale_arcsec
        Pixel scale of the products, arcsec.
    min_snr, other_snr, wing_radius_arcsec, wing_flux_ratio, extended_ci
        The tests of the module docstring.
    aperture_ratio
        r2 / r1 of the two apertures, for test 5 (None: no test 5).
    saturated
        Per table, the rows near saturated input pixels (exempt from test 5).

    Returns
    -------
    list of numpy.ndarray
        One bool array per table.

    Examples
    --------
    >>> t = Table({"X-Center": [10.0, 50.0, 52.0], "Y-Center": [10.0, 50.0, 50.0],
    ...            "FluxAp2": [100.0, 1000.0, 20.0], "FluxErrAp2": [10.0, 10.0, 2.0],
    ...            "Flags": [0, 0, 1]})
    >>> [m.tolist() for m in trusted_rows([t], pixel_scale_arcsec=0.1, min_snr=5,
    ...                                   other_snr=3, wing_radius_arcsec=1.0,
    ...                                   wing_flux_ratio=10)]
    [[True, True, False]]
    """
    snrs = [_snr(t) for t in tables]
    out = []
    for k, table in enumerate(tables):
        flags = np.asarray(table["Flags"], int)
        with np.errstate(invalid="ignore"):
            ok = (snrs[k] >= min_snr) & ((flags & (COMPACT | EDGE)) == 0)
            if len(tables) > 1:
                others = np.vstack([s for j, s in enumerate(snrs) if j != k])
                ok &= np.max(np.where(np.isfinite(others), others, -np.inf), axis=0) >= \
                    other_snr
        ok &= ~_wing_rows(table, radius_px=wing_radius_arcsec / pixel_scale_arcsec,
                          ratio=wing_flux_ratio, ci_margin=extended_ci)
        if aperture_ratio is not None and "CI" in table.colnames:
            with np.errstate(invalid="ignore"):
                no_peak = np.asarray(table["CI"], float) > 5 * np.log10(aperture_ratio)
            if saturated is not None:
                no_peak &= ~saturated[k]
            ok &= ~no_peak
        out.append(ok)
    return out


def trust_notes(*, min_snr: float, other_snr: float, wing_radius_arcsec: float,
                wing_flux_ratio: float, extended_ci: float = 0.3) -> list[str]:
    """The header lines describing ``Trusted`` with this catalogue's values."""
    return [line.format(min_snr=min_snr, other_snr=other_snr, radius=wing_radius_arcsec,
                        ratio=wing_flux_ratio, ci=extended_ci) for line in TRUST_NOTES]
