"""NoveroNumberSearch/Search: the documented shape, the stock, and parameter checks."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import pytest
from sandbox_wire import EXAMPLES, Wire, request

from ttnc_pipeline.sandbox import Sandbox


def _shape(element: ElementTree.Element) -> tuple[Any, ...]:
    """Element names, attribute names and nesting, without the text."""
    return (
        element.tag,
        tuple(sorted(element.attrib)),
        tuple(_shape(child) for child in element),
    )


def _example(name: str) -> bytes:
    path = EXAMPLES / name
    if not path.is_file():
        pytest.skip(f"TTNC's example {name} is not at {EXAMPLES} (the shared folder is absent)")
    return path.read_bytes()


def _with_demo_credentials(document: bytes, sandbox: Sandbox) -> bytes:
    root = ElementTree.fromstring(document)
    login = root.find("Request[@name='SessionLogin']")
    assert login is not None
    creds = sandbox.credentials
    for tag, value in (
        ("Username", creds.username),
        ("Password", creds.password),
        ("VKey", creds.vkey),
    ):
        field = login.find(tag)
        assert field is not None
        field.text = value
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


def test_documented_search_example_is_reproduced_element_for_element(
    wire: Wire, sandbox: Sandbox
) -> None:
    expected = ElementTree.fromstring(_example("login-and-search.response.xml"))
    sent = _with_demo_credentials(_example("login-and-search.request.xml"), sandbox)
    answer = wire.post(sent)
    assert answer.status == 200
    actual = ElementTree.fromstring(answer.body)

    assert _shape(actual) == _shape(expected)
    for mine, theirs in zip(actual, expected, strict=True):
        assert mine.attrib["target"] == theirs.attrib["target"]
        assert mine.attrib["name"] == theirs.attrib["name"]
        assert mine.attrib["Code"] == theirs.attrib["Code"] == "200"
        assert mine.attrib["RequestId"] == theirs.attrib["RequestId"]
    search = actual[1]
    bands = [count.attrib["Band"] for count in search.iter("BandCount")]
    assert bands == [count.attrib["Band"] for count in expected[1].iter("BandCount")]
    for count in search.iter("BandCount"):
        assert re.fullmatch(r"\d{1,3}(,\d{3})*", count.text or "")
    assert any("," in (count.text or "") for count in search.iter("BandCount"))
    for tag in ("BandPrice", "BandRewnewalPrice", "BandRewnewalFreq"):
        assert search.findtext(tag) == expected[1].findtext(tag)
    number = search.find("Numbers/Number")
    assert number is not None
    raw = number.findtext("RawNumber") or ""
    assert re.fullmatch(r"01245\d{6}", raw)
    assert number.findtext("number") == f"{raw[:5]} {raw[5:8]} {raw[8:]}"
    assert (number.findtext("alpha"), number.findtext("band"), number.findtext("code")) == (
        "",
        "00",
        "g",
    )
    assert (number.findtext("range"), number.findtext("tariff")) == ("01245", "Chelmsford")


def test_limit_band_and_range_prefix_narrow_the_search(wire: Wire, session: str) -> None:
    (wide,) = wire.call(request("NoveroNumberSearch/Search", Range="0161"), session_id=session)
    numbers = wide.all("Numbers/Number")
    assert len(numbers) == 10  # the default limit
    assert {n["tariff"] for n in numbers} == {"Manchester"}
    assert all(re.fullmatch(r"0161 \d{3} \d{4}", n["number"]) for n in numbers)

    prefix = numbers[0]["RawNumber"][:7]
    (narrow,) = wire.call(
        request("NoveroNumberSearch/Search", Range=prefix, Band="10", Limit="1000"),
        session_id=session,
    )
    found = narrow.all("Numbers/Number")
    assert found and all(n["RawNumber"].startswith(prefix) for n in found)
    assert {n["band"] for n in found} == {"10"}
    counts = {c["@attributes"]["Band"]: c["#text"] for c in narrow.all("BandCounts/BandCount")}
    assert counts["10"] == f"{len(found):,}"
    assert narrow["BandPrice"] == "£50"


def test_band_50_prices_carry_a_thousands_comma(wire: Wire, session: str) -> None:
    (response,) = wire.call(
        request("NoveroNumberSearch/Search", Range="020", Band="50", Limit="3"),
        session_id=session,
    )
    assert response["BandPrice"] == "£1,000"
    assert [n["band"] for n in response.all("Numbers/Number")] == ["50"] * 3
    assert all(n["RawNumber"].startswith("0203") for n in response.all("Numbers/Number"))


def test_search_without_range_covers_every_area(wire: Wire, session: str) -> None:
    (response,) = wire.call(request("NoveroNumberSearch/Search", Limit="5"), session_id=session)
    assert response.ok
    total = sum(int(c["#text"].replace(",", "")) for c in response.all("BandCounts/BandCount"))
    assert total > 15 * 2000  # at least 2,000 band-00 numbers in each of 15 areas


def test_a_range_with_no_stock_answers_empty_with_zero_counts(wire: Wire, session: str) -> None:
    (response,) = wire.call(request("NoveroNumberSearch/Search", Range="0999"), session_id=session)
    assert response.ok
    assert response.all("Numbers/Number") == []
    assert [c["#text"] for c in response.all("BandCounts/BandCount")] == ["0"] * 6


@pytest.mark.parametrize(
    ("params", "named"),
    [
        ({"Range": "abc"}, "Range"),
        ({"Range": "1245"}, "Range"),
        ({"Band": "15"}, "Band"),
        ({"Limit": "0"}, "Limit"),
        ({"Limit": "1001"}, "Limit"),
        ({"Limit": "ten"}, "Limit"),
    ],
)
def test_invalid_parameters_are_400_naming_the_parameter(
    wire: Wire, session: str, params: dict[str, str], named: str
) -> None:
    (response,) = wire.call(request("NoveroNumberSearch/Search", **params), session_id=session)
    assert response.code == 400
    assert named in (response.message or "")


def test_stock_is_deterministic_for_a_seed() -> None:
    def first_numbers(seed: int) -> list[str]:
        with Sandbox(seed=seed) as box:
            wire = Wire(box.url)
            session = wire.login(box.credentials)
            (response,) = wire.call(
                request("NoveroNumberSearch/Search", Range="0121", Limit="5"), session_id=session
            )
            wire.close()
            return [n["RawNumber"] for n in response.all("Numbers/Number")]

    assert first_numbers(11) == first_numbers(11)
    assert first_numbers(11) != first_numbers(12)
