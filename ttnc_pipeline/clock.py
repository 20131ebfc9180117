"""Time as a dependency: the system clock, and a manual one for tests.

Anything that waits or expires (retry backoff, session lifetimes, the
sandbox's session expiry) takes a :class:`Clock`, so a test can move time
forward in microseconds instead of sleeping.
"""

from __future__ import annotations

import threading
import time
from typing import Protocol, runtime_checkable

__all__ = ["Clock", "ManualClock", "SystemClock"]


@runtime_checkable
class Clock(Protocol):
    """A monotonic time source that can also wait."""

    def now(self) -> float:
        """Seconds on a monotonic scale (only differences matter)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait ``seconds``."""
        ...

    def time(self) -> float:
        """Wall-clock seconds since the epoch (comparable between processes)."""
        ...


class SystemClock:
    """The real clock: :func:`time.monotonic` and :func:`time.sleep`."""

    def now(self) -> float:
        """Seconds from :func:`time.monotonic`."""
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        """Block for ``seconds`` (negative values do not wait)."""
        if seconds > 0:
            time.sleep(seconds)

    def time(self) -> float:
        """Seconds since the epoch, from :func:`time.time`."""
        return time.time()

    def __repr__(self) -> str:
        return "SystemClock()"


class ManualClock:
    """A clock that only moves when told to; ``sleep`` moves it instantly.

    ``start`` (default 0.0) is the first reading of :meth:`now`; ``epoch``
    (default 1,700,000,000, in November 2023) is added to it for
    :meth:`time`. ``slept`` records every sleep, so a test can assert the
    backoff schedule.
    """

    def __init__(self, start: float = 0.0, *, epoch: float = 1_700_000_000.0) -> None:
        self._now = start
        self._epoch = epoch
        self._lock = threading.Lock()
        self.slept: list[float] = []

    def now(self) -> float:
        """The current manual time."""
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        """Move time forward by ``seconds``."""
        with self._lock:
            self._now += seconds

    def sleep(self, seconds: float) -> None:
        """Record the sleep and advance by it, without waiting."""
        with self._lock:
            self.slept.append(seconds)
            self._now += max(seconds, 0.0)

    def time(self) -> float:
        """Wall time: a fixed epoch plus the manual time."""
        with self._lock:
            return self._epoch + self._now

    def __repr__(self) -> str:
        return f"ManualClock(now={self._now})"
