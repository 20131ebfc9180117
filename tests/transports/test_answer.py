"""The transport's answer reader on real sockets: framing, reuse, caps, deadlines.

Unit tests feed crafted bytes through a socket pair; a property test
checks the reader against ``http.client`` on the same bytes, read in
pieces of every size; the last tests run whole calls through
:class:`~ttnc_pipeline.transports.Urllib3Transport` against a loopback
server that answers with canned bytes.
"""

from __future__ import annotations

import http.client
import io
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ttnc_pipeline import OutcomeUnknown, ProtocolError
from ttnc_pipeline.core import HTTPRequest
from ttnc_pipeline.transports import Urllib3Transport, _answer
from ttnc_pipeline.transports._answer import (
    Answer,
    BadAnswer,
    CutShort,
    Interrupted,
    NoAnswer,
    TooLarge,
    read_answer,
)

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\n"


def answer_to(
    data: bytes, *, limit: int = 1 << 20, when: float | None = None, close: bool = True
) -> Answer:
    """What the reader makes of ``data``, sent whole (then the sender closes, unless not)."""
    reader, writer = socket.socketpair()
    with reader, writer:
        writer.sendall(data)
        if close:
            writer.shutdown(socket.SHUT_WR)
        reader.settimeout(5.0)
        return read_answer(reader, when=when, limit=limit)


def test_a_content_length_answer_is_read_exactly_and_can_be_reused() -> None:
    answer = answer_to(OK_HEAD + b"Content-Length: 5\r\nX-Twice: a\r\nx-twice: b\r\n\r\nhello")
    assert (answer.status, answer.body, answer.reusable) == (200, b"hello", True)
    assert answer.headers == {"content-type": "text/xml", "content-length": "5", "x-twice": "a, b"}


def test_a_chunked_answer_is_joined_its_extensions_and_trailers_dropped() -> None:
    data = OK_HEAD + (
        b"Transfer-Encoding: chunked\r\n\r\n"
        b"5;name=value\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nX-Trailer: t\r\n\r\n"
    )
    answer = answer_to(data)
    assert (answer.body, answer.reusable) == (b"hello world", True)


