"""What the sandbox received and what it did, for tests to assert on.

- :class:`EnvelopeRecord` one POST body received: the raw bytes, the
  decoded batch or the decoding error, the fault applied to it, when, and
  on which connection (None for the in-process entry);
- :class:`OperationRecord` one request answered: operation, request id,
  code, the caller's username and session. A request counts as *carried
  out* when its code is 200; refused ones (401, 400, ...) are recorded too;
- :class:`Journal` the thread-safe list of both, connection counters, and
  the queries tests use: ``journal.count("AddToBasket") == 1``.

Secrets: records keep what tests may need (the raw body holds the password
of a login), but every repr masks them, so a failing assertion prints
nothing secret.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping

import attrs

from ttnc_pipeline.codec import excerpt
from ttnc_pipeline.core import Batch, dict_writer
from ttnc_pipeline.redaction import MASK

__all__ = ["EnvelopeRecord", "Journal", "OperationRecord", "operation_matches"]


def operation_matches(pattern: str | None, target: str | None, name: str | None) -> bool:
    """Tell whether ``pattern`` (``"PlaceOrder"``, ``"Order/PlaceOrder"``, None: any) fits."""
    if pattern is None:
        return True
    if "/" in pattern:
        return pattern == f"{target}/{name}"
    return pattern == name


@attrs.frozen(repr=False)
class EnvelopeRecord:
    """One envelope (POST body) the sandbox received."""

    id: int
    """Position in the journal, counting from 1."""
    time: float
    """The sandbox clock's reading when it arrived."""
    connection_id: int | None
    """The connection it came on (None: the in-process entry)."""
    body: bytes
    headers: Mapping[str, str]
    batch: Batch | None
    """The decoded batch, or None when it could not be decoded."""
    error: str | None
    """Why it could not be decoded, or None."""
    fault: str | None
    """The fault applied to it (``"close_after_effect"``...), or None."""

    @property
    def operations(self) -> tuple[str, ...]:
        """``target/name`` of each request, in order (empty if undecodable)."""
        return () if self.batch is None else tuple(r.operation for r in self.batch.requests)

    def __repr__(self) -> str:
        detail = f"error={self.error!r}" if self.error else f"operations={list(self.operations)!r}"
        return (
            f"EnvelopeRecord(id={self.id}, connection_id={self.connection_id}, "
            f"fault={self.fault!r}, {detail}, body={excerpt(self.body)!r})"
        )


# Not slotted, with an __init__ by hand (see core.dict_writer): one is built
# for every request the sandbox answers.
@attrs.frozen(repr=False, init=False, slots=False)
class OperationRecord:
    """One request the sandbox answered."""

    envelope_id: int
    time: float
    connection_id: int | None
    target: str
    name: str
    request_id: str | None
    code: int
    username: str | None
    """The account it ran as (None: not authenticated)."""
    session_id: str | None

    def __init__(
        self,
        envelope_id: int,
        time: float,
        connection_id: int | None,
        target: str,
        name: str,
        request_id: str | None,
        code: int,
        username: str | None,
        session_id: str | None,
    ) -> None:
        _set_record_dict(
            self,
            {
                "envelope_id": envelope_id,
                "time": time,
                "connection_id": connection_id,
                "target": target,
                "name": name,
                "request_id": request_id,
                "code": code,
                "username": username,
                "session_id": session_id,
            },
        )

    @property
    def operation(self) -> str:
        """``target/name``."""
        return f"{self.target}/{self.name}"

    @property
    def ok(self) -> bool:
        """True when it was carried out (code 200)."""
        return self.code == 200

    def __repr__(self) -> str:
        who = None if self.username is None else MASK
        return (
            f"OperationRecord({self.operation}, request_id={self.request_id!r}, "
            f"code={self.code}, envelope_id={self.envelope_id}, username={who})"
        )


_set_record_dict = dict_writer(
    OperationRecord,
    "envelope_id",
    "time",
    "connection_id",
    "target",
    "name",
    "request_id",
    "code",
    "username",
    "session_id",
)


