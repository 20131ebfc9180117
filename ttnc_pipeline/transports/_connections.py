"""Kept-alive urllib3 connections to one host, used without urllib3's request layer.

Without a proxy, :class:`~ttnc_pipeline.transports.Urllib3Transport` sends
every POST through a :class:`HostConnections`. urllib3 still makes each
connection (:class:`urllib3.connection.HTTPConnection` and
``HTTPSConnection``: socket options, TLS with certificate and host name
checks). The request is then written to the connection's socket in one
piece, its head rendered once (:func:`request_head`, :func:`header_lines`),
and the answer read by ``http.client``'s response class. That skips what
this transport never uses (urllib3's retries, redirects, header
dictionaries and content decoding, http.client's per-header checks and
its second write for the body), about 400 us a call over loopback, and it
tells exactly where a failure happened:

- in :meth:`HostConnections.take` (waiting for a free connection) or
  :meth:`HostConnections.connect` (DNS, TCP, TLS): nothing was sent;
- anywhere after: the request may have arrived.

Idle connections are reused last-in, first-out, after a zero-timeout check
that the server has not closed them (as urllib3's own pool checks).
"""

from __future__ import annotations

import http.client
import re
import ssl
import threading
from collections.abc import Mapping
from typing import Any

from ttnc_pipeline.transports._deadline import BoundedHTTPConnection, BoundedHTTPSConnection

__all__ = ["HostConnections", "header_lines", "request_head", "tls_options"]


class HostConnections:
    """At most ``maxsize`` connections to ``host:port`` open at once, idle ones kept alive.

    ``tls`` holds the ``HTTPSConnection`` options (``cert_reqs``,
    ``ca_certs``, ``ssl_context``) for https, and is None for plain http.
    """

    def __init__(self, host: str, port: int, maxsize: int, tls: dict[str, Any] | None) -> None:
        self.host = host
        self.port = port
        self._tls = tls
        self._idle: list[http.client.HTTPConnection] = []
        self._lock = threading.Lock()
        self._free = threading.BoundedSemaphore(maxsize)

    def take(self, timeout: float) -> http.client.HTTPConnection | None:
        """A connection to use: an idle one still open, or a new unconnected one.

        Waits up to ``timeout`` seconds while ``maxsize`` are in use and
        returns None if none came free. Every connection taken must be
        handed back with :meth:`give_back`.
        """
        if not self._free.acquire(timeout=max(timeout, 0.0)):
            return None
        while True:
            with self._lock:
                connection = self._idle.pop() if self._idle else None
            if connection is None:
                return self._new()
            if connection.is_connected:  # type: ignore[attr-defined]
                return connection
            connection.close()  # the server closed it while it was idle

    def _new(self) -> http.client.HTTPConnection:
        if self._tls is None:
            return BoundedHTTPConnection(self.host, self.port)
        return BoundedHTTPSConnection(self.host, self.port, **self._tls)

    @staticmethod
    def connect(connection: http.client.HTTPConnection, timeout: float) -> None:
        """Open ``connection`` if it is not open yet (DNS, TCP, TLS), within ``timeout``."""
        if connection.sock is None:
            connection.timeout = timeout
            connection.connect()

    def give_back(self, connection: http.client.HTTPConnection | None, *, reuse: bool) -> None:
        """Return a connection from :meth:`take`: kept for the next call, or closed."""
        try:
            if connection is not None:
                if reuse and connection.sock is not None:
                    with self._lock:
                        self._idle.append(connection)
                else:
                    connection.close()
        finally:
            self._free.release()

    def clear(self) -> None:
        """Close every idle connection (those in use are closed or kept when given back)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for connection in idle:
            connection.close()


def tls_options(
    *, verify: bool, ca_certs: str | None, ssl_context: ssl.SSLContext | None
) -> dict[str, Any]:
    """The ``HTTPSConnection`` keyword arguments for the transport's TLS settings."""
    options: dict[str, Any] = {}
    if ssl_context is not None:
        options["ssl_context"] = ssl_context
    if not verify:
        options["cert_reqs"] = "CERT_NONE"
    elif ca_certs is not None:
        options["ca_certs"] = ca_certs
    return options


# RFC 9110 field names are tokens; a value may not hold CR, LF or NUL, which
# would end the header early and let a value inject headers of its own.
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_VALUE_BREAKERS = ("\r", "\n", "\0")


def header_lines(headers: Mapping[str, str]) -> bytes:
    """``Name: value`` lines, each ending CRLF, after checking each name and value."""
    lines = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise ValueError(f"not a valid HTTP header name: {name!r}")
        if not isinstance(value, str) or any(c in value for c in _VALUE_BREAKERS):
            raise ValueError(f"the value of header {name} is not a single line of text")
        lines.append(f"{name}: {value.strip()}\r\n".encode("latin-1"))
    return b"".join(lines)


def request_head(path: str, host: str, port: int, default_port: int) -> bytes:
    """The request line and ``Host`` header of a POST to ``path`` on ``host:port``."""
    if any(c in path for c in " \r\n\0") or not path.isascii():
        raise ValueError(f"the URL path {path!r} cannot go into a request line as it is")
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address
    if port != default_port:
        shown = f"{shown}:{port}"
    return f"POST {path} HTTP/1.1\r\nHost: {shown.encode('idna').decode('ascii')}\r\n".encode(
        "ascii"
    )
