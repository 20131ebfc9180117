"""Measuring and reporting: interleaved medians, result rows, the table and the JSON.

- :func:`interleaved` times several contenders round by round (the order
  rotating each round) and returns each one's median with every round's
  time (:class:`Timings`). A target's ratio is the median of the rounds'
  own ratios (:meth:`Timings.rounds` given to :class:`Row`): each compares
  two runs made in the same round, close together, so a switch of the
  machine's speed mid-run does not set a median taken at one speed
  against one taken at the other. Cases that run
  wholly in this process pass ``clock=time.process_time`` (CPU seconds of
  this process), which other processes on a shared machine disturb far
  less than wall time; cases with a server in another process must use
  wall time (the default);
- :func:`peak_memory` the tracemalloc peak of one call;
- :class:`Row` one line of the table: ours, the baseline, the ratio and
  whether it meets its target (None in quick mode: no verdict);
- :func:`render_table` and :func:`to_json` the two outputs.
"""

from __future__ import annotations

import gc
import statistics
import time
import tracemalloc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = [
    "Case",
    "Direction",
    "Row",
    "Scale",
    "Timings",
    "format_bytes",
    "format_rate",
    "format_seconds",
    "interleaved",
    "paired_ratio",
    "peak_memory",
    "render_table",
    "round_order",
    "to_json",
]


@dataclass(frozen=True)
class Scale:
    """Sizes and repeat counts for one run: :meth:`full` or :meth:`quick`."""

    quick: bool
    envelope_requests: int
    envelope_repeats: int
    pipeline_calls: int
    pipeline_repeats: int
    round_trips: int
    round_trip_repeats: int
    batching_requests: int
    batching_size: int
    batching_repeats: int
    large_sizes: tuple[int, ...]
    large_repeats: int

    @classmethod
    def full(cls) -> Scale:
        """The sizes the targets are stated for."""
        return cls(
            quick=False,
            envelope_requests=10_000,
            envelope_repeats=7,
            pipeline_calls=1_000,
            pipeline_repeats=9,
            round_trips=500,
            round_trip_repeats=5,
            batching_requests=1_000,
            batching_size=100,
            batching_repeats=5,
            large_sizes=(1_000, 10_000, 100_000),
            large_repeats=9,
        )

    @classmethod
    def quick_run(cls) -> Scale:
        """Small sizes, one or two rounds: proves the suite runs, gives no verdict."""
        return cls(
            quick=True,
            envelope_requests=500,
            envelope_repeats=3,
            pipeline_calls=100,
            pipeline_repeats=3,
            round_trips=20,
            round_trip_repeats=1,
            batching_requests=100,
            batching_size=10,
            batching_repeats=1,
            large_sizes=(1_000, 5_000),
            large_repeats=2,
        )


Direction = Literal["faster", "within", "info"]


@dataclass
class Row:
    """One comparison.

    ``direction`` says how to read ``ratio``: ``faster`` is baseline over
    ours (how many times faster we are; ``met`` when ratio >= threshold),
    ``within`` is ours over baseline (``met`` when ratio <= threshold),
    ``info`` has no target. With ``rounds`` (ours, the baseline: each
    round's time, side by side) the ratio is the median of the rounds' own
    ratios; ``ratio_of_medians`` is kept beside it.
    """

    case: str
    ours: float
    baseline: float
    unit: str
    direction: Direction
    threshold: float | None
    shown_ours: str
    shown_baseline: str
    ratio: float = field(init=False)
    met: bool | None = None
    note: str = ""
    rounds: tuple[Sequence[float], Sequence[float]] | None = None
    ratio_of_medians: float = field(init=False)

    def __post_init__(self) -> None:
        self.ratio_of_medians = _ratio(self.direction, self.ours, self.baseline)
        if self.rounds is None:
            self.ratio = self.ratio_of_medians
        else:
            self.ratio = paired_ratio(self.direction, *self.rounds)

    @property
    def target(self) -> str:
        """The target as printed: ``>= 5x``, ``<= 1.3x`` or ``-``."""
        if self.threshold is None or self.direction == "info":
            return "-"
        sign = ">=" if self.direction == "faster" else "<="
        return f"{sign} {self.threshold:g}x"

    def judge(self, verdict: bool) -> Row:
        """Set ``met`` (when ``verdict`` is True and the row has a target); return self."""
        if verdict and self.threshold is not None and self.direction != "info":
            if self.direction == "faster":
                self.met = self.ratio >= self.threshold
            else:
                self.met = self.ratio <= self.threshold
        return self


def _ratio(direction: Direction, ours: float, baseline: float) -> float:
    """Baseline over ours for a ``faster`` row, else ours over baseline."""
    if direction == "faster":
        return baseline / ours if ours else float("inf")
    return ours / baseline if baseline else float("inf")


