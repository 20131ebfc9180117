"""The sandbox on the wire: a threaded HTTP/1.1 keep-alive server.

:class:`SandboxHTTPServer` is :class:`http.server.ThreadingHTTPServer`
(one daemon thread per connection, each running a
:class:`~.connection.ConnectionHandler`) with what the stock server lacks:

- Nagle's algorithm off and every answer written in one piece (see
  :mod:`.connection`): the stock server writes headers and body apart and,
  with delayed ACKs, stalls about 44 ms per keep-alive request;
- connections and their threads tracked, so
  :meth:`SandboxHTTPServer.close_connections` can end idle keep-alive
  connections at once when the sandbox stops, and
  :meth:`SandboxHTTPServer.join_threads` can wait for their threads;
- optional TLS (the handshake runs in the connection's thread, so a slow
  client cannot stall the accept loop);
- an accept loop that stops at once (no polling), a deeper accept backlog,
  and no reverse DNS lookup at bind time.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import socket
import socketserver
import ssl
import threading
import time
from http.server import ThreadingHTTPServer
from typing import Any

from ttnc_pipeline.sandbox.connection import ConnectionHandler
from ttnc_pipeline.sandbox.exchange import Engine
from ttnc_pipeline.sandbox.journal import Journal

__all__ = ["DEFAULT_MAX_BODY", "SandboxHTTPServer"]

_log = logging.getLogger("ttnc_pipeline.sandbox")

DEFAULT_MAX_BODY = 50 * 1024 * 1024
"""Largest request body accepted (50 MiB); larger ones get HTTP 413."""


def _shutdown(sock: socket.socket) -> None:
    # The plain socket method, even on an SSLSocket: it wakes a thread blocked
    # reading without tearing the TLS object out from under it.
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


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
        # A socket pair wakes the accept loop the moment stop() is called, so
        # it never polls (socketserver's serve_forever wakes every interval).
        self._wake_reader, self._wake_writer = socket.socketpair()
        super().__init__(address, ConnectionHandler)

    def serve_until_stopped(self) -> None:
        """Accept connections until :meth:`stop`; each is served in its own thread."""
        with selectors.DefaultSelector() as selector:
            selector.register(self.socket, selectors.EVENT_READ)
            selector.register(self._wake_reader, selectors.EVENT_READ)
            while not self.stop_event.is_set():
                for key, _ in selector.select():
                    if key.fileobj is self.socket and not self.stop_event.is_set():
                        self._accept_one()

    def server_activate(self) -> None:
        """Listen, without blocking: a client that vanishes before accept() cannot hang it."""
        super().server_activate()
        self.socket.setblocking(False)

    def _accept_one(self) -> None:
        try:
            sock, address = self.get_request()
        except OSError:  # the client went away, or nothing was waiting after all
            return
        sock.setblocking(True)  # the handler sets its own timeout
        try:
            self.process_request(sock, address)
        except Exception:
            self.handle_error(sock, address)
            self.shutdown_request(sock)

    def stop(self) -> None:
        """Make :meth:`serve_until_stopped` return, and every wait end, at once."""
        self.stop_event.set()
        with contextlib.suppress(OSError):
            self._wake_writer.send(b"\0")

    def server_close(self) -> None:
        """Close the listening socket and the wake-up pair."""
        super().server_close()
        self._wake_reader.close()
        self._wake_writer.close()

    def server_bind(self) -> None:
        """Bind and record the address, without a DNS lookup."""
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on
        # a machine with slow DNS; the sandbox never needs it.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def get_request(self) -> tuple[socket.socket, Any]:
        """Accept a connection, wrapped for TLS (handshake deferred) when configured."""
        sock, address = super().get_request()
        if self.ssl_context is not None:
            sock = self.ssl_context.wrap_socket(
                sock, server_side=True, do_handshake_on_connect=False
            )
        return sock, address

    def process_request(self, request: Any, client_address: Any) -> None:
        """Serve the connection in a new daemon thread, kept for :meth:`join_threads`."""
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
        """Log a connection's failure at debug level (tracebacks on stderr help nobody)."""
        # A client vanishing mid-answer is normal for a fault-injecting server.
        _log.debug("sandbox connection from %s failed", client_address, exc_info=True)
