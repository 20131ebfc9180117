"""Reading one HTTP/1.x answer from a socket: the head, then the body as the head frames it.

The transport writes each POST straight to a kept-alive connection's
socket and reads the answer here rather than through ``http.client``'s
response, which parses every header through the ``email`` package and
wraps the socket in new buffered files for every answer: about a third of
the client's time on a loopback call. What the transport relies on:

- every ``recv`` ends by the call's deadline, not only by the read
  timeout, so a server sending one byte at a time, each just in time,
  cannot hold a call past it; and the work per byte received stays
  constant, however the answer is cut up;
- the body is framed as RFC 9112 section 6.3 says: none after 1xx, 204
  and 304; chunked, else ``Content-Length``, else until the server closes.
  Up to 10 interim (1xx) answers are skipped;
- the size cap holds while the body arrives (a chunked body's own framing
  counts), and a declared size over it is refused before any of the body
  is read; the head, each chunk-size line and the trailers are capped too;
- :attr:`Answer.reusable` only when the answer ended exactly where its
  framing said and the server did not ask to close: HTTP/1.1 without
  ``close`` in ``Connection``; HTTP/1.0 only with ``keep-alive`` and a
  ``Content-Length``.

Stricter than ``http.client``, on purpose: a status line must be
``HTTP/1.x`` and a code from 100 to 999; a header name must be a token,
right before its colon; no header line may hold a bare CR; a repeated
``Content-Length`` must agree with itself; the only transfer coding is
``chunked``. What breaks these is refused, not guessed at.

Errors: :class:`NoAnswer` when the connection closed before any byte
came; :class:`BadAnswer` for bytes that are not an HTTP answer (its
``status`` set when only the body is at fault); :class:`CutShort` when the
connection closed before the body was whole; :class:`TooLarge` over the
cap; :class:`Interrupted` for a socket error (a timeout, a reset) once
the head has arrived. Before that, a socket's errors pass through as
they are.
"""

from __future__ import annotations

import re
import socket
import time
from collections.abc import Callable

__all__ = [
    "Answer",
    "BadAnswer",
    "CutShort",
    "Interrupted",
    "NoAnswer",
    "TooLarge",
    "read_answer",
]

_HEAD_LIMIT = 64 * 1024  # status line and headers together; trailers together
_LINE_LIMIT = 4 * 1024  # a chunk-size line
_INTERIM_LIMIT = 10  # 1xx answers before the final one
_RECV = 64 * 1024
_STATUS_RE = re.compile(rb"HTTP/1\.([01]) ([1-9][0-9]{2})(?: [^\r\n]*)?\r?\Z")
_TOKEN_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+\Z")
_CHUNK_SIZE_RE = re.compile(rb"([0-9A-Fa-f]{1,15})[ \t]*(?:;[^\r\n]*)?\r?\n\Z")
_NO_BODY = (204, 304)
_BLANKS = " \t"  # what surrounds a header value (str.strip() would also take U+00A0)


class BadAnswer(Exception):
    """What came back is not an HTTP/1.x answer (the message says why)."""

    status: int | None = None  # set when the head was read and the body is at fault


class Interrupted(Exception):
    """A socket error (a reset, a timeout) while the body was arriving."""

    def __init__(self, status: int, error: OSError) -> None:
        self.status = status
        self.error = error
        super().__init__(str(error))


class NoAnswer(Exception):
    """The connection closed before a single byte of an answer arrived."""


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
    """A socket's bytes: received under the deadline into one buffer, consumed from ``start``."""

    __slots__ = ("_sock", "_timeout", "_when", "buffer", "start")

    def __init__(self, sock: socket.socket, when: float | None) -> None:
        self._sock = sock
        self._when = when
        self._timeout = sock.gettimeout()
        self.buffer = bytearray()
        self.start = 0

    @property
    def left(self) -> int:
        """Bytes received and not consumed yet."""
        return len(self.buffer) - self.start

    def more(self) -> bool:
        """Receive the next bytes into the buffer; False when the server has closed."""
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
        data = self._sock.recv(_RECV)
        if not data:
            return False
        if self.start >= _RECV and self.start * 2 >= len(self.buffer):
            del self.buffer[: self.start]  # what was consumed, dropped now and then
            self.start = 0
        self.buffer += data
        return True

    def until(self, mark: bytes, limit: int, what: str) -> int | None:
        """Where the next ``mark`` ends, within ``limit`` bytes; None if the server closed first.

        Each search starts where the last one stopped, so an answer arriving
        one byte at a time costs no more than one arriving whole.
        """
        searched = 0  # bytes after start already searched, less a partial mark
        while True:
            found = self.buffer.find(mark, self.start + searched, self.start + limit)
            if found != -1:
                return found + len(mark)
            if self.left >= limit:
                raise BadAnswer(f"{what} longer than {limit} bytes")
            searched = max(self.left - len(mark) + 1, 0)
            if not self.more():
                return None

    def take(self, end: int) -> bytes:
        """The bytes from ``start`` up to ``end``, consumed."""
        taken = bytes(self.buffer[self.start : end])
        self.start = end
        return taken


