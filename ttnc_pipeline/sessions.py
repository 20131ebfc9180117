"""Where a logged-in ``SessionId`` is kept between calls.

- :class:`StoredSession` one session and when it was obtained (wall time);
- :class:`SessionStore` the protocol: ``get``, ``put``, ``discard``;
- :class:`InMemorySessionStore` per process, the default;
- :class:`FileSessionStore` a JSON file with 0600 permissions, for sharing a
  session between processes and runs (the seed README's "save the session
  state between script executions").

Keys are opaque digests of endpoint and username, so a store file names no
user. Expiry is the session middleware's business, not the store's.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs

from ttnc_pipeline.redaction import MASK

try:  # POSIX: lock the file so concurrent processes do not lose writes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "FileSessionStore",
    "InMemorySessionStore",
    "SessionStore",
    "StoredSession",
    "session_key",
]


def session_key(url: str, username: str | None) -> str:
    """The store key for an endpoint and user: a digest that names neither."""
    raw = f"{url}\0{username or ''}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


@attrs.frozen(repr=False)
class StoredSession:
    """A ``SessionId`` and the wall time (seconds since the epoch) it was obtained."""

    session_id: str
    obtained_at: float

    def __repr__(self) -> str:
        return f"StoredSession(session_id={MASK!r}, obtained_at={self.obtained_at})"


@runtime_checkable
class SessionStore(Protocol):
    """Keeps sessions by key; implementations must be thread-safe."""

    def get(self, key: str) -> StoredSession | None:
        """The session stored under ``key``, or None."""
        ...

    def put(self, key: str, session: StoredSession) -> None:
        """Store ``session`` under ``key``, replacing any other."""
        ...

    def discard(self, key: str, session_id: str | None = None) -> None:
        """Forget the session under ``key`` (only if it is ``session_id``, when given)."""
        ...


class InMemorySessionStore:
    """Sessions in a dict, for the life of the process (the default)."""

    def __init__(self) -> None:
        self._sessions: dict[str, StoredSession] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> StoredSession | None:
        """The session stored under ``key``, or None."""
        # One dict lookup, atomic on its own: a concurrent put or discard is
        # seen wholly or not at all, so it needs no lock (asked every batch).
        return self._sessions.get(key)

    def put(self, key: str, session: StoredSession) -> None:
        """Store ``session`` under ``key``."""
        with self._lock:
            self._sessions[key] = session

    def discard(self, key: str, session_id: str | None = None) -> None:
        """Forget the session under ``key``."""
        with self._lock:
            current = self._sessions.get(key)
            if current is not None and (session_id is None or current.session_id == session_id):
                del self._sessions[key]

    def __repr__(self) -> str:
        return f"InMemorySessionStore({len(self._sessions)} sessions)"


class FileSessionStore:
    """Sessions in a JSON file readable only by its owner (mode 0600).

    Writes replace the file atomically, under an advisory lock on POSIX, so
    several processes can share one file.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with self._lock:
            if fcntl is None:  # pragma: no cover - Windows
                yield
                return
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(f"{self.path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
                yield
            finally:
                os.close(fd)

    def _read(self) -> dict[str, dict[str, object]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}  # a corrupt store only costs a fresh login
        return data if isinstance(data, dict) else {}

    def _write(self, data: dict[str, dict[str, object]]) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".ttnc-sessions-")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, indent=1, sort_keys=True)
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise

    def get(self, key: str) -> StoredSession | None:
        """The session stored under ``key``, or None."""
        with self._locked():
            entry = self._read().get(key)
        if not isinstance(entry, dict):
            return None
        session_id, obtained = entry.get("session_id"), entry.get("obtained_at")
        if not isinstance(session_id, str) or not isinstance(obtained, int | float):
            return None
        return StoredSession(session_id, float(obtained))

    def put(self, key: str, session: StoredSession) -> None:
        """Store ``session`` under ``key``."""
        with self._locked():
            data = self._read()
            data[key] = {"session_id": session.session_id, "obtained_at": session.obtained_at}
            self._write(data)

    def discard(self, key: str, session_id: str | None = None) -> None:
        """Forget the session under ``key``."""
        with self._locked():
            data = self._read()
            entry = data.get(key)
            if entry is None:
                return
            if session_id is not None and entry.get("session_id") != session_id:
                return
            del data[key]
            self._write(data)

    def __repr__(self) -> str:
        return f"FileSessionStore({str(self.path)!r})"
