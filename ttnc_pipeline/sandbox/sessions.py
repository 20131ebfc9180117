"""Sessions: what ``Auth/SessionLogin`` issues, and the basket each one carries.

A :class:`Session` lives ``lifetime`` seconds on the sandbox's clock from
the moment it is issued. The lifetime is **absolute**: using a session does
not extend it (TTNC documents 30 minutes, not whether they slide; absolute
is the stricter guess, so a client that survives it survives either).

:class:`SessionStore` issues 32-hex ids from a generator seeded by the
sandbox seed (random-looking, repeatable), finds sessions, and can expire
every session at once. An expired session is kept, so the answer can say
"expired" rather than "unknown". The store is not locked itself: the
sandbox state's lock guards it.
"""

from __future__ import annotations

import random
from enum import Enum

import attrs

from ttnc_pipeline.clock import Clock
from ttnc_pipeline.redaction import MASK

__all__ = ["BasketItem", "Session", "SessionStatus", "SessionStore"]

_PURGE_EVERY = 10_000


@attrs.frozen
class BasketItem:
    """One item in a basket: a number and its band, as added."""

    number: str
    type: str
    band: str


@attrs.define(repr=False)
class Session:
    """A logged-in session: whose it is, until when, and its basket."""

    id: str
    username: str
    expires_at: float
    basket: list[BasketItem] = attrs.Factory(list)

    def __repr__(self) -> str:
        return f"Session(id={MASK}, username={MASK}, basket={len(self.basket)} items)"


class SessionStatus(Enum):
    """What a SessionId sent by a client turned out to be."""

    VALID = "valid"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


class SessionStore:
    """Every session issued by one sandbox."""

    def __init__(self, *, seed: int, clock: Clock, lifetime: float) -> None:
        self._rng = random.Random(f"{seed}:sessions")
        self._clock = clock
        self.lifetime = lifetime
        """Seconds a session stays valid after it is issued (absolute)."""
        self._sessions: dict[str, Session] = {}
        self._next_purge = _PURGE_EVERY

    def issue(self, username: str) -> Session:
        """A new session for ``username``, valid ``lifetime`` seconds from now."""
        while True:
            session_id = f"{self._rng.getrandbits(128):032x}"
            if session_id not in self._sessions:
                break
        now = self._clock.now()
        if len(self._sessions) >= self._next_purge:
            self._purge(now)
        session = Session(session_id, username, now + self.lifetime)
        self._sessions[session_id] = session
        return session

    def _purge(self, now: float) -> None:
        # A long-running sandbox would otherwise grow without bound. Sessions
        # dead for a whole lifetime go: a client is unlikely to still use one.
        horizon = now - self.lifetime
        self._sessions = {k: s for k, s in self._sessions.items() if s.expires_at > horizon}
        self._next_purge = max(_PURGE_EVERY, 2 * len(self._sessions))

    def status(self, session: Session) -> SessionStatus:
        """Whether ``session`` is still valid now."""
        if self._clock.now() >= session.expires_at:
            return SessionStatus.EXPIRED
        return SessionStatus.VALID

    def find(self, session_id: str) -> tuple[Session | None, SessionStatus]:
        """The session with this id and its status (None, UNKNOWN when never issued)."""
        session = self._sessions.get(session_id)
        if session is None:
            return None, SessionStatus.UNKNOWN
        return session, self.status(session)

    def expire_all(self) -> int:
        """Expire every session now; return how many were still valid."""
        now = self._clock.now()
        valid = 0
        for session in self._sessions.values():
            if now < session.expires_at:
                valid += 1
                session.expires_at = now
        return valid

    def __len__(self) -> int:
        return len(self._sessions)
