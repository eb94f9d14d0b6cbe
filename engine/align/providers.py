"""Reference-catalogue providers: a local file, and a cached HTTP catalogue service."""
from __future__ import annotations

import http.client
import logging
import os
import time
import urllib.error
import urllib.parse
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from hapsvm.align.catalog_cache import CachedReply
from hapsvm.align.catalog_cache import CatalogCache
from hapsvm.align.exceptions import CatalogUnavailableError
from hapsvm.align.params import AlignmentSettings
from hapsvm.align.refcat import CatalogRequest
from hapsvm.align.refcat import ReferenceCatalog
from hapsvm.align.refcat import read_catalog_file
from hapsvm.align.refcat import read_service_csv
from hapsvm.align.service_http import UNREACHABLE_HOSTS
from hapsvm.align.service_http import HostUnreachableError
from hapsvm.align.service_http import UnreachableHosts
from hapsvm.align.service_http import build_opener
from hapsvm.errors import InputError

__all__ = ["CatalogProvider", "FileCatalogProvider", "ServiceCatalogProvider",
           "ServiceSettings", "catalog_providers", "service_query_url", "make_providers"]

log = logging.getLogger(__name__)


class CatalogProvider(Protocol):
    """Anything that can answer a cone search for some catalogue names."""

    label: str

    def serves(self, catalog: str) -> bool:
        """Whether this provider can answer for ``catalog``."""

    def fetch(self, request: CatalogRequest) -> ReferenceCatalog:
        """Rows within the request's cone; on failure raise ``CatalogUnavailableError``
        with a message that names the provider (it is shown as is)."""


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
        """Read the file, propagate to the request epoch (unless the request says not to) and
        cut the cone."""
        try:
            full = read_catalog_file(self.path, name=request.catalog,
                                     epoch_year=request.epoch_year,
                                     propagate=request.apply_proper_motions)
        except InputError as err:
            raise CatalogUnavailableError(str(err)) from err
        return full.within(request.ra_deg, request.dec_deg, request.radius_deg)


@dataclass(frozen=True)
class ServiceSettings:
    """Limits of the HTTP client."""

    timeout_s: float = 30.0
    """Socket timeout of one request once connected, in seconds."""
    retries: int = 2
    """Further attempts after a read timeout, a broken reply or HTTP 5xx (never after a
    connection-level failure: DNS, refused, unreachable, no connection within the connect
    timeout)."""
    retry_wait_s: float = 1.0
    """Pause between attempts, in seconds."""
    max_reply_bytes: int = 50_000_000
    """Largest accepted reply, in bytes."""
    connect_timeout_s: float = 3.0
    """Longest name lookup, and longest connect, of a request, in seconds."""
    unreachable_hold_s: float = 300.0
    """After a connection-level failure, the host is skipped (same reason, no new attempt) for
    this many seconds by every provider of the process; 0: never skipped."""


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


