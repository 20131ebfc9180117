"""Sending the requests of ``ttnc batch``: batches through one client, a line for each.

:func:`send_all` sends the planned requests ``batch_size`` at a time through
one :class:`~ttnc_pipeline.Client`: one login (the first POST carries it,
later ones the SessionId), one kept-alive connection, retries only where
the operations' safety allows (the client's retry step decides).

However the run ends, every request gets exactly one result line:

- answered: ``ok`` or ``error`` (:func:`._batch_results.answered`);
- the batch in flight when the run stopped: ``unknown``, unless what
  stopped it proves nothing was carried out (:class:`RequestNotSent`, a
  refused login at the front of the POST, a request refused before
  sending): then ``not_sent``. For :class:`OutcomeUnknown` the message is
  the error's, for the ids it names (``request_ids``) and the rest of the
  POST alike;
- every later request: ``not_sent``.

A second Ctrl-C while those lines are written is held off.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

from ttnc_pipeline.core import Batch, Response
from ttnc_pipeline.errors import (
    AuthenticationError,
    InvalidRequest,
    OutcomeUnknown,
    RequestNotSent,
    TTNCError,
)

from ._batch_input import Planned
from ._batch_results import NOT_SENT, OK, UNKNOWN, ResultWriter, answered, unresolved
from ._common import unknown_reason
from ._connect import Connection
from ._progress import Progress

__all__ = ["Outcome", "send_all", "some"]

_log = logging.getLogger("ttnc_pipeline.cli")


def some(ids: Sequence[str], limit: int = 8) -> str:
    """Up to ``limit`` ids, then how many more."""
    shown = ", ".join(ids[:limit])
    return shown if len(ids) <= limit else f"{shown} … and {len(ids) - limit} more"


@attrs.define
class Outcome:
    """How a :func:`send_all` run ended."""

    batches: int = 0
    """Batches answered."""
    stopped_by: BaseException | None = None
    """What stopped the run early (None: it finished)."""


def _in_flight(exc: BaseException, had_session: bool) -> tuple[str, str]:
    """Status and message for the requests of the batch that was in flight."""
    if isinstance(exc, RequestNotSent):
        return NOT_SENT, f"not sent: {exc}"
    if isinstance(exc, InvalidRequest):
        return NOT_SENT, f"refused before sending: {exc}"
    if isinstance(exc, AuthenticationError) and not had_session:
        # The refused login came first in the POST: TTNC carries nothing out after it.
        return NOT_SENT, f"not carried out, the login was refused: {exc.message or exc}"
    if isinstance(exc, OutcomeUnknown):
        return UNKNOWN, unknown_reason(exc)
    if isinstance(exc, KeyboardInterrupt):
        return UNKNOWN, "interrupted while this batch was in flight"
    return UNKNOWN, f"sent, but no usable answer came back: {type(exc).__name__}: {exc}"


@contextlib.contextmanager
def _no_interrupts() -> Iterator[None]:
    """Hold off a second Ctrl-C while the record of the run is being written."""
    try:
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    except ValueError:  # not the main thread: nothing to hold off
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def send_all(
    connection: Connection,
    todo: Sequence[Planned],
    batch_size: int,
    writer: ResultWriter,
    progress: Progress,
) -> Outcome:
    """Send ``todo`` in batches; write a line for every request, however the run ends."""
    outcome = Outcome()
    in_flight: Sequence[Planned] = ()
    had_session = False
    records: dict[str, dict[str, Any]] = {}
    try:
        for start in range(0, len(todo), batch_size):
            chunk = todo[start : start + batch_size]
            in_flight, records = chunk, {}
            had_session = bool(connection.session_id or connection.client.session_id)
            batch = Batch(tuple(item.request for item in chunk), connection.session_id)
            reply = connection.client.send(batch)
            by_id: dict[str | None, Response] = {r.request_id: r for r in reply.responses}
            records = {
                item.id: answered(item, by_id.get(item.id) or Response.placeholder(item.request))
                for item in chunk
            }
            in_flight = ()
            writer.write(records.values())
            ok = sum(record["status"] == OK for record in records.values())
            progress.update(ok, len(chunk) - ok)
            outcome.batches += 1
    except (KeyboardInterrupt, Exception) as exc:
        outcome.stopped_by = exc
        if not isinstance(exc, KeyboardInterrupt | TTNCError | OSError):
            _log.error("the batch run failed unexpectedly", exc_info=exc)
        status, message = _in_flight(exc, had_session)
        flying = {item.id for item in in_flight}
        stopped = "not sent: the run stopped before this request's batch"
        rest = [
            records.get(item.id)
            or unresolved(item, *((status, message) if item.id in flying else (NOT_SENT, stopped)))
            for item in todo
            if item.id not in writer.status
        ]
        with _no_interrupts():
            try:
                writer.write(rest)
            except OSError as write_error:
                lost = [r["id"] for r in rest if r["id"] not in writer.status]
                print(
                    f"ttnc: could not write results ({write_error}); no line for: {some(lost)}",
                    file=sys.stderr,
                )
    return outcome
