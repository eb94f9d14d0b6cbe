"""Shared fixtures: real data location, recipe composition, simulated visits."""
from __future__ import annotations

import os
import shutil
import socket
import sys
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest

import hapsvm.steps  # noqa: F401  (registers every implemented step)
from hapsvm.core import Recipe
from hapsvm.core import RecipeComposer
from hapsvm.paths import project_paths
from tests.repo import REPO_ROOT

# No test leaves the machine: the default catalogue service (the STScI one, see
# conf/step/align_to_catalog.yaml) is replaced for the whole session, subprocesses included, by a
# loopback port that is bound but never listens, so every query is refused at once. Tests that
# need a working service start one on 127.0.0.1 and point catalog_url (or this variable) at it.
_CLOSED_PORT = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
_CLOSED_PORT.bind(("127.0.0.1", 0))
CLOSED_CATALOG_URL = f"http://127.0.0.1:{_CLOSED_PORT.getsockname()[1]}/webservices"
os.environ["ASTROMETRIC_CATALOG_URL"] = CLOSED_CATALOG_URL

REALDATA = (REPO_ROOT / ".." / "shared" / "realdata").resolve()
VISIT21 = REALDATA / "wfc3ir_goodss_visit21"
VISIT21_DIRECT = ["ib6o21qnq", "ib6o21qqq", "ib6o21r7q", "ib6o21raq"]
VISIT21_GRISM = ["ib6o21qmq", "ib6o21qoq", "ib6o21r6q", "ib6o21r8q"]


@pytest.fixture(scope="session")
def visit21() -> Path:
    """The real WFC3/IR visit 21 directory (skipped with the reason when absent)."""
    if not VISIT21.is_dir():
        pytest.skip(f"real data not found at {VISIT21} (../shared/realdata is not checked out)")
    return VISIT21


@pytest.fixture(scope="session")
def composer() -> RecipeComposer:
    """A composer for recipe v1 of this checkout."""
    paths = project_paths()
    return RecipeComposer(paths, Recipe.load("v1", paths))


@pytest.fixture
def compose_recipe(composer: RecipeComposer) -> Callable[..., object]:
    """``compose_recipe(*overrides, **groups)`` → composed DictConfig (Hydra compose API)."""
    def _compose(*overrides: str, **groups: str) -> object:
        return composer.compose(dict(groups), ["input=unused", *overrides])
    return _compose


@pytest.fixture(scope="session")
def sim_visit_factory(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., object]:
    """Session cache of simulated visits: ``factory(detector=..., **kw)`` → SimulatedVisit."""
    from hapsvm.simulate import simulate_visit

    cache: dict[tuple, object] = {}

    def _make(**kwargs: object) -> object:
        kwargs.setdefault("n_exposures", 4)
        kwargs.setdefault("size", 256)
        kwargs.setdefault("seed", 1)
        key = tuple(sorted((k, str(v)) for k, v in kwargs.items()))
        if key not in cache:
            out = tmp_path_factory.mktemp("sim")
            cache[key] = simulate_visit(out, **kwargs)  # type: ignore[arg-type]
        return cache[key]

    return _make


@pytest.fixture
def visit_copy(tmp_path: Path) -> Callable[[Path], Path]:
    """Copy a visit directory into ``tmp_path`` for tests that write next to inputs."""
    def _copy(src: Path) -> Path:
        dst = tmp_path / src.name
        shutil.copytree(src, dst)
        return dst
    return _copy


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Release the closed catalogue port."""
    _CLOSED_PORT.close()


@pytest.fixture(autouse=True)
def _fresh_unreachable_hosts() -> Iterator[None]:
    """Each test starts with no host remembered as unreachable (a loopback port closed by one
    test may be reused by the next one's server)."""
    yield
    module = sys.modules.get("hapsvm.align.service_http")
    if module is not None:
        module.UNREACHABLE_HOSTS.forget()
