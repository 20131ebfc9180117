"""The in-process entry: bytes in, status + headers + bytes out, with no socket."""

from __future__ import annotations

import time

import pytest
from sandbox_wire import Wire, login_request, request

from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch, HTTPResponse, Request
from ttnc_pipeline.sandbox import ConnectionDropped, Sandbox


@pytest.fixture
def box() -> Sandbox:
    """A sandbox that is never started."""
    return Sandbox(seed=7)


def _send(box: Sandbox, *requests: Request, session: str | None = None) -> HTTPResponse:
    return box.handle(encode_batch(Batch(requests, session)), {"Content-Type": "text/xml"})


def _login(box: Sandbox) -> str:
    reply = decode_reply(_send(box, login_request(box.credentials)).body)
    session = reply[0]["SessionId"]
    assert isinstance(session, str)
    return session


def test_handle_answers_without_a_server(box: Sandbox) -> None:
    response = _send(box, login_request(box.credentials), request("NoveroNumbers/ListNumbers"))
    assert response.status == 200
    assert response.headers["content-type"] == "text/xml; charset=utf-8"
    assert response.headers["content-length"] == str(len(response.body))
    assert [r.code for r in decode_reply(response.body)] == [200, 200]
    assert not box.running
    with pytest.raises(RuntimeError, match="not been started"):
        _ = box.url
    (envelope,) = box.journal.envelopes
    assert envelope.connection_id is None
    assert envelope.headers == {"Content-Type": "text/xml"}


def test_handle_answers_a_malformed_envelope_with_http_400(box: Sandbox) -> None:
    response = box.handle(b"<NoveroRequest><Request")
    assert response.status == 400
    (only,) = decode_reply(response.body)
    assert only.code == 400 and "malformed envelope" in (only.message or "")


def test_handle_and_http_share_one_state(box: Sandbox) -> None:
    session = _login(box)
    with box:
        wire = Wire(box.url)
        (basket,) = wire.call(request("Order/ViewBasket"), session_id=session)
        wire.close()
    assert basket.ok
    assert box.journal.envelope_count == 2


def test_connection_faults_raise_connection_dropped(box: Sandbox) -> None:
    session = _login(box)
    box.faults.close_before_read()
    with pytest.raises(ConnectionDropped) as before:
        _send(box, request("NoveroUser/GetCards"), session=session)
    assert (before.value.kind, before.value.carried_out) == ("close_before_read", False)
    assert box.journal.count("GetCards", ok=None) == 0

    box.faults.close_after_effect()
    with pytest.raises(ConnectionDropped) as after:
        _send(box, request("NoveroUser/GetCards"), session=session)
    assert (after.value.kind, after.value.carried_out) == ("close_after_effect", True)
    assert box.journal.count("GetCards") == 1

    whole = _send(box, request("NoveroNumbers/ListNumbers"), session=session).body
    box.faults.truncate(0.5)
    with pytest.raises(ConnectionDropped) as cut:
        _send(box, request("NoveroNumbers/ListNumbers"), session=session)
    assert cut.value.kind == "truncate"
    assert cut.value.partial == whole[: len(whole) // 2]


def test_status_raw_and_answer_faults_work_in_process(box: Sandbox) -> None:
    session = _login(box)
    box.faults.status(503, {"Retry-After": "3"})
    busy = _send(box, request("Order/ViewBasket"), session=session)
    assert (busy.status, busy.headers["retry-after"], busy.body) == (503, "3", b"")
    box.faults.raw(b"not xml", status=200)
    assert _send(box, request("Order/ViewBasket"), session=session).body == b"not xml"
    box.faults.strip_request_ids()
    reply = decode_reply(_send(box, request("Order/ViewBasket"), session=session).body)
    assert reply[0].request_id is None
    assert box.journal.count("ViewBasket") == 1


def test_delay_and_drip_wait_in_process(box: Sandbox) -> None:
    session = _login(box)
    box.faults.delay(0.2)
    started = time.monotonic()
    assert _send(box, request("Order/ViewBasket"), session=session).status == 200
    assert time.monotonic() - started >= 0.2
    box.faults.drip(chunk_size=100, interval=0.05)
    started = time.monotonic()
    dripped = _send(box, request("Order/ViewBasket"), session=session)
    assert time.monotonic() - started >= (len(dripped.body) // 100) * 0.05 - 0.001
