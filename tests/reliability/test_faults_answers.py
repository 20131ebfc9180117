"""Answers that say "wait", answers that are not XML, answers that do not match the requests.

Issue 7's scenarios 4, 6 and 7, over real loopback HTTP:

4. 503 and 429 with ``Retry-After`` in seconds, as an HTTP date, and hostile
   (``0``, ``-1``, ``abc``, ``86400``): honoured up to the cap, never past
   the call's deadline; ``Retry-After`` on a 200 is not a reason to retry;
   a batch that may have been carried out before the server got busy is
   reported as outcome unknown, never as not sent;
6. an HTML error page with 200, 502 and 503: ProtocolError or a retry, by
   the safety rules, with a short redacted excerpt in the error;
7. a missing, duplicated, unknown or id-less ``Response``, and responses in
   any order (hypothesis).

The client retries on a ManualClock: waits are recorded, not slept.
"""

from __future__ import annotations

import email.utils
import re

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reliability_support import (
    LIST,
    Figures,
    add_to_basket,
    client_for,
    logged_in,
    numbers_for_sale,
)

from ttnc_pipeline import (
    Batch,
    CorrelationError,
    ManualClock,
    OutcomeUnknown,
    ProtocolError,
    Reply,
    Request,
    RequestNotSent,
    Response,
    RetryPolicy,
    ServerBusy,
)
from ttnc_pipeline.codec import encode_reply
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.testing.hostile import HTML_ERROR_PAGE

# --- 4. Retry-After ------------------------------------------------------------

RETRY_AFTER = [
    pytest.param(503, "7", 7.0, id="503 seconds"),
    pytest.param(429, "7", 7.0, id="429 seconds"),
    pytest.param(429, "+12 s", 12.0, id="429 http date"),
    pytest.param(503, "-30 s", 0.0, id="503 date in the past"),
    pytest.param(503, "0", 0.0, id="503 zero"),
    pytest.param(503, "-1", 0.5, id="503 negative: backoff"),
    pytest.param(503, "abc", 0.5, id="503 garbage: backoff"),
    pytest.param(503, "86400", 60.0, id="503 a day: capped"),
]


def header_value(value: str, clock: ManualClock) -> str:
    """``value``, with ``"+12 s"`` turned into the HTTP date 12 s after the clock's now."""
    offset = re.fullmatch(r"([+-][0-9]+) s", value)
    if offset is not None:
        return email.utils.formatdate(clock.time() + int(offset.group(1)), usegmt=True)
    return value


@pytest.mark.parametrize(("status", "value", "waited"), RETRY_AFTER)
def test_retry_after_is_honoured_up_to_the_cap(
    sandbox: Sandbox, status: int, value: str, waited: float, figures: Figures
) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    sandbox.faults.status(status, {"Retry-After": header_value(value, clock)})
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 2
    assert clock.slept == [pytest.approx(waited)]
    assert sandbox.journal.envelope_count == 2
    assert sandbox.journal.count("ListNumbers") == 1
    figures.add("faults", {"scenario": f"4 {status} Retry-After {value}", "outcome": "ok"})


RETRY_AFTER_VALUES = st.one_of(
    st.integers(min_value=0, max_value=10**7).map(str),
    st.integers(min_value=-(10**6), max_value=10**6).map(lambda s: f"{s:+d} s"),
    st.sampled_from(["-1", "abc", "1e9", "5.5", " 7 ", "", "0x10", "Sun, 99 Foo 2024"]),
    st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=30),
)


