"""Point catalogues against truth: completeness, false detections, positions, fluxes, IDs."""
from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from tests.catalogs.conftest import CatalogCase

DETECTORS = ["wfc3_ir", "acs_wfc"]


def _isolated_stars(case: CatalogCase) -> np.ndarray:
    """Stars with no other true source within 3 px and no galaxy within 3 r_eff + 3 px."""
    tr = case.truth
    xy = np.column_stack([tr["x"], tr["y"]])
    tree = cKDTree(xy)
    reach = np.where(tr["kind"] == "galaxy", 3 * np.asarray(tr["r_eff_px"]) + 3, 3.0)
    ok = np.asarray(tr["kind"] == "star")
    for j in range(len(tr)):
        near = tree.query_ball_point(xy[j], reach[j])
        if len(near) > 1:
            ok[[k for k in near if k != j]] = False
    return ok & case.interior()


@pytest.mark.parametrize("detector", DETECTORS)
def test_point_catalog_completeness_and_false_detections(catalog_case, detector: str) -> None:
    case = catalog_case(detector)
    tab = case.catalogs.filters[0].point
    dist, _ = case.match(tab)
    snr = np.asarray(case.truth["snr_total"])
    isolated = _isolated_stars(case) & (snr >= 10)
    every = np.asarray(case.truth["kind"] == "star") & case.interior() & (snr >= 10)
    completeness = np.mean(dist[isolated] < 1.0)
    print(f"{detector}: completeness S/N>=10 isolated {completeness:.3f} (n={isolated.sum()}), "
          f"all stars {np.mean(dist[every] < 1.0):.3f} (n={every.sum()})")
    assert isolated.sum() >= 60
    assert completeness >= 0.95
    # false detections: no true star within 1.5 px, no galaxy within 3 r_eff (≥ 2 px)
    tr = case.truth
    tree = cKDTree(np.column_stack([tr["x"], tr["y"]]))
    near = tree.query_ball_point(np.column_stack([tab["X-Center"], tab["Y-Center"]]),
                                 r=max(2.0, 3 * float(np.max(tr["r_eff_px"]))))
    xs, ys = np.asarray(tab["X-Center"]), np.asarray(tab["Y-Center"])
    false = 0
    for i, cand in enumerate(near):
        d = np.hypot(np.asarray(tr["x"])[cand] - xs[i], np.asarray(tr["y"])[cand] - ys[i])
        tol = np.where(tr["kind"][cand] == "galaxy", np.maximum(2, 3 * tr["r_eff_px"][cand]), 1.5)
        false += not np.any(d <= tol)
    print(f"{detector}: false detections {false}/{len(tab)} = {false / len(tab):.4f}")
    assert false / len(tab) <= 0.02


@pytest.mark.parametrize("detector", DETECTORS)
def test_point_positions_within_005_px(catalog_case, detector: str) -> None:
    case = catalog_case(detector)
    tab = case.catalogs.filters[0].point
    dist, _ = case.match(tab)
    bright = _isolated_stars(case) & (np.asarray(case.truth["snr_total"]) >= 50) & (dist < 1)
    print(f"{detector}: S/N>=50 position error median {np.median(dist[bright]):.4f} px, "
          f"90% {np.percentile(dist[bright], 90):.4f} px (n={bright.sum()})")
    assert bright.sum() >= 15
    assert np.median(dist[bright]) < 0.05
    assert np.percentile(dist[bright], 90) < 0.08


@pytest.mark.parametrize("detector", DETECTORS)
def test_point_flux_after_aperture_correction(catalog_case, detector: str) -> None:
    case = catalog_case(detector)
    for prod in case.catalogs.filters:
        tab, fname = prod.point, prod.filter_name.upper()
        dist, row = case.match(tab)
        snr = np.asarray(case.truth[f"snr_{fname}"])
        sel = _isolated_stars(case) & (snr >= 50) & (dist < 1) & ~case.truth["dropout"]
        true = np.asarray(case.truth[f"flux_{fname}"])[sel]
        rel = np.asarray(tab["FluxAp2Cor"])[row[sel]] / true - 1
        pull = rel * true / np.asarray(tab["FluxErrAp2Cor"])[row[sel]]
        meta = tab.meta
        print(f"{detector} {fname}: aperture correction {meta['Aperture correction']:.4f} "
              f"± {meta['Aperture correction error']:.4f} ({meta['Aperture correction method']},"
              f" {meta['Aperture correction stars']} stars); S/N>=50 (n={sel.sum()}): median "
              f"error {np.median(rel):+.4f}, median |error| {np.median(np.abs(rel)):.4f}, "
              f"pull rms {np.std(pull):.2f} (robust {1.4826 * np.median(np.abs(pull)):.2f})")
        assert meta["Aperture correction stars"] >= 5
        assert np.median(np.abs(rel)) <= 0.02
        robust_rms = 1.4826 * np.median(np.abs(pull - np.median(pull)))
        assert 0.3 < robust_rms < 2.0      # < 1: the correction's error is conservative


