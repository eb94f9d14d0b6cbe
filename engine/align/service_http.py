"""HTTP transport of the catalogue service: bounded DNS and connect, memory of unreachable hosts.

A host that cannot be reached at all (its name does not resolve, it refuses the connection, the
network or host is unreachable, or it does not accept the connection within the connect timeout)
will not heal within a run. Such failures raise ``HostUnreachableError`` at once, without retries,
and ``UnreachableHosts`` remembers them so that the other catalogues of the visit, and the other
detectors in the same process, skip the host with the same reason instead of paying again.
"""
from __future__ import annotations

import errno
import functools
import http.client
import socket
import threading
import time
import urllib.error
import urllib.request
from typing import Any

__all__ = ["HostUnreachableError", "UnreachableHosts", "UNREACHABLE_HOSTS", "build_opener",
           "describe_connect_error", "open_socket"]

#: errno of a failed connect → the words used in messages.
_ERRNO_WORDS = {errno.ECONNREFUSED: "connection refused",
                errno.ENETUNREACH: "network unreachable", errno.EHOSTUNREACH: "host unreachable",
                errno.EADDRNOTAVAIL: "address not available", errno.ETIMEDOUT: "connect timed out"}


class HostUnreachableError(OSError):
    """A connection-level failure: DNS, refused, unreachable network or host, connect timeout."""


def describe_connect_error(err: BaseException, *, connect_timeout_s: float) -> str:
    """Short words for a failed connect (``connection refused``, ``DNS: ...``).

    Examples
    --------
    >>> describe_connect_error(ConnectionRefusedError(111, "Connection refused"),
    ...                        connect_timeout_s=3)
    'connection refused'
    >>> describe_connect_error(socket.gaierror(-2, "Name or service not known"),
    ...                        connect_timeout_s=3)
    'DNS: Name or service not known'
    >>> describe_connect_error(TimeoutError("timed out"), connect_timeout_s=3)
    'no connection within 3 s'
    """
    if isinstance(err, socket.gaierror):
        return f"DNS: {err.strerror or err}"
    if isinstance(err, (socket.timeout, TimeoutError)) and getattr(err, "errno", None) is None:
        return f"no connection within {connect_timeout_s:g} s"
    if isinstance(err, OSError) and err.errno in _ERRNO_WORDS:
        return _ERRNO_WORDS[err.errno]
    return f"{type(err).__name__}: {getattr(err, 'strerror', None) or err}"


def _resolve(host: str, port: int, timeout_s: float) -> list[tuple[Any, ...]]:
    """``getaddrinfo`` bounded in time: a resolver that does not answer is abandoned."""
    box: dict[str, Any] = {}

    def lookup() -> None:
        try:
            box["infos"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except OSError as err:
            box["error"] = err

    worker = threading.Thread(target=lookup, name=f"resolve {host}", daemon=True)
    worker.start()
    worker.join(timeout_s)
    if worker.is_alive():
        raise HostUnreachableError(f"DNS: no answer for {host} within {timeout_s:g} s")
    if "error" in box:
        raise HostUnreachableError(describe_connect_error(box["error"],
                                                          connect_timeout_s=timeout_s))
    return list(box["infos"])


def open_socket(address: tuple[str, int], timeout: object = None,
                source_address: tuple[str, int] | None = None, *,
                connect_timeout_s: float) -> socket.socket:
    """``socket.create_connection`` whose name lookup and connect take at most
    ``connect_timeout_s`` each; the returned socket then uses ``timeout`` (seconds)."""
    host, port = address
    last: BaseException | None = None
    for family, kind, proto, _, sockaddr in _resolve(host, port, connect_timeout_s):
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(connect_timeout_s)
            if source_address:
                sock.bind(source_address)
            sock.connect(sockaddr)
            sock.settimeout(timeout if isinstance(timeout, (int, float)) else None)
            return sock
        except OSError as err:
            sock.close()
            last = err
    if last is None:
        raise HostUnreachableError(f"DNS: no address for {host}")
    raise HostUnreachableError(describe_connect_error(last, connect_timeout_s=connect_timeout_s))


class _BoundedConnect:
    """Handler mixin: the connections it opens use ``open_socket``."""

    connect_timeout_s = 3.0

    def do_open(self, http_class: Any, req: Any, **kwargs: Any) -> Any:
        def connection(host: str, **conn_args: Any) -> http.client.HTTPConnection:
            conn = http_class(host, **conn_args)
            # http.client opens every socket through this attribute (HTTPS wraps it afterwards)
            conn._create_connection = functools.partial(
                open_socket, connect_timeout_s=self.connect_timeout_s)
            return conn
        return super().do_open(connection, req, **kwargs)  # type: ignore[misc]


class _HTTPHandler(_BoundedConnect, urllib.request.HTTPHandler):
    pass


class _HTTPSHandler(_BoundedConnect, urllib.request.HTTPSHandler):
    pass


class _RefuseRedirect(urllib.request.HTTPRedirectHandler):
    """Never follow a redirect: the client talks to the configured base URL only."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # type: ignore[no-untyped-def]
        raise urllib.error.HTTPError(req.full_url, code, f"redirect to {newurl} refused",
                                     headers, fp)


def build_opener(*, connect_timeout_s: float) -> urllib.request.OpenerDirector:
    """An opener with no proxies, no redirects and bounded DNS + connect.

    A connection-level failure surfaces as ``urllib.error.URLError`` whose ``reason`` is a
    ``HostUnreachableError``.
    """
    handlers: list[_HTTPHandler | _HTTPSHandler] = [_HTTPHandler(), _HTTPSHandler()]
    for handler in handlers:
        handler.connect_timeout_s = connect_timeout_s
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), _RefuseRedirect(),
                                       *handlers)


class UnreachableHosts:
    """Hosts that failed at connection level, and why, for a hold time (a circuit breaker).

    Examples
    --------
    >>> hosts = UnreachableHosts()
    >>> hosts.mark("h:80", "service http://h:80 unreachable (connection refused)")
    >>> hosts.reason("h:80", hold_s=60)
    'service http://h:80 unreachable (connection refused)'
    >>> hosts.reason("h:80", hold_s=0) is None, hosts.reason("other:80", hold_s=60) is None
    (True, True)
    """

    def __init__(self) -> None:
        self._down: dict[str, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def mark(self, host: str, reason: str) -> None:
        """Remember that ``host`` (``name:port``) could not be reached, and why."""
        with self._lock:
            self._down[host] = (time.monotonic(), reason)

    def reason(self, host: str, *, hold_s: float) -> str | None:
        """Why ``host`` failed, if it did less than ``hold_s`` seconds ago; else ``None``."""
        with self._lock:
            entry = self._down.get(host)
        if entry is None or hold_s <= 0 or time.monotonic() - entry[0] >= hold_s:
            return None
        return entry[1]

    def forget(self, host: str | None = None) -> None:
        """Forget one host (``None``: all of them)."""
        with self._lock:
            if host is None:
                self._down.clear()
            else:
                self._down.pop(host, None)


#: The process-wide memory shared by every service provider.
UNREACHABLE_HOSTS = UnreachableHosts()
