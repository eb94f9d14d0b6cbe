"""Reference catalogues: column names of every source, epochs, proper motions, local files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table

from hapsvm.align import CatalogRequest
from hapsvm.align import CatalogUnavailableError
from hapsvm.align import FileCatalogProvider
from hapsvm.align import ServiceSettings
from hapsvm.align.providers import make_providers
from hapsvm.align.refcat import catalog_from_table
from hapsvm.align.refcat import decimal_year
from hapsvm.align.refcat import read_catalog_file
from hapsvm.align.refcat import read_service_csv
from hapsvm.errors import InputError


def test_gsc_and_2mass_column_names_are_understood() -> None:
    gsc = Table({"ra": [10.0], "dec": [20.0], "raErr": [0.1], "decErr": [0.1],
                 "rapm": [0.0], "decpm": [36.0], "epoch": [2000.0]})
    cat = catalog_from_table(gsc, name="GSC242", epoch_year=2010.0)
    assert cat.dec[0] == pytest.approx(20.0 + 360e-3 / 3600)          # 36 mas/yr × 10 yr
    tmass = Table({"RA": [10.0], "DEC": [20.0], "objid": [7], "jdate": [2451544.5],
                   "Jmag": [12.5]})
    cat = catalog_from_table(tmass, name="2MASS", epoch_year=2010.0)
    assert cat.ra[0] == 10.0 and cat.mag[0] == 12.5                    # no motions: unchanged


def test_epochs_in_jd_and_mjd_are_converted() -> None:
    for epoch in (2451545.0 + 365.25 * 6, 51544.5 + 365.25 * 6, 2006.0):   # JD, MJD, year
        t = Table({"ra": [0.0], "dec": [0.0], "pmra": [1000.0], "pmdec": [0.0],
                   "ref_epoch": [epoch]})
        cat = catalog_from_table(t, name="X", epoch_year=2016.0)
        assert cat.ra[0] * 3600 == pytest.approx(10.0, rel=1e-6)      # 1″/yr × 10 yr
    assert decimal_year(57388.5) == pytest.approx(2016.0, abs=1e-3)


def test_missing_or_null_motions_leave_positions_alone() -> None:
    t = Table({"ra": [1.0, 2.0], "dec": [3.0, 4.0], "pmra": [np.nan, 10.0],
               "pmdec": [np.nan, 0.0], "ref_epoch": [2016.0, np.nan]})
    cat = catalog_from_table(t, name="X", epoch_year=2020.0)
    np.testing.assert_allclose(cat.ra, [1.0, 2.0])


def test_rows_without_positions_are_dropped_and_missing_columns_refused() -> None:
    t = Table({"ra": [1.0, np.nan], "dec": [3.0, 4.0]})
    assert len(catalog_from_table(t, name="X", epoch_year=2020.0)) == 1
    with pytest.raises(InputError, match="no RA/Dec columns"):
        catalog_from_table(Table({"x": [1.0]}), name="X", epoch_year=2020.0, origin="c.csv")


@pytest.mark.parametrize("suffix", [".ecsv", ".csv", ".fits"])
def test_file_provider_reads_every_format_and_cuts_the_cone(tmp_path: Path,
                                                            suffix: str) -> None:
    t = Table({"ra": [53.1, 53.1, 54.0], "dec": [-27.8, -27.79, -27.8],
               "pmra": [0.0, 0.0, 0.0], "pmdec": [3600.0, 0.0, 0.0],
               "ref_epoch": [2016.0] * 3, "mag": [18.0, 19.0, 20.0]})
    path = tmp_path / f"ref{suffix}"
    t.write(path, format={".ecsv": "ascii.ecsv", ".csv": "ascii.csv", ".fits": "fits"}[suffix])
    provider = FileCatalogProvider(path, "GAIAeDR3")
    assert provider.serves("gaiaedr3") and not provider.serves("GSC242")
    cat = provider.fetch(CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2017.0))
    assert len(cat) == 2 and cat.name == "GAIAeDR3"
    assert cat.dec[0] == pytest.approx(-27.8 + 3.6 / 3600)             # 3.6″/yr × 1 yr
    full = read_catalog_file(path, name="X", epoch_year=2016.0)
    assert len(full) == 3


def test_file_provider_errors_become_catalog_unavailable(tmp_path: Path) -> None:
    bad = tmp_path / "bad.ecsv"
    bad.write_text("not a table\x00\x01")
    for path in (tmp_path / "missing.ecsv", bad):
        with pytest.raises(CatalogUnavailableError):
            FileCatalogProvider(path, "GAIAeDR3").fetch(
                CatalogRequest("GAIAeDR3", 0.0, 0.0, 1.0, 2016.0))


def test_service_csv_needs_a_table() -> None:
    with pytest.raises(InputError, match="no CSV table"):
        read_service_csv("# only a title\n", name="X", epoch_year=2016.0, origin="u",
                         already_at_epoch=True)


def test_make_providers_follows_the_configured_order(tmp_path: Path) -> None:
    kinds = lambda ps: [type(p).__name__ for p in ps]  # noqa: E731
    both = make_providers(["service", "file"], catalog_file=tmp_path / "c.ecsv",
                          catalog_name="GAIAeDR3", service_url="http://127.0.0.1:9",
                          cache=None, service=ServiceSettings())
    assert kinds(both) == ["ServiceCatalogProvider", "FileCatalogProvider"]
    none = make_providers(["file", "service"], catalog_file=None, catalog_name="G",
                          service_url="", cache=None,
                          service=ServiceSettings())
    assert none == []


def test_position_errors_are_propagated_to_the_epoch() -> None:
    t = Table({"ra": [10.0, 10.0], "dec": [0.0, 0.0], "pmra": [0.0, 0.0], "pmdec": [0.0, 0.0],
               "ra_error": [0.3, 0.3], "dec_error": [0.4, np.nan], "pmra_error": [0.5, np.nan],
               "pmdec_error": [0.5, np.nan], "ref_epoch": [2016.0, 2016.0]})
    cat = catalog_from_table(t, name="GAIAeDR3", epoch_year=2009.0)
    # per axis: σ² = (σ_ra² + σ_dec²) / 2 + 7² (σ_pmra² + σ_pmdec²) / 2
    assert cat.position_error_mas is not None
    np.testing.assert_allclose(cat.position_error_mas,
                               [np.sqrt(0.125 + 49 * 0.25), 0.3], rtol=1e-9)
    same = catalog_from_table(t, name="GAIAeDR3", epoch_year=2009.0, propagate=False)
    assert same.ra[0] == 10.0 and "not applied" in same.notes[0]
    np.testing.assert_allclose(same.position_error_mas, [np.sqrt(0.125), 0.3])


def test_error_units_from_the_column_or_the_catalogue_convention() -> None:
    gsc = Table({"ra": [10.0], "dec": [20.0], "raErr": [0.002], "decErr": [0.002]})
    assert catalog_from_table(gsc, name="GSC242", epoch_year=2010.0).position_error_mas[0] == \
        pytest.approx(2.0)                                            # GSC: arcsec
    gaia = Table({"ra": [10.0], "dec": [20.0], "ra_error": [1e-6], "dec_error": [1e-6]})
    gaia["ra_error"].unit = gaia["dec_error"].unit = "deg"
    assert catalog_from_table(gaia, name="X", epoch_year=2010.0).position_error_mas[0] == \
        pytest.approx(3.6)
    tmass = Table({"ra": [10.0], "dec": [20.0]})
    assert catalog_from_table(tmass, name="2MASS", epoch_year=2010.0).position_error_mas is None


def test_service_reply_at_epoch_keeps_its_errors_at_the_gaia_epoch() -> None:
    text = ("# GAIAeDR3\nra,dec,ra_error,dec_error,pmra,pmra_error,pmdec,pmdec_error,epoch\n"
            "10.0,0.0,0.1,0.1,5.0,0.2,0.0,0.2,2023.0\n")
    cat = read_service_csv(text, name="GAIAeDR3", epoch_year=2023.0, origin="x",
                           already_at_epoch=True)
    assert cat.ra[0] == 10.0                                 # the service moved it already
    assert cat.position_error_mas[0] == pytest.approx(np.hypot(0.1, 7 * 0.2))


def test_file_provider_can_leave_proper_motions_out(tmp_path: Path) -> None:
    t = Table({"ra": [53.1], "dec": [-27.8], "pmra": [0.0], "pmdec": [3600.0],
               "ref_epoch": [2016.0]})
    path = tmp_path / "ref.ecsv"
    t.write(path, format="ascii.ecsv")
    provider = FileCatalogProvider(path, "GAIAeDR3")
    moved = provider.fetch(CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2017.0))
    kept = provider.fetch(CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2017.0,
                                         apply_proper_motions=False))
    assert moved.dec[0] == pytest.approx(-27.8 + 3.6 / 3600) and kept.dec[0] == -27.8
