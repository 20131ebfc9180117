"""The ``NoveroUser`` target: saving payment cards and listing them masked.

- ``AddCard`` checks every documented parameter and answers ``TokenId``.
  ``400`` for a missing or malformed one: ``CardNumber`` must be 12 to 19
  digits passing the Luhn check (``4111111111111111`` does), ``ExpiryMonth``
  ``01``-``12``, ``ExpiryYear`` two digits, ``CV2`` 3 or 4 digits, ``Type``
  one of TTNC's codes, ``Country`` two letters; ``StartMonth`` and
  ``StartYear`` are required when ``Type`` is ``SWITCH``. Adding the same
  card twice saves it twice (an unsafe operation, as TTNC classes it).
- ``GetCards`` answers ``Cards/Card`` with ``TokenId``, ``CardName``,
  ``Type``, ``MaskedNumber`` (``************1111``), ``ExpiryMonth`` and
  ``ExpiryYear``. The card number and CV2 are never answered: the sandbox
  does not even keep them (see :class:`~ttnc_pipeline.sandbox.accounts.Card`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ttnc_pipeline.sandbox.accounts import Card, cv2_digest
from ttnc_pipeline.sandbox.context import Call
from ttnc_pipeline.sandbox.conventions import bad_request

__all__ = ["CARD_TYPES", "add_card", "get_cards", "luhn_ok"]

CARD_TYPES = ("VISA", "DELTA", "UKE", "MC", "SOLO", "SWITCH", "AMEX")
"""TTNC's card type codes."""


def luhn_ok(digits: str) -> bool:
    """Tell whether a digit string passes the Luhn checksum card numbers carry."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 1:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _month(call: Call, name: str) -> str:
    month = call.digits(name, low=2, high=2)
    if not 1 <= int(month) <= 12:
        raise bad_request(f"parameter {name} must be a month from 01 to 12")
    return month


def add_card(call: Call) -> Mapping[str, Any]:
    """Validate and save a card; answer its ``TokenId``."""
    card_name = call.required("CardName")
    number = call.required("CardNumber").replace(" ", "")
    if not (number.isascii() and number.isdigit() and 12 <= len(number) <= 19):
        raise bad_request("parameter CardNumber must be 12 to 19 digits")
    if not luhn_ok(number):
        raise bad_request("parameter CardNumber is not a valid card number (Luhn check)")
    expiry_month = _month(call, "ExpiryMonth")
    expiry_year = call.digits("ExpiryYear", low=2, high=2)
    cv2 = call.digits("CV2", low=3, high=4)
    card_type = call.required("Type").upper()
    if card_type not in CARD_TYPES:
        raise bad_request(f"parameter Type must be one of: {', '.join(CARD_TYPES)}")
    for name in ("Address1", "City", "Postcode"):
        call.required(name)
    country = call.required("Country")
    if not (len(country) == 2 and country.isascii() and country.isalpha()):
        raise bad_request("parameter Country must be a two-letter ISO country code")
    if card_type == "SWITCH":
        _month(call, "StartMonth")
        call.digits("StartYear", low=2, high=2)
    issue = call.text("IssueNumber")
    if issue is not None and not (issue.isascii() and issue.isdigit() and len(issue) <= 2):
        raise bad_request("parameter IssueNumber must be 1 or 2 digits")
    token_id = call.state.new_token_id()
    call.account.cards[token_id] = Card(
        token_id=token_id,
        card_name=card_name,
        type=card_type,
        last_four=number[-4:],
        expiry_month=expiry_month,
        expiry_year=expiry_year,
        cv2_digest=cv2_digest(token_id, cv2),
    )
    return {"TokenId": str(token_id)}


def get_cards(call: Call) -> Mapping[str, Any]:
    """The account's saved cards, masked."""
    return {
        "Cards": {
            "Card": [
                {
                    "TokenId": str(card.token_id),
                    "CardName": card.card_name,
                    "Type": card.type,
                    "MaskedNumber": card.masked_number,
                    "ExpiryMonth": card.expiry_month,
                    "ExpiryYear": card.expiry_year,
                }
                for card in call.account.cards.values()
            ]
        }
    }
