"""Gaia-DR3-like astrometry of the simulated stars: field proper motions and catalogue errors.

The reference catalogue of a simulated visit stands for Gaia DR3 (whose astrometry is that of
Gaia EDR3): positions at the reference epoch J2016.0 and proper motions, each with the formal
uncertainty a star of its G magnitude has, and wrong by an error drawn from that uncertainty.
The images show the stars where they truly are at the visit's epoch.

Typical formal uncertainties of five-parameter solutions used here (position per axis at
J2016.0, proper motion per axis). Source, checked for this table: the Gaia EDR3 documentation,
executive summary, "basic quality statistics" (https://gea.esac.esa.int/archive/documentation/
GEDR3/, "typical uncertainty", epoch J2016.0 TCB). Gaia DR3 reuses the EDR3 astrometry
(Gaia Collaboration, Vallenari et al. 2023, A&A 674, A1); the EDR3 summary paper (Gaia
Collaboration, Brown et al. 2021, A&A 649, A1) and Lindegren et al. 2021, A&A 649, A2 (Sect. 4,
medians per magnitude bin) give the underlying statistics (not re-read for this table).

====  ==================  ===================
G     σ_pos (mas)         σ_pm (mas/yr)
====  ==================  ===================
≤ 15  0.015 (0.01-0.02)   0.025 (0.02-0.03)
17    0.05                0.07
20    0.4                 0.5
21    1.0                 1.4
====  ==================  ===================

The same summary lists parallax uncertainties of 0.02-0.03, 0.07, 0.5 and 1.3 mas at these
G: those (not the position row) are the 0.07/0.5/1.3 sometimes quoted for positions.
Six-parameter solutions (no reliable colour, common in crowded fields) are somewhat worse at
the bright end (position 0.02-0.03 mas at G < 15, 0.08 mas at G = 17; the same 0.4 and 1.0 mas
at G = 20 and 21); they are not modelled separately.

Between the rows log σ is interpolated linearly in G; brighter than G = 15 the G = 15 values
hold, fainter than 21 the last slope continues. Each star's listed uncertainty scatters about
the median by ``SCATTER_DEX`` (the catalogue's 10th-90th percentiles span roughly a factor 2 at
a given G); its actual error is drawn from a normal distribution with the listed σ.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["GAIA_DR3_UNCERTAINTIES", "SCATTER_DEX", "DEFAULT_PM_MEAN_MAS_YR",
           "DEFAULT_PM_DISPERSION_MAS_YR", "CatalogAstrometry", "gaia_uncertainties",
           "draw_catalog_astrometry"]

#: (G, σ_pos mas, σ_pm mas/yr) per axis at J2016.0: Gaia EDR3/DR3 five-parameter typical
#: uncertainties (Gaia EDR3 documentation, executive summary; Brown et al. 2021, Table 4).
GAIA_DR3_UNCERTAINTIES: tuple[tuple[float, float, float], ...] = (
    (15.0, 0.015, 0.025), (17.0, 0.05, 0.07), (20.0, 0.4, 0.5), (21.0, 1.0, 1.4))
#: Log-normal scatter (dex, 1σ) of a star's listed uncertainty about the median at its G.
SCATTER_DEX = 0.1
#: Default mean proper motion of the field (μα·cosδ, μδ), mas/yr: the reflex of the Sun's motion
#: seen in a high-latitude field such as GOODS-South is a few mas/yr.
DEFAULT_PM_MEAN_MAS_YR = (1.5, -3.0)
#: Default dispersion (per axis, 1σ) of the stars' proper motions about the field mean, mas/yr.
DEFAULT_PM_DISPERSION_MAS_YR = 5.0


def gaia_uncertainties(g_mag: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Median Gaia DR3 uncertainties per axis at G: (position in mas, proper motion in mas/yr).

    Examples
    --------
    >>> pos, pm = gaia_uncertainties(np.array([12.0, 17.0, 21.0]))
    >>> pos.round(3).tolist(), pm.round(3).tolist()
    ([0.015, 0.05, 1.0], [0.025, 0.07, 1.4])
    """
    g = np.asarray(g_mag, dtype=float)
    nodes = np.array(GAIA_DR3_UNCERTAINTIES)
    out = []
    for col in (1, 2):
        logs = np.log10(nodes[:, col])
        slope = (logs[-1] - logs[-2]) / (nodes[-1, 0] - nodes[-2, 0])
        value = np.interp(g, nodes[:, 0], logs)
        value = np.where(g > nodes[-1, 0], logs[-1] + slope * (g - nodes[-1, 0]), value)
        out.append(10.0 ** value)
    return out[0], out[1]


