"""An in-memory transport: bytes to a Python callable and back, no sockets.

``InProcessTransport(handler)`` hands each POST body to ``handler(body,
headers)`` and returns its :class:`~ttnc_pipeline.core.HTTPResponse`. The
sandbox's :meth:`handle` fits exactly, so a whole client runs against the
sandbox inside one process: fast tests, and the benchmarks' measure of the
pipeline's own cost.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from ttnc_pipeline.core import HTTPRequest, HTTPResponse
from ttnc_pipeline.errors import OutcomeUnknown, RequestNotSent

__all__ = ["InProcessTransport"]

Handler = Callable[[bytes, Mapping[str, str]], HTTPResponse]


class InProcessTransport:
    """Calls ``handler(body, headers)`` for every POST."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Hand the body to the handler and return what it answers.

        A :class:`ConnectionError` from the handler (the sandbox's dropped
        connection faults) becomes RequestNotSent when it says nothing was
        carried out (``carried_out`` False), else OutcomeUnknown, as a real
        transport reports a lost connection.
        """
        try:
            return self.handler(request.body, request.headers)
        except ConnectionError as exc:
            if getattr(exc, "carried_out", True) is False:
                raise RequestNotSent(f"the handler dropped the request: {exc}") from exc
            raise OutcomeUnknown(f"the handler lost the answer: {exc}") from exc

    def close(self) -> None:
        """Nothing to release."""

    def __repr__(self) -> str:
        return f"InProcessTransport({self.handler!r})"
