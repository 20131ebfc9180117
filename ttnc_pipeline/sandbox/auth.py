"""Who the requests of one batch run as, request by request.

A batch starts authenticated by the ``SessionId`` sent first in the
envelope, if it names a valid session. Requests then run in document order
and :class:`BatchAuth` follows them:

- a successful ``Auth/SessionLogin`` issues a new session, which
  authenticates every later request of the batch (and later batches that
  send its id);
- a failed login (wrong credentials: ``401``; a missing value: ``400``)
  makes every later request of the batch a ``401``, even when the envelope
  carried a valid ``SessionId``: the client asked to be someone else;
- every other operation needs a session, checked when it runs, so a
  session that expires in the middle of a batch stops there (the clock
  moving on; ``faults.expire_sessions()`` from another thread waits for
  the batch to finish, since a batch holds the state lock).

``401`` messages say why (no session, expired, unknown, failed login) and
always contain "session" or "log in", which clients look for.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ttnc_pipeline.core import Request
from ttnc_pipeline.sandbox.context import Call
from ttnc_pipeline.sandbox.conventions import bad_request, unauthorised
from ttnc_pipeline.sandbox.sessions import Session, SessionStatus
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = ["LOGIN_FIELDS", "BatchAuth"]

LOGIN_FIELDS = ("Username", "Password", "VKey")
"""The parameters of ``Auth/SessionLogin``, all required."""

_NO_SESSION = "no session: log in with Auth/SessionLogin or send a SessionId"
_EXPIRED = "session expired: log in again"
_UNKNOWN = "unknown session: log in again"
_LOGIN_FAILED = "the login earlier in this batch failed: log in again"
_BAD_CREDENTIALS = "authentication failed: wrong Username, Password or VKey; log in again"


class BatchAuth:
    """The authentication of one batch as its requests run."""

    def __init__(self, state: SandboxState, session_id: str | None) -> None:
        self._state = state
        self._session: Session | None = None
        self._call: Call | None = None
        self._refusal = _NO_SESSION
        if session_id is not None:
            with state.lock:
                session, status = state.sessions.find(session_id)
            if status is SessionStatus.VALID:
                self._session = session
            else:
                self._refusal = _EXPIRED if status is SessionStatus.EXPIRED else _UNKNOWN

    @property
    def session(self) -> Session | None:
        """The session the batch currently runs under, or None."""
        return self._session

    @property
    def username(self) -> str | None:
        """The account the batch currently runs as, or None."""
        return None if self._session is None else self._session.username

    @property
    def session_id(self) -> str | None:
        """The id of the current session, or None."""
        return None if self._session is None else self._session.id

    def login(self, request: Request) -> Mapping[str, Any]:
        """Carry out ``Auth/SessionLogin``; answer ``SessionId``.

        Raises ``400`` for a missing value and ``401`` for wrong credentials;
        either way the rest of the batch is refused.
        """
        self._session = None
        self._refusal = _LOGIN_FAILED
        values = []
        for field in LOGIN_FIELDS:
            value = request.params.get(field)
            if not isinstance(value, str) or not value.strip():
                raise bad_request(f"missing required parameter {field}")
            values.append(value.strip())
        session = self._state.login(*values)
        if session is None:
            raise unauthorised(_BAD_CREDENTIALS)
        self._session = session
        return {"SessionId": session.id}

    def call(self, request: Request, now: float) -> Call:
        """The call that carries ``request`` out as at ``now``; ``401`` if there is no session.

        ``now`` is the state's clock reading for this request (the journal
        records the same one). One :class:`Call` serves the batch's
        requests in turn, while the session stays the same (its
        ``request`` changes), so a handler uses it only while it runs. The
        caller holds the state lock (the dispatcher does, for the whole batch).
        """
        session = self._session
        if session is None:
            raise unauthorised(self._refusal)
        if now >= session.expires_at:  # expired, as SessionStore.status decides
            self._session = None
            self._refusal = _EXPIRED
            raise unauthorised(_EXPIRED)
        call = self._call
        if call is None or call.session is not session:
            # Accounts are never removed or replaced: one lookup per session.
            account = self._state.account(session.username)
            call = self._call = Call(request, self._state, account, session)
        else:
            call.request = request
        return call
