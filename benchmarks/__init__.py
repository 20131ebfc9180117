"""The performance suite: ``python -m benchmarks`` (``make bench``), ``--quick`` in CI.

One module per case, each measuring ours and its baselines side by side
and returning rows for the table (case, ours, baseline, ratio, target,
met?):

- :mod:`.envelope` encode and decode 10,000-request envelopes (target 1);
- :mod:`.pipeline_overhead` the default middleware chain over the
  in-process sandbox against the bare codec (target 2);
- :mod:`.round_trips` 500 calls over loopback, HTTP and HTTPS, against raw
  ``http.client`` and the classic client (target 3);
- :mod:`.batching` 1,000 SetDestination in 10 batches against 1,000 (target 4);
- :mod:`.large_answer` a 100,000-number ListNumbers: time, memory, growth
  (target 5).

:mod:`.baselines` holds the yardsticks, :mod:`._harness` the timing and the
report, :mod:`._loopback` the sandbox in another process. ``RESULTS.md``
records a full run and the optimisations it led to.
"""
