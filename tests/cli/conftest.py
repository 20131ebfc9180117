"""Fixtures for the ``ttnc`` command-line tests (helpers in :mod:`cli_helpers`).

``ttnc(*args)`` runs the real entry point against a fresh sandbox, with the
sandbox's URL and demo credentials in the environment, as a user would
export them.
"""

from __future__ import annotations

import socket

import pytest
from cli_helpers import Runner, clean_env, sandbox_env

from ttnc_pipeline.sandbox import Sandbox


@pytest.fixture
def ttnc(sandbox: Sandbox) -> Runner:
    """Run ``ttnc`` against ``sandbox``, its URL and credentials in the environment."""
    return Runner(clean_env(**sandbox_env(sandbox)))


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
