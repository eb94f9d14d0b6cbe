"""Bad inputs: each gives a specific error naming the file, a documented exit code, and the
rest of the visit is processed where it can go on without the bad file (issue 9)."""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.cli import run_visit
from hapsvm.core.provenance import sha256_of
from hapsvm.errors import HapsvmError
from tests.visit.synthetic import write_exposure

GOOD = [f"ib6o21a{i}q" for i in range(2)]


def _visit(tmp_path: Path) -> Path:
    v = tmp_path / "visit"
    v.mkdir()
    for root in GOOD:
        write_exposure(v / f"{root}_flt.fits", rootname=root)
    return v


def _truncated(v: Path) -> Path:
    p = write_exposure(v / "ib6o21b1q_flt.fits", rootname="ib6o21b1q")
    data = p.read_bytes()
    p.write_bytes(data[: len(data) // 2])
    return p


def _not_fits(v: Path) -> Path:
    p = v / "ib6o21b2q_flt.fits"
    p.write_text("<html>404 not found</html>\n" * 100)
    return p


def _no_sci(v: Path) -> Path:
    p = v / "ib6o21b3q_flt.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(np.ones((4, 4)), name="ERR")]).writeto(p)
    return p


_NAN_MARK = 1.2345678901e99


def put_nan(path: Path, ext: tuple[str, int], key: str, literal: bytes = b"NaN") -> None:
    """Write a literal NaN (or other) value into a header card (astropy refuses to)."""
    with fits.open(path, mode="update") as hdul:
        hdul[ext].header[key] = _NAN_MARK
    raw = path.read_bytes()
    text = f"{_NAN_MARK:.10E}".encode()
    assert raw.count(text) == 1
    path.write_bytes(raw.replace(text, literal.rjust(len(text))))


def _header_edit(name: str, **cards: object) -> Callable[[Path], Path]:
    def make(v: Path) -> Path:
        p = write_exposure(v / f"{name}_flt.fits", rootname=name)
        nan_keys = [k for k, val in cards.items() if val != val or val == float("inf")]
        with fits.open(p, mode="update") as hdul:
            for key, value in cards.items():
                if key not in nan_keys:
                    hdul["SCI", 1].header[key] = value
        for key in nan_keys:
            put_nan(p, ("SCI", 1), key, b"NaN" if cards[key] != cards[key] else b"1.0E+999")
        return p
    return make


def _instrument(name: str, instrument: str) -> Callable[[Path], Path]:
    return lambda v: write_exposure(v / f"{name}_flt.fits", rootname=name, INSTRUME=instrument)


def _unreadable(v: Path) -> Path:
    p = v / "ib6o21b9q_flt.fits"
    p.mkdir()  # a directory where a file should be: reading it fails
    return p


BAD_FILES = {
    "truncated": (_truncated, "truncated"),
    "not FITS": (_not_fits, "cannot be read as FITS"),
    "no SCI": (_no_sci, "has no SCI extension"),
    "NaN CD": (_header_edit("ib6o21b4q", CD1_1=float("nan")), "invalid header card"),
    "singular CD": (_header_edit("ib6o21b5q", CD1_1=0.0, CD1_2=0.0), "singular CD matrix"),
    "NaN CRVAL": (_header_edit("ib6o21b6q", CRVAL1=float("nan")), "invalid header card"),
    "infinite CD": (_header_edit("ib6o21b0q", CD2_2=float("inf")), "non-finite CD matrix"),
    "WFPC2": (_instrument("ib6o21b7q", "WFPC2"), "instrument WFPC2 is not supported"),
    "STIS": (_instrument("ib6o21b8q", "STIS"), "instrument STIS is not supported"),
    "unreadable": (_unreadable, "cannot be read"),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_file_is_reported_and_the_visit_goes_on(tmp_path: Path, case: str) -> None:
    v = _visit(tmp_path)
    make, message = BAD_FILES[case]
    bad = make(v)
    before = {p.name: sha256_of(p) for p in v.iterdir() if p.is_file()}
    out = tmp_path / "out"
    result = run_visit(str(v), out, [])
    assert result.exit_code == 2, case
    problems = [str(p) for p in result.context.problems]
    assert len(problems) == 1 and str(bad) in problems[0] and message in problems[0], problems
    for root in GOOD:
        assert (out / f"hst_11359_21_wfc3_ir_f160w_{root[:8]}_flt.fits").is_file()
    table = (out / "wfc3_b6o_21_exposures.ecsv").read_text()
    assert bad.name in table and message.split()[0] in table
    assert {p.name: sha256_of(p) for p in v.iterdir() if p.is_file()} == before


INPUT_LISTS = {
    "empty poller": ("", 2, "empty file"),
    "comments only": ("# nothing\n\n", 2, "empty file"),
    "wrong columns": ("ib6o21a0q_flt.fits,11359,B6O\n", 2, "line 1: has 3 comma-separated"),
    "bad exptime": ("ib6o21a0q_flt.fits,11359,B6O,21,fast,F160W,IR,x\n", 2,
                    "line 1: exptime 'fast'"),
    "duplicate rows": ("ib6o21a0q_flt.fits\nib6o21a1q_flt.fits\nib6o21a0q_flt.fits\n", 2,
                       "line 3: duplicate exposure"),
    "escaping path": ("ib6o21a0q_flt.fits\n../../etc/passwd\n", 2, "line 2: exposure file"),
    "escaping existing path, roots set": ("ib6o21a0q_flt.fits\n../elsewhere_flt.fits\n", 2,
                                          "line 2: path '.*elsewhere_flt.fits' lies outside"),
    "binary junk": (None, 2, "neither a FITS file nor a text list"),
}


@pytest.mark.parametrize("case", sorted(INPUT_LISTS))
def test_bad_input_list_fails_before_any_product(tmp_path: Path, case: str) -> None:
    v = _visit(tmp_path)
    write_exposure(tmp_path / "elsewhere_flt.fits", rootname="ib6o21c1q")
    text, code, message = INPUT_LISTS[case]
    src = v / "visit.out"
    if text is None:
        src.write_bytes(bytes(range(256)) * 8)
    else:
        src.write_text(text)
    out = tmp_path / "out"
    # read_visit.roots is an opt-in restriction: only then is a path outside them refused
    overrides = [f"read_visit.roots=[{tmp_path / 'cache'}]"] if "roots set" in case else []
    with pytest.raises(HapsvmError, match=message) as info:
        run_visit(str(src), out, overrides)
    assert info.value.exit_code == code and str(src) in str(info.value)
    assert not out.exists() or not any(out.glob("*.fits"))


def test_duplicate_rootname_under_two_names_is_processed_once(tmp_path: Path) -> None:
    v = _visit(tmp_path)
    (v / "renamed_copy_flt.fits").write_bytes((v / "ib6o21a0q_flt.fits").read_bytes())
    result = run_visit(str(v), tmp_path / "out", [])
    assert result.exit_code == 0
    table = (tmp_path / "out" / "wfc3_b6o_21_exposures.ecsv").read_text()
    assert "duplicate of ib6o21a0q_flt.fits" in table
    assert len(list((tmp_path / "out").glob("*_flt.fits"))) == 2


def test_mixed_visits_are_refused(tmp_path: Path) -> None:
    v = _visit(tmp_path)
    write_exposure(v / "ib6o22c1q_flt.fits", rootname="ib6o22c1q", PROPOSID=12000)
    with pytest.raises(HapsvmError, match="input mixes visits: WFC3 11359/21 .*12000/22") as e:
        run_visit(str(v), tmp_path / "out", [])
    assert e.value.exit_code == 2


def test_every_file_bad_is_bad_input_not_no_data(tmp_path: Path) -> None:
    v = tmp_path / "visit"
    v.mkdir()
    _not_fits(v)
    with pytest.raises(HapsvmError, match="no readable exposure") as e:
        run_visit(str(v), tmp_path / "out", [])
    assert e.value.exit_code == 2


def test_bad_file_in_one_detector_keeps_the_other_detectors_products(tmp_path: Path) -> None:
    v = _visit(tmp_path)
    uvis = write_exposure(v / "ib6o21u1q_flc.fits", rootname="ib6o21u1q", DETECTOR="UVIS",
                          FILTER="F555W", n_sci=2)
    put_nan(uvis, ("SCI", 2), "CD2_2")
    result = run_visit(str(v), tmp_path / "out", [])
    assert result.exit_code == 2
    assert "Unparsable card (CD2_2)" in str(result.context.problems[0])
    assert len(list((tmp_path / "out").glob("*_ir_*_flt.fits"))) == 2


def test_bad_input_count_for_the_summary() -> None:
    """The suite's size, reported in the closing note: bad files + bad lists + visit cases."""
    assert len(BAD_FILES) + len(INPUT_LISTS) + 4 >= 20
