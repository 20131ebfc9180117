"""The envelope model: building, refusing, comparing and changing requests, batches and replies."""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import attrs
import pytest

from ttnc_pipeline.core import (
    Batch,
    HTTPRequest,
    HTTPResponse,
    Reply,
    Request,
    Response,
    Transport,
    dict_writer,
    normalise_value,
)
from ttnc_pipeline.errors import APIError, InvalidRequest
from ttnc_pipeline.middleware.correlation import CorrelationMiddleware

# --- Request --------------------------------------------------------------------------


def test_a_request_keeps_its_parts_and_names_its_operation() -> None:
    request = Request("NoveroNumbers", "SetDestination", "Request1", {"Number": "02031511000"})

    assert (request.target, request.name, request.id) == (
        "NoveroNumbers",
        "SetDestination",
        "Request1",
    )
    assert dict(request.params) == {"Number": "02031511000"}
    assert request.operation == "NoveroNumbers/SetDestination"
    assert Request("Order", "ViewBasket").id is None
    assert dict(Request("Order", "ViewBasket").params) == {}


def test_with_id_and_with_params_make_copies() -> None:
    request = Request("T", "N", "a", {"First": "1", "Second": "2"})

    renamed = request.with_id("b")
    changed = request.with_params(Second="two", Third="3")

    assert (request.id, renamed.id) == ("a", "b")
    assert list(changed.params.items()) == [("First", "1"), ("Second", "two"), ("Third", "3")]
    assert dict(request.params) == {"First": "1", "Second": "2"}


def test_the_correlation_step_names_a_request_of_a_subclass_as_that_subclass() -> None:
    class Tagged(Request):
        pass

    sent: list[Batch] = []
    CorrelationMiddleware()(
        Batch([Tagged("T", "N", None, {"A": "1"}), Request("T", "N")]),
        lambda batch: sent.append(batch) or Reply([]),
    )

    first, second = sent[0].requests
    assert type(first) is Tagged and type(second) is Request
    assert first.id and second.id and first.id != second.id
    assert dict(first.params) == {"A": "1"}


def test_parameters_are_frozen_lists_become_tuples() -> None:
    source: dict[str, Any] = {"Lines": ["a", "b"], "Card": {"Name": "Jo"}}
    request = Request("T", "N", None, source)
    assert type(source["Lines"]) is list and type(source["Card"]) is dict  # the caller's, untouched
    source["Lines"].append("c")
    source["Card"]["Name"] = "changed"
    params: Any = request.params

    assert request.params["Lines"] == ("a", "b")
    assert dict(request.params["Card"]) == {"Name": "Jo"}
    with pytest.raises(TypeError):
        params["Lines"] = "x"
    with pytest.raises(TypeError):
        params["Card"]["Name"] = "x"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        request.name = "Other"  # type: ignore[misc]


def test_equal_requests_are_equal_and_hash_alike() -> None:
    def make(order: tuple[str, str]) -> Request:
        return Request(
            "T", "N", "r", {order[0]: "1", order[1]: "2", "List": [{"A": "1", "B": "2"}]}
        )

    assert make(("A", "B")) == make(("A", "B"))
    assert hash(make(("A", "B"))) == hash(make(("A", "B")))
    assert len({make(("A", "B")), make(("A", "B"))}) == 1
    assert make(("A", "B")) != make(("B", "A"))  # parameter order is on the wire


def test_order_inside_a_repeated_mapping_counts_too() -> None:
    first = Request("T", "N", None, {"Item": [{"A": "1", "B": "2"}, {"C": "3"}]})
    swapped = Request("T", "N", None, {"Item": [{"B": "2", "A": "1"}, {"C": "3"}]})

    assert first != swapped


def test_enum_values_are_stored_as_plain_values() -> None:
    class Band(enum.IntEnum):
        GOLD = 10

    class Kind(str, enum.Enum):
        MOBILE = "mobile"

    request = Request("T", "N", None, {"Band": Band.GOLD, "Type": Kind.MOBILE, "Rate": 1.5})

    assert type(request.params["Band"]) is int and request.params["Band"] == 10
    assert type(request.params["Type"]) is str and request.params["Type"] == "mobile"
    assert normalise_value(Decimal("1.50"), "x") == Decimal("1.50")


# --- refusals -----------------------------------------------------------------------

