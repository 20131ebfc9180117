"""Session reuse: log in once, reuse the SessionId, renew it once when it dies.

Before a batch: a stored session still inside its lifetime (minus a
margin) goes on the batch, so the auth step sends ``<SessionId>`` instead
of a login. When there is none, one thread at a time goes ahead with a
login; the others wait and then reuse what it stored (single-flight).

After a batch: a successful ``SessionRequest`` is stored. When requests
sent under a session come back as authentication failures
(:func:`~ttnc_pipeline.conventions.is_auth_failure`), they were not carried
out, so whatever their safety class they are resent, once, with a fresh
login (or with the session another thread has just obtained), and their
answers replace the failures under the same ids. A refused re-login raises
:class:`~ttnc_pipeline.errors.AuthenticationError` from the auth step;
nothing loops.

When the renewal fails after the first answer carried some requests out,
raising would hide those effects (a saved card reported as "not sent" is
saved twice next time). The call then returns the first answer instead:
the refused requests keep their authentication failure when the renewal
was refused or never sent (they were not carried out), or become not-ok
placeholders (:attr:`Response.missing`) when its outcome is unknown.
"""

from __future__ import annotations

import logging
import threading

import attrs

from ttnc_pipeline.clock import Clock, SystemClock
from ttnc_pipeline.conventions import OK, SESSION_LIFETIME, SESSION_REQUEST_ID, is_auth_failure
from ttnc_pipeline.core import Batch, CallNext, Reply, Response
from ttnc_pipeline.errors import APIError, RequestNotSent, TTNCError
from ttnc_pipeline.sessions import InMemorySessionStore, SessionStore, StoredSession

__all__ = ["SessionMiddleware"]

_log = logging.getLogger("ttnc_pipeline.session")


class SessionMiddleware:
    """Keeps and renews the session for one endpoint and user.

    ``key``: the store key (see :func:`~ttnc_pipeline.sessions.session_key`).
    ``can_login``: whether the auth step has credentials to log in with
    (default True). ``lifetime`` (default 1800 s) and ``margin`` (default
    60 s) decide when a stored session is too old to use.
    """

    def __init__(
        self,
        key: str,
        store: SessionStore | None = None,
        *,
        can_login: bool = True,
        lifetime: float = SESSION_LIFETIME,
        margin: float = 60.0,
        clock: Clock | None = None,
    ) -> None:
        self.key = key
        self.store: SessionStore = store if store is not None else InMemorySessionStore()
        self.can_login = can_login
        self.lifetime = lifetime
        self.margin = margin
        self.clock: Clock = clock or SystemClock()
        self._login_lock = threading.Lock()

    def current(self) -> str | None:
        """The stored session id if it is still young enough to use, else None."""
        stored = self.store.get(self.key)
        if stored is None:
            return None
        if self.clock.time() - stored.obtained_at >= self.lifetime - self.margin:
            return None
        return stored.session_id

    def _remember(self, reply: Reply) -> None:
        login = reply.by_id(SESSION_REQUEST_ID)
        if login is None or not login.ok:
            return
        session_id = login.get("SessionId")
        if isinstance(session_id, str) and session_id:
            self.store.put(self.key, StoredSession(session_id, self.clock.time()))

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        if batch.session_id is None:
            session_id = self.current()
            if session_id is None and self.can_login:
                # single-flight: one login for all waiting threads, each waiting
                # no longer than its own call's deadline allows
                self._acquire(batch)
                try:
                    session_id = self.current()
                    if session_id is None:
                        reply = call_next(batch)
                        self._remember(reply)
                        return reply
                finally:
                    self._login_lock.release()
            if session_id is not None:
                batch = batch.with_session(session_id)
        reply = call_next(batch)
        self._remember(reply)
        if batch.session_id is None or not self.can_login:
            return reply
        for response in reply.responses:  # the usual case: every answer a 200
            if response.code != OK and is_auth_failure(response):
                break
        else:
            return reply
        refused = [response for response in reply.responses if is_auth_failure(response)]
        sent = set(batch.ids)
        failed = {response.request_id for response in refused if response.request_id in sent}
        if not failed:
            return reply
        return self._renew_and_resend(batch, reply, failed, call_next)

    def _acquire(self, batch: Batch) -> None:
        deadline = batch.options.get("deadline")
        timeout = -1.0 if deadline is None else max(deadline - self.clock.now(), 0.0)
        if not self._login_lock.acquire(timeout=timeout):
            raise RequestNotSent(
                "the call's deadline passed while another thread was logging in; nothing was sent"
            )

    def _renew_and_resend(
        self, batch: Batch, reply: Reply, failed: set[str | None], call_next: CallNext
    ) -> Reply:
        resend = batch.with_requests([r for r in batch.requests if r.id in failed])
        try:
            second = self._resend(batch.session_id, resend, call_next)
        except TTNCError as exc:
            if not any(r.ok for r in reply.responses if r.request_id not in failed):
                raise  # nothing was carried out: the error tells the whole story
            _log.warning(
                "session renewal failed (%s); returning the answers already carried out",
                type(exc).__name__,
            )
            return _settle(reply, resend, exc)
        return _merge(reply, second, failed)

    def _resend(self, dead: str | None, resend: Batch, call_next: CallNext) -> Reply:
        self._acquire(resend)
        try:
            fresh = self.current()
            if fresh is None or fresh == dead:
                self.store.discard(self.key, dead)
                second = call_next(resend.with_session(None))
                self._remember(second)
                return second
        finally:
            self._login_lock.release()
        return call_next(resend.with_session(fresh))

    def __repr__(self) -> str:
        return f"SessionMiddleware(store={self.store!r}, lifetime={self.lifetime})"


def _merge(first: Reply, second: Reply, replaced: set[str | None]) -> Reply:
    """The first reply with the replaced ids answered from the second."""
    answers = {response.request_id: response for response in second.responses}
    login = answers.pop(SESSION_REQUEST_ID, None)
    merged: list[Response] = [] if login is None else [login]
    for response in first.responses:
        if response.request_id == SESSION_REQUEST_ID and login is not None:
            continue
        if response.request_id in replaced and response.request_id in answers:
            merged.append(answers[response.request_id])
        else:
            merged.append(response)
    # the resent requests were answered under the renewed session (None: a login)
    return attrs.evolve(first, responses=merged, session_id=second.session_id)


def _settle(first: Reply, resend: Batch, error: TTNCError) -> Reply:
    """The first reply, its refused requests answered as far as ``error`` allows."""
    if isinstance(error, RequestNotSent | APIError):
        return first  # refused or never sent: the authentication failures stand
    lost = {request.id: Response.placeholder(request) for request in resend.requests}
    return first.with_responses([lost.get(r.request_id, r) for r in first.responses])
