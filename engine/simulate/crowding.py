"""Crowded star fields: a 47 Tuc-like luminosity function and Gaia's crowding limit.

A crowded visit (``simulate_visit(crowding="crowded")``) looks at the outskirts of a massive
globular cluster: tens of thousands of stars per ACS/WFC chip drawn from a luminosity function
shaped like that of 47 Tucanae, a few hundred bright red giants and horizontal-branch stars
that saturate the CCDs (with bleed trails) and, fainter than the main-sequence turnoff, a
number of stars per magnitude that keeps rising to the faint end.

The luminosity function is *schematic* — a piecewise log-linear curve through the nodes of
``CLUSTER_LF_NODES`` plus a horizontal-branch clump — not a fit to star counts. What it is
based on:

* distance and horizontal branch: 47 Tuc's apparent distance modulus (m − M)_V = 13.37 and
  V_HB = 14.06 (Harris 1996, AJ 112, 1487; 2010 edition of the catalogue), so the HB sits at
  M_V ≈ 0.7; the main-sequence turnoff at V ≈ 17.6, M_V ≈ 4.3 (Hesser et al. 1987, PASP 99,
  739);
* red-giant branch: the differential RGB luminosity function of globular clusters rises
  about 0.3 dex per magnitude towards the base of the branch (the slope of theoretical and
  observed RGB LFs, e.g. Zoccali & Piotto 2000, A&A 358, 943); the tip of a metal-rich
  cluster's RGB is faint in V (M_V ≈ −1.5 here);
* horizontal branch: as many HB stars as 1.3 times the RGB stars brighter than the HB
  (the R parameter of globular clusters is about 1.2-1.5);
* subgiant branch and main sequence: a jump of about four in stars per magnitude from the
  base of the RGB to the subgiant branch, then counts rising slowly (≈ 0.1-0.2 dex/mag) down the
  main sequence to M_V ≈ 9-10, as in HST main-sequence luminosity functions of globular
  clusters (e.g. Piotto & Zoccali 1999, A&A 345, 485). The function stops at M_V = 10.5
  (V ≈ 24), far fainter than the stars that matter for alignment.

Gaia's crowding limit: Gaia's on-board resources handle about 1,050,000 objects per square
degree (Gaia Collaboration, Prusti et al. 2016, A&A 595, A1; from memory, not re-checked
here); in denser fields its catalogue keeps only the brightest stars. ``gaia_selection``
applies that limit to the simulated reference catalogue.
"""
from __future__ import annotations

import numpy as np

__all__ = ["CROWDING_MODES", "CLUSTER_DISTANCE_MODULUS_V", "CLUSTER_LF_NODES",
           "CLUSTER_HB_MV", "CLUSTER_HB_RATIO", "CROWDED_STARS_PER_ARCSEC2",
           "GAIA_MAX_DENSITY_DEG2", "cluster_luminosity_function", "cluster_stars",
           "gaia_selection"]

#: The crowding modes of ``simulate_visit``.
CROWDING_MODES = ("sparse", "crowded")
#: Apparent distance modulus (m − M)_V of 47 Tuc (Harris 1996, 2010 edition).
CLUSTER_DISTANCE_MODULUS_V = 13.37
#: (M_V, log10 stars per magnitude, arbitrary zero): RGB tip, RGB base, subgiant branch,
#: turnoff, upper and lower main sequence (schematic; see the module docstring).
CLUSTER_LF_NODES: tuple[tuple[float, float], ...] = (
    (-1.5, -2.0), (3.2, -0.6), (3.7, 0.0), (4.3, 0.25), (5.5, 0.35), (8.0, 0.75),
    (9.5, 0.9), (10.5, 0.85))
#: Absolute V magnitude and 1σ spread (mag) of the horizontal-branch clump.
CLUSTER_HB_MV, CLUSTER_HB_SIGMA = 0.69, 0.08
#: HB stars per RGB star brighter than the HB (the R parameter).
CLUSTER_HB_RATIO = 1.3
#: Default star density of a crowded visit: 30,000 stars per full ACS/WFC chip
#: (4096 × 2048 pixels of 0.05″) at the same density on every detector, per arcsec².
CROWDED_STARS_PER_ARCSEC2 = 30000 / (4096 * 2048 * 0.05 ** 2)
#: Gaia's crowding limit, objects per square degree.
GAIA_MAX_DENSITY_DEG2 = 1.05e6
_GRID_STEP = 0.01


