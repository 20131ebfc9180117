"""MockTransport: TTNC's answers scripted in a few lines, through a real Client."""

from __future__ import annotations

import doctest
import threading

import pytest

import ttnc_pipeline.transports.mock as mock_module
from ttnc_pipeline import (
    APIError,
    Batch,
    Client,
    OutcomeUnknown,
    ProtocolError,
    Reply,
    Request,
    Response,
    ServerBusy,
    TTNCApi,
)
from ttnc_pipeline.core import HTTPResponse
from ttnc_pipeline.testing.hostile import HTML_ERROR_PAGE
from ttnc_pipeline.transports import MockTransport, error, ok

URL = "https://ttnc.example.invalid/api/"


def test_a_unit_test_scripts_answers_in_a_few_lines() -> None:
    def ttnc(batch: Batch) -> list[Response]:
        return [
            ok(r, {"SessionId": "s-1"})
            if r.name == "SessionLogin"
            else ok(r, {"Numbers": {"Number": [{"RawNumber": "02031511000"}]}})
            if r.name == "ListNumbers"
            else error(r, 404, f"unknown operation {r.name}")
            for r in batch.requests
        ]

    mock = MockTransport(ttnc)
    with TTNCApi("user", "password", "vkey", url=URL, transport=mock) as api:
        numbers = api.newrequest("NoveroNumbers", "ListNumbers", "Request1")
        typo = api.newrequest("NoveroNumbers", "ListNumber", "Request2")
        reply = api.makerequests()
        assert numbers.getresponse()["Numbers"]["Number"][0]["RawNumber"] == "02031511000"  # type: ignore[index]
        assert not reply.ok
        assert typo.getresponse().message == "unknown operation ListNumber"  # type: ignore[union-attr]
        with pytest.raises(APIError) as caught:
            reply.raise_for_errors()
        assert caught.value.code == 404 and caught.value.request_id == "Request2"
        api.newrequest("Order", "ViewBasket")
        api.makerequests()
    assert mock.closed
    first, second = mock.batches
    assert [r.operation for r in first.requests] == [
        "Auth/SessionLogin",
        "NoveroNumbers/ListNumbers",
        "NoveroNumbers/ListNumber",
    ]
    assert first.requests[0].params["Password"] == "password"
    assert second.session_id == "s-1"  # the client reused the session the mock gave
    assert mock.operations[-1] == "Order/ViewBasket"
    assert len(mock.requests) == 2 and mock.requests[0].body.startswith(b"<?xml")


def test_with_no_handler_everything_is_ok_and_a_login_gets_a_session() -> None:
    mock = MockTransport()
    client = Client(URL, "user", "password", transport=mock)
    reply = client.send([Request("NoveroNumbers", "SetDestination", "a", {"Number": "1"})])
    assert reply.ok and [r.request_id for r in reply] == ["SessionRequest", "a"]
    assert client.session_id == "mock-session-id"


def test_a_handler_may_answer_with_a_reply() -> None:
    mock = MockTransport(lambda batch: Reply(tuple(ok(r, {"Done": "yes"}) for r in batch.requests)))
    response = Client(URL, transport=mock).request("NoveroNumbers", "EnableRouteToAll")
    assert response["Done"] == "yes"


@pytest.mark.parametrize(
    ("answer", "raised"),
    [
        (HTTPResponse(503, {"Retry-After": "3"}, b""), ServerBusy),
        (HTTPResponse(200, {"Content-Type": "text/html"}, HTML_ERROR_PAGE), ProtocolError),
        (HTTPResponse(502, {}, HTML_ERROR_PAGE), OutcomeUnknown),
    ],
)
def test_a_handler_may_answer_with_raw_http(answer: HTTPResponse, raised: type[Exception]) -> None:
    client = Client(URL, transport=MockTransport(lambda batch: answer), retry=False)
    with pytest.raises(raised):
        client.send([Request("NoveroNumbers", "ListNumbers", "a")])


def test_a_handler_may_raise_as_a_transport_does() -> None:
    def drop(batch: Batch) -> Reply:
        raise OutcomeUnknown("reset after sending")

    client = Client(URL, transport=MockTransport(drop), retry=False)
    with pytest.raises(OutcomeUnknown) as caught:
        client.send([Request("Order", "PlaceOrder", "order-1")])
    assert caught.value.request_ids == ("order-1",)  # the codec step names what was sent


def test_a_handler_answering_something_else_is_a_clear_type_error() -> None:
    mock = MockTransport(lambda batch: {"Code": 200})  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="returns a Reply, a list of Response or an HTTPResponse"):
        Client(URL, transport=mock, retry=False).request("NoveroNumbers", "ListNumbers")


def test_batches_are_kept_from_every_thread() -> None:
    mock = MockTransport()
    client = Client(URL, transport=mock)

    def work(number: int) -> None:
        for step in range(10):
            client.send([Request("NoveroNumbers", "ListNumbers", f"t{number}-{step}")])

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = sorted(batch.requests[0].id or "" for batch in mock.batches)
    assert ids == sorted(f"t{n}-{s}" for n in range(8) for s in range(10))


def test_the_module_example_runs() -> None:
    assert doctest.testmod(mock_module, raise_on_error=True).attempted >= 6
