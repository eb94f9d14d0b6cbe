"""write_qa_report: a static page linking every product on disk, robust to missing parts."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from astropy.io import fits

from hapsvm.preview.report import AlignmentRow
from hapsvm.preview.report import Footprint
from hapsvm.preview.report.files import detector_rows
from hapsvm.preview.report.svg import footprint_svg
from hapsvm.preview.report.svg import shift_svg
from tests.preview.links import local_files
from tests.preview.links import page_links
from tests.preview.synthetic import SyntheticVisit
from tests.preview.synthetic import make_visit
from tests.preview.synthetic import run_report_steps
from tests.preview.synthetic import run_step
from tests.preview.synthetic import write_catalogs
from tests.preview.synthetic import write_copies
from tests.preview.synthetic import write_drizzles

REPORT = "wfc3_b6o_21_qa_report.html"


def _tree_files(v: SyntheticVisit) -> set[str]:
    """Every file name of the product tree (any kind) plus the visit files."""
    names = {f.name for t in v.tree.totals
             for row in detector_rows(t, v.out) for f in row.files}
    return names | {v.tree.manifest}


def _full_run(v: SyntheticVisit) -> None:
    run_report_steps(v)


def test_report_name_follows_the_manifest(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    assert v.tree.manifest == "wfc3_b6o_21_manifest.txt"
    run_step(v.ctx, "write_qa_report")
    assert (v.out / REPORT).is_file()
    assert (v.out / "wfc3_b6o_21_qa_report_recipe.yaml").is_file()


def test_report_links_every_product_file_on_disk(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    _full_run(v)
    page = v.out / REPORT
    linked, external = local_files(page)
    assert external == [], "the page must not load anything remote"
    missing = sorted(t for t in linked if not (v.out / t).is_file())
    assert missing == [], f"links to files that do not exist: {missing}"
    on_disk = {n for n in _tree_files(v) if (v.out / n).is_file()}
    assert len(on_disk) == 39      # 7 drizzles, 16 JPEGs, 4 copies, 4 catalogues, 8 texts
    assert sorted(on_disk - linked) == [], "product files on disk but not linked"
    for name in ("wfc3_b6o_21_exposures.ecsv", "wfc3_b6o_21_product_tree.json",
                 "wfc3_b6o_21_qa_report_recipe.yaml"):
        assert name in linked
    total = v.tree.totals[0]
    _, tags = page_links(page)
    assert "script" not in tags and "svg" in tags
    text = page.read_text()
    for preview in [total.names()["thumbnail"], total.names()["color_thumbnail"]]:
        assert f'src="{preview}"' in text
    assert f'href="{total.names()["color_preview"]}"' in text
    manifest = (v.out / v.tree.manifest).read_text().split()
    assert {total.names()["color_preview"], total.names()["color_thumbnail"]} <= set(manifest)
    assert text.count("<circle") == 6          # the total's 2 catalogues × 3 sources
    assert "NPIXFRAC" in text and "MEANEXPT" in text and "S_REGION" in text


def test_report_with_intake_products_only(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    write_copies(v)
    run_step(v.ctx, "write_visit_plan")
    run_step(v.ctx, "write_qa_report")
    page = v.out / REPORT
    linked, _ = local_files(page)
    pending = {f.name for t in v.tree.totals for r in detector_rows(t, v.out) for f in r.files
               if f.kind == "trailer"} | {v.tree.manifest}
    assert sorted(t for t in linked if not (v.out / t).is_file() and t not in pending) == []
    copies = {e.input_copy for e in v.tree.totals[0].all_exposures()}
    assert copies <= linked
    text = page.read_text()
    assert "No previews: no drizzle product of this detector is on disk." in text
    assert "No catalogue on disk." in text
    assert "Every copy keeps its original WCS" in text
    assert "<polygon" in text                    # chip footprints from the copies' S_REGION


def test_report_survives_damaged_products(tmp_path: Path,
                                          caplog: pytest.LogCaptureFixture) -> None:
    v = make_visit(tmp_path)
    write_copies(v)
    write_drizzles(v)
    names = write_catalogs(v)
    total = v.tree.totals[0]
    (v.out / total.drizzle).write_bytes(b"garbage")
    (v.out / names[0]).write_text("# %ECSV 1.0\nnot a table\x00")
    run_step(v.ctx, "write_qa_report")
    text = (v.out / REPORT).read_text()
    assert names[0] in text and "unreadable" in caplog.text


def test_report_shows_alignment_keywords_and_shift(tmp_path: Path) -> None:
    v = make_visit(tmp_path)
    write_copies(v)
    exp = v.tree.totals[0].filters[0].exposures[0]
    with fits.open(v.out / exp.input_copy, mode="update") as hdul:
        h0, h = hdul[0].header, hdul["SCI", 1].header
        h["CRVAL2"] += 0.1 / 3600.0                # 100 mas north
        h["WCSNAME"] = "OPUS-FIT_SVM_GAIAeDR3"
        h["NMATCHES"], h["RMS_RA"], h["RMS_DEC"], h["FITGEOM"] = 17, 3.5, 4.25, "rscale"
        h0["SVMALIGN"] = "FIT_SVM_GAIAeDR3 rscale q1"
    run_step(v.ctx, "write_qa_report")
    text = (v.out / REPORT).read_text()
    row = re.search(rf"<tr><td><a href=\"{exp.input_copy}\">.*?</tr>", text)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(0))
    assert "OPUS-FIT_SVM_GAIAeDR3" in cells and "17" in cells and "rscale" in cells
    assert "FIT_SVM_GAIAeDR3 rscale q1" in row.group(0)
    assert "(+0.0, +100.0)" in cells
    assert "WCS shift per exposure" in text


def _xs(svg: str, label: str) -> list[float]:
    m = re.search(rf'<polygon points="([^"]+)"[^>]*><title>{label}</title>', svg)
    assert m is not None
    return [float(p.split(",")[0]) for p in m.group(1).split()]


def test_footprints_put_east_on_the_left() -> None:
    east = Footprint("east", "exposure", "f160w",
                     [[(10.02, 0.0), (10.03, 0.0), (10.03, 0.01), (10.02, 0.01)]])
    west = Footprint("west", "product", "f160w",
                     [[(10.00, 0.0), (10.01, 0.0), (10.01, 0.01), (10.00, 0.01)]])
    svg = footprint_svg([east, west])
    assert max(_xs(svg, "east")) < min(_xs(svg, "west"))


def test_shift_vectors_point_east_to_the_left() -> None:
    svg = shift_svg([AlignmentRow("a", "a.fits", {}, (50.0, 0.0)),
                     AlignmentRow("b", "b.fits", {}, (-50.0, 0.0))], uid="t")
    ends = {m.group(2): float(m.group(1)) for m in
            re.finditer(r'x2="([-0-9.]+)" y2="[-0-9.]+" stroke="#[0-9A-F]+" stroke-width="2" '
                        r'marker-end="url\(#shift-t\)"><title>(\w)', svg)}
    assert ends["a"] < ends["b"]
    assert shift_svg([AlignmentRow("a", "a.fits", {}, None)]) == ""