class Journal:
    """Every envelope and operation of one sandbox (thread-safe)."""

    def __init__(self) -> None:
        # A condition over a re-entrant lock: every record notifies waiters,
        # and a wait_for predicate may read the journal's own properties.
        # Recording takes the bare lock (Condition.__enter__ is a Python call)
        # and notifies only while someone waits: the sandbox records every
        # request it answers.
        self._mutex = threading.RLock()
        self._lock = threading.Condition(self._mutex)
        self._waiting = 0
        self._envelopes: list[EnvelopeRecord] = []
        self._operations: list[OperationRecord] = []
        self._next_envelope = 1
        self._next_connection = 1
        self._connections_opened = 0
        self._open: set[int] = set()

    # --- recording (the sandbox calls these) ------------------------------

    def new_envelope_id(self) -> int:
        """Reserve the id of the next envelope."""
        with self._mutex:
            envelope_id = self._next_envelope
            self._next_envelope += 1
            return envelope_id

    def add_envelope(self, record: EnvelopeRecord) -> None:
        """Record an envelope."""
        with self._mutex:
            self._envelopes.append(record)
            if self._waiting:
                self._lock.notify_all()

    def add_operation(self, record: OperationRecord) -> None:
        """Record an answered request."""
        with self._mutex:
            self._operations.append(record)
            if self._waiting:
                self._lock.notify_all()

    def connection_opened(self) -> int:
        """Count a new connection; return its id."""
        with self._lock:
            connection_id = self._next_connection
            self._next_connection += 1
            self._connections_opened += 1
            self._open.add(connection_id)
            self._lock.notify_all()
            return connection_id

    def connection_closed(self, connection_id: int) -> None:
        """Note that a connection is closed."""
        with self._lock:
            self._open.discard(connection_id)
            self._lock.notify_all()

    def wait_for(self, predicate: Callable[[Journal], bool], timeout: float = 10.0) -> bool:
        """Block until ``predicate(journal)`` holds, re-checked on every record; its last value.

        For tests waiting on the server's side of a connection (a handler
        noticing a close, a request arriving) without polling; ``timeout``
        (default 10 s) only bounds a failure.
        """
        with self._lock:
            self._waiting += 1
            try:
                return self._lock.wait_for(lambda: predicate(self), timeout)
            finally:
                self._waiting -= 1

    # --- queries ------------------------------------------------------------

    @property
    def envelopes(self) -> list[EnvelopeRecord]:
        """Every envelope received, oldest first (a copy)."""
        with self._lock:
            return list(self._envelopes)

    @property
    def envelope_count(self) -> int:
        """How many envelopes were received."""
        with self._lock:
            return len(self._envelopes)

    def operations(self, name: str | None = None, ok: bool | None = None) -> list[OperationRecord]:
        """Answered requests, oldest first.

        ``name`` is ``"AddToBasket"`` or ``"Order/AddToBasket"`` (default
        None: every operation); ``ok`` True keeps those carried out (code
        200), False those refused, None (default) both.
        """
        with self._lock:
            records = list(self._operations)
        return [
            record
            for record in records
            if operation_matches(name, record.target, record.name)
            and (ok is None or record.ok == ok)
        ]

    def count(self, name: str | None, ok: bool | None = True) -> int:
        """How many ``name`` requests were answered; by default only those carried out."""
        return len(self.operations(name, ok))

    @property
    def logins(self) -> int:
        """How many ``Auth/SessionLogin`` succeeded."""
        return self.count("Auth/SessionLogin")

    @property
    def connections_opened(self) -> int:
        """How many connections were accepted."""
        with self._lock:
            return self._connections_opened

    @property
    def open_connections(self) -> int:
        """How many connections are open now."""
        with self._lock:
            return len(self._open)

    def clear(self) -> None:
        """Forget every record and the connection count (open connections stay counted)."""
        with self._lock:
            self._envelopes.clear()
            self._operations.clear()
            self._connections_opened = 0

    def __repr__(self) -> str:
        with self._lock:
            return (
                f"Journal(envelopes={len(self._envelopes)}, operations={len(self._operations)}, "
                f"connections_opened={self._connections_opened}, open={len(self._open)})"
            )
