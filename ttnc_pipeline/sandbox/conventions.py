"""The sandbox's answers where TTNC documents nothing, kept in one place.

TTNC documents only ``Code="200"``. PROTOCOL.md ("Conventions this project
adopts") fixes the rest, and every handler reaches them through this
module, so a change once TTNC's real behaviour is known is a change here:

=====================================================  ==========================
situation                                              answer
=====================================================  ==========================
bad credentials; missing, expired or unknown SessionId ``Code="401"`` + message
unknown target or operation name                       ``Code="404"`` + message
missing or invalid parameter; a refused business rule  ``Code="400"`` + message
(number not on the account, unknown card, empty basket)
an unexpected failure inside the sandbox               ``Code="500"`` + message
envelope that is not well-formed ``NoveroRequest``     HTTP 400, one ``Code="400"``
=====================================================  ==========================

Every refusal is raised inside a handler as :class:`OperationError` and
turned into a ``Response`` with a ``<ResponseMessage>`` by the dispatcher.
401 messages always contain "session" or "log in", the words third-party
clients look for before logging in again.
"""

from __future__ import annotations

# The codes themselves are the library's conventions, shared with the client
# (its session renewal reads UNAUTHORISED), so they are defined once there.
from ttnc_pipeline.conventions import (
    BAD_REQUEST,
    NOT_FOUND,
    OK,
    SERVER_ERROR,
    UNAUTHORISED,
)

__all__ = [
    "BAD_REQUEST",
    "ENVELOPE_ERROR_STATUS",
    "NOT_FOUND",
    "OK",
    "OperationError",
    "SERVER_ERROR",
    "UNAUTHORISED",
    "bad_request",
    "unauthorised",
]


ENVELOPE_ERROR_STATUS = 400
"""HTTP status of the answer to an envelope that cannot be decoded."""


class OperationError(Exception):
    """A handler's refusal: the request is answered with ``code`` and ``message``."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def bad_request(message: str) -> OperationError:
    """A ``Code="400"`` refusal with ``message``."""
    return OperationError(BAD_REQUEST, message)


def unauthorised(message: str) -> OperationError:
    """A ``Code="401"`` refusal with ``message`` (which must say "session" or "log in")."""
    return OperationError(UNAUTHORISED, message)
