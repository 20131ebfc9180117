"""Logins and sessions: who a batch runs as, and when a session stops working."""

from __future__ import annotations

import re

import pytest
from sandbox_wire import Wire, login_request, request

from ttnc_pipeline.clock import ManualClock
from ttnc_pipeline.sandbox import Credentials, Sandbox


def _mentions_login(message: str | None) -> bool:
    text = (message or "").lower()
    return "session" in text or "log in" in text or "auth" in text


def test_login_issues_a_32_hex_session_id_echoing_target_name_and_id(
    wire: Wire, sandbox: Sandbox
) -> None:
    reply = wire.call(login_request(sandbox.credentials, "SessionRequest"))
    (response,) = reply
    assert (response.target, response.name, response.code, response.request_id) == (
        "Auth",
        "SessionLogin",
        200,
        "SessionRequest",
    )
    assert re.fullmatch(r"[0-9a-f]{32}", response["SessionId"])


def test_each_login_gets_a_new_session_id(wire: Wire, sandbox: Sandbox) -> None:
    assert wire.login(sandbox.credentials) != wire.login(sandbox.credentials)


def test_session_ids_repeat_for_the_same_seed_and_differ_between_seeds() -> None:
    def first_session(seed: int) -> str:
        with Sandbox(seed=seed) as box:
            wire = Wire(box.url)
            try:
                return wire.login(box.credentials)
            finally:
                wire.close()

    assert first_session(3) == first_session(3)
    assert first_session(3) != first_session(4)


@pytest.mark.parametrize("field", ["Username", "Password", "VKey"])
def test_a_wrong_credential_is_401_and_refuses_the_rest_of_the_batch(
    wire: Wire, sandbox: Sandbox, field: str
) -> None:
    good = login_request(sandbox.credentials)
    bad = good.with_params(**{field: "wrong"})
    reply = wire.call(bad, request("NoveroNumbers/ListNumbers", "R2"))
    assert [r.code for r in reply] == [401, 401]
    assert all(_mentions_login(r.message) for r in reply)
    assert "SessionId" not in reply[0]
    assert sandbox.journal.logins == 0


def test_a_missing_login_value_is_400_and_refuses_the_rest(wire: Wire, sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    login = request("Auth/SessionLogin", "S", Username=creds.username, Password=creds.password)
    reply = wire.call(login, request("NoveroNumbers/ListNumbers", "R2"))
    assert [r.code for r in reply] == [400, 401]
    assert "VKey" in (reply[0].message or "")


def test_login_earlier_in_the_batch_authenticates_the_rest(wire: Wire, sandbox: Sandbox) -> None:
    reply = wire.call(login_request(sandbox.credentials), request("NoveroNumbers/ListNumbers"))
    assert [r.code for r in reply] == [200, 200]
    assert len(reply[1].all("Numbers/Number")) == 3


def test_a_login_in_the_middle_of_a_batch_makes_the_rest_run_as_its_account(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    sandbox.add_account("second", "pw2", "vk2")
    (owned,) = sandbox.grant_numbers("second", 1)
    reply = wire.call(
        request("NoveroNumbers/ListNumbers", "A"),
        login_request(Credentials("second", "pw2", "vk2"), "S"),
        request("NoveroNumbers/ListNumbers", "B"),
        session_id=session,
    )
    assert [r.code for r in reply] == [200, 200, 200]
    first = {number["RawNumber"] for number in reply[0].all("Numbers/Number")}
    second = {number["RawNumber"] for number in reply[2].all("Numbers/Number")}
    assert second == {owned}
    assert owned not in first and len(first) == 3
    assert [op.username for op in sandbox.journal.operations()[-3:]] == [
        sandbox.credentials.username,
        "second",
        "second",
    ]


def test_a_request_before_the_login_in_the_same_batch_is_refused(
    wire: Wire, sandbox: Sandbox
) -> None:
    reply = wire.call(request("NoveroNumbers/ListNumbers"), login_request(sandbox.credentials))
    assert [r.code for r in reply] == [401, 200]


def test_a_session_id_first_in_the_envelope_authenticates_the_batch(
    wire: Wire, session: str
) -> None:
    reply = wire.call(
        request("NoveroNumbers/ListNumbers", "A"),
        request("Order/ViewBasket", "B"),
        session_id=session,
    )
    assert [r.code for r in reply] == [200, 200]


def test_no_session_at_all_is_401_mentioning_login(wire: Wire, sandbox: Sandbox) -> None:
    (response,) = wire.call(request("NoveroNumbers/ListNumbers"))
    assert response.code == 401
    assert _mentions_login(response.message)
    assert sandbox.journal.count("ListNumbers", ok=False) == 1
    assert sandbox.journal.count("ListNumbers") == 0


def test_an_unknown_session_id_is_401_unknown(wire: Wire) -> None:
    (response,) = wire.call(request("Order/ViewBasket"), session_id="0" * 32)
    assert response.code == 401
    assert "unknown session" in (response.message or "")


def test_a_session_lives_its_lifetime_on_the_injected_clock_absolutely(
    wire: Wire, session: str, clock: ManualClock
) -> None:
    for _ in range(3):  # using the session does not extend it
        clock.advance(599.0)
        (response,) = wire.call(request("Order/ViewBasket"), session_id=session)
        assert response.code == 200
    clock.advance(3.0)  # 1800 s after login
    (response,) = wire.call(request("Order/ViewBasket"), session_id=session)
    assert response.code == 401
    assert "session expired" in (response.message or "")


def test_session_lifetime_is_configurable(clock: ManualClock) -> None:
    with Sandbox(clock=clock, session_lifetime=10.0) as box:
        wire = Wire(box.url)
        session = wire.login(box.credentials)
        clock.advance(9.9)
        assert wire.call(request("Order/ViewBasket"), session_id=session)[0].code == 200
        clock.advance(0.1)
        assert wire.call(request("Order/ViewBasket"), session_id=session)[0].code == 401
        wire.close()


def test_a_fresh_login_after_expiry_works_and_starts_an_empty_basket(
    wire: Wire, sandbox: Sandbox, session: str, clock: ManualClock
) -> None:
    clock.advance(1800.0)
    assert wire.call(request("Order/ViewBasket"), session_id=session)[0].code == 401
    new_session = wire.login(sandbox.credentials)
    (response,) = wire.call(request("Order/ViewBasket"), session_id=new_session)
    assert response.code == 200
    assert response["ItemCount"] == "0"


def test_expire_sessions_expires_every_session_now(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    other = wire.login(sandbox.credentials)
    assert sandbox.faults.expire_sessions() == 2
    for session_id in (session, other):
        (response,) = wire.call(request("Order/ViewBasket"), session_id=session_id)
        assert response.code == 401
        assert "expired" in (response.message or "")


def test_other_accounts_log_in_with_their_own_credentials(wire: Wire, sandbox: Sandbox) -> None:
    sandbox.add_account("alice", "alice-password", "alicevkey")
    creds = Credentials("alice", "alice-password", "alicevkey")
    session = wire.login(creds)
    (response,) = wire.call(request("NoveroNumbers/ListNumbers"), session_id=session)
    assert response.all("Numbers/Number") == []
    with pytest.raises(ValueError, match="already exists"):
        sandbox.add_account("alice", "x", "y")


def test_credentials_repr_masks_every_value(sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    shown = repr(creds) + repr(sandbox) + repr(sandbox.state.account(creds.username))
    for secret in (creds.username, creds.password, creds.vkey):
        assert secret not in shown
