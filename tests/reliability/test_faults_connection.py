"""Connection faults over real loopback HTTP, with the journal as the witness.

Issue 7's scenarios 1, 2, 3 and 5:

1. connection refused, an unresolvable host, a connect timeout: retried with
   backoff (recorded on a ManualClock, never slept), then RequestNotSent;
2. a stale pooled keep-alive connection: a read-only batch succeeds without
   the caller noticing; an unsafe one is never sent twice;
3. a connection reset before the answer, a truncated body: read-only
   batches are retried; a batch with an unsafe operation ends in
   OutcomeUnknown naming its request ids, carried out exactly once;
5. a read timeout, and a slow drip whose every read is within the read
   timeout: the call's total deadline still ends it.

Each test asserts the outcome the caller sees and what the sandbox's journal
recorded: envelopes received and operations carried out.
"""

from __future__ import annotations

import time

import pytest
from reliability_support import (
    LIST,
    Figures,
    Listener,
    add_to_basket,
    free_port,
    logged_in,
    numbers_for_sale,
)

from ttnc_pipeline import (
    Batch,
    Client,
    ManualClock,
    OutcomeUnknown,
    Request,
    RequestNotSent,
    RetryPolicy,
    SystemClock,
)
from ttnc_pipeline.sandbox import Sandbox

BACKOFF = [0.5, 1.0, 2.0]  # RetryPolicy() defaults with a jitter draw of 1.0
PAY = Batch([Request("Order", "PlaceOrder", "Pay", {"TokenId": "1", "CV2": "123"})])


@pytest.mark.parametrize("where", ["connection refused", "unresolvable host", "connect timeout"])
def test_an_unreachable_server_is_retried_with_backoff_then_not_sent(
    where: str, figures: Figures
) -> None:
    clock = ManualClock()
    with Listener() as listener:
        fillers = 0
        if where == "connection refused":
            url = f"http://127.0.0.1:{free_port()}/api/"
        elif where == "unresolvable host":
            url = "http://ttnc-sandbox.invalid/api/"
        else:
            fillers = listener.fill_backlog()
            url = listener.url
        client = Client(
            url,
            "someone@example.com",
            "a-password",
            "a-vkey",
            clock=clock,
            rand=lambda: 1.0,
            transport_options={"connect_timeout": 0.05},
        )
        with pytest.raises(RequestNotSent, match="could not reach") as caught:
            client.send(PAY)  # unsafe, and still retried: nothing left the machine
        # Only the listener's own connections ever completed: the client's never did.
        assert listener.pending() == fillers
    assert not isinstance(caught.value, OutcomeUnknown)
    assert clock.slept == BACKOFF
    figures.add("faults", {"scenario": f"1 {where}", "outcome": "RequestNotSent", "attempts": 4})


def restarted(sandbox: Sandbox) -> None:
    """Stop and start ``sandbox`` on the same port: every pooled connection is now dead."""
    port = sandbox.address[1]
    sandbox.stop()
    sandbox.port = port
    sandbox.start()
    sandbox.journal.clear()


@pytest.mark.parametrize("unsafe", [False, True], ids=["read-only", "unsafe"])
def test_a_stale_pooled_connection_is_replaced_and_the_batch_sent_once(
    unsafe: bool, figures: Figures
) -> None:
    clock = ManualClock()
    with Sandbox() as sandbox:
        client = logged_in(sandbox, clock)
        number = numbers_for_sale(client, 1)[0]
        restarted(sandbox)
        batch = Batch([add_to_basket(number, "Add")]) if unsafe else LIST
        reply = client.send(batch)
        client.close()
    assert reply.ok and reply.attempts == 1
    operation = "AddToBasket" if unsafe else "ListNumbers"
    assert sandbox.journal.envelope_count == 1
    assert sandbox.journal.count(operation, ok=None) == 1
    assert sandbox.journal.connections_opened == 1
    figures.add("faults", {"scenario": f"2 stale pool, {operation}", "outcome": "ok, sent once"})


def test_a_pooled_connection_closed_before_the_answer_retries_only_a_read_only_batch(
    sandbox: Sandbox, figures: Figures
) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    sandbox.faults.close_before_read()
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 2
    assert sandbox.journal.envelope_count == 2
    assert sandbox.journal.count("ListNumbers") == 1
    # The same silence after an unsafe request: the client cannot know that
    # nothing happened, so it says so and does not send it again.
    sandbox.journal.clear()
    sandbox.faults.close_before_read()
    with pytest.raises(OutcomeUnknown) as caught:
        client.send(Batch([add_to_basket(number, "Add")]))
    assert caught.value.request_ids == ("Add",)
    assert sandbox.journal.envelope_count == 1
    assert sandbox.journal.count("AddToBasket", ok=None) == 0
    figures.add("faults", {"scenario": "2 closed before answer", "outcome": "retry / unknown"})