HOSTILE_NAMES = [
    "x><Evil/><y",
    'a"b',
    "a b",
    "a:b",
    "a/b",
    "",
    "1abc",
    "-abc",
    ".abc",
    "xml",
    "XmlThing",
    "xMLthing",
    "Numbér",
    "\uff2eumber",
    "tab\t",
    "line\n",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
@pytest.mark.parametrize("part", ["target", "name", "id"])
def test_a_hostile_target_name_or_id_is_refused(part: str, name: str) -> None:
    parts = {"target": "T", "name": "N", "id": "r", part: name}
    what = {"target": "target", "name": "operation name", "id": "request id"}[part]

    with pytest.raises(InvalidRequest, match=f"^{what} .* is not a valid XML name"):
        Request(parts["target"], parts["name"], parts["id"])


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_parameter_name_is_refused_at_any_depth(name: str) -> None:
    with pytest.raises(InvalidRequest, match="parameter name in request") as top:
        Request("T", "N", None, {name: "x"})
    with pytest.raises(InvalidRequest, match="parameter name in parameter 'Outer'") as nested:
        Request("T", "N", None, {"Outer": [{"Ok": "1"}, {name: "x"}]})

    for caught in (top, nested):
        assert repr(name)[:20] in str(caught.value)


def test_names_made_of_every_allowed_character_are_accepted() -> None:
    request = Request("_a.B-9", "Z_9.x-", "id-1.2_3", {"_X.y-Z9": "v", "Numbers": {"x": "y"}})

    assert request.operation == "_a.B-9/Z_9.x-"


@pytest.mark.parametrize("value", [1, None, 2.5, b"bytes", ("tuple",)])
def test_a_name_that_is_not_a_string_is_refused(value: Any) -> None:
    with pytest.raises(InvalidRequest, match="must be a string"):
        Request(value, "N")
    with pytest.raises(InvalidRequest, match="must be a string"):
        Request("T", "N", None, {value: "x"})


@pytest.mark.parametrize(
    "text", ["\x00", "\x1b[31m", "\x0b", "\x0c", "\x7f\x00", "\ud800", "\udfff", "\ufffe", "\uffff"]
)
def test_text_that_xml_cannot_carry_is_refused_naming_the_parameter(text: str) -> None:
    codepoint = re.escape(f"U+{ord(text.replace(chr(0x7F), '')[0]):04X}")

    for params in (
        {"Destination": f"before{text}after"},
        {"Card": {"Destination": text}},
        {"Destination": ["fine", text]},
    ):
        with pytest.raises(InvalidRequest, match=f"parameter 'Destination' .*{codepoint}"):
            Request("T", "N", None, params)


@pytest.mark.parametrize(
    "value",
    [True, False, object(), b"bytes", {1, 2}, range(3), 1j, math.nan, math.inf, -math.inf],
    ids=repr,
)
def test_values_without_a_wire_form_are_refused_naming_the_parameter(value: Any) -> None:
    with pytest.raises(InvalidRequest, match="parameter 'Limit'"):
        Request("T", "N", None, {"Limit": value})
    with pytest.raises(InvalidRequest, match="parameter 'Limit'"):
        Request("T", "N", None, {"Search": {"Limit": [value]}})


@pytest.mark.parametrize("value", [Decimal("NaN"), Decimal("sNaN"), Decimal("-Infinity")])
def test_decimals_that_are_not_numbers_are_refused(value: Decimal) -> None:
    with pytest.raises(InvalidRequest, match="parameter 'Price' is not a finite number"):
        Request("T", "N", None, {"Price": value})


def test_an_integer_too_long_to_write_is_refused_before_anything_is_built() -> None:
    with pytest.raises(InvalidRequest, match="parameter 'Big' is an integer too long"):
        Request("T", "N", None, {"Big": 10**5000})


def test_refusals_are_value_errors_and_bool_says_why() -> None:
    with pytest.raises(ValueError, match="bool; TTNC documents no boolean form"):
        Request("T", "N", None, {"Enabled": True})


def test_parameters_must_be_a_mapping() -> None:
    with pytest.raises(InvalidRequest, match="must be a mapping of name to value, not list"):
        Request("T", "N", None, [("Number", "1")])  # type: ignore[arg-type]


def test_with_params_validates_like_the_constructor() -> None:
    with pytest.raises(InvalidRequest, match="parameter 'Bad'"):
        Request("T", "N").with_params(Bad="\x00")


def test_a_long_hostile_name_is_quoted_short() -> None:
    with pytest.raises(InvalidRequest) as caught:
        Request("T", "N", None, {"<" * 1_000_000: "x"})

    assert len(str(caught.value)) < 300


# --- Batch ----------------------------------------------------------------------------


def test_a_batch_keeps_requests_in_order_with_their_ids() -> None:
    batch = Batch([Request("T", "B", "r2"), Request("T", "A", "r1"), Request("T", "C")])

    assert batch.ids == ("r2", "r1", None)
    assert [request.name for request in batch.requests] == ["B", "A", "C"]
    assert batch.session_id is None


def test_batch_copies_change_one_thing_each() -> None:
    batch = Batch([Request("T", "N", "r1")], "session")

    assert batch.with_session(None).session_id is None
    assert batch.with_requests([Request("T", "M", "r2")]).ids == ("r2",)
    assert batch.with_options(retry=False).options["retry"] is False
    assert batch.session_id == "session" and dict(batch.options) == {}


def test_defaults_fill_only_the_options_a_batch_does_not_set() -> None:
    batch = Batch([Request("T", "N", "r1")], "session", {"retry": False})

    filled = batch.with_defaults(retry=True, deadline=5.0)
    assert dict(filled.options) == {"retry": False, "deadline": 5.0}
    assert filled.requests == batch.requests and filled.session_id == "session"


def test_options_are_not_part_of_a_batchs_identity() -> None:
    batch = Batch([Request("T", "N", "r1")], "s")

    assert batch.with_options(retry=False) == batch
    assert hash(batch.with_options(retry=False)) == hash(batch)


@pytest.mark.parametrize(
    ("session_id", "complaint"),
    [("", "non-empty string"), (123, "non-empty string"), ("a\x00b", r"U\+0000")],
)
def test_a_bad_session_id_is_refused(session_id: Any, complaint: str) -> None:
    with pytest.raises(InvalidRequest, match=complaint):
        Batch([Request("T", "N")], session_id)


def test_a_batch_holds_only_requests() -> None:
    with pytest.raises(InvalidRequest, match="a batch holds Request objects, not dict"):
        Batch([{"target": "T", "name": "N"}])  # type: ignore[list-item]


# --- Response and Reply -----------------------------------------------------------------


def test_build_makes_a_response_with_its_wire_fields_and_content() -> None:
    response = Response.build("Auth", "SessionLogin", 200, "SessionRequest", {"SessionId": "abc"})

    assert (response.target, response.name, response.code, response.request_id) == (
        "Auth",
        "SessionLogin",
        200,
        "SessionRequest",
    )
    assert response["SessionId"] == "abc"
    assert response.ok and response.message is None and not response.missing


def test_build_refuses_what_a_request_would_refuse() -> None:
    with pytest.raises(InvalidRequest):
        Response.build("T", "N", 200, "r", {"x><y": "1"})
    with pytest.raises(InvalidRequest):
        Response.build("T", "N", 200, "r", {"A": {"@attributes": {"k": "\x00"}}})
    with pytest.raises(InvalidRequest):
        Response.build("T\x00", "N", 200, "r")


def test_an_error_response_raises_api_error_with_its_details() -> None:
    response = Response.build("Order", "PlaceOrder", 400, "R1", message="CV2 missing")

    with pytest.raises(APIError) as caught:
        response.raise_for_error()

    error = caught.value
    assert (error.code, error.message, error.target, error.name, error.request_id) == (
        400,
        "CV2 missing",
        "Order",
        "PlaceOrder",
        "R1",
    )
    assert str(error) == "Order/PlaceOrder (id R1) failed with code 400: CV2 missing"


def test_a_placeholder_stands_for_an_unanswered_request() -> None:
    placeholder = Response.placeholder(Request("Order", "PlaceOrder", "R1"))

    assert placeholder.missing and not placeholder.ok
    assert (placeholder.operation, placeholder.request_id) == ("Order/PlaceOrder", "R1")
    assert placeholder.message == "the server sent no response for this request"


def test_with_request_id_copies_without_touching_the_original() -> None:
    original = Response.build("T", "N", 200, "a", {"X": "1"})

    copy = original.with_request_id("b")

    assert (copy.request_id, copy["@attributes"]["RequestId"], copy["X"]) == ("b", "b", "1")
    assert (original.request_id, original["@attributes"]["RequestId"]) == ("a", "a")
    assert "RequestId" not in original.with_request_id(None)["@attributes"]


def test_evolved_fields_are_what_the_response_reads() -> None:
    response = attrs.evolve(Response.build("T", "N", 200, "r"), code=401, target=None)

    assert response["@attributes"] == {"name": "N", "Code": "401", "RequestId": "r"}
    assert not response.ok


def test_responses_compare_by_fields_and_content() -> None:
    def make(code: int = 200, **data: Any) -> Response:
        return Response.build("T", "N", code, "r", data or {"A": "1"})

    assert make() == make()
    assert hash(make()) == hash(make())
    assert make() != make(401)
    assert make() != make(A="2")
    assert make() != make(A={"@attributes": {"k": "v"}, "#text": "1"})
    assert make() != Response.build("T", "N", 200, "r", {"A": "1", "@attributes": {"x": "1"}})


def test_a_reply_is_a_sequence_of_responses_found_by_id() -> None:
    login = Response.build("Auth", "SessionLogin", 200, "SessionRequest", {"SessionId": "s"})
    failed = Response.build("Order", "PlaceOrder", 500, "R1", message="try later")
    reply = Reply([login, failed])

    assert list(reply) == [login, failed] and len(reply) == 2 and reply[1] is failed
    assert reply.by_id("R1") is failed and reply.by_id("nope") is None
    assert not reply.ok
    assert Reply([login]).ok and Reply([]).ok
    assert Reply([login]).raise_for_errors() == Reply([login])
    with pytest.raises(APIError, match="Order/PlaceOrder \\(id R1\\) failed with code 500"):
        reply.raise_for_errors()
    assert reply.with_responses([login]).responses == (login,)


# --- HTTP shapes and the transport protocol -----------------------------------------------


def test_http_response_header_names_are_lower_cased() -> None:
    response = HTTPResponse(200, {"Content-Type": "text/xml", "Retry-After": "3"}, b"<x/>")

    assert dict(response.headers) == {"content-type": "text/xml", "retry-after": "3"}


def test_http_reprs_show_sizes_not_bodies() -> None:
    assert repr(HTTPRequest(b"<secret/>", {"X": "y"}, 5.0)) == (
        "HTTPRequest(body=<9 bytes>, timeout=5.0)"
    )
    assert repr(HTTPResponse(503, {}, b"busy")) == "HTTPResponse(status=503, body=<4 bytes>)"


def test_anything_with_send_and_close_is_a_transport() -> None:
    class Echo:
        def send(self, request: HTTPRequest) -> HTTPResponse:
            return HTTPResponse(200, {}, request.body)

        def close(self) -> None:
            pass

    assert isinstance(Echo(), Transport)
    assert not isinstance(object(), Transport)


def test_a_str_subclass_never_vouches_for_other_names() -> None:
    from ttnc_pipeline.core import check_name

    bad = 'x"><Evil a="'

    class Liar(str):
        def __hash__(self) -> int:
            return hash(bad)

        def __eq__(self, other: object) -> bool:
            return True

    check_name(Liar("Harmless"), "target")
    with pytest.raises(InvalidRequest, match="not a valid XML name"):
        Request(bad, "N")


def test_dict_writer_refuses_a_field_list_that_no_longer_matches() -> None:
    @attrs.frozen(slots=False)
    class Point:
        x: int
        y: int

    write = dict_writer(Point, "x", "y")
    point = object.__new__(Point)
    write(point, {"x": 1, "y": 2})
    assert point == Point(1, 2)
    with pytest.raises(TypeError, match="Point's fields changed"):
        dict_writer(Point, "x")


def test_an_attrs_subclass_of_request_validates_like_request() -> None:
    @attrs.frozen
    class Tagged(Request):
        tag: str = ""

    with pytest.raises(InvalidRequest, match="target"):
        Tagged('T"><Request target="Auth" name="SessionLogin', "N")
    with pytest.raises(InvalidRequest, match="bool"):
        Tagged("T", "N", None, {"A": True})
    tagged = Tagged("T", "N", None, {"Lines": ["a"]}, tag="x")
    assert tagged.params["Lines"] == ("a",)
    with pytest.raises(TypeError):
        tagged.params["Lines"] = "b"  # type: ignore[index]


def test_a_dict_subclass_is_read_through_its_own_items() -> None:
    class FirstValue(dict[str, Any]):
        """Stores lists, serves the first value (a form dict)."""

        def __getitem__(self, key: str) -> Any:
            return dict.__getitem__(self, key)[0]

        def items(self) -> Any:
            return [(key, values[0]) for key, values in dict.items(self)]

    params = FirstValue(Number=["02031511000", "02031511001"])
    assert dict(Request("T", "N", None, params).params) == {"Number": "02031511000"}


def test_a_mapping_with_an_unhashable_key_is_refused_as_invalid() -> None:
    class Odd(Mapping[Any, Any]):
        def __getitem__(self, key: Any) -> Any:
            return "x"

        def __iter__(self) -> Any:
            return iter([["A"]])

        def __len__(self) -> int:
            return 1

    with pytest.raises(InvalidRequest, match="must be a string, not list"):
        Request("T", "N", None, Odd())


def test_a_bad_parameter_is_reported_before_a_bad_name_as_before() -> None:
    with pytest.raises(InvalidRequest, match="parameter 'A' is a bool"):
        Request("1T", "N", None, {"A": True})


def test_http_request_subclasses_keep_the_defaults() -> None:
    @attrs.frozen
    class Numbered(HTTPRequest):
        attempt: int = 1

    numbered = Numbered(b"x")
    assert numbered.headers == {} and numbered.timeout is None and numbered.attempt == 1
