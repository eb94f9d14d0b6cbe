"""FITS headers at the speed planning thousands of visits needs, and chip outlines from them.

:func:`scan_headers` reads the header blocks of a plain (uncompressed) FITS file and skips
every data block with a seek, parsing only the cards (about 1 ms for an FLT, against 20-50 ms
for astropy's full header objects); :func:`sip_outline` puts a chip's edges on the sky from
its TAN-SIP header alone (the lookup-table distortions, below a pixel, are left out). Anything
unusual raises :class:`UnusualFitsError`, and the caller falls back to astropy.
"""
from __future__ import annotations

import math
import re
from collections.abc import Iterator
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from hapsvm.mosaic.outline import edge_pixels

__all__ = ["Cards", "HeaderUnit", "UnusualFitsError", "scan_headers", "sip_outline"]

_BLOCK = 2880
_CARD = 80
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([EeDd][+-]?\d+)?$")


class UnusualFitsError(ValueError):
    """A file this fast reader does not handle (compressed, truncated, odd cards)."""


class Cards(Mapping[str, Any]):
    """A header's keyword values, each parsed from its card when first read."""

    def __init__(self, raw: dict[str, str]) -> None:
        self._raw = raw
        self._values: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._values:
            self._values[key] = _value(self._raw[key])
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._raw

    def __iter__(self) -> Iterator[str]:
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


@dataclass(frozen=True)
class HeaderUnit:
    """One HDU's header: the ``name``/``ver``/``header`` an ``HDUList`` member also has."""

    name: str
    ver: int
    header: Cards


def _value(text: str) -> Any:
    """A card's value: str (trailing blanks stripped), bool, int, float or None."""
    text = text.strip()
    if text.startswith("'"):
        end, out = 1, []
        while True:
            quote = text.find("'", end)
            if quote < 0:
                raise UnusualFitsError(f"unterminated string {text!r}")
            out.append(text[end:quote])
            if text[quote + 1:quote + 2] == "'":
                out.append("'")
                end = quote + 2
                continue
            return "".join(out).rstrip()
    value = text.split("/", 1)[0].strip()
    if value in ("T", "F"):
        return value == "T"
    if not value:
        return None
    if _NUMBER.match(value):
        value = value.replace("D", "E").replace("d", "e")
        return int(value) if re.fullmatch(r"[+-]?\d+", value) else float(value)
    raise UnusualFitsError(f"value {value!r} is not a number, string or logical")


def _read_header(fh: Any) -> Cards | None:
    """The next header's cards (None at the end of the file)."""
    raw: dict[str, str] = {}
    last = ""
    while True:
        block = fh.read(_BLOCK)
        if not block:
            if raw:
                raise UnusualFitsError("file ends inside a header")
            return None
        if len(block) < _BLOCK:
            raise UnusualFitsError("truncated header block")
        text = block.decode("ascii", errors="replace")
        for i in range(0, _BLOCK, _CARD):
            key = text[i:i + 8].rstrip()
            if key == "END":
                return Cards(raw)
            if key == "CONTINUE" and last:
                raw[last] = _continued(raw[last], text[i + 8:i + _CARD])
                continue
            if text[i + 8:i + 10] != "= " or key in ("", "COMMENT", "HISTORY", "HIERARCH"):
                last = ""
                continue
            raw[key] = text[i + 10:i + _CARD]
            last = key


def _continued(first: str, more: str) -> str:
    """Join a long-string card and its CONTINUE card (as one quoted value)."""
    head, tail = _value(first), _value(more)
    if not isinstance(head, str) or not head.endswith("&") or not isinstance(tail, str):
        return first
    return "'" + (head[:-1] + tail).replace("'", "''") + "'"


