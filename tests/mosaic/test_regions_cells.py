"""Footprint statistics, S_REGION polygons and the sky-cell tessellation."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning

from hapsvm.mosaic import chip_outline_sky
from hapsvm.mosaic import region_polygons
from hapsvm.mosaic import sky_cells_for
from hapsvm.mosaic.chips import chip_wcs
from hapsvm.mosaic.footprints import FootprintMasks
from hapsvm.mosaic.footprints import fill_polygon
from hapsvm.mosaic.footprints import footprint_statistics
from hapsvm.mosaic.s_region import _contains
from hapsvm.mosaic.s_region import polygon_area
from hapsvm.mosaic.skycells import SC_SIZE
from hapsvm.mosaic.skycells import SC_STEP
from hapsvm.mosaic.skycells import projection_cell
from hapsvm.mosaic.skycells import zone_table

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / \
    "wfc3_ib4606_hap_samples"


def _rect(shape, cx, cy, w, h, angle):
    yy, xx = np.mgrid[0:shape[0], 0:shape[1]]
    c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
    u, v = (xx - cx) * c + (yy - cy) * s, -(xx - cx) * s + (yy - cy) * c
    return (np.abs(u) <= w / 2) & (np.abs(v) <= h / 2)


def test_footprint_statistics_follow_spec_formulas() -> None:
    masks = FootprintMasks.empty((10, 10))
    masks.add(fill_polygon(np.array([0.0, 5, 5, 0]), np.array([0.0, 0, 9, 9]), (10, 10)), 100.0)
    masks.add(fill_polygon(np.array([3.0, 9, 9, 3]), np.array([0.0, 0, 9, 9]), (10, 10)), 300.0)
    wht = masks.scaled_mask * 0.9
    stats = footprint_statistics(masks, wht)
    good = masks.total_mask > 0
    assert stats["NPIXFRAC"] == good.mean() == 1.0
    assert stats["MEANEXPT"] == pytest.approx(masks.scaled_mask[good].mean())
    assert stats["MEDNEXP"] == np.median(masks.total_mask[good])
    assert stats["MEANNEXP"] == pytest.approx(1.3)
    assert stats["MEDWHT"] == pytest.approx(np.median(wht[good]))
    assert fill_polygon(np.array([20.0, 30, 30]), np.array([20.0, 20, 30]), (10, 10)) is None


@pytest.mark.parametrize("angle", [0.0, 17.0, 163.7])
def test_s_region_polygon_contains_exposed_pixels_with_right_area(angle: float) -> None:
    mask = _rect((400, 420), 200, 200, 260, 240, angle) | \
        _rect((400, 420), 215, 185, 260, 240, angle)
    mask[200, 200] = False                       # a hole (a rejected pixel) is covered
    island = _rect((400, 420), 380, 30, 12, 10, 0.0)
    mask |= island
    polygons = region_polygons(mask)
    assert len(polygons) == 2
    assert len(polygons[0]) <= 20, "the outline of two overlapping rectangles is simplified"
    ys, xs = np.nonzero(mask)
    inside = np.zeros(xs.size, bool)
    for poly in polygons:
        assert polygon_area(poly[:, 0], poly[:, 1]) > 0          # counter-clockwise
        assert poly[0, 1] == poly[:, 1].max()                     # starts at the north
        inside |= _contains(poly, xs.astype(float), ys.astype(float))
    assert inside.all()
    area = sum(polygon_area(p[:, 0], p[:, 1]) for p in polygons)
    assert abs(area / mask.sum() - 1) < 0.02


def test_sky_cell_grid_reproduces_the_shipped_table() -> None:
    table = zone_table()
    assert [row[3] for row in table[:4]] == [1, 9, 15, 21]
    assert sum(row[3] for row in table) == 2644
    assert (table[22][0], table[22][3], table[23][0], table[23][3]) == (-2.0, 90, 2.0, 90)
    cell = projection_cell(22, 0)
    assert cell.number == table[22][4] and cell.ra == 0.0
    assert SC_STEP * 21 <= 450287 <= SC_STEP * 21 + 2 * 256 and SC_SIZE == SC_STEP + 512


def test_sky_cells_match_real_hap_values() -> None:
    """SKYCELL of a real SVM FLC (ib4606c6q) and cells of a real MVM product's position."""
    path = SAMPLES / "sample_svm_flc.fits"
    if not path.is_file():
        pytest.skip(f"real data not found at {path}")
    ras, decs = [], []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path) as hdul:
            expected = hdul["SCI", 2].header["SKYCELL"]
            for hdu in hdul:
                if hdu.name == "SCI":     # the arrays are trimmed; the chips are 4096 × 2051
                    ra, dec = chip_outline_sky(chip_wcs(hdu.header, hdul), (2051, 4096),
                                               n_per_side=200)
                    ras.append(ra)
                    decs.append(dec)
    assert "; ".join(sky_cells_for(np.concatenate(ras), np.concatenate(decs))) == expected
    mvm = set(fits.getval(SAMPLES / "sample_mvm_drc.fits", "SKYCELL", 1).split("; "))
    assert set(sky_cells_for(np.array([179.46]), np.array([55.475]))) <= mvm
