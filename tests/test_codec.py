"""Both envelopes, both directions: what the encoder writes and what the decoder reads back.

Hostile bodies have their own module (test_codec_hostile.py); reading a
decoded response has test_content.py.
"""

from __future__ import annotations

import enum
import json
import operator
import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ttnc_pipeline.codec import (
    _PLAIN_CHARACTER,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_SIZE,
    _canonical_batch,
    _tree_batch,
    decode_batch,
    decode_reply,
    encode_bare_response,
    encode_batch,
    encode_reply,
    reply_document,
)
from ttnc_pipeline.core import Batch, Reply, Request, Response, check_name, check_text
from ttnc_pipeline.errors import InvalidRequest, ProtocolError

PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n'
TRICKY = "£ 🎉 &<>\"' \r\n\t end"


def batch_of(*requests: Request, session_id: str | None = None) -> Batch:
    return Batch(requests, session_id)


def request_xml(batch: Batch) -> str:
    """The encoded batch without its prolog, as text."""
    body = encode_batch(batch)
    assert body.startswith(PROLOG)
    return body[len(PROLOG) :].decode("utf-8").rstrip("\n")


# --- encoding a batch ---------------------------------------------------------


def test_a_batch_is_a_utf8_novero_request_with_the_session_id_first() -> None:
    batch = batch_of(
        Request("NoveroNumbers", "SetDestination", "Request1", {"Number": "02031511000"}),
        Request("Order", "ViewBasket", "Request2"),
        session_id="696dc3d523ce992bd21c028df2c79fe4",
    )

    assert request_xml(batch) == (
        "<NoveroRequest>"
        "<SessionId>696dc3d523ce992bd21c028df2c79fe4</SessionId>"
        '<Request target="NoveroNumbers" name="SetDestination" id="Request1">'
        "<Number>02031511000</Number>"
        "</Request>"
        '<Request target="Order" name="ViewBasket" id="Request2"/>'
        "</NoveroRequest>"
    )


def test_requests_keep_their_order_and_a_request_without_id_has_no_id_attribute() -> None:
    batch = batch_of(Request("T", "Second"), Request("T", "First"), Request("T", "Third"))

    names = [request.get("name") for request in ElementTree.fromstring(encode_batch(batch))]

    assert names == ["Second", "First", "Third"]
    assert "id=" not in request_xml(batch)


def test_encoding_is_deterministic_for_equal_batches() -> None:
    def build() -> Batch:
        return batch_of(Request("T", "N", "r1", {"B": "2", "A": ["1", "3"], "C": {"D": None}}))

    assert encode_batch(build()) == encode_batch(build())


def test_parameter_values_of_every_kind_become_text() -> None:
    params = {
        "Text": "01245",
        "Int": 42,
        "Negative": -7,
        "Float": 0.1,
        "Decimal": Decimal("10.50"),
        "Exponent": Decimal("1E+2"),
        "Empty": "",
        "Nothing": None,
        "Repeated": ["a", "b"],
        "Tuple": ("c", "d"),
        "Nested": {"Inner": "x", "Deeper": {"Deepest": "y"}},
        "EmptyMapping": {},
    }

    assert request_xml(batch_of(Request("T", "N", None, params))) == (
        '<NoveroRequest><Request target="T" name="N">'
        "<Text>01245</Text><Int>42</Int><Negative>-7</Negative><Float>0.1</Float>"
        "<Decimal>10.50</Decimal><Exponent>100</Exponent><Empty/><Nothing/>"
        "<Repeated>a</Repeated><Repeated>b</Repeated><Tuple>c</Tuple><Tuple>d</Tuple>"
        "<Nested><Inner>x</Inner><Deeper><Deepest>y</Deepest></Deeper></Nested>"
        "<EmptyMapping/>"
        "</Request></NoveroRequest>"
    )


def test_enum_values_are_written_as_their_values() -> None:
    class Band(enum.IntEnum):
        GOLD = 10

    class Kind(str, enum.Enum):
        GEOGRAPHIC = "geographic"

    xml = request_xml(
        batch_of(Request("T", "N", None, {"Band": Band.GOLD, "Type": Kind.GEOGRAPHIC}))
    )

    assert "<Band>10</Band><Type>geographic</Type>" in xml


