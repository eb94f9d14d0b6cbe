"""Output grid (metawcs) and the pixel-map cache."""
from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.utils.exceptions import AstropyWarning
from astropy.wcs import WCS
from astropy.wcs import DistortionLookupTable
from drizzle.utils import calc_pixmap

from hapsvm.errors import InputError
from hapsvm.mosaic import PixmapCache
from hapsvm.mosaic import build_output_grid
from hapsvm.mosaic import chip_outline_sky
from hapsvm.mosaic import read_exposure_chips
from hapsvm.mosaic.chips import chip_wcs
from hapsvm.mosaic.grid import footprint_center
from hapsvm.mosaic.pixmaps import compute_pixmap
from hapsvm.mosaic.pixmaps import interpolated_pixmap


def _chips(tiny_visit):
    return [c for p in tiny_visit.paths for c in read_exposure_chips(p).chips]


def test_grid_is_north_up_native_scale_and_covers_every_chip(tiny_visit) -> None:
    chips = _chips(tiny_visit)
    grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for c in chips],
                             pixel_scale_arcsec=0.1)
    cd = grid.wcs.wcs.cd
    assert cd[0, 1] == 0 and cd[1, 0] == 0 and cd[0, 0] < 0 < cd[1, 1]
    assert np.isclose(cd[1, 1] * 3600, 0.1)
    ny, nx = grid.shape
    assert grid.crpix == ((nx - 1) / 2 + 1, (ny - 1) / 2 + 1)
    for chip in chips:
        ra, dec = chip_outline_sky(chip.wcs, chip.shape)
        x, y = grid.wcs.wcs_world2pix(ra, dec, 0)
        assert x.min() >= -0.5 - 1e-3 and x.max() <= nx - 0.5 + 1e-3
        assert y.min() >= -0.5 - 1e-3 and y.max() <= ny - 0.5 + 1e-3
    # The frame is tight: the outlines touch (within a pixel) each side.
    xs, ys = zip(*[grid.wcs.wcs_world2pix(*chip_outline_sky(c.wcs, c.shape), 0) for c in chips])
    assert np.concatenate(xs).min() < 0.5 and np.concatenate(ys).max() > ny - 1.5


def test_grid_rotation_and_errors(tiny_visit) -> None:
    chips = _chips(tiny_visit)
    outlines = [chip_outline_sky(c.wcs, c.shape) for c in chips]
    rotated = build_output_grid(outlines, pixel_scale_arcsec=0.1, rotation_deg=30.0)
    assert np.isclose(np.degrees(np.arctan2(rotated.wcs.wcs.cd[0, 1], rotated.wcs.wcs.cd[1, 1])),
                      30.0)
    with pytest.raises(InputError, match="cannot build an output grid"):
        build_output_grid([], pixel_scale_arcsec=0.1)
    with pytest.raises(InputError, match="cannot build an output grid"):
        build_output_grid(outlines, pixel_scale_arcsec=0.0)


def test_footprint_center_crosses_ra_zero() -> None:
    ra, dec = footprint_center(np.array([359.5, 0.5, 0.5, 359.5]), np.array([-1.0, -1, 1, 1]))
    assert abs(((ra + 180) % 360) - 180) < 1e-9 and abs(dec) < 1e-9


def test_pixmap_equals_calc_pixmap_and_is_computed_once(tiny_visit, tmp_path) -> None:
    chips = _chips(tiny_visit)
    grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for c in chips],
                             pixel_scale_arcsec=0.1)
    chip = chips[1]
    direct = calc_pixmap(chip.wcs, grid.wcs, shape=chip.shape)
    blocked = compute_pixmap(chip.wcs, chip.shape, grid)
    assert blocked.dtype == np.float32
    assert np.abs(blocked - direct).max() < 1e-3
    cache = PixmapCache(tmp_path / "maps", grid)
    path = cache.ensure(chip)
    stamp = path.stat().st_mtime_ns
    assert np.array_equal(cache.get(chip), blocked)
    assert cache.ensure(chip) == path and path.stat().st_mtime_ns == stamp
    assert len(list((tmp_path / "maps").glob("*.npy"))) == 1
    # A different WCS (e.g. after alignment) is a different cache entry.
    moved = read_exposure_chips(chip.path).chips[0]
    moved.wcs.wcs.crval = moved.wcs.wcs.crval + np.array([1e-5, 0.0])
    moved.wcs_key = "moved"
    assert cache.path_for(moved) != path
    cache.clear()
    assert not (tmp_path / "maps").exists()


