"""The ``Order`` target: a basket per session, and ordering it.

- ``AddToBasket`` (``number`` and ``type``, lowercase as in TTNC's client
  READMEs; ``Number`` and ``Type`` are accepted too). ``type`` must be
  ``number``. Refused with ``400``: a number that is not for sale (unknown,
  already owned by someone) or already in this basket. Adding does not
  reserve: another account may buy the number first.
- ``ViewBasket`` lists the basket: ``Items/Item`` (``Type``, ``Number``,
  ``DisplayNumber``, ``Band``, ``Price``), ``ItemCount`` and ``Total``.
- ``PlaceOrder`` (``TokenId``, ``CV2``: the sandbox bills no account in
  arrears, so both are required) pays with a saved card and moves every
  basket number to the account, unrouted. All or nothing: a ``400`` for an
  unknown card, a CV2 that does not match, an empty basket, or a basket
  number no longer for sale, and then nothing is bought. On success the
  answer is the basket's shape plus ``OrderId``; the basket is emptied.

The basket lives in the session (PROTOCOL.md): a new login starts empty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ttnc_pipeline.sandbox.context import Call
from ttnc_pipeline.sandbox.conventions import bad_request
from ttnc_pipeline.sandbox.sessions import BasketItem
from ttnc_pipeline.sandbox.stock import BANDS, format_number, pounds

__all__ = ["add_to_basket", "place_order", "view_basket"]

_ITEM_TYPES = ("number",)


def _contents(items: Sequence[BasketItem]) -> dict[str, Any]:
    return {
        "Items": {
            "Item": [
                {
                    "Type": item.type,
                    "Number": item.number,
                    "DisplayNumber": format_number(item.number),
                    "Band": item.band,
                    "Price": BANDS[item.band].price_text,
                }
                for item in items
            ]
        },
        "ItemCount": str(len(items)),
        "Total": pounds(sum(BANDS[item.band].price for item in items)),
    }


def add_to_basket(call: Call) -> Mapping[str, Any]:
    """Put one number that is for sale into the session's basket."""
    number = call.required("number", "Number").replace(" ", "")
    item_type = call.required("type", "Type").lower()
    if item_type not in _ITEM_TYPES:
        raise bad_request(f"parameter type must be one of: {', '.join(_ITEM_TYPES)}")
    band = call.state.stock.band_of(number)
    if band is None:
        raise bad_request(f"number {number} is not available")
    if any(item.number == number for item in call.session.basket):
        raise bad_request(f"number {number} is already in your basket")
    call.session.basket.append(BasketItem(number, item_type, band))
    return {}


def view_basket(call: Call) -> Mapping[str, Any]:
    """The session's basket."""
    return _contents(call.session.basket)


def place_order(call: Call) -> Mapping[str, Any]:
    """Pay for the basket with a saved card and take its numbers (all or nothing)."""
    token = call.digits("TokenId", low=1, high=12)
    cv2 = call.digits("CV2", low=3, high=4)
    card = call.account.cards.get(int(token))
    if card is None:
        raise bad_request(f"unknown card: no card with TokenId {token} on your account")
    if not card.cv2_matches(cv2):
        raise bad_request("CV2 does not match the card")
    basket = list(call.session.basket)
    if not basket:
        raise bad_request("your basket is empty")
    for item in basket:
        if call.state.stock.band_of(item.number) is None:
            raise bad_request(f"number {item.number} is no longer available")
    for item in basket:
        call.state.stock.take(item.number)
        call.account.numbers[item.number] = ""
    call.account.changed()
    call.session.basket.clear()
    return {"OrderId": str(call.state.new_order_id()), **_contents(basket)}
