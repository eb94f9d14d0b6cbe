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

from hapsvm.lazy import declared_exports
from hapsvm.lazy import exports_of
from tests.repo import SOURCE_DIR

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
    source = ("if TYPE_CHECKING:\n    from p.a import X as X\n    from p.b import X as X\n")
    with pytest.raises(ValueError, match="'X' is exported by both 'a' and 'b'"):
        declared_exports("p", source)


@pytest.mark.parametrize("source, message", [
    ("if TYPE_CHECKING:\n    from p.a import X\n", "import X as X"),
    ("if TYPE_CHECKING:\n    from q.a import X as X\n", "not a module of the package"),
    ("if TYPE_CHECKING:\n    import p.a\n", "only 'from p.<module> import X as X'"),
])
def test_an_export_type_checkers_would_not_see_is_refused(source, message):
    with pytest.raises(ValueError, match=message):
        declared_exports("p", source)


def _lazy_packages() -> list[str]:
    return sorted(".".join(["hapsvm", *init.parent.relative_to(SOURCE_DIR).parts])
                  for init in SOURCE_DIR.rglob("__init__.py")
                  if init.parent != SOURCE_DIR and "lazy_exports(" in init.read_text())


def test_every_lazy_package_is_listed_here():
    assert _lazy_packages() == sorted(DOMAIN_PACKAGES)


@pytest.mark.parametrize("name", [*DOMAIN_PACKAGES, "hapsvm"])
def test_the_type_checking_imports_are_what_runs(name):
    """What editors and mypy read (the ``TYPE_CHECKING`` imports) is what the package gives."""
    package = importlib.import_module(name)
    exports = exports_of(name)
    assert sorted(exports) == [n for n in package.__all__ if n != "__version__"]
    for attr, submodule in exports.items():
        defining = importlib.import_module(f"{name}.{submodule or attr}")
        expected = getattr(defining, attr) if submodule else defining
        assert getattr(package, attr) is expected, f"{name}.{attr}"
    assert not list(SOURCE_DIR.rglob("*.pyi")), "stubs would shadow the TYPE_CHECKING imports"
