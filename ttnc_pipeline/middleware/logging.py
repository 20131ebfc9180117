"""Logging: one event when a batch goes out, one with its outcome.

Events (structlog, or stdlib ``logging`` under ``ttnc_pipeline`` when
structlog is not configured):

- ``ttnc.batch.sent`` (DEBUG): batch id, operations, count;
- ``ttnc.batch.done`` (INFO): the same plus codes, attempts, duration;
- ``ttnc.batch.failed`` (WARNING): the same plus the error's type and
  (redacted) message.

Each retry adds a ``ttnc.retry`` event (from the retry step) and each POST
a ``ttnc.http`` DEBUG event with the attempt number and redacted bodies
(from the codec step).
Only operation names, ids and codes are logged here: never parameter
values, so no secret can reach an event.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from ttnc_pipeline._log import KeyValueLogger, get_logger, level_test, milliseconds_since
from ttnc_pipeline.core import Batch, CallNext, Reply
from ttnc_pipeline.errors import TTNCError
from ttnc_pipeline.redaction import redact_text

__all__ = ["LoggingMiddleware"]


class LoggingMiddleware:
    """Logs every batch and its outcome; ``logger`` defaults to the library's."""

    def __init__(self, logger: Any = None) -> None:
        self.logger = logger if logger is not None else get_logger()
        self._writes = level_test(logger)

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        logger = self.logger
        requests = batch.requests
        if self._writes(logging.DEBUG):
            logger.debug("ttnc.batch.sent", **_fields(batch))
        started = time.perf_counter()
        try:
            reply = call_next(batch)
        except TTNCError as exc:
            if not self._writes(logging.WARNING):
                raise
            logger.warning(
                "ttnc.batch.failed",
                **_fields(batch),
                duration_ms=milliseconds_since(started),
                error=type(exc).__name__,
                message=redact_text(str(exc)),
            )
            raise
        if self._writes(logging.INFO):
            responses = reply.responses
            duration_ms = milliseconds_since(started)
            if type(logger) is KeyValueLogger and len(requests) == 1 and len(responses) == 1:
                # The usual batch, to the library's own logger: the line in one
                # f-string, as info() would write it, and no dict or list built
                # unless it cannot go as it is.
                (request,), (response,) = requests, responses
                operation = f"{request.target}/{request.name}"
                line = (
                    f"event='ttnc.batch.done' batch_id={batch.options.get('batch_id')!r} "
                    f"operations=[{operation!r}] count=1 "
                    f"codes=[{response.code!r}] attempts={reply.attempts!r} "
                    f"duration_ms={duration_ms!r}"
                )
                if logger.write_line(logging.INFO, line):
                    return reply
            if len(responses) == len(requests):
                codes = [response.code for response in responses]
            else:  # leave out the login the auth step may have added
                own = {request.id for request in requests}
                codes = [r.code for r in responses if r.request_id in own]
            logger.info(
                "ttnc.batch.done",
                **_fields(batch),
                codes=codes,
                attempts=reply.attempts,
                duration_ms=duration_ms,
            )
        return reply

    def __repr__(self) -> str:
        return "LoggingMiddleware()"


def _fields(batch: Batch) -> dict[str, Any]:
    """What every event says about its batch (built only for an event that is written)."""
    return {
        "batch_id": batch.options.get("batch_id"),
        "operations": [f"{request.target}/{request.name}" for request in batch.requests],
        "count": len(batch.requests),
    }
