"""Every fault, observed from the client side, with the journal agreeing."""

from __future__ import annotations

import http.client
import time
from email.utils import formatdate

import pytest
from sandbox_wire import Wire, post_bytes, raw_connection, read_response, request

from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch, Request
from ttnc_pipeline.errors import ProtocolError
from ttnc_pipeline.sandbox import Sandbox

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<NoveroResponse><Response Code="200">&lol3;</Response></NoveroResponse>
"""


@pytest.fixture
def for_sale(wire: Wire, session: str) -> str:
    """A band-00 number for sale."""
    (response,) = wire.call(
        request("NoveroNumberSearch/Search", Range="01245", Band="00", Limit="1"),
        session_id=session,
    )
    number = response.first("Numbers/Number")["RawNumber"]
    assert isinstance(number, str)
    return number


def _add(number: str) -> Request:
    return request("Order/AddToBasket", "Add", number=number, type="number")


def _basket_size(wire: Wire, session: str) -> int:
    (basket,) = wire.call(request("Order/ViewBasket", "View"), session_id=session)
    return int(basket["ItemCount"])


def _two(session: str) -> bytes:
    return encode_batch(
        Batch(
            (request("Order/ViewBasket", "A"), request("NoveroUser/GetCards", "B")),
            session,
        )
    )


# --- instead of the batch ------------------------------------------------------


def test_close_before_read_drops_the_connection_and_carries_nothing_out(
    wire: Wire, sandbox: Sandbox, session: str, for_sale: str
) -> None:
    fault = sandbox.faults.close_before_read()
    with pytest.raises(ConnectionError):  # http.client.RemoteDisconnected
        wire.call(_add(for_sale), session_id=session)
    assert (fault.fired, fault.remaining, sandbox.faults.pending) == (1, 0, [])
    assert sandbox.journal.count("AddToBasket", ok=None) == 0
    assert sandbox.journal.envelopes[-1].fault == "close_before_read"
    assert _basket_size(wire, session) == 0  # and the server still answers


@pytest.mark.parametrize(
    ("code", "headers", "body"),
    [
        (503, {"Retry-After": "2"}, b""),
        (503, {"Retry-After": formatdate(time.time() + 5, usegmt=True)}, b"busy"),
        (429, {"Retry-After": "1"}, b"slow down"),
        (302, {"Location": "https://example.com/login"}, b""),
        (502, {"Content-Type": "text/html"}, b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    ],
)
def test_status_answers_that_status_without_carrying_out(
    wire: Wire,
    sandbox: Sandbox,
    session: str,
    for_sale: str,
    code: int,
    headers: dict[str, str],
    body: bytes,
) -> None:
    sandbox.faults.status(code, headers, body)
    answer = wire.post(encode_batch(Batch((_add(for_sale),), session)))
    assert answer.status == code
    assert answer.body == body
    for name, value in headers.items():
        assert answer.headers[name.lower()] == value
    assert sandbox.journal.count("AddToBasket", ok=None) == 0
    assert sandbox.journal.envelopes[-1].fault == "status"
    assert _basket_size(wire, session) == 0  # same keep-alive connection, back to normal


def test_raw_sends_a_hostile_document_verbatim_that_the_safe_decoder_refuses(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    sandbox.faults.raw(BILLION_LAUGHS)
    answer = wire.post(_two(session))
    assert (answer.status, answer.body) == (200, BILLION_LAUGHS)
    assert answer.headers["content-type"].startswith("text/xml")
    with pytest.raises(ProtocolError, match=r"DTD|document type"):
        decode_reply(answer.body)
    assert sandbox.journal.count(None, ok=None) == 1  # only the fixture's login


# --- on the answers --------------------------------------------------------------


def test_omit_response_drops_the_last_or_a_given_answer(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    sandbox.faults.omit_response()
    assert [r.request_id for r in wire.post(_two(session)).reply()] == ["A"]
    sandbox.faults.omit_response("A")
    assert [r.request_id for r in wire.post(_two(session)).reply()] == ["B"]
    assert sandbox.journal.count("ViewBasket") == sandbox.journal.count("GetCards") == 2


def test_duplicate_request_id_repeats_an_id(wire: Wire, sandbox: Sandbox, session: str) -> None:
    sandbox.faults.duplicate_request_id()
    assert [r.request_id for r in wire.post(_two(session)).reply()] == ["A", "A"]
    sandbox.faults.duplicate_request_id()
    lone = wire.call(request("Order/ViewBasket", "Only"), session_id=session)
    assert [r.request_id for r in lone] == ["Only", "Only"]
    assert sandbox.journal.count("ViewBasket") == 2


def test_change_request_id_relabels_one_answer(wire: Wire, sandbox: Sandbox, session: str) -> None:
    sandbox.faults.change_request_id()
    assert [r.request_id for r in wire.post(_two(session)).reply()] == ["Unknown", "B"]
    sandbox.faults.change_request_id("Other", request_id="B")
    assert [r.request_id for r in wire.post(_two(session)).reply()] == ["A", "Other"]


def test_strip_request_ids_leaves_no_request_id(wire: Wire, sandbox: Sandbox, session: str) -> None:
    sandbox.faults.strip_request_ids()
    answer = wire.post(_two(session))
    assert b"RequestId" not in answer.body
    assert [(r.name, r.request_id) for r in answer.reply()] == [
        ("ViewBasket", None),
        ("GetCards", None),
    ]


# --- on the connection -------------------------------------------------------------


def test_close_after_effect_carries_out_once_then_drops_the_connection(
    wire: Wire, sandbox: Sandbox, session: str, for_sale: str
) -> None:
    fault = sandbox.faults.close_after_effect(match="AddToBasket")
    assert _basket_size(wire, session) == 0  # ViewBasket does not match
    assert fault.fired == 0
    with pytest.raises(ConnectionError):
        wire.call(_add(for_sale), session_id=session)
    assert fault.fired == 1
    assert sandbox.journal.count("AddToBasket") == 1
    assert sandbox.journal.envelopes[-1].fault == "close_after_effect"
    assert _basket_size(wire, session) == 1  # the effect happened


def test_delay_answers_late_after_carrying_out(
    wire: Wire, sandbox: Sandbox, session: str, for_sale: str
) -> None:
    sandbox.faults.delay(0.3)
    started = time.monotonic()
    (added,) = wire.call(_add(for_sale), session_id=session)
    assert time.monotonic() - started >= 0.3
    assert added.ok
    assert sandbox.journal.count("AddToBasket") == 1


def test_drip_sends_the_answer_in_small_timed_chunks(sandbox: Sandbox, session: str) -> None:
    sandbox.faults.drip(chunk_size=64, interval=0.03)
    sock = raw_connection(sandbox.url)
    try:
        sock.sendall(post_bytes(_two(session)))
        started = time.monotonic()
        first = sock.recv(65536)
        assert 0 < len(first) <= 64
        head, body = read_response(sock, first)
        elapsed = time.monotonic() - started
    finally:
        sock.close()
    whole = len(head) + 4 + len(body)
    assert elapsed >= (whole // 64 - 1) * 0.03
    assert [r.request_id for r in decode_reply(body)] == ["A", "B"]


@pytest.mark.parametrize(("keep", "expected"), [(0.5, None), (10, 10), (0, 0)])
def test_truncate_sends_part_of_the_body_then_closes(
    wire: Wire, sandbox: Sandbox, session: str, keep: float | int, expected: int | None
) -> None:
    sandbox.faults.truncate(keep)
    with pytest.raises(http.client.IncompleteRead) as caught:
        wire.post(_two(session))
    partial, missing = caught.value.partial, caught.value.expected
    assert missing is not None and missing > 0
    total = len(partial) + missing
    assert len(partial) == (total // 2 if expected is None else expected)
    assert sandbox.journal.count("ViewBasket") == 1


# --- arming rules ------------------------------------------------------------------


def test_times_and_full_operation_names_limit_where_a_fault_fires(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    fault = sandbox.faults.status(503, times=2, match="Order/PlaceOrder")
    order = encode_batch(Batch((request("Order/PlaceOrder", TokenId="1", CV2="123"),), session))
    assert wire.post(_two(session)).status == 200
    assert [wire.post(order).status for _ in range(3)] == [503, 503, 200]
    assert (fault.fired, fault.remaining, sandbox.faults.pending) == (2, 0, [])


def test_the_earliest_armed_fault_fires_first_one_per_envelope(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    sandbox.faults.status(503)
    sandbox.faults.status(429)
    assert [wire.post(_two(session)).status for _ in range(3)] == [503, 429, 200]


def test_a_matching_fault_ignores_undecodable_envelopes(wire: Wire, sandbox: Sandbox) -> None:
    matching = sandbox.faults.status(503, match="ViewBasket")
    assert wire.post(b"<junk").status == 400
    assert matching.fired == 0
    sandbox.faults.clear()
    anything = sandbox.faults.status(503)
    assert wire.post(b"<junk").status == 503
    assert anything.fired == 1


def test_clear_disarms_everything(wire: Wire, sandbox: Sandbox, session: str) -> None:
    fault = sandbox.faults.close_before_read(times=5)
    sandbox.faults.clear()
    assert wire.post(_two(session)).status == 200
    assert (fault.fired, sandbox.faults.pending) == (0, [])


def test_misuse_fails_loudly(sandbox: Sandbox) -> None:
    faults = sandbox.faults
    for arm in (
        lambda: faults.close_before_read(times=0),
        lambda: faults.status(700),
        lambda: faults.drip(chunk_size=0),
        lambda: faults.delay(-1),
        lambda: faults.truncate(1.5),
        lambda: faults.truncate(-3),
        lambda: faults.omit_response(match=""),
    ):
        with pytest.raises(ValueError):
            arm()
    assert faults.pending == []
