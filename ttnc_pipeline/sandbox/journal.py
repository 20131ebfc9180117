"""What the sandbox received and what it did, for tests to assert on.

- :class:`EnvelopeRecord` one POST body received: the raw bytes, the
  decoded batch or the decoding error, the fault applied to it, when, and
  on which connection (None for the in-process entry);
- :class:`OperationRecord` one request answered: operation, request id,
  code, the caller's username and session. A request counts as *carried
  out* when its code is 200; refused ones (401, 400, ...) are recorded too;
- :class:`Journal` the thread-safe list of both, connection counters, and
  the queries tests use: ``journal.count("AddToBasket") == 1``.

Cost: the sandbox records every request it answers, and a long-running
sandbox keeps every record. So an envelope keeps its body, not its decoded
batch (decoded again when read), and an answered request is kept as a
plain tuple of strings and numbers, built into an :class:`OperationRecord`
only when queried: the collector stops tracking such a tuple once it has
seen it, where a batch's requests and one record object per request would
be walked by every full collection. One object per envelope remains.

Secrets: records keep what tests may need (the raw body holds the password
of a login), but every repr masks them, so a failing assertion prints
nothing secret.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Final

import attrs

from ttnc_pipeline.codec import decode_batch, excerpt
from ttnc_pipeline.core import Batch, expect_fields
from ttnc_pipeline.errors import ProtocolError
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
    error: str | None
    """Why it could not be decoded, or None."""
    fault: str | None
    """The fault applied to it (``"close_after_effect"``...), or None."""

    @property
    def batch(self) -> Batch | None:
        """The decoded batch, or None when it could not be decoded.

        Decoded from :attr:`body` on each read (a new, equal batch each time).
        """
        return None if self.error is not None else decode_batch(self.body)

    @property
    def operations(self) -> tuple[str, ...]:
        """``target/name`` of each request, in order (empty if undecodable)."""
        batch = self.batch
        return () if batch is None else tuple(r.operation for r in batch.requests)

    def __repr__(self) -> str:
        try:
            detail = (
                f"error={self.error!r}" if self.error else f"operations={list(self.operations)!r}"
            )
        except ProtocolError:  # a record made by hand, with a body that does not decode
            detail = "operations=?"
        return (
            f"EnvelopeRecord(id={self.id}, connection_id={self.connection_id}, "
            f"fault={self.fault!r}, {detail}, body={excerpt(self.body)!r})"
        )


@attrs.frozen(repr=False)
class OperationRecord:
    """One request the sandbox answered."""

    envelope_id: int
    time: float
    """The sandbox clock's reading when the request began (its session was checked then)."""
    connection_id: int | None
    target: str
    name: str
    request_id: str | None
    code: int
    username: str | None
    """The account it ran as (None: not authenticated)."""
    session_id: str | None

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


_Row = tuple[int, float, int | None, str, str, str | None, int, str | None, str | None]
# The fields of an OperationRecord, in order (Journal.add_operation's
# parameters, and OperationRecord(*row)); the queries read these three.
expect_fields(
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
_TARGET: Final = 3
_NAME: Final = 4
_CODE: Final = 6


class Journal:
    """Every envelope and operation of one sandbox (thread-safe)."""

    def __init__(self) -> None:
        # A condition over a re-entrant lock: waiters are woken after every
        # envelope and every batch, and a wait_for predicate may read the
        # journal's own properties. Recording takes no lock: the sandbox
        # records every request it answers, a list's append is one atomic
        # step, and a lock costs as much as the rest of the record. A waiter
        # counts itself in under the lock before it first reads the journal,
        # so a record either lands before that read or before the wake-up
        # that follows it (its envelope's, or its batch's end), which then
        # sees the count.
        self._mutex = threading.RLock()
        self._lock = threading.Condition(self._mutex)
        self._waiting = 0
        self._envelopes: list[EnvelopeRecord] = []
        self._operations: list[_Row] = []
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
        self._envelopes.append(record)
        self.wake_waiters()

    def add_operation(
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
        """Record an answered request: the fields of its :class:`OperationRecord`, in order.

        Waiters are not woken here: the dispatcher records while it holds
        the state lock, and a waiter's predicate may take that lock while it
        holds the journal's. It calls :meth:`wake_waiters` after the batch.
        """
        self._operations.append(
            (envelope_id, time, connection_id, target, name, request_id, code, username, session_id)
        )

    def wake_waiters(self) -> None:
        """Have every :meth:`wait_for` check its predicate again (never under the state lock)."""
        if self._waiting:
            with self._lock:
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
        """Block until ``predicate(journal)`` holds, re-checked after every envelope and batch.

        Returns the predicate's last value. The predicate may read the
        sandbox's state too: nothing records while holding the journal's lock.

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
        return [OperationRecord(*row) for row in self._rows(name, ok)]

    def count(self, name: str | None, ok: bool | None = True) -> int:
        """How many ``name`` requests were answered; by default only those carried out."""
        return len(self._rows(name, ok))

    def _rows(self, name: str | None, ok: bool | None) -> list[_Row]:
        with self._lock:
            rows = list(self._operations)
        return [
            row
            for row in rows
            if operation_matches(name, row[_TARGET], row[_NAME])
            and (ok is None or (row[_CODE] == 200) == ok)
        ]

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