def _head(source: _Source) -> tuple[int, int, list[bytes]] | None:
    """The HTTP minor version, status and header lines of the next answer (None: closed)."""
    searched = 0  # as in _Source.until, for the first blank line of either kind
    while True:
        buffer, start = source.buffer, source.start
        stop = start + _HEAD_LIMIT
        bare = buffer.find(b"\n\n", start + searched, stop)  # lines ended by LF alone...
        usual = buffer.find(b"\n\r\n", start + searched, stop if bare == -1 else bare + 2)
        if usual != -1:  # ...or, as usual, by CRLF: whichever blank line comes first
            end = usual + 3
            break
        if bare != -1:
            end = bare + 2
            break
        if source.left >= _HEAD_LIMIT:
            raise BadAnswer(f"no end to the headers in the first {_HEAD_LIMIT} bytes")
        searched = max(source.left - 2, 0)
        if not source.more():
            if source.left:
                raise BadAnswer("the connection closed in the middle of the headers")
            return None
    head = source.take(end)
    status_line, _, rest = head.rstrip(b"\r\n").partition(b"\n")
    matched = _STATUS_RE.match(status_line)
    if matched is None:
        raise BadAnswer(f"not an HTTP/1.x status line: {status_line[:40]!r}")
    return int(matched[1]), int(matched[2]), rest.split(b"\n") if rest else []


def _headers(lines: list[bytes]) -> dict[str, str]:
    """Header lines by lower-cased name; a repeated one joined with ", "; folded lines unfolded."""
    headers: dict[str, str] = {}
    name = ""
    for raw in lines:
        line = raw[:-1].decode("latin-1") if raw.endswith(b"\r") else raw.decode("latin-1")
        if "\r" in line:
            raise BadAnswer(f"a bare CR in a header line: {line[:40]!r}")
        if line[:1] in (" ", "\t"):  # obsolete line folding: part of the previous value
            if not name:
                raise BadAnswer("a folded header line before any header")
            folded = line.strip(_BLANKS)
            headers[name] = f"{headers[name]} {folded}"
            continue
        field, colon, value = line.partition(":")
        if not colon or not _TOKEN_RE.match(field):
            raise BadAnswer(f"not a header line: {line[:40]!r}")
        name = field.lower()
        value = value.strip(_BLANKS)
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _declared_length(value: str) -> int:
    """Content-Length's value; a repeated one must agree with itself."""
    values = {part.strip(_BLANKS) for part in value.split(",")}
    if len(values) != 1:
        raise BadAnswer(f"Content-Length values disagree: {value[:40]!r}")
    (length,) = values
    if not length.isdigit() or not length.isascii() or len(length) > 18:
        raise BadAnswer(f"Content-Length is not a length: {length[:40]!r}")
    return int(length)


def _sized(source: _Source, size: int, received: int) -> int:
    """Wait until ``size`` more bytes are in; where they end. CutShort counts ``received``."""
    while source.left < size:
        if not source.more():
            raise CutShort(received + source.left, size - source.left)
    return source.start + size


