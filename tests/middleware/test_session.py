"""Session reuse and renewal, over real HTTP to the sandbox."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

import attrs
import pytest

from ttnc_pipeline import (
    AuthenticationError,
    Batch,
    Client,
    FileSessionStore,
    InMemorySessionStore,
    ManualClock,
    Reply,
    Request,
    RequestNotSent,
    Response,
)
from ttnc_pipeline.core import HTTPRequest, HTTPResponse
from ttnc_pipeline.middleware import SessionMiddleware
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.transports import Urllib3Transport


def client_for(sandbox: Sandbox, **options: object) -> Client:
    creds = sandbox.credentials
    return Client(sandbox.url, creds.username, creds.password, creds.vkey, **options)  # type: ignore[arg-type]


LIST = Batch([Request("NoveroNumbers", "ListNumbers", "List")])


def test_one_login_serves_many_calls(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        for _ in range(5):
            assert client.send(LIST).ok
        assert client.session_id is not None
    assert sandbox.journal.logins == 1
    assert sandbox.journal.envelope_count == 5


def test_a_session_past_its_lifetime_is_renewed_before_sending(sandbox: Sandbox) -> None:
    clock = ManualClock()
    with client_for(sandbox, clock=clock) as client:
        assert client.send(LIST).ok
        first = client.session_id
        clock.advance(30 * 60 - 59)  # inside the 60 s margin
        assert client.session_id is None
        reply = client.send(LIST)
    assert reply.ok
    assert sandbox.journal.logins == 2
    assert client.session_id != first
    # renewed proactively: no request was refused on the way
    assert sandbox.journal.count("ListNumbers", ok=False) == 0


def test_the_session_lifetime_is_configurable(sandbox: Sandbox) -> None:
    clock = ManualClock()
    with client_for(sandbox, clock=clock, session_lifetime=300.0) as client:
        assert client.send(LIST).ok
        clock.advance(239)
        assert client.session_id is not None
        clock.advance(1)  # 300 s less the 60 s margin
        assert client.session_id is None
        assert client.send(LIST).ok
    assert sandbox.journal.logins == 2


def test_server_side_expiry_relogs_once_and_resends_only_the_refused(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        assert client.send(LIST).ok
        sandbox.faults.expire_sessions()
        batch = Batch(
            [Request("NoveroNumbers", "ListNumbers", "A"), Request("NoveroCDR", "GetTotals", "B")]
        )
        reply = client.send(batch)
    assert [r.request_id for r in reply if r.request_id != "SessionRequest"] == ["A", "B"]
    assert all(r.ok for r in reply)
    assert sandbox.journal.logins == 2
    assert sandbox.journal.count("ListNumbers") == 2  # the first call, then the resend
    assert sandbox.journal.count("ListNumbers", ok=False) == 1


def test_sixteen_threads_on_an_expired_session_cause_one_login(sandbox: Sandbox) -> None:
    client = client_for(sandbox)
    assert client.send(LIST).ok
    sandbox.faults.expire_sessions()
    barrier = threading.Barrier(16)
    replies: list[Reply] = []
    errors: list[BaseException] = []

    def worker(index: int) -> None:
        barrier.wait()
        try:
            replies.append(client.send(Batch([Request("NoveroCDR", "GetTotals", f"T{index}")])))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert errors == []
    assert len(replies) == 16 and all(reply.ok for reply in replies)
    assert sandbox.journal.logins == 2
    assert sandbox.journal.count("GetTotals") == 16


def test_a_refused_relogin_raises_and_does_not_loop(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        assert client.send(LIST).ok
        sandbox.faults.expire_sessions()
        account = sandbox.state.account(sandbox.credentials.username)
        account.credentials = attrs.evolve(account.credentials, password="changed-elsewhere")
        with pytest.raises(AuthenticationError) as caught:
            client.send(LIST)
    assert caught.value.code == 401
    envelopes = sandbox.journal.envelope_count
    assert envelopes == 3  # first call, the refused call, one re-login


def partial(batch: Batch) -> Reply:
    """Refuse the first request as unauthorised, answer the rest."""
    responses = []
    for index, request in enumerate(batch.requests):
        if request.id == "SessionRequest":
            responses.append(
                Response.build("Auth", "SessionLogin", 200, request.id, {"SessionId": "new"})
            )
        elif index == 0 and batch.session_id == "old":
            responses.append(
                Response.build(
                    request.target, request.name, 401, request.id, message="Session expired"
                )
            )
        else:
            responses.append(
                Response.build(
                    request.target,
                    request.name,
                    200,
                    request.id,
                    {"Sent": batch.session_id or "login"},
                )
            )
    return Reply(responses)


def test_only_the_requests_refused_for_auth_are_resent() -> None:
    store = InMemorySessionStore()
    clock = ManualClock()
    middleware = SessionMiddleware("k", store, clock=clock)
    from ttnc_pipeline.sessions import StoredSession

    store.put("k", StoredSession("old", clock.time()))
    sent: list[Batch] = []

    def call_next(batch: Batch) -> Reply:
        sent.append(batch)
        if batch.session_id is None:
            batch = batch.with_requests(
                (Request("Auth", "SessionLogin", "SessionRequest"), *batch.requests)
            )
        return partial(batch)

    batch = Batch([Request("A", "One", "R1"), Request("A", "Two", "R2")])
    reply = middleware(batch, call_next)
    assert [b.ids for b in sent] == [("R1", "R2"), ("R1",)]
    answers = {r.request_id: r for r in reply}
    assert answers["R1"].ok and answers["R1"]["Sent"] == "login"
    assert answers["R2"]["Sent"] == "old"
    assert store.get("k").session_id == "new"  # type: ignore[union-attr]


def test_file_store_shares_a_session_between_clients(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    with client_for(sandbox, session_store=FileSessionStore(path)) as first:
        assert first.send(LIST).ok
    with client_for(sandbox, session_store=FileSessionStore(path)) as second:
        assert second.send(LIST).ok
    assert sandbox.journal.logins == 1
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = path.read_text()
    assert sandbox.credentials.username not in text
    assert sandbox.credentials.password not in text
    assert len(json.loads(text)) == 1


def test_a_corrupt_store_file_costs_only_a_fresh_login(sandbox: Sandbox, tmp_path: Path) -> None:
    path = tmp_path / "sessions.json"
    path.write_text("{not json")
    with client_for(sandbox, session_store=FileSessionStore(path)) as client:
        assert client.send(LIST).ok
    assert sandbox.journal.logins == 1
    assert json.loads(path.read_text())


class HeldTransport:
    """Holds the first POST until released: a login that takes as long as the test wants."""

    def __init__(self, inner: Urllib3Transport) -> None:
        self.inner = inner
        self.started = threading.Event()
        self.release = threading.Event()

    def send(self, request: HTTPRequest) -> HTTPResponse:
        if not self.started.is_set():
            self.started.set()
            assert self.release.wait(30)
        return self.inner.send(request)

    def close(self) -> None:
        self.inner.close()


def test_waiting_for_another_threads_login_respects_the_call_deadline(sandbox: Sandbox) -> None:
    held = HeldTransport(Urllib3Transport(sandbox.url))
    client = client_for(sandbox, transport=held)
    first: list[Reply] = []
    thread = threading.Thread(target=lambda: first.append(client.send(LIST)))
    thread.start()
    assert held.started.wait(30)  # the first call holds the login
    try:
        with pytest.raises(RequestNotSent, match="another thread was logging in"):
            client.send(LIST, timeout=0.2)
    finally:
        held.release.set()
        thread.join(30)
    assert first and first[0].ok
    assert sandbox.journal.logins == 1
    client.close()
