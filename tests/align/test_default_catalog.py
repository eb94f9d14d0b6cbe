"""Gaia by default: with nothing configured, the catalogues come from the STScI service that
runsinglehap queries (spec §1.4, §5.2); offline, that costs a visit only seconds, and the headers
say why the alignment stayed relative or a-priori.

No test leaves the machine: tests/conftest.py points ``ASTROMETRIC_CATALOG_URL`` at a closed
loopback port, a loopback server stands in for the service, and the unresolvable host is under
the reserved ``.invalid`` top-level domain.
"""
from __future__ import annotations

import logging
import socket
import time
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from astropy.io import fits

from hapsvm.align import CatalogRequest
from hapsvm.align import CatalogUnavailableError
from hapsvm.align import ServiceCatalogProvider
from hapsvm.align import ServiceSettings
from hapsvm.align import UnreachableHosts
from hapsvm.align import catalog_providers
from hapsvm.align.headers import mark_outcome
from hapsvm.cli import run_visit
from hapsvm.core import RecipeComposer
from hapsvm.core import registered_steps
from tests.align.test_catalog_service import CatalogServer

#: The base URL runsinglehap uses when ASTROMETRIC_CATALOG_URL is unset (spec §1.4).
SPEC_DEFAULT_URL = "http://gsss.stsci.edu/webservices"
#: A host name that can never resolve (RFC 2606 reserves the .invalid top-level domain).
INVALID_URL = "http://catalog.invalid/webservices"
REQUEST = CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2011.134)
CATALOGS = ["GAIAeDR3", "GSC242", "2MASS"]
#: Most an unreachable default service may add to a visit, in seconds (issue 16).
MAX_OFFLINE_PENALTY_S = 5.0


@pytest.fixture
def closed_url() -> Iterator[str]:
    """A loopback URL whose port is bound but not listening: connections are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/webservices"


@pytest.fixture
def server() -> Iterator[CatalogServer]:
    srv = CatalogServer()
    srv.thread.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def small_visit(sim_visit_factory: Callable) -> object:
    return sim_visit_factory(detector="wfc3_ir", n_exposures=2, size=128, seed=21)


def _step_config(cfg: object) -> object:
    return RecipeComposer.typed(cfg, registered_steps()["align_to_catalog"])


def test_default_catalog_url_is_the_spec_service(compose_recipe: Callable,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ASTROMETRIC_CATALOG_URL")
    cfg = _step_config(compose_recipe())
    assert cfg.catalog_url == SPEC_DEFAULT_URL
    assert cfg.providers == ["file", "service"]
    providers = catalog_providers(cfg)
    assert [type(p) for p in providers] == [ServiceCatalogProvider]
    assert providers[0].base_url == SPEC_DEFAULT_URL
    assert providers[0].label == f"service {SPEC_DEFAULT_URL}"


def test_catalog_url_precedence_and_switching_the_service_off(
        compose_recipe: Callable, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASTROMETRIC_CATALOG_URL", "http://127.0.0.1:9/from-env")
    assert _step_config(compose_recipe()).catalog_url == "http://127.0.0.1:9/from-env"
    override = "align_to_catalog.catalog_url=http://127.0.0.1:9/from-config"
    assert _step_config(compose_recipe(override)).catalog_url == "http://127.0.0.1:9/from-config"
    for off in ("align_to_catalog.providers=[file]", "align_to_catalog.catalog_url=''",
                "align_to_catalog.catalog_url=null"):
        assert catalog_providers(_step_config(compose_recipe(off))) == [], off


def test_default_provider_sends_the_spec_query(server: CatalogServer, small_visit: object,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing configured but the service address (standing in for the default one)."""
    server.mode, server.csv = "file", small_visit.reference_csv_path.read_text()
    monkeypatch.setenv("ASTROMETRIC_CATALOG_URL", server.url)
    result = run_visit(str(small_visit.poller_path), tmp_path / "out",
                       [f"align_to_catalog.catalog_cache_dir={tmp_path / 'cache'}"])
    alignment = result.context.peek("alignment", "wfc3_ir")
    assert alignment.status == "aligned" and alignment.catalog == "GAIAeDR3"
    assert len(server.requests) == 1
    query = server.requests[0]
    assert query.pop("path") == "/webservices/vo/CatalogSearch.aspx"
    assert sorted(query) == sorted(["RA", "DEC", "SR", "FORMAT", "CAT", "MINDET", "EPOCH"])
    assert (query["FORMAT"], query["CAT"], query["MINDET"]) == ("CSV", "GAIAeDR3", "5")
    truth = small_visit.truth
    assert float(query["EPOCH"]) == pytest.approx(truth.epoch, abs=0.002)   # DATE-OBS, yyyy.yyy
    assert len(query["EPOCH"].split(".")[1]) == 3
    # the cone is centred on the pointing and covers a 128-px IR chip (half diagonal 11.6″)
    assert float(query["RA"]) == pytest.approx(truth.target[0], abs=0.005)
    assert float(query["DEC"]) == pytest.approx(truth.target[1], abs=0.005)
    assert 11.6 / 3600 < float(query["SR"]) < 0.02