@settings(max_examples=40)
@example(value="1", deadline=1.0, cap=0.99609375)  # the wait leaves the retry 4 ms
@given(
    value=RETRY_AFTER_VALUES,
    deadline=st.floats(min_value=1.0, max_value=300.0),
    cap=st.floats(min_value=0.0, max_value=120.0),
)
def test_no_retry_after_waits_past_the_cap_or_the_deadline(
    shared_sandbox: Sandbox, value: str, deadline: float, cap: float
) -> None:
    sandbox = shared_sandbox
    sandbox.faults.clear()
    clock = ManualClock()
    client = client_for(sandbox, clock, retry=RetryPolicy(retry_after_max=cap, deadline=deadline))
    sandbox.journal.clear()
    sandbox.faults.status(503, {"Retry-After": header_value(value, clock)}, times=10)
    try:
        client.send(LIST)
    except ServerBusy:
        answered = len(clock.slept) + 1
    except (OutcomeUnknown, RequestNotSent):
        # The policy starts an attempt with any time left; after a wait that
        # left it milliseconds, the attempt ran out of time on the way.
        assert deadline - sum(clock.slept) < 1.0
        answered = len(clock.slept)
    sandbox.faults.clear()
    assert sum(clock.slept) < deadline
    assert all(0.0 <= wait <= max(cap, RetryPolicy().backoff_max) for wait in clock.slept)
    if value.strip().isdigit():
        assert all(wait == min(float(value), cap) for wait in clock.slept)
    assert answered <= sandbox.journal.envelope_count <= len(clock.slept) + 1
    assert sandbox.journal.count(None, ok=None) == 0


def test_a_200_with_retry_after_is_an_answer(sandbox: Sandbox) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    body = encode_reply(Reply([Response.build("NoveroNumbers", "ListNumbers", 200, "List")]))
    sandbox.faults.raw(body, headers={"Retry-After": "5"})
    reply = client.send(LIST)
    assert reply.ok and reply.attempts == 1
    assert clock.slept == []
    assert sandbox.journal.envelope_count == 1


def test_busy_after_a_lost_answer_is_outcome_unknown_not_not_sent(
    sandbox: Sandbox, figures: Figures
) -> None:
    """The first attempt was carried out; "nothing was carried out" would be false."""
    client = logged_in(sandbox, ManualClock())
    number = next(iter(sandbox.state.account(sandbox.credentials.username).numbers))
    sandbox.faults.truncate()
    sandbox.faults.status(503, times=3)
    route = {"Number": number, "Destination": "07512312399"}
    with pytest.raises(OutcomeUnknown) as caught:
        client.send(Batch([Request("NoveroNumbers", "SetDestination", "Route", route)]))
    assert not isinstance(caught.value, ServerBusy)
    assert caught.value.request_ids == ("Route",)
    assert sandbox.journal.envelope_count == 4
    assert sandbox.journal.count("SetDestination") == 1
    assert sandbox.state.account(sandbox.credentials.username).numbers[number] == "07512312399"
    figures.add("faults", {"scenario": "4 busy after a lost answer", "outcome": "OutcomeUnknown"})


# --- 6. HTML error pages -------------------------------------------------------

SECRET_SESSION = "8c3ad0c1f0e94b7d9a6e2f5b1c4d7e90"
PAGE = HTML_ERROR_PAGE.replace(b"<hr>", f"<hr><SessionId>{SECRET_SESSION}</SessionId>".encode())


@pytest.mark.parametrize("status", [200, 502, 503])
@pytest.mark.parametrize("unsafe", [False, True], ids=["read-only", "unsafe"])
def test_an_html_error_page_is_refused_or_retried_by_the_rules(
    sandbox: Sandbox, status: int, unsafe: bool, figures: Figures
) -> None:
    clock = ManualClock()
    client = logged_in(sandbox, clock)
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    sandbox.faults.raw(PAGE, status=status, headers={"Content-Type": "text/html"}, times=10)
    batch = Batch([add_to_basket(number, "Add")]) if unsafe else LIST
    expected: type[Exception]
    if status == 503:
        expected, attempts = ServerBusy, 4  # refused unprocessed: any batch is retried
    elif unsafe:
        expected, attempts = OutcomeUnknown, 1
    else:
        expected, attempts = (ProtocolError if status == 200 else OutcomeUnknown), 4
    with pytest.raises(expected) as caught:
        client.send(batch)
    sandbox.faults.clear()
    message = str(caught.value)
    assert "502 Bad Gateway" in message  # what the page said, in short
    assert SECRET_SESSION not in message and len(message) < 500
    assert sandbox.journal.envelope_count == attempts
    assert sandbox.journal.count(None, ok=None) == 0
    figures.add(
        "faults",
        {
            "scenario": f"6 HTML page, HTTP {status}, {'unsafe' if unsafe else 'read-only'}",
            "outcome": f"{expected.__name__} after {attempts}",
        },
    )


