"""Preview images: stretch, masking, orientation, JPEG sizes, colour order."""
from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from hapsvm.preview import DrizzleImage
from hapsvm.preview import StretchSettings
from hapsvm.preview import color_composite
from hapsvm.preview import stretch_to_uint8
from hapsvm.preview import stretch_to_unit
from hapsvm.preview import to_uint8
from hapsvm.preview import write_jpeg

MODULES = ["hapsvm.preview.images", "hapsvm.preview.levels", "hapsvm.preview.stretch",
           "hapsvm.preview.jpeg",
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


def _noise(shape: tuple[int, int], seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(10.0, 1.0, shape)


def test_stretch_masks_pixels_without_weight_and_puts_north_up() -> None:
    sci = _noise((40, 30))
    sci[0, 0] = 1e4             # FITS row 0 is the bottom row
    sci[39, 29] = 1e4
    valid = np.ones(sci.shape, bool)
    valid[39, 29] = False       # no weight: black, whatever its value
    out = stretch_to_unit(sci, valid, StretchSettings())
    assert out[39, 0] == 1.0    # bottom-left of the sky is bottom-left of the picture
    assert out[0, 29] == 0.0
    assert out.max() == 1.0 and 0.0 < np.median(out) < 0.5
    assert (to_uint8(out) == stretch_to_uint8(sci, valid, StretchSettings())).all()


def test_levels_ignore_pixels_without_weight() -> None:
    sci = _noise((100, 100))
    sci[:50] = 1e6              # huge values where WHT = 0 must not set the levels
    valid = np.zeros(sci.shape, bool)
    valid[50:] = True
    sci[60, 60] = 1000.0
    out = stretch_to_uint8(sci, valid, StretchSettings())
    assert out[39, 60] == 255   # row 60 of FITS is row 39 of the picture
    assert (out[:50] > 0).mean() > 0.95 and (out[50:] == 0).all()


def test_jpeg_preview_and_thumbnail_sizes(tmp_path: Path) -> None:
    pixels = to_uint8(np.random.default_rng(1).random((300, 700)))
    assert write_jpeg(pixels, tmp_path / "full.part", quality=90) == (700, 300)
    assert write_jpeg(pixels, tmp_path / "thumb.part", max_side=256) == (256, 110)
    for name, size in (("full.part", (700, 300)), ("thumb.part", (256, 110))):
        with Image.open(tmp_path / name) as im:
            assert im.format == "JPEG" and im.size == size
            im.verify()


def test_color_composite_orders_filters_blue_to_red() -> None:
    red, green, blue = _noise((60, 90), 1), _noise((60, 90), 2), _noise((60, 90), 3)
    red[:, 60:] = green[:, 30:60] = blue[:, :30] = 1e4
    images = [_image(green, 6060.0), _image(red, 8140.0), _image(blue, 4350.0)]
    rgb = color_composite(images, StretchSettings())
    assert rgb.shape == (60, 90, 3)
    for column, lit in ((75, 0), (45, 1), (15, 2)):
        pixel = rgb[30, column].tolist()
        assert pixel[lit] == 255 and max(pixel[:lit] + pixel[lit + 1:]) < 100, pixel


def test_color_composite_of_two_filters_has_their_mean_in_green() -> None:
    blue, red = _noise((40, 40), 1), _noise((40, 40), 2)
    blue[:, :4] = red[:, 36:] = 1e4         # sources: a tenth of the field each
    rgb = color_composite([_image(red, 8140.0), _image(blue, 6060.0)], StretchSettings())
    left, right = rgb[0, 0].tolist(), rgb[0, 39].tolist()
    assert left[2] == 255 and left[0] < 100 and left[0] < left[1] < 255
    assert right[0] == 255 and right[2] < 100 and right[2] < right[1] < 255


def test_color_composite_refuses_mismatched_grids() -> None:
    with pytest.raises(ValueError, match="different grids"):
        color_composite([_image(np.zeros((4, 4)), 1.0), _image(np.zeros((4, 5)), 2.0)],
                        StretchSettings())
    with pytest.raises(ValueError, match="2 or 3 images"):
        color_composite([_image(np.zeros((4, 4)), 1.0)], StretchSettings())
