"""InProcessTransport: the sandbox in the same process, with the transport error contract."""

from __future__ import annotations

import pytest

from ttnc_pipeline import Batch, Client, OutcomeUnknown, Request, RequestNotSent
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.transports import InProcessTransport

LIST = Batch([Request("NoveroNumbers", "ListNumbers", "L")])
CARDS = Batch([Request("NoveroUser", "GetCards", "C"), Request("Order", "PlaceOrder", "P")])


def in_process(sandbox: Sandbox, **options: object) -> Client:
    creds = sandbox.credentials
    return Client(
        "http://sandbox.invalid/api/",
        creds.username,
        creds.password,
        creds.vkey,
        transport=InProcessTransport(sandbox.handle),
        **options,  # type: ignore[arg-type]
    )


def test_a_whole_client_runs_against_the_sandbox_without_sockets() -> None:
    sandbox = Sandbox()  # never started: no port, no thread
    with in_process(sandbox) as client:
        reply = client.send(LIST)
    assert reply.ok
    assert sandbox.journal.logins == 1
    assert sandbox.journal.connections_opened == 0


def test_a_request_dropped_before_reading_is_not_sent() -> None:
    sandbox = Sandbox()
    with in_process(sandbox, retry=False) as client:
        client.send(LIST)
        sandbox.faults.close_before_read()
        with pytest.raises(RequestNotSent, match="dropped"):
            client.send(CARDS)
    assert sandbox.journal.count("PlaceOrder", ok=None) == 0


def test_an_answer_lost_after_the_effect_is_an_unknown_outcome() -> None:
    sandbox = Sandbox()
    with in_process(sandbox) as client:
        client.send(LIST)
        sandbox.faults.close_after_effect()
        with pytest.raises(OutcomeUnknown) as caught:
            client.send(CARDS)
        assert caught.value.request_ids == ("C", "P")
        sandbox.faults.close_after_effect()
        assert client.send(LIST).ok  # read-only: retried, transparently
    assert sandbox.journal.count("PlaceOrder", ok=None) == 1
