"""Reference-catalogue providers: a local file, and a cached HTTP catalogue service."""
from __future__ import annotations

import http.client
import logging
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hapsvm.align.catalog_cache import CachedReply, CatalogCache
from hapsvm.align.exceptions import CatalogUnavailableError
from hapsvm.align.refcat import (CatalogRequest, ReferenceCatalog, read_catalog_file,
                                 read_service_csv)
from hapsvm.errors import InputError

__all__ = ["CatalogProvider", "FileCatalogProvider", "ServiceCatalogProvider",
           "ServiceSettings", "service_query_url", "make_providers"]

log = logging.getLogger(__name__)


class CatalogProvider(Protocol):
    """Anything that can answer a cone search for some catalogue names."""

    label: str

    def serves(self, catalog: str) -> bool:
        """Whether this provider can answer for ``catalog``."""

    def fetch(self, request: CatalogRequest) -> ReferenceCatalog:
        """Rows within the request's cone; raise ``CatalogUnavailableError`` on failure."""


class FileCatalogProvider:
    """A local ECSV/CSV/FITS catalogue standing for one catalogue name.

    Parameters
    ----------
    path
        The catalogue file (columns ``ra``, ``dec`` and optionally ``pmra``, ``pmdec``,
        ``ref_epoch``, ``mag``, ``ra_error``, ``dec_error``).
    catalog
        The catalogue name it stands for (``GAIAeDR3``).
    """

    def __init__(self, path: Path, catalog: str) -> None:
        self.path = Path(path)
        self.catalog = catalog
        self.label = f"file {self.path.name}"

    def serves(self, catalog: str) -> bool:
        """True for the one catalogue name the file stands for."""
        return catalog.lower() == self.catalog.lower()

    def fetch(self, request: CatalogRequest) -> ReferenceCatalog:
        """Read the file, propagate to the request epoch and cut the cone."""
        try:
            full = read_catalog_file(self.path, name=request.catalog,
                                     epoch_year=request.epoch_year)
        except InputError as err:
            raise CatalogUnavailableError(str(err)) from err
        return full.within(request.ra_deg, request.dec_deg, request.radius_deg)


@dataclass(frozen=True)
class ServiceSettings:
    """Limits of the HTTP client."""

    timeout_s: float = 30.0
    """Socket timeout of one request, in seconds."""
    retries: int = 2
    """Further attempts after a timeout, connection error or HTTP 5xx."""
    retry_wait_s: float = 1.0
    """Pause between attempts, in seconds."""
    max_reply_bytes: int = 50_000_000
    """Largest accepted reply, in bytes."""


def service_query_url(base_url: str, request: CatalogRequest, *, with_epoch: bool) -> str:
    """The spec §5.2 query URL.

    Examples
    --------
    >>> r = CatalogRequest("GAIAeDR3", 53.1, -27.8, 0.05, 2009.7553)
    >>> url = service_query_url("http://h:1/cat", r, with_epoch=True)
    >>> url.split("?")
    ['http://h:1/cat/vo/CatalogSearch.aspx', 'RA=53.10000000&DEC=-27.80000000&SR=0.050000\
&FORMAT=CSV&CAT=GAIAeDR3&MINDET=5&EPOCH=2009.755']
    """
    params = {"RA": f"{request.ra_deg:.8f}", "DEC": f"{request.dec_deg:.8f}",
              "SR": f"{request.radius_deg:.6f}", "FORMAT": "CSV", "CAT": request.catalog,
              "MINDET": "5"}
    if with_epoch:
        params["EPOCH"] = f"{request.epoch_year:.3f}"
    return f"{base_url.rstrip('/')}/vo/CatalogSearch.aspx?{urllib.parse.urlencode(params)}"


class _RefuseRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: the client talks to the configured base URL only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused",
                                     headers, fp)