@pytest.mark.parametrize("detector", DETECTORS)
def test_forced_photometry_shares_ids_and_positions(catalog_case, detector: str) -> None:
    cats = catalog_case(detector).catalogs
    first = cats.filters[0].point
    for prod in cats.filters[1:]:
        for col in ("ID", "X-Center", "Y-Center", "RA", "DEC"):
            assert np.array_equal(np.asarray(prod.point[col]), np.asarray(first[col]))
    assert set(np.asarray(cats.total.point["ID"])) <= set(np.asarray(first["ID"]))
    assert np.array_equal(np.asarray(first["ID"]), np.arange(1, len(first) + 1))


def test_forced_photometry_measures_a_source_absent_from_a_filter(catalog_case) -> None:
    case = catalog_case("wfc3_ir")
    f1 = case.catalogs.filters[0]
    dist, row = case.match(f1.point)
    drop = np.asarray(case.truth["dropout"]) & (dist < 1) & _isolated_stars(case)
    assert drop.sum() >= 2
    flux, err = (np.asarray(f1.point[c])[row[drop]] for c in ("FluxAp2", "FluxErrAp2"))
    print("dropouts: FluxAp2", flux, "FluxErrAp2", err)
    assert np.all(np.isfinite(err)) and np.all(err > 0)
    assert np.all(np.abs(flux) < 4 * err)            # consistent with no flux
    assert np.all(np.asarray(f1.point["Flags"])[row[drop]] & 8)   # faint in that filter
    other = case.catalogs.filters[1].point
    assert np.all(np.asarray(other["FluxAp2"])[row[drop]] > 20 * np.asarray(
        other["FluxErrAp2"])[row[drop]])


def test_point_columns_follow_the_spec(catalog_case) -> None:
    cats = catalog_case("wfc3_ir").catalogs
    spec = ["X-Center", "Y-Center", "RA", "DEC", "ID", "MagAp1", "MagErrAp1", "FluxAp1",
            "FluxErrAp1", "MagAp2", "MagErrAp2", "MSkyAp2", "StdevAp2", "FluxAp2", "FluxErrAp2",
            "CI", "Flags"]
    assert cats.filters[0].point.colnames[:len(spec)] == spec
    f = cats.filters[0].filter_name
    per_filter = ("MagAP2", "CI", "Flags", "MagPSF", "Trusted")
    assert cats.total.point.colnames == ["X-Center", "Y-Center", "RA", "DEC", "ID",
                                         *[f"{c}_{f}" for c in per_filter],
                                         *[f"{c}_{cats.filters[1].filter_name}"
                                           for c in per_filter], "Trusted"]
    assert cats.filters[0].point.colnames[len(spec):] == [
        "FluxAp2Cor", "FluxErrAp2Cor", "MagAp2Cor", "FluxPSF", "FluxErrPSF", "MagPSF",
        "MagErrPSF", "QfitPSF", "Chi2PSF", "Trusted"]
    tab = cats.filters[0].point
    ok = (tab["FluxAp1"] > 0) & (tab["FluxAp2"] > 0)
    assert np.allclose(np.asarray(tab["CI"])[ok], np.asarray(tab["MagAp1"] - tab["MagAp2"])[ok])


def test_point_edge_flag_marks_sources_in_the_edge_strips(catalog_case) -> None:
    case = catalog_case("acs_wfc")
    tab = case.catalogs.filters[0].point
    x, y = np.asarray(tab["X-Center"]), np.asarray(tab["Y-Center"])
    size = case.products.size
    edge = np.minimum.reduce([x, y, size - 1 - x, size - 1 - y])
    flags = np.asarray(tab["Flags"])
    assert np.all(flags[edge < 28] & 64)          # data edge at ~18 px + the 6-px edge erosion
    assert not np.any(flags[edge > 45] & 64)      # full coverage inside
