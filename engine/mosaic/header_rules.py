"""Header merging rules (fitsblender-like ``.rules`` files): parse, merge, build HDRTAB.

A rules file has one rule per line (``#`` or ``!`` start a comment):

* ``KEYWORD`` or ``KEYWORD COLUMN``: the keyword becomes an HDRTAB column (named ``COLUMN``)
  and is removed from the product headers;
* ``KEYWORD OUTPUT FUNCTION``: ``OUTPUT`` in the product header is ``FUNCTION`` of the
  keyword's values over every input chip (first, last, min, max, mean, sum, stddev, multi,
  zero, float_one, int_one); the keyword is also an HDRTAB column;
* ``<delete> KEYWORD``: removed from the product headers.

Keywords may be shell patterns (``A_?_?``). Every other keyword comes from the first input.
"""
from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from hapsvm.errors import InputError

__all__ = ["FUNCTIONS", "HeaderRule", "HeaderRules", "header_value", "merge_values", "read_rules"]


def _multi(values: list[Any]) -> Any:
    distinct = list(dict.fromkeys(values))
    return distinct[0] if len(distinct) == 1 else "MULTI"


def _numeric(func: Callable[[np.ndarray], Any]) -> Callable[[list[Any]], Any]:
    def apply(values: list[Any]) -> Any:
        nums = [v for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if not nums:
            return values[0]
        result = func(np.asarray(nums, dtype=np.float64))
        if all(isinstance(v, int) for v in nums) and func in (np.min, np.max, np.sum):
            return int(result)
        return float(result)
    return apply


#: Merge functions by name; each maps the list of input values to the output value.
FUNCTIONS: dict[str, Callable[[list[Any]], Any]] = {
    "first": lambda v: v[0],
    "last": lambda v: v[-1],
    "min": _numeric(np.min),
    "max": _numeric(np.max),
    "mean": _numeric(np.mean),
    "sum": _numeric(np.sum),
    "stddev": _numeric(np.std),
    "multi": _multi,
    "zero": lambda v: 0,
    "float_one": lambda v: 1.0,
    "int_one": lambda v: 1,
}


@dataclass(frozen=True)
class HeaderRule:
    """One rule line."""

    keyword: str
    """Input keyword or shell pattern."""
    output: str
    """Output keyword (header) or HDRTAB column name."""
    function: str | None = None
    """Merge function name, None for table-only keywords."""
    delete: bool = False
    """A ``<delete>`` rule."""


@dataclass(frozen=True)
class HeaderRules:
    """A parsed rules file."""

    rules: tuple[HeaderRule, ...]
    source: str = ""

    def table_keywords(self, available: list[str]) -> list[tuple[str, str]]:
        """(input keyword, column name) of every HDRTAB column, patterns expanded."""
        columns: dict[str, str] = {}
        for rule in self.rules:
            if rule.delete:
                continue
            if any(c in rule.keyword for c in "*?["):
                for key in available:
                    if fnmatch.fnmatchcase(key, rule.keyword):
                        columns.setdefault(key, key)
            elif rule.keyword in available:
                columns.setdefault(rule.keyword, rule.output if rule.function is None
                                   else rule.keyword)
        return list(columns.items())

    def removed_keywords(self, available: list[str]) -> set[str]:
        """Keywords removed from the product headers (table-only and deleted)."""
        removed: set[str] = set()
        for rule in self.rules:
            if rule.function is not None:
                continue
            removed.update(k for k in available if fnmatch.fnmatchcase(k, rule.keyword))
        return removed

    def merged(self, values: dict[str, list[Any]]) -> dict[str, Any]:
        """Output keyword → merged value for every function rule whose keyword is present."""
        out: dict[str, Any] = {}
        for rule in self.rules:
            if rule.function is None or not values.get(rule.keyword):
                continue
            out[rule.output] = merge_values(values[rule.keyword], rule.function)
        return out


def merge_values(values: list[Any], function: str) -> Any:
    """Apply a merge function by name.

    Examples
    --------
    >>> merge_values([100.0, 200.0], "sum"), merge_values(["a", "b"], "multi")
    (300.0, 'MULTI')
    """
    try:
        return FUNCTIONS[function](values)
    except KeyError:
        raise ValueError(f"unknown merge function {function!r}; known: {sorted(FUNCTIONS)}") \
            from None


def read_rules(path: Path) -> HeaderRules:
    """Parse a rules file.

    Raises
    ------
    InputError
        For a missing file, an unknown function or a malformed line (with its line number).
    """
    if not Path(path).is_file():
        raise InputError("header rules file does not exist", file=path)
    rules = []
    for number, raw in enumerate(Path(path).read_text().splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("!"):
            continue
        tokens = line.split()
        if tokens[0].lower() == "<delete>":
            if len(tokens) != 2:
                raise InputError("'<delete>' takes exactly one keyword", file=path, line=number,
                                 value=raw)
            rules.append(HeaderRule(keyword=tokens[1].upper(), output=tokens[1].upper(),
                                    delete=True))
            continue
        if len(tokens) > 3:
            raise InputError("a rule is 'KEYWORD [OUTPUT [FUNCTION]]'", file=path, line=number,
                             value=raw)
        function = tokens[2].lower() if len(tokens) == 3 else None
        if function is not None and function not in FUNCTIONS:
            raise InputError(f"unknown function {function!r} (known: {sorted(FUNCTIONS)})",
                             file=path, line=number, value=raw)
        keyword = tokens[0].upper()
        rules.append(HeaderRule(keyword=keyword, output=(tokens[1] if len(tokens) > 1
                                                         else keyword).upper(),
                                function=function))
    return HeaderRules(rules=tuple(rules), source=str(path))


def header_value(key: str, header: fits.Header, primary: fits.Header) -> Any:
    """A keyword's value from a chip header, falling back to its primary header."""
    if key in header:
        return header[key]
    return primary.get(key)
