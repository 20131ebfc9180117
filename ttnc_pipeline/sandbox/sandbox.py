"""The :class:`Sandbox` users start: state, faults and journal behind one object.

``with Sandbox() as sandbox:`` serves HTTP on 127.0.0.1 (a free port) in
background threads; ``sandbox.handle(body)`` answers the same way with no
socket at all (the in-memory transport and benchmarks use it). Both go
through one :class:`~.exchange.Engine`, so the journal and the faults
behave the same, except for the faults that need a connection (see
:meth:`Sandbox.handle`).
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Mapping
from types import TracebackType

from ttnc_pipeline.clock import Clock, SystemClock
from ttnc_pipeline.conventions import SESSION_LIFETIME
from ttnc_pipeline.core import HTTPResponse
from ttnc_pipeline.sandbox.accounts import Credentials
from ttnc_pipeline.sandbox.effects import ConnectionDropped, Delay, Drip, Truncate
from ttnc_pipeline.sandbox.exchange import Engine
from ttnc_pipeline.sandbox.faults import Faults
from ttnc_pipeline.sandbox.journal import Journal
from ttnc_pipeline.sandbox.server import DEFAULT_MAX_BODY, SandboxHTTPServer
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = ["Sandbox"]

_JOIN_TIMEOUT = 5.0  # connection threads end at once; this only bounds a bug
_log = logging.getLogger("ttnc_pipeline.sandbox")


class Sandbox:
    """A TTNC-compatible server with state, faults on demand and a journal.

    Keyword options (defaults in brackets):

    - ``seed`` [0]: makes the demo credentials, session ids and the stock of
      numbers repeatable;
    - ``clock`` [:class:`~ttnc_pipeline.clock.SystemClock`]: time for
      session expiry and the journal (a ``ManualClock`` lets tests expire
      sessions without waiting);
    - ``host`` ['127.0.0.1'] and ``port`` [0: any free port]: where to
      listen; loopback unless you ask otherwise;
    - ``ssl_context`` [None]: serve HTTPS with this server context;
    - ``owned_numbers`` [3]: numbers the demo account holds at start;
    - ``session_lifetime`` [1800.0]: seconds a session lives, counted from
      login (absolute, not sliding);
    - ``max_body`` [50 MiB]: largest request body; larger ones get HTTP 413.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        ssl_context: ssl.SSLContext | None = None,
        owned_numbers: int = 3,
        session_lifetime: float = SESSION_LIFETIME,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.clock: Clock = clock if clock is not None else SystemClock()
        """The clock sessions expire on."""
        self.state = SandboxState(
            seed=seed,
            clock=self.clock,
            session_lifetime=session_lifetime,
            owned_numbers=owned_numbers,
        )
        """Accounts, sessions and stock, for assertions."""
        self.journal = Journal()
        """Every envelope received and every request answered."""
        self.faults = Faults(self.state)
        """Arms faults: ``sandbox.faults.close_after_effect(match="PlaceOrder")``."""
        self.host = host
        self.port = port
        self.ssl_context = ssl_context
        self.max_body = max_body
        self._engine = Engine(self.state, self.faults, self.journal)
        self._lifecycle = threading.Lock()
        self._server: SandboxHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._url: str | None = None

    # --- the demo account and other accounts ---------------------------------

    @property
    def credentials(self) -> Credentials:
        """The demo account's ``username``, ``password`` and ``vkey`` (masked in reprs)."""
        return self.state.demo

    def add_account(self, username: str, password: str, vkey: str) -> None:
        """Create another account (no numbers, no cards). ValueError if the name is taken."""
        self.state.add_account(username, password, vkey)

    def grant_numbers(self, username: str, count: int, *, destination: str = "") -> list[str]:
        """Give an account ``count`` numbers at once (e.g. 100,000 for a benchmark).

        ``destination`` [''] routes them all. Returns the new numbers.
        """
        return self.state.grant_numbers(username, count, destination=destination)

    # --- in-process entry ------------------------------------------------------

    def handle(self, body: bytes, headers: Mapping[str, str] | None = None) -> HTTPResponse:
        """Answer one POST body without a socket: bytes in, status, headers and bytes out.

        Journal and faults work as over HTTP. Faults that act on a
        connection: ``delay`` and ``drip`` wait (real time; a drip as long as
        its chunks would take) and then return the whole answer;
        ``close_before_read``, ``close_after_effect`` and ``truncate`` raise
        :class:`~.effects.ConnectionDropped`, whose ``carried_out`` tells
        whether the batch was carried out and ``partial`` holds what a
        truncation would have delivered.
        """
        exchange = self._engine.exchange(body, headers, None)
        effect, response = exchange.effect, exchange.response
        if response is None:  # close_before_read or close_after_effect
            kind = "close" if effect is None else effect.kind
            raise ConnectionDropped(kind, carried_out=exchange.carried_out)
        if isinstance(effect, Truncate):
            raise ConnectionDropped(
                effect.kind, carried_out=exchange.carried_out, partial=effect.cut(response.body)
            )
        if isinstance(effect, Delay):
            time.sleep(effect.seconds)
        elif isinstance(effect, Drip):
            time.sleep(effect.duration(len(response.body)))
        return response

    # --- the HTTP server ---------------------------------------------------------

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/api/`` (https with an SSL context). RuntimeError before start."""
        if self._url is None:
            raise RuntimeError("the sandbox has not been started: use `with Sandbox()` or start()")
        return self._url

    @property
    def address(self) -> tuple[str, int]:
        """The ``(host, port)`` the server is bound to. RuntimeError when not serving."""
        server = self._server
        if server is None:
            raise RuntimeError("the sandbox is not serving")
        host, port = server.server_address[:2]
        return str(host), int(port)

    @property
    def running(self) -> bool:
        """True while the HTTP server is serving."""
        return self._server is not None

    def start(self) -> Sandbox:
        """Start serving in background threads (does nothing if already serving).

        A sandbox stopped and started again keeps its state; with ``port=0``
        it listens on a new free port, so read :attr:`url` again.
        """
        with self._lifecycle:
            if self._server is not None:
                return self
            server = SandboxHTTPServer(
                (self.host, self.port),
                self._engine,
                self.journal,
                ssl_context=self.ssl_context,
                max_body=self.max_body,
            )
            thread = threading.Thread(
                target=server.serve_until_stopped,
                name=f"ttnc-sandbox-{server.server_port}",
                daemon=True,
            )
            thread.start()
            self._server, self._thread = server, thread
            scheme = "http" if self.ssl_context is None else "https"
            host = f"[{self.host}]" if ":" in self.host else self.host
            self._url = f"{scheme}://{host}:{server.server_port}/api/"
            return self

    def stop(self) -> None:
        """Stop serving: close every connection and join every thread (idempotent)."""
        with self._lifecycle:
            server, thread = self._server, self._thread
            self._server = self._thread = None
            if server is None or thread is None:
                return
            server.stop()
            thread.join()
            server.close_connections()
            server.server_close()
            if not server.join_threads(_JOIN_TIMEOUT):
                _log.warning("sandbox connection threads still running after stop()")

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def __repr__(self) -> str:
        where = self._url if self._server is not None else "stopped"
        return f"Sandbox({where}, {self.state!r}, {self.journal!r})"
