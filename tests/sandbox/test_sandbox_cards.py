"""NoveroUser: AddCard validates every parameter; GetCards never shows the card or CV2."""

from __future__ import annotations

import pytest
from sandbox_wire import TEST_CARD, Wire, request

from ttnc_pipeline.sandbox import Sandbox


def test_add_card_returns_a_token_and_get_cards_lists_it_masked(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    (added,) = wire.call(request("NoveroUser/AddCard", **TEST_CARD), session_id=session)
    assert added.ok
    token = added["TokenId"]
    assert token.isdigit()
    answer = wire.post(
        # Raw bytes: the card number and CV2 must not be anywhere in them.
        b'<?xml version="1.0"?><NoveroRequest><SessionId>'
        + session.encode()
        + b'</SessionId><Request target="NoveroUser" name="GetCards" id="C"/></NoveroRequest>'
    )
    assert answer.status == 200
    assert b"4111111111111111" not in answer.body
    assert b"<CV2>" not in answer.body
    (cards,) = answer.reply()
    (card,) = cards.all("Cards/Card")
    assert card["TokenId"] == token
    assert card["MaskedNumber"] == "************1111"
    assert (card["Type"], card["CardName"]) == ("VISA", "A N Other")
    assert (card["ExpiryMonth"], card["ExpiryYear"]) == ("05", "30")
    stored = sandbox.state.account(sandbox.credentials.username).cards[int(token)]
    assert "4111111111111111" not in repr(stored)


def test_adding_a_card_twice_saves_it_twice(wire: Wire, session: str) -> None:
    tokens = {
        wire.call(request("NoveroUser/AddCard", **TEST_CARD), session_id=session)[0]["TokenId"]
        for _ in range(2)
    }
    assert len(tokens) == 2
    (cards,) = wire.call(request("NoveroUser/GetCards"), session_id=session)
    assert len(cards.all("Cards/Card")) == 2


def test_get_cards_with_no_cards_is_an_empty_list(wire: Wire, session: str) -> None:
    (cards,) = wire.call(request("NoveroUser/GetCards"), session_id=session)
    assert cards.ok
    assert cards.all("Cards/Card") == []


@pytest.mark.parametrize("field", list(TEST_CARD))
def test_every_required_field_is_checked(wire: Wire, session: str, field: str) -> None:
    params = {k: v for k, v in TEST_CARD.items() if k != field}
    (response,) = wire.call(request("NoveroUser/AddCard", **params), session_id=session)
    assert response.code == 400
    assert f"missing required parameter {field}" == response.message


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("CardNumber", "4111111111111112", "Luhn"),
        ("CardNumber", "41111", "12 to 19 digits"),
        ("ExpiryMonth", "13", "month from 01 to 12"),
        ("ExpiryYear", "2030", "2 digits"),
        ("CV2", "12", "3 to 4 digits"),
        ("Type", "DINERS", "Type must be one of"),
        ("Country", "GBR", "two-letter"),
        ("IssueNumber", "123", "IssueNumber"),
    ],
)
def test_malformed_fields_are_400(
    wire: Wire, session: str, field: str, value: str, fragment: str
) -> None:
    params = {**TEST_CARD, field: value}
    (response,) = wire.call(request("NoveroUser/AddCard", **params), session_id=session)
    assert response.code == 400
    assert fragment in (response.message or "")


def test_switch_cards_need_a_start_date(wire: Wire, session: str) -> None:
    switch = {**TEST_CARD, "Type": "SWITCH"}
    (missing,) = wire.call(request("NoveroUser/AddCard", **switch), session_id=session)
    assert (missing.code, missing.message) == (400, "missing required parameter StartMonth")
    (no_year,) = wire.call(
        request("NoveroUser/AddCard", **switch, StartMonth="01"), session_id=session
    )
    assert (no_year.code, no_year.message) == (400, "missing required parameter StartYear")
    (ok,) = wire.call(
        request("NoveroUser/AddCard", **switch, StartMonth="01", StartYear="20", IssueNumber="2"),
        session_id=session,
    )
    assert ok.ok, ok.message
