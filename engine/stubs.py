"""Write the ``__init__.pyi`` stubs of the lazily exporting packages (``python -m hapsvm.stubs``).

A package that exports its names through :func:`hapsvm.lazy.lazy_exports` resolves them in
``__getattr__`` at run time, which editors, type checkers and call-graph tools do not run. Its
stub re-exports each name from the submodule that defines it, so "go to definition" lands there.
``tests/test_lazy_imports.py`` checks that every stub is the one written here.
"""
from __future__ import annotations

from pathlib import Path

from hapsvm.lazy import exports_of

__all__ = ["lazy_packages", "stub_text", "write_stubs"]


def stub_text(package: str) -> str:
    """The ``__init__.pyi`` of a lazily exporting package: each name re-exported from its
    submodule, and ``__all__``.

    Examples
    --------
    >>> print("\\n".join(stub_text("hapsvm.preview.report").splitlines()[3:5]))
    from hapsvm.preview.report.gather import (
        ReportRequest as ReportRequest,
    """
    exports = exports_of(package)
    lines = [f'"""Static view of ``{package}`` for editors and type checkers (names load lazily',
             'at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""', ""]
    for submodule, names in exports.items():
        lines.append(f"from {package}.{submodule} import (")
        lines += [f"    {name} as {name}," for name in names]
        lines.append(")")
    lines += ["", "__all__ = ["]
    lines += [f'    "{name}",' for name in sorted(n for names in exports.values() for n in names)]
    return "\n".join([*lines, "]", ""])


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
