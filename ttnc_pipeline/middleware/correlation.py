"""Correlation: every request gets an id, every id gets exactly one response.

Outermost by default. On the way in it names anonymous requests and
refuses duplicate ids (nothing is sent). On the way out it makes sure each
of its requests has one response: a missing one becomes a not-ok
placeholder; a duplicated one raises :class:`CorrelationError`. Responses to
requests an inner middleware added (the injected ``SessionRequest``) pass
through, first, as they were on the wire.

:func:`match_responses` is the strict wire-level matching the codec step
applies to every POST: unknown or duplicated ``RequestId`` raise; a server
that sends no ids at all is matched by position, with a warning, only when
the counts agree.
"""

from __future__ import annotations

import itertools
import logging
import os
from collections.abc import Sequence

from ttnc_pipeline.core import (
    Batch,
    CallNext,
    Reply,
    Request,
    Response,
    _check_new_name,
    _with_valid_id,
)
from ttnc_pipeline.errors import CorrelationError, InvalidRequest

__all__ = ["CorrelationMiddleware", "match_responses", "new_request_id"]

_log = logging.getLogger("ttnc_pipeline.correlation")
_PREFIX = f"R{os.getpid():x}{os.urandom(3).hex()}-"
_counter = itertools.count(1)
# Every id new_request_id makes is this prefix and digits: a valid name, so
# naming a request needs no check of its own.
_check_new_name(f"{_PREFIX}1", "request id prefix")


def new_request_id() -> str:
    """A request id unique in this process (and very likely across processes)."""
    return f"{_PREFIX}{next(_counter)}"


def match_responses(
    requests: Sequence[Request], responses: Sequence[Response]
) -> tuple[Response, ...]:
    """Align responses with requests, one each, in request order.

    Raises CorrelationError for a duplicated or unknown ``RequestId``, or for
    id-less responses that cannot be placed. Requests left unanswered get a
    placeholder (``missing=True``, not ok).
    """
    if len(responses) == len(requests):
        # The usual case: every request named, answered once each, in order.
        for response, request in zip(responses, requests):  # noqa: B905 (same length)
            if request.id is None or response.request_id != request.id:
                break
        else:
            if len(requests) == 1 or len({request.id for request in requests}) == len(requests):
                return tuple(responses)
    by_id: dict[str, Response] = {}
    anonymous: list[Response] = []
    for response in responses:
        request_id = response.request_id
        if request_id is None:
            anonymous.append(response)
        elif request_id in by_id:
            raise CorrelationError(f"the server answered request id {request_id!r} twice")
        else:
            by_id[request_id] = response
    known = {request.id for request in requests if request.id is not None}
    unknown = [request_id for request_id in by_id if request_id not in known]
    if unknown:
        raise CorrelationError(
            f"the server answered request ids that were not sent: {', '.join(map(repr, unknown))}"
        )
    if anonymous and not by_id:
        if len(anonymous) != len(requests):
            raise CorrelationError(
                f"the server sent {len(anonymous)} responses without RequestId "
                f"for {len(requests)} requests; they cannot be matched"
            )
        if known:
            _log.warning("server sent no RequestId; matching %d responses by position", len(known))
        return tuple(
            response.with_request_id(request.id) if request.id is not None else response
            for request, response in zip(requests, anonymous, strict=True)
        )
    unnamed = iter(anonymous)
    matched: list[Response] = []
    for request in requests:
        found = by_id.get(request.id) if request.id is not None else next(unnamed, None)
        matched.append(found if found is not None else Response.placeholder(request))
    if next(unnamed, None) is not None:
        raise CorrelationError("a response without RequestId cannot be matched to any request")
    return tuple(matched)


class CorrelationMiddleware:
    """Names anonymous requests, refuses duplicate ids, and checks the reply."""

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        requests = batch.requests
        if len(requests) == 1:
            return self._one(batch, requests[0], call_next)
        ids = [request.id for request in requests]
        if None in ids:
            named: list[Request] = []
            for position, request in enumerate(requests):
                if request.id is None:
                    request = _with_valid_id(request, new_request_id())
                    ids[position] = request.id
                named.append(request)
            requests = tuple(named)
            batch = batch._copy(requests, batch.session_id, batch.options)  # checked already
        if len(set(ids)) != len(ids):  # a batch of one went to _one
            seen: set[str | None] = set()
            for request_id in ids:
                if request_id in seen:
                    raise InvalidRequest(f"request id {request_id!r} is used twice in one batch")
                seen.add(request_id)
        reply = call_next(batch)
        responses = reply.responses
        if len(responses) == len(ids) and [r.request_id for r in responses] == ids:
            return reply  # the usual case: one answer each, in order
        return reply.with_responses(self._check(requests, responses))

    def _one(self, batch: Batch, request: Request, call_next: CallNext) -> Reply:
        # A batch of one (every call of the TTNCApi facade): no duplicate to
        # look for, no list of ids to build.
        if request.id is None:
            request = _with_valid_id(request, new_request_id())
            batch = batch._copy((request,), batch.session_id, batch.options)  # checked already
        reply = call_next(batch)
        responses = reply.responses
        if len(responses) == 1 and responses[0].request_id == request.id:
            return reply
        return reply.with_responses(self._check((request,), responses))

    @staticmethod
    def _check(requests: Sequence[Request], responses: Sequence[Response]) -> tuple[Response, ...]:
        wanted = {request.id for request in requests}
        mine: dict[str | None, Response] = {}
        extra: list[Response] = []
        for response in responses:
            if response.request_id in wanted:
                if response.request_id in mine:
                    raise CorrelationError(
                        f"two responses answer request id {response.request_id!r}"
                    )
                mine[response.request_id] = response
            else:
                extra.append(response)
        # "is not None", not "or": a Response is a Mapping, and its truth would be len().
        ordered = [
            found if (found := mine.get(request.id)) is not None else Response.placeholder(request)
            for request in requests
        ]
        return (*extra, *ordered)

    def __repr__(self) -> str:
        return "CorrelationMiddleware()"