def test_tangent_plane_pixmap_equals_calc_pixmap_with_lookup_tables() -> None:
    """SIP + NPOL + D2IM (a real ACS/WFC cutout header): the fast exact path = calc_pixmap."""
    path = Path(__file__).resolve().parents[2] / ".." / "shared" / "realdata" / "headers_wcs" / \
        "dist_lookup.fits.gz"
    if not path.is_file():
        pytest.skip(f"real data not found at {path}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyWarning)
        with fits.open(path) as hdul:
            wcs = chip_wcs(hdul[1].header, hdul)
    assert wcs.sip is not None and wcs.cpdis1 is not None and wcs.det2im1 is not None
    for rotation in (0.0, 37.0):
        grid = build_output_grid([chip_outline_sky(wcs, (100, 100))], pixel_scale_arcsec=0.05,
                                 rotation_deg=rotation)
        reference = calc_pixmap(wcs, grid.wcs, shape=(100, 100))
        assert np.abs(compute_pixmap(wcs, (100, 100), grid) - reference).max() < 1e-4
        assert np.abs(compute_pixmap(wcs, (100, 100), grid, exact_tangent=False)
                      - reference).max() < 1e-4


def _template_wcs(detector: str) -> tuple[WCS, tuple[int, int]]:
    """A full-size chip of the simulator's template (TAN-SIP distortion of the real chip)."""
    from hapsvm.simulate.geometry import wcs_header
    from hapsvm.simulate.templates import load_template

    geometry = load_template(detector).chips[0].geometry
    return WCS(wcs_header(geometry, "TEST")), geometry.shape


@pytest.mark.parametrize("detector", ["acs_wfc", "wfc3_ir"])
def test_interpolated_pixmap_within_a_hundredth_pixel_of_exact(detector: str) -> None:
    wcs, shape = _template_wcs(detector)
    scale = float(np.sqrt(abs(np.linalg.det(wcs.pixel_scale_matrix))) * 3600)
    grid = build_output_grid([chip_outline_sky(wcs, shape)], pixel_scale_arcsec=scale)
    exact = compute_pixmap(wcs, shape, grid)
    coarse = interpolated_pixmap(wcs, shape, grid, step_px=64, max_error_px=0.01)
    assert coarse is not None and coarse.dtype == np.float32 and coarse.shape == exact.shape
    # Within 0.01 output pixel everywhere, in practice float32 rounding of the coordinates.
    assert np.abs(coarse - exact).max() <= 0.01
    assert np.abs(coarse - exact).max() <= 2 * np.spacing(np.float32(max(grid.shape)))
    assert np.array_equal(compute_pixmap(wcs, shape, grid, step_px=64), coarse)


def test_interpolated_pixmap_falls_back_to_exact_where_the_check_fails(tmp_path) -> None:
    wcs, shape = _template_wcs("wfc3_ir")
    grid = build_output_grid([chip_outline_sky(wcs, shape)], pixel_scale_arcsec=0.13)
    exact = compute_pixmap(wcs, shape, grid)
    # A tolerance below float rounding: the check fails, the exact map is used.
    assert interpolated_pixmap(wcs, shape, grid, step_px=64, max_error_px=1e-12) is None
    assert np.array_equal(compute_pixmap(wcs, shape, grid, step_px=64, max_error_px=1e-12),
                          exact)
    # A lookup-table distortion with 0.2-pixel structure on 16-pixel cells is not smooth on
    # a 64-pixel node grid: fallback to the exact map (which includes the table).
    rng = np.random.default_rng(3)
    table = [DistortionLookupTable(rng.normal(0.0, 0.2, (shape[0] // 16 + 1,
                                                         shape[1] // 16 + 1)).astype(np.float32),
                                   (1.0, 1.0), (1.0, 1.0), (16.0, 16.0)) for _ in range(2)]
    rough = wcs.deepcopy()
    rough.cpdis1, rough.cpdis2 = table
    assert interpolated_pixmap(rough, shape, grid, step_px=64, max_error_px=0.01) is None
    rough_exact = compute_pixmap(rough, shape, grid)
    assert np.abs(rough_exact - exact).max() > 0.1
    assert np.array_equal(compute_pixmap(rough, shape, grid, step_px=64), rough_exact)
    # Too small for four nodes per axis: exact.
    assert interpolated_pixmap(wcs, (100, 100), grid, step_px=64, max_error_px=0.01) is None


def test_pixmap_cache_interpolates_and_keys_its_settings(tiny_visit, tmp_path) -> None:
    chips = _chips(tiny_visit)
    grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for c in chips],
                             pixel_scale_arcsec=0.1)
    chip = chips[0]     # 120 x 140 pixels: eight nodes per axis at 16 pixels
    plain = PixmapCache(tmp_path / "maps", grid)
    coarse = PixmapCache(tmp_path / "maps", grid, step_px=16)
    assert plain.path_for(chip) != coarse.path_for(chip)
    assert np.array_equal(coarse.get(chip), compute_pixmap(chip.wcs, chip.shape, grid,
                                                           step_px=16))
    assert np.abs(coarse.get(chip) - plain.get(chip)).max() <= 0.01
