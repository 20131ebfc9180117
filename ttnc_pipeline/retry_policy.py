"""The retry decision, as pure functions: may this batch be sent again, and when?

Building blocks (the loop that uses them is
:class:`~ttnc_pipeline.middleware.retry.RetryMiddleware`):

- :func:`classify` sorts an exception into a :class:`Failure` class;
- :func:`parse_retry_after` reads a ``Retry-After`` header (seconds or an
  HTTP date), ignoring hostile values;
- :meth:`RetryPolicy.decide` combines failure class, the batch's
  :class:`~ttnc_pipeline.operations.Safety`, the attempt number, the time
  left and a random draw into a :class:`Decision`.

The table it implements (failure class x safety -> retried?):

=================  =========  ==========  ======
failure            read_only  idempotent  unsafe
=================  =========  ==========  ======
not sent           yes        yes         yes
busy (429/503)     yes        yes         yes
outcome unknown    yes        yes         no: OutcomeUnknown
anything else      no         no          no
=================  =========  ==========  ======
"""

from __future__ import annotations

import email.utils
import enum
import math

import attrs

from ttnc_pipeline.errors import (
    OutcomeUnknown,
    ProtocolError,
    RequestNotSent,
    ServerBusy,
)
from ttnc_pipeline.operations import Safety

__all__ = ["Decision", "Failure", "RetryPolicy", "classify", "parse_retry_after"]


class Failure(enum.Enum):
    """What a failed attempt tells about the batch."""

    NOT_SENT = "not sent"
    BUSY = "busy"
    OUTCOME_UNKNOWN = "outcome unknown"
    FATAL = "fatal"


def classify(exc: BaseException) -> Failure:
    """The failure class of an exception raised by one attempt."""
    if isinstance(exc, ServerBusy):
        return Failure.BUSY
    if isinstance(exc, RequestNotSent):
        return Failure.NOT_SENT
    if isinstance(exc, OutcomeUnknown):
        return Failure.OUTCOME_UNKNOWN
    if isinstance(exc, ProtocolError) and exc.status in (None, 200):
        return Failure.OUTCOME_UNKNOWN  # an unreadable answer: the server may have acted
    return Failure.FATAL  # a redirect or a refusal: sending again changes nothing


def parse_retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` value, or None when absent or untrustworthy.

    ``now`` is the wall time (seconds since the epoch) an HTTP date is
    measured from. Negative numbers, fractions and garbage give None.
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit() and value.isascii():
        return float(int(value))
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None or when.tzinfo is None:
        return None
    delay = when.timestamp() - now
    return max(delay, 0.0) if math.isfinite(delay) else None


@attrs.frozen
class Decision:
    """Whether to send the batch again, after how long, and why."""

    retry: bool
    delay: float
    reason: str


@attrs.frozen
class RetryPolicy:
    """How persistently to retry; immutable, so share it freely.

    - ``max_attempts`` (default 4): attempts in all, the first included;
    - ``backoff_base`` (default 0.5 s) and ``backoff_max`` (default 10 s):
      exponential backoff with full jitter, ``uniform(0, min(max, base*2**n))``;
    - ``retry_after_max`` (default 60 s): the longest ``Retry-After`` honoured
      (longer requests are capped);
    - ``deadline`` (default 120 s, what TTNC's PHP client waits): one budget for
      the whole call, waits included; no retry starts that would end past it.
    """

    max_attempts: int = attrs.field(default=4, validator=attrs.validators.ge(1))
    backoff_base: float = attrs.field(default=0.5, validator=attrs.validators.ge(0))
    backoff_max: float = attrs.field(default=10.0, validator=attrs.validators.ge(0))
    retry_after_max: float = attrs.field(default=60.0, validator=attrs.validators.ge(0))
    deadline: float = attrs.field(default=120.0, validator=attrs.validators.gt(0))

    def backoff(self, attempt: int, rand: float) -> float:
        """The jittered wait after failed attempt number ``attempt`` (1-based)."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0 ** (attempt - 1))
        return float(ceiling * min(max(rand, 0.0), 1.0))

    def decide(
        self,
        exc: BaseException,
        safety: Safety,
        attempt: int,
        *,
        remaining: float,
        rand: float,
    ) -> Decision:
        """Decide about failed attempt number ``attempt`` with ``remaining`` seconds left."""
        failure = classify(exc)
        if failure is Failure.FATAL:
            return Decision(False, 0.0, f"{type(exc).__name__} is not retried")
        if failure is Failure.OUTCOME_UNKNOWN and safety is Safety.UNSAFE:
            return Decision(False, 0.0, "outcome unknown and the batch holds an unsafe operation")
        if attempt >= self.max_attempts:
            return Decision(False, 0.0, f"gave up after {attempt} attempts")
        retry_after = exc.retry_after if isinstance(exc, ServerBusy) else None
        if retry_after is not None:
            delay = min(retry_after, self.retry_after_max)
            reason = f"{failure.value}; server asked to wait {retry_after:g} s"
        else:
            delay = self.backoff(attempt, rand)
            reason = failure.value
        if delay >= remaining:
            return Decision(False, 0.0, f"{reason}; waiting {delay:.2f} s would pass the deadline")
        return Decision(True, delay, reason)
