"""The make_catalogs step end to end: a simulated visit and the real WFC3/IR visit 21."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS
from scipy.spatial import cKDTree

from hapsvm.cli import run_visit

FILTERS = ("F105W", "F160W")


def _catalogs(out: Path) -> dict[str, Table]:
    return {p.name: Table.read(p) for p in sorted(out.glob("*-cat.ecsv"))}


@pytest.fixture(scope="module")
def sim_run(sim_visit_factory, tmp_path_factory: pytest.TempPathFactory):
    sim = sim_visit_factory(detector="wfc3_ir", n_exposures=4, size=512, filters=FILTERS,
                            pointing_error=False)
    out = tmp_path_factory.mktemp("sim_catalogs")
    result = run_visit(str(sim.visit_dir), out, [], resume=False)
    return sim, out, result


def test_make_catalogs_writes_every_catalog_of_a_simulated_visit(sim_run) -> None:
    _, out, result = sim_run
    assert result.exit_code == 0
    status = {r.step: r.status for r in result.records if r.unit == "wfc3_ir"}
    assert status["make_catalogs"] == "done"
    cats = _catalogs(out)
    assert len(cats) == 6                           # (2 filters + total) × (point, segment)
    points = [t for n, t in cats.items() if "point" in n and "total" not in n]
    for t in points[1:]:
        for col in ("ID", "X-Center", "Y-Center", "RA", "DEC"):
            assert np.array_equal(np.asarray(t[col]), np.asarray(points[0][col]))
    total = next(t for n, t in cats.items() if "total" in n and "point" in n)
    assert set(np.asarray(total["ID"])) <= set(np.asarray(points[0]["ID"]))
    meta = points[0].meta
    assert meta["Instrument"] == "WFC3" and meta["Detector"] == "IR"
    assert meta["Aper2 (arcsec)"] == 0.45 and meta["Recipe version"] == "1.0"
    assert (out / next(iter(cats)).replace(".ecsv", "_recipe.yaml")).is_file()


def test_make_catalogs_matches_the_simulated_truth(sim_run) -> None:
    sim, out, _ = sim_run
    truth = sim.truth.sources
    total = next(out.glob("*_total_*_drz.fits"))
    wcs = WCS(fits.getheader(total, "SCI"))
    tx, ty = wcs.world_to_pixel_values(truth["ra"], truth["dec"])
    star = np.asarray(truth["type"] == "star")
    for filt in FILTERS:
        tab = Table.read(next(out.glob(f"*_{filt.lower()}_*point-cat.ecsv")))
        dist, row = cKDTree(np.column_stack([tab["X-Center"], tab["Y-Center"]])).query(
            np.column_stack([tx, ty]))
        others = cKDTree(np.column_stack([tx, ty])).query(np.column_stack([tx, ty]), k=2)[0][:, 1]
        snr = np.asarray(tab["FluxAp2"] / tab["FluxErrAp2"])[row]
        sel = star & (dist < 1) & (snr >= 50) & (others > 4)
        rel = (np.asarray(tab["FluxAp2Cor"])[row[sel]]
               / np.asarray(truth[f"flux_{filt.lower()}"])[sel] - 1)
        print(f"{filt}: {sel.sum()} S/N>=50 stars: position error median "
              f"{np.median(dist[sel]):.4f} px; FluxAp2Cor error median {np.median(rel):+.4f}, "
              f"median |.| {np.median(np.abs(rel)):.4f}; aperture correction "
              f"{tab.meta['Aperture correction']} ({tab.meta['Aperture correction method'][:8]}, "
              f"{tab.meta['Aperture correction stars']} stars)")
        assert sel.sum() >= 10
        assert np.median(dist[sel]) < 0.05
        assert np.median(np.abs(rel)) <= 0.02


@pytest.mark.realdata
def test_make_catalogs_on_real_visit21(visit21: Path, tmp_path: Path) -> None:
    result = run_visit(str(visit21), tmp_path, [], resume=False)
    status = {r.step: r.status for r in result.records if r.unit == "wfc3_ir"}
    assert status["make_catalogs"] == "done"
    cats = _catalogs(tmp_path)
    counts = {name: len(t) for name, t in cats.items()}
    print("visit 21 catalogue rows:", counts)
    assert set(counts) == {f"hst_11359_21_wfc3_ir_{p}_ib6o21_{k}-cat.ecsv"
                           for p in ("f098m", "total") for k in ("point", "segment")}
    assert counts["hst_11359_21_wfc3_ir_f098m_ib6o21_point-cat.ecsv"] >= 20
    assert counts["hst_11359_21_wfc3_ir_f098m_ib6o21_segment-cat.ecsv"] >= 5
    point = cats["hst_11359_21_wfc3_ir_f098m_ib6o21_point-cat.ecsv"]
    assert point.meta["Background method"] == "zero_background"   # uint8-quantised FLTs
    assert point.meta["Filter"] == "f098m" and point.meta["Number of sources"] == len(point)
