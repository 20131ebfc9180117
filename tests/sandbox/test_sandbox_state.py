"""The sandbox's state pieces on their own: stock, sessions, accounts, cards."""

from __future__ import annotations

import pytest
from sandbox_wire import Wire

from ttnc_pipeline.clock import ManualClock
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.sandbox.accounts import Card, cv2_digest
from ttnc_pipeline.sandbox.cards import luhn_ok
from ttnc_pipeline.sandbox.sessions import SessionStatus, SessionStore
from ttnc_pipeline.sandbox.stock import AREAS, BANDS, Stock, format_number


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("01245835013", "01245 835 013"),
        ("01618001234", "0161 800 1234"),
        ("02031511000", "020 3151 1000"),
        ("09991234567", "09991234567"),  # not an area the sandbox sells
        ("0124", "0124"),
    ],
)
def test_format_number(raw: str, shown: str) -> None:
    assert format_number(raw) == shown


def test_stock_areas_are_drawn_from_the_seed_and_hold_every_band() -> None:
    stock, twin = Stock(1), Stock(1)
    found, counts = stock.search("029", None, 5)
    assert found == twin.search("029", None, 5)[0]
    assert set(counts) == set(BANDS)
    assert all(counts[band] > 0 for band in BANDS)
    assert counts["00"] > counts["50"]
    assert all(number.area.tariff == "Cardiff" for number in found)


def test_taking_a_number_removes_it_from_sale() -> None:
    stock = Stock(2)
    (number,), before = stock.search("0114", "00", 1)
    assert stock.band_of(number.raw) == "00"
    stock.take(number.raw)
    assert stock.band_of(number.raw) is None
    _, after = stock.search("0114", None, 1)
    assert after["00"] == before["00"] - 1
    with pytest.raises(KeyError):
        stock.take(number.raw)


def test_every_area_has_an_eleven_digit_plan() -> None:
    for area in AREAS:
        assert sum(area.groups) == 11
        assert area.code.startswith("0")


def test_sessions_expire_absolutely_and_old_ones_are_purged() -> None:
    clock = ManualClock()
    store = SessionStore(seed=0, clock=clock, lifetime=10.0)
    first = store.issue("demo")
    assert store.find(first.id) == (first, SessionStatus.VALID)
    clock.advance(10.0)
    assert store.find(first.id) == (first, SessionStatus.EXPIRED)
    assert store.find("nope") == (None, SessionStatus.UNKNOWN)
    clock.advance(10.0)  # dead for a whole lifetime: purged once the store is large
    for _ in range(10_001):
        store.issue("demo")
    assert store.find(first.id)[1] is SessionStatus.UNKNOWN
    assert len(store) == 10_001


def test_account_setup_fails_loudly_on_misuse() -> None:
    box = Sandbox()
    with pytest.raises(ValueError, match="non-empty"):
        box.add_account("", "password", "vkey")
    with pytest.raises(ValueError, match="zero or more"):
        box.grant_numbers(box.credentials.username, -1)
    with pytest.raises(KeyError):
        box.grant_numbers("nobody", 1)
    assert box.grant_numbers(box.credentials.username, 0) == []


def test_cards_keep_only_the_last_four_digits_and_a_cv2_digest() -> None:
    card = Card(12883, "A N Other", "VISA", "1111", "05", "30", cv2_digest(12883, "123"))
    assert card.cv2_matches("123") and not card.cv2_matches("124")
    assert "123" not in repr(card) and card.cv2_digest != "123"
    assert luhn_ok("4111111111111111") and not luhn_ok("4111111111111112")
    assert luhn_ok("79927398713")


def test_a_repeated_parameter_is_400(sandbox: Sandbox, wire: Wire, session: str) -> None:
    body = (
        b"<NoveroRequest><SessionId>" + session.encode() + b"</SessionId>"
        b'<Request target="Order" name="AddToBasket" id="R"><number>01245000001</number>'
        b"<number>01245000002</number><type>number</type></Request></NoveroRequest>"
    )
    (response,) = wire.post(body).reply()
    assert (response.code, response.message) == (400, "parameter number must be text, sent once")


def test_demo_credentials_follow_the_seed() -> None:
    assert Sandbox(seed=1).credentials == Sandbox(seed=1).credentials
    assert Sandbox(seed=1).credentials != Sandbox(seed=2).credentials
    assert Sandbox().credentials.username == "demo"
    assert len(Sandbox().credentials.vkey) == 30
