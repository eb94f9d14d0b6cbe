"""Reading an exposure's headers, and the errors for unusable files."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.errors import InputError
from hapsvm.visit import InputRow
from hapsvm.visit import read_exposure
from tests.visit.synthetic import write_exposure


def _read(path: Path):
    return read_exposure(InputRow(path=path, source=path, line=None))


def test_exposure_reads_acs_filters_and_photometry(tmp_path: Path) -> None:
    e = _read(write_exposure(tmp_path / "j8vo01a1q_flc.fits", instrument="ACS",
                             rootname="j8vo01a1q", n_sci=2))
    assert (e.instrument, e.detector, e.filters, e.filter_name) == ("ACS", "WFC",
                                                                    "F850LP;CLEAR2L", "f850lp")
    assert e.suffix == "flc" and e.n_sci == 2 and e.detector_key == "acs_wfc"
    assert e.photflam == pytest.approx(1.5e-19)  # ACS: PHOTFLAM in SCI,1
    assert (e.program_id, e.obset_id, e.proposal_id) == ("8VO", "01", 9029)


def test_exposure_not_fits_is_an_input_error(tmp_path: Path) -> None:
    bad = tmp_path / "x_flt.fits"
    bad.write_bytes(b"this is not FITS at all" * 200)
    with pytest.raises(InputError, match="x_flt.fits: cannot be read as FITS"):
        _read(bad)


def test_exposure_truncated_file_is_an_input_error(tmp_path: Path) -> None:
    good = write_exposure(tmp_path / "t_flt.fits")
    data = good.read_bytes()
    good.write_bytes(data[: len(data) // 2 + 100])
    with pytest.raises(InputError, match="t_flt.fits"):
        _read(good)


def test_exposure_without_sci_is_an_input_error(tmp_path: Path) -> None:
    path = tmp_path / "n_flt.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.zeros((4, 4)), name="ERR")]).writeto(path)
    with pytest.raises(InputError, match="has no SCI extension"):
        _read(path)


@pytest.mark.parametrize("instrument", ["WFPC2", "STIS", "NICMOS"])
def test_exposure_unsupported_instrument(tmp_path: Path, instrument: str) -> None:
    path = write_exposure(tmp_path / "u_flt.fits", INSTRUME=instrument)
    with pytest.raises(InputError, match=f"instrument {instrument} is not supported"):
        _read(path)


def test_exposure_missing_keyword_is_named(tmp_path: Path) -> None:
    path = write_exposure(tmp_path / "m_flt.fits", EXPTIME=None)
    with pytest.raises(InputError, match="header keyword EXPTIME is missing"):
        _read(path)
