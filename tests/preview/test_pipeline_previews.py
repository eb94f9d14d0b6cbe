"""Previews and QA report of a recipe run on a simulated two-filter ACS/WFC visit."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from astropy.io import fits
from PIL import Image

from hapsvm.cli import run_visit
from hapsvm.core import Recipe
from hapsvm.demo import catalog_overrides
from hapsvm.paths import project_paths
from hapsvm.preview.browser import check_page
from hapsvm.preview.browser import find_chromium
from hapsvm.preview.report.files import detector_rows
from hapsvm.visit import ProductTree
from hapsvm.visit import TotalProduct
from tests.preview.links import local_files


@dataclass
class Run:
    out: Path
    tree: ProductTree
    exit_code: int

    @property
    def total(self) -> TotalProduct:
        return self.tree.totals[0]

    @property
    def report(self) -> Path:
        return self.out / self.tree.manifest.replace("_manifest.txt", "_qa_report.html")


@pytest.fixture(scope="module")
def acs_run(sim_visit_factory, tmp_path_factory: pytest.TempPathFactory) -> Run:  # type: ignore[no-untyped-def]
    visit = sim_visit_factory(detector="acs_wfc", filters=["F606W", "F814W"], size=128,
                              n_exposures=2)
    steps = Recipe.load("v1", project_paths()).steps
    out = tmp_path_factory.mktemp("acs_run")
    result = run_visit(str(visit.poller_path), out,
                       ["quiet=true", *catalog_overrides(visit.reference_catalog_path, steps)])
    assert result.context is not None
    return Run(out, result.context.peek("product_tree"), result.exit_code)


def _drizzles(total: TotalProduct) -> list[tuple[str, str, str]]:
    out = [(total.drizzle, total.names()["preview"], total.names()["thumbnail"])]
    for f in total.filters:
        out.append((f.drizzle, f.names()["preview"], f.names()["thumbnail"]))
        out += [(e.drizzle, e.preview, e.thumbnail) for e in f.exposures]
    return out


def test_pipeline_previews_for_every_drizzle_product(acs_run: Run) -> None:
    present = [d for d in _drizzles(acs_run.total) if (acs_run.out / d[0]).is_file()]
    for drizzle, preview, thumbnail in _drizzles(acs_run.total):
        assert preview == drizzle.replace(".fits", ".jpg")
        assert thumbnail == drizzle.replace(".fits", "_thumb.jpg")
        assert (acs_run.out / preview).is_file() == (acs_run.out / drizzle).is_file()
    for drizzle, preview, thumbnail in present:
        ny, nx = fits.getdata(acs_run.out / drizzle, "SCI").shape
        with Image.open(acs_run.out / preview) as im:
            assert im.format == "JPEG" and im.size == (nx, ny)
        with Image.open(acs_run.out / thumbnail) as im:
            assert im.format == "JPEG" and max(im.size) <= 256


def test_pipeline_colour_preview_of_two_filters(acs_run: Run) -> None:
    name = acs_run.total.names()["color_preview"]
    assert name == f"{acs_run.total.base}_f606w-f814w_drc.jpg"
    filters_on_disk = all((acs_run.out / f.drizzle).is_file() for f in acs_run.total.filters)
    assert (acs_run.out / name).is_file() == filters_on_disk
    if filters_on_disk:
        with Image.open(acs_run.out / name) as im:
            assert im.mode == "RGB"


def test_pipeline_report_links_every_product(acs_run: Run) -> None:
    linked, external = local_files(acs_run.report)
    assert external == []
    assert sorted(t for t in linked if not (acs_run.out / t).is_file()) == []
    in_tree = {f.name for t in acs_run.tree.totals for r in detector_rows(t, acs_run.out)
               for f in r.files} | {acs_run.tree.manifest}
    on_disk = {n for n in in_tree if (acs_run.out / n).is_file()}
    assert sorted(on_disk - linked) == []
    manifest = (acs_run.out / acs_run.tree.manifest).read_text().split()
    assert acs_run.report.name in manifest


@pytest.mark.skipif(find_chromium() is None,
                    reason="needs chromium on PATH (Debian: apt-get install chromium)")
def test_pipeline_report_in_chromium(acs_run: Run, tmp_path: Path) -> None:
    check = check_page(acs_run.report, screenshot=tmp_path / "report.png")
    assert check.errors == []
    assert (tmp_path / "report.png").stat().st_size > 10_000
