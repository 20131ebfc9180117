"""The pure retry decision: failure class x safety, backoff, Retry-After, deadline."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttnc_pipeline.errors import (
    APIError,
    CorrelationError,
    InvalidRequest,
    OutcomeUnknown,
    ProtocolError,
    RequestNotSent,
    ServerBusy,
)
from ttnc_pipeline.operations import Safety
from ttnc_pipeline.retry_policy import Failure, RetryPolicy, classify, parse_retry_after

FAILURES = {
    Failure.NOT_SENT: RequestNotSent("refused"),
    Failure.BUSY: ServerBusy("busy", status=503),
    Failure.OUTCOME_UNKNOWN: OutcomeUnknown("reset"),
    Failure.FATAL: APIError("no", code=400),
}


@pytest.mark.parametrize(
    ("exc", "failure"),
    [
        (RequestNotSent("x"), Failure.NOT_SENT),
        (ServerBusy("x", status=429), Failure.BUSY),
        (OutcomeUnknown("x"), Failure.OUTCOME_UNKNOWN),
        (ProtocolError("x"), Failure.OUTCOME_UNKNOWN),
        (ProtocolError("x", status=200), Failure.OUTCOME_UNKNOWN),
        (ProtocolError("x", status=302), Failure.FATAL),
        (ProtocolError("x", status=404), Failure.FATAL),
        (CorrelationError("x"), Failure.FATAL),
        (InvalidRequest("x"), Failure.FATAL),
        (KeyError("x"), Failure.FATAL),
    ],
)
def test_classify(exc: BaseException, failure: Failure) -> None:
    assert classify(exc) is failure


@given(
    failure=st.sampled_from(list(Failure)),
    safety=st.sampled_from(list(Safety)),
    attempt=st.integers(1, 10),
    rand=st.floats(0, 1),
)
def test_decision_table(failure: Failure, safety: Safety, attempt: int, rand: float) -> None:
    policy = RetryPolicy(max_attempts=4)
    decision = policy.decide(FAILURES[failure], safety, attempt, remaining=1e9, rand=rand)
    expected = (
        failure in (Failure.NOT_SENT, Failure.BUSY)
        or (failure is Failure.OUTCOME_UNKNOWN and safety is not Safety.UNSAFE)
    ) and attempt < 4
    assert decision.retry is expected
    assert decision.reason


@given(attempt=st.integers(1, 30), rand=st.floats(0, 1))
def test_backoff_is_full_jitter_under_the_exponential_ceiling(attempt: int, rand: float) -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=10.0, max_attempts=100)
    decision = policy.decide(RequestNotSent("x"), Safety.UNSAFE, attempt, remaining=1e9, rand=rand)
    ceiling = min(10.0, 0.5 * 2 ** (attempt - 1))
    assert 0.0 <= decision.delay <= ceiling
    assert decision.delay == pytest.approx(ceiling * rand)


@given(retry_after=st.floats(0, 1e6), remaining=st.floats(0.001, 1e6))
def test_retry_after_is_capped_and_never_passes_the_deadline(
    retry_after: float, remaining: float
) -> None:
    policy = RetryPolicy(retry_after_max=60.0)
    busy = ServerBusy("busy", status=503, retry_after=retry_after)
    decision = policy.decide(busy, Safety.UNSAFE, 1, remaining=remaining, rand=0.5)
    if decision.retry:
        assert decision.delay == min(retry_after, 60.0)
        assert decision.delay < remaining
    else:
        assert min(retry_after, 60.0) >= remaining


def test_deadline_stops_a_retry_that_would_end_late() -> None:
    policy = RetryPolicy(backoff_base=4.0)
    decision = policy.decide(RequestNotSent("x"), Safety.READ_ONLY, 1, remaining=1.0, rand=1.0)
    assert not decision.retry
    assert "deadline" in decision.reason


NOW = 1_700_000_000.0


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("7", 7.0),
        (" 120 ", 120.0),
        ("0", 0.0),
        ("86400", 86400.0),
        ("-1", None),
        ("abc", None),
        ("1.5", None),
        ("", None),
        (None, None),
        ("٣", None),  # a non-ASCII digit is not a number of seconds
        (email.utils.formatdate(NOW + 30, usegmt=True), 30.0),
        (email.utils.formatdate(NOW - 30, usegmt=True), 0.0),
        ("Wed, 32 Foo 2015 99:99:99 GMT", None),
    ],
)
def test_parse_retry_after(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_policy_validates_its_settings() -> None:
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)
    with pytest.raises(ValueError):
        RetryPolicy(deadline=0)
