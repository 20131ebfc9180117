"""Faults on demand: make the next envelopes (or matching ones) misbehave.

``sandbox.faults`` is a :class:`Faults`. Each method arms one
:class:`Fault` and returns it, so a test can check ``fault.fired``. An armed
fault fires on the next ``times`` envelopes (default 1) that it matches:
every envelope when ``match`` is None (default), else only a decoded batch
holding a request named ``match`` (``"PlaceOrder"`` or
``"Order/PlaceOrder"``). One fault at most acts on an envelope: the
earliest armed one that matches. What each fault does is described by its
effect in :mod:`.effects`.

Thread-safe: tests arm faults while other threads send requests.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

from ttnc_pipeline.core import Batch
from ttnc_pipeline.sandbox.effects import (
    ChangeRequestId,
    CloseAfterEffect,
    CloseBeforeRead,
    Delay,
    Drip,
    DuplicateRequestId,
    Effect,
    OmitResponse,
    Raw,
    Status,
    StripRequestIds,
    Truncate,
)
from ttnc_pipeline.sandbox.journal import operation_matches
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = ["Fault", "Faults"]


class Fault:
    """One armed fault: its effect, the envelopes it matches, how often it fires."""

    def __init__(self, effect: Effect, times: int, match: str | None) -> None:
        if isinstance(times, bool) or not isinstance(times, int) or times < 1:
            raise ValueError(f"times must be a whole number >= 1, not {times!r}")
        if match is not None and (not isinstance(match, str) or not match.strip("/")):
            raise ValueError(f"match must be an operation name such as 'PlaceOrder', not {match!r}")
        self.effect = effect
        """What the fault does."""
        self.times = times
        """How many envelopes it was armed for."""
        self.match = match
        """The operation it waits for (None: any envelope)."""
        self._fired = 0

    @property
    def fired(self) -> int:
        """How many envelopes it has acted on so far."""
        return self._fired

    @property
    def remaining(self) -> int:
        """How many more envelopes it will act on."""
        return self.times - self._fired

    def _fits(self, batch: Batch | None) -> bool:
        if self.match is None:
            return True
        if batch is None:
            return False
        return any(operation_matches(self.match, r.target, r.name) for r in batch.requests)

    def __repr__(self) -> str:
        return (
            f"Fault({self.effect!r}, match={self.match!r}, fired={self._fired}, "
            f"remaining={self.remaining})"
        )


class Faults:
    """Arms faults on one sandbox. Every method returns the armed :class:`Fault`."""

    def __init__(self, state: SandboxState) -> None:
        self._state = state
        self._lock = threading.Lock()
        self._armed: list[Fault] = []

    def _arm(self, effect: Effect, times: int, match: str | None) -> Fault:
        fault = Fault(effect, times, match)
        with self._lock:
            self._armed.append(fault)
        return fault

    def take(self, batch: Batch | None) -> Effect | None:
        """Fire the earliest armed fault that fits this envelope; return its effect.

        Called by the sandbox once per envelope received; ``batch`` is None
        when the envelope could not be decoded.
        """
        with self._lock:
            for fault in self._armed:
                if fault._fits(batch):
                    fault._fired += 1
                    if fault.remaining == 0:
                        self._armed.remove(fault)
                    return fault.effect
        return None

    @property
    def pending(self) -> list[Fault]:
        """Faults still armed, earliest first."""
        with self._lock:
            return list(self._armed)

    def clear(self) -> None:
        """Disarm every fault."""
        with self._lock:
            self._armed.clear()

    def expire_sessions(self) -> int:
        """Expire every session now (not a fault: it acts at once). Returns how many."""
        return self._state.expire_sessions()

    # --- instead of the batch ----------------------------------------------

    def close_before_read(self, times: int = 1, match: str | None = None) -> Fault:
        """Close the connection without answering; nothing is carried out."""
        return self._arm(CloseBeforeRead(), times, match)

    def status(
        self,
        code: int,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
        *,
        times: int = 1,
        match: str | None = None,
    ) -> Fault:
        """Answer HTTP ``code`` with ``headers`` and ``body``; nothing is carried out.

        For example ``status(503, {"Retry-After": "2"})``, ``status(429)``,
        ``status(302, {"Location": "https://example.com/"})`` or an HTML
        502 page. ``Content-Type`` defaults to ``text/plain; charset=utf-8``;
        ``Content-Length`` is always the body's true length.
        """
        return self._arm(Status(code, headers or {}, body), times, match)

    def raw(
        self,
        body: bytes,
        status: int = 200,
        headers: Mapping[str, str] | None = None,
        *,
        times: int = 1,
        match: str | None = None,
    ) -> Fault:
        """Answer exactly ``body`` (default status 200, ``text/xml``); nothing is carried out."""
        return self._arm(Raw(body, status, headers or {}), times, match)

    # --- on the answers ------------------------------------------------------

    def omit_response(
        self, request_id: str | None = None, *, times: int = 1, match: str | None = None
    ) -> Fault:
        """Carry out, but leave out the answer to ``request_id`` (default: the last)."""
        return self._arm(OmitResponse(request_id), times, match)

    def duplicate_request_id(self, times: int = 1, match: str | None = None) -> Fault:
        """Carry out, but give the second answer the first one's ``RequestId``."""
        return self._arm(DuplicateRequestId(), times, match)

    def change_request_id(
        self,
        new_id: str = "Unknown",
        request_id: str | None = None,
        *,
        times: int = 1,
        match: str | None = None,
    ) -> Fault:
        """Carry out, but answer ``request_id`` (default: the first) under ``new_id``."""
        return self._arm(ChangeRequestId(new_id, request_id), times, match)

    def strip_request_ids(self, times: int = 1, match: str | None = None) -> Fault:
        """Carry out, but answer without any ``RequestId``."""
        return self._arm(StripRequestIds(), times, match)

    # --- on the connection ---------------------------------------------------

    def close_after_effect(self, times: int = 1, match: str | None = None) -> Fault:
        """Carry out, then close the connection without answering."""
        return self._arm(CloseAfterEffect(), times, match)

    def delay(self, seconds: float, *, times: int = 1, match: str | None = None) -> Fault:
        """Carry out, then wait ``seconds`` before answering."""
        return self._arm(Delay(seconds), times, match)

    def drip(
        self,
        chunk_size: int = 16,
        interval: float = 0.05,
        *,
        times: int = 1,
        match: str | None = None,
    ) -> Fault:
        """Carry out, then send the answer ``chunk_size`` bytes every ``interval`` seconds."""
        return self._arm(Drip(chunk_size, interval), times, match)

    def truncate(
        self, keep: float | int = 0.5, *, times: int = 1, match: str | None = None
    ) -> Fault:
        """Carry out, send the full Content-Length but only ``keep`` of the body, then close.

        ``keep`` is a fraction (float, default 0.5) or a byte count (int).
        """
        return self._arm(Truncate(keep), times, match)

    def __repr__(self) -> str:
        return f"Faults(pending={self.pending!r})"