def test_markup_in_values_is_escaped_into_text_never_into_elements() -> None:
    hostile = "</Number><Evil/><Number>&amp;"
    body = encode_batch(batch_of(Request("T", "N", None, {"Number": hostile}), session_id="<x/>"))

    root = ElementTree.fromstring(body)

    assert [child.tag for child in root] == ["SessionId", "Request"]
    assert root[0].text == "<x/>"
    assert [(child.tag, child.text) for child in root[1]] == [("Number", hostile)]


def test_a_carriage_return_survives_the_wire() -> None:
    batch = batch_of(
        Request("T", "N", None, {"Address": "line 1\r\nline 2\rend"}), session_id="a\rb"
    )

    body = encode_batch(batch)

    assert b"\r" not in body  # a raw CR would come back as LF
    assert decode_batch(body).requests[0].params["Address"] == "line 1\r\nline 2\rend"
    assert decode_batch(body).session_id == "a\rb"


# --- encoding a reply ---------------------------------------------------------


def test_a_reply_is_a_utf8_novero_response_in_order() -> None:
    reply = Reply(
        [
            Response.build("Auth", "SessionLogin", 200, "SessionRequest", {"SessionId": "abc"}),
            Response.build(
                "NoveroNumberSearch",
                "Search",
                200,
                "Request1",
                {"BandCounts": {"BandCount": [{"@attributes": {"Band": "00"}, "#text": "7,859"}]}},
            ),
            Response.build("Order", "PlaceOrder", 400, "R2", message="TokenId & CV2 missing"),
        ]
    )

    body = encode_reply(reply)

    assert body.startswith(PROLOG)
    assert body[len(PROLOG) :].decode() == (
        "<NoveroResponse>"
        '<Response target="Auth" name="SessionLogin" Code="200" RequestId="SessionRequest">'
        "<SessionId>abc</SessionId></Response>"
        '<Response target="NoveroNumberSearch" name="Search" Code="200" RequestId="Request1">'
        '<BandCounts><BandCount Band="00">7,859</BandCount></BandCounts></Response>'
        '<Response target="Order" name="PlaceOrder" Code="400" RequestId="R2">'
        "<ResponseMessage>TokenId &amp; CV2 missing</ResponseMessage></Response>"
        "</NoveroResponse>\n"
    )


def test_attribute_values_keep_quotes_tabs_newlines_and_carriage_returns() -> None:
    value = "say \"hi\" & 'bye'\t<tab>\nnew\rline"
    reply = Reply([Response.build("T", "N", 200, "r", {"Item": {"@attributes": {"Note": value}}})])

    decoded = decode_reply(encode_reply(reply))

    assert decoded[0]["Item"]["@attributes"] == {"Note": value}


def test_a_response_changed_with_evolve_is_encoded_as_its_fields_say() -> None:
    original = Response.build("Auth", "SessionLogin", 200, "SessionRequest", {"SessionId": "x"})
    refused = attrs.evolve(original, code=401, request_id="Again")

    decoded = decode_reply(encode_reply(Reply([refused])))[0]

    assert (decoded.code, decoded.request_id) == (401, "Again")
    assert decoded["@attributes"]["Code"] == "401"


def test_hand_made_responses_and_placeholders_encode_to_decodable_envelopes() -> None:
    placeholder = Response.placeholder(Request("Order", "PlaceOrder", "R9"))
    bare = Response("Order", "ViewBasket", 200, "R1")

    decoded = decode_reply(encode_reply(Reply([bare, placeholder])))

    assert [(r.operation, r.code, r.request_id) for r in decoded] == [
        ("Order/ViewBasket", 200, "R1"),
        ("Order/PlaceOrder", 0, "R9"),
    ]
    assert decoded[1].message == "the server sent no response for this request"


# --- decoding -----------------------------------------------------------------


def test_decode_reply_keeps_the_http_status_headers_and_session_id() -> None:
    body = encode_reply(Reply([Response.build("T", "N", 200, "r")]))

    reply = decode_reply(body, status=400, headers={"content-type": "text/xml"}, session_id="s1")

    assert (reply.status, dict(reply.headers)) == (400, {"content-type": "text/xml"})
    assert reply.session_id == "s1"
    assert decode_reply(body).session_id is None


