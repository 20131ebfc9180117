"""Tools for testing code that talks to TTNC: hostile bodies (:mod:`.hostile`) and more.

- :func:`check_middleware` (:mod:`.conformance`): run a middleware of your
  own on probe batches; an AssertionError lists what breaks the contract;
- :mod:`.plugin`: the pytest plugin (fixtures ``ttnc_sandbox``,
  ``ttnc_api``, ``ttnc_cassette``; option ``--ttnc-record``), registered
  through the ``pytest11`` entry point;
- record, replay and mock transports live in :mod:`ttnc_pipeline.transports`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttnc_pipeline.testing.conformance import check_middleware

__all__ = ["check_middleware"]


def __getattr__(name: str) -> Any:
    # Imported on first use: pytest imports the plugin beside this module in
    # every run, and the conformance helper pulls in the whole client.
    if name == "check_middleware":
        from ttnc_pipeline.testing.conformance import check_middleware

        return check_middleware
    raise AttributeError(f"module 'ttnc_pipeline.testing' has no attribute {name!r}")
