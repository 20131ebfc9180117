"""Answers, and how a list of them becomes a ``NoveroResponse`` document.

- :class:`Answer` the sandbox's answer to one request, still as plain data,
  so faults can drop, copy or re-label answers before anything is encoded;
- :class:`Prerendered` trusted, already-encoded XML content for one element
  (the fast path of a 100,000-number ``ListNumbers``);
- :func:`render` turns answers into bytes.

Rendering goes through the project's own encoder (``Response.build`` and
the parts of ``codec.encode_reply``), so the sandbox writes exactly what the
library would. Building 100,000 ``Number`` elements that way takes seconds, so a
:class:`Prerendered` value travels as a unique marker text through the
encoder and is spliced into the encoded bytes afterwards. Only the sandbox
makes :class:`Prerendered` values, from numbers it generated itself and
destinations it validated as digits, so the spliced bytes need no escaping.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from ttnc_pipeline.codec import encode_bare_response, encode_response, reply_document
from ttnc_pipeline.core import Request, Response, expect_fields

__all__ = ["Answer", "Prerendered", "render"]

# A marker no client text can guess: a fresh random token per process.
_MARKER = f"sandbox-prerendered-{secrets.token_hex(16)}-"


@attrs.frozen(repr=False)
class Prerendered:
    """Already-encoded XML content of one element (trusted: no escaping happens)."""

    xml: bytes

    def __repr__(self) -> str:
        return f"Prerendered(<{len(self.xml)} bytes>)"


# Not frozen, with an __init__ by hand: one is built for every request the
# sandbox answers, and plain slot writes cost half what a frozen class's
# do. Nothing changes an answer once made (faults copy it with
# with_request_id).
@attrs.define(init=False)
class Answer:
    """The answer to one request, before encoding.

    ``target`` and ``name`` are None only for the answer to an envelope
    that could not be decoded; ``request_id`` is None when the request had
    no id (the ``RequestId`` attribute is then left out). ``data`` defaults
    to none, ``message`` to None.
    """

    target: str | None
    name: str | None
    code: int
    request_id: str | None
    data: Mapping[str, Any] = attrs.field(factory=dict, repr=False)  # for attrs subclasses
    message: str | None = None

    def __init__(
        self,
        target: str | None,
        name: str | None,
        code: int,
        request_id: str | None,
        data: Mapping[str, Any] | None = None,
        message: str | None = None,
    ) -> None:
        self.target = target
        self.name = name
        self.code = code
        self.request_id = request_id
        self.data = {} if data is None else data
        self.message = message

    @classmethod
    def to(
        cls,
        request: Request,
        code: int,
        data: Mapping[str, Any] | None = None,
        message: str | None = None,
    ) -> Answer:
        """The answer to ``request``: its target, name and id echoed."""
        return cls(request.target, request.name, code, request.id, data, message)

    def with_request_id(self, request_id: str | None) -> Answer:
        """A copy answering another id (None: no ``RequestId``)."""
        return attrs.evolve(self, request_id=request_id)


expect_fields(Answer, "target", "name", "code", "request_id", "data", "message")  # __init__


def _swap_prerendered(data: Mapping[str, Any], splices: dict[bytes, bytes]) -> Mapping[str, Any]:
    if not any(isinstance(value, Prerendered) for value in data.values()):
        return data
    swapped: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, Prerendered):
            marker = f"{_MARKER}{len(splices)}."
            splices[marker.encode()] = value.xml
            swapped[key] = {"#text": marker}
        else:
            swapped[key] = value
    return swapped


def render(answers: Sequence[Answer]) -> bytes:
    """Encode answers as one ``NoveroResponse`` document (UTF-8)."""
    splices: dict[bytes, bytes] = {}
    body = reply_document(
        [
            encode_response(
                Response.build(
                    answer.target,
                    answer.name,
                    answer.code,
                    answer.request_id,
                    _swap_prerendered(answer.data, splices),
                    message=answer.message,
                )
            )
            if answer.data or answer.message is not None
            # Nothing inside (a SetDestination done, say): written from the
            # fields, with no Response object or element built for it.
            else encode_bare_response(answer.target, answer.name, answer.code, answer.request_id)
            for answer in answers
        ]
    )
    for marker, xml in splices.items():
        body = body.replace(marker, xml, 1)
    return body
