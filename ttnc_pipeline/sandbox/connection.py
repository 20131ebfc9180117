"""One connection's life on the sandbox's HTTP server.

:class:`ConnectionHandler` serves ``POST /api/`` (and ``/api``, ``/``) with
a ``Content-Length`` or chunked body, one request after another on a
keep-alive connection. It hands each body to the
:class:`~.exchange.Engine`, then applies the fault's effect to the
connection: close unanswered, wait, drip, or truncate. Every answer (status
line, headers, body) leaves in one write, so with Nagle's algorithm off no
keep-alive request waits for a delayed ACK.

HTTP-level refusals are plain text: 404 (other paths), 405 (other
methods), 411 (no length), 413 (body over ``max_body`` bytes), 400
(unreadable framing), 500 (a sandbox bug); they close the connection,
since an unread body may follow.
"""

from __future__ import annotations

import logging
import re
import ssl
from email.utils import formatdate
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from ttnc_pipeline._version import __version__
from ttnc_pipeline.core import HTTPResponse
from ttnc_pipeline.sandbox.effects import Delay, Drip, Truncate
from ttnc_pipeline.sandbox.exchange import Exchange

if TYPE_CHECKING:
    from ttnc_pipeline.sandbox.server import SandboxHTTPServer

__all__ = ["API_PATHS", "IDLE_TIMEOUT", "ConnectionHandler"]

_log = logging.getLogger("ttnc_pipeline.sandbox")

API_PATHS = frozenset({"/api/", "/api", "/"})
"""Paths that accept envelopes."""

IDLE_TIMEOUT = 120.0
"""Seconds a connection may sit idle (or a read may stall) before it is closed."""

_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")


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


class ConnectionHandler(BaseHTTPRequestHandler):
    """Serves the requests of one connection, one after another."""

    protocol_version = "HTTP/1.1"
    server_version = f"ttnc-sandbox/{__version__}"
    sys_version = ""
    timeout = IDLE_TIMEOUT
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def setup(self) -> None:
        """Register the connection, then set up the buffered reader and the writer."""
        self.connection_id = self.server.opened(self.request)
        super().setup()

    def handle(self) -> None:
        """Finish the TLS handshake (if any), then serve requests until the connection ends."""
        if isinstance(self.connection, ssl.SSLSocket):
            try:
                self.connection.do_handshake()
            except (OSError, ssl.SSLError) as exc:
                _log.debug("sandbox TLS handshake failed: %s", exc)
                self.close_connection = True
                return
        super().handle()

    def finish(self) -> None:
        """Release the connection's files and forget it, whatever state it ended in."""
        try:
            super().finish()
        except OSError:
            pass
        finally:
            self.server.closed(self.connection_id)

    def log_message(self, format: str, *args: Any) -> None:
        """Send http.server's per-request lines to the debug log, not stderr."""
        _log.debug("sandbox %s: %s", self.address_string(), format % args)

    def handle_one_request(self) -> None:
        """Read one request line and headers, then serve it (every method, not only do_*)."""
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
        if not _CONTENT_LENGTH.fullmatch(length_text.strip()):
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
            size_text = self.rfile.readline(1026).split(b";")[0].strip()
            # int(x, 16) alone would take "-5", "0x10" or "1_0".
            if not _CHUNK_SIZE.fullmatch(size_text):
                self._refuse(HTTPStatus.BAD_REQUEST, "malformed chunked body")
                return None
            size = int(size_text, 16)
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
