"""Fixtures for the sandbox tests: a running sandbox on a manual clock, and a wire to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_wire import Wire

from ttnc_pipeline.clock import ManualClock
from ttnc_pipeline.sandbox import Sandbox


@pytest.fixture
def clock() -> ManualClock:
    """The sandbox's clock: time moves only when a test says so."""
    return ManualClock(1000.0)


@pytest.fixture
def sandbox(clock: ManualClock) -> Iterator[Sandbox]:
    """A sandbox serving on loopback, on the manual clock, stopped afterwards."""
    with Sandbox(seed=7, clock=clock) as running:
        yield running


@pytest.fixture
def wire(sandbox: Sandbox) -> Iterator[Wire]:
    """A keep-alive connection to the sandbox."""
    connection = Wire(sandbox.url)
    yield connection
    connection.close()


@pytest.fixture
def session(wire: Wire, sandbox: Sandbox) -> str:
    """A SessionId of the demo account."""
    return wire.login(sandbox.credentials)
