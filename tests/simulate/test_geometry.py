"""Rigid sky motions keep TAN-SIP WCSs exact; crops keep every pixel's sky position."""
from __future__ import annotations

import numpy as np
import pytest
from astropy.wcs import WCS

from hapsvm.simulate.builtin import builtin_template
from hapsvm.simulate.geometry import apply_matrix
from hapsvm.simulate.geometry import crop_chip
from hapsvm.simulate.geometry import move_matrix
from hapsvm.simulate.geometry import orientat
from hapsvm.simulate.geometry import roll_matrix
from hapsvm.simulate.geometry import tan_offsets
from hapsvm.simulate.geometry import tan_point
from hapsvm.simulate.geometry import transform_chip
from hapsvm.simulate.geometry import wcs_header


def _wcs(chip):
    return WCS(wcs_header(chip, "TEST"))


def test_geometry_transform_is_exact_for_every_pixel():
    chip = builtin_template("acs_wfc").chips[0].geometry
    matrix = move_matrix(*chip.crval, 53.1, -27.8) @ roll_matrix(*chip.crval, 33.0)
    moved = transform_chip(chip, matrix)
    pix = np.array([[0.0, 0.0], [4095.0, 0.0], [4095.0, 2047.0], [1000.0, 1500.0]])
    ra, dec = _wcs(chip).all_pix2world(pix, 0).T
    expected = np.column_stack(apply_matrix(matrix, ra, dec))
    got = _wcs(moved).all_pix2world(pix, 0)
    xi, eta = tan_offsets(got[:, 0], got[:, 1], 53.1, -27.8)
    xi0, eta0 = tan_offsets(expected[:, 0], expected[:, 1], 53.1, -27.8)
    assert np.max(np.hypot(xi - xi0, eta - eta0)) * 3.6e6 < 1e-3  # milliarcsec


def test_geometry_roll_increases_position_angle():
    chip = builtin_template("wfc3_ir").chips[0].geometry
    before = orientat(chip.cd)
    after = orientat(transform_chip(chip, roll_matrix(*chip.crval, 12.5)).cd)
    assert (after - before) % 360 == pytest.approx(12.5, abs=1e-9)


def test_geometry_crop_keeps_sky_positions():
    chip = builtin_template("wfc3_uvis").chips[1].geometry
    small = crop_chip(chip, (128, 256))
    x0, y0 = small.offset
    assert small.shape == (128, 256) and (x0, y0) == ((4096 - 256) // 2, (2051 - 128) // 2)
    pix = np.array([[0.0, 0.0], [255.0, 127.0], [17.5, 99.25]])
    full = _wcs(chip).all_pix2world(pix + [x0, y0], 0)
    np.testing.assert_allclose(_wcs(small).all_pix2world(pix, 0), full, rtol=0, atol=1e-12)


def test_geometry_tangent_plane_round_trip():
    ra, dec = tan_point(np.array([0.01, -0.02]), np.array([0.005, 0.03]), 10.0, 60.0)
    xi, eta = tan_offsets(ra, dec, 10.0, 60.0)
    np.testing.assert_allclose(xi, [0.01, -0.02], atol=1e-13)
    np.testing.assert_allclose(eta, [0.005, 0.03], atol=1e-13)


def test_geometry_pixel_area_map_matches_hst_range():
    from hapsvm.simulate.geometry import relative_pixel_area

    chip = builtin_template("acs_wfc").chips[1].geometry
    wcs = _wcs(chip)
    x, y = np.meshgrid(np.linspace(0, 4095, 9), np.linspace(0, 2047, 5))
    area = relative_pixel_area(wcs, x.ravel(), y.ravel(), 0.05)
    assert 0.85 < area.min() < area.max() < 1.08  # ACS/WFC PAM spans about 0.87-1.06
    centre = relative_pixel_area(wcs, np.array([2047.0]), np.array([1023.0]), 0.05)[0]
    det = abs(np.linalg.det(chip.cd_matrix)) * 3600 ** 2 / 0.05 ** 2
    assert centre == pytest.approx(det, rel=1e-3)
