"""One envelope in, one reaction out: the sandbox without sockets.

:class:`Engine` is what both entries share, the HTTP server and the
in-process :meth:`~ttnc_pipeline.sandbox.Sandbox.handle`. For each body it:

1. decodes it with the client's own safe decoder (:func:`codec.decode_batch`);
2. fires at most one armed fault (:meth:`Faults.take`);
3. records the envelope in the journal;
4. unless the fault stands in for the batch, carries the batch out (or
   answers an undecodable envelope with HTTP 400 and one ``Code="400"``
   response), lets an answer fault reshape the answers, and renders them.

It returns an :class:`Exchange`: the HTTP answer (None when the connection
is to close unanswered) and the fault's effect, which the caller applies
to its connection.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from ttnc_pipeline.codec import decode_batch
from ttnc_pipeline.core import HTTPResponse
from ttnc_pipeline.errors import ProtocolError
from ttnc_pipeline.sandbox.conventions import BAD_REQUEST, ENVELOPE_ERROR_STATUS
from ttnc_pipeline.sandbox.dispatch import carry_out
from ttnc_pipeline.sandbox.effects import (
    ChangeRequestId,
    CloseAfterEffect,
    CloseBeforeRead,
    DuplicateRequestId,
    Effect,
    OmitResponse,
    Raw,
    Status,
    StripRequestIds,
)
from ttnc_pipeline.sandbox.faults import Faults
from ttnc_pipeline.sandbox.journal import EnvelopeRecord, Journal
from ttnc_pipeline.sandbox.reply import Answer, render
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = ["XML_CONTENT_TYPE", "Engine", "Exchange"]

XML_CONTENT_TYPE = "text/xml; charset=utf-8"
"""Content-Type of every document the sandbox writes."""

_PLAIN_CONTENT_TYPE = "text/plain; charset=utf-8"
_RESHAPERS = (OmitResponse, DuplicateRequestId, ChangeRequestId, StripRequestIds)


@attrs.frozen
class Exchange:
    """The sandbox's reaction to one envelope."""

    response: HTTPResponse | None
    """The HTTP answer; None when the connection is to close unanswered."""
    effect: Effect | None
    """The fault that fired, or None."""
    carried_out: bool
    """Whether the batch's requests were answered (their codes are in the journal)."""


def _response(
    status: int, body: bytes, headers: Mapping[str, str], default_type: str
) -> HTTPResponse:
    merged = {"content-type": default_type, **{k.lower(): v for k, v in headers.items()}}
    merged["content-length"] = str(len(body))
    return HTTPResponse(status, merged, body)


class Engine:
    """Turns envelopes into exchanges for one sandbox's state, faults and journal."""

    def __init__(self, state: SandboxState, faults: Faults, journal: Journal) -> None:
        self.state = state
        self.faults = faults
        self.journal = journal

    def exchange(
        self, body: bytes, headers: Mapping[str, str] | None, connection_id: int | None
    ) -> Exchange:
        """React to one POST body (see the module docstring)."""
        envelope_id = self.journal.new_envelope_id()
        try:
            batch, error = decode_batch(body), None
        except ProtocolError as exc:
            batch, error = None, str(exc)
        effect = self.faults.take(batch)
        self.journal.add_envelope(
            EnvelopeRecord(
                id=envelope_id,
                time=self.state.clock.now(),
                connection_id=connection_id,
                body=bytes(body),
                headers=dict(headers or {}),
                error=error,
                fault=None if effect is None else effect.kind,
            )
        )
        if isinstance(effect, CloseBeforeRead):
            return Exchange(None, effect, False)
        if isinstance(effect, Status):
            return Exchange(
                _response(effect.code, effect.body, effect.headers, _PLAIN_CONTENT_TYPE),
                effect,
                False,
            )
        if isinstance(effect, Raw):
            return Exchange(
                _response(effect.status, effect.body, effect.headers, XML_CONTENT_TYPE),
                effect,
                False,
            )
        if batch is None:
            status = ENVELOPE_ERROR_STATUS
            message = f"malformed envelope: {error}"
            answers = [Answer(None, None, BAD_REQUEST, None, message=message)]
        else:
            status = 200
            answers = carry_out(
                self.state,
                self.journal,
                batch,
                envelope_id=envelope_id,
                connection_id=connection_id,
            )
        if isinstance(effect, _RESHAPERS):
            answers = effect.reshape(answers)
        carried_out = batch is not None
        if isinstance(effect, CloseAfterEffect):
            return Exchange(None, effect, carried_out)
        response = _response(status, render(answers), {}, XML_CONTENT_TYPE)
        return Exchange(response, effect, carried_out)
