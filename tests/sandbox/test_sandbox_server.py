"""The HTTP side: framing, keep-alive, refusals, undecodable envelopes, start and stop."""

from __future__ import annotations

import http.client
import socket
import time
from xml.etree import ElementTree

import pytest
from sandbox_wire import (
    Wire,
    post_bytes,
    raw_connection,
    read_response,
    read_until_closed,
    request,
)

from ttnc_pipeline.codec import encode_batch
from ttnc_pipeline.core import Batch
from ttnc_pipeline.operations import OPERATIONS
from ttnc_pipeline.sandbox import Sandbox, dispatch

HOSTILE = {
    "not xml": b"this is not xml",
    "unclosed": b"<NoveroRequest><Request target='Order' name='ViewBasket'>",
    "wrong root": b"<NoveroResponse/>",
    "dtd": b'<?xml version="1.0"?><!DOCTYPE NoveroRequest SYSTEM "http://example.com/x.dtd">'
    b"<NoveroRequest/>",
    "entity bomb": b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><NoveroRequest>&b;</NoveroRequest>',
    "empty": b"",
    "unknown encoding": b'<?xml version="1.0" encoding="nonsense"?><NoveroRequest/>',
}


@pytest.mark.parametrize("body", HOSTILE.values(), ids=HOSTILE.keys())
def test_an_undecodable_envelope_is_http_400_with_one_code_400_response(
    wire: Wire, sandbox: Sandbox, body: bytes
) -> None:
    answer = wire.post(body)
    assert answer.status == 400
    assert answer.headers["content-type"] == "text/xml; charset=utf-8"
    root = ElementTree.fromstring(answer.body)
    assert root.tag == "NoveroResponse"
    (response,) = root
    assert response.attrib == {"Code": "400"}
    assert [child.tag for child in response] == ["ResponseMessage"]
    assert "malformed envelope" in (response.findtext("ResponseMessage") or "")
    # The server stays up, on this connection and on a new one.
    assert wire.call(request("Order/ViewBasket"))[0].code == 401
    fresh = Wire(sandbox.url)
    assert fresh.call(request("Order/ViewBasket"))[0].code == 401
    fresh.close()
    assert sandbox.journal.envelopes[0].error


def test_unknown_targets_and_names_are_404_even_before_login(wire: Wire) -> None:
    reply = wire.call(request("Nowhere/Search", "A"), request("Order/Refund", "B"))
    assert [r.code for r in reply] == [404, 404]
    assert reply[0].message == "unknown target Nowhere"
    assert reply[1].message == "unknown operation Refund for Order"
    assert [(r.target, r.name, r.request_id) for r in reply] == [
        ("Nowhere", "Search", "A"),
        ("Order", "Refund", "B"),
    ]


def test_a_request_without_id_gets_a_response_without_request_id(wire: Wire, session: str) -> None:
    answer = wire.post(encode_batch(Batch((request("Order/ViewBasket", None),), session)))
    assert b"RequestId" not in answer.body
    assert answer.reply()[0].ok


def test_a_failing_handler_is_a_500_and_the_batch_goes_on(
    wire: Wire, session: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(call: object) -> dict[str, str]:
        raise RuntimeError("boom")

    monkeypatch.setitem(dispatch.HANDLERS, "NoveroUser/GetCards", broken)  # type: ignore[arg-type]
    reply = wire.call(
        request("NoveroUser/GetCards", "A"), request("Order/ViewBasket", "B"), session_id=session
    )
    assert [r.code for r in reply] == [500, 200]
    assert "GetCards" in (reply[0].message or "")


def test_every_documented_operation_has_a_handler() -> None:
    assert {*dispatch.HANDLERS, dispatch.LOGIN} == set(OPERATIONS)


def test_keep_alive_serves_many_requests_on_one_connection(wire: Wire, sandbox: Sandbox) -> None:
    for _ in range(20):
        assert wire.call(request("Order/ViewBasket"))[0].code == 401
    assert sandbox.journal.connections_opened == 1


def test_each_answer_is_written_in_one_piece_with_nagle_off(sandbox: Sandbox) -> None:
    # A server writing headers and body apart stalls ~40 ms per keep-alive
    # request (Nagle meets delayed ACKs). Written in one piece, a small
    # answer reaches the client in a single read on loopback, every time.
    body = encode_batch(Batch((request("Order/ViewBasket"),)))
    sock = raw_connection(sandbox.url)
    try:
        for _ in range(40):
            sock.sendall(post_bytes(body))
            first = sock.recv(65536)
            head, answer = read_response(sock, first)
            assert head.startswith(b"HTTP/1.1 200 OK")
            assert len(first) == len(head) + 4 + len(answer)
    finally:
        sock.close()


def test_the_root_path_and_chunked_bodies_are_served(sandbox: Sandbox) -> None:
    body = encode_batch(Batch((request("Order/ViewBasket"),)))
    chunked = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 50]), body[i : i + 50]) for i in range(0, len(body), 50)
    )
    sock = raw_connection(sandbox.url)
    try:
        sock.sendall(
            post_bytes(
                chunked + b"0\r\n\r\n", path="/", headers={"Transfer-Encoding": "chunked"}
            ).replace(b"Content-Length: %d\r\n" % (len(chunked) + 5), b"")
        )
        head, answer = read_response(sock)
    finally:
        sock.close()
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert b'name="ViewBasket" Code="401"' in answer


