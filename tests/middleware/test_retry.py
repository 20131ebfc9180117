"""The retry loop over real HTTP: each failure class against the sandbox's faults.

The client's clock is a ManualClock, so backoff and Retry-After waits are
recorded, not slept; the journal proves what the server carried out.
"""

from __future__ import annotations

import email.utils
import socket

import pytest

from ttnc_pipeline import (
    Batch,
    Client,
    ManualClock,
    OutcomeUnknown,
    ProtocolError,
    Request,
    RequestNotSent,
    RetryPolicy,
    ServerBusy,
)
from ttnc_pipeline.sandbox import Sandbox


def client_for(sandbox: Sandbox, clock: ManualClock, **options: object) -> Client:
    creds = sandbox.credentials
    return Client(
        sandbox.url,
        creds.username,
        creds.password,
        creds.vkey,
        clock=clock,
        rand=lambda: 1.0,
        transport_options={"read_timeout": 5.0},
        **options,  # type: ignore[arg-type]
    )


def logged_in(sandbox: Sandbox, clock: ManualClock, **options: object) -> Client:
    client = client_for(sandbox, clock, **options)
    assert client.request("NoveroNumbers", "ListNumbers").ok
    sandbox.journal.clear()
    return client


LIST = Batch([Request("NoveroNumbers", "ListNumbers", "List")])


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_retried_with_backoff_then_request_not_sent() -> None:
    clock = ManualClock()
    client = Client(
        f"http://127.0.0.1:{free_port()}/api/",
        "user",
        "secret",
        clock=clock,
        rand=lambda: 1.0,
        retry=RetryPolicy(max_attempts=4, backoff_base=0.5),
    )
    with pytest.raises(RequestNotSent, match="could not reach"):
        client.send(LIST)
    assert clock.slept == [0.5, 1.0, 2.0]