# --- 7. responses that do not match --------------------------------------------


def test_a_missing_response_becomes_a_placeholder_and_nothing_is_resent(
    sandbox: Sandbox, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    number = numbers_for_sale(client, 1)[0]
    sandbox.journal.clear()
    sandbox.faults.omit_response()
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "L"), add_to_basket(number, "A")])
    reply = client.send(batch)
    listing, added = reply.by_id("L"), reply.by_id("A")
    assert listing is not None and listing.ok
    assert added is not None and added.missing and not added.ok
    assert sandbox.journal.envelope_count == 1
    assert sandbox.journal.count("AddToBasket") == 1  # carried out; the caller is told it may be
    figures.add("faults", {"scenario": "7 missing response", "outcome": "placeholder"})


@pytest.mark.parametrize("fault", ["duplicate_request_id", "change_request_id"])
def test_a_duplicated_or_unknown_request_id_is_a_correlation_error(
    sandbox: Sandbox, fault: str, figures: Figures
) -> None:
    client = logged_in(sandbox, ManualClock())
    getattr(sandbox.faults, fault)()
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "L"), Request("NoveroCDR", "GetTotals")])
    with pytest.raises(CorrelationError):
        client.send(batch)
    assert sandbox.journal.envelope_count == 1
    figures.add("faults", {"scenario": f"7 {fault}", "outcome": "CorrelationError"})


def test_id_less_responses_are_matched_by_position_login_included(
    sandbox: Sandbox, figures: Figures
) -> None:
    client = client_for(sandbox, ManualClock())
    sandbox.faults.strip_request_ids()
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "L"), Request("NoveroCDR", "GetTotals")])
    reply = client.send(batch)
    assert reply.ok
    assert [r.request_id for r in reply][:2] == ["SessionRequest", "L"]
    assert reply.responses[1].operation == "NoveroNumbers/ListNumbers"
    assert client.send(LIST).ok  # the session read from the id-less login is reused
    assert sandbox.journal.logins == 1
    assert sandbox.journal.envelope_count == 2
    figures.add("faults", {"scenario": "7 id-less responses", "outcome": "matched by position"})


@settings(max_examples=40)
@given(data=st.data(), size=st.integers(min_value=1, max_value=6))
def test_responses_in_any_order_reach_their_own_requests(
    shared_sandbox: Sandbox, data: st.DataObject, size: int
) -> None:
    sandbox = shared_sandbox
    sandbox.faults.clear()
    client = logged_in(sandbox, ManualClock())
    requests = [Request("NoveroCDR", "GetTotals", f"Q{i}") for i in range(size)]
    order = data.draw(st.permutations(range(size)), label="order")
    dropped = data.draw(st.sets(st.sampled_from(range(size))), label="dropped")
    answers = [
        Response.build("NoveroCDR", "GetTotals", 200, f"Q{i}", {"Echo": f"Q{i}"})
        for i in order
        if i not in dropped
    ]
    sandbox.faults.raw(encode_reply(Reply(answers)))
    reply = client.send(Batch(requests))
    assert [r.request_id for r in reply] == [r.id for r in requests]
    for index, response in enumerate(reply):
        if index in dropped:
            assert response.missing and not response.ok
        else:
            assert response.ok and response["Echo"] == f"Q{index}"
    assert sandbox.journal.envelope_count == 1
    assert sandbox.journal.count(None, ok=None) == 0