def _status_line(sandbox: Sandbox, raw_request: bytes) -> tuple[bytes, bytes]:
    sock = raw_connection(sandbox.url)
    try:
        sock.sendall(raw_request)
        data = read_until_closed(sock)
    finally:
        sock.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return head, body


def test_http_refusals(sandbox: Sandbox) -> None:
    head, _ = _status_line(sandbox, post_bytes(b"<x/>", path="/other"))
    assert head.startswith(b"HTTP/1.1 404 ")
    head, _ = _status_line(sandbox, b"GET /api/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 405 ") and b"Allow: POST" in head
    head, _ = _status_line(sandbox, b"POST /api/ HTTP/1.1\r\nHost: x\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 411 ")
    head, _ = _status_line(
        sandbox, b"POST /api/ HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n"
    )
    assert head.startswith(b"HTTP/1.1 413 ")
    for length in (b"ab", b"-1", "\u00b2".encode()):
        head, _ = _status_line(
            sandbox, b"POST /api/ HTTP/1.1\r\nHost: x\r\nContent-Length: " + length + b"\r\n\r\n"
        )
        assert head.startswith(b"HTTP/1.1 400 "), length
    for size in (b"-5", b"0x10", b"zz"):
        head, _ = _status_line(
            sandbox,
            b"POST /api/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            + size
            + b"\r\nabcde\r\n0\r\n\r\n",
        )
        assert head.startswith(b"HTTP/1.1 400 "), size
    assert Wire(sandbox.url).call(request("Order/ViewBasket"))[0].code == 401  # still up


def test_the_body_cap_is_configurable() -> None:
    with Sandbox(max_body=100) as box:
        head, _ = _status_line(box, post_bytes(b"x" * 101)[:-101])
        assert head.startswith(b"HTTP/1.1 413 ")


def test_connection_close_and_http_1_0_close_after_answering(sandbox: Sandbox) -> None:
    body = encode_batch(Batch((request("Order/ViewBasket"),)))
    head, _ = _status_line(sandbox, post_bytes(body, headers={"Connection": "close"}))
    assert b"Connection: close" in head
    old = post_bytes(body).replace(b"HTTP/1.1", b"HTTP/1.0", 1)
    head, answer = _status_line(sandbox, old)
    assert head.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in head
    assert b"ViewBasket" in answer


def test_stop_closes_idle_connections_promptly_and_is_idempotent() -> None:
    box = Sandbox().start()
    assert box.start() is box  # already serving: nothing happens
    wire = Wire(box.url)
    assert wire.call(request("Order/ViewBasket"))[0].code == 401
    box.faults.delay(30.0)  # a handler waiting must not hold stop() up either
    waiting = Wire(box.url)
    waiting.connection.request("POST", "/api/", encode_batch(Batch((request("Order/ViewBasket"),))))
    assert box.journal.wait_for(lambda journal: journal.envelope_count == 2)  # it is waiting
    started = time.monotonic()
    box.stop()
    assert time.monotonic() - started < 20.0  # far below the 30 s the handler waits
    box.stop()
    assert not box.running
    assert box.journal.open_connections == 0
    with pytest.raises((ConnectionError, http.client.HTTPException, OSError)):
        waiting.connection.getresponse().read()
    with pytest.raises(OSError):
        wire.call(request("Order/ViewBasket"))
    with box:  # a stopped sandbox starts again, keeping its state
        again = Wire(box.url)
        assert again.call(request("Order/ViewBasket"))[0].code == 401
        again.close()
    assert box.journal.count("ViewBasket", ok=None) == 3
    waiting.close()
    wire.close()


def test_the_server_listens_on_loopback_only_by_default(sandbox: Sandbox) -> None:
    host, port = sandbox.address
    assert host == "127.0.0.1"
    assert sandbox.url == f"http://127.0.0.1:{port}/api/"
    addresses = {info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None)}
    for address in addresses - {"127.0.0.1", "127.0.1.1", "::1"}:
        with pytest.raises(OSError):
            socket.create_connection((address, port), timeout=1).close()