def test_503_with_retry_after_seconds_is_honoured(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.status(503, headers={"Retry-After": "7"})
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 2
    assert clock.slept == [7.0]
    assert sandbox.journal.count("ListNumbers") == 1


def test_429_with_an_http_date_is_honoured(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    when = email.utils.formatdate(clock.time() + 12, usegmt=True)
    sandbox.faults.status(429, headers={"Retry-After": when})
    assert client.send(LIST).ok
    assert clock.slept == [pytest.approx(12.0, abs=1.0)]


@pytest.mark.parametrize("hostile", ["-1", "abc", "1e9", ""])
def test_hostile_retry_after_falls_back_to_backoff(sandbox: Sandbox, hostile: str) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock, retry=RetryPolicy(backoff_base=0.25))
    sandbox.faults.status(503, headers={"Retry-After": hostile})
    assert client.send(LIST).ok
    assert clock.slept == [0.25]


def test_huge_retry_after_is_capped_and_never_passes_the_deadline(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock, retry=RetryPolicy(retry_after_max=30.0, deadline=20.0))
    sandbox.faults.status(503, headers={"Retry-After": "86400"})
    with pytest.raises(ServerBusy) as caught:
        client.send(LIST)
    assert caught.value.retry_after == 86400.0
    assert clock.slept == []
    client = logged_in(sandbox, clock, retry=RetryPolicy(retry_after_max=30.0, deadline=100.0))
    sandbox.faults.status(503, headers={"Retry-After": "86400"})
    assert client.send(LIST).ok
    assert clock.slept == [30.0]


def test_busy_is_retried_even_for_unsafe_operations(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.status(503, times=2)
    reply = client.send(Batch([Request("NoveroUser", "GetCards", "Cards")]))
    assert reply.ok and reply.attempts == 3


def test_a_200_with_retry_after_is_an_answer_not_a_retry(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    body = (
        b'<?xml version="1.0"?><NoveroResponse><Response target="NoveroNumbers" '
        b'name="ListNumbers" Code="200" RequestId="List"/></NoveroResponse>'
    )
    sandbox.faults.raw(body, status=200, headers={"Retry-After": "5"})
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 1
    assert clock.slept == []


def test_close_after_effect_retries_a_read_only_batch(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.close_after_effect()
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 2
    assert sandbox.journal.count("ListNumbers") == 2


def test_close_after_effect_never_resends_an_unsafe_batch(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    number = client.request("NoveroNumberSearch", "Search", Range="01245", Limit=1)
    raw = number.all("Numbers/Number")[0]["RawNumber"]
    sandbox.journal.clear()
    sandbox.faults.close_after_effect(match="AddToBasket")
    add = Batch([Request("Order", "AddToBasket", "Add", {"number": raw, "type": "number"})])
    with pytest.raises(OutcomeUnknown) as caught:
        client.send(add)
    assert caught.value.request_ids == ("Add",)
    assert caught.value.operations == ("Order/AddToBasket",)
    assert "Add" in str(caught.value)
    assert sandbox.journal.count("AddToBasket") == 1
    assert sandbox.journal.envelope_count == 1


def test_truncated_body_retries_read_only_and_stops_unsafe(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.truncate(keep=0.5)
    assert client.send(LIST).ok
    sandbox.faults.truncate(keep=0.5)
    card = Batch([Request("NoveroUser", "GetCards", "C"), Request("Order", "PlaceOrder", "P")])
    with pytest.raises(OutcomeUnknown) as caught:
        client.send(card)
    assert set(caught.value.request_ids) == {"C", "P"}


def test_500_is_retried_for_idempotent_and_unknown_for_unsafe(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    number = next(iter(sandbox.state.account(sandbox.credentials.username).numbers))
    route = Batch(
        [
            Request(
                "NoveroNumbers",
                "SetDestination",
                "S",
                {"Number": number, "Destination": "07512312312"},
            )
        ]
    )
    sandbox.faults.status(500)
    assert client.send(route).ok
    sandbox.faults.status(502, body=b"<html><body>Bad gateway</body></html>")
    with pytest.raises(OutcomeUnknown) as caught:
        client.send(Batch([Request("Order", "PlaceOrder", "P", {"TokenId": 1, "CV2": 123})]))
    assert caught.value.status == 502
    assert sandbox.journal.count("PlaceOrder", ok=None) == 0


def test_html_page_with_200_is_a_protocol_error_after_retries(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock, retry=RetryPolicy(max_attempts=2))
    page = b"<html><body><h1>Maintenance</h1><p>SessionId=abc123</p></body></html>"
    sandbox.faults.raw(page, status=200, times=2)
    with pytest.raises(ProtocolError) as caught:
        client.send(LIST)
    assert "Maintenance" in caught.value.excerpt
    assert "abc123" not in str(caught.value)


def test_retry_false_makes_one_attempt(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.status(503)
    with pytest.raises(ServerBusy):
        client.send(LIST, retry=False)
    assert clock.slept == []
    client = logged_in(sandbox, clock, retry=False)
    sandbox.faults.status(503)
    with pytest.raises(ServerBusy):
        client.send(LIST)


def test_ids_stay_the_same_across_retries(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.status(503, times=2)
    reply = client.send(Batch([Request("NoveroCDR", "GetTotals")]))
    ids = {
        tuple(r.id for r in envelope.batch.requests)
        for envelope in sandbox.journal.envelopes
        if envelope.batch is not None
    }
    assert len(ids) == 1
    assert reply.responses[0].request_id in next(iter(ids))


def test_the_total_deadline_bounds_a_slow_answer(sandbox: Sandbox) -> None:
    client = logged_in(sandbox, ManualClock())
    real = Client(
        sandbox.url,
        sandbox.credentials.username,
        sandbox.credentials.password,
        sandbox.credentials.vkey,
        session_store=client.session.store,
        transport_options={"read_timeout": 10.0},
    )
    sandbox.faults.drip(chunk_size=8, interval=0.1)
    with pytest.raises(OutcomeUnknown, match="deadline"):
        real.send(Batch([Request("NoveroNumbers", "ListNumbers")]), timeout=0.5)
    real.close()