@pytest.mark.parametrize("kind", ["refused", "dns"])
def test_unreachable_service_fails_at_once_without_retries(
        kind: str, closed_url: str, caplog: pytest.LogCaptureFixture) -> None:
    url = {"refused": closed_url, "dns": INVALID_URL}[kind]
    settings = ServiceSettings(timeout_s=5.0, retries=2, retry_wait_s=2.0, connect_timeout_s=1.5)
    provider = ServiceCatalogProvider(url, settings=settings, unreachable=UnreachableHosts())
    caplog.set_level(logging.WARNING)
    start = time.perf_counter()
    words = {"refused": "connection refused", "dns": "DNS: "}[kind]
    with pytest.raises(CatalogUnavailableError, match=f"{url} unreachable \\({words}"):
        provider.fetch(REQUEST)
    assert time.perf_counter() - start < 1.5          # a retry alone would wait 2 s
    assert not [r for r in caplog.records if "attempt" in r.message]


def test_an_unreachable_host_is_skipped_by_every_later_provider(
        closed_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = UnreachableHosts()
    first = ServiceCatalogProvider(closed_url, unreachable=hosts)
    with pytest.raises(CatalogUnavailableError) as failed:
        first.fetch(REQUEST)
    later = ServiceCatalogProvider(closed_url, unreachable=hosts)   # e.g. the next detector

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("an unreachable host was asked again")

    monkeypatch.setattr(later._opener, "open", never)
    for catalog in CATALOGS:
        with pytest.raises(CatalogUnavailableError) as skipped:
            later.fetch(CatalogRequest(catalog, 53.1, -27.8, 0.05, 2011.134))
        assert str(skipped.value) == str(failed.value)
    asked = ServiceCatalogProvider(closed_url, unreachable=hosts,
                                   settings=ServiceSettings(unreachable_hold_s=0))
    with pytest.raises(CatalogUnavailableError, match="connection refused"):
        asked.fetch(REQUEST)                                       # hold 0: asked every time


def test_a_resolver_that_does_not_answer_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    def silent(*args: object, **kwargs: object) -> None:
        time.sleep(3.0)
        raise socket.gaierror(-3, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", silent)
    provider = ServiceCatalogProvider(INVALID_URL, unreachable=UnreachableHosts(),
                                      settings=ServiceSettings(connect_timeout_s=0.3))
    start = time.perf_counter()
    with pytest.raises(CatalogUnavailableError, match="DNS: no answer for catalog.invalid"):
        provider.fetch(REQUEST)
    assert time.perf_counter() - start < 1.0


def test_a_host_that_does_not_accept_the_connection_is_abandoned() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        held = []
        try:
            for _ in range(8):                      # fill the accept queue until SYNs go unheard
                probe = socket.socket()
                probe.settimeout(0.2)
                try:
                    probe.connect(address)
                except TimeoutError:
                    probe.close()
                    break
                held.append(probe)
            else:
                pytest.skip("this kernel accepts connections beyond a full backlog")
            provider = ServiceCatalogProvider(
                f"http://127.0.0.1:{address[1]}/webservices", unreachable=UnreachableHosts(),
                settings=ServiceSettings(connect_timeout_s=0.4, retries=2, retry_wait_s=1.0))
            start = time.perf_counter()
            with pytest.raises(CatalogUnavailableError,
                               match=r"unreachable \(no connection within 0.4 s\)"):
                provider.fetch(REQUEST)
            assert time.perf_counter() - start < 1.0
        finally:
            for sock in held:
                sock.close()


def test_catalogue_lines_follow_svmalign_and_replace_earlier_ones() -> None:
    hdul = fits.HDUList([fits.PrimaryHDU()])
    hdul[0].header["SVMCAT3"] = "stale line of an earlier run"
    long_reason = "service http://catalog.invalid/webservices unreachable (DNS: no answer)"
    mark_outcome(hdul, "FAILED: no catalogue fit accepted", [f"{c}: {long_reason}"
                                                             for c in CATALOGS[:2]])
    keys = [k for k in hdul[0].header if k.startswith("SVM")]
    assert keys == ["SVMALIGN", "SVMCAT1", "SVMCAT2"]
    assert hdul[0].header["SVMCAT2"] == f"GSC242: {long_reason}"     # CONTINUE cards, whole


def _timed_visit(visit: object, out: Path, overrides: list[str]) -> tuple[float, object]:
    start = time.perf_counter()
    result = run_visit(str(visit.poller_path), out, overrides)
    seconds = time.perf_counter() - start
    assert result.exit_code == 0, result.failures
    return seconds, result


@pytest.fixture(scope="module")
def no_service_seconds(small_visit: object, tmp_path_factory: pytest.TempPathFactory
                       ) -> Callable[[str], float]:
    """Wall time of the whole small visit without the web service, per keep_relative_fit."""
    out = tmp_path_factory.mktemp("no_service")
    base = ["align_to_catalog.providers=[file]", "align_to_catalog.catalog_cache_dir=''"]
    _timed_visit(small_visit, out / "warm-up", base)      # imports and caches, not measured
    seen: dict[str, float] = {}

    def seconds(keep: str) -> float:
        if keep not in seen:
            seen[keep] = _timed_visit(small_visit, out / keep,
                                      [*base, f"align_to_catalog.keep_relative_fit={keep}"])[0]
        return seen[keep]

    return seconds


@pytest.mark.parametrize("kind, keep", [("refused", "true"), ("dns", "false")])
def test_unreachable_default_service_costs_a_visit_seconds_and_headers_say_why(
        kind: str, keep: str, closed_url: str, small_visit: object,
        no_service_seconds: Callable[[str], float], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    url = {"refused": closed_url, "dns": INVALID_URL}[kind]
    monkeypatch.setenv("ASTROMETRIC_CATALOG_URL", url)     # the default provider, unreachable
    baseline = no_service_seconds(keep)
    caplog.set_level(logging.INFO)
    seconds, result = _timed_visit(small_visit, tmp_path / "out", [
        "align_to_catalog.catalog_cache_dir=''", f"align_to_catalog.keep_relative_fit={keep}"])
    penalty = seconds - baseline
    print(f"offline penalty ({kind}): {penalty:+.2f} s ({seconds:.2f} s vs {baseline:.2f} s)")
    assert penalty < MAX_OFFLINE_PENALTY_S
    # DNS wording depends on the resolver ("Name or service not known", "No address ...")
    line = f"service {url} unreachable (" + \
        {"refused": "connection refused)", "dns": "DNS: "}[kind]
    # asked once: the other catalogues skip the host with the same reason
    assert sum(r.name.endswith("providers") and "unreachable" in r.message
               for r in caplog.records) == 1
    for catalog in CATALOGS:                                   # one log line per catalogue
        assert any(r.message.startswith(f"wfc3_ir: {catalog}: {line}") for r in caplog.records)
    outcome = {"true": "FIT_REL_NONE", "false": "FAILED"}[keep]
    copies = sorted((tmp_path / "out").glob("*_flt.fits"))
    total = next((tmp_path / "out").glob("*_total_*_drz.fits"))
    assert len(copies) == 2
    for path in [*copies, total]:
        header = fits.getheader(path)
        assert header["SVMALIGN"].startswith(f"{outcome}: no catalogue fit accepted (GAIAeDR3, "
                                             f"GSC242, 2MASS: {line}"), path.name
        for i, catalog in enumerate(CATALOGS, start=1):
            assert header[f"SVMCAT{i}"].startswith(f"{catalog}: {line}"), path.name
    wcsnames = {fits.getval(p, "WCSNAME", ("SCI", 1)) for p in copies}
    assert wcsnames == {"true": {"IDC_w3m18525i-FIT_REL_NONE"},
                        "false": {"IDC_w3m18525i-GSC240"}}[keep]
