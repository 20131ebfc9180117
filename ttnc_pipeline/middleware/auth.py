"""Auth injection: a login at the front of the batch, or the session before it.

With a session on the batch, the envelope carries ``<SessionId>`` and no
login. Without one, and with credentials, ``Auth/SessionLogin`` (id
``SessionRequest``; ``VKey`` only when given) goes first in the same POST,
as TTNC's own clients do. A refused login raises
:class:`~ttnc_pipeline.errors.AuthenticationError` with TTNC's code and
message. I/O-free: it only changes the batch and looks at the reply.
"""

from __future__ import annotations

import attrs

from ttnc_pipeline.conventions import SESSION_REQUEST_ID
from ttnc_pipeline.core import Batch, CallNext, Reply, Request, check_text
from ttnc_pipeline.errors import AuthenticationError, InvalidRequest
from ttnc_pipeline.redaction import MASK, scrub

__all__ = ["AuthMiddleware", "Credentials", "is_login"]


def _text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # account numbers are often written as numbers: 98765
    if not isinstance(value, str):
        raise InvalidRequest(f"a credential must be a string, not {type(value).__name__}")
    return check_text(value, "a credential")


@attrs.frozen(repr=False)
class Credentials:
    """An account's username and password, and the application's VKey (optional)."""

    username: str = attrs.field(converter=_text)
    password: str = attrs.field(converter=_text)
    vkey: str | None = attrs.field(default=None, converter=_text)

    def login_request(self) -> Request:
        """The ``Auth/SessionLogin`` request these credentials make."""
        params = {"Username": self.username, "Password": self.password}
        if self.vkey:
            params["VKey"] = self.vkey
        return Request("Auth", "SessionLogin", SESSION_REQUEST_ID, params)

    def values(self) -> tuple[str, ...]:
        """The secret values themselves, for scrubbing them out of echoed text."""
        return tuple(v for v in (self.username, self.password, self.vkey) if v)

    def __repr__(self) -> str:
        vkey = None if self.vkey is None else MASK
        return f"Credentials(username={MASK!r}, password={MASK!r}, vkey={vkey!r})"


def is_login(request: Request) -> bool:
    """True for an ``Auth/SessionLogin`` request."""
    return request.target == "Auth" and request.name == "SessionLogin"


class AuthMiddleware:
    """Puts a login or a session in front of every batch that has neither.

    With ``credentials`` None it passes every batch through unchanged.
    """

    def __init__(self, credentials: Credentials | None) -> None:
        self.credentials = credentials

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        credentials = self.credentials
        if (
            credentials is None
            or batch.session_id is not None
            or any(is_login(request) for request in batch.requests)
        ):
            return call_next(batch)
        if SESSION_REQUEST_ID in batch.ids:
            raise InvalidRequest(
                f"request id {SESSION_REQUEST_ID!r} is reserved for the login this client adds"
            )
        reply = call_next(batch.with_requests((credentials.login_request(), *batch.requests)))
        login = reply.by_id(SESSION_REQUEST_ID)
        if login is not None and not login.ok and not login.missing:
            raise AuthenticationError(
                scrub(login.message, credentials.values()),
                code=login.code,
                target=login.target,
                name=login.name,
                request_id=login.request_id,
            )
        return reply

    def __repr__(self) -> str:
        return f"AuthMiddleware({self.credentials!r})"
