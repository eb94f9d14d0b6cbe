"""Write the ``__init__.pyi`` stubs of the lazily exporting packages (``python -m hapsvm.stubs``).

A package that exports its names through :func:`hapsvm.lazy.lazy_exports` resolves them in
``__getattr__`` at run time, which editors, type checkers and call-graph tools do not run. Its
stub re-exports each name from the submodule that defines it, so "go to definition" lands there.
``tests/test_lazy_imports.py`` checks that every stub is the one written here.
"""
from __future__ import annotations

import re
from pathlib import Path

from hapsvm.lazy import exports_of

__all__ = ["lazy_packages", "stub_text", "write_stubs"]


def stub_text(package: str) -> str:
    """The ``__init__.pyi`` of a lazily exporting package: each name re-exported from its
    submodule, and ``__all__``.

    The imports come one name a line, in the order ruff's import sorting (isort rules, without
    ``combine-as-imports``) gives them, so ``ruff check`` passes the written stubs unchanged.

    Examples
    --------
    >>> print("\\n".join(stub_text("hapsvm.preview.report").splitlines()[3:5]))
    from hapsvm.preview.report.gather import ReportRequest as ReportRequest
    from hapsvm.preview.report.gather import gather_detector as gather_detector
    """
    exports = exports_of(package)
    lines = [f'"""Static view of ``{package}`` for editors and type checkers (names load lazily',
             'at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""', ""]
    for submodule in sorted(exports, key=_natural_key):
        lines += [f"from {package}.{submodule} import {name} as {name}"
                  for name in sorted(exports[submodule], key=_member_key)]
    lines += ["", "__all__ = ["]
    lines += [f'    "{name}",' for name in sorted(n for names in exports.values() for n in names)]
    return "\n".join([*lines, "]", ""])


def _natural_key(name: str) -> tuple[tuple[int, int | str], ...]:
    """Case-blind natural sort key (``a2`` before ``a10``), as ruff's isort orders names."""
    return tuple((1, int(part)) if part.isdigit() else (0, part)
                 for part in re.split(r"(\d+)", name.lower()) if part)


def _member_key(name: str) -> tuple[int, tuple[tuple[int, int | str], ...], str]:
    """isort's order of imported names: CONSTANTS, then Classes, then everything else."""
    kind = 0 if len(name) > 1 and name.isupper() else 1 if name[:1].isupper() else 2
    return kind, _natural_key(name), name


def lazy_packages() -> list[str]:
    """Every subpackage of hapsvm whose ``__init__.py`` exports its names lazily."""
    root = Path(__file__).resolve().parent
    return sorted(".".join(["hapsvm", *init.parent.relative_to(root).parts])
                  for init in root.rglob("__init__.py")
                  if init.parent != root and "lazy_exports(" in init.read_text())


def write_stubs() -> list[Path]:
    """(Re)write the ``__init__.pyi`` of every lazily exporting subpackage; return the paths."""
    root = Path(__file__).resolve().parent
    written = []
    for package in lazy_packages():
        path = root.joinpath(*package.split(".")[1:], "__init__.pyi")
        path.write_text(stub_text(package))
        written.append(path)
    return written


if __name__ == "__main__":
    for written_path in write_stubs():
        print(written_path)