def test_decoding_a_pretty_printed_request_ignores_indentation_only() -> None:
    body = (
        b'<?xml version="1.0"?>\n<NoveroRequest>\n  <SessionId>abc</SessionId>\n'
        b'  <Request target="T" name="N" id="r1">\n    <Card>\n      <Name> Jo </Name>\n'
        b"    </Card>\n    <Line>a</Line>\n    <Line>b</Line>\n  </Request>\n</NoveroRequest>\n"
    )

    batch = decode_batch(body)

    assert batch == Batch(
        [Request("T", "N", "r1", {"Card": {"Name": " Jo "}, "Line": ["a", "b"]})], "abc"
    )


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        (b"<NoveroRequest><Hello/></NoveroRequest>", "unexpected <Hello>"),
        (
            b'<NoveroRequest><Request target="T" name="N"/>'
            b"<SessionId>a</SessionId></NoveroRequest>",
            "unexpected <SessionId> at position 2",
        ),
        (b'<NoveroRequest><Request name="N"/></NoveroRequest>', "lacks a target or name"),
        (b'<NoveroRequest><Request target="T"/></NoveroRequest>', "lacks a target or name"),
        (
            b'<NoveroRequest><Request target="T" name="N"><A>\x1b</A></Request></NoveroRequest>',
            "not well-formed",
        ),
        (b'<NoveroRequest><Request target="T" name="1N"/></NoveroRequest>', "'1N'"),
        (b'<NoveroRequest><Request target="T" name="N" id=""/></NoveroRequest>', "request id"),
        (b'<NoveroRequest><Request target="T" name="N" id="a:b"/></NoveroRequest>', "'a:b'"),
        (
            b'<NoveroRequest><Request target="T\xc3\xa9" name="N"/></NoveroRequest>',
            "target 'T\u00e9'",
        ),
        (
            b'<NoveroRequest><Request target="T" name="N"><xmlA>1</xmlA></Request></NoveroRequest>',
            "parameter name in request 'xmlA'",
        ),
        (
            b'<NoveroRequest><Request target="T" name="N"><A>1</A><b:c xmlns:b="u">2</b:c>'
            b"</Request></NoveroRequest>",
            "parameter name in request '{u}c'",
        ),
        (b"<NoveroResponse/>", "expected a <NoveroRequest> document"),
    ],
)
def test_decode_batch_refuses_what_is_not_a_valid_request_envelope(
    body: bytes, complaint: str
) -> None:
    with pytest.raises(ProtocolError, match=re.escape(complaint)):
        decode_batch(body)


# Every character there is, surrogates included, as one string.
_EVERY_CHARACTER = "".join(map(chr, range(0x110000)))


def test_expat_refuses_every_character_check_text_refuses() -> None:
    # decode_batch keeps the values the tree read without checking them
    # again (core._parsed_request): expat must refuse each such character,
    # written raw or as a reference.
    refused = [char for char in _EVERY_CHARACTER if not char.isprintable()]
    refused = [char for char in refused if char not in "\t\n\r" and _refused_by_check_text(char)]
    assert len(refused) == 29 + 2048 + 2  # C0 but tab, LF, CR; surrogates; U+FFFE, U+FFFF
    for char in refused:
        raw = f"<a>{char}</a>".encode("utf-8", "surrogatepass")
        for body in (raw, b"<a>&#%d;</a>" % ord(char)):
            with pytest.raises(ElementTree.ParseError):
                ElementTree.fromstring(body)


def _refused_by_check_text(char: str) -> bool:
    try:
        check_text(char, "value")
    except InvalidRequest:
        return True
    return False


def test_decode_reply_refuses_a_request_envelope() -> None:
    body = encode_batch(batch_of(Request("T", "N")))

    with pytest.raises(ProtocolError, match="expected a <NoveroResponse> document"):
        decode_reply(body)


# --- round trips --------------------------------------------------------------

# XML names, cheaply: every allowed kind of first and later character. (The
# refused kinds are in test_core.py; the plural-wrapper reading, which names
# ending in "s" can trigger, in test_content.py.)
_NAMES = st.builds(operator.add, st.sampled_from("aBz_Q"), st.text("aZ09_.-", max_size=6))
_CHARACTERS = st.one_of(
    st.sampled_from(list("£€é🎉\U0001f600&<>\"' \r\n\t\x7f\x85\u2028\ufdd0\U0010fffd")),
    st.characters(
        exclude_categories=("Cs", "Cc"),
        include_characters="\t\n\r",
        exclude_characters="\ufffe\uffff",
    ),
)
_TEXTS = st.text(_CHARACTERS, max_size=6)


