"""Lazily loaded package exports (the scientific-python SPEC 1 pattern, in a few lines).

A domain package lists what it exports as ordinary imports inside an ``if TYPE_CHECKING:``
block of its ``__init__.py``; at run time :func:`lazy_exports` reads that block from the file and
imports a submodule the first time one of its names is read. ``import hapsvm.catalogs``
therefore costs nothing until a catalogue is built, and the processes that never build one —
``svm --help``, the parent of a multirun that only composes configs and hands visits to its
workers — never import photutils, scipy.signal or tweakwcs (about 1.5 s of a 2-core machine's
time per process). Editors, type checkers and call-graph tools read the same imports, so "go to
definition" lands in the submodule: the block is the one list of a package's exports.

Example
-------
In ``engine/example/__init__.py``::

    from typing import TYPE_CHECKING

    from hapsvm.lazy import lazy_exports

    if TYPE_CHECKING:
        from hapsvm.example.grid import OutputGrid as OutputGrid
        from hapsvm.example.grid import build_output_grid as build_output_grid
        from hapsvm.example import cli as cli          # a public submodule

    __getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)

>>> import hapsvm.mosaic
>>> "build_output_grid" in dir(hapsvm.mosaic)
True
>>> hapsvm.mosaic.no_such_name
Traceback (most recent call last):
...
AttributeError: module 'hapsvm.mosaic' has no attribute 'no_such_name'
"""
from __future__ import annotations

import ast
import importlib
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["declared_exports", "exports_of", "lazy_exports"]

#: package → (name → submodule that defines it, or "" for a public submodule), as declared.
_EXPORTS: dict[str, dict[str, str]] = {}


def declared_exports(package: str, source: str) -> dict[str, str]:
    """Name → submodule (relative to ``package``; ``""`` where the name is itself a submodule)
    for the imports in the ``if TYPE_CHECKING:`` blocks of a package's ``__init__.py`` source.

    Each import must re-export a name as itself (``from p.sub import X as X``) from a module of
    the package; a name exported twice is refused.

    Examples
    --------
    >>> declared_exports("p", "if TYPE_CHECKING:\\n    from p.grid import Grid as Grid\\n")
    {'Grid': 'grid'}
    """
    where: dict[str, str] = {}
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.If) and isinstance(node.test, ast.Name)
                and node.test.id == "TYPE_CHECKING"):
            continue
        for statement in node.body:
            if not isinstance(statement, ast.ImportFrom) or statement.module is None:
                raise ValueError(f"{package}: only 'from {package}.<module> import X as X' "
                                 f"belongs in the TYPE_CHECKING block (line {statement.lineno})")
            module = statement.module
            if module != package and not module.startswith(package + "."):
                raise ValueError(f"{package}: {module!r} is not a module of the package")
            submodule = module[len(package) + 1:]
            for alias in statement.names:
                if alias.asname != alias.name:
                    raise ValueError(f"{package}: write 'import {alias.name} as {alias.name}' "
                                     "so type checkers see a re-export")
                if alias.name in where:
                    raise ValueError(f"{package}: {alias.name!r} is exported by both "
                                     f"{where[alias.name]!r} and {submodule!r}")
                where[alias.name] = submodule
    return where


def lazy_exports(package: str, init_file: str
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``, whose exports are the
    imports of the ``if TYPE_CHECKING:`` block in ``init_file`` (its ``__init__.py``).

    A name read from the package imports its submodule and is then cached in the package's
    namespace, so later reads are ordinary attribute lookups.
    """
    where = declared_exports(package, Path(init_file).read_text(encoding="utf-8"))
    _EXPORTS[package] = where

    def __getattr__(name: str) -> Any:
        submodule = where.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        if submodule:
            value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        else:
            value = importlib.import_module(f"{package}.{name}")
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(where) | set(vars(sys.modules[package])))

    return __getattr__, __dir__, sorted(where)


def exports_of(package: str) -> dict[str, str]:
    """Name → defining submodule (``""`` for a public submodule) of the names ``package``
    exports lazily (imports the package, not its submodules)."""
    importlib.import_module(package)
    return dict(_EXPORTS[package])
