"""Reading an answer against the call's deadline, not only each read's own timeout.

urllib3's read timeout bounds each ``recv``. A server that sends one byte
just inside it, again and again, holds a call for as long as it likes, and
the status line and headers are read inside urllib3, before the transport
sees the response and can check the clock. Here every read of an answer,
headers included, is bounded by the time left:

- :func:`answer_deadline` sets, for the current thread, the monotonic time
  by which the answer must have arrived;
- :class:`BoundedHTTPConnection` and :class:`BoundedHTTPSConnection`, and
  :data:`POOL_CLASSES` (urllib3 pools of them), read their answers
  through a :class:`_BoundedReader`: before each read it narrows the
  socket's timeout to the time left, and once no time is left it raises a
  timeout, which urllib3 reports as a read timeout.

With no deadline set, answers are read exactly as urllib3 reads them.
Straight to TTNC the transport reads its answers itself, under the same
bound (:mod:`._answer`); these serve the path through a proxy.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from typing import Any

import urllib3
import urllib3.connection

__all__ = [
    "POOL_CLASSES",
    "BoundedHTTPConnection",
    "BoundedHTTPSConnection",
    "answer_deadline",
]

_local = threading.local()


class answer_deadline:
    """Answers read in this thread, in this block, must be complete by ``when`` (monotonic).

    A class rather than a generator-based context manager: it is entered on
    every call, and this costs a third as much.
    """

    __slots__ = ("_previous", "_when")

    def __init__(self, when: float | None) -> None:
        self._when = when
        self._previous: float | None = None

    def __enter__(self) -> None:
        self._previous = getattr(_local, "when", None)
        _local.when = self._when

    def __exit__(self, *_exc: object) -> None:
        _local.when = self._previous


class _BoundedReader(io.RawIOBase):
    """A socket's raw reader whose every read ends by the deadline."""

    def __init__(self, sock: socket.socket, when: float) -> None:
        super().__init__()
        self._raw = sock.makefile("rb", buffering=0)  # keeps the socket open while reading
        self._sock = sock
        self._when = when
        self._timeout = sock.gettimeout()  # the read timeout urllib3 has just set

    def readable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._raw.fileno()

    def readinto(self, buffer: Any) -> int | None:
        left = self._when - time.monotonic()
        if left <= 0:
            raise TimeoutError("the call's deadline passed while the answer was arriving")
        # Narrowed, and left so: whoever sends on this socket next sets its
        # own timeout first (the transport and urllib3 both do).
        self._sock.settimeout(left if self._timeout is None else min(self._timeout, left))
        return self._raw.readinto(buffer)

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


class _BoundedSocket:
    """What http.client's response is given instead of the socket: it only calls makefile."""

    def __init__(self, sock: socket.socket, when: float) -> None:
        self._sock = sock
        self._when = when

    def makefile(self, mode: str = "rb") -> io.BufferedReader:
        return io.BufferedReader(_BoundedReader(self._sock, self._when))


class _BoundedResponse(http.client.HTTPResponse):
    """http.client's response, reading through a :class:`_BoundedReader` under a deadline."""

    def __init__(self, sock: Any, *args: Any, **kwargs: Any) -> None:
        when = getattr(_local, "when", None)
        source: Any = sock if when is None else _BoundedSocket(sock, when)
        super().__init__(source, *args, **kwargs)


class BoundedHTTPConnection(urllib3.connection.HTTPConnection):
    """urllib3's connection, its answers read under :func:`answer_deadline`."""

    response_class = _BoundedResponse


class BoundedHTTPSConnection(urllib3.connection.HTTPSConnection):
    """urllib3's TLS connection, its answers read under :func:`answer_deadline`."""

    response_class = _BoundedResponse


class _HTTPConnectionPool(urllib3.HTTPConnectionPool):
    ConnectionCls = BoundedHTTPConnection


class _HTTPSConnectionPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = BoundedHTTPSConnection


POOL_CLASSES: dict[str, type[urllib3.HTTPConnectionPool]] = {
    "http": _HTTPConnectionPool,
    "https": _HTTPSConnectionPool,
}
"""``PoolManager.pool_classes_by_scheme`` for answers read under :func:`answer_deadline`."""
