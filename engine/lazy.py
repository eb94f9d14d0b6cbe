"""Lazily loaded package exports (the scientific-python SPEC 1 pattern, in a few lines).

A domain package names what it exports, submodule by submodule; a submodule is imported the
first time one of its names is read. ``import hapsvm.catalogs`` therefore costs nothing until a
catalogue is built, and the processes that never build one — ``svm --help``, the parent of a
multirun that only composes configs and hands visits to its workers — never import photutils,
scipy.signal or tweakwcs (about 1.5 s of a 2-core machine's time per process).

Example
-------
In ``engine/example/__init__.py``::

    from hapsvm.lazy import lazy_exports

    __getattr__, __dir__, __all__ = lazy_exports(__name__, {
        "grid": ["OutputGrid", "build_output_grid"],
        "params": ["DrizzleParams"],
    })

>>> import hapsvm.mosaic
>>> "build_output_grid" in dir(hapsvm.mosaic)
True
>>> hapsvm.mosaic.no_such_name
Traceback (most recent call last):
...
AttributeError: module 'hapsvm.mosaic' has no attribute 'no_such_name'

Editors, type checkers and call-graph tools do not run ``__getattr__``: each such package has
an ``__init__.pyi`` stub re-exporting the names from their submodules, written by
``python -m hapsvm.stubs`` from the same table (:func:`exports_of`; a test keeps them equal).
"""
from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["exports_of", "lazy_exports"]

#: package → (submodule → names), as declared by each package's call of :func:`lazy_exports`.
_EXPORTS: dict[str, dict[str, tuple[str, ...]]] = {}


def lazy_exports(package: str, exports: Mapping[str, Sequence[str]], *,
                 submodules: Sequence[str] = ()
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]], list[str]]:
    """Return ``(__getattr__, __dir__, __all__)`` for ``package``.

    Parameters
    ----------
    package
        The package's ``__name__``.
    exports
        Submodule name (relative to the package) → the public names it defines.
    submodules
        Submodules that are themselves public (``package.runsinglehap``): reading the name
        imports the submodule.

    A name read from the package imports its submodule and is then cached in the package's
    namespace, so later reads are ordinary attribute lookups.
    """
    where: dict[str, str] = {}
    for submodule, names in exports.items():
        for name in names:
            if name in where:
                raise ValueError(f"{package}: {name!r} is exported by both "
                                 f"{where[name]!r} and {submodule!r}")
            where[name] = submodule
    _EXPORTS[package] = {sub: tuple(names) for sub, names in exports.items()}

    def __getattr__(name: str) -> Any:
        if name in submodules:
            return importlib.import_module(f"{package}.{name}")
        submodule = where.get(name)
        if submodule is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{submodule}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def __dir__() -> list[str]:
        return sorted(set(where) | set(submodules) | set(vars(sys.modules[package])))

    return __getattr__, __dir__, sorted(where)


def exports_of(package: str) -> dict[str, tuple[str, ...]]:
    """Submodule → the names ``package`` exports lazily (imports the package, not its
    submodules)."""
    importlib.import_module(package)
    return dict(_EXPORTS[package])

