"""The fast header reader of ``svm plan`` against astropy: same cards, same chip outlines."""
from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from hapsvm import mosaic
from hapsvm.plan.headers import UnusualFitsError
from hapsvm.plan.headers import scan_headers
from hapsvm.plan.headers import sip_outline
from tests.visit.synthetic import write_exposure


def _same_as_astropy(path: Path) -> None:
    units = scan_headers(path)
    with fits.open(path) as hdul:
        assert [(u.name, u.ver) for u in units] == [(h.name, h.ver) for h in hdul]
        for unit, hdu in zip(units, hdul):
            for key, value in hdu.header.items():
                if key not in ("", "COMMENT", "HISTORY"):
                    assert unit.header[key] == value, (path.name, hdu.name, key)


@pytest.mark.parametrize("detector", ["wfc3_ir", "acs_wfc"])
def test_scan_and_outline_match_astropy_on_simulated_exposures(sim_visit_factory,
                                                               detector: str) -> None:
    sim = sim_visit_factory(detector=detector, n_exposures=2, size=128)
    for path in sim.imaging_paths:
        _same_as_astropy(path)
        units = scan_headers(path)
        for chip in mosaic.read_exposure_chips(path).chips:
            header = next(u.header for u in units if u.name == "SCI" and u.ver == chip.extver)
            ra, dec = sip_outline(header, chip.shape)
            ra0, dec0 = mosaic.chip_outline_sky(chip.wcs, chip.shape)
            sep_mas = np.hypot((ra - ra0) * np.cos(np.radians(dec0)), dec - dec0) * 3.6e6
            assert sep_mas.max() < 0.1


def test_scan_reads_long_strings_logicals_and_plain_tan(tmp_path: Path) -> None:
    path = write_exposure(tmp_path / "ib6o21aaq_flt.fits", n_sci=2,
                          TARGNAME="A-VERY-LONG-TARGET-NAME-" * 4, MTFLAG=True)
    _same_as_astropy(path)
    header = scan_headers(path)[1].header
    ra, dec = sip_outline(header, (16, 16))
    with fits.open(path) as hdul:
        chip = mosaic.read_exposure_chips(path).chips[0]
        ra0, dec0 = mosaic.chip_outline_sky(chip.wcs, chip.shape)
        assert hdul[0].header["TARGNAME"] == scan_headers(path)[0].header["TARGNAME"]
    assert np.allclose(ra, ra0, atol=1e-9) and np.allclose(dec, dec0, atol=1e-9)


def test_unusual_files_are_refused(tmp_path: Path) -> None:
    path = write_exposure(tmp_path / "ib6o21aaq_flt.fits")
    raw = path.read_bytes()
    (tmp_path / "zipped.fits").write_bytes(gzip.compress(raw))
    (tmp_path / "short.fits").write_bytes(raw[:2880 + 100])
    for name in ("zipped.fits", "short.fits"):
        with pytest.raises(UnusualFitsError):
            scan_headers(tmp_path / name)
    comp = tmp_path / "comp.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.CompImageHDU(np.ones((8, 8), np.float32),
                                                       name="SCI")]).writeto(comp)
    with pytest.raises(UnusualFitsError, match="compressed"):
        scan_headers(comp)
    with pytest.raises(UnusualFitsError, match="without CD matrix"):
        sip_outline({"CTYPE1": "RA---ZPN", "CD1_1": 1.0}, (4, 4))
