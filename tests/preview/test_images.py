"""Preview images: stretch, masking, orientation, JPEG sizes, colour order."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hapsvm.preview import (
    DrizzleImage,
    StretchSettings,
    color_composite,
    stretch_to_unit,
    to_uint8,
    write_jpeg,
)

MODULES = ["hapsvm.preview.images", "hapsvm.preview.stretch", "hapsvm.preview.jpeg",
           "hapsvm.preview.color", "hapsvm.preview.report.files",
           "hapsvm.preview.report.headers", "hapsvm.preview.report.catalogs",
           "hapsvm.preview.report.gather", "hapsvm.preview.report.svg",
           "hapsvm.preview.report.sections", "hapsvm.preview.browser"]


def _image(sci: np.ndarray, plam: float, valid: np.ndarray | None = None) -> DrizzleImage:
    return DrizzleImage(Path("x_drz.fits"), sci.astype(np.float32),
                        np.ones(sci.shape, bool) if valid is None else valid, plam, "")


@pytest.mark.parametrize("module", MODULES)
def test_preview_modules_doctests(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0


def test_stretch_masks_pixels_without_weight_and_puts_north_up() -> None:
    sci = np.zeros((4, 3))
    sci[0, 0] = 1000.0          # FITS row 0 is the bottom row
    sci[3, 2] = 5.0
    valid = np.ones(sci.shape, bool)
    valid[3, 2] = False         # no weight: black, whatever its value
    out = stretch_to_unit(sci, valid, StretchSettings(0.0, 100.0, 0.1))
    assert out[3, 0] == 1.0     # bottom-left of the sky is bottom-left of the picture
    assert out[0, 2] == 0.0
    assert out.max() == 1.0 and out.min() == 0.0


def test_levels_ignore_pixels_without_weight() -> None:
    sci = np.full((10, 10), 10.0)
    sci[:5] = 1e6               # huge values where WHT = 0 must not set the white level
    valid = np.zeros(sci.shape, bool)
    valid[5:] = True
    sci[5:, :5] = 20.0
    out = to_uint8(stretch_to_unit(sci, valid, StretchSettings(0.0, 100.0, 1.0)))
    assert out[0, 0] == 255 and out[0, 9] == 0   # row 9 of FITS is row 0 of the picture
    assert (out[5:] == 0).all()


def test_jpeg_preview_and_thumbnail_sizes(tmp_path: Path) -> None:
    pixels = to_uint8(np.random.default_rng(1).random((300, 700)))
    assert write_jpeg(pixels, tmp_path / "full.part", quality=90) == (700, 300)
    assert write_jpeg(pixels, tmp_path / "thumb.part", max_side=256) == (256, 110)
    for name, size in (("full.part", (700, 300)), ("thumb.part", (256, 110))):
        with Image.open(tmp_path / name) as im:
            assert im.format == "JPEG" and im.size == size
            im.verify()


def test_color_composite_orders_filters_blue_to_red() -> None:
    base = np.zeros((6, 9))
    red, green, blue = base.copy(), base.copy(), base.copy()
    red[:, 6:] = green[:, 3:6] = blue[:, :3] = 100.0
    images = [_image(green, 6060.0), _image(red, 8140.0), _image(blue, 4350.0)]
    rgb = color_composite(images, StretchSettings(0.0, 100.0, 0.1))
    assert rgb.shape == (6, 9, 3)
    assert rgb[0, 7].tolist() == [255, 0, 0]
    assert rgb[0, 4].tolist() == [0, 255, 0]
    assert rgb[0, 1].tolist() == [0, 0, 255]


def test_color_composite_of_two_filters_has_their_mean_in_green() -> None:
    blue, red = np.zeros((4, 4)), np.zeros((4, 4))
    blue[:, :2] = red[:, 2:] = 100.0
    rgb = color_composite([_image(red, 8140.0), _image(blue, 6060.0)],
                          StretchSettings(0.0, 100.0, 1.0))
    left, right = rgb[0, 0].tolist(), rgb[0, 3].tolist()
    assert left[0] == 0 and left[2] == 255 and 0 < left[1] < 255
    assert right[0] == 255 and right[2] == 0 and right[1] == left[1]


def test_color_composite_refuses_mismatched_grids() -> None:
    with pytest.raises(ValueError, match="different grids"):
        color_composite([_image(np.zeros((4, 4)), 1.0), _image(np.zeros((4, 5)), 2.0)],
                        StretchSettings())
    with pytest.raises(ValueError, match="2 or 3 images"):
        color_composite([_image(np.zeros((4, 4)), 1.0)], StretchSettings())
