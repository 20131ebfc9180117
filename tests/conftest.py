"""Settings shared by every test: one hypothesis profile, and where TTNC's examples live.

The ``ci`` profile (the default) keeps the whole run fast and free of
timing: no per-example deadline, no example database written to the
checkout. ``HYPOTHESIS_PROFILE=thorough`` searches ten times harder.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import structlog
from hypothesis import settings

settings.register_profile("ci", max_examples=100, deadline=None, database=None)
settings.register_profile("thorough", max_examples=1000, deadline=None, database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

_VECTORS_DIR = Path(__file__).resolve().parent / "vectors"
_SHARED_EXAMPLES_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "ttnc" / "examples"


@pytest.fixture(scope="session")
def examples_dir() -> Path:
    """TTNC's documented request and response documents (``*.request.xml``, ``*.response.xml``).

    The byte-exact copies in ``tests/vectors`` first, else the originals in
    ``../shared/ttnc/examples``; the test is skipped when neither is there.
    """
    for directory in (_VECTORS_DIR, _SHARED_EXAMPLES_DIR):
        if any(directory.glob("*.xml")):
            return directory
    pytest.skip(f"no TTNC example documents in {_VECTORS_DIR} or {_SHARED_EXAMPLES_DIR}")


@pytest.fixture
def sandbox() -> Iterator[Any]:
    """A sandbox serving on loopback for one test, stopped afterwards."""
    from ttnc_pipeline.sandbox import Sandbox

    with Sandbox() as running:
        yield running


_LOOPBACK_NAMES = frozenset({"localhost", "::1", "runsc", "vm"})


@pytest.fixture(autouse=True)
def _loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test on this machine: no name lookups, no default endpoint.

    Tests talk to 127.0.0.1 only. Any other host name fails to resolve here,
    before a DNS query leaves the process (an accidental call to TTNC's real
    host fails loudly instead), and ``TTNC_API_URL`` points at a closed
    loopback port so nothing falls back to TTNC's endpoint, subprocesses
    included.
    """
    real_getaddrinfo = socket.getaddrinfo

    def loopback_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else host
        if name is None or name in _LOOPBACK_NAMES or str(name).startswith("127."):
            return real_getaddrinfo(host, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"tests resolve loopback names only: {name!r}")

    monkeypatch.setattr(socket, "getaddrinfo", loopback_getaddrinfo)
    monkeypatch.setenv("TTNC_API_URL", "http://127.0.0.1:9/api/")
    for variable in ("TTNC_USERNAME", "TTNC_PASSWORD", "TTNC_VKEY", "TTNC_RECORD"):
        monkeypatch.delenv(variable, raising=False)


@pytest.fixture(autouse=True)
def _structlog_unconfigured() -> Iterator[None]:
    """Start and end every test with structlog unconfigured (the library's default).

    A test that configures structlog must not change where the next test's
    events go.
    """
    structlog.reset_defaults()
    yield
    structlog.reset_defaults()
