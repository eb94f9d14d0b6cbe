"""Crowded fields: the 47 Tuc-like luminosity function, Gaia's crowding limit, saturated giants
with bleed trails flagged in DQ, determinism, and the Gaia DR3 error table's published values."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from scipy import ndimage

from hapsvm.errors import ConfigError
from hapsvm.simulate import simulate_visit
from hapsvm.simulate.astrometry import gaia_uncertainties
from hapsvm.simulate.cli import main
from hapsvm.simulate.crowding import CLUSTER_DISTANCE_MODULUS_V
from hapsvm.simulate.crowding import CROWDED_STARS_PER_ARCSEC2
from hapsvm.simulate.crowding import GAIA_MAX_DENSITY_DEG2
from hapsvm.simulate.crowding import cluster_stars
from hapsvm.simulate.crowding import gaia_selection
from hapsvm.simulate.effects import DQ_SATURATED


@pytest.fixture(scope="module")
def crowded(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return simulate_visit(tmp_path_factory.mktemp("crowded"), detector="acs_wfc", size=512,
                          n_exposures=2, seed=4, crowding="crowded", exptime=40.0)


def test_gaia_dr3_table_matches_the_edr3_documentation() -> None:
    # Gaia EDR3 documentation, executive summary: five-parameter solutions, position at
    # J2016.0 0.01-0.02 mas (G < 15), 0.05 (17), 0.4 (20), 1.0 mas (21); proper motion
    # 0.02-0.03 (G < 15), 0.07 (17), 0.5 (20), 1.4 mas/yr (21)
    pos, pm = gaia_uncertainties(np.array([13.0, 17.0, 20.0, 21.0]))
    assert 0.01 <= pos[0] <= 0.02 and 0.02 <= pm[0] <= 0.03
    np.testing.assert_allclose(pos[1:], [0.05, 0.4, 1.0], rtol=1e-9)
    np.testing.assert_allclose(pm[1:], [0.07, 0.5, 1.4], rtol=1e-9)


def test_crowding_luminosity_function_has_giants_turnoff_and_rising_main_sequence() -> None:
    g, color = cluster_stars(np.random.default_rng(3), 200_000)
    m_v = g - CLUSTER_DISTANCE_MODULUS_V
    per_mag, edges = np.histogram(m_v, bins=np.arange(-1.5, 10.6, 1.0))
    assert per_mag[0] < per_mag[1] < per_mag[3] < per_mag[4]  # the RGB rises to its base
    hb = np.sum(np.abs(m_v - 0.69) < 0.25)
    assert hb > 2 * np.sum(np.abs(m_v - 1.5) < 0.25)    # the HB clump stands out
    assert per_mag[-2] > 3 * per_mag[5]                  # M_V 8.5-9.5 vs 3.5-4.5 (turnoff)
    assert 0.002 < np.mean(m_v < 2.0) < 0.02             # giants: a percent of the stars
    turnoff = np.abs(m_v - 4.3) < 0.2
    assert np.median(color[turnoff]) < np.median(color[m_v < 0.0]) - 0.4


def test_crowding_gaia_selection_keeps_the_brightest_under_the_density_limit() -> None:
    g = np.random.default_rng(1).uniform(12.0, 24.0, 5000)
    area = 1000.0                                        # arcsec²
    keep = gaia_selection(g, area, 21.0)
    assert keep.sum() == int(GAIA_MAX_DENSITY_DEG2 * area / 3600.0 ** 2)
    assert g[keep].max() < g[~keep].min()
    sparse = gaia_selection(g[:50], area, 21.0)          # a sparse field: only G ≤ 21
    assert np.array_equal(sparse, g[:50] <= 21.0)


def test_crowding_visit_density_catalogue_and_saturation(crowded) -> None:  # type: ignore[no-untyped-def]
    src = crowded.truth.sources
    stars = src[src["type"] == "star"]
    area, shapes = 0.0, []
    with fits.open(crowded.imaging_paths[0]) as hdul:
        for extver in (1, 2):
            sci, dq = hdul["SCI", extver].data, hdul["DQ", extver].data
            area += sci.size * 0.05 ** 2
            saturated = (dq & DQ_SATURATED) > 0
            assert np.all(sci[saturated] > 0.99 * 84700.0)   # clipped at ACS/WFC's full well
            boxes = ndimage.find_objects(ndimage.label(saturated)[0])
            shapes += [(b[0].stop - b[0].start, b[1].stop - b[1].start) for b in boxes]
    assert len(shapes) >= 2                                  # saturated giants in 40 s
    height, width = max(shapes)
    assert height > 3 * width                                # charge bled along the columns
    # stars drawn over the chips plus a 3″ margin: at least the chips' share of the density
    assert len(stars) > 0.9 * CROWDED_STARS_PER_ARCSEC2 * area
    ref = Table.read(crowded.reference_catalog_path)
    assert len(ref) == int(stars["in_reference"].sum())
    faintest_listed = float(np.max(stars["gaia_g"][stars["in_reference"]]))
    assert faintest_listed < 19.0 < float(np.max(stars["gaia_g"]))  # cut by crowding, not G 21
    assert np.all(stars["gaia_g"][~stars["in_reference"]] > faintest_listed - 1e-9)


def test_crowding_visit_is_deterministic(tmp_path: Path, crowded) -> None:  # type: ignore[no-untyped-def]
    again = simulate_visit(tmp_path, detector="acs_wfc", size=512, n_exposures=2, seed=4,
                           crowding="crowded", exptime=40.0)
    for a, b in zip(crowded.imaging_paths, again.imaging_paths):
        with fits.open(a) as ha, fits.open(b) as hb:
            assert np.array_equal(ha["SCI", 1].data, hb["SCI", 1].data)
            assert np.array_equal(ha["DQ", 2].data, hb["DQ", 2].data)


def test_crowding_unknown_mode_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="crowding"):
        simulate_visit(tmp_path, detector="wfc3_ir", size=64, crowding="dense")


def test_crowding_cli_option(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([str(tmp_path), "--detector", "wfc3_ir", "--size", "64", "--n-exposures", "1",
                 "--crowding", "crowded", "--exptime", "30"]) == 0
    visit_dir = next(tmp_path.iterdir())
    stars = Table.read(visit_dir / "truth" / "sources.ecsv")
    stars = stars[stars["type"] == "star"]
    assert len(stars) > 0.9 * CROWDED_STARS_PER_ARCSEC2 * (64 * 0.128) ** 2
    assert "isim01a0q_flt.fits" in capsys.readouterr().out


def test_crowding_visit_far_in_the_future_is_quiet(tmp_path: Path) -> None:
    # the default filterwarnings=error turns ERFA's "dubious year" (UTC past the leap-second
    # table) into a failure; a 2030 visit must simulate without it
    visit = simulate_visit(tmp_path, detector="wfc3_ir", size=64, n_exposures=1,
                           epoch_year=2030.0)
    assert visit.truth.epoch == pytest.approx(2030.0, abs=1e-4)
