"""The step between the middleware chain and the transport.

It encodes the batch, hands the bytes to the transport with the time left
on the call's deadline, and turns what comes back into a :class:`Reply` or
an error that says what is known about the outcome:

===========================  =============================================
HTTP answer                  result
===========================  =============================================
200, a ``NoveroResponse``    the reply, matched to the requests sent
200, anything else           ProtocolError (OutcomeUnknown if unsafe)
429, 503                     ServerBusy, with ``Retry-After`` when trusted
500, 502, 504, other 5xx     OutcomeUnknown (the server may have acted)
3xx                          ProtocolError: redirects are never followed
other 4xx                    ProtocolError, with a redacted excerpt
===========================  =============================================

Errors for 429 and 5xx quote the start of what the server sent (an error
page: short, one line, secrets masked). Transport errors pass through, with
the batch's request ids and operations added to :class:`OutcomeUnknown`.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ttnc_pipeline._log import get_logger, level_test, milliseconds_since
from ttnc_pipeline.clock import Clock, SystemClock
from ttnc_pipeline.codec import (
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_SIZE,
    decode_reply,
    encode_batch,
    excerpt,
)
from ttnc_pipeline.core import Batch, HTTPRequest, HTTPResponse, Reply, Transport
from ttnc_pipeline.errors import OutcomeUnknown, ProtocolError, ServerBusy, TTNCError
from ttnc_pipeline.middleware.correlation import match_responses
from ttnc_pipeline.operations import Safety, batch_safety
from ttnc_pipeline.redaction import redact_text
from ttnc_pipeline.retry_policy import parse_retry_after

__all__ = ["CodecStep"]


def _unsafe(batch: Batch) -> bool:
    return batch_safety((r.target, r.name) for r in batch.requests) is Safety.UNSAFE


class CodecStep:
    """Encode, send through the transport, decode and match: one POST per call.

    ``clock`` defaults to a :class:`~ttnc_pipeline.clock.SystemClock`;
    ``max_size`` (default 50 MiB) and ``max_depth`` (default 64) bound what
    is decoded; ``logger`` defaults to the library's.
    """

    def __init__(
        self,
        transport: Transport,
        *,
        clock: Clock | None = None,
        max_size: int = DEFAULT_MAX_SIZE,
        max_depth: int = DEFAULT_MAX_DEPTH,
        logger: Any = None,
    ) -> None:
        self.transport = transport
        self.clock: Clock = clock or SystemClock()
        self.max_size = max_size
        self.max_depth = max_depth
        self.logger = logger if logger is not None else get_logger()
        self._writes = level_test(logger)

    def __call__(self, batch: Batch) -> Reply:
        body = encode_batch(batch)
        deadline = batch.options.get("deadline")
        timeout = None if deadline is None else deadline - self.clock.now()
        debug = self._writes(logging.DEBUG)
        started = time.perf_counter() if debug else 0.0
        try:
            answer = self.transport.send(HTTPRequest(body, {}, timeout))
        except OutcomeUnknown as exc:
            if debug:
                self._log_attempt(batch, body, started, error=exc)
            if exc.request_ids:
                raise
            raise self._unknown(batch, str(exc), exc.status) from exc
        except ProtocolError as exc:  # e.g. an answer over the size limit, cut off while read
            if debug:
                self._log_attempt(batch, body, started, error=exc)
            if _unsafe(batch):
                raise self._unknown(batch, f"unreadable answer: {exc}", exc.status) from exc
            raise
        except TTNCError as exc:
            if debug:
                self._log_attempt(batch, body, started, error=exc)
            raise
        if debug:
            self._log_attempt(batch, body, started, answer=answer)
        return self.interpret(batch, answer)

    def _log_attempt(
        self,
        batch: Batch,
        body: bytes,
        started: float,
        *,
        answer: HTTPResponse | None = None,
        error: TTNCError | None = None,
    ) -> None:
        """One ``ttnc.http`` event per POST (attempt), bodies redacted (DEBUG)."""
        fields: dict[str, Any] = {
            "batch_id": batch.options.get("batch_id"),
            "attempt": batch.options.get("attempt", 1),
            "count": len(batch.requests),
            "duration_ms": milliseconds_since(started),
            "request_body": redact_text(body.decode("utf-8", "replace")),
        }
        if answer is not None:
            fields["status"] = answer.status
            fields["response_body"] = redact_text(answer.body[:65536].decode("utf-8", "replace"))
        if error is not None:
            fields["error"] = type(error).__name__
            fields["message"] = redact_text(str(error))
        self.logger.debug("ttnc.http", **fields)

    def interpret(self, batch: Batch, answer: HTTPResponse) -> Reply:
        """Turn one HTTP answer to ``batch`` into a reply, or the right error."""
        status = answer.status
        if status == 200:
            try:
                reply = decode_reply(
                    answer.body,
                    status=status,
                    headers=answer.headers,
                    max_size=self.max_size,
                    max_depth=self.max_depth,
                    session_id=batch.session_id,
                )
            except ProtocolError as exc:
                if _unsafe(batch):
                    raise self._unknown(batch, f"unreadable answer: {exc}", status) from exc
                raise
            return reply.with_responses(match_responses(batch.requests, reply.responses))
        if status in (429, 503):
            retry_after = parse_retry_after(answer.headers.get("retry-after"), self.clock.time())
            raise ServerBusy(
                f"the server is busy (HTTP {status}); nothing was carried out{_said(answer)}",
                status=status,
                retry_after=retry_after,
            )
        if status >= 500:
            raise self._unknown(
                batch, f"the server failed with HTTP {status}{_said(answer)}", status
            )
        if 300 <= status < 400:
            # Without its query or fragment, like the client's own URL in messages:
            # that is where a redirect would carry a token.
            target = answer.headers.get("location", "").split("?", 1)[0].split("#", 1)[0]
            location = redact_text(target[:200])
            raise ProtocolError(
                f"HTTP {status} redirect to {location or 'nowhere'} was not followed",
                status=status,
            )
        raise ProtocolError(
            f"unexpected HTTP {status}", excerpt=excerpt(answer.body), status=status
        )

    @staticmethod
    def _unknown(batch: Batch, message: str, status: int | None) -> OutcomeUnknown:
        return OutcomeUnknown(
            message,
            request_ids=[r.id for r in batch.requests if r.id is not None],
            operations=[r.operation for r in batch.requests],
            status=status,
        )

    def __repr__(self) -> str:
        return f"CodecStep({self.transport!r})"


def _said(answer: HTTPResponse) -> str:
    """What an error page said, short and redacted, for an error message ('' if nothing)."""
    if not answer.body.strip():
        return ""
    return f"; it said: {excerpt(answer.body)!r}"