@pytest.mark.parametrize(
    ("head", "reusable"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n", True),
        (b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n", False),
        (b"HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 2\r\n", False),
        (b"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n", False),
        (b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n", True),
        (b"HTTP/1.1 200 OK\r\n", False),  # no framing: the body ends when the server closes
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n", False),
    ],
)
def test_a_connection_is_reused_only_when_the_server_allows_and_the_framing_is_clear(
    head: bytes, reusable: bool
) -> None:
    body = b"2\r\nok\r\n0\r\n\r\n" if b"chunked" in head else b"ok"
    answer = answer_to(head + b"\r\n" + body)
    assert (answer.body, answer.reusable) == (b"ok", reusable)


def test_bytes_after_the_answer_keep_its_connection_from_reuse() -> None:
    answer = answer_to(OK_HEAD + b"Content-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n")
    assert (answer.body, answer.reusable) == (b"ok", False)


def test_interim_answers_are_skipped() -> None:
    data = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + OK_HEAD + b"Content-Length: 2\r\n\r\nok"
    )
    answer = answer_to(data)
    assert (answer.status, answer.body, answer.headers["content-type"]) == (200, b"ok", "text/xml")
    assert "link" not in answer.headers


@pytest.mark.parametrize("status", [204, 304])
def test_answers_that_carry_no_body_need_no_framing(status: int) -> None:
    answer = answer_to(f"HTTP/1.1 {status} X\r\n\r\n".encode(), close=False)
    assert (answer.status, answer.body, answer.reusable) == (status, b"", True)


def test_lines_ended_by_a_bare_lf_and_folded_headers_are_read() -> None:
    answer = answer_to(b"HTTP/1.1 200\nX-Long: one\n two\nContent-Length: 2\n\nok")
    assert answer.headers == {"x-long": "one two", "content-length": "2"}
    assert answer.body == b"ok"


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-", "closed in the middle of the headers"),
        (b"<NoveroResponse/>\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/2 200\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 2000 OK\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1 099 Low\r\n\r\n", "not an HTTP/1.x status line"),
        (b"HTTP/1.1  200 OK\r\n\r\n", "not an HTTP/1.x status line"),
        (OK_HEAD + b"X-A: a\rContent-Length: 2\r\n\r\nok", "a bare CR"),
        (OK_HEAD + b"Content Length: 2\r\n\r\nok", "not a header line"),
        (OK_HEAD + b"X\x00: 2\r\n\r\nok", "not a header line"),
        (b"HTTP/1.1 100 Continue\r\n\r\n" * 11, "more than 10 interim"),
        (
            OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n0\r\n" + b"X: y\r\n" * 11000,
            "the trailers longer than",
        ),
        (b"HTTP/1.1 101 Switching Protocols\r\n\r\n", "switched protocols"),
        (OK_HEAD + b"no colon here\r\n\r\n", "not a header line"),
        (OK_HEAD + b"Content-Length : 2\r\n\r\nok", "not a header line"),
        (b"HTTP/1.1 200 OK\r\n folded first\r\n\r\n", "folded header line before any header"),
        (OK_HEAD + b"Content-Length: 2, 3\r\n\r\nok", "Content-Length values disagree"),
        (OK_HEAD + b"Content-Length: -2\r\n\r\nok", "Content-Length is not a length"),
        (OK_HEAD + b"Content-Length: \xd9\xa2\r\n\r\nok", "Content-Length is not a length"),
        (OK_HEAD + b"Transfer-Encoding: gzip, chunked\r\n\r\n", "other than chunked"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\nzz\r\n", "not a chunk size"),
        (OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nokk\r\n0\r\n\r\n", "does not end"),
        (OK_HEAD + b"X: " + b"a" * (70 * 1024) + b"\r\n\r\n", "no end to the headers"),
    ],
)
def test_what_is_not_an_http_answer_is_refused_with_the_reason(data: bytes, reason: str) -> None:
    with pytest.raises(BadAnswer, match=reason):
        answer_to(data)


def test_a_connection_closed_before_any_byte_is_no_answer() -> None:
    with pytest.raises(NoAnswer, match="closed before an answer came"):
        answer_to(b"")


@pytest.mark.parametrize("status", [204, 304])
@pytest.mark.parametrize("framing", [b"Content-Length: 5\r\n", b"Transfer-Encoding: chunked\r\n"])
def test_answers_without_a_body_end_at_their_head_whatever_the_headers_say(
    status: int, framing: bytes
) -> None:
    # The sender stays open: waiting for a body would run into the 5 s timeout.
    answer = answer_to(b"HTTP/1.1 %d X\r\n%s\r\n" % (status, framing), close=False)
    assert (answer.status, answer.body, answer.reusable) == (status, b"", True)


@pytest.mark.parametrize(
    "connection",
    [b"keep-alive\r\n close", b"keep-alive close", b"close;", b"Upgrade, CLOSE"],
)
def test_close_anywhere_in_connection_stops_reuse(connection: bytes) -> None:
    answer = answer_to(OK_HEAD + b"Connection: %s\r\nContent-Length: 2\r\n\r\nok" % connection)
    assert (answer.body, answer.reusable) == (b"ok", False)


def test_an_http_1_0_chunked_answer_is_read_but_its_connection_not_reused() -> None:
    head = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n"
    answer = answer_to(head + b"2\r\nok\r\n0\r\n\r\n")
    assert (answer.body, answer.reusable) == (b"ok", False)


def test_a_close_right_after_the_last_chunk_still_gives_the_whole_body() -> None:
    answer = answer_to(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n")
    assert (answer.body, answer.reusable) == (b"ok", False)


def test_a_head_ended_by_a_bare_lf_blank_line_is_not_confused_by_a_crlf_after_it() -> None:
    answer = answer_to(b"HTTP/1.1 200 OK\nContent-Length: 2\n\n\r\n")
    assert answer.body == b"\r\n"


def test_an_endless_chunk_size_line_is_refused_without_waiting_for_more() -> None:
    with pytest.raises(BadAnswer, match="chunk-size line longer than 4096 bytes"):
        answer_to(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"1" * 5000, close=False)


def test_a_repeated_content_length_that_agrees_with_itself_is_accepted() -> None:
    assert answer_to(OK_HEAD + b"Content-Length: 2\r\nContent-Length: 2\r\n\r\nok").body == b"ok"


def test_a_body_cut_short_says_how_much_arrived_and_how_much_was_announced() -> None:
    with pytest.raises(CutShort) as caught:
        answer_to(b"HTTP/1.1 503 Busy\r\nContent-Length: 10\r\n\r\nabcd")
    assert (caught.value.received, caught.value.missing, caught.value.status) == (4, 6, 503)
    with pytest.raises(CutShort, match="5 bytes arrived, 3 more were announced"):
        answer_to(OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n5\r\nab")


def test_a_declared_size_over_the_cap_is_refused_before_the_body_is_read() -> None:
    # Nothing of the body is sent and the sender stays open: reading any of
    # it would wait out the socket's 5 s timeout instead.
    with pytest.raises(TooLarge, match="declares 2000 bytes, over the 1000-byte limit") as caught:
        answer_to(OK_HEAD + b"Content-Length: 2000\r\n\r\n", limit=1000, close=False)
    assert caught.value.status == 200


@pytest.mark.parametrize(
    "data",
    [
        OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n" + b"100\r\n" + b"x" * 256 + b"\r\n" * 2,
        OK_HEAD + b"\r\n" + b"x" * 2000,  # until the server closes
    ],
)
def test_a_body_over_the_cap_is_refused_while_it_arrives(data: bytes) -> None:
    # The sender stays open: waiting for its end would run into the 5 s timeout.
    with pytest.raises(TooLarge, match="larger than the 100-byte limit"):
        answer_to(data, limit=100, close=False)


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (OK_HEAD + b"Content-Length: %d\r\n\r\n", b"x"),
        (OK_HEAD + b"\r\n", b"x"),  # until the server closes
    ],
)
def test_a_body_exactly_at_the_cap_is_read_and_one_byte_more_refused(
    head: bytes, body: bytes
) -> None:
    framed = b"%d" in head
    at_cap = (head % 100 if framed else head) + body * 100
    assert answer_to(at_cap, limit=100).body == body * 100
    with pytest.raises(TooLarge):
        answer_to((head % 101 if framed else head) + body * 101, limit=100)


def test_a_deadline_already_passed_reads_nothing() -> None:
    with pytest.raises(TimeoutError, match="deadline passed"):
        answer_to(OK_HEAD + b"Content-Length: 2\r\n\r\nok", when=time.monotonic() - 1)


def test_the_deadline_narrows_each_read_below_the_read_timeout() -> None:
    reader, writer = socket.socketpair()
    with reader, writer:
        reader.settimeout(30.0)
        with pytest.raises(TimeoutError):
            read_answer(reader, when=time.monotonic() + 0.05, limit=100)  # nothing ever comes
        timeout = reader.gettimeout()
        assert timeout is not None and timeout <= 0.05


# --- against http.client, on the same bytes, read in pieces of every size ------------

_NAMES = st.sampled_from(["Server", "X-Id", "Set-Cookie", "Content-Type", "Retry-After"])
_VALUES = st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=12)