def _data_bytes(header: Cards) -> int:
    """Bytes of the data following a header, padded to whole blocks."""
    naxis = int(header.get("NAXIS", 0))
    if naxis == 0:
        return 0
    count = 1
    for i in range(1, naxis + 1):
        count *= int(header[f"NAXIS{i}"])
    bits = abs(int(header["BITPIX"])) * int(header.get("GCOUNT", 1)) * \
        (int(header.get("PCOUNT", 0)) + count)
    nbytes = bits // 8
    return -(-nbytes // _BLOCK) * _BLOCK


def scan_headers(path: Path | str) -> list[HeaderUnit]:
    """Every HDU's header of a plain FITS file (names upper case; EXTVER default 1).

    Raises
    ------
    UnusualFitsError
        For a compressed, truncated or non-standard file (read it with astropy instead).
    OSError
        If the file cannot be opened.
    """
    units: list[HeaderUnit] = []
    with open(path, "rb") as fh:
        if fh.read(9) != b"SIMPLE  =":
            raise UnusualFitsError("not a plain FITS file")
        fh.seek(0)
        while True:
            header = _read_header(fh)
            if header is None:
                break
            if header.get("ZIMAGE") or header.get("ZTABLE") or header.get("GROUPS"):
                raise UnusualFitsError("compressed or random-groups HDU")
            try:
                skip = _data_bytes(header)
            except (KeyError, TypeError, ValueError) as err:
                raise UnusualFitsError(f"bad data size keywords ({err})") from err
            name = str(header.get("EXTNAME", "PRIMARY" if not units else "")).upper()
            units.append(HeaderUnit(name, int(header.get("EXTVER", 1) or 1), header))
            fh.seek(skip, 1)
    if not units:
        raise UnusualFitsError("no header")
    return units


def _sip(header: Mapping[str, Any], axis: str, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    order = int(header.get(f"{axis}_ORDER", 0) or 0)
    out = np.zeros_like(u)
    for p in range(order + 1):
        for q in range(order + 1 - p):
            coeff = header.get(f"{axis}_{p}_{q}")
            if isinstance(coeff, (int, float)) and coeff:
                out += coeff * u**p * v**q
    return out


def sip_outline(header: Mapping[str, Any], shape: tuple[int, int], *, n_per_side: int = 8
                ) -> tuple[np.ndarray, np.ndarray]:
    """Sky positions (RA, Dec, degrees) along a chip's outer pixel edges, from its header.

    The same points as :func:`hapsvm.mosaic.chip_outline_sky`, through the CD matrix, the SIP
    polynomials and the gnomonic (TAN) projection.

    Raises
    ------
    UnusualFitsError
        If the header is not a TAN (or TAN-SIP) WCS with a CD matrix.
    """
    ctype = str(header.get("CTYPE1", ""))
    if not ctype.startswith("RA---TAN") or "CD1_1" not in header:
        raise UnusualFitsError(f"WCS {ctype or '<none>'} without CD matrix: not handled here")
    xs, ys = edge_pixels(shape, n_per_side)
    u = xs + 1.0 - float(header["CRPIX1"])
    v = ys + 1.0 - float(header["CRPIX2"])
    u, v = u + _sip(header, "A", u, v), v + _sip(header, "B", u, v)
    cd = np.array([[header.get(f"CD{i}_{j}", 0.0) for j in (1, 2)] for i in (1, 2)], float)
    x, y = np.radians(cd @ np.vstack([u, v]))
    phi = np.arctan2(x, -y)
    theta = np.arctan2(1.0, np.hypot(x, y))
    ra0, dec0 = math.radians(float(header["CRVAL1"])), math.radians(float(header["CRVAL2"]))
    dphi = phi - math.pi
    dec = np.arcsin(np.sin(theta) * math.sin(dec0) + np.cos(theta) * math.cos(dec0)
                    * np.cos(dphi))
    ra = ra0 + np.arctan2(-np.cos(theta) * np.sin(dphi),
                          np.sin(theta) * math.cos(dec0) - np.cos(theta) * math.sin(dec0)
                          * np.cos(dphi))
    return np.degrees(ra) % 360.0, np.degrees(dec)
