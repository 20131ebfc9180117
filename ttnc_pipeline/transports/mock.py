"""A scripted transport: a unit test writes TTNC's answers in a few lines.

``MockTransport(handler)`` decodes every POST into a
:class:`~ttnc_pipeline.core.Batch` and hands it to ``handler``, which
answers with any of:

- a :class:`~ttnc_pipeline.core.Reply` (sent as HTTP 200 with its responses);
- a sequence of :class:`~ttnc_pipeline.core.Response` (the same, shorter);
- an :class:`~ttnc_pipeline.core.HTTPResponse` (raw status, headers, body:
  for 503s, HTML error pages, truncated bodies).

It may also raise, as a transport does
(:class:`~ttnc_pipeline.errors.RequestNotSent`,
:class:`~ttnc_pipeline.errors.OutcomeUnknown`). :func:`ok` and
:func:`error` build the response to one request:

>>> from ttnc_pipeline import Client
>>> from ttnc_pipeline.transports import MockTransport, error, ok
>>> def ttnc(batch):
...     return [ok(r, {"SessionId": "s1"}) if r.name == "SessionLogin"
...             else error(r, 404, "no such number") for r in batch.requests]
>>> mock = MockTransport(ttnc)
>>> client = Client("https://ttnc.example/api/", "user", "password", transport=mock)
>>> response = client.request("NoveroNumbers", "GetNumberConfig", Number="01632960000")
>>> response.code, response.message
(404, 'no such number')
>>> mock.operations
['Auth/SessionLogin', 'NoveroNumbers/GetNumberConfig']

With no handler, every request is answered ``200`` (a login with a
``SessionId``). Every batch received is kept in :attr:`MockTransport.batches`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias

from ttnc_pipeline.codec import decode_batch, encode_reply
from ttnc_pipeline.core import Batch, HTTPRequest, HTTPResponse, Reply, Request, Response

__all__ = ["MOCK_SESSION_ID", "MockAnswer", "MockHandler", "MockTransport", "error", "ok"]

MockAnswer: TypeAlias = "Reply | Sequence[Response] | HTTPResponse"
"""What a handler may return."""

MockHandler: TypeAlias = Callable[[Batch], MockAnswer]
"""``handler(batch) -> Reply | list[Response] | HTTPResponse``."""

MOCK_SESSION_ID = "mock-session-id"
"""The ``SessionId`` the default handler answers a login with."""

_XML = {"content-type": "text/xml; charset=utf-8"}


def ok(request: Request, data: Mapping[str, Any] | None = None) -> Response:
    """A ``Code="200"`` response to ``request``, carrying ``data`` (see ``Response.build``)."""
    return Response.build(request.target, request.name, 200, request.id, data)


def error(request: Request, code: int, message: str) -> Response:
    """An error response to ``request``: ``code`` and a ``<ResponseMessage>``."""
    return Response.build(request.target, request.name, code, request.id, message=message)


def answer_all_ok(batch: Batch) -> Reply:
    """The default handler: every request ok, a login with :data:`MOCK_SESSION_ID`."""
    return Reply(
        tuple(
            ok(r, {"SessionId": MOCK_SESSION_ID} if r.operation == "Auth/SessionLogin" else None)
            for r in batch.requests
        )
    )


class MockTransport:
    """Answers every POST by calling ``handler(batch)`` (default: :func:`answer_all_ok`).

    Thread-safe: ``batches`` and ``requests`` grow under a lock; the handler
    itself runs unlocked, so it must be thread-safe if the test uses threads.
    """

    def __init__(self, handler: MockHandler | None = None) -> None:
        self.handler: MockHandler = handler or answer_all_ok
        self.batches: list[Batch] = []
        """Every batch received, decoded, in arrival order."""
        self.requests: list[HTTPRequest] = []
        """Every raw POST received, in arrival order."""
        self.closed = False
        self._lock = threading.Lock()

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Decode the POST, ask the handler, and encode what it answers."""
        batch = decode_batch(request.body)
        with self._lock:
            self.requests.append(request)
            self.batches.append(batch)
        answer = self.handler(batch)
        if isinstance(answer, HTTPResponse):
            return answer
        if isinstance(answer, Reply):
            return HTTPResponse(answer.status, {**_XML, **answer.headers}, encode_reply(answer))
        if isinstance(answer, Sequence) and all(isinstance(r, Response) for r in answer):
            return HTTPResponse(200, _XML, encode_reply(Reply(tuple(answer))))
        raise TypeError(
            "a MockTransport handler returns a Reply, a list of Response or an HTTPResponse, "
            f"not {type(answer).__name__}"
        )

    @property
    def operations(self) -> list[str]:
        """``target/name`` of every request received, in order, across batches."""
        with self._lock:
            return [r.operation for batch in self.batches for r in batch.requests]

    def close(self) -> None:
        """Mark the transport closed (``closed`` becomes True)."""
        self.closed = True

    def __repr__(self) -> str:
        return f"MockTransport({self.handler!r}, batches={len(self.batches)})"
