"""Target 4, batching: 1,000 SetDestination as 10 batches of 100, against 1,000 batches of 1.

A sandbox in another process (``python -m benchmarks.serve``, which grants
the demo account the numbers) answers over loopback HTTP. One
:class:`~ttnc_pipeline.Client`, logged in once and kept alive, sends the
same 1,000 requests (each number routed to a destination) both ways:

- batched: ``client.batch()`` with 100 requests, sent 10 times;
- single: 1,000 one-request batches.

Each way changes the same numbers to the same end state, so the server's
work per request is the same; what batching saves is the per-POST cost.
Target: batched at least 10x faster.
"""

from __future__ import annotations

from benchmarks._harness import Case, Row, Scale, format_seconds, interleaved
from benchmarks._loopback import sandbox_process
from benchmarks.serve import serve_argv
from ttnc_pipeline import Client

__all__ = ["run"]


def run(scale: Scale) -> Case:
    """Time both ways, side by side, against one server."""
    total, size = scale.batching_requests, scale.batching_size
    numbers = [f"0208{n:07d}" for n in range(3, 3 + total)]  # after the demo's own three
    with sandbox_process(serve_argv(total)) as served:
        client = Client(served.url, served.username, served.password, served.vkey)
        try:
            client.request("NoveroNumbers", "ListNumbers")  # log in once, open the connection
            owned = client.request("NoveroNumbers", "ListNumbers").all("Numbers/Number")
            assert {number["RawNumber"] for number in owned} >= set(numbers)

            def batched() -> None:
                for start in range(0, total, size):
                    builder = client.batch()
                    for number in numbers[start : start + size]:
                        builder.add(
                            "NoveroNumbers",
                            "SetDestination",
                            Number=number,
                            Destination="07512312312",
                        )
                    assert builder.send().ok

            def single() -> None:
                for number in numbers:
                    answer = client.request(
                        "NoveroNumbers", "SetDestination", Number=number, Destination="07512312312"
                    )
                    assert answer.ok

            times = interleaved({"batched": batched, "single": single}, scale.batching_repeats)
        finally:
            client.close()
    row = Row(
        f"batching: {total:,} SetDestination, {total // size} x {size} vs {total:,} x 1",
        times["batched"],
        times["single"],
        "s",
        "faster",
        10,
        format_seconds(times["batched"]),
        format_seconds(times["single"]),
        rounds=times.rounds("batched", "single"),
    ).judge(not scale.quick)
    # single = total * (post + each), batched = posts * post + total * each:
    # the cost of one POST (both ends, HTTP included) and of one request in it.
    posts = total // size
    post = (times["single"] - times["batched"]) / (total - posts)
    each = (times["single"] - total * post) / total
    return Case(
        "batching",
        [row],
        notes=[
            "one Client, one session, kept alive; sandbox in a separate process over loopback HTTP",
            f"from the two timings: each POST costs {post * 1e6:,.0f} us (client, HTTP and "
            f"sandbox), each request in it {each * 1e6:,.0f} us more; {size} per POST gives "
            f"at most {(post + each) / (post / size + each):.1f}x, and 10x needs a request "
            "to cost under a ninth of a POST",
        ],
    )
