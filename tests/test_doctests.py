"""The docstring examples of every ``hapsvm`` module run as tests (under its import name).

pytest's ``--doctest-modules`` would import ``engine/*.py`` under the source folder's name
(``engine.*``), a second copy of the package beside ``hapsvm``; this runs the same examples
through the installed import name.
"""
from __future__ import annotations

import doctest
import importlib
import io
import pkgutil

import pytest

import hapsvm

FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules_with_examples() -> list[str]:
    names = ["hapsvm"] + [m.name for m in pkgutil.walk_packages(hapsvm.__path__, "hapsvm.")]
    found = []
    finder = doctest.DocTestFinder(exclude_empty=True)
    for name in sorted(names):
        module = importlib.import_module(name)
        if any(t.examples for t in finder.find(module, name)):
            found.append(name)
    return found


MODULES = _modules_with_examples()


def test_doctests_are_found() -> None:
    """Guard: a change in discovery must not silently skip every example."""
    assert len(MODULES) >= 30


@pytest.mark.parametrize("name", MODULES)
def test_module_examples(name: str) -> None:
    module = importlib.import_module(name)
    finder = doctest.DocTestFinder(exclude_empty=True)
    out = io.StringIO()
    runner = doctest.DocTestRunner(optionflags=FLAGS)
    for test in finder.find(module, name):
        runner.run(test, out=out.write)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, out.getvalue()