@st.composite
def _answers(draw: st.DrawFn) -> bytes:
    """An answer both readers must agree on: framings, versions, extensions, trailers."""
    version = draw(st.sampled_from(["1.1", "1.0"]))
    status = draw(st.sampled_from([200, 201, 204, 304, 400, 404, 500, 503]))
    lines = [f"HTTP/{version} {status} Some Reason"]
    lines += [f"{name}: {value}" for name, value in draw(st.lists(st.tuples(_NAMES, _VALUES)))]
    body = b"" if status in (204, 304) else draw(st.binary(max_size=300))
    # http.client reads chunks after a 204 or 304 that says chunked: not generated.
    plain = version == "1.0" or status in (204, 304)
    framings = ["length", "close"] if plain else ["length", "chunked", "close"]
    framing = draw(st.sampled_from(framings))
    if framing == "length":
        lines.append(f"Content-Length: {len(body)}")
        encoded = body
    elif framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
        cuts = sorted(draw(st.lists(st.integers(0, len(body)), max_size=4)))
        pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
        extension = draw(st.sampled_from([b"", b";a=b", b' ; name="v"']))
        chunks = [b"%x%s\r\n%s\r\n" % (len(p), extension, p) for p in pieces if p]
        trailers = draw(st.sampled_from([b"", b"X-Trailer: t\r\n"]))
        encoded = b"".join(chunks) + b"0\r\n" + trailers + b"\r\n"
    else:
        lines.append("Connection: close")
        encoded = body
    if framing != "close" and draw(st.booleans()):
        lines.append(draw(st.sampled_from(["Connection: keep-alive", "Connection: close"])))
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" if draw(st.booleans()) else b""
    return interim + "\r\n".join([*lines, "", ""]).encode("latin-1") + encoded


