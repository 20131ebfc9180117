"""What each fault does, as values: when it acts and what it changes.

Three families, by when they act on one envelope:

- **instead of the batch** (nothing is carried out): :class:`CloseBeforeRead`,
  :class:`Status`, :class:`Raw`;
- **on the answers** (the batch is carried out, the document changes):
  :class:`OmitResponse`, :class:`DuplicateRequestId`,
  :class:`ChangeRequestId`, :class:`StripRequestIds`, each with
  ``reshape(answers)``;
- **on the connection** (the batch is carried out, the bytes misbehave):
  :class:`CloseAfterEffect`, :class:`Delay`, :class:`Drip`, :class:`Truncate`.

Connection effects need a socket. The in-process entry
(:meth:`~ttnc_pipeline.sandbox.Sandbox.handle`) raises
:class:`ConnectionDropped` for the three that lose the answer, and waits
for :class:`Delay` and :class:`Drip` (a drip lasts as long as its chunks
would) before returning the whole answer.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import ClassVar, TypeAlias

import attrs

from ttnc_pipeline.sandbox.reply import Answer

__all__ = [
    "ChangeRequestId",
    "CloseAfterEffect",
    "CloseBeforeRead",
    "ConnectionDropped",
    "Delay",
    "Drip",
    "DuplicateRequestId",
    "Effect",
    "OmitResponse",
    "Raw",
    "Status",
    "StripRequestIds",
    "Truncate",
]


def _headers(value: Mapping[str, str] | None) -> Mapping[str, str]:
    return MappingProxyType(dict(value or {}))


def _non_negative(_instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be zero or more, not {value}")


def _positive(_instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 1:
        raise ValueError(f"{attribute.name} must be at least 1, not {value}")


def _http_status(_instance: object, _attribute: attrs.Attribute[int], value: int) -> None:
    if not 100 <= value <= 599:
        raise ValueError(f"HTTP status must be from 100 to 599, not {value}")


@attrs.frozen
class CloseBeforeRead:
    """Close the connection without answering; nothing is carried out.

    The request bytes are read first (so the fault can match operations
    and the close is clean), then dropped.
    """

    kind: ClassVar[str] = "close_before_read"


@attrs.frozen
class Status:
    """Answer this HTTP status, headers and body instead of carrying out the batch."""

    kind: ClassVar[str] = "status"
    code: int = attrs.field(validator=_http_status)
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_headers)
    body: bytes = b""


@attrs.frozen
class Raw:
    """Answer exactly these bytes instead of carrying out the batch (hostile documents)."""

    kind: ClassVar[str] = "raw"
    body: bytes
    status: int = attrs.field(default=200, validator=_http_status)
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_headers)


@attrs.frozen
class OmitResponse:
    """Drop the answer to ``request_id`` (default None: the last answer)."""

    kind: ClassVar[str] = "omit_response"
    request_id: str | None = None

    def reshape(self, answers: list[Answer]) -> list[Answer]:
        """The answers without the omitted one."""
        if not answers:
            return answers
        if self.request_id is None:
            return answers[:-1]
        return [answer for answer in answers if answer.request_id != self.request_id]


@attrs.frozen
class DuplicateRequestId:
    """Make two answers carry one ``RequestId``.

    The second answer takes the first's id; a lone answer is sent twice.
    """

    kind: ClassVar[str] = "duplicate_request_id"

    def reshape(self, answers: list[Answer]) -> list[Answer]:
        """The answers with a repeated id."""
        if len(answers) == 1:
            return [answers[0], answers[0]]
        if len(answers) >= 2:
            return [answers[0], answers[1].with_request_id(answers[0].request_id), *answers[2:]]
        return answers


@attrs.frozen
class ChangeRequestId:
    """Answer ``request_id`` (default None: the first answer) under ``new_id``."""

    kind: ClassVar[str] = "change_request_id"
    new_id: str = "Unknown"
    request_id: str | None = None

    def reshape(self, answers: list[Answer]) -> list[Answer]:
        """The answers with one id changed."""
        for position, answer in enumerate(answers):
            if self.request_id is None or answer.request_id == self.request_id:
                changed = answer.with_request_id(self.new_id)
                return [*answers[:position], changed, *answers[position + 1 :]]
        return answers


@attrs.frozen
class StripRequestIds:
    """Answer with no ``RequestId`` at all."""

    kind: ClassVar[str] = "strip_request_ids"

    def reshape(self, answers: list[Answer]) -> list[Answer]:
        """The answers without ids."""
        return [answer.with_request_id(None) for answer in answers]


@attrs.frozen
class CloseAfterEffect:
    """Carry the batch out, then close the connection without answering."""

    kind: ClassVar[str] = "close_after_effect"


@attrs.frozen
class Delay:
    """Carry the batch out, then wait ``seconds`` (real time) before answering."""

    kind: ClassVar[str] = "delay"
    seconds: float = attrs.field(validator=_non_negative)


@attrs.frozen
class Drip:
    """Send the answer (status line and headers included) ``chunk_size`` bytes at a time.

    Defaults: 16-byte chunks, 0.05 s apart.
    """

    kind: ClassVar[str] = "drip"
    chunk_size: int = attrs.field(default=16, validator=_positive)
    interval: float = attrs.field(default=0.05, validator=_non_negative)

    def duration(self, size: int) -> float:
        """Seconds a drip of ``size`` bytes lasts (the first chunk leaves at once)."""
        chunks = -(-size // self.chunk_size)
        return max(chunks - 1, 0) * self.interval


def _keep(_instance: object, _attribute: attrs.Attribute[float | int], value: float | int) -> None:
    if isinstance(value, bool) or value < 0 or (isinstance(value, float) and value >= 1):
        raise ValueError(f"keep must be a fraction in [0, 1) or a byte count >= 0, not {value!r}")


@attrs.frozen
class Truncate:
    """Carry out, send the headers (full Content-Length) and part of the body, then close.

    ``keep`` is a fraction of the body (float, default 0.5) or a byte count
    (int). At least one byte is always withheld, so the body is always short.
    """

    kind: ClassVar[str] = "truncate"
    keep: float | int = attrs.field(default=0.5, validator=_keep)

    def cut(self, body: bytes) -> bytes:
        """The part of ``body`` that is sent."""
        kept = int(len(body) * self.keep) if isinstance(self.keep, float) else self.keep
        return body[: max(min(kept, len(body) - 1), 0)]


Effect: TypeAlias = (
    CloseBeforeRead
    | Status
    | Raw
    | OmitResponse
    | DuplicateRequestId
    | ChangeRequestId
    | StripRequestIds
    | CloseAfterEffect
    | Delay
    | Drip
    | Truncate
)
"""Any fault effect."""


class ConnectionDropped(ConnectionError):
    """Raised by the in-process entry for a fault that loses the answer on a real connection.

    ``kind`` names the fault; ``carried_out`` tells whether the batch was
    carried out (False only for ``close_before_read``); ``partial`` is the
    part of the body a ``truncate`` would have sent.
    """

    def __init__(self, kind: str, *, carried_out: bool, partial: bytes = b"") -> None:
        done = "after carrying the batch out" if carried_out else "without carrying it out"
        super().__init__(f"fault {kind}: the sandbox dropped the connection {done}")
        self.kind = kind
        self.carried_out = carried_out
        self.partial = partial
