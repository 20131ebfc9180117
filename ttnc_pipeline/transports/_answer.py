"""Reading one HTTP/1.x answer from a socket: the head, then the body as the head frames it.

The transport writes each POST straight to a kept-alive connection's
socket and reads the answer here rather than through ``http.client``'s
response, which parses every header through the ``email`` package and
wraps the socket in new buffered files for every answer: about a third of
the client's time on a loopback call. What the transport relies on:

- every ``recv`` ends by the call's deadline, not only by the read
  timeout, so a server sending one byte at a time, each just in time,
  cannot hold a call past it;
- the body is framed as RFC 9112 says: chunked, else ``Content-Length``,
  else until the server closes; interim (1xx) answers are skipped;
- the size cap holds while the body arrives, and a declared size over it
  is refused before any of the body is read;
- :attr:`Answer.reusable` only when the answer ended exactly where its
  framing said, and the server did not ask to close (HTTP/1.0: only with
  ``Connection: keep-alive``).

Errors: :class:`BadAnswer` for bytes that are not an HTTP answer,
:class:`CutShort` when the connection closed before the body was whole,
:class:`TooLarge` over the cap. A socket's own errors (a timeout, a
reset) pass through as they are.
"""

from __future__ import annotations

import re
import socket
import time

__all__ = ["Answer", "BadAnswer", "CutShort", "TooLarge", "read_answer"]

_HEAD_LIMIT = 64 * 1024  # status line and headers together
_LINE_LIMIT = 4 * 1024  # a chunk-size line or a trailer line
_RECV = 64 * 1024
_STATUS_RE = re.compile(rb"HTTP/1\.([01]) ([0-9]{3})(?:[ \t][^\r\n]*)?\r?\Z")
_CHUNK_SIZE_RE = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?\r?\n\Z")
_NO_BODY = (204, 304)


class BadAnswer(Exception):
    """What came back is not an HTTP/1.x answer (the message says why)."""


class CutShort(Exception):
    """The server closed the connection before the body was whole."""

    status: int | None = None  # the answer's status, once known

    def __init__(self, received: int, missing: int | None) -> None:
        self.received = received
        self.missing = missing
        more = "" if missing is None else f", {missing} more were announced"
        super().__init__(f"{received} bytes arrived{more}")


class TooLarge(Exception):
    """The body is, or says it is, larger than the cap."""

    status: int | None = None  # the answer's status, once known

    def __init__(self, limit: int, declared: int | None) -> None:
        self.limit = limit
        self.declared = declared
        super().__init__(
            f"the answer is larger than the {limit}-byte limit"
            if declared is None
            else f"the answer declares {declared} bytes, over the {limit}-byte limit"
        )


class Answer:
    """One final answer: status, headers (lower-cased names, repeats joined), body."""

    __slots__ = ("body", "headers", "reusable", "status")

    def __init__(self, status: int, headers: dict[str, str], body: bytes, reusable: bool) -> None:
        self.status = status
        self.headers = headers
        self.body = body
        self.reusable = reusable


class _Source:
    """A socket's bytes, each receive bounded by the deadline; ``pending`` is not yet used."""

    __slots__ = ("_sock", "_timeout", "_when", "pending")

    def __init__(self, sock: socket.socket, when: float | None) -> None:
        self._sock = sock
        self._when = when
        self._timeout = sock.gettimeout()
        self.pending = b""

    def receive(self) -> bytes:
        """The next bytes the server sent (``b""``: it closed the connection)."""
        when = self._when
        if when is not None:
            left = when - time.monotonic()
            if left <= 0:
                raise TimeoutError("the call's deadline passed while the answer was arriving")
            timeout = self._timeout
            if timeout is None or left < timeout:
                # Narrowed, and left so: the transport sets its own timeout
                # before it next sends on this socket.
                self._sock.settimeout(left)
                self._timeout = left
        return self._sock.recv(_RECV)

    def line(self, limit: int) -> bytes:
        """One line, its ending included (``b""`` if the connection closed first)."""
        while True:
            end = self.pending.find(b"\n")
            if end != -1:
                line, self.pending = self.pending[: end + 1], self.pending[end + 1 :]
                return line
            if len(self.pending) >= limit:
                raise BadAnswer(f"a line longer than {limit} bytes")
            data = self.receive()
            if not data:
                return b""
            self.pending += data

    def exactly(self, size: int, received: int) -> bytes:
        """The next ``size`` bytes; CutShort counts ``received`` bytes of the body before them."""
        pending = self.pending
        if len(pending) >= size:
            self.pending = pending[size:]
            return pending[:size]
        parts = [pending]
        have = len(pending)
        while have < size:
            data = self.receive()
            if not data:
                raise CutShort(received + have, size - have)
            parts.append(data)
            have += len(data)
        whole = b"".join(parts)
        self.pending = whole[size:]
        return whole[:size]


