"""The Order target: a basket per session, and PlaceOrder moving numbers to the account."""

from __future__ import annotations

import pytest
from sandbox_wire import TEST_CARD, Wire, request

from ttnc_pipeline.core import Response
from ttnc_pipeline.sandbox import Sandbox


def _for_sale(wire: Wire, session: str, count: int = 2, area: str = "01245") -> list[str]:
    (response,) = wire.call(
        request("NoveroNumberSearch/Search", Range=area, Band="00", Limit=str(count)),
        session_id=session,
    )
    return [n["RawNumber"] for n in response.all("Numbers/Number")]


def _add(wire: Wire, session: str, number: str, **extra: str) -> Response:
    params = {"number": number, "type": "number", **extra}
    (response,) = wire.call(request("Order/AddToBasket", "Add", **params), session_id=session)
    return response


def _card(wire: Wire, session: str) -> str:
    (response,) = wire.call(request("NoveroUser/AddCard", **TEST_CARD), session_id=session)
    assert response.ok, response.message
    token = response["TokenId"]
    assert isinstance(token, str)
    return token


def test_add_to_basket_then_view_basket(wire: Wire, session: str) -> None:
    first, second = _for_sale(wire, session)
    assert _add(wire, session, first).code == 200
    (added,) = wire.call(
        request("Order/AddToBasket", Number=second, Type="number"), session_id=session
    )  # the PascalCase spelling is accepted too
    assert added.ok
    (basket,) = wire.call(request("Order/ViewBasket"), session_id=session)
    items = basket.all("Items/Item")
    assert [item["Number"] for item in items] == [first, second]
    assert items[0]["Type"] == "number"
    assert items[0]["DisplayNumber"] == f"{first[:5]} {first[5:8]} {first[8:]}"
    assert items[0]["Price"] == "£10"
    assert basket["ItemCount"] == "2"
    assert basket["Total"] == "£20"


def test_the_basket_belongs_to_the_session(wire: Wire, sandbox: Sandbox, session: str) -> None:
    (number,) = _for_sale(wire, session, 1)
    assert _add(wire, session, number).ok
    other = wire.login(sandbox.credentials)
    (basket,) = wire.call(request("Order/ViewBasket"), session_id=other)
    assert basket.all("Items/Item") == []


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"type": "number"}, "missing required parameter number"),
        ({"number": "01245000000"}, "missing required parameter type"),
        ({"number": "01245000000", "type": "number"}, "not available"),
        ({"number": "02080000000", "type": "number"}, "not available"),  # owned by demo
        ({"number": "01245000000", "type": "domain"}, "type must be one of"),
    ],
)
def test_add_to_basket_refusals_are_400(
    wire: Wire, session: str, params: dict[str, str], fragment: str
) -> None:
    (response,) = wire.call(request("Order/AddToBasket", **params), session_id=session)
    assert response.code == 400
    assert fragment in (response.message or "")


def test_adding_the_same_number_twice_is_400(wire: Wire, sandbox: Sandbox, session: str) -> None:
    (number,) = _for_sale(wire, session, 1)
    assert _add(wire, session, number).ok
    again = _add(wire, session, number)
    assert again.code == 400
    assert "already in your basket" in (again.message or "")
    assert sandbox.journal.count("AddToBasket") == 1
    assert sandbox.journal.count("AddToBasket", ok=False) == 1


def test_place_order_moves_the_basket_to_the_account(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    numbers = _for_sale(wire, session, 2, area="0113")
    for number in numbers:
        assert _add(wire, session, number).ok
    token = _card(wire, session)
    (order,) = wire.call(request("Order/PlaceOrder", TokenId=token, CV2="123"), session_id=session)
    assert order.ok, order.message
    assert order["OrderId"].isdigit()
    assert [item["Number"] for item in order.all("Items/Item")] == numbers
    assert order["Total"] == "£20"

    owned = sandbox.state.account(sandbox.credentials.username).numbers
    assert all(owned[number] == "" for number in numbers)
    (basket,) = wire.call(request("Order/ViewBasket"), session_id=session)
    assert basket["ItemCount"] == "0"
    # Bought numbers leave the stock: searching again does not offer them.
    assert not set(numbers) & set(_for_sale(wire, session, 50, area="0113"))


def test_place_order_refusals_are_400_and_buy_nothing(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    owned_before = dict(sandbox.state.account(sandbox.credentials.username).numbers)
    token = _card(wire, session)

    def order(**params: str) -> Response:
        (response,) = wire.call(request("Order/PlaceOrder", **params), session_id=session)
        return response

    empty = order(TokenId=token, CV2="123")
    assert (empty.code, "basket is empty" in (empty.message or "")) == (400, True)
    (number,) = _for_sale(wire, session, 1)
    assert _add(wire, session, number).ok
    for params, fragment in [
        ({"TokenId": "99999", "CV2": "123"}, "unknown card"),
        ({"TokenId": token, "CV2": "999"}, "CV2 does not match"),
        ({"TokenId": token}, "missing required parameter CV2"),
        ({"CV2": "123"}, "missing required parameter TokenId"),
        ({"TokenId": "twelve", "CV2": "123"}, "TokenId must be"),
    ]:
        refused = order(**params)
        assert refused.code == 400, params
        assert fragment in (refused.message or ""), (params, refused.message)
    assert sandbox.state.account(sandbox.credentials.username).numbers == owned_before


def test_an_order_fails_whole_when_another_account_bought_a_number_first(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    first, second = _for_sale(wire, session, 2)
    sandbox.add_account("rival", "rival-pass", "rivalkey")
    rival = wire.call(
        request("Auth/SessionLogin", "S", Username="rival", Password="rival-pass", VKey="rivalkey")
    )[0]["SessionId"]
    for number in (first, second):
        assert _add(wire, session, number).ok
    assert _add(wire, rival, second).ok
    rival_token = _card(wire, rival)
    (bought,) = wire.call(
        request("Order/PlaceOrder", TokenId=rival_token, CV2="123"), session_id=rival
    )
    assert bought.ok
    (late,) = wire.call(
        request("Order/PlaceOrder", TokenId=_card(wire, session), CV2="123"), session_id=session
    )
    assert late.code == 400
    assert f"number {second} is no longer available" in (late.message or "")
    assert first not in sandbox.state.account(sandbox.credentials.username).numbers
    assert second in sandbox.state.account("rival").numbers
