"""The reliability suite's shared fixtures, and the figures it reports.

Tests measure what a user would want to know (how long a hostile answer
takes to refuse, how much memory it costs, how many batches a second a
shared client carries) and hand the numbers to the collector
(:class:`reliability_support.Figures`) through the ``figures`` fixture.
Nothing asserts a wall-clock time; the figures are printed at the end of
the run, in their own section of the terminal summary (with or without
``-s``), and nothing is written to disk.

Fixtures:

- ``figures`` the session's collector;
- ``shared_sandbox`` one sandbox for a whole module, for hypothesis tests
  whose examples must not each start a server (tests that use it reset
  what they touch: faults, journal, their own account).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from reliability_support import Figures

from ttnc_pipeline.sandbox import Sandbox

_FIGURES = Figures()


@pytest.fixture(scope="session")
def figures() -> Figures:
    """The collector whose tables are printed at the end of the run."""
    return _FIGURES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print the figures the reliability tests collected."""
    if not _FIGURES:
        return
    terminalreporter.section("reliability figures")
    for line in _FIGURES.lines():
        terminalreporter.write_line(line)


@pytest.fixture(scope="module")
def shared_sandbox() -> Iterator[Sandbox]:
    """One sandbox on loopback for every test (and hypothesis example) of a module."""
    with Sandbox() as running:
        yield running
