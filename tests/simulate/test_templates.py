"""Headers come from the real templates when present, from the built-in set otherwise; both
carry every keyword the pipeline reads."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from hapsvm.simulate import simulate_visit
from hapsvm.simulate.builtin import builtin_template
from hapsvm.simulate.templates import ENV_VAR
from hapsvm.simulate.templates import REALDATA_DIR
from hapsvm.simulate.templates import load_template
from hapsvm.simulate.templates import realdata_dir

PRIMARY = ["ROOTNAME", "PROPOSID", "LINENUM", "INSTRUME", "DETECTOR", "EXPTIME", "EXPSTART",
           "EXPEND", "DATE-OBS", "TIME-OBS", "OBSTYPE", "MTFLAG", "TARGNAME", "FGSLOCK",
           "DRIZCORR", "IDCTAB", "PA_V3", "PR_INV_L", "RA_TARG", "DEC_TARG", "APERTURE",
           "READNSEA", "READNSEB", "READNSEC", "READNSED", "ATODGNA", "ATODGNB", "ATODGNC",
           "ATODGND", "SUBARRAY", "POSTARG1", "POSTARG2", "NEXTEND", "FILENAME"]
EXTRA_PRIMARY = {"wfc3_ir": ["FILTER", "SCAN_TYP", "NSAMP", "PHOTFLAM", "PHOTPLAM", "PHOTFNU",
                             "PHOTZPT"],
                 "wfc3_uvis": ["FILTER", "SCAN_TYP", "CHINJECT"],
                 "acs_wfc": ["FILTER1", "FILTER2"]}
SCI = ["BUNIT", "IDCSCALE", "ORIENTAT", "SATURATE", "WCSNAME", "CRPIX1", "CRVAL1", "CD1_1",
       "A_ORDER", "B_ORDER", "A_2_0", "B_0_2", "LTV1", "LTV2", "RA_APER", "DEC_APER", "EXPNAME",
       "S_REGION"]
SCI_CCD = ["CCDCHIP", "PHOTFLAM", "PHOTPLAM", "PHOTFNU", "PHOTZPT"]

needs_realdata = pytest.mark.skipif(not (REALDATA_DIR / "headers_wcs").is_dir(),
                                    reason=f"real templates not found at {REALDATA_DIR}")


def _check_keywords(path, detector):
    with fits.open(path) as hdul:
        primary = hdul[0].header
        missing = [k for k in PRIMARY + EXTRA_PRIMARY[detector] if k not in primary]
        assert not missing, f"primary lacks {missing}"
        for hdu in hdul:
            if hdu.name == "SCI":
                wanted = SCI + (SCI_CCD if detector != "wfc3_ir" else [])
                missing = [k for k in wanted if k not in hdu.header]
                assert not missing, f"SCI,{hdu.ver} lacks {missing}"
                with warnings.catch_warnings():
                    warnings.simplefilter("error")
                    WCS(hdu.header, hdul)


@needs_realdata
@pytest.mark.realdata
@pytest.mark.parametrize("detector", ["wfc3_ir", "wfc3_uvis", "acs_wfc"])
def test_templates_real_headers_are_used_and_complete(sim_visit_factory, detector):
    visit = sim_visit_factory(detector=detector)
    assert str(REALDATA_DIR) in visit.truth.template_source
    _check_keywords(visit.exposure_paths[0], detector)
    primary = fits.getheader(visit.exposure_paths[0])
    assert "CAL_VER" in primary  # a keyword only the real template has


@pytest.mark.parametrize("detector", ["wfc3_ir", "wfc3_uvis", "acs_wfc"])
def test_templates_fallback_without_realdata(tmp_path, monkeypatch, detector):
    empty = tmp_path / "no_realdata"
    empty.mkdir()
    monkeypatch.setenv(ENV_VAR, str(empty))
    assert realdata_dir() == empty
    assert load_template(detector).source == "builtin"
    visit = simulate_visit(tmp_path / "out", detector=detector, n_exposures=2, size=128)
    assert visit.truth.template_source == "builtin"
    for path in visit.exposure_paths:
        _check_keywords(path, detector)
    assert "CAL_VER" not in fits.getheader(visit.exposure_paths[0])


@needs_realdata
@pytest.mark.realdata
@pytest.mark.parametrize("detector", ["wfc3_ir", "wfc3_uvis", "acs_wfc"])
def test_templates_builtin_geometry_equals_real_headers(monkeypatch, detector):
    monkeypatch.delenv(ENV_VAR, raising=False)
    real, builtin = load_template(detector), builtin_template(detector)
    assert real.source != "builtin"
    assert real.idctab == builtin.idctab
    assert real.pa_v3_offset == pytest.approx(builtin.pa_v3_offset, abs=1e-9)
    for a, b in zip(real.chips, builtin.chips):
        assert a.geometry == b.geometry
        for key in ("IDCSCALE", "IDCV2REF", "IDCV3REF", "IDCTHETA"):
            assert a.header[key] == pytest.approx(b.header[key])


def test_templates_builtin_chips_are_hst_like():
    for detector, scale in (("wfc3_ir", 0.128), ("wfc3_uvis", 0.0396), ("acs_wfc", 0.05)):
        for chip in builtin_template(detector).chips:
            measured = np.sqrt(abs(np.linalg.det(chip.geometry.cd_matrix))) * 3600
            assert measured == pytest.approx(scale, rel=0.03)
