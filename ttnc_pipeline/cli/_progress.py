"""Progress of a long ``ttnc batch`` run, on stderr, in one of three styles.

- ``bar``: one line redrawn in place (``\\r``) after each batch; the
  default when stderr is a terminal;
- ``lines``: one plain line per batch, for logs and CI; the default when
  stderr is piped or redirected;
- ``none``: nothing (``--progress none``).

Progress never goes to stdout, which carries the results. Time comes from
an injected clock function, so tests need no sleeps.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TextIO

__all__ = ["STYLES", "Progress", "choose_style"]

STYLES = ("auto", "bar", "lines", "none")
_BAR_WIDTH = 30


def choose_style(requested: str, stream: TextIO) -> str:
    """``bar``, ``lines`` or ``none``: ``auto`` becomes ``bar`` on a terminal, else ``lines``."""
    if requested != "auto":
        return requested
    isatty = getattr(stream, "isatty", None)
    return "bar" if isatty is not None and isatty() else "lines"


class Progress:
    """Counts finished requests and batches and shows them in the chosen style."""

    def __init__(
        self,
        total: int,
        batches: int,
        stream: TextIO,
        style: str,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total = total
        self.batches = batches
        self.stream = stream
        self.style = style
        self.clock = clock
        self.started = clock()
        self.done = 0
        self.batch = 0
        self.ok = 0
        self.errors = 0
        self._drawn = False

    def update(self, ok: int, errors: int) -> None:
        """Record one finished batch with ``ok`` and ``errors`` answers, and show it."""
        self.batch += 1
        self.ok += ok
        self.errors += errors
        self.done += ok + errors
        if self.style == "bar":
            self._bar()
        elif self.style == "lines":
            self.stream.write(
                f"batch {self.batch}/{self.batches}: {self.done}/{self.total} requests "
                f"({self.ok} ok, {self.errors} refused)\n"
            )
            self.stream.flush()

    def _bar(self) -> None:
        fraction = self.done / self.total if self.total else 1.0
        filled = round(fraction * _BAR_WIDTH)
        elapsed = max(self.clock() - self.started, 1e-9)
        rate = self.done / elapsed
        self.stream.write(
            f"\r[{'#' * filled}{'.' * (_BAR_WIDTH - filled)}] {self.done}/{self.total} "
            f"batch {self.batch}/{self.batches}  ok {self.ok}  refused {self.errors}  "
            f"{rate:,.0f}/s\033[K"  # erase what a longer previous line left
        )
        self.stream.flush()
        self._drawn = True

    def finish(self) -> None:
        """End the bar's line, so later messages start on a fresh one."""
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False
