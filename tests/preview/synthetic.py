"""A tiny two-filter WFC3/IR visit and hand-made drizzle products and catalogues, for the
preview and QA-report tests (no alignment, drizzle or catalogue code involved)."""
from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.table import Table

from hapsvm.core import RunProvenance
from hapsvm.core import VisitContext
from hapsvm.core import get_step
from hapsvm.visit import Decision
from hapsvm.visit import InputRow
from hapsvm.visit import ProductTree
from hapsvm.visit import build_product_tree
from hapsvm.visit import copy_and_rename
from hapsvm.visit import read_exposure
from tests.visit.synthetic import write_exposure

GRID = (96, 128)
"""(ny, nx) of the hand-made drizzle grid."""
PIVOT = {"f105w": 10552.0, "f160w": 15369.0}


@dataclass
class SyntheticVisit:
    """Inputs, product tree and a context ready to run the preview steps."""

    visit_dir: Path
    out: Path
    tree: ProductTree
    ctx: VisitContext


def make_visit(root: Path) -> SyntheticVisit:
    """Two filters × two exposures; product tree built by the intake code."""
    visit = root / "visit"
    visit.mkdir(parents=True)
    infos, decisions = [], []
    for i, filt in enumerate(["F160W", "F105W", "F160W", "F105W"]):
        path = write_exposure(visit / f"ib6o21a{i}q_flt.fits", rootname=f"ib6o21a{i}q",
                              FILTER=filt, PHOTPLAM=PIVOT[filt.lower()], shape=(32, 32))
        info = read_exposure(InputRow(path=path, source=visit, line=None))
        infos.append(info)
        decisions.append((info, Decision(keep=True)))
    tree = build_product_tree(infos, nexp_bins={"wfc3_ir": [1, 2, 4]})
    out = root / "out"
    out.mkdir()
    ctx = VisitContext(out, RunProvenance(recipe="v1", recipe_version="1.0", overrides=[],
                                          input=str(visit)))
    ctx.restore("", {"product_tree": tree, "exposure_decisions": decisions, "input": str(visit)})
    return SyntheticVisit(visit, out, tree, ctx)


def run_step(ctx: VisitContext, name: str, unit: str = "", **config: Any) -> None:
    """Run one registered step on ``ctx`` for ``unit`` ('' = visit) with its default config."""
    spec = get_step(name)
    chain = (unit, "") if unit else ("",)
    with ctx.running(name, requires=spec.requires, provides=spec.provides, scope_chain=chain,
                     recipe_yaml="# test recipe\n", writes_allowed=True):
        spec.func(ctx, spec.config(**config))


def write_copies(v: SyntheticVisit) -> None:
    """The renamed input copies (as copy_inputs writes them)."""
    for e in v.tree.totals[0].all_exposures():
        copy_and_rename(e.exposure.path, v.out / e.input_copy, svm_name=e.input_copy)


def drizzle_hdul(filter_name: str, seed: int) -> fits.HDUList:
    """A drizzle product: sources on a sky, a corner without weight, PHOTPLAM and S_REGION."""
    rng = np.random.default_rng(seed)
    ny, nx = GRID
    sci = rng.normal(1.0, 0.1, GRID).astype(np.float32)
    yy, xx = np.mgrid[:ny, :nx]
    for x, y in [(30, 20), (90, 70), (64, 48)]:
        sci += 50 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.0)
    wht = np.ones(GRID, np.float32)
    wht[:20, :30] = 0
    sci[wht == 0] = 0
    prim = fits.PrimaryHDU()
    prim.header["FILTER"] = filter_name.upper() if filter_name != "total" else "detection"
    prim.header["NPIXFRAC"], prim.header["MEANEXPT"] = 0.95, 400.0
    hdr = fits.Header()
    hdr["PHOTPLAM"] = PIVOT.get(filter_name, 12000.0)
    hdr["S_REGION"] = ("POLYGON ICRS 53.101 -27.801 53.099 -27.801 53.099 -27.799 "
                       "53.101 -27.799")
    return fits.HDUList([prim, fits.ImageHDU(sci, hdr, name="SCI"),
                         fits.ImageHDU(wht, name="WHT")])


def write_drizzles(v: SyntheticVisit, *, skip: tuple[str, ...] = ()) -> list[str]:
    """Every drizzle product of the tree except those named in ``skip``; returns the names."""
    total = v.tree.totals[0]
    wanted = [(total.drizzle, "total")] + [(f.drizzle, f.filter_name) for f in total.filters]
    wanted += [(e.drizzle, f.filter_name) for f in total.filters for e in f.exposures]
    written = []
    for i, (name, filt) in enumerate(wanted):
        if name not in skip:
            drizzle_hdul(filt, i).writeto(v.out / name)
            written.append(name)
    return written


def write_catalogs(v: SyntheticVisit) -> list[str]:
    """Point and segment catalogues of the total and of the first filter."""
    total = v.tree.totals[0]
    names = []
    for product in (total, total.filters[0]):
        for kind in ("point", "segment"):
            name = product.names()[f"{kind}_catalog"]
            xcol, ycol = ("X-Center", "Y-Center") if kind == "point" else ("X-Centroid",
                                                                          "Y-Centroid")
            mag = "MagAp2" if kind == "point" else "MagSegment"
            table = Table({xcol: [30.0, 90.0, 64.0], ycol: [20.0, 70.0, 48.0],
                           "ID": [1, 2, 3], mag: [21.5, -9999.0, 23.25]})
            table.meta["Number of sources"] = 3
            table.write(v.out / name, format="ascii.ecsv")
            names.append(name)
    return names


def copy_tree(src: Path, dst: Path) -> Path:
    """Copy an output directory (tests that damage files work on a copy)."""
    shutil.copytree(src, dst)
    return dst


def run_report_steps(v: SyntheticVisit) -> None:
    """Write inputs, drizzles and catalogues, then run the steps that end in the QA report."""
    write_copies(v)
    write_drizzles(v)
    write_catalogs(v)
    for step, unit in (("write_visit_plan", ""), ("make_previews", "wfc3_ir"),
                       ("write_qa_report", ""), ("write_trailers", ""), ("write_manifest", "")):
        run_step(v.ctx, step, unit)