class _Bytes:
    """What http.client's response reads from: a socket whose makefile holds ``data``."""

    def __init__(self, data: bytes) -> None:
        self._data = data

    def makefile(self, _mode: str) -> io.BytesIO:
        return io.BytesIO(self._data)


@settings(max_examples=300, deadline=None)
@given(_answers(), st.integers(min_value=1, max_value=64))
def test_the_reader_agrees_with_http_client_on_any_framing_and_any_read_size(
    data: bytes, piece: int
) -> None:
    expected = http.client.HTTPResponse(_Bytes(data), method="POST")  # type: ignore[arg-type]
    expected.begin()
    expected_body = expected.read()
    joined: dict[str, str] = {}
    for name, value in expected.getheaders():
        key = name.lower()
        joined[key] = f"{joined[key]}, {value}" if key in joined else value
    saved = _answer._RECV
    _answer._RECV = piece  # every recv returns at most this many bytes
    try:
        answer = answer_to(data)
    finally:
        _answer._RECV = saved
    assert (answer.status, answer.headers, answer.body) == (expected.status, joined, expected_body)
    assert answer.reusable == (not expected.will_close)


# --- whole calls through the transport -----------------------------------------------


class CannedServer:
    """A loopback server: each request gets the next canned answer; it counts connections."""

    def __init__(self, answers: list[bytes]) -> None:
        self.answers = list(answers)
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/api/"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while self.answers:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            with conn:
                self._answer_each(conn)

    def _answer_each(self, conn: socket.socket) -> None:
        pending = b""
        while self.answers:
            while b"\r\n\r\n" not in pending:
                data = conn.recv(65536)
                if not data:
                    return
                pending += data
            head, _, pending = pending.partition(b"\r\n\r\n")
            length = int(head.lower().split(b"content-length:")[1].split(b"\r\n")[0])
            while len(pending) < length:
                pending += conn.recv(65536)
            pending = pending[length:]
            answer = self.answers.pop(0)
            conn.sendall(answer)
            if b"close" in answer.split(b"\r\n\r\n")[0].lower() or b"HTTP/1.0" in answer[:8]:
                return

    def close(self) -> None:
        self._listener.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., CannedServer]]:
    """Starts a CannedServer for the given answers; every one is closed after the test."""
    servers: list[CannedServer] = []

    def start(*answers: bytes) -> CannedServer:
        servers.append(CannedServer(list(answers)))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def _send(transport: Urllib3Transport) -> bytes:
    return transport.send(HTTPRequest(b"<NoveroRequest/>", {}, 10.0)).body


def test_a_chunked_answer_arrives_whole_and_its_connection_is_kept(
    serve: Callable[..., CannedServer],
) -> None:
    chunked = OK_HEAD + b"Transfer-Encoding: chunked\r\n\r\n3\r\n<a/\r\n1\r\n>\r\n0\r\n\r\n"
    server = serve(chunked, chunked)
    with Urllib3Transport(server.url) as transport:
        assert _send(transport) == _send(transport) == b"<a/>"
    assert server.connections == 1


