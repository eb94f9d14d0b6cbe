"""The catalogue-service provider against a real HTTP server on 127.0.0.1, and its cache."""
from __future__ import annotations

import threading
import time
import urllib.parse
from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler
from http.server import ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.align import CatalogCache
from hapsvm.align import CatalogRequest
from hapsvm.align import CatalogUnavailableError
from hapsvm.align import ServiceCatalogProvider
from hapsvm.align import ServiceSettings
from hapsvm.cli import run_visit
from hapsvm.errors import InputError
from tests.align.test_pipeline import alignment_recipe

HEADER = "ra,dec,ra_error,dec_error,pmra,pmra_error,pmdec,pmdec_error,mag,objID,epoch"
FAST = ServiceSettings(timeout_s=0.5, retries=1, retry_wait_s=0.0, max_reply_bytes=100_000)
REQUEST = CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2011.134)


def _rows(n: int = 25) -> str:
    rng = np.random.default_rng(1)
    lines = [f"{53.1 + dx:.8f},{-27.8 + dy:.8f},0.1,0.1,1.0,0.1,-2.0,0.1,{m:.3f},{i},2011.134"
             for i, (dx, dy, m) in enumerate(zip(rng.normal(0, 0.01, n),
                                                 rng.normal(0, 0.01, n),
                                                 rng.uniform(16, 21, n)))]
    return "\n".join(lines)


class CatalogServer:
    """A catalogue service whose behaviour the test sets: ``mode`` and request log."""

    def __init__(self) -> None:
        self.mode = "ok"
        self.csv = ""
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                parts = urllib.parse.urlsplit(self.path)
                query = dict(urllib.parse.parse_qsl(parts.query))
                server.requests.append({"path": parts.path, **query})
                server.respond(self, query)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/webservices"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def respond(self, handler: BaseHTTPRequestHandler, query: dict[str, str]) -> None:
        body = {"ok": f"# GAIAeDR3 cone\n{HEADER}\n{_rows()}\n",
                "empty": f"# GAIAeDR3 cone\n{HEADER}\n",
                "garbled": "# nothing\n",
                "big": "#\n" + "x" * 200_000,
                "file": f"# simulated catalogue service\n{self.csv}",
                }.get(self.mode, "")
        if self.mode == "epoch_error" and "EPOCH" in query:
            body = "Error: EPOCH not supported\n"
        elif self.mode == "epoch_error":
            body = f"# GAIAeDR3 cone\n{HEADER}\n{_rows()}\n"
        if self.mode == "error500":
            handler.send_error(500, "Internal Server Error")
            return
        if self.mode == "redirect":
            handler.send_response(302)
            handler.send_header("Location", "http://example.invalid/elsewhere")
            handler.end_headers()
            return
        if self.mode == "slow":
            time.sleep(1.5)
        data = body.encode()
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            handler.send_header("Content-Length", str(len(data)))
            handler.end_headers()
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def server() -> Iterator[CatalogServer]:
    srv = CatalogServer()
    srv.thread.start()
    yield srv
    srv.stop()


def test_service_query_reads_the_gaia_csv(server: CatalogServer) -> None:
    provider = ServiceCatalogProvider(server.url, settings=FAST)
    cat = provider.fetch(REQUEST)
    assert len(cat) == 25 and cat.name == "GAIAeDR3"
    assert np.all(np.isfinite(cat.mag))
    query = server.requests[0]
    assert query["path"] == "/webservices/vo/CatalogSearch.aspx"
    assert (query["CAT"], query["FORMAT"], query["MINDET"], query["EPOCH"]) == \
        ("GAIAeDR3", "CSV", "5", "2011.134")
    assert float(query["RA"]) == pytest.approx(53.1) and float(query["SR"]) == 0.05


def test_error_reply_is_retried_without_epoch_and_motions_applied_locally(
        server: CatalogServer) -> None:
    server.mode = "epoch_error"
    cat = ServiceCatalogProvider(server.url, settings=FAST).fetch(
        CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2021.134))
    assert ["EPOCH" in q for q in server.requests] == [True, False]
    assert "proper motions applied" in cat.notes[0]
    expected = float(_rows().splitlines()[0].split(",")[1]) - 2.0 * 10 / 3.6e6
    assert cat.dec[0] == pytest.approx(expected, abs=1e-10)


def test_service_reply_errors_are_brought_to_the_epoch(server: CatalogServer) -> None:
    cat = ServiceCatalogProvider(server.url, settings=FAST).fetch(REQUEST)
    # listed at J2016.0: 0.1 mas and 0.1 mas/yr, 4.866 years before
    assert cat.position_error_mas is not None
    np.testing.assert_allclose(cat.position_error_mas, np.hypot(0.1, 0.1 * (2016 - 2011.134)))


