"""The instrument and detector facts table: consistent, looked up, shared with the simulator."""
from __future__ import annotations

from pathlib import Path

import pytest

from hapsvm.errors import ConfigError
from hapsvm.errors import InputError
from hapsvm.simulate.detectors import DETECTORS as SIMULATED
from hapsvm.visit import InputRow
from hapsvm.visit import read_exposure
from hapsvm.visit.instruments import DETECTORS
from hapsvm.visit.instruments import INSTRUMENTS
from hapsvm.visit.instruments import detector_facts
from hapsvm.visit.instruments import find_detector
from hapsvm.visit.instruments import instrument_facts
from tests.visit.synthetic import write_exposure


def test_instruments_every_detector_belongs_to_a_known_instrument() -> None:
    for key, facts in DETECTORS.items():
        assert key == f"{facts.instrument}_{facts.detector}".lower()
        assert facts.instrument in INSTRUMENTS
        assert len(facts.chip_shape) == 2 and facts.n_chips >= 1
        assert facts.input_suffix in ("flt", "flc")


def test_instruments_lookups_ignore_case() -> None:
    assert detector_facts("WFC3_UVIS") is DETECTORS["wfc3_uvis"]
    assert instrument_facts("wfc3") is INSTRUMENTS["WFC3"]
    assert find_detector("acs", "sbc") is DETECTORS["acs_sbc"]


def test_instruments_unknown_names_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="detector: detector is not supported"):
        detector_facts("wfpc2_pc")
    with pytest.raises(ConfigError, match="instrument: instrument is not supported"):
        instrument_facts("STIS")


def test_instruments_simulator_reads_the_same_facts() -> None:
    for key, spec in SIMULATED.items():
        assert spec.facts is DETECTORS[key]
        assert spec.letter == INSTRUMENTS[spec.instrument].rootname_letter
        assert spec.filter_keywords == INSTRUMENTS[spec.instrument].filter_keywords


def test_instruments_unsupported_detector_is_an_input_error(tmp_path: Path) -> None:
    path = write_exposure(tmp_path / "u_flt.fits", DETECTOR="XYZ")
    with pytest.raises(InputError, match="detector WFC3/XYZ is not supported .*wfc3_ir"):
        read_exposure(InputRow(path=path, source=path, line=None))


@pytest.mark.parametrize("instrument, keywords, expected", [
    ("ACS", {"FILTER1": "CLEAR1L", "FILTER2": "F814W"}, "CLEAR1L;F814W"),
    ("WFC3", {"FILTER": "F125W"}, "F125W"),
])
def test_instruments_filter_keywords_drive_intake(tmp_path: Path, instrument: str,
                                                  keywords: dict[str, str], expected: str) -> None:
    path = write_exposure(tmp_path / "f_flt.fits", instrument=instrument,
                          rootname=INSTRUMENTS[instrument].rootname_letter + "8vo01aaq", **keywords)
    assert read_exposure(InputRow(path=path, source=path, line=None)).filters == expected
