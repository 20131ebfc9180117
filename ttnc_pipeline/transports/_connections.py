"""Kept-alive urllib3 connections to one host, used without urllib3's request layer.

Without a proxy, :class:`~ttnc_pipeline.transports.Urllib3Transport` sends
every POST through a :class:`HostConnections`. urllib3 still makes each
connection (:class:`urllib3.connection.HTTPConnection` and
``HTTPSConnection``: socket options, TLS with certificate and host name
checks); the request is then written and its answer read with the plain
``http.client`` calls those connections inherit. That skips what this
transport never uses (urllib3's retries, redirects, header dictionaries
and content decoding), about 300 us a call over loopback, and it tells
exactly where a failure happened:

- in :meth:`HostConnections.take` (waiting for a free connection) or
  :meth:`HostConnections.connect` (DNS, TCP, TLS): nothing was sent;
- anywhere after: the request may have arrived.

Idle connections are reused last-in, first-out, after a zero-timeout check
that the server has not closed them (as urllib3's own pool checks).
"""

from __future__ import annotations

import http.client
import ssl
import threading
from typing import Any

from ttnc_pipeline.transports._deadline import BoundedHTTPConnection, BoundedHTTPSConnection

__all__ = ["HostConnections"]


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
