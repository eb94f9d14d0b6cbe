"""Parse a visit's input: an 8-column poller file, a 1/2-column list, or a directory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hapsvm.errors import InputError

__all__ = ["InputRow", "read_input", "POLLER_COLUMNS"]


#: Column names of a full poller row (spec §1.2), in order.
POLLER_COLUMNS = ("filename", "proposal_id", "program_id", "obset_id", "exptime", "filters",
                  "detector", "pathname")
_EXPOSURE_SUFFIXES = ("_flt.fits", "_flc.fits")


@dataclass(frozen=True)
class InputRow:
    """One exposure named by the input, with the poller's values when it gave them."""

    path: Path
    source: Path
    line: int | None
    aperture: str = "empty_aperture"
    proposal_id: int | None = None
    program_id: str | None = None
    obset_id: str | None = None
    exptime: float | None = None
    filters: str | None = None
    detector: str | None = None


def read_input(input_path: str | Path, *, roots: list[Path] | None = None) -> list[InputRow]:
    """Read the exposures named by ``input_path``.

    Parameters
    ----------
    input_path
        A poller file (8 comma-separated columns), a list file (1 or 2 columns: filename and
        aperture), a directory (every ``*_flt.fits`` / ``*_flc.fits`` in it) or one FITS file.
    roots
        None or empty (the default): exposures are read wherever the input names them, as
        runsinglehap does. Non-empty: an opt-in restriction for services that process poller
        files they did not write; an exposure whose path resolves (``..`` and symbolic links
        followed) outside both the input's own directory and every root is refused.

    Returns
    -------
    list of InputRow
        In input order.

    Raises
    ------
    InputError
        Naming the file and line: missing file, wrong column count, non-numeric value,
        duplicate row, path outside the roots (when roots are given), empty input.
    """
    src = Path(input_path)
    if not src.exists():
        raise InputError("input does not exist", file=src)
    base = src if src.is_dir() else src.parent
    allowed = [base.resolve(), *[Path(r).resolve() for r in roots]] if roots else None
    if src.is_dir():
        files = sorted(p for p in src.iterdir() if p.name.lower().endswith(_EXPOSURE_SUFFIXES))
        if not files:
            raise InputError("directory holds no *_flt.fits or *_flc.fits file", file=src)
        return [InputRow(path=p, source=src, line=None) for p in files]
    with open(src, "rb") as fh:
        head = fh.read(80)
    if head.startswith(b"SIMPLE  ="):
        return [InputRow(path=src, source=src, line=None)]
    return _read_text(src, base, allowed)


def _read_text(src: Path, base: Path, allowed: list[Path] | None) -> list[InputRow]:
    try:
        text = src.read_text()
    except UnicodeDecodeError as err:
        raise InputError("is neither a FITS file nor a text list of exposures", file=src) from err
    rows: list[InputRow] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        cols = [c.strip() for c in line.split(",")]
        if len(cols) not in (1, 2, 8):
            raise InputError(f"has {len(cols)} comma-separated columns; expected 1 (filename), "
                             "2 (filename, aperture) or 8 (poller row)", file=src, line=number,
                             value=line)
        row = _poller_row(cols, src, base, number) if len(cols) == 8 else \
            _list_row(cols, src, base, number)
        if allowed is not None:
            _check_inside(row.path, allowed, src, number)
        key = row.path.name
        if key in seen:
            raise InputError(f"duplicate exposure {key!r} (first named on line {seen[key]})",
                             file=src, line=number, value=key)
        seen[key] = number
        rows.append(row)
    if not rows:
        raise InputError("input list names no exposure (empty file)", file=src)
    return rows


def _resolve(name: str, base: Path) -> Path:
    p = Path(name)
    return p if p.is_absolute() else base / p


def _list_row(cols: list[str], src: Path, base: Path, number: int) -> InputRow:
    path = _resolve(cols[0], base)
    if not path.is_file():
        raise InputError(f"exposure file {cols[0]!r} not found in {base}", file=src, line=number,
                         value=cols[0])
    aperture = cols[1] if len(cols) == 2 else "empty_aperture"
    if " " in aperture:
        raise InputError("aperture must contain no spaces", file=src, line=number, value=aperture)
    return InputRow(path=path, source=src, line=number, aperture=aperture)


def _poller_row(cols: list[str], src: Path, base: Path, number: int) -> InputRow:
    name, propid, program, obset, exptime, filters, detector, pathname = cols
    try:
        proposal = int(propid)
    except ValueError:
        raise InputError(f"proposal_id {propid!r} (column 2) is not an integer", file=src,
                         line=number, value=propid) from None
    try:
        seconds = float(exptime)
    except ValueError:
        raise InputError(f"exptime {exptime!r} (column 5) is not a number", file=src,
                         line=number, value=exptime) from None
    path = _resolve(name, base)
    if not path.is_file():
        alt = _resolve(pathname, base)
        if not alt.is_file():
            raise InputError(f"exposure file {name!r} not found in {base}, nor at its pathname "
                             f"{pathname!r}", file=src, line=number, value=name)
        path = alt
    return InputRow(path=path, source=src, line=number, proposal_id=proposal,
                    program_id=program.upper(), obset_id=obset, exptime=seconds,
                    filters=filters, detector=detector.upper())


def _check_inside(path: Path, allowed: list[Path], src: Path, number: int) -> None:
    real = path.resolve()
    if not any(real == root or root in real.parents for root in allowed):
        raise InputError(f"path {str(path)!r} lies outside the allowed input roots "
                         f"{[str(a) for a in allowed]}", file=src, line=number, value=str(path))