def paired_ratio(direction: Direction, ours: Sequence[float], baseline: Sequence[float]) -> float:
    """The median of each round's own ratio (``ours[i]`` against ``baseline[i]``)."""
    pairs = zip(ours, baseline, strict=True)
    return statistics.median(_ratio(direction, o, b) for o, b in pairs)


class Timings(dict[str, float]):
    """Each contender's median seconds (the mapping), and every round's (:attr:`samples`)."""

    def __init__(self, samples: Mapping[str, Sequence[float]]) -> None:
        super().__init__({name: statistics.median(times) for name, times in samples.items()})
        self.samples = {name: list(times) for name, times in samples.items()}

    def rounds(self, ours: str, baseline: str) -> tuple[list[float], list[float]]:
        """The two contenders' times, round by round, for :class:`Row`'s ``rounds``."""
        return self.samples[ours], self.samples[baseline]

    def ratio(self, ours: str, baseline: str) -> float:
        """``ours`` over ``baseline``: median of the rounds' own ratios, as a ``within`` row."""
        return paired_ratio("within", *self.rounds(ours, baseline))


@dataclass
class Case:
    """What one case module reports: its rows and any extra table (e.g. growth).

    ``samples`` (JSON only) keeps round times that no row carries, such as
    each size's of the large answer.
    """

    name: str
    rows: list[Row]
    details: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    samples: dict[str, Any] = field(default_factory=dict)


def _timed(call: Callable[[], object], clock: Callable[[], float]) -> float:
    gc.collect()
    started = clock()
    call()
    return clock() - started


def interleaved(
    contenders: Mapping[str, Callable[[], object]],
    repeats: int,
    *,
    warmup: bool = True,
    clock: Callable[[], float] = time.perf_counter,
    pivot: str | None = None,
) -> Timings:
    """Seconds of each contender over ``repeats`` rounds, run side by side: medians and rounds.

    Each round runs every contender once, in the order :func:`round_order`
    gives (``pivot``, when named, between two others). A warm-up round is
    run first and thrown away. ``clock`` defaults to wall time
    (:func:`time.perf_counter`).
    """
    names = list(contenders)
    if warmup:
        for name in names:
            contenders[name]()
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_number in range(repeats):
        for name in round_order(names, round_number, pivot):
            samples[name].append(_timed(contenders[name], clock))
    return Timings(samples)


def round_order(names: Sequence[str], round_number: int, pivot: str | None = None) -> list[str]:
    """The order of one round: rotated a step each round, so none always runs first.

    With a ``pivot`` (ours), the others rotate around it and it runs second,
    between the first two: with two others, it runs next to both in every
    round, so each of their ratios to it compares runs made back to back.
    """
    if pivot is None:
        shift = round_number % len(names)
        return [*names[shift:], *names[:shift]]
    others = [name for name in names if name != pivot]
    if not others:
        return [pivot]
    shift = round_number % len(others)
    others = [*others[shift:], *others[:shift]]
    return [others[0], pivot, *others[1:]]


def peak_memory(call: Callable[[], object]) -> int:
    """Peak bytes allocated (tracemalloc) while ``call`` runs, its result kept until the end."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = call()
        peak = tracemalloc.get_traced_memory()[1]
        del result
    finally:
        tracemalloc.stop()
    return peak


def format_seconds(seconds: float) -> str:
    """``12.3 ms``, ``456 us`` or ``1.23 s``."""
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds * 1e6:.0f} us"


def format_rate(per_second: float) -> str:
    """``1,234/s``."""
    return f"{per_second:,.0f}/s"


def format_bytes(count: float) -> str:
    """``9.4 MB`` (10^6 bytes) or ``812 kB``."""
    if count >= 1e6:
        return f"{count / 1e6:.1f} MB"
    return f"{count / 1e3:.0f} kB"


def _verdict(row: Row) -> str:
    if row.met is None:
        return "-"
    return "yes" if row.met else "NO"


def render_table(rows: Sequence[Row]) -> str:
    """The results as an aligned text table."""
    header = ("case", "ours", "baseline", "ratio", "target", "met?")
    lines = [
        (
            row.case,
            row.shown_ours,
            row.shown_baseline,
            f"{row.ratio:.2f}x",
            row.target,
            _verdict(row),
        )
        for row in rows
    ]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        first = cells[0].ljust(widths[0])
        rest = [cell.rjust(width) for cell, width in zip(cells[1:], widths[1:], strict=True)]
        return "  ".join([first, *rest]).rstrip()

    rule = "  ".join("-" * width for width in widths)
    return "\n".join([line(header), rule, *(line(cells) for cells in lines)])


def to_json(cases: Sequence[Case], meta: Mapping[str, Any]) -> dict[str, Any]:
    """Everything measured, as JSON-ready data."""
    return {
        **meta,
        "cases": [
            {
                "name": case.name,
                "rows": [{**asdict(row), "target": row.target} for row in case.rows],
                "details": case.details,
                "notes": case.notes,
                "samples": case.samples,
            }
            for case in cases
        ],
    }
