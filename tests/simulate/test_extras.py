"""Extra exposures carry exactly the keyword values that the SVM vetting rules (spec §2) test."""
from __future__ import annotations

import pytest
from astropy.io import fits

from hapsvm.errors import ConfigError
from hapsvm.simulate import EXTRAS
from hapsvm.simulate import simulate_visit

ALLOWED = {
    "wfc3_ir": ["grism", "zero_exptime", "dark", "scan", "moving_target", "fgs_coarse"],
    "wfc3_uvis": ["grism", "ramp", "zero_exptime", "dark", "scan", "moving_target", "chinject",
                  "fgs_coarse"],
    "acs_wfc": ["grism", "ramp", "zero_exptime", "dark", "moving_target", "blocked",
                "fgs_coarse"],
}


def _filters(header: fits.Header) -> str:
    if header["INSTRUME"] == "ACS":
        return "_".join(v for v in (header["FILTER1"], header["FILTER2"]) if v.strip())
    return header["FILTER"]


@pytest.mark.parametrize("detector", sorted(ALLOWED))
def test_extras_carry_the_rejected_keyword_values(sim_visit_factory, detector):
    visit = sim_visit_factory(detector=detector, size=64, n_exposures=1,
                              extras=tuple(ALLOWED[detector]))
    headers = {e.kind: fits.getheader(visit.visit_dir / e.filename)
               for e in visit.truth.exposures}
    assert list(headers) == ["imaging", *ALLOWED[detector]]
    assert visit.imaging_paths == visit.exposure_paths[:1]
    normal = headers["imaging"]
    assert normal["OBSTYPE"] == "IMAGING" and normal["MTFLAG"].strip() == ""
    assert normal["EXPTIME"] > 0
    assert normal["FGSLOCK"] == "FINE" and normal["TARGNAME"] == "SIM-FIELD"
    assert normal["DRIZCORR"] == "PERFORM"
    assert headers["grism"]["OBSTYPE"] == "SPECTROSCOPIC"
    assert _filters(headers["grism"]).startswith("G")
    assert headers["zero_exptime"]["EXPTIME"] == 0.0
    assert "DARK" in headers["dark"]["TARGNAME"]
    assert headers["moving_target"]["MTFLAG"] == "T"
    assert headers["fgs_coarse"]["FGSLOCK"] == "COARSE"
    if detector.startswith("wfc3"):
        assert normal["SCAN_TYP"] == "N" and headers["scan"]["SCAN_TYP"] == "C"
    if detector == "wfc3_uvis":
        assert normal["CHINJECT"] == "NONE" and headers["chinject"]["CHINJECT"] == "LINE17"
        assert headers["ramp"]["FILTER"].startswith("FQ")
    if detector == "acs_wfc":
        assert headers["blocked"]["FILTER1"].startswith("BLOCK")
        assert headers["ramp"]["FILTER2"].startswith("FR")
    for exp in visit.truth.exposures:
        assert exp.expected == ("usable" if exp.kind == "imaging" else EXTRAS[exp.kind].expected)


def test_extras_rows_in_poller_match_headers(sim_visit_factory):
    visit = sim_visit_factory(detector="acs_wfc", size=64, n_exposures=1,
                              extras=tuple(ALLOWED["acs_wfc"]))
    rows = [line.split(",") for line in visit.poller_path.read_text().splitlines()]
    assert len(rows) == len(visit.exposure_paths) == 8
    for row, path in zip(rows, visit.exposure_paths):
        header = fits.getheader(path)
        assert row[5] == f"{header['FILTER1']};{header['FILTER2']}"
        assert float(row[4]) == header["EXPTIME"]


@pytest.mark.parametrize("detector, extra", [("acs_wfc", "scan"), ("acs_wfc", "chinject"),
                                             ("wfc3_ir", "ramp"), ("wfc3_uvis", "blocked")])
def test_extras_impossible_for_detector_raise(tmp_path, detector, extra):
    with pytest.raises(ConfigError, match=f"extra '{extra}' does not exist for {detector}"):
        simulate_visit(tmp_path, detector=detector, size=64, extras=(extra,))


def test_extras_unknown_name_raises(tmp_path):
    with pytest.raises(ConfigError, match="unknown extra exposure.*allowed"):
        simulate_visit(tmp_path, detector="wfc3_ir", size=64, extras=("flat",))
