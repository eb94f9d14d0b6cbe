"""Time the catalogue stage (``hapsvm.catalogs.build_catalogs``) on a full-size ACS/WFC product.

Usage: ``.venv/bin/python benchmarks/bench_catalogs.py [--size 4200] [--stars N] [--galaxies N]
[--keep DIR] [--out benchmarks/results/catalogs.md]``.

Builds synthetic drizzle-like ACS/WFC products (two filters and their total, 4 exposures each,
exact truth; ``tests/catalogs/synthetic.py``), then times every stage of the catalogue work:
reading, background and noise of the total, point detection, segmentation (and deblending),
per-filter measurement (background, forced aperture photometry, aperture correction, segment
photometry, flags) and ECSV writing. Results (and truth scores) go to a markdown file.
"""
from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from scipy.spatial import cKDTree

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from hapsvm.catalogs import CatalogParameters
from hapsvm.catalogs import read_product
from hapsvm.catalogs import write_catalog
from hapsvm.catalogs.pipeline import DetectorCatalogs
from hapsvm.catalogs.pipeline import _measure_filter
from hapsvm.catalogs.pipeline import _quality
from hapsvm.catalogs.pipeline import _total
from hapsvm.catalogs.point_catalog import detect_point_positions
from hapsvm.catalogs.prepare import prepare_image
from hapsvm.catalogs.segment_catalog import detect_segments
from tests.catalogs.synthetic import make_products

#: conf/detector/acs_wfc.yaml values
ACS_WFC = CatalogParameters(apcorr_radius_arcsec=1.0, apcorr_default_mag=-0.22)


@contextmanager
def timed(rows: list[tuple[str, float]], label: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    rows.append((label, time.perf_counter() - start))
    print(f"{label}: {rows[-1][1]:.1f} s", flush=True)


def run(size: int, n_stars: int, n_galaxies: int, work: Path) -> tuple[list, list[str]]:
    t0 = time.perf_counter()
    products = make_products(work, detector="acs_wfc", size=size, n_stars=n_stars,
                             n_galaxies=n_galaxies, seed=11, border=60)
    print(f"synthetic products: {time.perf_counter() - t0:.1f} s", flush=True)
    rows: list[tuple[str, float]] = []
    with timed(rows, "read products"):
        total = read_product(products.total, filter_name="total")
        filters = [read_product(p, filter_name=f) for f, p in products.filters.items()]
    with timed(rows, "total: background and noise"):
        tprep = prepare_image(total, ACS_WFC)
    with timed(rows, "total: point detection (DAOStarFinder + centroid fits)"):
        pos = detect_point_positions(tprep, ACS_WFC)
    with timed(rows, "total: segmentation, deblending, detection catalogue"):
        seg = detect_segments(tprep, ACS_WFC)
    per_filter = []
    for image in filters:
        with timed(rows, f"{image.filter_name}: background, photometry, apcorr, segments, flags"):
            per_filter.append(_measure_filter(image, total, pos, seg, ACS_WFC, "bench", None))
    with timed(rows, "total catalogues and quality rules"):
        result = DetectorCatalogs(_total(tprep, pos, seg, per_filter, ACS_WFC, "bench"),
                                  per_filter)
        _quality(result, ACS_WFC, {}, total.exptime)
    with timed(rows, "write 6 ECSV files"):
        for cats in result.all():
            for kind in ("point", "segment"):
                write_catalog(getattr(cats, kind), work / f"{cats.filter_name}_{kind}-cat.ecsv")
    notes = _scores(products, result, len(pos.x), seg.segmentation)
    return rows, notes


def _scores(products, result, n_points: int, segmentation) -> list[str]:
    tr = products.truth
    tab = result.filters[0].point
    dist, row = cKDTree(np.column_stack([tab["X-Center"], tab["Y-Center"]])).query(
        np.column_stack([tr["x"], tr["y"]]))
    inner = (tr["x"] > 100) & (tr["x"] < products.size - 100) & \
        (tr["y"] > 100) & (tr["y"] < products.size - 100)
    stars = np.asarray(tr["kind"] == "star") & inner
    det10 = stars & (np.asarray(tr["snr_total"]) >= 10)
    n_segments = 0 if segmentation.segm is None else segmentation.segm.n_labels
    lines = [(f"- point sources detected: {n_points}; segments: {n_segments} "
              f"({segmentation.kernel} kernel; {segmentation.deblending})"),
             (f"- completeness, all stars with S/N ≥ 10 (blends included): "
              f"{np.mean(dist[det10] < 1):.3f} (n = {det10.sum()})")]
    for prod in result.filters:
        f = prod.filter_name.upper()
        sel = stars & (dist < 1) & (np.asarray(tr[f"snr_{f}"]) >= 50)
        rel = np.asarray(prod.point["FluxAp2Cor"])[row[sel]] / np.asarray(tr[f"flux_{f}"])[sel] - 1
        meta = prod.point.meta
        lines.append(f"- {f}: aperture correction {meta['Aperture correction']:.4f} ± "
                     f"{meta['Aperture correction error']:.4f} from "
                     f"{meta['Aperture correction stars']} stars (truth 1/EE₂ = "
                     f"{1 / tr[f'ee2_{f}'][0]:.4f}); S/N ≥ 50 stars: median FluxAp2Cor error "
                     f"{np.median(rel):+.4f}, median |error| {np.median(np.abs(rel)):.4f}; "
                     f"position error median {np.median(dist[sel]):.4f} px (n = {sel.sum()})")
    return lines


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=4200)
    ap.add_argument("--stars", type=int, default=9000)
    ap.add_argument("--galaxies", type=int, default=1500)
    ap.add_argument("--keep", type=Path, default=None)
    ap.add_argument("--out", type=Path,
                    default=Path(__file__).resolve().parent / "results" / "catalogs.md")
    args = ap.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench_catalogs_"))
    try:
        rows, notes = run(args.size, args.stars, args.galaxies, work)
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    total = sum(t for _, t in rows)
    lines = ["# Catalogue stage benchmark", "",
             (f"`benchmarks/bench_catalogs.py --size {args.size} --stars {args.stars} "
              f"--galaxies {args.galaxies}`: synthetic ACS/WFC drizzle-like products "
              f"({args.size}×{args.size} px, 2 filters + total, 4 exposures each), "
              f"conf/detector/acs_wfc.yaml catalogue values."),
             (f"Machine: {platform.machine()}, {platform.python_version()}, "
              f"{os.cpu_count()} CPUs (single process)."), "",
             "| stage | wall time (s) |", "|---|---|",
             *[f"| {label} | {sec:.1f} |" for label, sec in rows],
             f"| **catalogue stage total** | **{total:.1f}** |", "", "Truth scores:", *notes, ""]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
