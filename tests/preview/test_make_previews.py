"""make_previews: a JPEG and a thumbnail per drizzle product on disk, a colour composite."""
from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PIL import Image

from hapsvm.errors import NoWorkFound
from tests.preview.synthetic import GRID
from tests.preview.synthetic import make_visit
from tests.preview.synthetic import run_step
from tests.preview.synthetic import write_copies
from tests.preview.synthetic import write_drizzles


def _jpeg_size(path: Path) -> tuple[int, int]:
    with Image.open(path) as im:
        assert im.format == "JPEG"
        im.verify()
        return im.size


def test_previews_for_every_drizzle_product_on_disk(tmp_path: Path,
                                                    caplog: pytest.LogCaptureFixture) -> None:
    v = make_visit(tmp_path)
    total = v.tree.totals[0]
    absent = total.filters[0].exposures[0]
    written = write_drizzles(v, skip=(absent.drizzle,))
    with caplog.at_level(logging.INFO):
        run_step(v.ctx, "make_previews", "wfc3_ir")
    products = [(total.drizzle, total.names())] + [(f.drizzle, f.names()) for f in total.filters]
    products += [(e.drizzle, {"preview": e.preview, "thumbnail": e.thumbnail})
                 for f in total.filters for e in f.exposures]
    assert len(products) == 7
    for drizzle, names in products:
        stem = drizzle.removesuffix(".fits")
        assert names["preview"] == f"{stem}.jpg"
        assert names["thumbnail"] == f"{stem}_thumb.jpg"
        if drizzle not in written:
            assert not (v.out / names["preview"]).exists()
            assert not (v.out / names["thumbnail"]).exists()
            continue
        assert _jpeg_size(v.out / names["preview"]) == (GRID[1], GRID[0])
        assert max(_jpeg_size(v.out / names["thumbnail"])) <= 256
    assert f"{absent.drizzle}: not on disk, no preview" in caplog.text


def test_thumbnails_are_at_most_256_pixels(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    write_drizzles(v)
    run_step(v.ctx, "make_previews", "wfc3_ir", max_preview_px=300, thumbnail_px=64)
    names = v.tree.totals[0].names()
    assert _jpeg_size(v.out / names["preview"]) == (128, 96)   # grid is smaller than 300
    assert _jpeg_size(v.out / names["thumbnail"]) == (64, 48)


def test_colour_preview_of_a_two_filter_visit(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    write_drizzles(v)
    run_step(v.ctx, "make_previews", "wfc3_ir", thumbnail_px=64)
    total = v.tree.totals[0]
    name, thumb = total.names()["color_preview"], total.names()["color_thumbnail"]
    tags = "-".join(f.filter_name for f in total.filters)
    assert name == f"{total.base}_{tags}_drz.jpg"
    assert thumb == f"{total.base}_{tags}_drz_thumb.jpg"
    with Image.open(v.out / name) as im:
        assert im.format == "JPEG" and im.mode == "RGB" and im.size == (GRID[1], GRID[0])
    with Image.open(v.out / thumb) as im:
        assert im.format == "JPEG" and im.mode == "RGB" and im.size == (64, 48)
    written = [p.name for p in v.ctx.written]
    assert name in written and thumb in written     # the manifest lists what the run wrote
    assert "written_by_step: make_previews" in (
        v.out / thumb.replace(".jpg", "_jpg_recipe.yaml")).read_text()


def test_no_colour_preview_when_a_filter_drizzle_is_missing(tmp_path: Path,
                                                            caplog: pytest.LogCaptureFixture
                                                            ) -> None:
    v = make_visit(tmp_path)
    total = v.tree.totals[0]
    write_drizzles(v, skip=(total.filters[1].drizzle,))
    with caplog.at_level(logging.INFO):
        run_step(v.ctx, "make_previews", "wfc3_ir")
    assert not (v.out / total.names()["color_preview"]).exists()
    assert not (v.out / total.names()["color_thumbnail"]).exists()
    assert "not on disk, none written" in caplog.text


def test_previews_skipped_when_no_drizzle_product_exists(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    write_copies(v)
    with pytest.raises(NoWorkFound, match="no drizzle product of wfc3_ir is on disk"):
        run_step(v.ctx, "make_previews", "wfc3_ir")
    assert not list(v.out.glob("*.jpg"))


def test_unreadable_drizzle_is_skipped_with_a_warning(tmp_path: Path,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    v = make_visit(tmp_path)
    write_drizzles(v)
    total = v.tree.totals[0]
    (v.out / total.drizzle).write_bytes(b"not a FITS file")
    with caplog.at_level(logging.WARNING):
        run_step(v.ctx, "make_previews", "wfc3_ir")
    assert not (v.out / total.names()["preview"]).exists()
    assert (v.out / total.filters[0].names()["preview"]).exists()
    assert f"{total.drizzle}: unreadable" in caplog.text


def test_preview_keeps_the_recipe_of_its_drizzle_product(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    write_drizzles(v)
    total = v.tree.totals[0]
    recipe = v.out / total.drizzle.replace(".fits", "_recipe.yaml")
    recipe.write_text("# the drizzle step's recipe\n")
    run_step(v.ctx, "make_previews", "wfc3_ir")
    assert recipe.read_text() == "# the drizzle step's recipe\n"
    for kind in ("preview", "thumbnail"):
        image_recipe = v.out / total.names()[kind].replace(".jpg", "_jpg_recipe.yaml")
        assert "written_by_step: make_previews" in image_recipe.read_text()
