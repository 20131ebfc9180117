"""Target 1, the envelope: encode a 10,000-request batch, decode a 10,000-response reply.

All three contenders start from the same plain data and end with the same
information:

- encode: ``(target, name, id, params)`` tuples to the bytes of one
  ``NoveroRequest``. Ours builds (and so validates) each
  :class:`~ttnc_pipeline.core.Request`, then calls
  :func:`~ttnc_pipeline.codec.encode_batch`; the classic client builds a
  minidom document; the floor an ElementTree;
- decode: the bytes of a ``NoveroResponse`` (what the sandbox answers to
  that batch) to one object per response. Ours is
  :func:`~ttnc_pipeline.codec.decode_reply` (DTD refused, size and depth
  capped); the classic client makes a dict per response; the floor calls
  ``ElementTree.fromstring`` and reads each response's attributes.

Targets: at least 5x faster than minidom, at most 1.3x the floor.
"""

from __future__ import annotations

import time

from benchmarks._harness import (
    Case,
    Direction,
    Row,
    Scale,
    Timings,
    format_seconds,
    interleaved,
)
from benchmarks.baselines import classic_client, stdlib_floor
from ttnc_pipeline.codec import decode_batch, decode_reply, encode_batch, encode_reply
from ttnc_pipeline.core import Batch, Reply, Request, Response

__all__ = ["reply_body", "request_specs", "run"]

Spec = tuple[str, str, str, dict[str, str]]


def request_specs(count: int) -> list[Spec]:
    """``count`` SetDestination requests as plain data, each for its own number."""
    return [
        (
            "NoveroNumbers",
            "SetDestination",
            f"Request{i}",
            {"Number": f"0208{i:07d}", "Destination": "07512312312"},
        )
        for i in range(count)
    ]


def reply_body(count: int) -> bytes:
    """The answer to :func:`request_specs`: one ``Code="200"`` response per request."""
    responses = [
        Response.build("NoveroNumbers", "SetDestination", 200, f"Request{i}") for i in range(count)
    ]
    return encode_reply(Reply(responses))


def run(scale: Scale) -> Case:
    """Time the three encoders and the three decoders side by side."""
    count = scale.envelope_requests
    specs = request_specs(count)
    body = reply_body(count)

    def ours_encode() -> bytes:
        return encode_batch(Batch(tuple(Request(t, n, i, p) for t, n, i, p in specs)))

    ready = Batch(tuple(Request(t, n, i, p) for t, n, i, p in specs))

    def ours_encode_ready() -> bytes:
        return encode_batch(ready)

    def classic_encode() -> bytes:
        return classic_client.build_envelope(specs)

    def floor_encode() -> bytes:
        return stdlib_floor.encode_envelope(specs)

    def ours_decode() -> object:
        return decode_reply(body)

    def classic_decode() -> object:
        return classic_client.parse_reply(body)

    def floor_decode() -> object:
        return stdlib_floor.decode_reply(body)

    # Same information out of every contender, or the timings mean nothing.
    sent = decode_batch(ours_encode())
    assert sent == decode_batch(classic_encode()) == decode_batch(floor_encode())
    assert len(sent.requests) == count
    assert len(decode_reply(body)) == len(classic_client.parse_reply(body)) == count
    assert len(stdlib_floor.decode_reply(body)) == count

    encode = interleaved(
        {
            "ours": ours_encode,
            "ready": ours_encode_ready,
            "classic": classic_encode,
            "floor": floor_encode,
        },
        scale.envelope_repeats,
        clock=time.process_time,
        pivot="ours",
    )
    decode = interleaved(
        {"ours": ours_decode, "classic": classic_decode, "floor": floor_decode},
        scale.envelope_repeats,
        clock=time.process_time,
        pivot="ours",
    )
    label = f"{count:,}"
    verdict = not scale.quick

    def row(
        case: str,
        times: Timings,
        ours: str,
        base: str,
        direction: Direction,
        threshold: float | None,
    ) -> Row:
        return Row(
            case,
            times[ours],
            times[base],
            "s",
            direction,
            threshold,
            format_seconds(times[ours]),
            format_seconds(times[base]),
            rounds=times.rounds(ours, base),
        ).judge(verdict)

    rows = [
        row(f"envelope: encode {label} vs minidom", encode, "ours", "classic", "faster", 5),
        row(f"envelope: encode {label} vs ET floor", encode, "ours", "floor", "within", 1.3),
        row(f"envelope: decode {label} vs minidom", decode, "ours", "classic", "faster", 5),
        row(f"envelope: decode {label} vs ET floor", decode, "ours", "floor", "within", 1.3),
        row("  (info) encode_batch alone, Batch ready", encode, "ready", "floor", "info", None),
    ]
    return Case(
        "envelope",
        rows,
        notes=[
            f"encode: {count:,} SetDestination from plain data to bytes "
            f"({len(ours_encode()):,} bytes); decode: a {len(body):,}-byte reply to "
            f"{count:,} response objects"
        ],
    )
