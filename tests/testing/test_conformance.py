"""check_middleware: the library's own middlewares pass; each kind of misbehaviour is named."""

from __future__ import annotations

import logging
import warnings
from collections import Counter

import pytest
import structlog

from ttnc_pipeline import Batch, CallNext, Reply, Response
from ttnc_pipeline.errors import OutcomeUnknown
from ttnc_pipeline.middleware import (
    AuthMiddleware,
    CorrelationMiddleware,
    Credentials,
    LoggingMiddleware,
    RetryMiddleware,
    SessionMiddleware,
)
from ttnc_pipeline.testing import check_middleware


@pytest.mark.parametrize(
    "middleware",
    [
        CorrelationMiddleware(),
        LoggingMiddleware(),
        SessionMiddleware("https://ttnc.example/|user"),
        AuthMiddleware(Credentials("user", "password", "vkey")),
        AuthMiddleware(None),
        RetryMiddleware(),
    ],
    ids=lambda mw: type(mw).__name__,
)
def test_the_default_middlewares_conform(middleware: object) -> None:
    check_middleware(middleware)  # type: ignore[arg-type]


def test_a_well_behaved_custom_middleware_conforms() -> None:
    counts: Counter[str] = Counter()

    def count_operations(batch: Batch, call_next: CallNext) -> Reply:
        counts.update(request.operation for request in batch.requests)
        logging.getLogger("myapp").debug("sending %d requests", len(batch.requests))
        return call_next(batch)

    check_middleware(count_operations)
    assert counts["NoveroUser/AddCard"] == 2


def test_a_short_circuit_conforms_when_calls_are_not_required() -> None:
    def maintenance(batch: Batch, call_next: CallNext) -> Reply:
        return Reply(
            tuple(
                Response.build(r.target, r.name, 500, r.id, message="down for maintenance")
                for r in batch.requests
            )
        )

    check_middleware(maintenance, expect_calls=None)
    assert "called call_next 0 times; expected 1" in failure(maintenance)


def failure(middleware: object, **options: object) -> str:
    with pytest.raises(AssertionError) as caught:
        check_middleware(middleware, **options)  # type: ignore[arg-type]
    return str(caught.value)


def test_logging_a_secret_is_a_leak() -> None:
    def log_params(batch: Batch, call_next: CallNext) -> Reply:
        logging.getLogger("myapp").debug("params: %s", [dict(r.params) for r in batch.requests])
        return call_next(batch)

    message = failure(log_params)
    assert "middleware log_params does not conform" in message
    assert "secrets leaked" in message
    assert "password" in message and "card number" in message and "CV2" in message
    assert "probe-pass-" not in message  # the report masks the secrets it found


@pytest.mark.parametrize("channel", ["print", "warning", "structlog", "exception", "repr"])
def test_every_channel_of_a_leak_is_watched(channel: str) -> None:
    class Leaky:
        seen = ""

        def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
            secret = batch.session_id or ""
            if channel == "print":
                print("session", secret)
            elif channel == "warning":
                warnings.warn(f"session {secret}", stacklevel=1)
            elif channel == "structlog":
                structlog.get_logger().info("session", id=secret)
            elif channel == "exception" and secret:
                raise RuntimeError(f"bad session {secret}")
            self.seen = secret
            return call_next(batch)

        def __repr__(self) -> str:
            return f"Leaky({self.seen})" if channel == "repr" else "Leaky()"

    assert "SessionId" in failure(Leaky()).split("secrets leaked")[1]


def test_dropping_or_reordering_requests_breaks_ids() -> None:
    def reverse(batch: Batch, call_next: CallNext) -> Reply:
        return call_next(batch.with_requests(tuple(reversed(batch.requests))))

    def drop_unsafe(batch: Batch, call_next: CallNext) -> Reply:
        return call_next(batch.with_requests([r for r in batch.requests if r.name != "AddCard"]))

    assert "call_next must receive every request with its id, in order" in failure(reverse)
    message = failure(drop_unsafe)
    assert "NoveroUser/AddCard (id 'probe-" in message
    assert "the reply holds 0 responses for request id" in message


def test_rebuilding_the_batch_loses_the_per_call_options_and_session() -> None:
    def rebuild(batch: Batch, call_next: CallNext) -> Reply:
        return call_next(Batch(batch.requests))

    message = failure(rebuild)
    assert "per-call options 'batch_id', 'probe' were lost" in message
    assert "SessionId was changed or dropped" in message


def test_crossed_responses_are_caught() -> None:
    def swap(batch: Batch, call_next: CallNext) -> Reply:
        reply = call_next(batch)
        ids = [r.request_id for r in reply.responses]
        swapped = ids[::-1]
        return reply.with_responses(
            [r.with_request_id(i) for r, i in zip(reply.responses, swapped, strict=True)]
        )

    assert "correlation is crossed" in failure(swap)


def test_redacting_the_batch_itself_breaks_the_login() -> None:
    def redact(batch: Batch, call_next: CallNext) -> Reply:
        cleaned = [
            r.with_params(Password="***") if "Password" in r.params else r for r in batch.requests
        ]
        return call_next(batch.with_requests(cleaned))

    assert "the Password of request 'SessionRequest' was changed" in failure(redact)


def test_swallowing_an_unknown_outcome_is_caught() -> None:
    def swallow(batch: Batch, call_next: CallNext) -> Reply:
        try:
            return call_next(batch)
        except OutcomeUnknown:
            return Reply(tuple(Response.placeholder(r) for r in batch.requests))

    assert "callers can no longer tell that the outcome is unknown" in failure(swallow)


def test_resending_an_unsafe_batch_after_an_unknown_outcome_is_caught() -> None:
    def retry_everything(batch: Batch, call_next: CallNext) -> Reply:
        for _ in range(2):
            try:
                return call_next(batch)
            except OutcomeUnknown:
                continue
        return call_next(batch)

    message = failure(retry_everything)
    assert "sent the batch 3 times after an unknown outcome" in message
    assert "could double its effect" in message


def test_wrong_call_counts_and_return_values_are_caught() -> None:
    def forgets_to_return(batch: Batch, call_next: CallNext) -> Reply:
        call_next(batch)
        return None  # type: ignore[return-value]

    def twice(batch: Batch, call_next: CallNext) -> Reply:
        call_next(batch)
        return call_next(batch)

    def never(batch: Batch, call_next: CallNext) -> Reply:
        return Reply(())

    assert "returned NoneType, not a Reply" in failure(forgets_to_return)
    assert "called call_next 2 times; expected 1" in failure(twice)
    assert "called call_next 0 times; expected 1" in failure(never)
    check_middleware(twice, expect_calls=None)  # allowed when asked for


def test_call_next_given_something_other_than_a_batch_is_caught() -> None:
    def pass_a_list(batch: Batch, call_next: CallNext) -> Reply:
        return call_next(list(batch.requests))  # type: ignore[arg-type]

    message = failure(pass_a_list)
    assert "passed a list to call_next, not a Batch" in message
