"""The pytest plugin users get by installing the package (the ``pytest11`` entry point).

Fixtures:

- ``ttnc_sandbox``: a started :class:`~ttnc_pipeline.sandbox.Sandbox`
  (``seed=0``, a free port on 127.0.0.1), with its ``faults`` and
  ``journal``; stopped after the test;
- ``ttnc_api``: a :class:`~ttnc_pipeline.TTNCApi` logged in to that
  sandbox with its demo credentials; closed after the test;
- ``ttnc_cassette``: a :class:`CassetteFixture`, a factory of record or
  replay transports whose cassette is named after the test.

Option ``--ttnc-record=MODE`` (``none``, ``once``, ``new_episodes``,
``all``) sets the record mode of every ``ttnc_cassette``; without it the
``TTNC_RECORD`` environment variable does, else ``none`` (replay only).
The ini option ``ttnc_cassette_dir`` (default ``cassettes``) is the
cassette folder, relative to each test file's directory.

The conformance helper for middleware authors is
:func:`ttnc_pipeline.testing.check_middleware`.

pytest imports this module in every run of an environment that has the
package, so it imports nothing beyond the package itself at import time:
the sandbox and transports are imported when a fixture runs, and a missing
piece fails only the tests that use it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from ttnc_pipeline.core import Transport
    from ttnc_pipeline.facade import TTNCApi
    from ttnc_pipeline.sandbox import Sandbox
    from ttnc_pipeline.transports.recording import RecordMode

__all__ = ["CassetteFixture", "cassette_name"]

_UNSAFE_CHARACTERS = re.compile(r"[^A-Za-z0-9_.\-]+")


def pytest_addoption(parser: pytest.Parser) -> None:
    """Register ``--ttnc-record`` and the ``ttnc_cassette_dir`` ini option."""
    group = parser.getgroup("ttnc", "ttnc_pipeline record and replay")
    group.addoption(
        "--ttnc-record",
        action="store",
        default=None,
        metavar="MODE",
        help="record mode of ttnc_cassette: none (replay only), once, new_episodes or all "
        "(default: the TTNC_RECORD environment variable, else none)",
    )
    parser.addini(
        "ttnc_cassette_dir",
        "folder of ttnc_cassette cassettes, relative to each test file's directory",
        default="cassettes",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Refuse a misspelt ``--ttnc-record`` before any test runs."""
    value = config.getoption("--ttnc-record", default=None)
    if value is not None:
        from ttnc_pipeline.transports.recording import RecordMode

        try:
            RecordMode.parse(value, source="--ttnc-record")
        except ValueError as exc:
            raise pytest.UsageError(str(exc)) from None


def cassette_name(node_id: str) -> str:
    """A file name from a test's node id, e.g. ``TestBasket.test_add_1.json``.

    The path before ``::`` is dropped; class and test names are joined by
    dots; parameters and anything else a file name cannot hold become ``_``.
    """
    parts = node_id.split("::")[1:] or [node_id]
    name = _UNSAFE_CHARACTERS.sub("_", ".".join(parts)).strip("_.")
    return f"{name or 'cassette'}.json"


class CassetteFixture:
    """What ``ttnc_cassette`` gives a test: record or replay transports for one cassette.

    ``path`` is the cassette (default
    ``<test dir>/cassettes/<module>/<test>.json``); ``mode`` the
    :class:`~ttnc_pipeline.transports.RecordMode` in force. Call it to get
    a transport::

        def test_numbers(ttnc_cassette):
            api = TTNCApi("user", "password", transport=ttnc_cassette())

    Every transport it made is closed after the test (so a cassette played
    with ``allow_unused=False`` fails the test if an interaction was not
    used).
    """

    def __init__(self, path: Path, mode: RecordMode) -> None:
        self.path = path
        self.mode = mode
        self._made: list[Transport] = []

    def __call__(self, inner: Transport | None = None, **options: Any) -> Transport:
        """A transport for this cassette.

        In mode ``none`` with no ``inner``: a
        :class:`~ttnc_pipeline.transports.ReplayTransport` (no network).
        Otherwise a :class:`~ttnc_pipeline.transports.RecordingTransport`
        wrapping ``inner`` (default: a ``Urllib3Transport`` to
        ``TTNC_API_URL``, else TTNC's endpoint). ``options`` go to the
        transport (``match_order``, ``allow_repeats``, ``allow_unused``).
        """
        from ttnc_pipeline.transports.recording import (
            RecordingTransport,
            RecordMode,
            ReplayTransport,
        )

        transport: Transport
        if inner is None and self.mode is RecordMode.NONE:
            transport = ReplayTransport(self.path, **options)
        else:
            if inner is None:
                from ttnc_pipeline.client import default_url
                from ttnc_pipeline.transports.urllib3_transport import Urllib3Transport

                inner = Urllib3Transport(default_url())
            transport = RecordingTransport(inner, self.path, self.mode, **options)
        self._made.append(transport)
        return transport

    def close(self) -> None:
        """Close every transport made (the first error is raised after all are closed)."""
        made, self._made = self._made, []
        errors: list[BaseException] = []
        for transport in made:
            try:
                transport.close()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    def __repr__(self) -> str:
        return f"CassetteFixture({str(self.path)!r}, mode={self.mode.value!r})"


@pytest.fixture
def ttnc_sandbox() -> Iterator[Sandbox]:
    """A started sandbox (seed 0, a free loopback port), stopped after the test."""
    from ttnc_pipeline.sandbox import Sandbox

    with Sandbox(seed=0) as sandbox:
        yield sandbox


@pytest.fixture
def ttnc_api(ttnc_sandbox: Sandbox) -> Iterator[TTNCApi]:
    """A ``TTNCApi`` pointed at ``ttnc_sandbox`` with its demo credentials; closed after."""
    from ttnc_pipeline.facade import TTNCApi

    credentials = ttnc_sandbox.credentials
    api = TTNCApi(
        credentials.username, credentials.password, credentials.vkey, url=ttnc_sandbox.url
    )
    try:
        yield api
    finally:
        api.close()


@pytest.fixture
def ttnc_cassette(request: pytest.FixtureRequest) -> Iterator[CassetteFixture]:
    """Record or replay transports whose cassette is named after the test."""
    from ttnc_pipeline.transports.recording import resolve_record_mode

    option = request.config.getoption("--ttnc-record", default=None)
    folder = str(request.config.getini("ttnc_cassette_dir") or "cassettes")
    test_file = Path(request.path)
    path = test_file.parent / folder / test_file.stem / cassette_name(request.node.nodeid)
    mode = resolve_record_mode(option)
    fixture = CassetteFixture(Path(os.path.normpath(path)), mode)
    try:
        yield fixture
    finally:
        fixture.close()
