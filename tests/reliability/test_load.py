"""Load: sixteen threads share one Client, 200 batches each, against one sandbox over real HTTP.

Each thread asks about its own number (routed to its own destination), so
an answer that reached the wrong thread, or the wrong request, shows. The
run is split in two: a warm-up of 10 batches a thread (the login, the
pool's connections, every cache), then the measured 200 a thread, traced
by tracemalloc from its first batch. At the end, with the sandbox's journal
emptied (it keeps every envelope on purpose) and garbage collected, what
is still allocated since the start of the measured part is the growth.

Held: no error, no crossed answer, one login in all, one POST per batch,
never more connections than the pool holds, memory growth under 2 MiB
(about 650 bytes a batch: a leak of one response per batch would be
several times that). Throughput, connections and growth are reported.
"""

from __future__ import annotations

import gc
import threading
import time
import tracemalloc
from collections.abc import Callable

import pytest
from reliability_support import Figures

from ttnc_pipeline import Batch, Client, Request
from ttnc_pipeline.sandbox import Sandbox

THREADS = 16
BATCHES = 200
WARM_UP = 10
POOL_SIZE = 10
GROWTH_LIMIT = 2 * 1024 * 1024


def run_threads(worker: Callable[[int], None]) -> list[BaseException]:
    """Run ``worker(index)`` in sixteen threads started together; return their errors."""
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            worker(index)
        except BaseException as exc:  # pragma: no cover - reported by the caller
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(index,)) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


@pytest.mark.slow
def test_sixteen_threads_share_one_client_without_errors_crossings_or_growth(
    figures: Figures,
) -> None:
    with Sandbox() as sandbox:
        creds = sandbox.credentials
        account = sandbox.state.account(creds.username)
        numbers = sandbox.grant_numbers(creds.username, THREADS)
        routes = {number: f"0751231{index:04d}" for index, number in enumerate(numbers)}
        with sandbox.state.lock:
            account.numbers.update(routes)
            account.changed()
        client = Client(
            sandbox.url,
            creds.username,
            creds.password,
            creds.vkey,
            transport_options={"pool_maxsize": POOL_SIZE},
        )
        crossed: list[str] = []

        def batches(count: int) -> Callable[[int], None]:
            def worker(index: int) -> None:
                number = numbers[index]
                for turn in range(count):
                    ask = f"T{index}x{turn}"
                    reply = client.send(
                        Batch(
                            [
                                Request(
                                    "NoveroNumbers", "GetNumberConfig", ask, {"Number": number}
                                ),
                                Request("NoveroCDR", "GetTotals", f"{ask}t"),
                            ]
                        )
                    )
                    answer = reply.by_id(ask)
                    if (
                        not reply.ok
                        or answer is None
                        or answer["Number"] != number
                        or answer.first("Rules/Rule")["Destination"] != routes[number]
                    ):
                        crossed.append(f"{ask}: {reply!r}")

            return worker

        assert run_threads(batches(WARM_UP)) == []
        logins = sandbox.journal.logins
        opened = sandbox.journal.connections_opened
        sandbox.journal.clear()
        gc.collect()
        tracemalloc.start()
        try:
            started = time.perf_counter()
            errors = run_threads(batches(BATCHES))
            elapsed = time.perf_counter() - started
            envelopes = sandbox.journal.envelope_count
            answered = sandbox.journal.count("GetNumberConfig")
            logins += sandbox.journal.logins
            opened += sandbox.journal.connections_opened
            still_open = sandbox.journal.open_connections
            sandbox.journal.clear()
            gc.collect()
            growth = tracemalloc.get_traced_memory()[0]
        finally:
            tracemalloc.stop()
        client.close()
    assert errors == []
    assert crossed == []
    assert logins == 1
    assert envelopes == answered == THREADS * BATCHES  # one POST a batch: nothing retried
    assert opened <= POOL_SIZE and still_open <= POOL_SIZE
    assert growth < GROWTH_LIMIT
    figures.add(
        "load",
        {
            "threads x batches": f"{THREADS} x {BATCHES}",
            "batches/s (tracemalloc on)": f"{THREADS * BATCHES / elapsed:.0f}",
            "errors": len(errors),
            "crossed": len(crossed),
            "logins": logins,
            "connections opened": f"{opened} (pool {POOL_SIZE})",
            "memory growth": f"{growth / 1024:.0f} KiB",
        },
    )
