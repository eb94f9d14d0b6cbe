"""The simulated sky: Gaia-like stars with proper motions and Sérsic galaxies, and their tables."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.table import Table

from hapsvm.simulate.astrometry import CatalogAstrometry
from hapsvm.simulate.crowding import cluster_stars
from hapsvm.simulate.crowding import gaia_selection
from hapsvm.simulate.filters import FilterInfo
from hapsvm.simulate.filters import ab_zeropoint
from hapsvm.simulate.geometry import tan_point

__all__ = ["GAIA_EPOCH", "GAIA_LIMIT_MAG", "Scene", "make_scene", "star_mags", "galaxy_mags",
           "fluxes_e_s", "write_reference_catalogs", "sources_table"]

#: Reference epoch of the simulated Gaia catalogue (decimal year).
GAIA_EPOCH = 2016.0
#: Faintest G magnitude in the reference catalogue.
GAIA_LIMIT_MAG = 21.0
_MAS_PER_DEG = 3.6e6


@dataclass(frozen=True)
class Scene:
    """Stars (positions at ``GAIA_EPOCH`` and at ``epoch``) and galaxies of the field."""

    epoch: float
    """Decimal year of the visit (first exposure start); star positions ``ra``/``dec`` are there."""
    ra_2016: np.ndarray
    dec_2016: np.ndarray
    pmra: np.ndarray
    """Proper motion in RA·cosδ, mas/yr."""
    pmdec: np.ndarray
    ra: np.ndarray
    dec: np.ndarray
    g_mag: np.ndarray
    color: np.ndarray
    """Colour parameter: mag(λ) = G + color · (6400 Å − λ) / 4000 Å."""
    obj_id: np.ndarray
    gal_ra: np.ndarray
    gal_dec: np.ndarray
    gal_mag: np.ndarray
    """Galaxy AB magnitude at 6000 Å."""
    gal_color: np.ndarray
    gal_shape: np.ndarray
    """(n, 4): Sérsic n, r_eff (arcsec), axis ratio b/a, position angle (deg E of N)."""
    in_gaia: np.ndarray | None = None
    """Stars the reference catalogue lists in a crowded field (``crowding.gaia_selection``:
    G ≤ 21 and only the brightest Gaia's crowding limit allows); None: every G ≤ 21."""
    catalog: CatalogAstrometry | None = None
    """What the reference catalogue lists for each star (``simulate.astrometry``); None until
    drawn (after the scene is cut to the chips)."""

    @property
    def in_reference(self) -> np.ndarray:
        """Boolean mask of the stars listed in the reference catalogue."""
        if self.in_gaia is not None:
            return self.in_gaia
        return self.g_mag <= GAIA_LIMIT_MAG


def _power_law_mags(rng: np.random.Generator, n: int, lo: float, hi: float,
                    slope: float) -> np.ndarray:
    a, b = 10 ** (slope * lo), 10 ** (slope * hi)
    return np.log10(a + rng.uniform(0, 1, n) * (b - a)) / slope


def make_scene(rng: np.random.Generator, *, center: tuple[float, float],
               box_arcsec: tuple[float, float, float, float], star_density: float,
               galaxy_density: float, epoch: float,
               pm_mean_mas_yr: tuple[float, float] = (0.0, 0.0),
               pm_dispersion_mas_yr: float = 5.0, cluster: bool = False) -> Scene:
    """Draw stars and galaxies uniformly in a tangent-plane box around ``center``.

    Parameters
    ----------
    box_arcsec
        (xi_min, xi_max, eta_min, eta_max) in arcsec about ``center`` (RA, Dec in degrees).
    star_density, galaxy_density
        Sources per arcsec².
    epoch
        Decimal year at which ``Scene.ra``/``dec`` are given (linear proper motion, no parallax).
    pm_mean_mas_yr, pm_dispersion_mas_yr
        Mean (μα·cosδ, μδ) of the stars' true proper motions and their dispersion per axis
        (1σ), mas/yr.
    cluster
        Draw the stars' magnitudes and colours from the 47 Tuc-like luminosity function of
        ``simulate.crowding`` (a crowded field) instead of the field's power law in G
        (16 to 23.5) with uniform colours, and list in the reference catalogue only the
        stars Gaia's crowding limit leaves (``crowding.gaia_selection``; a sparse field lists
        every star of G ≤ 21, whatever its density).
    """
    x0, x1, y0, y1 = box_arcsec
    area = (x1 - x0) * (y1 - y0)
    n_star = int(round(star_density * area))
    xi, eta = rng.uniform(x0, x1, n_star), rng.uniform(y0, y1, n_star)
    ra0, dec0 = tan_point(xi / 3600, eta / 3600, *center)
    cluster_color = None
    if cluster:
        g, cluster_color = cluster_stars(rng, n_star)
    else:
        g = _power_law_mags(rng, n_star, 16.0, 23.5, 0.15)
    pmra = rng.normal(pm_mean_mas_yr[0], pm_dispersion_mas_yr, n_star)
    pmdec = rng.normal(pm_mean_mas_yr[1], pm_dispersion_mas_yr, n_star)
    dt = epoch - GAIA_EPOCH
    dec = dec0 + pmdec * dt / _MAS_PER_DEG
    ra = (ra0 + pmra * dt / _MAS_PER_DEG / np.cos(np.radians(dec0))) % 360.0
    n_gal = int(round(galaxy_density * area))
    gx, gy = rng.uniform(x0, x1, n_gal), rng.uniform(y0, y1, n_gal)
    gra, gdec = tan_point(gx / 3600, gy / 3600, *center)
    shape = np.column_stack([rng.uniform(0.6, 4.0, n_gal), rng.lognormal(np.log(0.3), 0.5, n_gal),
                             rng.uniform(0.3, 1.0, n_gal), rng.uniform(0, 180, n_gal)])
    shape[:, 1] = np.clip(shape[:, 1], 0.08, 1.5)
    return Scene(
        epoch=epoch, ra_2016=np.asarray(ra0), dec_2016=np.asarray(dec0), pmra=pmra, pmdec=pmdec,
        ra=ra, dec=dec, g_mag=g,
        color=rng.uniform(-0.3, 1.5, n_star) if cluster_color is None else cluster_color,
        obj_id=4_000_000_000_000_000_000 + np.arange(n_star) * 1_000_003 +
        rng.integers(0, 1000, n_star),
        gal_ra=np.asarray(gra), gal_dec=np.asarray(gdec),
        gal_mag=_power_law_mags(rng, n_gal, 19.5, 25.0, 0.3), gal_color=rng.uniform(0, 1.2, n_gal),
        gal_shape=shape, in_gaia=gaia_selection(g, area, GAIA_LIMIT_MAG) if cluster else None)


def star_mags(scene: Scene, info: FilterInfo) -> np.ndarray:
    """AB magnitudes of the stars in filter ``info``."""
    return scene.g_mag + scene.color * (6400.0 - info.pivot_a) / 4000.0


def galaxy_mags(scene: Scene, info: FilterInfo) -> np.ndarray:
    """AB magnitudes of the galaxies in filter ``info``."""
    return scene.gal_mag + scene.gal_color * (6000.0 - info.pivot_a) / 4000.0


def fluxes_e_s(mags: np.ndarray, info: FilterInfo) -> np.ndarray:
    """Count rates (electrons/s) of AB magnitudes in filter ``info`` (header PHOTFLAM/PHOTPLAM)."""
    return np.power(10.0, -0.4 * (np.asarray(mags, float) - ab_zeropoint(info.photflam,
                                                                        info.pivot_a)))


def write_reference_catalogs(scene: Scene, visit_dir: Path) -> tuple[Path, Path]:
    """Write ``reference_gaia.ecsv`` (positions at 2016.0) and ``reference_gaia.csv``.

    Both list ``scene.catalog``: Gaia-DR3-like positions at J2016.0, proper motions and their
    uncertainties (ra_error, dec_error in mas; pmra_error, pmdec_error in mas/yr), with errors
    drawn from those uncertainties unless the visit was simulated with an exact catalogue. The
    CSV mimics the astrometric web service's answer for this visit: Gaia column names and the
    listed positions moved by the listed proper motions to the visit epoch (its ``epoch``
    column); its error columns are the J2016.0 ones, as the service gives them.
    """
    cat = scene.catalog
    if cat is None:
        raise ValueError("the scene's catalogue astrometry has not been drawn")
    sel = scene.in_reference
    ra, dec, pmra, pmdec = cat.ra_2016[sel], cat.dec_2016[sel], cat.pmra[sel], cat.pmdec[sel]
    errors = {"ra_error": cat.ra_error[sel], "dec_error": cat.dec_error[sel]}
    pm_errors = {"pmra_error": cat.pmra_error[sel], "pmdec_error": cat.pmdec_error[sel]}
    ecsv = Table({"ra": ra, "dec": dec, **errors, "pmra": pmra, "pmdec": pmdec, **pm_errors,
                  "ref_epoch": np.full(sel.sum(), GAIA_EPOCH), "mag": scene.g_mag[sel],
                  "objID": scene.obj_id[sel]})
    for col, unit in (("ra", "deg"), ("dec", "deg"), ("ra_error", "mas"), ("dec_error", "mas"),
                      ("pmra", "mas / yr"), ("pmdec", "mas / yr"), ("pmra_error", "mas / yr"),
                      ("pmdec_error", "mas / yr"), ("ref_epoch", "yr")):
        ecsv[col].unit = unit
    exact = not cat.errors_applied
    ecsv.meta["comments"] = [
        "Simulated Gaia-DR3-like catalogue at ref_epoch; " +
        ("positions and proper motions are exact (truth), their uncertainties 0." if exact
         else "positions and proper motions carry errors drawn from the listed uncertainties.")]
    ecsv_path = visit_dir / "reference_gaia.ecsv"
    ecsv.write(ecsv_path, format="ascii.ecsv", overwrite=True)
    dt = scene.epoch - GAIA_EPOCH
    csv = Table({"ra": (ra + pmra * dt / _MAS_PER_DEG / np.cos(np.radians(dec))) % 360.0,
                 "dec": dec + pmdec * dt / _MAS_PER_DEG, **errors,
                 "pmra": pmra, "pmra_error": pm_errors["pmra_error"], "pmdec": pmdec,
                 "pmdec_error": pm_errors["pmdec_error"], "mag": scene.g_mag[sel],
                 "objID": scene.obj_id[sel], "epoch": np.full(sel.sum(), round(scene.epoch, 6))})
    csv_path = visit_dir / "reference_gaia.csv"
    csv.write(csv_path, format="ascii.csv", overwrite=True)
    return ecsv_path, csv_path


def sources_table(scene: Scene, filters: list[FilterInfo]) -> Table:
    """Truth table of every simulated source (stars first, then galaxies)."""
    n_s, n_g = scene.ra.size, scene.gal_ra.size
    nan_s, nan_g = np.full(n_s, np.nan), np.full(n_g, np.nan)
    table = Table({
        "id": np.arange(1, n_s + n_g + 1),
        "type": np.array(["star"] * n_s + ["galaxy"] * n_g, dtype="U6"),
        "ra": np.concatenate([scene.ra, scene.gal_ra]),
        "dec": np.concatenate([scene.dec, scene.gal_dec]),
        "ra_2016": np.concatenate([scene.ra_2016, scene.gal_ra]),
        "dec_2016": np.concatenate([scene.dec_2016, scene.gal_dec]),
        "pmra": np.concatenate([scene.pmra, np.zeros(n_g)]),
        "pmdec": np.concatenate([scene.pmdec, np.zeros(n_g)]),
        "gaia_g": np.concatenate([scene.g_mag, nan_g]),
        "in_reference": np.concatenate([scene.in_reference, np.zeros(n_g, bool)]),
        "objID": np.concatenate([np.where(scene.in_reference, scene.obj_id, -1),
                                 np.full(n_g, -1)]).astype(np.int64)})
    for info in filters:
        mags = np.concatenate([star_mags(scene, info), galaxy_mags(scene, info)])
        table[f"mag_{info.name.lower()}"] = mags
        table[f"flux_{info.name.lower()}"] = fluxes_e_s(mags, info)
        table[f"flux_{info.name.lower()}"].unit = "electron / s"
    for i, name in enumerate(("sersic_n", "r_eff_arcsec", "axis_ratio", "pa_deg")):
        table[name] = np.concatenate([nan_s, scene.gal_shape[:, i]])
    for col in ("ra", "dec", "ra_2016", "dec_2016"):
        table[col].unit = "deg"
    table["pmra"].unit = table["pmdec"].unit = "mas / yr"
    table.meta["epoch"] = scene.epoch
    table.meta["comments"] = [f"ra/dec at the visit epoch {scene.epoch:.6f}; ra_2016/dec_2016 at "
                              "2016.0; fluxes in electrons/s (total, PSF stamp = infinite "
                              "aperture)"]
    return table
