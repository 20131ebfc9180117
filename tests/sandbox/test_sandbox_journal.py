"""The journal: what tests query, and that nothing secret shows when it is printed."""

from __future__ import annotations

import threading
import time
from typing import Any

from sandbox_wire import Wire, login_request, request

from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch
from ttnc_pipeline.sandbox import Journal, Sandbox


def test_operations_and_count_filter_by_name_and_outcome(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    wire.call(
        request("Order/ViewBasket", "V"),
        request("Order/PlaceOrder", "P", TokenId="1", CV2="123"),
        session_id=session,
    )
    journal = sandbox.journal
    assert [r.operation for r in journal.operations()] == [
        "Auth/SessionLogin",
        "Order/ViewBasket",
        "Order/PlaceOrder",
    ]
    assert journal.count("ViewBasket") == journal.count("Order/ViewBasket") == 1
    assert journal.count("PlaceOrder") == 0
    assert journal.count("PlaceOrder", ok=False) == 1
    assert journal.count("PlaceOrder", ok=None) == 1
    assert journal.count("NoveroUser/ViewBasket", ok=None) == 0
    (refused,) = journal.operations("PlaceOrder", ok=False)
    assert (refused.code, refused.request_id, refused.ok) == (400, "P", False)
    assert refused.username == sandbox.credentials.username
    assert refused.session_id == session
    assert journal.logins == 1


def test_envelopes_keep_the_body_the_batch_or_the_error(wire: Wire, sandbox: Sandbox) -> None:
    wire.post(b"<NoveroRequest><Request target='Auth'/></NoveroRequest>")
    wire.call(request("Order/ViewBasket"))
    bad, good = sandbox.journal.envelopes
    assert bad.batch is None and "lacks a target or name" in (bad.error or "")
    assert bad.body.startswith(b"<NoveroRequest>")
    assert good.error is None and good.operations == ("Order/ViewBasket",)
    assert good.connection_id == bad.connection_id == 1
    assert sandbox.journal.envelope_count == 2
    assert [r.envelope_id for r in sandbox.journal.operations()] == [good.id]


def test_connection_counts(sandbox: Sandbox) -> None:
    first, second = Wire(sandbox.url), Wire(sandbox.url)
    for wire in (first, second, first):
        wire.call(request("Order/ViewBasket"))
    assert sandbox.journal.connections_opened == 2
    assert sandbox.journal.open_connections == 2
    first.close()
    second.close()
    assert sandbox.journal.wait_for(lambda journal: journal.open_connections == 0)


def test_clear_forgets_everything_recorded(wire: Wire, sandbox: Sandbox, session: str) -> None:
    sandbox.journal.clear()
    assert (sandbox.journal.envelope_count, sandbox.journal.operations()) == (0, [])
    assert sandbox.journal.connections_opened == 0
    wire.call(request("Order/ViewBasket"), session_id=session)
    assert sandbox.journal.count("ViewBasket") == 1


def test_printing_the_journal_shows_no_secret(wire: Wire, sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    session = wire.login(creds)
    wire.call(
        login_request(creds),
        request("NoveroUser/AddCard", CardNumber="4111111111111111", CV2="987"),
        session_id=session,
    )
    journal = sandbox.journal
    printed = " ".join(
        [repr(journal), repr(journal.envelopes), repr(journal.operations()), repr(sandbox)]
    )
    for secret in (creds.username, creds.password, creds.vkey, session, "4111111111111111", "987"):
        assert secret not in printed
    assert "SessionLogin" in printed  # the reprs do say what happened


def test_wait_for_is_woken_when_a_batch_has_been_carried_out() -> None:
    sandbox = Sandbox(seed=7)  # in process: every wake-up below is one this test knows of
    login = encode_batch(Batch((login_request(sandbox.credentials),)))
    session = decode_reply(sandbox.handle(login).body)[0]["SessionId"]
    journal = sandbox.journal
    record = journal.add_operation
    counted_in = threading.Event()
    woken: list[bool] = []
    waiters: list[threading.Thread] = []

    def both_answered(j: Journal) -> bool:
        counted_in.set()  # first called with the waiter counted in, under the journal's lock
        return j.count("ViewBasket") == 2

    def add_operation(*fields: Any) -> None:
        record(*fields)
        if not waiters:  # after the first request: the envelope's wake-up is long past
            waiter = threading.Thread(
                target=lambda: woken.append(journal.wait_for(both_answered, 60)), daemon=True
            )
            waiters.append(waiter)
            waiter.start()
            assert counted_in.wait(timeout=10)

    journal.add_operation = add_operation  # type: ignore[method-assign]
    started = time.monotonic()
    try:
        body = encode_batch(
            Batch((request("Order/ViewBasket", "A"), request("Order/ViewBasket", "B")), session)
        )
        assert decode_reply(sandbox.handle(body).body).ok
    finally:
        del journal.add_operation
    waiters[0].join(timeout=90)
    assert woken == [True]
    assert time.monotonic() - started < 30  # woken by the batch's end, not by the 60 s timeout
