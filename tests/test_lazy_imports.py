"""Domain packages load their submodules on first use (hapsvm.lazy).

What matters to users: ``svm --help`` and the parent process of a multirun (which only composes
configs and hands visits to its workers) start without photutils, scipy, tweakwcs, stwcs or
drizzle; and every name a package exports still resolves.
"""
from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

from hapsvm.lazy import lazy_exports
from hapsvm.stubs import lazy_packages, stub_text

DOMAIN_PACKAGES = ["hapsvm.align", "hapsvm.catalogs", "hapsvm.mosaic", "hapsvm.preview",
                   "hapsvm.preview.report", "hapsvm.simulate", "hapsvm.visit"]
HEAVY = ["photutils", "scipy", "tweakwcs", "stwcs", "drizzle", "astropy.wcs", "astropy.table"]


def test_cli_import_leaves_the_heavy_libraries_unloaded():
    code = ("import sys, hapsvm.cli, hapsvm.core; "
            f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "[]", f"importing hapsvm.cli loaded {out}"


def test_every_step_is_registered_without_running_it():
    code = ("import sys, hapsvm.steps; from hapsvm.core import registered_steps; "
            "print(len(registered_steps()), 'photutils' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert int(out[0]) >= 19 and out[1] == "False"


@pytest.mark.parametrize("name", DOMAIN_PACKAGES)
def test_every_exported_name_resolves(name):
    package = importlib.import_module(name)
    assert package.__all__, name
    for attr in package.__all__:
        value = getattr(package, attr)          # imports the submodule that defines it
        assert value is not None, f"{name}.{attr}"
        assert vars(package)[attr] is value     # cached: later reads are plain lookups
    assert set(package.__all__) <= set(dir(package))


def test_unknown_name_is_an_attribute_error():
    import hapsvm.catalogs
    with pytest.raises(AttributeError, match="hapsvm.catalogs.*no_such_thing"):
        hapsvm.catalogs.no_such_thing  # noqa: B018
    with pytest.raises(ImportError):
        exec("from hapsvm.mosaic import no_such_thing", {})


def test_a_name_exported_twice_is_refused():
    with pytest.raises(ValueError, match="'X' is exported by both 'a' and 'b'"):
        lazy_exports("hapsvm.example", {"a": ["X"], "b": ["X"]})


def test_every_lazy_package_is_listed_here():
    assert lazy_packages() == sorted(DOMAIN_PACKAGES)


@pytest.mark.parametrize("name", DOMAIN_PACKAGES)
def test_every_stub_names_exactly_the_lazy_exports(name):
    """``__init__.pyi`` re-exports each exported name from the submodule that defines it."""
    package = importlib.import_module(name)
    stub = Path(package.__file__).with_name("__init__.pyi")
    assert stub.read_text() == stub_text(name), f"{stub} is stale: run python -m hapsvm.stubs"
    body = ast.parse(stub.read_text()).body
    imported = {a.name: (node.module, a.asname) for node in body
                if isinstance(node, ast.ImportFrom) for a in node.names}
    declared = next(ast.literal_eval(node.value) for node in body
                    if isinstance(node, ast.Assign) and node.targets[0].id == "__all__")
    assert sorted(imported) == declared == package.__all__
    for attr, (module, alias) in imported.items():
        assert alias == attr, f"{stub}: {attr} is not re-exported as itself"
        assert getattr(importlib.import_module(module), attr) is getattr(package, attr)