@dataclass(frozen=True)
class CatalogAstrometry:
    """What the reference catalogue lists for each star (J2016.0), errors included."""

    ra_2016: np.ndarray
    """Listed RA at J2016.0 (degrees): the true one plus the drawn error."""
    dec_2016: np.ndarray
    pmra: np.ndarray
    """Listed μα·cosδ (mas/yr): the true one plus the drawn error."""
    pmdec: np.ndarray
    ra_error: np.ndarray
    """Listed σ of RA·cosδ (mas)."""
    dec_error: np.ndarray
    pmra_error: np.ndarray
    """Listed σ of μα·cosδ (mas/yr)."""
    pmdec_error: np.ndarray
    errors_applied: bool = True
    """False: the listed values are the true ones and the uncertainties 0 (an exact
    catalogue)."""


def draw_catalog_astrometry(rng: np.random.Generator, *, ra_2016: np.ndarray,
                            dec_2016: np.ndarray, pmra: np.ndarray, pmdec: np.ndarray,
                            g_mag: np.ndarray, apply_errors: bool) -> CatalogAstrometry:
    """Listed uncertainties for every star and, if ``apply_errors``, the errors themselves.

    Parameters
    ----------
    rng
        Generator of the catalogue draws only (the scene's other draws do not depend on it).
    ra_2016, dec_2016, pmra, pmdec
        True positions at J2016.0 (degrees) and proper motions (mas/yr).
    g_mag
        G magnitudes.
    apply_errors
        False: an exact catalogue, listing the true values with zero uncertainties.

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> cat = draw_catalog_astrometry(rng, ra_2016=np.zeros(4000), dec_2016=np.zeros(4000),
    ...                               pmra=np.zeros(4000), pmdec=np.zeros(4000),
    ...                               g_mag=np.full(4000, 20.0), apply_errors=True)
    >>> z = cat.dec_2016 * 3.6e6 / cat.dec_error
    >>> bool(0.95 < z.std() < 1.05), bool(np.median(cat.pmra_error).round(2) == 0.5)
    (True, True)
    """
    n = np.asarray(g_mag).size
    pos, pm = gaia_uncertainties(g_mag)
    factor = 10.0 ** rng.normal(0.0, SCATTER_DEX, (4, n))
    if not apply_errors:
        factor = np.zeros((4, n))
    ra_err, dec_err = pos * factor[0], pos * factor[1]
    pmra_err, pmdec_err = pm * factor[2], pm * factor[3]
    noise = rng.standard_normal((4, n)) if apply_errors else np.zeros((4, n))
    dec = np.asarray(dec_2016) + noise[1] * dec_err / 3.6e6
    cosd = np.cos(np.radians(dec_2016))
    ra = (np.asarray(ra_2016) + noise[0] * ra_err / 3.6e6 / cosd) % 360.0
    return CatalogAstrometry(ra_2016=ra, dec_2016=dec, pmra=np.asarray(pmra) + noise[2] * pmra_err,
                             pmdec=np.asarray(pmdec) + noise[3] * pmdec_err, ra_error=ra_err,
                             dec_error=dec_err, pmra_error=pmra_err, pmdec_error=pmdec_err,
                             errors_applied=apply_errors)
