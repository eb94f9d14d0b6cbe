"""Poller and list parsing, and its errors naming the file and line (spec §1.2-1.3)."""
from __future__ import annotations

from pathlib import Path

import pytest

from hapsvm.errors import InputError
from hapsvm.visit import read_input
from tests.visit.synthetic import write_exposure


@pytest.fixture
def two_files(tmp_path: Path) -> Path:
    write_exposure(tmp_path / "ib6o21a1q_flt.fits", rootname="ib6o21a1q")
    write_exposure(tmp_path / "ib6o21a2q_flt.fits", rootname="ib6o21a2q")
    return tmp_path


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_poller_rows_parse_all_eight_columns(two_files: Path) -> None:
    poller = _write(two_files / "v.out",
                    "ib6o21a1q_flt.fits,11359,B6O,06,202.9,F850LP;CLEAR2L,WFC,ib6o/x.fits\n"
                    "ib6o21a2q_flt.fits,11359,B6O,06,202.9,F098M,IR,ib6o/y.fits\n")
    rows = read_input(poller)
    assert [r.path.name for r in rows] == ["ib6o21a1q_flt.fits", "ib6o21a2q_flt.fits"]
    assert rows[0].obset_id == "06" and rows[0].filters == "F850LP;CLEAR2L"
    assert rows[0].proposal_id == 11359 and rows[0].exptime == pytest.approx(202.9)
    assert rows[0].line == 1 and rows[1].line == 2


def test_poller_falls_back_to_pathname(two_files: Path) -> None:
    sub = two_files / "cache"
    sub.mkdir()
    write_exposure(sub / "ib6o21a3q_flt.fits", rootname="ib6o21a3q")
    poller = _write(two_files / "v.out",
                    "ib6o21a3q_flt.fits,11359,B6O,21,1.0,F098M,IR,cache/ib6o21a3q_flt.fits\n")
    assert read_input(poller)[0].path == sub / "ib6o21a3q_flt.fits"


def test_list_and_directory_inputs(two_files: Path) -> None:
    lst = _write(two_files / "v.lst",
                 "ib6o21a1q_flt.fits\n\n# comment\nib6o21a2q_flt.fits, PC1-FIX\n")
    rows = read_input(lst)
    assert [r.aperture for r in rows] == ["empty_aperture", "PC1-FIX"]
    assert [r.path.name for r in read_input(two_files)] == ["ib6o21a1q_flt.fits",
                                                             "ib6o21a2q_flt.fits"]


@pytest.mark.parametrize("text, message, line", [
    ("missing_flt.fits\n", "exposure file 'missing_flt.fits' not found", 1),
    ("ib6o21a1q_flt.fits,11359,B6O,21\n", "has 4 comma-separated columns", 1),
    ("ib6o21a1q_flt.fits,11359,B6O,21,abc,F098M,IR,x\n", "exptime 'abc' .* not a number", 1),
    ("ib6o21a1q_flt.fits,11x59,B6O,21,1.0,F098M,IR,x\n", "proposal_id '11x59' .* not an integer",
     1),
    ("ib6o21a1q_flt.fits\nib6o21a2q_flt.fits\nib6o21a1q_flt.fits\n",
     r"duplicate exposure 'ib6o21a1q_flt.fits' \(first named on line 1\)", 3),
    ("ib6o21a1q_flt.fits, PC1 FIX\n", "aperture must contain no spaces", 1),
])
def test_input_errors_name_file_and_line(two_files: Path, text: str, message: str,
                                         line: int) -> None:
    write_exposure(two_files.parent / "outside_flt.fits")
    src = _write(two_files / "bad.out", text)
    with pytest.raises(InputError, match=message) as info:
        read_input(src)
    assert info.value.file == str(src) and info.value.line == line
    assert str(info.value).startswith(f"{src} line {line}: ")


def test_input_empty_file_is_an_error(tmp_path: Path) -> None:
    src = _write(tmp_path / "empty.out", "\n# nothing\n")
    with pytest.raises(InputError, match="empty file"):
        read_input(src)


def test_input_missing_and_empty_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="does not exist"):
        read_input(tmp_path / "nope.out")
    with pytest.raises(InputError, match="no \\*_flt.fits"):
        read_input(tmp_path)


def test_input_paths_anywhere_are_read_by_default(two_files: Path, tmp_path: Path) -> None:
    lists = tmp_path / "lists"
    lists.mkdir()
    named = [two_files / "ib6o21a1q_flt.fits", "../ib6o21a2q_flt.fits"]
    src = _write(lists / "v.lst", "".join(f"{n}\n" for n in named))
    assert [r.path.resolve() for r in read_input(src)] == [
        two_files / "ib6o21a1q_flt.fits", two_files / "ib6o21a2q_flt.fits"]
    assert [r.path.name for r in read_input(src, roots=[])] == [
        "ib6o21a1q_flt.fits", "ib6o21a2q_flt.fits"]


@pytest.mark.parametrize("text", ["ib6o21a1q_flt.fits\n../outside_flt.fits\n",
                                  "ib6o21a1q_flt.fits\n{outside}\n"])
def test_input_roots_refuse_paths_outside_them(two_files: Path, tmp_path: Path,
                                               text: str) -> None:
    outside = write_exposure(two_files.parent / "outside_flt.fits")
    other = tmp_path / "other"
    other.mkdir()
    src = _write(two_files / "bad.out", text.format(outside=outside))
    with pytest.raises(InputError, match="outside the allowed input roots") as info:
        read_input(src, roots=[other])
    assert info.value.file == str(src) and info.value.line == 2
    assert str(other) in str(info.value) and str(two_files) in str(info.value)


def test_input_extra_roots_allow_outside_paths(two_files: Path) -> None:
    outside = write_exposure(two_files.parent / "ib6o21z9q_flt.fits", rootname="ib6o21z9q")
    src = _write(two_files / "ok.out", f"ib6o21a1q_flt.fits\n{outside}\n")
    assert read_input(src, roots=[two_files.parent])[1].path == outside