def _chunked(source: _Source, limit: int) -> tuple[bytes, bool]:
    """A chunked body, trailers dropped; and whether it ended as framed (not by a close)."""
    body = bytearray()
    wire = 0  # the encoded size, framing included: what the cap counts
    while True:
        end = source.until(b"\n", _LINE_LIMIT, "a chunk-size line")
        if end is None:
            raise CutShort(len(body), None)
        start = source.start  # read after until(): receiving may move the buffer's bytes
        matched = _CHUNK_SIZE_RE.match(source.buffer, start, end)
        if matched is None:
            raise BadAnswer(f"not a chunk size: {bytes(source.buffer[start:end])[:40]!r}")
        source.start = end
        chunk = int(matched[1], 16)
        if chunk == 0:
            break
        wire += end - start + chunk + 2
        if wire > limit:
            raise TooLarge(limit, None)
        _sized(source, chunk, len(body))
        body += source.buffer[source.start : source.start + chunk]
        source.start += chunk
        if not source.left and not source.more():
            raise CutShort(len(body), None)
        if source.buffer[source.start] == 0x0A:  # LF alone
            source.start += 1
            continue
        _sized(source, 2, len(body))
        if source.buffer[source.start : source.start + 2] != b"\r\n":
            raise BadAnswer("a chunk does not end where its size says")
        source.start += 2
    trailers = 0
    while True:  # trailer fields, up to an empty line
        end = source.until(b"\n", _HEAD_LIMIT - trailers, "the trailers")
        if end is None:
            # The last chunk came and the server closed without a blank line:
            # the body is whole (http.client takes it too), the connection done.
            return bytes(body), False
        line = source.take(end)
        trailers += len(line)
        if line in (b"\r\n", b"\n"):
            return bytes(body), True


def _until_close(source: _Source, limit: int) -> bytes:
    while source.left <= limit:
        if not source.more():
            return source.take(len(source.buffer))
    raise TooLarge(limit, None)


def _body(
    source: _Source, minor: int, status: int, headers: dict[str, str], limit: int
) -> tuple[bytes, bool]:
    """The body, and whether its end was framed (False: the connection cannot be reused)."""
    if status in _NO_BODY:
        return b"", True  # whatever the headers say (RFC 9112 section 6.3)
    coding = headers.get("transfer-encoding")
    if coding is not None:
        if coding.strip(_BLANKS).lower() != "chunked":
            raise BadAnswer(f"a transfer coding other than chunked: {coding[:40]!r}")
        body, framed = _chunked(source, limit)
        # With a Content-Length too the answer may mean two things, and HTTP/1.0
        # has no transfer codings: either way, never reused (RFC 9112 section 6.1).
        return body, framed and minor == 1 and "content-length" not in headers
    if "content-length" in headers:
        length = _declared_length(headers["content-length"])
        if length > limit:
            raise TooLarge(limit, length)
        return source.take(_sized(source, length, 0)), True
    return _until_close(source, limit), False


def read_answer(
    sock: socket.socket,
    *,
    when: float | None,
    limit: int,
    check_head: Callable[[int, dict[str, str]], None] | None = None,
) -> Answer:
    """Read the final answer to the request just written on ``sock``.

    ``when`` is the monotonic time by which it must have arrived (None: only
    the socket's own timeout bounds each read); ``limit`` caps the body;
    ``check_head(status, headers)``, if given, runs before any of the body
    is read, and may raise to refuse it.
    """
    source = _Source(sock, when)
    for _ in range(_INTERIM_LIMIT + 1):
        head = _head(source)
        if head is None:
            raise NoAnswer("the connection closed before an answer came")
        minor, status, lines = head
        if status == 101:
            raise BadAnswer("the server switched protocols, which was not asked for")
        if status >= 200:
            break
    else:
        raise BadAnswer(f"more than {_INTERIM_LIMIT} interim (1xx) answers")
    headers = _headers(lines)
    if check_head is not None:
        check_head(status, headers)
    try:
        body, framed = _body(source, minor, status, headers, limit)
    except (CutShort, TooLarge, BadAnswer) as exc:
        exc.status = status
        raise
    except OSError as exc:
        raise Interrupted(status, exc) from exc
    connection = headers.get("connection", "").lower()
    if minor == 1:
        reusable = "close" not in connection  # any mention, however it is written
    else:
        reusable = "keep-alive" in connection and "close" not in connection
        reusable = reusable and "content-length" in headers
    # More bytes than the answer: the connection is out of step with its answers.
    return Answer(status, headers, body, reusable and framed and not source.left)
