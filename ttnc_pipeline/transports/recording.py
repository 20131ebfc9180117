"""Record and replay: real exchanges kept in a cassette, played back with no network.

Two transports share one cassette (:mod:`.cassette`; betamax's idea: a
recorder is a transport, never a monkeypatch, so threads are safe):

- :class:`RecordingTransport` wraps any transport; by its
  :class:`RecordMode` it records what passes through, replays, or both;
- :class:`ReplayTransport` answers from a cassette only.

Recording needs an explicit opt-in: a ``mode`` argument, or the
``TTNC_RECORD`` environment variable naming a mode (:func:`resolve_record_mode`).
The cassette's format, secret masking and matching rules are described in
:mod:`ttnc_pipeline.transports.cassette`.
"""

from __future__ import annotations

import enum
import os
from pathlib import Path

from ttnc_pipeline.core import HTTPRequest, HTTPResponse, Transport
from ttnc_pipeline.transports.cassette import (
    CASSETTE_VERSION,
    RECORD_ENV,
    Cassette,
    CassetteError,
    CassetteMismatch,
    Interaction,
    UnusedInteractions,
)

__all__ = [
    "CASSETTE_VERSION",
    "RECORD_ENV",
    "Cassette",
    "CassetteError",
    "CassetteMismatch",
    "Interaction",
    "RecordMode",
    "RecordingTransport",
    "ReplayTransport",
    "UnusedInteractions",
    "resolve_record_mode",
]


# --- modes and errors ---------------------------------------------------------


class RecordMode(str, enum.Enum):
    """When a :class:`RecordingTransport` sends to its inner transport and records.

    - ``none``: replay only; a request with no match fails (the default);
    - ``once``: record everything when the cassette does not exist yet,
      else replay only;
    - ``new_episodes``: replay what matches, send and record the rest;
    - ``all``: send and record everything, overwriting the cassette.
    """

    NONE = "none"
    ONCE = "once"
    NEW_EPISODES = "new_episodes"
    ALL = "all"

    @classmethod
    def parse(cls, value: RecordMode | str, *, source: str = "") -> RecordMode:
        """The mode named by ``value``; a misspelt name raises ValueError listing the valid ones."""
        if isinstance(value, RecordMode):
            return value
        if not isinstance(value, str):
            raise TypeError(f"a record mode is a RecordMode or a str, not {type(value).__name__}")
        try:
            return cls(value.strip().lower())
        except ValueError:
            valid = ", ".join(mode.value for mode in cls)
            where = f" (from {source})" if source else ""
            raise ValueError(
                f"unknown record mode {value!r}{where}; the valid modes are: {valid}"
            ) from None


def resolve_record_mode(mode: RecordMode | str | None = None) -> RecordMode:
    """``mode`` if given, else the ``TTNC_RECORD`` environment variable, else ``none``."""
    if mode is not None:
        return RecordMode.parse(mode)
    raw = os.environ.get(RECORD_ENV, "").strip()
    if not raw:
        return RecordMode.NONE
    return RecordMode.parse(raw, source=f"the {RECORD_ENV} environment variable")


# --- the transports -----------------------------------------------------------


class ReplayTransport:
    """Answers every POST from a cassette; no network, no credentials.

    Options, with their defaults: ``match_order`` False and
    ``allow_repeats`` False (see :class:`Cassette`); ``allow_unused`` True:
    when False, :meth:`close` raises UnusedInteractions if an interaction
    was never played. A missing cassette raises CassetteError at once.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        match_order: bool = False,
        allow_repeats: bool = False,
        allow_unused: bool = True,
    ) -> None:
        self.cassette = Cassette.load(path, match_order=match_order, allow_repeats=allow_repeats)
        self.allow_unused = allow_unused
        self._closed = False

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """The recorded answer; raises CassetteMismatch when nothing recorded fits."""
        return self.cassette.play(request)

    def assert_all_used(self) -> None:
        """Raise UnusedInteractions if an interaction was never played."""
        self.cassette.assert_all_used()

    def close(self) -> None:
        """With ``allow_unused=False``, check every interaction was played (first close only)."""
        if self._closed:
            return
        self._closed = True
        if not self.allow_unused:
            self.cassette.assert_all_used()

    def __repr__(self) -> str:
        return f"ReplayTransport({self.cassette!r})"


class RecordingTransport:
    """Wraps ``inner`` and records to, or replays from, the cassette at ``path``.

    ``mode`` (a :class:`RecordMode` or its name) defaults to the
    ``TTNC_RECORD`` environment variable, else ``none``: recording always
    needs that explicit opt-in. Other options, with their defaults:
    ``match_order`` False, ``allow_repeats`` False (see :class:`Cassette`),
    ``allow_unused`` True (when False, :meth:`close` raises
    UnusedInteractions if a recorded interaction was never played).

    Failures of ``inner`` (RequestNotSent, OutcomeUnknown) pass through and
    are not recorded. :meth:`close` closes ``inner``.

    In ``new_episodes``, a session from a replayed login is the placeholder
    ``***``: a live server refuses it, the client logs in again, and that
    exchange is recorded too.
    """

    def __init__(
        self,
        inner: Transport,
        path: str | os.PathLike[str],
        mode: RecordMode | str | None = None,
        *,
        match_order: bool = False,
        allow_repeats: bool = False,
        allow_unused: bool = True,
    ) -> None:
        self.inner = inner
        self.mode = resolve_record_mode(mode)
        self.allow_unused = allow_unused
        path = Path(path)
        fresh = self.mode is RecordMode.ALL or (
            self.mode in (RecordMode.ONCE, RecordMode.NEW_EPISODES) and not path.exists()
        )
        loader = Cassette if fresh else Cassette.load
        self.cassette = loader(path, match_order=match_order, allow_repeats=allow_repeats)
        self._records = fresh or self.mode is RecordMode.NEW_EPISODES
        self._replays = self.mode is not RecordMode.ALL and not (
            fresh and self.mode is RecordMode.ONCE
        )
        self._closed = False

    @property
    def recording(self) -> bool:
        """True when requests the cassette cannot answer go to ``inner`` and are recorded."""
        return self._records

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Replay, or send through ``inner`` and record, as the mode says."""
        if self._replays:
            if not self._records:
                return self.cassette.play(request)
            answer = self.cassette.try_play(request)
            if answer is not None:
                return answer
        response = self.inner.send(request)
        self.cassette.record(request, response)
        return response

    def assert_all_used(self) -> None:
        """Raise UnusedInteractions if a recorded interaction was never played."""
        self.cassette.assert_all_used()

    def close(self) -> None:
        """Close ``inner``; with ``allow_unused=False`` check every interaction was played."""
        if self._closed:
            return
        self._closed = True
        self.inner.close()
        if not self.allow_unused:
            self.cassette.assert_all_used()

    def __repr__(self) -> str:
        return f"RecordingTransport({self.inner!r}, {self.cassette!r}, mode={self.mode.value!r})"
