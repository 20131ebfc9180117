"""NoveroNumbers: ListNumbers, SetDestination, GetNumberConfig, EnableRouteToAll."""

from __future__ import annotations

import pytest
from sandbox_wire import Wire, request

from ttnc_pipeline.core import Response
from ttnc_pipeline.sandbox import Sandbox


def _numbers(wire: Wire, session: str) -> list[dict[str, str]]:
    (response,) = wire.call(request("NoveroNumbers/ListNumbers"), session_id=session)
    assert response.ok
    return [dict(number) for number in response.all("Numbers/Number")]


def _one(wire: Wire, session: str, operation: str, **params: str) -> Response:
    (response,) = wire.call(request(operation, **params), session_id=session)
    return response


def test_list_numbers_shows_the_demo_numbers(wire: Wire, session: str) -> None:
    numbers = _numbers(wire, session)
    assert len(numbers) == 3
    for number in numbers:
        assert set(number) == {"RawNumber", "number", "Destination"}
        raw = number["RawNumber"]
        assert number["number"] == f"{raw[:3]} {raw[3:7]} {raw[7:]}"
        assert number["Destination"] == "07700900123"


def test_owned_numbers_is_configurable() -> None:
    with Sandbox(owned_numbers=0) as box:
        wire = Wire(box.url)
        session = wire.login(box.credentials)
        assert _numbers(wire, session) == []
        wire.close()


def test_set_destination_one_or_several(wire: Wire, sandbox: Sandbox, session: str) -> None:
    number = _numbers(wire, session)[0]["RawNumber"]
    assert _one(wire, session, "NoveroNumbers/SetDestination", Number=number,
                Destination="07512312312").ok  # fmt: skip
    assert _numbers(wire, session)[0]["Destination"] == "07512312312"
    both = "447500336778|447700900123"
    assert _one(wire, session, "NoveroNumbers/SetDestination", Number=number,
                Destination=both).ok  # fmt: skip
    assert _numbers(wire, session)[0]["Destination"] == both
    config = _one(wire, session, "NoveroNumbers/GetNumberConfig", Number=number)
    assert config.ok
    assert [rule["Destination"] for rule in config.all("Rules/Rule")] == [both]
    assert config["RouteToAll"] == "0"
    assert sandbox.journal.count("SetDestination") == 2


def test_spaces_in_a_destination_are_ignored(wire: Wire, session: str) -> None:
    number = _numbers(wire, session)[0]["RawNumber"]
    assert _one(wire, session, "NoveroNumbers/SetDestination", Number=number,
                Destination=" 07512 312312 | 4477 00900123").ok  # fmt: skip
    assert _numbers(wire, session)[0]["Destination"] == "07512312312|447700900123"


def test_enable_route_to_all_shows_in_the_config(wire: Wire, session: str) -> None:
    number = _numbers(wire, session)[1]["RawNumber"]
    for _ in range(2):  # idempotent
        assert _one(wire, session, "NoveroNumbers/EnableRouteToAll", Number=number).ok
    config = _one(wire, session, "NoveroNumbers/GetNumberConfig", Number=number)
    assert config["RouteToAll"] == "1"


def test_an_unrouted_number_has_no_rules(wire: Wire, sandbox: Sandbox, session: str) -> None:
    (number,) = sandbox.grant_numbers(sandbox.credentials.username, 1)
    config = _one(wire, session, "NoveroNumbers/GetNumberConfig", Number=number)
    assert config.ok
    assert config.all("Rules/Rule") == []
    listed = {n["RawNumber"]: n["Destination"] for n in _numbers(wire, session)}
    assert listed[number] == ""


@pytest.mark.parametrize(
    "operation",
    [
        "NoveroNumbers/SetDestination",
        "NoveroNumbers/GetNumberConfig",
        "NoveroNumbers/EnableRouteToAll",
    ],
)
def test_a_number_not_on_the_account_is_400(wire: Wire, session: str, operation: str) -> None:
    response = _one(wire, session, operation, Number="01245835013", Destination="07512312312")
    assert response.code == 400
    assert "not on your account" in (response.message or "")
    missing = _one(wire, session, operation, Destination="07512312312")
    assert (missing.code, missing.message) == (400, "missing required parameter Number")
    malformed = _one(wire, session, operation, Number="hello", Destination="07512312312")
    assert malformed.code == 400
    assert "UK number" in (malformed.message or "")


@pytest.mark.parametrize(
    "number",
    [
        "2031511000",  # no leading 0
        "020315110",  # 9 digits
        "020315110001",  # 12 digits
        "0203151100\u0661",  # an Arabic-Indic digit: a digit, but not ASCII
        "020315110\uff10",  # a fullwidth zero
    ],
)
def test_a_number_must_be_0_and_9_or_10_ascii_digits(wire: Wire, session: str, number: str) -> None:
    response = _one(wire, session, "NoveroNumbers/GetNumberConfig", Number=number)
    assert response.code == 400
    assert "UK number" in (response.message or "")


def test_spaces_inside_a_number_are_ignored(wire: Wire, session: str) -> None:
    number = _numbers(wire, session)[0]["RawNumber"]
    spaced = f" {number[:4]} {number[4:7]} {number[7:]} "
    response = _one(wire, session, "NoveroNumbers/GetNumberConfig", Number=spaced)
    assert (response.code, response["Number"]) == (200, number)


@pytest.mark.parametrize(
    "destination", ["", "0751", "07512312312|", "+447512312312", "07512x12312"]
)
def test_malformed_destinations_are_400(wire: Wire, session: str, destination: str) -> None:
    number = _numbers(wire, session)[0]["RawNumber"]
    response = _one(wire, session, "NoveroNumbers/SetDestination", Number=number,
                    Destination=destination)  # fmt: skip
    assert response.code == 400
    assert "Destination" in (response.message or "")
    assert _numbers(wire, session)[0]["Destination"] == "07700900123"


def _list_request(session: str) -> bytes:
    return (
        b'<?xml version="1.0"?><NoveroRequest><SessionId>'
        + session.encode()
        + b'</SessionId><Request target="NoveroNumbers" name="ListNumbers" id="L"/>'
        b"</NoveroRequest>"
    )


def test_a_100000_number_listing_is_about_10_mb_and_follows_changes(
    wire: Wire, sandbox: Sandbox, session: str
) -> None:
    granted = sandbox.grant_numbers(sandbox.credentials.username, 100_000)
    assert len(set(granted)) == 100_000
    answer = wire.post(_list_request(session))
    assert answer.status == 200
    assert answer.body.count(b"<Number>") == 100_003
    assert 9_000_000 < len(answer.body) < 12_000_000
    assert wire.post(_list_request(session)).body == answer.body

    last = granted[-1]
    assert _one(wire, session, "NoveroNumbers/SetDestination", Number=last,
                Destination="07512312312").ok  # fmt: skip
    changed = wire.post(_list_request(session)).body
    assert changed.endswith(
        f"<Number><RawNumber>{last}</RawNumber><number>020 8010 0002</number>"
        "<Destination>07512312312</Destination></Number></Numbers></Response>"
        "</NoveroResponse>\n".encode()
    )
