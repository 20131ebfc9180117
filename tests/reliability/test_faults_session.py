"""A session that dies mid-batch, or under sixteen threads at once, over real HTTP.

Issue 7's scenario 8: exactly one re-login; only the requests refused for
authentication are sent again (they were not carried out, so this is safe
even for unsafe ones); a refused re-login raises once and never loops.
Beyond the issue's list: when the renewal itself fails, what the first
answer said about the requests it did carry out is not thrown away.

:func:`expire_after` makes the sandbox expire every session the moment it
has answered one given operation, so a batch's first request runs under a
valid session and the rest meet an expired one.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import attrs
import pytest
from reliability_support import (
    Figures,
    add_to_basket,
    card,
    logged_in,
    numbers_for_sale,
)

from ttnc_pipeline import AuthenticationError, Batch, Client, ManualClock, Reply, Request
from ttnc_pipeline.sandbox import OperationRecord, Sandbox


@contextmanager
def expire_after(sandbox: Sandbox, operation: str) -> Iterator[None]:
    """Expire every session right after the sandbox answers ``operation`` (once)."""
    journal = sandbox.journal
    record = journal.add_operation
    fired = threading.Event()

    def add_operation(*fields: Any) -> None:
        record(*fields)
        if OperationRecord(*fields).name == operation and not fired.is_set():
            fired.set()
            sandbox.faults.expire_sessions()

    journal.add_operation = add_operation  # type: ignore[method-assign]
    try:
        yield
    finally:
        del journal.add_operation
    assert fired.is_set()


def refused(sandbox: Sandbox, operation: str) -> int:
    """How many ``operation`` requests the sandbox refused."""
    return sandbox.journal.count(operation, ok=False)


def test_expiry_mid_batch_relogs_once_and_resends_only_the_refused(
    sandbox: Sandbox, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    batch = Batch(
        [
            Request("NoveroNumbers", "ListNumbers", "L"),
            add_to_basket(number, "A"),
            Request("NoveroCDR", "GetTotals", "T"),
        ]
    )
    with expire_after(sandbox, "ListNumbers"):
        reply = client.send(batch)
    assert reply.ok
    assert [r.request_id for r in reply] == ["SessionRequest", "L", "A", "T"]
    envelopes = sandbox.journal.envelopes
    assert len(envelopes) == 2
    assert envelopes[1].batch is not None and envelopes[1].batch.ids == ("SessionRequest", "A", "T")
    assert sandbox.journal.logins == 1
    assert sandbox.journal.count("ListNumbers") == 1
    assert (sandbox.journal.count("AddToBasket"), refused(sandbox, "AddToBasket")) == (1, 1)
    assert (sandbox.journal.count("GetTotals"), refused(sandbox, "GetTotals")) == (1, 1)
    figures.add("faults", {"scenario": "8 expiry mid-batch", "outcome": "1 login, 2 resent"})


def test_sixteen_threads_on_an_expired_session_share_one_login_and_send_once_each(
    sandbox: Sandbox, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    numbers = numbers_for_sale(client, 16)
    sandbox.faults.expire_sessions()
    sandbox.journal.clear()
    barrier = threading.Barrier(16)
    replies: dict[int, Reply] = {}
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        barrier.wait()
        try:
            batch = Batch(
                [add_to_basket(numbers[index], f"A{index}"), Request("NoveroCDR", "GetTotals")]
            )
            replies[index] = client.send(batch)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert errors == []
    assert all(reply.ok for reply in replies.values()) and len(replies) == 16
    assert sandbox.journal.logins == 1
    for index in range(16):
        records = [
            r for r in sandbox.journal.operations("AddToBasket") if r.request_id == f"A{index}"
        ]
        assert [r.code for r in records if r.ok] == [200]  # carried out once, never twice
    resent = refused(sandbox, "AddToBasket")
    assert sandbox.journal.envelope_count == 16 + resent  # each refused batch resent once
    session_id = client.session_id
    assert session_id is not None
    session, _ = sandbox.state.sessions.find(session_id)
    assert session is not None and sorted(i.number for i in session.basket) == sorted(numbers)
    figures.add(
        "faults",
        {"scenario": "8 sixteen threads, expired", "outcome": f"1 login, {resent} resent once"},
    )


def break_the_password(sandbox: Sandbox) -> None:
    """Change the demo account's password behind the client's back."""
    account = sandbox.state.account(sandbox.credentials.username)
    account.credentials = attrs.evolve(account.credentials, password="changed-elsewhere")


def test_a_refused_relogin_raises_once_and_never_loops(sandbox: Sandbox) -> None:
    client = logged_in(sandbox, ManualClock())
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    sandbox.faults.expire_sessions()
    break_the_password(sandbox)
    with pytest.raises(AuthenticationError) as caught:
        client.send(Batch([add_to_basket(number, "A")]))
    assert caught.value.code == 401
    assert sandbox.journal.envelope_count == 2  # the refused batch, one login attempt
    assert sandbox.journal.logins == 0
    assert sandbox.journal.count("AddToBasket") == 0


def test_a_refused_relogin_mid_batch_keeps_the_answers_already_carried_out(
    sandbox: Sandbox, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    sandbox.journal.clear()
    batch = Batch(
        [Request("NoveroUser", "AddCard", "C", card()), Request("NoveroCDR", "GetTotals", "T")]
    )
    break_the_password(sandbox)
    with expire_after(sandbox, "AddCard"):
        reply = client.send(batch)
    added, totals = reply.by_id("C"), reply.by_id("T")
    assert added is not None and added.ok and added["TokenId"]
    assert totals is not None and totals.code == 401 and not totals.missing
    assert sandbox.journal.envelope_count == 2
    assert sandbox.journal.count("AddCard") == 1
    assert len(sandbox.state.account(sandbox.credentials.username).cards) == 1
    figures.add("faults", {"scenario": "8 re-login refused mid-batch", "outcome": "partial reply"})


def test_a_busy_relogin_mid_batch_does_not_report_a_saved_card_as_not_sent(
    sandbox: Sandbox,
) -> None:
    """The card was saved before the session died: "not sent" would invite a second card."""
    client = logged_in(sandbox, ManualClock())
    sandbox.journal.clear()
    sandbox.faults.status(503, times=10, match="SessionLogin")
    batch = Batch(
        [Request("NoveroUser", "AddCard", "C", card()), Request("NoveroCDR", "GetTotals", "T")]
    )
    with expire_after(sandbox, "AddCard"):
        reply = client.send(batch)
    sandbox.faults.clear()
    added, totals = reply.by_id("C"), reply.by_id("T")
    assert added is not None and added.ok
    assert totals is not None and totals.code == 401  # not carried out: safe to send again
    assert sandbox.journal.count("AddCard") == 1
    assert sandbox.journal.envelope_count == 1 + 4  # the batch, four busy re-logins


def test_a_lost_answer_to_the_resend_marks_only_the_resent_as_unknown(sandbox: Sandbox) -> None:
    client = logged_in(sandbox, ManualClock())
    sandbox.journal.clear()
    sandbox.faults.close_after_effect(match="SessionLogin")
    batch = Batch(
        [Request("NoveroCDR", "GetTotals", "T"), Request("NoveroUser", "AddCard", "C", card())]
    )
    with expire_after(sandbox, "GetTotals"):
        reply = client.send(batch)
    totals, added = reply.by_id("T"), reply.by_id("C")
    assert totals is not None and totals.ok
    assert added is not None and added.missing and not added.ok  # it may have happened
    assert sandbox.journal.count("AddCard") == 1  # it did, once; the client never resent it
    assert sandbox.journal.envelope_count == 2


def test_a_client_without_credentials_never_tries_to_log_in(sandbox: Sandbox) -> None:
    owner = logged_in(sandbox, ManualClock())
    session_id = owner.session_id
    borrower = Client(sandbox.url, clock=ManualClock())  # a session, no credentials
    sandbox.faults.expire_sessions()
    sandbox.journal.clear()
    reply = borrower.send(Batch([Request("NoveroCDR", "GetTotals", "T")], session_id))
    assert reply.responses[0].code == 401
    assert sandbox.journal.envelope_count == 1 and sandbox.journal.logins == 0
