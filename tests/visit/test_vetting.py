"""Every filtering rule of spec §2, accepted and rejected, on synthetic headers."""
from __future__ import annotations

from pathlib import Path

import pytest

from hapsvm.visit import InputRow
from hapsvm.visit import read_exposure
from hapsvm.visit import vet_exposure
from tests.visit.synthetic import write_exposure


def _vet(tmp_path: Path, **kw: object):
    path = write_exposure(tmp_path / "x_flt.fits", **kw)
    return vet_exposure(read_exposure(InputRow(path=path, source=path, line=None)))


def test_vet_plain_imaging_exposure_is_kept(tmp_path: Path) -> None:
    d = _vet(tmp_path)
    assert d.keep and d.kind == "imaging" and d.reason == "" and d.warning == ""


@pytest.mark.parametrize("keywords, reason", [
    ({"OBSTYPE": "SPECTROSCOPIC"}, "OBSTYPE=SPECTROSCOPIC"),
    ({"OBSTYPE": "CORONAGRAPHIC"}, "OBSTYPE=CORONAGRAPHIC"),
    ({"DRIZCORR": "OMIT"}, "DRIZCORR=OMIT"),
    ({"DRIZCORR": "SKIPPED"}, "DRIZCORR=SKIPPED"),
    ({"MTFLAG": "T"}, "MTFLAG=T"),
    ({"SCAN_TYP": "C"}, "SCAN_TYP=C"),
    ({"SCAN_TYP": "D"}, "SCAN_TYP=D"),
    ({"TARGNAME": "DARK"}, "TARGNAME=DARK"),
    ({"TARGNAME": "TUNGSTEN"}, "TARGNAME=TUNGSTEN"),
    ({"TARGNAME": "BIAS"}, "TARGNAME=BIAS"),
    ({"TARGNAME": "INTFLAT"}, "TARGNAME=INTFLAT"),
    ({"TARGNAME": "DEUTERIUM"}, "TARGNAME=DEUTERIUM"),
    ({"TARGNAME": "EARTH-CALIB"}, "TARGNAME=EARTH-CALIB"),
    ({"EXPTIME": 0.0}, "EXPTIME=0"),
    ({"FILTER": "BLOCK"}, "FILTER=BLOCK"),
])
def test_vet_rejects_with_keyword_reason(tmp_path: Path, keywords: dict, reason: str) -> None:
    d = _vet(tmp_path, **keywords)
    assert not d.keep and d.reason == reason and d.kind == "rejected"


def test_vet_scan_rule_applies_to_wfc3_only(tmp_path: Path) -> None:
    assert _vet(tmp_path, instrument="ACS", rootname="j8vo01aaq", SCAN_TYP="C").keep


def test_vet_chinject_rejects_uvis_only(tmp_path: Path) -> None:
    d = _vet(tmp_path, DETECTOR="UVIS", FILTER="F555W", CHINJECT="LINE17")
    assert not d.keep and d.reason == "CHINJECT=LINE17"
    assert _vet(tmp_path, DETECTOR="UVIS", FILTER="F555W", CHINJECT="NONE").keep
    assert _vet(tmp_path, CHINJECT="LINE17").keep  # IR: no charge injection rule


def test_vet_all_zero_science_is_rejected(tmp_path: Path) -> None:
    d = _vet(tmp_path, zero=True)
    assert not d.keep and d.reason == "SCI data all zeros"


@pytest.mark.parametrize("fgslock", ["COARSE", "FINE/GYRO", "GYROS"])
def test_vet_fgslock_gyro_or_coarse_is_kept_with_warning(tmp_path: Path, fgslock: str) -> None:
    d = _vet(tmp_path, FGSLOCK=fgslock)
    assert d.keep and f"FGSLOCK={fgslock}" in d.warning


def test_vet_fgslock_warning_does_not_hide_later_rules(tmp_path: Path) -> None:
    d = _vet(tmp_path, FGSLOCK="COARSE", DETECTOR="UVIS", FILTER="F555W", CHINJECT="LINE17")
    assert not d.keep and d.reason == "CHINJECT=LINE17" and "COARSE" in d.warning


@pytest.mark.parametrize("filt", ["G102", "G141", "PR110L"])
def test_vet_grism_is_kept_for_exposure_level(tmp_path: Path, filt: str) -> None:
    d = _vet(tmp_path, OBSTYPE="SPECTROSCOPIC", FILTER=filt)
    assert d.keep and d.kind == "grism"


def test_vet_zero_second_grism_stays_rejected(tmp_path: Path) -> None:
    d = _vet(tmp_path, OBSTYPE="SPECTROSCOPIC", FILTER="G102", EXPTIME=0.0)
    assert not d.keep and d.reason == "EXPTIME=0"


def test_vet_grism_of_moving_target_stays_rejected(tmp_path: Path) -> None:
    d = _vet(tmp_path, OBSTYPE="SPECTROSCOPIC", FILTER="G102", MTFLAG="T")
    assert not d.keep and d.reason == "MTFLAG=T"


def test_vet_acs_blocked_filter_is_rejected(tmp_path: Path) -> None:
    d = _vet(tmp_path, instrument="ACS", rootname="j8vo01aaq", FILTER1="BLOCK1",
             FILTER2="CLEAR2L")
    assert not d.keep and d.reason == "FILTER=BLOCK1;CLEAR2L"
