"""Where the large answer's time goes, round by round: ``python -m benchmarks.large_answer_parts``.

Not a target: a look inside :mod:`benchmarks.large_answer`. Each round
times, in CPU seconds after a full collection, ElementTree's parse of a
100,000-number listing and the freeing of its tree, then ours in its
parts: the decode (:func:`~ttnc_pipeline.codec.decode_reply`),
``all('Numbers/Number')`` and freeing what they made (the suite times
both contenders with their freeing); beside each, the milliseconds spent
in full collections (``gc.callbacks``). The machine's speed can change between
one line's columns, so read the columns of many lines, not one ratio.
"""

from __future__ import annotations

import argparse
import gc
import time
from collections.abc import Sequence
from typing import Any
from xml.etree.ElementTree import fromstring

from benchmarks.large_answer import listing_body
from ttnc_pipeline.codec import decode_reply

__all__ = ["main"]


class _FullCollections:
    """Seconds spent in full (generation 2) collections since the last :meth:`reset`."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def reset(self) -> None:
        gc.collect()
        self.seconds = 0.0

    def __call__(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "start":
            self._started = time.process_time()
        elif info["generation"] == 2:
            self.seconds += time.process_time() - self._started


def main(argv: Sequence[str] | None = None) -> int:
    """Print one line per round; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.large_answer_parts")
    parser.add_argument("--rounds", type=int, default=12, help="rounds (default: 12)")
    parser.add_argument("--numbers", type=int, default=100_000, help="size (default: 100,000)")
    args = parser.parse_args(argv)
    body = listing_body(args.numbers)
    clock = time.process_time
    full = _FullCollections()
    gc.callbacks.append(full)
    try:
        print("ms: floor (full gc) | ours = decode + all() + free (full gc) | ratio")
        for _ in range(args.rounds):
            full.reset()
            started = clock()
            tree = fromstring(body)
            del tree  # freed inside the timing, as the suite times both
            floor, floor_full = clock() - started, full.seconds
            full.reset()
            started = clock()
            reply = decode_reply(body)
            decoded = clock()
            views = reply.responses[0].all("Numbers/Number")
            listed = clock()
            del reply, views
            done = clock()
            ours = done - started
            print(
                f"{floor * 1e3:5.0f} ({floor_full * 1e3:3.0f}) | {ours * 1e3:5.0f} = "
                f"{(decoded - started) * 1e3:5.0f} + {(listed - decoded) * 1e3:4.0f} + "
                f"{(done - listed) * 1e3:3.0f} ({full.seconds * 1e3:3.0f}) | {ours / floor:.2f}x",
                flush=True,
            )
    finally:
        gc.callbacks.remove(full)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
