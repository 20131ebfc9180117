"""Hostile answers: every vector of :mod:`ttnc_pipeline.testing.hostile`, measured.

Each vector is tried twice:

- at the decoder (:func:`~ttnc_pipeline.codec.decode_reply`), where the
  time is the worst of three runs and the memory the peak tracemalloc
  sees in a fourth;
- over real loopback HTTP, served verbatim by the sandbox's ``raw`` fault
  (the gzip bomb with ``Content-Encoding: gzip``) to a client in the same
  process; its peak therefore includes the sandbox's own copy of the body,
  an upper bound on the client's.

Every vector must end in ProtocolError, except those the kit lists in
``WELL_FORMED`` (a valid envelope with an 8 MiB attribute), which must be
read whole. Memory stays under 64 MiB and far below what a bomb would
expand to; nothing is fetched: the URLs inside the documents point at a
listener of this module, which must see no connection. Times are reported
in the terminal summary, never asserted.
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator

import pytest
from reliability_support import Figures, Listener, logged_in

from ttnc_pipeline import Batch, ManualClock, ProtocolError, Request
from ttnc_pipeline.codec import DEFAULT_MAX_SIZE, decode_reply
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.testing.hostile import VECTORS, WELL_FORMED, gzip_bomb, oversize

MiB = 1024 * 1024
PEAK_LIMIT = 64 * MiB
BOMB_SIZE = 256 * MiB
EXPANDS_TO = {
    "billion_laughs": 3 * 10**9,
    "quadratic_blowup": 400 * 10**6,
    "gzip_bomb": BOMB_SIZE,
}
"""What a careless reader would have built in memory from each bomb."""

# Ids the vectors answer under; a request carrying them lets a well-formed one be read.
ASK = Batch([Request("NoveroNumberSearch", "Search", "Request1")])


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    """Where the documents' external URLs point; nothing may connect to it."""
    with Listener() as silent:
        yield silent


@pytest.fixture(scope="module")
def bomb() -> bytes:
    """256 MiB of ``ListNumbers`` answer, gzip-compressed to under 1 MiB (built once)."""
    return gzip_bomb(BOMB_SIZE)


def pointed_at(body: bytes, listener: Listener) -> bytes:
    """``body`` with its URLs aimed at ``listener`` instead of the discard port."""
    return body.replace(b"127.0.0.1:9/", f"127.0.0.1:{listener.port}/".encode())


def outcome_of(action: Callable[[], object]) -> object:
    try:
        return action()
    except ProtocolError as exc:
        return exc


def measured(action: Callable[[], object], runs: int) -> tuple[object, float, int]:
    """The outcome of ``action``, its worst time over ``runs`` runs, and its peak memory."""
    worst = 0.0
    outcome: object = None
    for _ in range(runs):
        started = time.perf_counter()
        outcome = outcome_of(action)
        worst = max(worst, time.perf_counter() - started)
    tracemalloc.start()
    try:
        outcome_of(action)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return outcome, worst, peak


def check(name: str, outcome: object, peak: int, listener: Listener) -> None:
    """What must hold for every vector, wherever it was read."""
    assert isinstance(outcome, ProtocolError), f"{name} was not refused: {outcome!r}"
    assert "root:" not in str(outcome)  # /etc/passwd did not surface
    if name in WELL_FORMED:  # valid XML, refused for its one 8 MiB value
        assert "single value" in str(outcome)
    assert peak < PEAK_LIMIT
    if name in EXPANDS_TO:
        assert peak < EXPANDS_TO[name] / 4
    assert listener.pending() == 0  # no entity, DTD or parameter entity was fetched


def row(name: str, outcome: object, worst: float, peak: int) -> dict[str, object]:
    return {
        "vector": name,
        "outcome": type(outcome).__name__,
        "worst ms": f"{worst * 1000:.1f}",
        "peak MiB": f"{peak / MiB:.2f}",
    }


@pytest.mark.parametrize("name", [*sorted(VECTORS), "oversize"])
def test_the_decoder_refuses_each_vector_within_bounded_memory(
    name: str, listener: Listener, figures: Figures
) -> None:
    if name == "oversize":
        body = oversize(DEFAULT_MAX_SIZE + 1)
    else:
        body = pointed_at(VECTORS[name], listener)
    outcome, worst, peak = measured(lambda: decode_reply(body), runs=3)
    check(name, outcome, peak, listener)
    figures.add("hostile responses: decoder", row(name, outcome, worst, peak))


HTTP_CASES = [
    *(pytest.param(name, 0, id=name) for name in sorted(VECTORS)),
    pytest.param("oversize", 1 * MiB, id="oversize, 1 MiB cap"),
    pytest.param("gzip_bomb", 0, id="gzip_bomb"),
    pytest.param("gzip_bomb", 1 * MiB, id="gzip_bomb, 1 MiB cap"),
]


@pytest.mark.parametrize(("name", "cap"), HTTP_CASES)
def test_the_client_refuses_each_vector_over_http(
    shared_sandbox: Sandbox,
    listener: Listener,
    bomb: bytes,
    name: str,
    cap: int,
    figures: Figures,
) -> None:
    sandbox = shared_sandbox
    options = {"retry": False, **({"max_response_size": cap} if cap else {})}
    client = logged_in(sandbox, ManualClock(), **options)
    headers: dict[str, str] = {}
    if name == "gzip_bomb":
        body, headers = bomb, {"Content-Encoding": "gzip"}
    elif name == "oversize":
        body = oversize(cap + 1)
    else:
        body = pointed_at(VECTORS[name], listener)

    def serve_and_send() -> object:
        sandbox.faults.raw(body, headers=headers)
        return client.send(ASK)

    outcome, worst, peak = measured(serve_and_send, runs=1)
    client.close()
    check(name, outcome, peak, listener)
    assert sandbox.journal.envelope_count == 2  # one per run: nothing retried
    assert sandbox.journal.count(None, ok=None) == 0
    label = f"{name}, {cap // MiB} MiB cap" if cap else name
    figures.add("hostile responses: over HTTP", row(label, outcome, worst, peak))