class ServiceCatalogProvider:
    """The catalogue web service of spec §5.2, with an optional on-disk cache.

    Parameters
    ----------
    base_url
        ``http(s)://host[:port][/path]``; queries go to ``<base_url>/vo/CatalogSearch.aspx``.
    cache
        Where replies are stored and looked up first (``None``: no cache).
    settings
        Timeouts, retries, reply-size limit and how long an unreachable host is skipped.
    unreachable
        Memory of unreachable hosts (default: the one shared by the whole process).

    Raises
    ------
    InputError
        If ``base_url`` is not an http(s) URL.
    """

    def __init__(self, base_url: str, *, cache: CatalogCache | None = None,
                 settings: ServiceSettings = ServiceSettings(),
                 unreachable: UnreachableHosts = UNREACHABLE_HOSTS) -> None:
        parts = urllib.parse.urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError("catalogue service URL must be http(s)://host[:port][/path]",
                             value=base_url)
        self.base_url = base_url.rstrip("/")
        self.cache = cache
        self.settings = settings
        self.host = parts.netloc.rpartition("@")[2]
        self.label = f"service {parts.scheme}://{self.host}{parts.path.rstrip('/')}"
        self.unreachable = unreachable
        self._opener = build_opener(connect_timeout_s=settings.connect_timeout_s)

    def serves(self, catalog: str) -> bool:
        """The service answers for any catalogue name (unknown names fail at fetch)."""
        return True

    def fetch(self, request: CatalogRequest) -> ReferenceCatalog:
        """Cached reply if valid, else query (retrying without EPOCH on an ``Error`` reply;
        without EPOCH at once when the request applies no proper motions)."""
        reply = self.cache.get(self.base_url, request) if self.cache else None
        source = "cache"
        if reply is None:
            reply, source = self._query(request), "service"
        try:
            catalog = read_service_csv(reply.text, name=request.catalog,
                                       epoch_year=request.epoch_year,
                                       origin=f"{source} {reply.url}",
                                       already_at_epoch=reply.epoch_applied,
                                       propagate=request.apply_proper_motions)
        except InputError as err:
            raise CatalogUnavailableError(str(err)) from err
        if source == "service" and self.cache is not None:
            self.cache.put(self.base_url, request, reply)
        log.info("%s: %d rows from the %s", request.catalog, len(catalog), source)
        return catalog

    def _query(self, request: CatalogRequest) -> CachedReply:
        url = service_query_url(self.base_url, request,
                                with_epoch=request.apply_proper_motions)
        text = self._get(url)
        if not request.apply_proper_motions:
            if text.lstrip().startswith("Error"):
                raise CatalogUnavailableError(
                    f"{self.label} error: {text.strip().splitlines()[0][:200]}")
            return CachedReply(text, False, url)
        if text.lstrip().startswith("Error"):
            log.info("%s: service refused EPOCH (%s); asking without it", request.catalog,
                     text.strip().splitlines()[0][:120])
            url = service_query_url(self.base_url, request, with_epoch=False)
            text = self._get(url)
            if text.lstrip().startswith("Error"):
                raise CatalogUnavailableError(
                    f"{self.label} error: {text.strip().splitlines()[0][:200]}")
            return CachedReply(text, False, url)
        return CachedReply(text, True, url)

    def _get(self, url: str) -> str:
        """The reply body; a connection-level failure is final and remembered for the host."""
        s = self.settings
        down = self.unreachable.reason(self.host, hold_s=s.unreachable_hold_s)
        if down is not None:
            log.debug("%s skipped: %s", self.label, down)
            raise CatalogUnavailableError(down)
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
            except urllib.error.URLError as err:
                if isinstance(err.reason, HostUnreachableError):
                    self._unreachable(err.reason)
                last = f"{type(err).__name__}: {err.reason}"
            except (TimeoutError, ConnectionError, http.client.HTTPException) as err:
                last = f"{type(err).__name__}: {err}"
            log.warning("%s attempt %d/%d failed: %s", self.label, attempt, s.retries + 1, last)
            if attempt <= s.retries:
                time.sleep(s.retry_wait_s)
        raise CatalogUnavailableError(f"{self.label} failed: {last}")

    def _unreachable(self, err: HostUnreachableError) -> None:
        """Remember the host as unreachable and give up at once (no retry will heal this)."""
        why = f"{self.label} unreachable ({err})"
        self.unreachable.mark(self.host, why)
        hold = self.settings.unreachable_hold_s
        log.warning("%s%s", why, f"; not asked again for {hold:g} s" if hold > 0 else "")
        raise CatalogUnavailableError(why) from err


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


def catalog_providers(settings: AlignmentSettings) -> list[CatalogProvider]:
    """The catalogue providers ``settings`` configure, in its ``providers`` order.

    The reply cache is ``catalog_cache_dir``, by default ``$XDG_CACHE_HOME/hapsvm/catalogs``
    (``~/.cache`` without ``XDG_CACHE_HOME``); ``''`` turns it off.
    """
    cache_dir = settings.catalog_cache_dir if settings.catalog_cache_dir is not None else str(
        Path(os.environ.get("XDG_CACHE_HOME", "~/.cache")) / "hapsvm" / "catalogs")
    catalog_file = Path(settings.catalog_file) if settings.catalog_file else None
    return make_providers(
        list(settings.providers), catalog_file=catalog_file,
        catalog_name=settings.catalog_file_name, service_url=settings.catalog_url or "",
        cache=CatalogCache(Path(cache_dir)) if cache_dir else None,
        service=ServiceSettings(
            timeout_s=settings.catalog_timeout_s, retries=settings.catalog_retries,
            retry_wait_s=settings.catalog_retry_wait_s,
            max_reply_bytes=settings.max_catalog_reply_bytes,
            connect_timeout_s=settings.catalog_connect_timeout_s,
            unreachable_hold_s=settings.catalog_unreachable_hold_s))
