"""Sixteen threads on one sandbox: every answer comes back whole, in order, to its sender."""

from __future__ import annotations

import threading
from typing import Any

from sandbox_wire import Wire, login_request, request

from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch
from ttnc_pipeline.sandbox import Journal, Sandbox

THREADS = 16
ROUNDS = 15


def test_sixteen_threads_get_their_own_answers(sandbox: Sandbox) -> None:
    username = sandbox.credentials.username
    numbers = sandbox.grant_numbers(username, THREADS)
    start = threading.Barrier(THREADS)
    failures: list[str] = []

    def worker(index: int) -> None:
        mine = numbers[index]
        wire = Wire(sandbox.url)
        try:
            start.wait(timeout=10)
            session = wire.login(sandbox.credentials)
            for round_ in range(ROUNDS):
                tag = f"T{index}-{round_}"
                destination = f"0751{index:03d}{round_:04d}"
                limit = str(1 + (index + round_) % 7)
                reply = wire.call(
                    request(
                        "NoveroNumbers/SetDestination",
                        f"{tag}-set",
                        Number=mine,
                        Destination=destination,
                    ),
                    request("NoveroNumbers/GetNumberConfig", f"{tag}-get", Number=mine),
                    request("NoveroNumberSearch/Search", f"{tag}-find", Range="0121", Limit=limit),
                    session_id=session,
                )
                ids = [response.request_id for response in reply]
                if ids != [f"{tag}-set", f"{tag}-get", f"{tag}-find"]:
                    failures.append(f"{tag}: ids {ids}")
                    continue
                if not reply.ok:
                    failures.append(f"{tag}: {[r.message for r in reply if not r.ok]}")
                    continue
                if reply[1].first("Rules/Rule/Destination") != destination:
                    failures.append(f"{tag}: crossed destination")
                if len(reply[2].all("Numbers/Number")) != int(limit):
                    failures.append(f"{tag}: crossed search")
        except Exception as exc:  # reported below, with the thread's name
            failures.append(f"T{index}: {exc!r}")
        finally:
            wire.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert failures == []

    journal = sandbox.journal
    assert journal.count("SetDestination") == THREADS * ROUNDS
    assert journal.count("GetNumberConfig") == THREADS * ROUNDS
    assert journal.logins == THREADS
    assert journal.envelope_count == THREADS * (ROUNDS + 1)
    assert journal.connections_opened == THREADS
    account = sandbox.state.account(username)
    for index, number in enumerate(numbers):
        assert account.numbers[number] == f"0751{index:03d}{ROUNDS - 1:04d}"


def test_one_login_is_shared_safely_between_threads(sandbox: Sandbox) -> None:
    wire = Wire(sandbox.url)
    (login,) = wire.call(login_request(sandbox.credentials))
    session = login["SessionId"]
    wire.close()
    seen: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        mine = Wire(sandbox.url)
        try:
            for _ in range(10):
                (basket,) = mine.call(request("Order/ViewBasket"), session_id=session)
                with lock:
                    seen.append(basket.code)
        finally:
            mine.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert seen == [200] * 80


def test_the_state_lock_is_held_as_each_request_of_a_batch_is_recorded(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    # The batch holds it from its first request to its last; this checks the
    # points between requests that a hook can reach (after each record).
    journal, lock = sandbox.journal, sandbox.state.lock
    record = journal.add_operation
    free: list[bool] = []

    def probe() -> None:  # from another thread: could a concurrent batch get in now?
        taken = lock.acquire(blocking=False)
        if taken:
            lock.release()
        free.append(taken)

    def add_operation(*fields: Any) -> None:  # runs between the batch's requests
        record(*fields)
        other = threading.Thread(target=probe)
        other.start()
        other.join(timeout=10)

    journal.add_operation = add_operation  # type: ignore[method-assign]
    try:
        reply = wire.call(
            request("Order/ViewBasket", "A"), request("Order/ViewBasket", "B"), session_id=session
        )
    finally:
        del journal.add_operation
    assert reply.ok
    probe()
    assert free == [False, False, True]


def test_a_wait_for_predicate_may_read_the_state_while_a_batch_runs() -> None:
    # A waiter holds the journal's lock while its predicate runs; a predicate
    # reading the state then waits for the batch's state lock. The batch must
    # not need the journal's lock before it ends, or neither would move.
    # A sandbox never started: were they stuck, nothing would wait for them.
    sandbox = Sandbox(seed=7)
    login = encode_batch(Batch((login_request(sandbox.credentials),)))
    session = decode_reply(sandbox.handle(login).body)[0]["SessionId"]
    journal, state = sandbox.journal, sandbox.state
    username = sandbox.credentials.username
    record = journal.add_operation
    in_predicate = threading.Event()
    results: list[bool] = []
    waiters: list[threading.Thread] = []

    def predicate(j: Journal) -> bool:
        if not in_predicate.is_set():
            in_predicate.set()  # the waiter holds the journal's lock from here
        with state.lock:
            return len(state.account(username).numbers) > 0 and j.count("ViewBasket") == 2

    def add_operation(*fields: Any) -> None:
        record(*fields)
        if not results and not in_predicate.is_set():  # after the first request only
            waiter = threading.Thread(target=lambda: results.append(journal.wait_for(predicate)))
            waiter.daemon = True
            waiters.append(waiter)
            waiter.start()
            assert in_predicate.wait(timeout=10)

    journal.add_operation = add_operation  # type: ignore[method-assign]
    body = encode_batch(
        Batch((request("Order/ViewBasket", "A"), request("Order/ViewBasket", "B")), session)
    )
    replies: list[bool] = []
    sender = threading.Thread(  # in process: a deadlock would hold no server thread
        target=lambda: replies.append(decode_reply(sandbox.handle(body).body).ok), daemon=True
    )
    try:
        sender.start()
        sender.join(timeout=20)
        assert not sender.is_alive(), "the batch and the waiter deadlocked"
    finally:
        del journal.add_operation
    assert replies == [True]
    waiters[0].join(timeout=10)
    assert results == [True]