def _head(source: _Source) -> tuple[int, int, list[bytes]]:
    """The HTTP minor version, status and header lines of the next answer."""
    while True:
        pending = source.pending
        end, skip = pending.find(b"\n\r\n"), 3
        bare = pending.find(b"\n\n", 0, None if end == -1 else end)
        if bare != -1:  # lines ended by LF alone, as some servers write them
            end, skip = bare, 2
        if end != -1 and end < _HEAD_LIMIT:
            break
        if end != -1 or len(pending) > _HEAD_LIMIT:
            raise BadAnswer(f"no end to the headers in the first {_HEAD_LIMIT} bytes")
        data = source.receive()
        if not data:
            if pending:
                raise BadAnswer("the connection closed in the middle of the headers")
            raise BadAnswer("the connection closed without an answer")
        source.pending = pending + data
    head, source.pending = pending[: end + 1], pending[end + skip :]
    status_line, _, rest = head.partition(b"\n")
    matched = _STATUS_RE.match(status_line)
    if matched is None:
        raise BadAnswer(f"not an HTTP/1.x status line: {status_line[:40]!r}")
    return int(matched[1]), int(matched[2]), rest.splitlines()


def _headers(lines: list[bytes]) -> dict[str, str]:
    """Header lines by lower-cased name; a repeated one joined with ", "; folded lines unfolded."""
    headers: dict[str, str] = {}
    name = ""
    for raw in lines:
        line = raw.decode("latin-1")
        if line[:1] in (" ", "\t"):  # obsolete line folding: part of the previous value
            if not name:
                raise BadAnswer("a folded header line before any header")
            headers[name] = f"{headers[name]} {line.strip()}"
            continue
        field, colon, value = line.partition(":")
        name = field.lower()
        if not colon or not name or name != name.strip():
            raise BadAnswer(f"not a header line: {line[:40]!r}")
        value = value.strip()
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _declared_length(value: str) -> int:
    """Content-Length's value; a repeated one must agree with itself."""
    values = {part.strip() for part in value.split(",")}
    if len(values) != 1:
        raise BadAnswer(f"Content-Length values disagree: {value[:40]!r}")
    (length,) = values
    if not length.isdigit() or not length.isascii() or len(length) > 18:
        raise BadAnswer(f"Content-Length is not a length: {length[:40]!r}")
    return int(length)


def _chunked(source: _Source, limit: int) -> bytes:
    """A chunked body, its trailers read and dropped."""
    parts: list[bytes] = []
    size = 0
    while True:
        line = source.line(_LINE_LIMIT)
        if not line:
            raise CutShort(size, None)
        matched = _CHUNK_SIZE_RE.match(line)
        if matched is None:
            raise BadAnswer(f"not a chunk size: {line[:40]!r}")
        chunk = int(matched[1], 16)
        if chunk == 0:
            break
        if size + chunk > limit:
            raise TooLarge(limit, None)
        parts.append(source.exactly(chunk, size))
        size += chunk
        if source.line(_LINE_LIMIT) not in (b"\r\n", b"\n"):
            raise BadAnswer("a chunk does not end where its size says")
    while True:  # trailer fields, up to an empty line
        line = source.line(_LINE_LIMIT)
        if not line:
            raise CutShort(size, None)
        if line in (b"\r\n", b"\n"):
            return b"".join(parts)


def _until_close(source: _Source, limit: int) -> bytes:
    parts = [source.pending]
    size = len(source.pending)
    source.pending = b""
    while True:
        if size > limit:
            raise TooLarge(limit, None)
        data = source.receive()
        if not data:
            return b"".join(parts)
        parts.append(data)
        size += len(data)


def read_answer(sock: socket.socket, *, when: float | None, limit: int) -> Answer:
    """Read the final answer to the request just written on ``sock``.

    ``when`` is the monotonic time by which it must have arrived (None: only
    the socket's own timeout bounds each read); ``limit`` caps the body.
    """
    source = _Source(sock, when)
    minor, status, lines = _head(source)
    while 100 <= status < 200:  # interim answers (100 Continue, 103 Early Hints...)
        if status == 101:
            raise BadAnswer("the server switched protocols, which was not asked for")
        minor, status, lines = _head(source)
    headers = _headers(lines) if lines else {}
    try:
        body, framed = _body(source, status, headers, limit)
    except (CutShort, TooLarge) as exc:
        exc.status = status
        raise
    connection = headers.get("connection")
    if connection is None:
        reusable = minor == 1
    else:
        tokens = {token.strip().lower() for token in connection.split(",")}
        reusable = "close" not in tokens if minor else "keep-alive" in tokens
    # More bytes than the answer: the connection is out of step with its answers.
    return Answer(status, headers, body, reusable and framed and not source.pending)


def _body(source: _Source, status: int, headers: dict[str, str], limit: int) -> tuple[bytes, bool]:
    """The body, and whether its end was framed (False: it ended when the server closed)."""
    coding = headers.get("transfer-encoding")
    if coding is not None:
        if coding.strip().lower() != "chunked":
            raise BadAnswer(f"a transfer coding other than chunked: {coding[:40]!r}")
        # With a Content-Length too, the answer may mean two things: never reused.
        return _chunked(source, limit), "content-length" not in headers
    if "content-length" in headers:
        length = _declared_length(headers["content-length"])
        if length > limit:
            raise TooLarge(limit, length)
        return source.exactly(length, 0), True
    if status in _NO_BODY:
        return b"", True
    return _until_close(source, limit), False