def test_without_proper_motions_the_service_is_asked_without_epoch(server: CatalogServer,
                                                                   tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    provider = ServiceCatalogProvider(server.url, cache=cache, settings=FAST)
    moved = provider.fetch(REQUEST)
    kept = provider.fetch(replace(REQUEST, apply_proper_motions=False))
    assert ["EPOCH" in q for q in server.requests] == [True, False]
    assert "not applied" in kept.notes[0]
    np.testing.assert_array_equal(moved.dec, kept.dec)       # the server ignores EPOCH here
    np.testing.assert_allclose(kept.position_error_mas, 0.1)
    assert len(list(tmp_path.glob("*.csv"))) == 2             # one cache entry each
    provider.fetch(replace(REQUEST, apply_proper_motions=False))
    assert len(server.requests) == 2


@pytest.mark.parametrize("mode, message", [
    ("error500", "HTTP 500"), ("slow", "timed out"), ("garbled", "holds no CSV table"),
    ("big", "exceeds 100000 bytes"), ("redirect", "redirect to http://example.invalid")])
def test_service_failures_raise_catalog_unavailable(server: CatalogServer, mode: str,
                                                    message: str) -> None:
    server.mode = mode
    with pytest.raises(CatalogUnavailableError, match=message):
        ServiceCatalogProvider(server.url, settings=FAST).fetch(REQUEST)
    expected = 2 if mode in ("error500", "slow") else 1      # retried once, then given up
    assert len(server.requests) == expected


def test_empty_reply_is_an_empty_catalogue(server: CatalogServer) -> None:
    server.mode = "empty"
    assert len(ServiceCatalogProvider(server.url, settings=FAST).fetch(REQUEST)) == 0


def test_cache_serves_a_rerun_without_the_server(server: CatalogServer, tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path / "cache")
    first = ServiceCatalogProvider(server.url, cache=cache, settings=FAST).fetch(REQUEST)
    assert len(server.requests) == 1
    assert len(list((tmp_path / "cache").glob("*.csv"))) == 1
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1
    server.stop()
    second = ServiceCatalogProvider(server.url, cache=cache, settings=FAST).fetch(REQUEST)
    np.testing.assert_array_equal(first.ra, second.ra)
    assert second.origin.startswith("cache")
    other = CatalogRequest("GSC242", 53.1, -27.8, 0.05, 2011.134)
    with pytest.raises(CatalogUnavailableError):                 # not cached: needs the server
        ServiceCatalogProvider(server.url, cache=cache, settings=FAST).fetch(other)


def test_corrupt_cache_entry_is_detected_and_fetched_again(server: CatalogServer,
                                                           tmp_path: Path) -> None:
    cache = CatalogCache(tmp_path)
    ServiceCatalogProvider(server.url, cache=cache, settings=FAST).fetch(REQUEST)
    entry = next(tmp_path.glob("*.csv"))
    entry.write_text(entry.read_text().replace("53.1", "54.1", 1))
    cat = ServiceCatalogProvider(server.url, cache=cache, settings=FAST).fetch(REQUEST)
    assert len(server.requests) == 2 and cat.origin.startswith("service")
    assert cache.get(server.url, REQUEST) is not None


def test_service_url_must_be_http() -> None:
    with pytest.raises(InputError, match="must be http"):
        ServiceCatalogProvider("file:///etc/passwd")


def test_svm_run_with_the_catalogue_service_and_its_cache(server: CatalogServer,
                                                          sim_visit_factory: Callable,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    visit = sim_visit_factory(detector="wfc3_ir", n_exposures=2)
    server.mode, server.csv = "file", visit.reference_csv_path.read_text()
    monkeypatch.setenv("ASTROMETRIC_CATALOG_URL", server.url)
    overrides = [f"align_to_catalog.catalog_cache_dir={tmp_path / 'cache'}",
                 "align_to_catalog.catalog_timeout_s=2", "align_to_catalog.catalog_retries=0"]
    recipe = alignment_recipe(tmp_path)
    first = run_visit(str(visit.poller_path), tmp_path / "one", overrides, recipe=recipe)
    assert first.context.peek("alignment", "wfc3_ir").catalog == "GAIAeDR3"
    assert [q["CAT"] for q in server.requests] == ["GAIAeDR3"]
    server.stop()
    second = run_visit(str(visit.poller_path), tmp_path / "two", overrides, recipe=recipe)
    assert second.context.peek("alignment", "wfc3_ir").catalog == "GAIAeDR3"
    for path in (tmp_path / "one").glob("*_flt.fits"):
        a = fits.getheader(path, ("SCI", 1))
        b = fits.getheader(tmp_path / "two" / path.name, ("SCI", 1))
        assert a["WCSNAME"] == b["WCSNAME"] == "IDC_w3m18525i-FIT_SVM_GAIAeDR3"
        assert (a["CRVAL1"], a["CRVAL2"]) == (b["CRVAL1"], b["CRVAL2"])
