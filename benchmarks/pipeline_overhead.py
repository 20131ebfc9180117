"""Target 2, pipeline overhead: the full default chain against the bare codec.

Both sides send one-request ``ListNumbers`` batches to the same in-process
sandbox entry (:meth:`Sandbox.handle <ttnc_pipeline.sandbox.Sandbox.handle>`)
under a session that is already open, so the server does the same work
for each:

- ours: a :class:`~ttnc_pipeline.Client` with every default middleware
  (correlation, logging, session, auth, retry) over an
  :class:`~ttnc_pipeline.transports.InProcessTransport`; logging at INFO
  (the stdlib logger ``ttnc_pipeline`` at INFO, with a handler writing to
  a null stream, structlog not configured), so one event per batch is
  formatted and written;
- bare: ``encode_batch`` (the SessionId in the batch), ``sandbox.handle``,
  ``decode_reply``.

Each side builds its :class:`~ttnc_pipeline.core.Request` on every call.
Target: ours at most 1.5x the bare time.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks._harness import Case, Row, Scale, format_seconds, interleaved
from ttnc_pipeline import Client
from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch, Reply, Request
from ttnc_pipeline.middleware import Credentials
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.transports import InProcessTransport

__all__ = ["info_logging", "run"]


class _NullStream(io.TextIOBase):
    """A text stream that accepts and forgets everything."""

    def write(self, text: str) -> int:
        return len(text)


@contextmanager
def info_logging() -> Iterator[None]:
    """The library's stdlib logger at INFO, writing to a null stream, for the duration."""
    logger = logging.getLogger("ttnc_pipeline")
    handler = logging.StreamHandler(_NullStream())
    saved = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(saved[0])
        logger.propagate = saved[1]


def _list_numbers(request_id: str | None = None) -> Request:
    return Request("NoveroNumbers", "ListNumbers", request_id)


def run(scale: Scale) -> Case:
    """Time ``calls`` one-request batches each way, side by side."""
    calls = scale.pipeline_calls
    sandbox = Sandbox()
    login = Credentials(*_demo(sandbox)).login_request()
    opened = decode_reply(sandbox.handle(encode_batch(Batch((login,))), {}).body)
    session_id = opened.responses[0]["SessionId"]
    with info_logging():
        client = Client(
            "http://sandbox.invalid/api/",
            credentials=Credentials(*_demo(sandbox)),
            transport=InProcessTransport(sandbox.handle),
        )
        client.send(Batch((_list_numbers(),)))  # logs in; later calls reuse the session

        def ours_once() -> Reply:
            return client.send(Batch((_list_numbers(),)))

        def bare_once() -> Reply:
            body = encode_batch(Batch((_list_numbers("Request1"),), session_id))
            return decode_reply(sandbox.handle(body, {}).body)

        assert ours_once().responses[-1].ok and bare_once().responses[0].ok
        assert ours_once().responses[-1].all("Numbers/Number") == bare_once().responses[0].all(
            "Numbers/Number"
        )

        def ours() -> None:
            for _ in range(calls):
                ours_once()

        def bare() -> None:
            for _ in range(calls):
                bare_once()

        times = interleaved(
            {"ours": ours, "bare": bare}, scale.pipeline_repeats, clock=time.process_time
        )
    per_ours, per_bare = times["ours"] / calls, times["bare"] / calls
    row = Row(
        "pipeline: default chain vs bare codec, per call",
        per_ours,
        per_bare,
        "s",
        "within",
        1.5,
        format_seconds(per_ours),
        format_seconds(per_bare),
        rounds=(
            [t / calls for t in times.samples["ours"]],
            [t / calls for t in times.samples["bare"]],
        ),
    ).judge(not scale.quick)
    return Case(
        "pipeline_overhead",
        [row],
        notes=[
            f"{calls:,} one-request ListNumbers batches per round, {scale.pipeline_repeats} "
            "rounds, in-process sandbox, logging at INFO to a null stream"
        ],
    )


def _demo(sandbox: Sandbox) -> tuple[str, str, str]:
    credentials = sandbox.credentials
    return credentials.username, credentials.password, credentials.vkey
