"""Tools for testing code that talks to TTNC: hostile bodies (:mod:`.hostile`) and more.

- :func:`check_middleware` (:mod:`.conformance`): run a middleware of your
  own on probe batches; an AssertionError lists what breaks the contract;
- :mod:`.plugin`: the pytest plugin (fixtures ``ttnc_sandbox``,
  ``ttnc_api``, ``ttnc_cassette``; option ``--ttnc-record``), registered
  through the ``pytest11`` entry point;
- record, replay and mock transports live in :mod:`ttnc_pipeline.transports`.
"""

from ttnc_pipeline.testing.conformance import check_middleware

__all__ = ["check_middleware"]
