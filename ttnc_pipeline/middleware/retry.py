"""Retry: the loop around :mod:`ttnc_pipeline.retry_policy`'s decision, in tenacity.

Innermost by default, so a retry resends exactly the batch that failed
(same ids, same session or login). Clock, sleep and randomness are
injected, so tests run the whole schedule in microseconds. Per call,
``batch.options["retry"]`` may be ``False`` (one attempt) or another
:class:`~ttnc_pipeline.retry_policy.RetryPolicy`; ``batch.options["deadline"]``
(a time on the clock) bounds the whole call, waits included.

A batch that is not read-only and whose earlier attempt may have been
carried out (an answer lost) never ends as
:class:`~ttnc_pipeline.errors.RequestNotSent`, even when its last attempt
was refused unsent (busy, unreachable): it ends as
:class:`~ttnc_pipeline.errors.OutcomeUnknown`, because "nothing was
carried out" would no longer be true.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import tenacity

from ttnc_pipeline._log import get_logger
from ttnc_pipeline.clock import Clock, SystemClock
from ttnc_pipeline.core import Batch, CallNext, Reply
from ttnc_pipeline.errors import OutcomeUnknown, RequestNotSent
from ttnc_pipeline.operations import Safety, batch_safety
from ttnc_pipeline.retry_policy import Decision, Failure, RetryPolicy, classify

__all__ = ["RetryMiddleware"]


class RetryMiddleware:
    """Sends a batch again when the policy allows, sleeping on the injected clock.

    ``policy`` defaults to ``RetryPolicy()``, ``clock`` to a
    :class:`~ttnc_pipeline.clock.SystemClock`, ``rand`` (a draw in [0, 1)
    for the jitter) to :func:`random.random`, ``logger`` to the library's.
    """

    def __init__(
        self,
        policy: RetryPolicy | None = None,
        *,
        clock: Clock | None = None,
        rand: Callable[[], float] | None = None,
        logger: Any = None,
    ) -> None:
        self.policy = policy or RetryPolicy()
        self.clock: Clock = clock or SystemClock()
        self.rand = rand or random.random
        self.logger = logger if logger is not None else get_logger()

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        option = batch.options.get("retry", True)
        if option is False:
            return call_next(batch)
        policy = option if isinstance(option, RetryPolicy) else self.policy
        clock = self.clock
        deadline = batch.options.get("deadline")
        if deadline is None:
            deadline = clock.now() + policy.deadline
            batch = batch.with_options(deadline=deadline)
        # Most batches succeed at once: the first attempt runs before the
        # tenacity loop is built, and a failure is replayed into the loop as
        # its attempt 1, so the policy sees exactly what it would have.
        try:
            return call_next(batch)
        except BaseException as exc:  # what tenacity itself catches
            first_failure: BaseException | None = exc
        safety = batch_safety((r.target, r.name) for r in batch.requests)
        decisions: list[Decision] = []
        failures: list[Failure] = []

        def should_retry(state: tenacity.RetryCallState) -> bool:
            assert state.outcome is not None
            exc = state.outcome.exception()
            if exc is None:
                return False
            failures.append(classify(exc))
            decision = policy.decide(
                exc,
                safety,
                state.attempt_number,
                remaining=deadline - clock.now(),
                rand=self.rand(),
            )
            decisions.append(decision)
            if decision.retry:
                self.logger.warning(
                    "ttnc.retry",
                    batch_id=batch.options.get("batch_id"),
                    attempt=state.attempt_number,
                    error=type(exc).__name__,
                    reason=decision.reason,
                    delay_s=round(decision.delay, 3),
                )
            return decision.retry

        retrying = tenacity.Retrying(
            retry=should_retry,
            wait=lambda _state: decisions[-1].delay,
            stop=tenacity.stop_never,
            sleep=clock.sleep,
            reraise=True,
        )
        attempts = 0

        def attempt(current: Batch) -> Reply:
            nonlocal attempts, first_failure
            attempts += 1
            if first_failure is not None:
                failure, first_failure = first_failure, None
                raise failure
            return call_next(current.with_options(attempt=attempts))

        try:
            reply: Reply = retrying(attempt, batch)
        except RequestNotSent as exc:
            if safety is Safety.READ_ONLY or Failure.OUTCOME_UNKNOWN not in failures[:-1]:
                raise
            raise OutcomeUnknown(
                f"an earlier attempt may have been carried out; the last one failed: {exc}",
                request_ids=[r.id for r in batch.requests if r.id is not None],
                operations=[r.operation for r in batch.requests],
                status=getattr(exc, "status", None),
            ) from exc
        return reply if attempts == 1 else reply.with_attempts(attempts)

    def __repr__(self) -> str:
        return f"RetryMiddleware({self.policy!r})"