def test_an_answer_ended_by_closing_arrives_whole_and_the_next_call_reconnects(
    serve: Callable[..., CannedServer],
) -> None:
    closing, framed = b"HTTP/1.0 200 OK\r\n\r\n<a/>", OK_HEAD + b"Content-Length: 4\r\n\r\n<b/>"
    server = serve(closing, framed)
    with Urllib3Transport(server.url) as transport:
        assert _send(transport) == b"<a/>"
        assert _send(transport) == b"<b/>"
    assert server.connections == 2


def test_what_is_not_http_is_an_unknown_outcome_and_a_cap_a_protocol_error(
    serve: Callable[..., CannedServer],
) -> None:
    server = serve(b"SSH-2.0-OpenSSH\r\n\r\n", OK_HEAD + b"Content-Length: 99999\r\n\r\n")
    with Urllib3Transport(server.url, max_response_size=1000) as transport:
        with pytest.raises(OutcomeUnknown, match=r"not HTTP/1\.x: not an HTTP/1\.x status line"):
            _send(transport)
        with pytest.raises(ProtocolError, match="declares 99999 bytes") as caught:
            _send(transport)
    assert caught.value.status == 200
    assert server.connections == 2  # the connection that carried garbage was not reused


def test_a_connection_closed_without_an_answer_is_an_unknown_outcome(
    serve: Callable[..., CannedServer],
) -> None:
    server = serve(b"")
    with Urllib3Transport(server.url) as transport:
        with pytest.raises(OutcomeUnknown, match="no answer came back: the connection closed"):
            _send(transport)


def test_a_socket_error_once_the_head_is_in_carries_the_status() -> None:
    with pytest.raises(Interrupted) as caught:
        answer_to(
            b"HTTP/1.1 503 Busy\r\nContent-Length: 10\r\n\r\nab",
            when=time.monotonic() + 0.05,
            close=False,
        )
    assert caught.value.status == 503
    assert isinstance(caught.value.error, TimeoutError)


def test_a_malformed_body_carries_the_status_and_a_malformed_head_does_not() -> None:
    with pytest.raises(BadAnswer) as body:
        answer_to(b"HTTP/1.1 500 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    assert body.value.status == 500
    with pytest.raises(BadAnswer) as head:
        answer_to(b"HTTP/1.1 500 X\r\nno colon\r\n\r\n")
    assert head.value.status is None


def test_the_head_check_refuses_before_the_body_is_read() -> None:
    def refuse(status: int, headers: dict[str, str]) -> None:
        raise ProtocolError(f"refused {status} {headers['content-encoding']}")

    # The sender stays open with 27 bytes of the body missing: reading them
    # would wait out the socket's 5 s timeout instead.
    reader, writer = socket.socketpair()
    with reader, writer:
        writer.sendall(OK_HEAD + b"Content-Encoding: gzip\r\nContent-Length: 30\r\n\r\nabc")
        reader.settimeout(5.0)
        with pytest.raises(ProtocolError, match="refused 200 gzip"):
            read_answer(reader, when=None, limit=1000, check_head=refuse)


def test_an_encoded_answer_cut_short_is_refused_for_its_encoding(
    serve: Callable[..., CannedServer],
) -> None:
    server = serve(OK_HEAD + b"Content-Encoding: gzip\r\nContent-Length: 30\r\n\r\nabc")
    with Urllib3Transport(server.url) as transport:
        with pytest.raises(ProtocolError, match="gzip-encoded") as caught:
            _send(transport)
    assert caught.value.status == 200


def test_a_malformed_body_over_http_names_the_body_and_keeps_the_status(
    serve: Callable[..., CannedServer],
) -> None:
    server = serve(b"HTTP/1.1 502 X\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")
    with Urllib3Transport(server.url) as transport:
        with pytest.raises(OutcomeUnknown, match="body is not framed") as caught:
            _send(transport)
    assert caught.value.status == 502
