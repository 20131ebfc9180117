"""Hostile input in requests: refused before any I/O, or carried to the server exactly.

Hypothesis builds targets, operation names, ids, parameter names, values
and session ids from every class of character that can break an XML
envelope: markup (``<``, ``&``, ``]]>``, quotes), control characters and
NUL, lone surrogates, U+FFFE/U+FFFF, non-ASCII and astral characters,
``xml``-prefixed names, bidi overrides, CR/LF. Each goes through the
public paths (``Request`` and ``Client.send``, the ``TTNCApi`` spool) to a
sandbox over real HTTP. Exactly one of two things may happen:

- InvalidRequest, and the sandbox's journal shows no new envelope;
- the sandbox decodes an envelope whose batch equals what was sent, value
  for value (the journal keeps the decoded batch).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_support import logged_in

from ttnc_pipeline import Batch, Client, InvalidRequest, ManualClock, Request, TTNCApi
from ttnc_pipeline.sandbox import Sandbox

PIECES = [
    *("<", ">", "&", '"', "'", "]]>", "<![CDATA[", "&amp;", "&#0;", "<!DOCTYPE x>", "<?xml?>"),
    *("\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\x7f", "\x85", "\t", "\n", "\r", "\r\n"),
    *("\ud800", "\udfff", "\ud83d\ude00", "\ufffe", "\uffff", "\ufdd0", "\u2028", "\u202e"),
    *("é", "ß", "日本", "\U0001f600", "\U0010fffd", " ", "  "),
    *("xml", "XML", "xmlns", "Xml-", ":", "-", ".", "0", "_", "a"),
]
"""Fragments that break envelopes written carelessly."""

hostile_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=3), st.characters()), max_size=8
).map("".join)
valid_names = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.\-]{0,12}", fullmatch=True)
names = st.one_of(valid_names, hostile_text)
values = st.one_of(
    hostile_text,
    st.lists(hostile_text, min_size=2, max_size=3),
    st.dictionaries(valid_names, hostile_text, min_size=1, max_size=2),
)


@pytest.fixture(scope="module")
def client(shared_sandbox: Sandbox) -> Iterator[Client]:
    """A client holding a session on the module's sandbox."""
    with logged_in(shared_sandbox, ManualClock(), retry=False) as ready:
        yield ready


def arrived(sandbox: Sandbox, before: int) -> Batch:
    """The one batch the sandbox decoded since the journal held ``before`` envelopes."""
    envelopes = sandbox.journal.envelopes
    assert len(envelopes) == before + 1
    batch = envelopes[-1].batch
    assert batch is not None, envelopes[-1].error
    return batch


@settings(max_examples=150)
@given(
    target=names,
    name=names,
    request_id=st.one_of(st.none(), names),
    params=st.dictionaries(names, values, max_size=3),
)
def test_a_request_is_refused_before_any_io_or_arrives_exactly(
    shared_sandbox: Sandbox,
    client: Client,
    target: str,
    name: str,
    request_id: str | None,
    params: dict[str, Any],
) -> None:
    before = shared_sandbox.journal.envelope_count
    try:
        request = Request(target, name, request_id, params)
        reply = client.send(Batch([request]))
    except InvalidRequest:
        assert shared_sandbox.journal.envelope_count == before
        return
    batch = arrived(shared_sandbox, before)
    answered = reply.responses[-1].request_id
    assert batch.requests == (request if request.id else request.with_id(answered),)


@settings(max_examples=60)
@given(session_id=hostile_text)
def test_a_session_id_is_refused_before_any_io_or_arrives_exactly(
    shared_sandbox: Sandbox, session_id: str
) -> None:
    anonymous = Client(shared_sandbox.url, clock=ManualClock(), retry=False)  # no credentials
    before = shared_sandbox.journal.envelope_count
    try:
        reply = anonymous.send(Batch([Request("NoveroCDR", "GetTotals", "T")], session_id))
    except InvalidRequest:
        assert shared_sandbox.journal.envelope_count == before
        return
    finally:
        anonymous.close()
    assert arrived(shared_sandbox, before).session_id == session_id
    assert reply.responses[0].code == 401  # an unknown session, refused by the server


@settings(max_examples=80)
@given(
    target=names,
    name=names,
    key=names,
    value=values,
    session_id=st.one_of(st.none(), hostile_text),
)
def test_the_spool_refuses_before_any_io_or_sends_exactly(
    shared_sandbox: Sandbox,
    target: str,
    name: str,
    key: str,
    value: Any,
    session_id: str | None,
) -> None:
    sandbox = shared_sandbox
    api = TTNCApi(url=sandbox.url, clock=ManualClock(), retry=False)
    before = sandbox.journal.envelope_count
    try:
        if session_id is not None:
            api.usesession(session_id)
        spooled = api.newrequest(target, name, "Spooled").setdata(key, value)
        api.makerequests()
    except InvalidRequest:
        assert sandbox.journal.envelope_count == before
        assert api.last_reply is None
        return
    finally:
        api.close()
    batch = arrived(sandbox, before)
    assert batch.requests == (spooled.to_request(),)
    assert batch.session_id == api.session_id


def test_a_refused_session_id_keeps_the_spool(shared_sandbox: Sandbox) -> None:
    """Misuse fails at once, and what was spooled is still there to send."""
    api = TTNCApi(url=shared_sandbox.url, clock=ManualClock(), retry=False)
    api.newrequest("NoveroCDR", "GetTotals", "T")
    with pytest.raises(InvalidRequest):
        api.usesession("abc\x00def")
    assert [spooled.id for spooled in api.pending] == ["T"]
    api.close()