def _nested(
    base: st.SearchStrategy[Any],
    extend: Callable[[st.SearchStrategy[Any]], st.SearchStrategy[Any]],
) -> st.SearchStrategy[Any]:
    """Values up to two containers deep (far cheaper to draw than ``st.recursive``)."""
    strategy = base
    for _ in range(2):
        strategy = st.one_of(base, extend(strategy))
    return strategy


def _mappings(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.dictionaries(_NAMES, values, min_size=1, max_size=3)


# Normalised values come back exactly: text, non-empty mappings, lists of two
# or more texts or mappings (a one-item list is one element, read as a scalar).
_VALUES = _nested(
    _TEXTS,
    lambda inner: st.one_of(
        _mappings(inner),
        st.lists(st.one_of(_TEXTS, _mappings(inner)), min_size=2, max_size=3),
    ),
)
# Anything the encoder accepts: numbers, None, empty and one-item lists, nesting.
_ANY_SCALARS = st.one_of(
    _TEXTS,
    st.none(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.decimals(allow_nan=False, allow_infinity=False, min_value=-(10**9), max_value=10**9),
)
_ANY_VALUES = _nested(
    _ANY_SCALARS,
    lambda inner: st.one_of(
        st.dictionaries(_NAMES, inner, max_size=3),
        st.lists(inner, max_size=3),
        st.tuples(inner),
    ),
)


def _batches(
    values: st.SearchStrategy[Any], texts: st.SearchStrategy[str] = _TEXTS
) -> st.SearchStrategy[Batch]:
    requests = st.builds(
        Request,
        target=_NAMES,
        name=_NAMES,
        id=st.none() | _NAMES,
        params=st.dictionaries(_NAMES, values, max_size=5),
    )
    return st.builds(
        Batch,
        st.lists(requests, max_size=3).map(tuple),
        session_id=st.none() | texts.filter(bool),
    )


_EXAMPLE_BATCH = Batch(
    [
        Request(
            "NoveroNumbers",
            "Set.Destination",
            "Request-1",
            {
                "Text": TRICKY,
                "Empty": "",
                "Nested": {"Inner": "£10", "Deeper": {"Astral": "\U0001f600"}},
                "Repeated": ["&", {"A": "<", "B": ">"}, "'\""],
            },
        ),
        Request("Order", "ViewBasket"),
    ],
    " \t\r\nsession £ ",
)


@settings(max_examples=200)
@given(_batches(_VALUES))
@example(_EXAMPLE_BATCH)
def test_a_batch_comes_back_from_the_wire_unchanged(batch: Batch) -> None:
    body = encode_batch(batch)

    decoded = decode_batch(body)

    assert decoded == batch
    assert encode_batch(decoded) == body


@given(_batches(_ANY_VALUES))
@example(
    Batch(
        [
            Request(
                "T",
                "N",
                None,
                {"One": ["x"], "None": None, "Int": 7, "Dec": Decimal("1E+2"), "Hollow": {"E": []}},
            ),
            Request("T", "OnlyEmptyLists", None, {"A": [], "B": ()}),
        ]
    )
)
def test_any_batch_is_written_the_same_after_one_trip_through_the_wire(batch: Batch) -> None:
    body = encode_batch(batch)

    assert encode_batch(decode_batch(body)) == body


# --- decode_batch's two readings -------------------------------------------
#
# A document in encode_batch's flat shape is read by regular expressions
# (codec._canonical_batch), anything else by the element tree
# (codec._tree_batch). Wherever the first answers, it must answer what the
# second does; wherever it declines, the tree decides, errors included.

_TREE_LIMITS = {"max_size": DEFAULT_MAX_SIZE, "max_depth": DEFAULT_MAX_DEPTH}
# Text the canonical reading takes as it is (the encoder escapes nothing in it).
_PLAIN_TEXTS = st.text(
    st.characters(
        exclude_categories=("Cs", "Cc"),
        include_characters="\t\n",
        exclude_characters="<>&]\ufffe\uffff",
    ),
    max_size=6,
)


def _agrees_with_the_tree(body: bytes) -> Batch | None:
    fast = _canonical_batch(body)
    if fast is not None:
        tree = _tree_batch(body, **_TREE_LIMITS)
        assert fast == tree
        # == compares parameters as dicts do, in any order: the wire's order too
        assert [list(r.params) for r in fast.requests] == [list(r.params) for r in tree.requests]
    return fast


@given(_batches(_PLAIN_TEXTS, _PLAIN_TEXTS))
@example(Batch([Request("T", "N", None, {"A": "", "B": "x y\tz\n"})], "s"))
def test_a_flat_batch_of_plain_text_is_read_without_the_tree(batch: Batch) -> None:
    body = encode_batch(batch)

    assert _agrees_with_the_tree(body) == batch
    assert decode_batch(body) == batch


@given(_batches(_ANY_VALUES))
def test_the_canonical_reading_of_any_encoded_batch_is_the_tree_s(batch: Batch) -> None:
    _agrees_with_the_tree(encode_batch(batch))


# What a mutation inserts: markup, references, quoting, whitespace, bytes no
# UTF-8 text holds, U+FFFE, names XML or the project reserves.
_SPLICES = [
    b"<", b">", b"/", b"&", b"&amp;", b"&#60;", b"]]>", b"]", b"\r", b" ", b"\n", b"\t",
    b'"', b"'", b"=", b":", b"\x00", b"\x1b", b"\xff", b"\xef\xbf\xbe", b"\xc3\xa9",
    b"<!DOCTYPE a>", b"<!--c-->", b"<?pi x?>", b"<![CDATA[x]]>", b"<A>", b"</A>", b"<A/>",
    b"xml", b"<xmlA>1</xmlA>", b"<b:c>1</b:c>", b' id=""', b' id="x"', b"<Request ",
    b"0", b"x", b"\x0b", b"\x0c", b"\x7f", b"\xef\xbf\xbf", b"\xed\xa0\x80", b"\xf4\x8f\xbf\xbf",
    b"</Request>", b"<SessionId>s</SessionId>", b"<Request target=\"T\" name=\"N\"/>",
]  # fmt: skip


@settings(max_examples=300)
@given(_batches(_PLAIN_TEXTS, _PLAIN_TEXTS), st.data())
def test_a_mutated_document_is_read_as_the_tree_reads_it_or_left_to_it(
    batch: Batch, data: st.DataObject
) -> None:
    body = encode_batch(batch)
    start = data.draw(st.integers(0, len(body)))
    stop = data.draw(st.integers(start, min(len(body), start + 3)))
    splice = data.draw(st.sampled_from([b"", *_SPLICES]))
    mutated = body[:start] + splice + body[stop:]

    _agrees_with_the_tree(mutated)


def test_the_canonical_reading_admits_only_characters_check_text_accepts() -> None:
    admitted = "".join(re.findall(_PLAIN_CHARACTER, _EVERY_CHARACTER))

    assert check_text(admitted, "text") == admitted
    # all but markup, references, CR and what XML 1.0 refuses
    assert len(admitted) == 0x110000 - 3 - 1 - 29 - 2048 - 2


_CANONICAL = b'<NoveroRequest><Request target="T" name="N"><A>%s</A></Request></NoveroRequest>'


@pytest.mark.parametrize(
    "body",
    [
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x [<!ENTITY e "v">]>'
        + _CANONICAL % b"&e;",
        _CANONICAL % b"&e;",
        _CANONICAL % b"&#0;",
        _CANONICAL % b"a]]>b",
        _CANONICAL % b"\x0b",
        _CANONICAL % b"\xef\xbf\xbf",
        _CANONICAL % b"\xed\xa0\x80",
        _CANONICAL.replace(b'name="N"', b"name='N\"", 1) % b"1",
        _CANONICAL.replace(b"</A>", b"</B>", 1) % b"1",
        _CANONICAL.replace(b'name="N"', b'name="N" id="xmlr"', 1) % b"1",
        _CANONICAL.replace(b"<Request", b'<Request target="T" name="N"/><X/><Request', 1) % b"1",
        _CANONICAL.replace(b"</NoveroRequest>", b"<X/></NoveroRequest>", 1) % b"1",
    ],
)
def test_a_document_of_almost_the_canonical_shape_is_left_to_the_tree_which_refuses_it(
    body: bytes,
) -> None:
    assert _canonical_batch(body) is None
    with pytest.raises(ProtocolError):
        decode_batch(body)


@pytest.mark.parametrize(
    ("body", "batch"),
    [
        (b"<NoveroRequest/>", None),  # read by the tree: the shape has an opening tag
        (b"<NoveroRequest></NoveroRequest>", Batch(())),
        (b"<NoveroRequest><SessionId></SessionId></NoveroRequest>", Batch(())),
        (b"<NoveroRequest><SessionId/></NoveroRequest>\n", Batch(())),
        (
            b'<NoveroRequest><Request target="T" name="N"/></NoveroRequest>',
            Batch([Request("T", "N")]),
        ),
        (
            b'<NoveroRequest><Request target="T" name="N" id="r"><A/><B></B><C>\xc2\x85</C>'
            b"</Request></NoveroRequest>",
            Batch([Request("T", "N", "r", {"A": "", "B": "", "C": "\x85"})]),
        ),
        # Left to the tree: a repeated parameter (a list), escaped text, a raw ">".
        (b'<NoveroRequest><Request target="T" name="N"><A>1</A><A>2</A></Request>'
         b"</NoveroRequest>", None),
        (b'<NoveroRequest><Request target="T" name="N"><A/><B/><C/><C/></Request>'
         b"</NoveroRequest>", None),
        (b'<NoveroRequest><Request target="T" name="N"><A/><B/><C/><A/></Request>'
         b"</NoveroRequest>", None),
        (b'<NoveroRequest><Request target="T" name="N"><A>&amp;</A></Request>'
         b"</NoveroRequest>", None),
        (b'<NoveroRequest><Request target="T" name="N"><A>a>b</A></Request>'
         b"</NoveroRequest>", None),
    ],
)  # fmt: skip
def test_what_the_canonical_reading_takes_and_leaves(body: bytes, batch: Batch | None) -> None:
    assert _agrees_with_the_tree(body) == batch
    assert decode_batch(body) == _tree_batch(body, **_TREE_LIMITS)


def test_the_limits_hold_for_a_document_of_the_canonical_shape() -> None:
    body = encode_batch(Batch([Request("T", "N", "r", {"A": "1"})]))

    with pytest.raises(ProtocolError, match="deeper than 2"):
        decode_batch(body, max_depth=2)
    with pytest.raises(ProtocolError, match="larger than"):
        decode_batch(body, max_size=len(body) - 1)
    assert decode_batch(body, max_size=len(body)) == decode_batch(bytearray(body))


_RESERVED = {"target", "name", "Code", "RequestId"}
_PLAIN_NAMES = _NAMES.filter(lambda name: not name.endswith("s"))  # no plural-wrapper reading
_EXTRA_NAMES = _NAMES.filter(lambda name: name not in _RESERVED)
_ATTRIBUTES = st.dictionaries(_NAMES, _TEXTS, min_size=1, max_size=2)
_SOLID_TEXTS = _TEXTS.filter(lambda text: bool(text) and not text.isspace())


def _element(
    children: dict[str, Any], attributes: dict[str, str] | None, text: str | None
) -> dict[str, Any]:
    """A mapping that reads back as itself: never without children and attributes both."""
    element = dict(children)
    if attributes is not None or not children:
        element["@attributes"] = attributes or {"Empty": ""}
    if text is not None:
        element["#text"] = text
    return element


def _elements(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _element,
        st.dictionaries(_PLAIN_NAMES, inner, max_size=3),
        st.none() | _ATTRIBUTES,
        st.none() | _SOLID_TEXTS,
    )


_READABLE = _nested(
    _TEXTS,
    lambda inner: st.one_of(
        _elements(inner), st.lists(st.one_of(_TEXTS, _elements(inner)), min_size=2, max_size=3)
    ),
)


def _response(
    wire: tuple[str | None, str | None, int, str | None],
    data: dict[str, Any],
    extra: dict[str, str],
    message: str | None,
) -> Response:
    if extra:
        data = {**data, "@attributes": extra}
    return Response.build(*wire, data, message=message)


def _replies(values: st.SearchStrategy[Any], names: st.SearchStrategy[str]) -> Any:
    maybe_name = st.none() | _NAMES
    responses = st.builds(
        _response,
        st.tuples(maybe_name, maybe_name, st.integers(0, 999), maybe_name),
        st.dictionaries(names, values, max_size=3),
        st.dictionaries(_EXTRA_NAMES, _TEXTS, max_size=2),
        st.none() | _TEXTS,
    )
    return st.lists(responses, max_size=3).map(Reply)


def _reading(response: Response) -> Any:
    return json.loads(json.dumps(response.to_dict()))


_EXAMPLE_REPLY = Reply(
    [
        Response.build(
            "NoveroNumberSearch",
            "Search",
            200,
            "Request1",
            {
                "@attributes": {"Note": TRICKY},
                "Number": [{"RawNumber": "01245835013", "alpha": ""}, {"RawNumber": "£"}],
                "BandCount": [
                    {"@attributes": {"Band": "00"}, "#text": "7,859"},
                    {"@attributes": {"Band": "10"}, "#text": TRICKY},
                ],
                "Astral": "\U0001f600",
            },
            message="OK & done",
        )
    ]
)


@settings(max_examples=200)
@given(_replies(_READABLE, _PLAIN_NAMES))
@example(_EXAMPLE_REPLY)
def test_a_reply_comes_back_from_the_wire_unchanged_and_reads_the_same(reply: Reply) -> None:
    body = encode_reply(reply)

    decoded = decode_reply(body)

    assert decoded == reply
    assert [_reading(r) for r in decoded] == [_reading(r) for r in reply]
    assert [(r.target, r.name, r.code, r.request_id) for r in decoded] == [
        (r.target, r.name, r.code, r.request_id) for r in reply
    ]
    assert encode_reply(decoded) == body


@given(st.dictionaries(_PLAIN_NAMES, _READABLE, max_size=4))
def test_a_reply_reads_back_as_the_data_it_was_built_from(content: dict[str, Any]) -> None:
    response = Response.build("T", "N", 200, "r", content)

    decoded = decode_reply(encode_reply(Reply([response])))[0]

    expected = {"@attributes": {"target": "T", "name": "N", "Code": "200", "RequestId": "r"}}
    assert decoded.to_dict() == {**expected, **content}


def _any_elements(inner: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        _any_element,
        st.dictionaries(_NAMES, inner, max_size=3),
        st.dictionaries(_NAMES, _ANY_SCALARS, max_size=2),
        st.none() | _ANY_SCALARS,
    )


def _any_element(children: dict[str, Any], attributes: dict[str, Any], text: Any) -> dict[str, Any]:
    element = dict(children)
    if attributes:
        element["@attributes"] = attributes
    if text is not None:
        element["#text"] = text
    return element


_ANY_READABLE = _nested(
    _ANY_SCALARS,
    lambda inner: st.one_of(_any_elements(inner), st.lists(inner, max_size=3)),
)


@given(_replies(_ANY_READABLE, _NAMES))
def test_any_reply_is_written_the_same_after_one_trip_through_the_wire(reply: Reply) -> None:
    body = encode_reply(reply)

    assert encode_reply(decode_reply(body)) == body


# --- TTNC's documented examples -------------------------------------------------

_LOGIN = Request(
    "Auth",
    "SessionLogin",
    "SessionRequest",
    {"Username": "98765", "Password": "Password", "VKey": "adf65ab"},
)
DOCUMENTED_REQUESTS: Mapping[str, Batch] = {
    "gettotals.request.xml": batch_of(
        Request("NoveroCDR", "GetTotals", "TestRequest", {"Number": "01213691057"})
    ),
    "login-and-search.request.xml": batch_of(
        Request(
            "Auth",
            "SessionLogin",
            "SessionRequest",
            {
                "Username": "user@example.com",
                "Password": "MySuperSecretPassword",
                "VKey": "a75ac3289b7a145579bec8ad5ec60a",
            },
        ),
        Request(
            "NoveroNumberSearch",
            "Search",
            "Request1",
            {"Range": "01245", "Limit": 1, "Band": "00"},
        ),
    ),
    "login.request.xml": batch_of(_LOGIN),
    "placeorder.request.xml": batch_of(
        Request("Order", "PlaceOrder", "TestRequest", {"TokenId": 12883, "CV2": "123"})
    ),
    "setdestination.request.xml": batch_of(
        Request(
            "NoveroNumbers",
            "SetDestination",
            "Request1",
            {"Number": "02031511000", "Destination": "07512312312"},
        ),
        session_id="696dc3d523ce992bd21c028df2c79fe4",
    ),
    "with-session.request.xml": batch_of(
        Request("Order", "ViewBasket", "Request1Id"),
        session_id="696dc3d523ce992bd21c028df2c79fe4",
    ),
}


def _canonical(document: bytes) -> str:
    return ElementTree.canonicalize(document.decode("utf-8"), strip_text=True)


def test_every_documented_example_decodes(examples_dir: Path) -> None:
    requests = sorted(examples_dir.glob("*.request.xml"))
    responses = sorted(examples_dir.glob("*.response.xml"))

    assert {path.name for path in requests} == set(DOCUMENTED_REQUESTS)
    assert len(responses) >= 2
    for path in requests:
        assert decode_batch(path.read_bytes()).requests, path.name
    for path in responses:
        reply = decode_reply(path.read_bytes())
        assert reply.responses and reply.ok, path.name


@pytest.mark.parametrize("name", sorted(DOCUMENTED_REQUESTS))
def test_each_documented_request_is_what_the_encoder_writes(examples_dir: Path, name: str) -> None:
    documented = (examples_dir / name).read_bytes()
    batch = DOCUMENTED_REQUESTS[name]

    assert _canonical(encode_batch(batch)) == _canonical(documented)


@pytest.mark.parametrize("name", sorted(DOCUMENTED_REQUESTS))
def test_each_documented_request_decodes_to_the_batch_it_describes(
    examples_dir: Path, name: str
) -> None:
    decoded = decode_batch((examples_dir / name).read_bytes())

    # The documents carry numbers as text: compare what goes on the wire.
    assert encode_batch(decoded) == encode_batch(DOCUMENTED_REQUESTS[name])


def test_documented_login_answers_decode_to_their_session_ids(examples_dir: Path) -> None:
    login = decode_reply((examples_dir / "login.response.xml").read_bytes())

    assert [(r.operation, r.code, r.request_id) for r in login] == [
        ("Auth/SessionLogin", 200, "SessionRequest")
    ]
    assert login[0]["SessionId"] == "696dc3d523ce992bd21c028df2c79fe4"


def test_the_copied_examples_are_byte_exact_copies_of_the_documentation() -> None:
    copies = Path(__file__).resolve().parent / "vectors"
    originals = Path(__file__).resolve().parents[1].parent / "shared" / "ttnc" / "examples"
    if not originals.is_dir():
        pytest.skip(f"the documentation is not beside this checkout ({originals})")

    names = sorted(path.name for path in originals.glob("*.xml"))

    assert names == sorted(path.name for path in copies.glob("*.xml"))
    for name in names:
        assert (copies / name).read_bytes() == (originals / name).read_bytes(), name


_ATTRIBUTE_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x2FF), max_size=12)


