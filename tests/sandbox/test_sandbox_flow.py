"""The whole purchase flow a user runs against TTNC, over real HTTP, POST by POST."""

from __future__ import annotations

from sandbox_wire import TEST_CARD, Wire, login_request, request

from ttnc_pipeline.sandbox import Sandbox


def test_login_search_basket_card_order_route_list_and_totals(wire: Wire, sandbox: Sandbox) -> None:
    # 1. Log in and search in one POST, as TTNC's example does.
    login, search = wire.call(
        login_request(sandbox.credentials),
        request("NoveroNumberSearch/Search", "Request1", Range="0161", Band="00", Limit="1"),
    )
    assert login.ok and search.ok
    session = login["SessionId"]
    (found,) = search.all("Numbers/Number")
    number = found["RawNumber"]

    # 2. Add it to the basket under the session, in a second POST.
    (added,) = wire.call(
        request("Order/AddToBasket", "Add1", number=number, type="number"), session_id=session
    )
    assert added.ok

    # 3. Save a card, 4. view the basket and order it, in a third POST.
    card, basket, order = wire.call(
        request("NoveroUser/AddCard", "Card1", **TEST_CARD),
        request("Order/ViewBasket", "View1"),
        request("Order/PlaceOrder", "Order1", TokenId="12883", CV2="123"),
        session_id=session,
    )
    assert card["TokenId"] == "12883"  # the first TokenId, as in TTNC's example
    assert [item["Number"] for item in basket.all("Items/Item")] == [number]
    assert order.ok, order.message

    # 5. Route the new number, 6. list numbers, 7. ask for its totals.
    routed, listing, config, totals = wire.call(
        request("NoveroNumbers/SetDestination", "Set1", Number=number, Destination="07512312312"),
        request("NoveroNumbers/ListNumbers", "List1"),
        request("NoveroNumbers/GetNumberConfig", "Config1", Number=number),
        request("NoveroCDR/GetTotals", "Totals1", Number=number, Period="week"),
        session_id=session,
    )
    assert routed.ok
    listed = {n["RawNumber"]: n["Destination"] for n in listing.all("Numbers/Number")}
    assert listed[number] == "07512312312"
    assert len(listed) == 4
    assert config.first("Rules/Rule/Destination") == "07512312312"
    assert (totals.ok, totals["Number"], totals["Period"]) == (True, number, "week")

    # The journal saw exactly one of each effect.
    journal = sandbox.journal
    for name in ("SessionLogin", "AddToBasket", "AddCard", "PlaceOrder", "SetDestination"):
        assert journal.count(name) == 1, name
    assert journal.operations(ok=False) == []
    assert journal.envelope_count == 4
    assert [r.request_id for r in journal.operations()] == [
        "SessionRequest",
        "Request1",
        "Add1",
        "Card1",
        "View1",
        "Order1",
        "Set1",
        "List1",
        "Config1",
        "Totals1",
    ]
