"""Simulated visits open as real FLT/FLC files: structure, keywords, WCS, poller, catalogues."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.table import Table
from astropy.wcs import WCS

from hapsvm.errors import ConfigError
from hapsvm.simulate import load_truth

DETECTORS = ["wfc3_ir", "wfc3_uvis", "acs_wfc"]
SHAPES = {"wfc3_ir": [(256, 256)], "wfc3_uvis": [(128, 256)] * 2, "acs_wfc": [(128, 256)] * 2}


@pytest.mark.parametrize("detector", DETECTORS)
def test_visit_files_open_with_hst_structure(sim_visit_factory, detector):
    visit = sim_visit_factory(detector=detector)
    assert len(visit.exposure_paths) == 4 and visit.imaging_paths == visit.exposure_paths
    for path in visit.exposure_paths:
        with fits.open(path) as hdul:
            names = [(h.name, h.ver) for h in hdul[1:]]
            n_chips = len(SHAPES[detector])
            per_chip = ["SCI", "ERR", "DQ"] + (["SAMP", "TIME"] if detector == "wfc3_ir" else [])
            assert names == [(n, c) for c in range(1, n_chips + 1) for n in per_chip]
            assert hdul[0].header["NEXTEND"] == len(names)
            for chip in range(1, n_chips + 1):
                assert hdul["SCI", chip].data.dtype == np.dtype(">f4")
                assert hdul["ERR", chip].data.dtype == np.dtype(">f4")
                assert hdul["DQ", chip].data.dtype == np.dtype(">i2")
                assert hdul["SCI", chip].data.shape == SHAPES[detector][chip - 1]
                assert np.all(hdul["ERR", chip].data > 0)


@pytest.mark.parametrize("detector", DETECTORS)
def test_visit_files_build_sip_wcs_without_warnings(sim_visit_factory, detector):
    visit = sim_visit_factory(detector=detector)
    with fits.open(visit.exposure_paths[0]) as hdul:
        for hdu in hdul:
            if hdu.name != "SCI":
                continue
            with warnings.catch_warnings():
                warnings.simplefilter("error")
                wcs = WCS(hdu.header, hdul)
            assert wcs.sip is not None and wcs.wcs.ctype[0] == "RA---TAN-SIP"
            assert hdu.header["WCSNAME"] == visit.truth.wcsname
            assert hdu.header["WCSNAME"].startswith("IDC_") and \
                hdu.header["WCSNAME"].endswith("-GSC240")


@pytest.mark.parametrize("detector", DETECTORS)
def test_visit_files_ccdchip_order_follows_real_files(sim_visit_factory, detector):
    visit = sim_visit_factory(detector=detector)
    with fits.open(visit.exposure_paths[0]) as hdul:
        if detector == "wfc3_ir":
            assert "CCDCHIP" not in hdul["SCI", 1].header
            assert hdul["SCI", 1].header["BUNIT"] == "ELECTRONS/S"
            assert "PHOTFLAM" in hdul[0].header and "PHOTFLAM" not in hdul["SCI", 1].header
        else:
            assert [hdul["SCI", c].header["CCDCHIP"] for c in (1, 2)] == [2, 1]
            assert hdul["SCI", 1].header["BUNIT"] == "ELECTRONS"
            assert "PHOTFLAM" in hdul["SCI", 1].header


def test_visit_files_rootnames_follow_hst_pattern(sim_visit_factory):
    visit = sim_visit_factory(detector="acs_wfc")
    for path in visit.exposure_paths:
        root = fits.getval(path, "ROOTNAME")
        assert len(root) == 9 and root[0] == "j" and root[4:6] == "01" and root[-1] == "q"
        assert path.name == f"{root}_flc.fits"
        assert fits.getval(path, "FILTER1") == "F606W"
        assert fits.getval(path, "FILTER2") == "CLEAR2L"


def test_visit_files_poller_names_every_file(sim_visit_factory):
    visit = sim_visit_factory(detector="wfc3_uvis", extras=("grism", "dark"))
    rows = [line.split(",") for line in visit.poller_path.read_text().splitlines()]
    assert visit.poller_path.name == "isim01_input.out"
    assert [r[0] for r in rows] == [p.name for p in visit.exposure_paths]
    for row, path in zip(rows, visit.exposure_paths):
        assert len(row) == 8
        header = fits.getheader(path)
        assert int(row[1]) == header["PROPOSID"]
        assert row[2] == header["ROOTNAME"][1:4].upper() and row[3] == header["ROOTNAME"][4:6]
        assert float(row[4]) == pytest.approx(header["EXPTIME"])
        assert row[5] == header["FILTER"] and row[6] == header["DETECTOR"]
        assert (visit.poller_path.parent / row[7]).is_file()


_ECSV_COLUMNS = ["ra", "dec", "ra_error", "dec_error", "pmra", "pmdec", "pmra_error",
                 "pmdec_error", "ref_epoch", "mag", "objID"]
_CSV_COLUMNS = ["ra", "dec", "ra_error", "dec_error", "pmra", "pmra_error", "pmdec",
                "pmdec_error", "mag", "objID", "epoch"]


def _catalogues(visit):  # type: ignore[no-untyped-def]
    ecsv = Table.read(visit.reference_catalog_path, format="ascii.ecsv")
    csv = Table.read(visit.reference_csv_path, format="ascii.csv")
    assert ecsv.colnames == _ECSV_COLUMNS and csv.colnames == _CSV_COLUMNS
    src = visit.truth.sources
    ref = src[src["in_reference"]]
    assert len(ref) == len(ecsv) == len(csv) >= 12
    assert np.all(ecsv["ref_epoch"] == 2016.0) and np.all(ecsv["mag"] <= 21.0)
    assert np.array_equal(np.asarray(ref["objID"]), np.asarray(ecsv["objID"]))
    assert np.all(csv["epoch"] == pytest.approx(visit.truth.epoch, abs=1e-5))
    # the service-like CSV is the file's catalogue moved by its own proper motions to the epoch
    dt = visit.truth.epoch - 2016.0
    np.testing.assert_allclose(csv["dec"], ecsv["dec"] + ecsv["pmdec"] * dt / 3.6e6, atol=1e-11)
    np.testing.assert_allclose(np.asarray(csv["ra_error"]), np.asarray(ecsv["ra_error"]))
    return ecsv, csv, ref


def test_visit_files_exact_reference_catalogues_hold_the_true_stars(sim_visit_factory):
    visit = sim_visit_factory(detector="wfc3_ir", catalog_errors=False)
    ecsv, csv, ref = _catalogues(visit)
    assert not visit.truth.catalog_errors
    np.testing.assert_allclose(ecsv["ra"], ref["ra_2016"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(ecsv["pmdec"], ref["pmdec"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(csv["dec"], ref["dec"], rtol=0, atol=1e-12)
    moved = np.hypot((ref["ra"] - ref["ra_2016"]) * np.cos(np.radians(ref["dec"])),
                     ref["dec"] - ref["dec_2016"]) * 3.6e6
    expected = np.hypot(ref["pmra"], ref["pmdec"]) * abs(visit.truth.epoch - 2016.0)
    np.testing.assert_allclose(moved, expected, rtol=1e-6, atol=1e-6)


def test_visit_files_reference_catalogues_have_gaia_dr3_errors(sim_visit_factory):
    visit = sim_visit_factory(detector="wfc3_ir", n_stars=400)
    ecsv, _, ref = _catalogues(visit)
    assert visit.truth.catalog_errors
    g = np.asarray(ecsv["mag"])
    # listed uncertainties grow with G: tens of µas when bright, about 1 mas (1.4 mas/yr) at 21
    assert np.all(ecsv["ra_error"][g < 17] < 0.1) and np.all(ecsv["pmra_error"][g < 17] < 0.15)
    assert 0.5 < np.median(ecsv["dec_error"][g > 20.5]) < 1.2
    assert 0.8 < np.median(ecsv["pmdec_error"][g > 20.5]) < 1.6
    # the errors themselves are drawn from them: unit normal deviates
    cosd = np.cos(np.radians(np.asarray(ref["dec_2016"])))
    z = np.concatenate([
        (ecsv["ra"] - ref["ra_2016"]) * cosd * 3.6e6 / ecsv["ra_error"],
        (ecsv["dec"] - ref["dec_2016"]) * 3.6e6 / ecsv["dec_error"],
        (ecsv["pmra"] - ref["pmra"]) / ecsv["pmra_error"],
        (ecsv["pmdec"] - ref["pmdec"]) / ecsv["pmdec_error"]])
    assert 0.8 < np.std(z) < 1.2 and abs(np.mean(z)) < 0.15 and np.max(np.abs(z)) < 5.5


def test_visit_files_epoch_and_field_proper_motion_are_options(tmp_path):
    from hapsvm.simulate import simulate_visit

    visit = simulate_visit(tmp_path, detector="wfc3_ir", n_exposures=1, size=128, n_stars=300,
                           epoch_year=2023.0, pm_mean_mas_yr=(4.0, -3.0),
                           pm_dispersion_mas_yr=1.0)
    assert visit.truth.epoch == pytest.approx(2023.0, abs=1e-4)
    stars = visit.truth.sources[visit.truth.sources["type"] == "star"]
    assert np.mean(stars["pmra"]) == pytest.approx(4.0, abs=0.2)
    assert np.std(stars["pmdec"]) == pytest.approx(1.0, abs=0.2)
    with pytest.raises(ConfigError, match="expstart_mjd or epoch_year"):
        simulate_visit(tmp_path / "b", detector="wfc3_ir", size=64, epoch_year=2023.0,
                       expstart_mjd=60000.0)


def test_visit_files_truth_round_trips(sim_visit_factory):
    visit = sim_visit_factory(detector="acs_wfc")
    loaded = load_truth(visit.visit_dir)
    assert loaded.exposures == visit.truth.exposures
    assert loaded.wcsname == visit.truth.wcsname and loaded.epoch == visit.truth.epoch
    assert len(loaded.sources) == len(visit.truth.sources)
    root = loaded.exposures[0].rootname
    assert loaded.cr_mask(root, 1).shape == (128, 256) and loaded.cr_mask(root, 1).any()
    assert loaded.true_wcs(root, 2).pixel_shape == (256, 128)
