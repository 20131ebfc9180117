"""The sandbox on the wire: a threaded HTTP/1.1 keep-alive server.

:class:`SandboxHTTPServer` is :class:`http.server.ThreadingHTTPServer`
(one daemon thread per connection) with what the stock server lacks:

- Nagle's algorithm off and every answer (status line, headers, body)
  written with one ``sendall``: the stock server writes headers and body
  apart and, with delayed ACKs, stalls about 44 ms per keep-alive request;
- connections and their threads tracked, so
  :meth:`SandboxHTTPServer.close_connections` can end idle keep-alive
  connections at once when the sandbox stops, and
  :meth:`SandboxHTTPServer.join_threads` can wait for their threads;
- optional TLS (the handshake runs in the connection's thread, so a slow
  client cannot stall the accept loop);
- no reverse DNS lookup at bind time.

:class:`_ConnectionHandler` serves ``POST /api/`` (and ``/api``, ``/``)
with a ``Content-Length`` or chunked body, hands the body to the
:class:`~.exchange.Engine`, then applies the fault's effect to the
connection: close unanswered, wait, drip, or truncate. HTTP-level refusals
are plain text: 404 (other paths), 405 (other methods), 411 (no length),
413 (body over ``max_body`` bytes), 400 (unreadable framing); those close
the connection, since an unread body may follow.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import ssl
import threading
import time
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from ttnc_pipeline._version import __version__
from ttnc_pipeline.core import HTTPResponse
from ttnc_pipeline.sandbox.effects import Delay, Drip, Truncate
from ttnc_pipeline.sandbox.exchange import Engine, Exchange
from ttnc_pipeline.sandbox.journal import Journal

__all__ = ["API_PATHS", "DEFAULT_MAX_BODY", "IDLE_TIMEOUT", "SandboxHTTPServer"]

_log = logging.getLogger("ttnc_pipeline.sandbox")

API_PATHS = frozenset({"/api/", "/api", "/"})
"""Paths that accept envelopes."""

DEFAULT_MAX_BODY = 50 * 1024 * 1024
"""Largest request body accepted (50 MiB); larger ones get HTTP 413."""

IDLE_TIMEOUT = 120.0
"""Seconds a connection may sit idle (or a read may stall) before it is closed."""


def _head(response: HTTPResponse, *, close: bool, length: int) -> bytes:
    try:
        reason = HTTPStatus(response.status).phrase
    except ValueError:
        reason = "Unknown"
    lines = [
        f"HTTP/1.1 {response.status} {reason}",
        f"Server: ttnc-sandbox/{__version__}",
        f"Date: {formatdate(usegmt=True)}",
    ]
    for name, value in response.headers.items():
        if name not in ("content-length", "connection"):
            lines.append(f"{'-'.join(part.capitalize() for part in name.split('-'))}: {value}")
    lines.append(f"Content-Length: {length}")
    lines.append(f"Connection: {'close' if close else 'keep-alive'}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _shutdown(sock: socket.socket) -> None:
    # The plain socket method, even on an SSLSocket: it wakes a thread blocked
    # reading without tearing the TLS object out from under it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


class _ConnectionHandler(BaseHTTPRequestHandler):
    """Serves the requests of one connection, one after another."""

    protocol_version = "HTTP/1.1"
    server_version = f"ttnc-sandbox/{__version__}"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def setup(self) -> None:
        self.connection_id = self.server.opened(self.request)
        super().setup()

    def handle(self) -> None:
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (OSError, ssl.SSLError) as exc:
                _log.debug("sandbox TLS handshake failed: %s", exc)
                self.close_connection = True
                return
        super().handle()

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.closed(self.connection_id)

    def log_message(self, format: str, *args: Any) -> None:
        _log.debug("sandbox %s: %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(65537)
        except OSError:  # timeouts, resets, and the sandbox stopping
            self.close_connection = True
            return
        if not self.raw_requestline or self.server.stop_event.is_set():
            self.close_connection = True
            return
        if len(self.raw_requestline) > 65536:
            self._refuse(HTTPStatus.REQUEST_URI_TOO_LONG, "request line too long")
            return
        if not self.parse_request():  # it has answered the error itself
            return
        self._serve()

    def _refuse(self, status: HTTPStatus, message: str, **headers: str) -> None:
        self.close_connection = True
        response = HTTPResponse(status, {"content-type": "text/plain; charset=utf-8", **headers})
        body = f"{status.value} {status.phrase}: {message}\n".encode()
        send_body = self.command != "HEAD"
        head = _head(response, close=True, length=len(body))
        self.wfile.write(head + body if send_body else head)

    def _serve(self) -> None:
        if self.command != "POST":
            self._refuse(HTTPStatus.METHOD_NOT_ALLOWED, "only POST is served", allow="POST")
            return
        if urlsplit(self.path).path not in API_PATHS:
            self._refuse(HTTPStatus.NOT_FOUND, "POST envelopes to /api/")
            return
        body = self._read_body()
        if body is None:
            return
        try:
            exchange = self.server.engine.exchange(
                body, dict(self.headers.items()), self.connection_id
            )
        except Exception:
            _log.exception("the sandbox failed on an envelope")
            self._refuse(HTTPStatus.INTERNAL_SERVER_ERROR, "the sandbox failed (a bug)")
            return
        self._answer(exchange)

    def _read_body(self) -> bytes | None:
        limit = self.server.max_body
        encoding = self.headers.get("Transfer-Encoding", "").strip().lower()
        if encoding:
            if encoding != "chunked":
                self._refuse(HTTPStatus.NOT_IMPLEMENTED, f"transfer encoding {encoding}")
                return None
            return self._read_chunked(limit)
        length_text = self.headers.get("Content-Length")
        if length_text is None:
            self._refuse(HTTPStatus.LENGTH_REQUIRED, "send a Content-Length")
            return None
        if not length_text.strip().isdigit():
            self._refuse(HTTPStatus.BAD_REQUEST, "invalid Content-Length")
            return None
        length = int(length_text)
        if length > limit:
            self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {limit} bytes")
            return None
        body = self.rfile.read(length)
        if len(body) < length:  # the client went away mid-body
            self.close_connection = True
            return None
        return body

    def _read_chunked(self, limit: int) -> bytes | None:
        body = bytearray()
        while True:
            size_line = self.rfile.readline(1026)
            try:
                size = int(size_line.split(b";")[0].strip(), 16)
            except ValueError:
                self._refuse(HTTPStatus.BAD_REQUEST, "malformed chunked body")
                return None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass  # trailers carry nothing the sandbox uses
                return bytes(body)
            if len(body) + size > limit:
                self._refuse(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, f"body over {limit} bytes")
                return None
            chunk = self.rfile.read(size)
            if len(chunk) < size:
                self.close_connection = True
                return None
            body += chunk
            self.rfile.readline(3)

    def _answer(self, exchange: Exchange) -> None:
        response, effect = exchange.response, exchange.effect
        if response is None:
            self.close_connection = True
            return
        if isinstance(effect, Truncate):
            self.close_connection = True
            head = _head(response, close=False, length=len(response.body))
            self.wfile.write(head + effect.cut(response.body))
            return
        data = _head(response, close=self.close_connection, length=len(response.body))
        data += response.body
        stop = self.server.stop_event
        if isinstance(effect, Delay) and stop.wait(effect.seconds):
            self.close_connection = True
            return
        if isinstance(effect, Drip):
            for start in range(0, len(data), effect.chunk_size):
                if start and stop.wait(effect.interval):
                    self.close_connection = True
                    return
                self.wfile.write(data[start : start + effect.chunk_size])
            return
        self.wfile.write(data)


class SandboxHTTPServer(ThreadingHTTPServer):
    """A threaded HTTP/1.1 server feeding one :class:`~.exchange.Engine`."""

    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a burst of
    # clients (16 test threads, a benchmark's pool) connects at once.
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        journal: Journal,
        *,
        ssl_context: ssl.SSLContext | None = None,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.engine = engine
        self.journal = journal
        self.ssl_context = ssl_context
        self.max_body = max_body
        self.stop_event = threading.Event()
        """Set when the sandbox stops: waits end, new connections close."""
        self._connections: dict[int, socket.socket] = {}
        self._connections_lock = threading.Lock()
        self._connection_threads: list[threading.Thread] = []
        super().__init__(address, _ConnectionHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on
        # a machine with slow DNS; the sandbox never needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        # ThreadingMixIn does not keep daemon threads, so server_close() cannot
        # join them; the sandbox keeps its own list to join on stop.
        thread = threading.Thread(
            target=self.process_request_thread,
            args=(request, client_address),
            name=f"ttnc-sandbox-connection-{client_address[1]}",
            daemon=True,
        )
        with self._connections_lock:
            self._connection_threads = [
                alive for alive in self._connection_threads if alive.is_alive()
            ]
            self._connection_threads.append(thread)
        thread.start()

    def join_threads(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for every connection thread; True if all ended."""
        with self._connections_lock:
            threads = list(self._connection_threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0.0))
        return not any(thread.is_alive() for thread in threads)

    def opened(self, sock: socket.socket) -> int:
        """Track a new connection; return its journal id."""
        connection_id = self.journal.connection_opened()
        with self._connections_lock:
            self._connections[connection_id] = sock
        if self.stop_event.is_set():
            _shutdown(sock)
        return connection_id

    def closed(self, connection_id: int) -> None:
        """Forget a connection that has ended."""
        with self._connections_lock:
            self._connections.pop(connection_id, None)
        self.journal.connection_closed(connection_id)

    def close_connections(self) -> None:
        """End every open connection now (their threads then finish)."""
        with self._connections_lock:
            sockets = list(self._connections.values())
        for sock in sockets:
            _shutdown(sock)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client vanishing mid-answer is normal for a fault-injecting server.
        _log.debug("sandbox connection from %s failed", client_address, exc_info=True)