def cluster_luminosity_function(m_v: np.ndarray) -> np.ndarray:
    """Stars per magnitude (arbitrary normalisation) at absolute V magnitude ``m_v``.

    Zero outside the nodes of ``CLUSTER_LF_NODES``; the HB clump is a Gaussian added on top.

    Examples
    --------
    >>> phi = cluster_luminosity_function(np.array([0.0, 3.0, 4.3, 8.0, 12.0]))
    >>> bool(phi[1] < phi[2] < phi[3]), float(phi[4])
    (True, 0.0)
    """
    m = np.asarray(m_v, dtype=float)
    nodes = np.array(CLUSTER_LF_NODES)
    inside = (m >= nodes[0, 0]) & (m <= nodes[-1, 0])
    phi = np.where(inside, 10.0 ** np.interp(m, nodes[:, 0], nodes[:, 1]), 0.0)
    grid = np.arange(nodes[0, 0], CLUSTER_HB_MV, _GRID_STEP)
    rgb_above_hb = float(np.sum(10.0 ** np.interp(grid, nodes[:, 0], nodes[:, 1])) * _GRID_STEP)
    hb = CLUSTER_HB_RATIO * rgb_above_hb / (CLUSTER_HB_SIGMA * np.sqrt(2 * np.pi)) * \
        np.exp(-0.5 * ((m - CLUSTER_HB_MV) / CLUSTER_HB_SIGMA) ** 2)
    return phi + hb


def cluster_stars(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``n`` cluster stars: apparent G magnitudes and the simulator's colour parameter.

    G is taken as V (the G − V of these stars is a few tenths of a magnitude, below what
    matters here); the colour parameter (``scene.star_mags``) follows the cluster sequence:
    red giants and HB stars red (≈ 1.0-1.3), the turnoff bluest (≈ 0.4), the lower main
    sequence redder again, with a 0.05 scatter.

    Examples
    --------
    >>> g, color = cluster_stars(np.random.default_rng(1), 20000)
    >>> m_v = g - CLUSTER_DISTANCE_MODULUS_V
    >>> bool((m_v < 3.2).mean() < 0.05), bool((m_v > 6).mean() > 0.6)
    (True, True)
    """
    nodes = np.array(CLUSTER_LF_NODES)
    grid = np.arange(nodes[0, 0], nodes[-1, 0] + _GRID_STEP, _GRID_STEP)
    cdf = np.cumsum(cluster_luminosity_function(grid))
    cdf /= cdf[-1]
    m_v = np.interp(rng.uniform(0.0, 1.0, n), cdf, grid)
    color = np.interp(m_v, [-1.5, 0.69, 3.2, 4.3, 6.0, 10.5], [1.3, 1.0, 0.9, 0.4, 0.6, 1.4])
    color = color + rng.normal(0.0, 0.05, n)
    return m_v + CLUSTER_DISTANCE_MODULUS_V, color


def gaia_selection(g_mag: np.ndarray, area_arcsec2: float, limit_mag: float) -> np.ndarray:
    """Stars a Gaia-like catalogue lists: G ≤ ``limit_mag`` and, where the field is denser
    than ``GAIA_MAX_DENSITY_DEG2``, only the brightest that fit under that density.

    Parameters
    ----------
    g_mag
        G magnitudes of every star drawn over ``area_arcsec2``.
    area_arcsec2
        Sky area the stars were drawn over.
    limit_mag
        Faint limit of the catalogue.

    Examples
    --------
    >>> g = np.linspace(15.0, 22.0, 1000)
    >>> int(gaia_selection(g, 3600.0 ** 2, 21.0).sum())       # 1 deg²: no crowding
    857
    >>> keep = gaia_selection(g, 600.0, 21.0)                  # 600 arcsec²: 48 fit
    >>> int(keep.sum()), float(g[keep].max()) < 15.4
    (48, True)
    """
    g = np.asarray(g_mag, dtype=float)
    keep = g <= limit_mag
    capacity = int(GAIA_MAX_DENSITY_DEG2 * area_arcsec2 / 3600.0 ** 2)
    if keep.sum() > capacity:
        order = np.argsort(g, kind="stable")
        keep = np.zeros(g.size, bool)
        keep[order[:capacity]] = True
        keep &= g <= limit_mag
    return keep
