"""Secrets never show: not in text, mappings, log events, reprs or error messages."""

from __future__ import annotations

import json
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from ttnc_pipeline.codec import encode_batch
from ttnc_pipeline.core import Batch, HTTPRequest, Request, Response
from ttnc_pipeline.redaction import (
    MASK,
    SENSITIVE_ELEMENTS,
    is_sensitive,
    redact_event,
    redact_mapping,
    redact_text,
)

NAMES = sorted(SENSITIVE_ELEMENTS)
# Any text XML can carry; a marker prefix makes any leak, even partial, findable.
_XML_TEXT = st.text(
    st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t\n\r"), max_size=12
)
SECRETS = _XML_TEXT.map(lambda tail: "s3cr3t-" + tail)
TOKENS = st.text("abcXYZ0129-_./+=@!#$%", min_size=1, max_size=16).map(lambda t: "s3cr3t" + t)
SENSITIVE = st.sampled_from(NAMES).flatmap(
    lambda name: st.sampled_from([name, name.lower(), name.upper()])
)


def test_the_secret_names_are_the_documented_ones() -> None:
    assert set(NAMES) == {"Username", "Password", "VKey", "SessionId", "CardNumber", "CV2"}


@pytest.mark.parametrize("name", NAMES)
def test_sensitivity_ignores_case(name: str) -> None:
    assert is_sensitive(name) and is_sensitive(name.lower()) and is_sensitive(name.upper())


@pytest.mark.parametrize("name", ["Number", "Destination", "TokenId", "Session", "Passwords", ""])
def test_other_names_are_not_sensitive(name: str) -> None:
    assert not is_sensitive(name)


# --- redact_text --------------------------------------------------------------------


@given(SENSITIVE, SECRETS)
def test_an_element_value_is_masked(name: str, secret: str) -> None:
    text = f"before <{name}>{escape(secret)}</{name}> after"

    assert redact_text(text) == f"before <{name}>{MASK}</{name}> after"


@given(SENSITIVE, SECRETS)
def test_an_element_with_attributes_is_masked_and_keeps_them(name: str, secret: str) -> None:
    text = f'<{name} type="plain">{escape(secret)}</{name}>'

    assert redact_text(text) == f'<{name} type="plain">{MASK}</{name}>'


@given(SENSITIVE, SECRETS)
def test_a_value_cut_off_by_truncation_is_masked(name: str, secret: str) -> None:
    assert redact_text(f"<x><{name}>{escape(secret)}") == f"<x><{name}>{MASK}</{name}>"


@given(SENSITIVE, SECRETS)
def test_cdata_comments_and_children_inside_a_secret_are_masked(name: str, secret: str) -> None:
    safe = secret.replace("]]>", "")
    text = f"<{name}><![CDATA[{safe}]]><!-- {escape(secret)} --><b>{escape(secret)}</b></{name}>!"

    assert redact_text(text) == f"<{name}>{MASK}</{name}>!"


def test_a_self_closing_sensitive_element_hides_nothing_after_it() -> None:
    text = "<Password/><Password /><Number>0123</Number>"

    assert redact_text(text) == text


def test_several_secrets_in_one_text_are_all_masked() -> None:
    text = "<SessionId>a1</SessionId><Number>1</Number><CV2>123</CV2><VKey>k</VKey>"

    assert redact_text(text) == (
        "<SessionId>***</SessionId><Number>1</Number><CV2>***</CV2><VKey>***</VKey>"
    )


@given(SENSITIVE, SECRETS)
def test_a_json_value_is_masked(name: str, secret: str) -> None:
    text = json.dumps({name: secret, "Number": "0123"})

    assert json.loads(redact_text(text)) == {name: MASK, "Number": "0123"}


@given(SENSITIVE, SECRETS)
def test_a_python_repr_value_is_masked(name: str, secret: str) -> None:
    quoted = repr(secret)

    assert redact_text(f"{{{name!r}: {quoted}}}") == f"{{{name!r}: {quoted[0]}{MASK}{quoted[0]}}}"


@given(SENSITIVE, SECRETS)
def test_an_xml_attribute_value_is_masked(name: str, secret: str) -> None:
    text = f"<Request {name}={quoteattr(secret)} id=r1/>"

    redacted = redact_text(text)

    assert "s3cr3t" not in redacted
    assert redacted.startswith(f"<Request {name}={quoteattr(secret)[0]}{MASK}")


@given(SENSITIVE, TOKENS, st.sampled_from(["=", ": ", " = "]))
def test_an_unquoted_key_value_pair_is_masked(name: str, token: str, sign: str) -> None:
    text = f"login failed {name}{sign}{token} retry=1, next"

    assert redact_text(text) == f"login failed {name}{sign}{MASK} retry=1, next"


def test_text_without_secrets_is_unchanged() -> None:
    text = "<Number>01245835013</Number> Session=none Passwords: plural"

    assert redact_text(text) == text


# --- mappings and log events -----------------------------------------------------------


@given(SENSITIVE, SECRETS)
def test_a_mapping_masks_secrets_at_any_depth(name: str, secret: str) -> None:
    data = {
        name: secret,
        "Card": {name: {"Nested": secret}, "Name": "Jo"},
        "Lines": [{name: secret}, f"<{name}>{escape(secret)}</{name}>", [f"{name}={secret}"]],
        "Count": 3,
        7: "a non-string key",
    }

    redacted = redact_mapping(data)

    assert "s3cr3t" not in repr(redacted)
    assert redacted["Card"]["Name"] == "Jo"
    assert redacted["Count"] == 3 and redacted[7] == "a non-string key"
    assert data[name] == secret  # the original is untouched


def test_a_whole_structure_under_a_sensitive_key_is_masked() -> None:
    assert redact_mapping({"CardNumber": ["4111", {"x": 1}], "Number": ["1", "2"]}) == {
        "CardNumber": MASK,
        "Number": ["1", "2"],
    }


def test_redact_event_works_as_a_structlog_processor() -> None:
    captured = structlog.testing.CapturingLogger()
    logger = structlog.wrap_logger(captured, processors=[redact_event])

    logger.info("ttnc.batch", Password="hunter2", body="<SessionId>abc123</SessionId>", ids=["r1"])

    (call,) = captured.calls
    assert call.kwargs == {
        "event": "ttnc.batch",
        "Password": MASK,
        "body": f"<SessionId>{MASK}</SessionId>",
        "ids": ["r1"],
    }


# --- reprs -------------------------------------------------------------------------------


@given(SECRETS)
def test_reprs_of_the_envelope_never_show_secret_values(secret: str) -> None:
    login = Request(
        "Auth",
        "SessionLogin",
        "SessionRequest",
        {"Username": secret, "Password": secret, "VKey": secret},
    )
    card = Request(
        "NoveroUser",
        "AddCard",
        "R1",
        {"Card": {"CardNumber": secret, "CV2": secret}, "Cards": [{"CardNumber": secret}]},
    )
    batch = Batch([login, card], session_id=secret)
    response = Response.build(
        "Auth",
        "SessionLogin",
        200,
        "SessionRequest",
        {"SessionId": secret, "Card": {"CV2": secret, "Name": "Jo"}},
    )
    http = HTTPRequest(encode_batch(batch), {"X-Session": secret})

    shown: list[Any] = [login, card, batch, response, response["Card"], http]
    for thing in shown:
        assert "s3cr3t" not in repr(thing), type(thing).__name__
    assert "Jo" in repr(response)
