"""Compare two product directories: FITS by data and keywords (dates excepted), text exactly."""
from __future__ import annotations

from pathlib import Path

import numpy as np
from astropy.io import fits

#: Keywords whose values are times of writing, not results.
VOLATILE_KEYWORDS = {"DATE", "IRAF-TLM", "FILETIME", "CHECKSUM", "DATASUM", "UPWTIM"}
#: Products whose content records when or how long (trailers, recipes): compared by presence.
VOLATILE_SUFFIXES = ("_trl.txt", "_recipe.yaml", "_qa_report.html")


def _header_items(header: fits.Header) -> list[tuple[str, object]]:
    return [(c.keyword, c.value) for c in header.cards
            if c.keyword not in VOLATILE_KEYWORDS and not str(c.keyword).startswith("DATE-")
            or c.keyword in ("DATE-OBS", "DATE-BEG", "DATE-END")]


def fits_differences(a: Path, b: Path) -> list[str]:
    """Differences between two FITS files, ignoring write dates."""
    out = []
    with fits.open(a) as ha, fits.open(b) as hb:
        if len(ha) != len(hb):
            return [f"{a.name}: {len(ha)} vs {len(hb)} HDUs"]
        for i, (x, y) in enumerate(zip(ha, hb)):
            if _header_items(x.header) != _header_items(y.header):
                diff = set(_header_items(x.header)) ^ set(_header_items(y.header))
                out.append(f"{a.name}[{i}] header differs: {sorted(map(str, diff))[:6]}")
            dx, dy = x.data, y.data
            if (dx is None) != (dy is None):
                out.append(f"{a.name}[{i}] data presence differs")
            elif dx is not None and isinstance(x, fits.BinTableHDU):
                if dx.tobytes() != dy.tobytes():
                    out.append(f"{a.name}[{i}] table differs")
            elif dx is not None and not np.array_equal(dx, dy, equal_nan=True):
                out.append(f"{a.name}[{i}] data differs")
    return out


def directory_differences(clean: Path, other: Path) -> list[str]:
    """Every difference between the products of two runs of the same visit and recipe."""
    names_a = {p.name for p in clean.iterdir() if p.is_file() and not p.name.startswith(".")}
    names_b = {p.name for p in other.iterdir() if p.is_file() and not p.name.startswith(".")}
    run_files = {"svm.log", "svm_summary.json"}  # written by the CLI, not by the recipe
    names_a -= run_files
    names_b -= run_files
    out = [f"only in one run: {sorted(names_a ^ names_b)}"] if names_a != names_b else []
    for name in sorted(names_a & names_b):
        a, b = clean / name, other / name
        if name.endswith(VOLATILE_SUFFIXES):
            continue
        if name.endswith(".fits"):
            out += fits_differences(a, b)
        elif a.read_bytes() != b.read_bytes():
            out.append(f"{name} differs")
    return out
