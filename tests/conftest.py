"""Settings shared by every test: one hypothesis profile, and where TTNC's examples live.

The ``ci`` profile (the default) keeps the whole run fast and free of
timing: no per-example deadline, no example database written to the
checkout. ``HYPOTHESIS_PROFILE=thorough`` searches ten times harder.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
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
