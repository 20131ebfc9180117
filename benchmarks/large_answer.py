"""Target 5, a large answer: ListNumbers for an account of 100,000 numbers (about 10 MB).

The body comes from the sandbox (its in-process entry, under an open
session), so it is exactly what the server sends. For each size:

- ours: :func:`~ttnc_pipeline.codec.decode_reply` (DTD refused, size and
  depth capped) then ``response.all('Numbers/Number')``, one view per
  number;
- floor: ``ElementTree.fromstring`` of the same bytes, nothing else.

Time is the median of interleaved runs; memory is the tracemalloc peak of
one run of ours (the body itself, allocated before, is not counted).
Targets at the largest size: time at most 1.5x the floor, peak under 8x
the body. Growth from the smallest to the largest size is shown per
number: a per-number cost that stays flat (within 1.3x) is linear.
"""

from __future__ import annotations

from typing import Any

from benchmarks._harness import (
    Case,
    Row,
    Scale,
    format_bytes,
    format_seconds,
    interleaved,
    peak_memory,
)
from benchmarks.baselines import stdlib_floor
from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch, Request
from ttnc_pipeline.middleware import Credentials
from ttnc_pipeline.sandbox import Sandbox

__all__ = ["listing_body", "run"]


def listing_body(numbers: int) -> bytes:
    """The sandbox's ``ListNumbers`` answer for an account holding ``numbers`` numbers."""
    sandbox = Sandbox(owned_numbers=0)
    demo = sandbox.credentials
    sandbox.grant_numbers(demo.username, numbers, destination="07700900123")
    login = Credentials(demo.username, demo.password, demo.vkey).login_request()
    opened = decode_reply(sandbox.handle(encode_batch(Batch((login,))), {}).body)
    session_id = opened.responses[0]["SessionId"]
    listing = Batch((Request("NoveroNumbers", "ListNumbers", "Request1"),), session_id)
    return sandbox.handle(encode_batch(listing), {}).body


def _ours(body: bytes) -> list[Any]:
    return decode_reply(body).responses[0].all("Numbers/Number")


def _measure(numbers: int, repeats: int) -> tuple[int, float, float, int, int]:
    """Body size, ours and floor median seconds, ours and floor peak bytes, for one size."""
    body = listing_body(numbers)

    def ours() -> list[Any]:
        return _ours(body)

    def floor() -> object:
        return stdlib_floor.parse(body)

    assert len(ours()) == numbers == len(stdlib_floor.parse(body)[0][0])
    times = interleaved({"ours": ours, "floor": floor}, repeats)
    return len(body), times["ours"], times["floor"], peak_memory(ours), peak_memory(floor)


def run(scale: Scale) -> Case:
    """Measure every size; judge the largest and the growth."""
    verdict = not scale.quick
    details: list[dict[str, Any]] = []
    measured: list[tuple[int, int, float, float, int]] = []
    for numbers in scale.large_sizes:
        size, ours, floor, peak, floor_peak = _measure(numbers, scale.large_repeats)
        measured.append((numbers, size, ours, floor, peak))
        details.append(
            {
                "numbers": f"{numbers:,}",
                "body": format_bytes(size),
                "ours": format_seconds(ours),
                "ET floor": format_seconds(floor),
                "time ratio": f"{ours / floor:.2f}x",
                "us/number": f"{ours / numbers * 1e6:.2f}",
                "ET us/number": f"{floor / numbers * 1e6:.2f}",
                "peak": format_bytes(peak),
                "peak/body": f"{peak / size:.2f}x",
                "bytes/number": f"{peak / numbers:.0f}",
                "ET peak": format_bytes(floor_peak),
            }
        )
    numbers, size, ours, floor, peak = measured[-1]
    small_numbers, _, small_ours, _, small_peak = measured[0]
    label = f"{numbers:,}"

    def per_number_row(case: str, big: float, small: float, shown: str) -> Row:
        per_big, per_small = big / numbers, small / small_numbers
        if shown == "time":
            texts = (f"{per_big * 1e6:.2f} us/n", f"{per_small * 1e6:.2f} us/n")
        else:
            texts = (f"{per_big:.0f} B/n", f"{per_small:.0f} B/n")
        return Row(case, per_big, per_small, shown, "within", 1.3, *texts).judge(verdict)

    rows = [
        Row(
            f"large: decode + all() of {label} vs ET parse",
            ours,
            floor,
            "s",
            "within",
            1.5,
            format_seconds(ours),
            format_seconds(floor),
        ).judge(verdict),
        Row(
            f"large: peak memory of {label} vs body size",
            peak,
            size,
            "bytes",
            "within",
            8,
            format_bytes(peak),
            format_bytes(size),
        ).judge(verdict),
        per_number_row(
            f"large: time per number, {label} vs {small_numbers:,}", ours, small_ours, "time"
        ),
        per_number_row(
            f"large: memory per number, {label} vs {small_numbers:,}", peak, small_peak, "bytes"
        ),
    ]
    return Case(
        "large_answer",
        rows,
        details=details,
        notes=["growth rows compare the cost per number at the largest and the smallest size"],
    )
