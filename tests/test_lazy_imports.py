"""Domain packages load their submodules on first use (hapsvm.lazy).

What matters to users: ``svm --help`` and the parent process of a multirun (which only composes
configs and hands visits to its workers) start without photutils, scipy, tweakwcs, stwcs or
drizzle; and every name a package exports still resolves.
"""
from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from hapsvm.lazy import lazy_exports

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