@given(
    st.none() | _ATTRIBUTE_TEXT,
    st.none() | _ATTRIBUTE_TEXT,
    st.integers(min_value=0, max_value=999),
    st.none() | _ATTRIBUTE_TEXT,
)
def test_an_empty_response_is_written_as_the_general_writer_writes_it(
    target: str | None, name: str | None, code: int, request_id: str | None
) -> None:
    _assert_written_as_the_general_writer_writes_it(target, name, code, request_id)


def _assert_written_as_the_general_writer_writes_it(
    target: str | None, name: str | None, code: int, request_id: str | None
) -> None:
    # Response(...) has an empty element and takes the encoder's short path;
    # Response.build(...) puts the attributes on its element: the general path.
    short = encode_reply(Reply([Response(target, name, code, request_id)]))
    general = encode_reply(Reply([Response.build(target, name, code, request_id)]))
    # What the sandbox writes: no Response object at all.
    bare = reply_document([encode_bare_response(target, name, code, request_id)])

    assert short == general == bare
    (decoded,) = decode_reply(short).responses
    assert (decoded.target, decoded.name, decoded.code, decoded.request_id) == (
        target,
        name,
        code,
        request_id,
    )


@pytest.mark.parametrize(
    ("target", "name", "request_id"),
    [("NoveroNumbers", "SetDestination", 'a"b&<\t>\r\n'), ("T", "N", "r1")],
)
def test_an_empty_response_of_checked_names_is_written_as_the_general_writer_writes_it(
    target: str, name: str, request_id: str
) -> None:
    # Names seen before skip the search for what to escape: the id still gets it.
    check_name(target, "target")
    check_name(name, "operation name")
    _assert_written_as_the_general_writer_writes_it(target, name, 200, request_id)


def test_a_response_with_another_element_keeps_its_tag() -> None:
    odd = Response("T", "N", 200, "r1", ElementTree.Element("Answer"))
    assert b'<Answer target="T" name="N" Code="200" RequestId="r1"/>' in encode_reply(Reply([odd]))
