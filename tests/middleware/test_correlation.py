"""Correlation: ids in, exactly one response per request out."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttnc_pipeline import Batch, CorrelationError, InvalidRequest, Reply, Request, Response
from ttnc_pipeline.core import CallNext
from ttnc_pipeline.middleware.correlation import (
    CorrelationMiddleware,
    match_responses,
    new_request_id,
)


def answer(request: Request, request_id: str | None = "same") -> Response:
    rid = request.id if request_id == "same" else request_id
    return Response.build(request.target, request.name, 200, rid, {"Echo": request.name})


REQUESTS = tuple(Request("NoveroNumbers", f"Op{i}", f"R{i}") for i in range(5))


@given(st.permutations(range(5)))
def test_responses_in_any_order_come_back_in_request_order(order: list[int]) -> None:
    responses = [answer(REQUESTS[i]) for i in order]
    matched = match_responses(REQUESTS, responses)
    assert [r.request_id for r in matched] == [r.id for r in REQUESTS]
    assert [r["Echo"] for r in matched] == [r.name for r in REQUESTS]


@given(st.sets(st.integers(0, 4), max_size=4), st.permutations(range(5)))
def test_missing_responses_become_not_ok_placeholders(missing: set[int], order: list[int]) -> None:
    responses = [answer(REQUESTS[i]) for i in order if i not in missing]
    matched = match_responses(REQUESTS, responses)
    for index, response in enumerate(matched):
        assert response.request_id == REQUESTS[index].id
        assert response.missing is (index in missing)
        assert response.ok is (index not in missing)


def test_a_duplicated_request_id_raises() -> None:
    with pytest.raises(CorrelationError, match=r"R1.*twice"):
        match_responses(REQUESTS[:2], [answer(REQUESTS[1]), answer(REQUESTS[1])])


def test_in_order_answers_to_a_repeated_id_still_raise() -> None:
    # Without the correlation step, nothing stops a batch from repeating an
    # id; two in-order answers to it cannot be told apart.
    twice = (REQUESTS[1], REQUESTS[1])
    with pytest.raises(CorrelationError, match=r"R1.*twice"):
        match_responses(twice, [answer(REQUESTS[1]), answer(REQUESTS[1])])


def test_an_unknown_request_id_raises() -> None:
    with pytest.raises(CorrelationError, match="'Other'"):
        match_responses(REQUESTS[:1], [answer(REQUESTS[0], "Other")])


def test_id_less_responses_match_by_position_when_counts_agree(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, "ttnc_pipeline"):
        matched = match_responses(REQUESTS[:3], [answer(r, None) for r in REQUESTS[:3]])
    assert [r.request_id for r in matched] == ["R0", "R1", "R2"]
    assert [r["Echo"] for r in matched] == ["Op0", "Op1", "Op2"]
    assert "by position" in caplog.text


def test_id_less_responses_with_the_wrong_count_raise() -> None:
    with pytest.raises(CorrelationError, match="2 responses without RequestId for 3"):
        match_responses(REQUESTS[:3], [answer(r, None) for r in REQUESTS[:2]])


def test_an_id_less_response_among_named_ones_raises() -> None:
    with pytest.raises(CorrelationError, match="without RequestId"):
        match_responses(REQUESTS[:2], [answer(REQUESTS[0]), answer(REQUESTS[1], None)])


def echo(batch: Batch) -> Reply:
    return Reply([answer(r) for r in batch.requests])


def test_middleware_names_anonymous_requests_with_unique_ids() -> None:
    seen: list[Batch] = []

    def record(batch: Batch) -> Reply:
        seen.append(batch)
        return echo(batch)

    batch = Batch([Request("A", "B"), Request("A", "C"), Request("A", "D", "Mine")])
    reply = CorrelationMiddleware()(batch, record)
    ids = seen[0].ids
    assert ids[2] == "Mine"
    assert len(set(ids)) == 3 and None not in ids
    assert [r.request_id for r in reply] == list(ids)
    assert new_request_id() not in ids


def test_middleware_refuses_duplicate_ids_before_sending() -> None:
    sent: list[Batch] = []
    batch = Batch([Request("A", "B", "X"), Request("A", "C", "X")])
    with pytest.raises(InvalidRequest, match="'X' is used twice"):
        CorrelationMiddleware()(batch, lambda b: sent.append(b) or echo(b))  # type: ignore[func-returns-value]
    assert sent == []


def test_middleware_keeps_responses_to_injected_requests_first() -> None:
    def inject(batch: Batch, call_next: CallNext) -> Reply:
        return call_next(
            batch.with_requests(
                (Request("Auth", "SessionLogin", "SessionRequest"), *batch.requests)
            )
        )

    def chain(batch: Batch) -> Reply:
        return inject(batch, echo)

    reply = CorrelationMiddleware()(Batch([Request("A", "B", "R1")]), chain)
    assert [r.request_id for r in reply] == ["SessionRequest", "R1"]


def test_middleware_fills_in_a_response_an_inner_step_dropped() -> None:
    reply = CorrelationMiddleware()(
        Batch([Request("A", "B", "R1"), Request("A", "C", "R2")]),
        lambda b: Reply([answer(b.requests[0])]),
    )
    assert [r.request_id for r in reply] == ["R1", "R2"]
    assert reply.responses[1].missing and not reply.responses[1].ok
    assert "no response" in (reply.responses[1].message or "")


def test_a_batch_of_one_is_named_and_keeps_its_session_and_options() -> None:
    seen: list[Batch] = []

    def record(batch: Batch) -> Reply:
        seen.append(batch)
        return echo(batch)

    batch = Batch([Request("A", "B")], "S-1").with_options(batch_id="B-1")
    reply = CorrelationMiddleware()(batch, record)
    (sent,) = seen
    assert sent.requests[0].id is not None
    assert (sent.session_id, dict(sent.options)) == ("S-1", {"batch_id": "B-1"})
    assert [r.request_id for r in reply] == [sent.requests[0].id]


@pytest.mark.parametrize(
    ("answers", "expected"),
    [
        ([], [None]),  # dropped: a placeholder for it
        (["SessionRequest"], ["SessionRequest", None]),  # only the login answered
        (["SessionRequest", "R1"], ["SessionRequest", "R1"]),  # an injected login first
        (["R1", "SessionRequest"], ["SessionRequest", "R1"]),
    ],
)
def test_a_batch_of_one_is_checked_like_any_other(
    answers: list[str], expected: list[str | None]
) -> None:
    request = Request("A", "B", "R1")
    reply = CorrelationMiddleware()(
        Batch([request]), lambda _b: Reply([answer(request, rid) for rid in answers])
    )
    got = [None if r.missing else r.request_id for r in reply]
    assert got == expected


def test_two_answers_to_a_batch_of_one_raise() -> None:
    request = Request("A", "B", "R1")
    with pytest.raises(CorrelationError, match="'R1'"):
        CorrelationMiddleware()(Batch([request]), lambda _b: Reply([answer(request)] * 2))