@pytest.mark.parametrize("fault", ["close_after_effect", "truncate"])
def test_a_lost_answer_is_retried_for_a_read_only_batch(
    sandbox: Sandbox, fault: str, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    getattr(sandbox.faults, fault)()
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 2
    assert sandbox.journal.envelope_count == 2
    assert sandbox.journal.count("ListNumbers") == 2  # harmless: it changes nothing
    figures.add("faults", {"scenario": f"3 {fault}, read-only", "outcome": "ok after 2"})


@pytest.mark.parametrize("fault", ["close_after_effect", "truncate"])
def test_a_lost_answer_to_an_unsafe_batch_is_outcome_unknown_and_never_resent(
    sandbox: Sandbox, fault: str, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    getattr(sandbox.faults, fault)()
    batch = Batch([Request("NoveroUser", "GetCards", "Cards"), add_to_basket(number, "Add")])
    with pytest.raises(OutcomeUnknown) as caught:
        client.send(batch)
    assert caught.value.request_ids == ("Cards", "Add")
    assert caught.value.operations == ("NoveroUser/GetCards", "Order/AddToBasket")
    assert "Cards" in str(caught.value) and "Add" in str(caught.value)
    assert sandbox.journal.envelope_count == 1
    assert sandbox.journal.count("AddToBasket") == 1
    basket = client.request("Order", "ViewBasket")
    assert [item["Number"] for item in basket.all("Items/Item")] == [number]
    figures.add("faults", {"scenario": f"3 {fault}, unsafe", "outcome": "OutcomeUnknown, once"})


@pytest.mark.parametrize("fault", ["close_after_effect", "truncate"])
def test_a_lost_answer_to_an_idempotent_batch_is_retried_to_the_same_end_state(
    sandbox: Sandbox, fault: str
) -> None:
    client = logged_in(sandbox, ManualClock())
    number = next(iter(sandbox.state.account(sandbox.credentials.username).numbers))
    getattr(sandbox.faults, fault)()
    route = {"Number": number, "Destination": "07512312312"}
    reply = client.send(Batch([Request("NoveroNumbers", "SetDestination", "Route", route)]))
    assert reply.ok and reply.attempts == 2
    assert sandbox.journal.count("SetDestination") == 2
    assert sandbox.state.account(sandbox.credentials.username).numbers[number] == "07512312312"


def test_a_read_timeout_retries_a_read_only_batch_and_stops_an_unsafe_one(
    sandbox: Sandbox, figures: Figures
) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock, transport_options={"read_timeout": 0.2})
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    sandbox.faults.delay(5.0)
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 2
    assert sandbox.journal.count("ListNumbers") == 2
    sandbox.journal.clear()
    sandbox.faults.delay(5.0)
    with pytest.raises(OutcomeUnknown, match=r"(?i)timed out") as caught:
        client.send(Batch([add_to_basket(number, "Add")]))
    assert caught.value.request_ids == ("Add",)
    assert sandbox.journal.envelope_count == 1
    assert sandbox.journal.count("AddToBasket") == 1
    figures.add("faults", {"scenario": "5 read timeout", "outcome": "retry / unknown"})


def test_the_total_deadline_ends_a_drip_whose_every_read_is_on_time(
    sandbox: Sandbox, figures: Figures
) -> None:
    """One byte every 50 ms, the headers included: no read waits long, the whole never ends.

    The answer would take over 20 s to arrive; each read waits 50 ms, far
    inside the 5 s read timeout. Only the call's 0.3 s deadline can stop it.
    """
    creds = sandbox.credentials
    client = Client(
        sandbox.url,
        creds.username,
        creds.password,
        creds.vkey,
        clock=SystemClock(),
        retry=RetryPolicy(deadline=0.3),
        transport_options={"read_timeout": 5.0},
    )
    assert client.send(LIST).ok
    sandbox.journal.clear()
    fault = sandbox.faults.drip(chunk_size=1, interval=0.05)
    started = time.monotonic()
    with pytest.raises(OutcomeUnknown, match="deadline") as caught:
        client.send(LIST)
    elapsed = time.monotonic() - started
    client.close()
    assert fault.fired == 1
    assert sandbox.journal.envelope_count == 1  # no retry: the deadline has passed
    # The call gave up while the answer was still arriving, not after it ended.
    assert "before the whole answer arrived" in str(caught.value)
    figures.add(
        "faults",
        {"scenario": "5 slow drip", "outcome": f"OutcomeUnknown after {elapsed:.2f} s of 0.3 s"},
    )
