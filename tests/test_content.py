"""Reading a decoded response: lossless, read-only, and pleasant to loop over."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs
import pytest

from ttnc_pipeline.codec import decode_reply
from ttnc_pipeline.core import Response

BAND_COUNTS = [("00", "7,859"), ("10", "1,115"), ("20", "324"), ("30", "266"), ("40", "39")]
BAND_COUNTS += [("50", "12")]


def one_response(
    inner: str, attributes: str = 'target="T" name="N" Code="200" RequestId="r"'
) -> Response:
    body = f"<NoveroResponse><Response {attributes}>{inner}</Response></NoveroResponse>"
    (response,) = decode_reply(body.encode("utf-8"))
    return response


@pytest.fixture
def search(examples_dir: Path) -> Response:
    """The documented answer to a number search (the second response of login-and-search)."""
    login, found = decode_reply((examples_dir / "login-and-search.response.xml").read_bytes())
    assert login["SessionId"] == "75ad4013e0ea4340c0b5c28b4aad96a9"
    return found


# --- the documented Search answer ------------------------------------------------


def test_the_documented_search_reads_as_a_user_expects(search: Response) -> None:
    assert search["Numbers"]["Number"][0]["RawNumber"] == "01245835013"
    assert search["Numbers"]["Number"][0]["number"] == "01245 835 013"
    assert search["Numbers"]["Number"][0]["alpha"] == ""
    assert search["BandPrice"] == "£10"
    assert search["BandRewnewalPrice"] == "£10"  # TTNC's spelling, kept as sent
    counts = search["BandCounts"]["BandCount"]
    assert [(c["@attributes"]["Band"], c["#text"]) for c in counts] == BAND_COUNTS


def test_the_documented_search_has_its_wire_attributes(search: Response) -> None:
    assert search["@attributes"] == {
        "target": "NoveroNumberSearch",
        "name": "Search",
        "Code": "200",
        "RequestId": "Request1",
    }
    assert (search.target, search.name, search.request_id) == (
        "NoveroNumberSearch",
        "Search",
        "Request1",
    )
    assert (search.code, search.ok, search.message) == (200, True, None)
    assert search.operation == "NoveroNumberSearch/Search"


def test_all_is_always_a_list_and_first_is_the_first_or_a_default(search: Response) -> None:
    numbers = search.all("Numbers/Number")
    assert isinstance(numbers, list) and len(numbers) == 1
    assert numbers[0]["tariff"] == "Chelmsford"
    assert [count["#text"] for count in search.all("BandCounts/BandCount")] == [
        text for _, text in BAND_COUNTS
    ]
    assert search.all("Numbers/Number/RawNumber") == ["01245835013"]
    assert search.all("Cards/Card") == []
    assert search.first("Numbers/Number/band") == "00"
    assert search.first("BandCounts/BandCount")["@attributes"] == {"Band": "00"}
    assert search.first("Cards/Card") is None
    assert search.first("Cards/Card", default="none") == "none"


def test_to_dict_is_plain_json_and_loses_nothing(search: Response) -> None:
    expected = {
        "@attributes": {
            "target": "NoveroNumberSearch",
            "name": "Search",
            "Code": "200",
            "RequestId": "Request1",
        },
        "Numbers": {
            "Number": [
                {
                    "RawNumber": "01245835013",
                    "alpha": "",
                    "band": "00",
                    "code": "g",
                    "range": "01245",
                    "tariff": "Chelmsford",
                    "number": "01245 835 013",
                }
            ]
        },
        "BandCounts": {
            "BandCount": [{"@attributes": {"Band": b}, "#text": n} for b, n in BAND_COUNTS]
        },
        "BandPrice": "£10",
        "BandRewnewalPrice": "£10",
        "BandRewnewalFreq": "yearly",
    }

    assert json.loads(json.dumps(search.to_dict())) == expected


# --- lossless reading -----------------------------------------------------------


def test_repeated_siblings_are_all_kept_in_order() -> None:
    response = one_response("<Line>a</Line><Other>x</Other><Line>b</Line><Line>c</Line>")

    assert response["Line"] == ["a", "b", "c"]
    assert response["Other"] == "x"
    assert list(response) == ["@attributes", "Line", "Other"]


def test_attributes_of_children_are_kept_with_their_text() -> None:
    response = one_response('<Price currency="GBP" vat="no">£10</Price><Flag set="1"/>')

    assert response["Price"]["@attributes"] == {"currency": "GBP", "vat": "no"}
    assert response["Price"]["#text"] == "£10"
    assert dict(response["Flag"]) == {"@attributes": {"set": "1"}}


def test_empty_elements_read_as_empty_strings() -> None:
    response = one_response("<alpha></alpha><beta/><gamma> </gamma>")

    assert (response["alpha"], response["beta"], response["gamma"]) == ("", "", " ")


def test_indentation_between_children_is_not_content() -> None:
    response = one_response('\n  <Card>\n    <Name>Jo</Name>\n  </Card>\n  <Tag k="v">  </Tag>\n')

    assert response.to_dict() == {
        "@attributes": {"target": "T", "name": "N", "Code": "200", "RequestId": "r"},
        "Card": {"Name": "Jo"},
        "Tag": {"@attributes": {"k": "v"}, "#text": "  "},
    }


@pytest.mark.parametrize(
    ("wrapper", "item"),
    [("Numbers", "Number"), ("BandCounts", "BandCount"), ("Rules", "Rule"), ("Cards", "Card")],
)
def test_a_plural_wrapper_holds_a_list_even_of_one_item(wrapper: str, item: str) -> None:
    response = one_response(f"<{wrapper}><{item}><Id>1</Id></{item}></{wrapper}>")

    assert isinstance(response[wrapper][item], list)
    assert [entry["Id"] for entry in response[wrapper][item]] == ["1"]


def test_a_single_child_of_any_other_element_is_a_scalar() -> None:
    response = one_response("<Basket><Item>x</Item></Basket><Number><Id>1</Id></Number>")

    assert response["Basket"]["Item"] == "x"
    assert response["Number"]["Id"] == "1"


def test_missing_keys_raise_key_error_and_get_gives_a_default() -> None:
    response = one_response("<Here>x</Here>")

    with pytest.raises(KeyError):
        response["Missing"]
    assert response.get("Missing", "default") == "default"
    assert "Here" in response and "Missing" not in response
    assert "#text" not in response


@pytest.mark.parametrize(
    ("inner", "message"),
    [
        ("<ResponseMessage>Session expired</ResponseMessage>", "Session expired"),
        ("<Success>Destination set</Success>", "Destination set"),
        ("<ResponseMessage>first</ResponseMessage><Success>second</Success>", "first"),
        ("<ResponseMessage/>", ""),
        ("<Other>x</Other>", None),
    ],
)
def test_message_is_the_response_message_falling_back_to_success(
    inner: str, message: str | None
) -> None:
    assert one_response(inner).message == message


def test_code_ok_and_identity_come_from_the_response_attributes() -> None:
    response = one_response(
        "<ResponseMessage>bad session</ResponseMessage>",
        'target="Auth" name="SessionLogin" Code="401" RequestId="SessionRequest" extra="1"',
    )

    assert (response.code, response.ok, response.message) == (401, False, "bad session")
    assert response["@attributes"]["extra"] == "1"


# --- read-only ---------------------------------------------------------------------


def test_a_response_cannot_be_changed_through_the_mapping() -> None:
    response = one_response("<Numbers><Number><Id>1</Id></Number></Numbers>")
    target: Any = response

    with pytest.raises(TypeError):
        target["Numbers"] = "changed"
    with pytest.raises(TypeError):
        del target["Numbers"]
    with pytest.raises(TypeError):
        target["Numbers"]["Number"] = []
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        target.code = 500


def test_changing_what_was_read_does_not_change_the_response() -> None:
    response = one_response('<Numbers><Number a="1"><Id>1</Id></Number></Numbers>')

    response["Numbers"]["Number"].append("injected")
    response["@attributes"]["Code"] = "500"
    response["Numbers"]["Number"][0]["@attributes"]["a"] = "2"
    response.to_dict()["Numbers"]["Number"].clear()

    assert response.to_dict()["Numbers"] == {"Number": [{"@attributes": {"a": "1"}, "Id": "1"}]}
    assert response["@attributes"]["Code"] == "200"


def test_a_view_repr_hides_secrets() -> None:
    response = one_response("<Card><CardNumber>4111111111111111</CardNumber><Name>Jo</Name></Card>")

    assert "4111111111111111" not in repr(response["Card"])
    assert "Jo" in repr(response["Card"])


def test_all_reads_a_mix_of_structured_and_text_only_elements_each_its_own_way() -> None:
    response = one_response(
        "<Items><Item><A>1</A></Item><Item>plain</Item><Item kind='x'/><Item/></Items>"
    )
    items = response.all("Items/Item")
    assert items[0].to_dict() == {"A": "1"}
    assert items[1:] == ["plain", {"@attributes": {"kind": "x"}}, ""]
    assert response.all("Items/Item/A") == ["1"]


def test_a_list_from_all_is_the_callers_own() -> None:
    response = one_response("<Numbers><Number><N>1</N></Number><Number><N>2</N></Number></Numbers>")
    first = response.all("Numbers/Number")
    first.clear()
    assert [number["N"] for number in response.all("Numbers/Number")] == ["1", "2"]
    names = response.all("Numbers")
    names.append("x")
    assert len(response.all("Numbers")) == 1
