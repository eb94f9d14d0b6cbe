"""Sky footprint of a simulated visit: the box the scene is drawn in and the sources kept."""
from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from hapsvm.simulate.geometry import tan_offsets
from hapsvm.simulate.geometry import tan_point
from hapsvm.simulate.scene import Scene
from hapsvm.simulate.writer import ExposureGeometry

__all__ = ["scene_box", "keep_near_chips"]


def scene_box(geoms: list[ExposureGeometry], target: tuple[float, float],
              margin_arcsec: float) -> tuple[float, float, float, float]:
    """Tangent-plane box (xi_min, xi_max, eta_min, eta_max; arcsec about ``target``) holding
    every true chip of the visit plus ``margin_arcsec`` + 2 arcsec."""
    xs, ys = [], []
    for geom in geoms:
        for chip in geom.true_chips:
            ny, nx = chip.shape
            u = np.array([0.5, nx + 0.5, nx + 0.5, 0.5]) - chip.crpix[0]
            v = np.array([0.5, 0.5, ny + 0.5, ny + 0.5]) - chip.crpix[1]
            cd = chip.cd_matrix
            ra, dec = tan_point(cd[0, 0] * u + cd[0, 1] * v, cd[1, 0] * u + cd[1, 1] * v,
                                *chip.crval)
            xi, eta = tan_offsets(ra, dec, *target)
            xs += list(xi * 3600)
            ys += list(eta * 3600)
    m = margin_arcsec + 2.0
    return float(min(xs) - m), float(max(xs) + m), float(min(ys) - m), float(max(ys) + m)


def keep_near_chips(scene: Scene, geoms: list[ExposureGeometry], margin_arcsec: float) -> Scene:
    """Drop sources farther than ``margin_arcsec`` from every chip (keeps small visits small)."""
    def near(ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
        keep = np.zeros(ra.size, bool)
        for geom in geoms:
            for chip in geom.true_chips:
                xi, eta = tan_offsets(ra, dec, *chip.crval)
                inv = np.linalg.inv(chip.cd_matrix)
                u, v = inv @ np.vstack([xi, eta])
                pad = margin_arcsec / 3600 / math.sqrt(abs(np.linalg.det(chip.cd_matrix)))
                x, y = u + chip.crpix[0] - 1, v + chip.crpix[1] - 1
                keep |= (x > -pad) & (x < chip.shape[1] + pad) & \
                    (y > -pad) & (y < chip.shape[0] + pad)
        return keep

    s, g = near(scene.ra, scene.dec), near(scene.gal_ra, scene.gal_dec)
    star_fields = ["ra_2016", "dec_2016", "pmra", "pmdec", "ra", "dec", "g_mag", "color",
                   "obj_id"] + (["in_gaia"] if scene.in_gaia is not None else [])
    gal_fields = ("gal_ra", "gal_dec", "gal_mag", "gal_color", "gal_shape")
    return replace(scene, **{f: getattr(scene, f)[s] for f in star_fields},
                   **{f: getattr(scene, f)[g] for f in gal_fields})
