"""Kept-alive urllib3 connections to one host, used without urllib3's request layer.

Without a proxy, :class:`~ttnc_pipeline.transports.Urllib3Transport` sends
every POST through a :class:`HostConnections`. urllib3 still makes each
connection (:class:`urllib3.connection.HTTPConnection` and
``HTTPSConnection``: socket options, TLS with certificate and host name
checks). The request is then written to the connection's socket in one
piece, its head rendered once (:func:`request_head`, :func:`header_lines`),
and the answer read from the socket by :mod:`._answer`. That skips what
this transport never uses (urllib3's retries, redirects, header
dictionaries and content decoding, http.client's per-header checks, its
second write for the body and its ``email``-based header parser), and it
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
import urllib.parse
from collections.abc import Mapping
from typing import Any

from urllib3.connection import HTTPConnection, HTTPSConnection

__all__ = [
    "HostConnections",
    "header_lines",
    "merge_headers",
    "request_head",
    "tls_options",
]


class HostConnections:
    """At most ``maxsize`` connections to ``host:port`` open at once, idle ones kept alive.

    ``tls`` holds the ``HTTPSConnection`` options (``cert_reqs``,
    ``ca_certs``, ``ssl_context``) for https, and is None for plain http.
    """

    def __init__(self, host: str, port: int, maxsize: int, tls: dict[str, Any] | None) -> None:
        self.host = host
        self.port = port
        self._tls = tls
        self._maxsize = maxsize
        self._in_use = 0
        self._idle: list[http.client.HTTPConnection] = []
        # One lock for the count, the idle list and the generation: a call
        # takes it once to get a connection and once to give it back. It is
        # entered as the bare C lock, never through Condition.__enter__: that
        # is Python code, and a Ctrl-C landing just after its acquire would
        # raise before the with block began, leaving the lock held and the
        # next take, give_back or clear (the CLI closing up) stuck forever.
        self._mutex = threading.Lock()
        self._lock = threading.Condition(self._mutex)
        # clear() starts a new generation: a connection taken before it is
        # closed when it comes back, not kept.
        self._generation = 0
        self._taken: dict[int, int] = {}

    def take(self, timeout: float) -> http.client.HTTPConnection | None:
        """A connection to use: an idle one still open, or a new unconnected one.

        Waits up to ``timeout`` seconds while ``maxsize`` are in use and
        returns None if none came free. Every connection taken must be
        handed back with :meth:`give_back`; if this raises, nothing was taken.
        """
        counted = False
        try:
            with self._mutex:
                if self._in_use >= self._maxsize and not self._lock.wait_for(
                    lambda: self._in_use < self._maxsize, timeout=max(timeout, 0.0)
                ):
                    return None
                self._in_use += 1
                counted = True
                generation = self._generation
                connection = self._idle.pop() if self._idle else None
            # A zero-timeout look at an idle connection: has the server closed it?
            while connection is not None and not connection.is_connected:  # type: ignore[attr-defined]
                connection.close()
                with self._mutex:
                    connection = self._idle.pop() if self._idle else None
            if connection is None:
                connection = (
                    HTTPConnection(self.host, self.port)
                    if self._tls is None
                    else HTTPSConnection(self.host, self.port, **self._tls)
                )
            self._taken[id(connection)] = generation  # one dict store: atomic
            return connection
        except BaseException:
            if counted:
                with self._mutex:
                    self._in_use -= 1
                    self._lock.notify()
            raise

    @staticmethod
    def connect(connection: http.client.HTTPConnection, timeout: float) -> None:
        """Open ``connection`` if it is not open yet (DNS, TCP, TLS), within ``timeout``."""
        if connection.sock is None:
            connection.timeout = timeout
            connection.connect()

    def give_back(self, connection: http.client.HTTPConnection, *, reuse: bool) -> None:
        """Return a connection from :meth:`take`: kept for the next call, or closed."""
        keep = False
        with self._mutex:
            generation = self._taken.pop(id(connection), None)
            if generation is not None:  # None: not taken, or given back already
                self._in_use -= 1
                self._lock.notify()
                keep = reuse and generation == self._generation and connection.sock is not None
                if keep:
                    self._idle.append(connection)
        if not keep:
            connection.close()

    def clear(self) -> None:
        """Close every idle connection now, and those in use when they come back."""
        with self._mutex:
            idle, self._idle = self._idle, []
            self._generation += 1
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
# Framing and routing are the transport's: a second Content-Length, a
# Transfer-Encoding or another Host would make the request mean something
# else to some servers and proxies (request smuggling).
_TRANSPORT_HEADERS = frozenset({"host", "content-length", "transfer-encoding", "connection"})


def merge_headers(*layers: Mapping[str, str]) -> dict[str, str]:
    """Headers of later layers replacing earlier ones, names compared case-insensitively."""
    merged: dict[str, tuple[str, str]] = {}
    for layer in layers:
        for name, value in layer.items():
            merged[str(name).lower()] = (name, value)
    return dict(merged.values())


def header_lines(headers: Mapping[str, str]) -> bytes:
    """``Name: value`` lines, each ending CRLF, after checking each name and value."""
    lines = []
    for name, value in headers.items():
        if not isinstance(name, str) or not _TOKEN.match(name):
            raise ValueError(f"not a valid HTTP header name: {name!r}")
        if name.lower() in _TRANSPORT_HEADERS:
            raise ValueError(f"the {name} header is set by the transport, not by callers")
        if not isinstance(value, str) or any(c in value for c in _VALUE_BREAKERS):
            raise ValueError(f"the value of header {name} is not a single line of text")
        lines.append(f"{name}: {value.strip()}\r\n".encode("latin-1"))
    return b"".join(lines)


# What may stay as it is in a request target: RFC 3986 unreserved and
# sub-delims, ':', '@', '/', '?' and existing %-escapes; anything else
# (spaces, non-ASCII, control characters) is percent-encoded, as urllib3 does.
_PATH_SAFE = "/?:@!$&'()*+,;=-._~%"


def request_head(path: str, host: str, port: int, default_port: int) -> bytes:
    """The request line and ``Host`` header of a POST to ``path`` on ``host:port``."""
    if not host or not host.isprintable() or any(c.isspace() for c in host):
        raise ValueError(f"not a host name: {host!r}")
    target = urllib.parse.quote(path, safe=_PATH_SAFE)
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address
    if port != default_port:
        shown = f"{shown}:{port}"
    return f"POST {target} HTTP/1.1\r\nHost: {shown.encode('idna').decode('ascii')}\r\n".encode(
        "ascii"
    )