class ServiceCatalogProvider:
    """The catalogue web service of spec §5.2, with an optional on-disk cache.

    Parameters
    ----------
    base_url
        ``http(s)://host[:port][/path]``; queries go to ``<base_url>/vo/CatalogSearch.aspx``.
    cache
        Where replies are stored and looked up first (``None``: no cache).
    settings
        Timeout, retries and reply-size limits.

    Raises
    ------
    InputError
        If ``base_url`` is not an http(s) URL.
    """

    def __init__(self, base_url: str, *, cache: CatalogCache | None = None,
                 settings: ServiceSettings = ServiceSettings()) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError("catalogue service URL must be http(s)://host[:port][/path]",
                             value=base_url)
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.settings = settings
        self.label = f"service {parts.netloc}"
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                   _RefuseRedirect())

    def serves(self, catalog: str) -> bool:
        """The service answers for any catalogue name (unknown names fail at fetch)."""
        return True

    def fetch(self, request: CatalogRequest) -> ReferenceCatalog:
        """Cached reply if valid, else query (retrying without EPOCH on an ``Error`` reply)."""
        reply = self.cache.get(self.base_url, request) if self.cache else None
        source = "cache"
        if reply is None:
            reply, source = self._query(request), "service"
        try:
            catalog = read_service_csv(reply.text, name=request.catalog,
                                       epoch_year=request.epoch_year,
                                       origin=f"{source} {reply.url}",
                                       already_at_epoch=reply.epoch_applied)
        except InputError as err:
            raise CatalogUnavailableError(f"{request.catalog}: {err}") from err
        if source == "service" and self.cache is not None:
            self.cache.put(self.base_url, request, reply)
        log.info("%s: %d rows from the %s", request.catalog, len(catalog), source)
        return catalog

    def _query(self, request: CatalogRequest) -> CachedReply:
        url = service_query_url(self.base_url, request, with_epoch=True)
        text = self._get(url)
        if text.lstrip().startswith("Error"):
            log.info("%s: service refused EPOCH (%s); asking without it", request.catalog,
                     text.strip().splitlines()[0][:120])
            url = service_query_url(self.base_url, request, with_epoch=False)
            text = self._get(url)
            if text.lstrip().startswith("Error"):
                raise CatalogUnavailableError(
                    f"{request.catalog}: service error: {text.strip().splitlines()[0][:200]}")
            return CachedReply(text, False, url)
        return CachedReply(text, True, url)

    def _get(self, url: str) -> str:
        s = self.settings
        last = ""
        for attempt in range(1, s.retries + 2):
            try:
                with self._opener.open(url, timeout=s.timeout_s) as response:
                    raw = response.read(s.max_reply_bytes + 1)
                if len(raw) > s.max_reply_bytes:
                    raise CatalogUnavailableError(
                        f"reply from {self.label} exceeds {s.max_reply_bytes} bytes")
                return raw.decode("utf-8", errors="replace")
            except urllib.error.HTTPError as err:
                last = f"HTTP {err.code} {err.reason}"
                err.close()
                if err.code < 500:
                    break
            except (urllib.error.URLError, socket.timeout, TimeoutError, ConnectionError,
                    http.client.HTTPException) as err:
                last = f"{type(err).__name__}: {getattr(err, 'reason', err)}"
            log.warning("%s attempt %d/%d failed: %s", self.label, attempt, s.retries + 1, last)
            if attempt <= s.retries:
                time.sleep(s.retry_wait_s)
        raise CatalogUnavailableError(f"{self.label} failed: {last}")


def make_providers(order: list[str], *, catalog_file: Path | None, catalog_name: str,
                   service_url: str, cache: CatalogCache | None,
                   service: ServiceSettings) -> list[CatalogProvider]:
    """Providers in ``order`` (``file``, ``service``); unconfigured ones are left out.

    Parameters
    ----------
    order
        Provider kinds, in the order they are asked for each catalogue.
    catalog_file, catalog_name
        Local catalogue and the catalogue name it stands for (``None``: no file provider).
    service_url
        Catalogue service base URL ('' : no service provider).
    cache, service
        Reply cache and HTTP limits of the service provider.
    """
    out: list[CatalogProvider] = []
    for kind in order:
        if kind == "file" and catalog_file is not None:
            out.append(FileCatalogProvider(catalog_file, catalog_name))
        elif kind == "service" and service_url:
            out.append(ServiceCatalogProvider(service_url, cache=cache, settings=service))
    return out
