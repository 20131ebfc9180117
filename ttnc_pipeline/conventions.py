"""Where TTNC is silent, the choices this project makes, kept in one place.

PROTOCOL.md marks these INFERRED: TTNC documents only ``Code="200"``. When
TTNC's real behaviour becomes known, change it here and nowhere else; the
sandbox, the session middleware and the retry decision all read these.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ttnc_pipeline.core import Response

__all__ = [
    "BAD_REQUEST",
    "DEFAULT_ENDPOINT",
    "NOT_FOUND",
    "OK",
    "SERVER_ERROR",
    "SESSION_LIFETIME",
    "SESSION_REQUEST_ID",
    "UNAUTHORISED",
    "is_auth_failure",
]

DEFAULT_ENDPOINT = "https://xml.ttnc.co.uk/api/"
"""TTNC's endpoint, as the official clients use it."""

OK = 200
"""Success: the only code TTNC documents."""

UNAUTHORISED = 401
"""Bad credentials, or a missing, expired or unknown SessionId."""

NOT_FOUND = 404
"""Unknown target or operation name."""

BAD_REQUEST = 400
"""Missing or invalid parameter; also the code of a malformed envelope."""

SERVER_ERROR = 500
"""Server-side failure of one request."""

SESSION_LIFETIME = 30 * 60.0
"""Seconds a SessionId stays valid (DOC: 30 minutes)."""

SESSION_REQUEST_ID = "SessionRequest"
"""The id the official clients give the injected ``Auth/SessionLogin``."""

_AUTH_WORDS = re.compile(r"session|auth|login", re.IGNORECASE)


def is_auth_failure(response: Response) -> bool:
    """True when a response says "log in again".

    The only third-party code that handles it treats ``Code="401"``, or an
    error message naming session, auth or login, that way.
    """
    if response.code == UNAUTHORISED:
        return True
    if response.code == OK or response.missing:
        return False
    message = response.message
    return bool(message and _AUTH_WORDS.search(message))
