"""A sandbox in another process, so client and server do not share one interpreter.

:func:`sandbox_process` starts a server command, reads the URL and the demo
credentials it prints (``TTNC sandbox serving at URL`` then ``username:``,
``password:``, ``vkey:`` lines, the format of ``python -m
ttnc_pipeline.sandbox``), yields them as a :class:`Served`, and stops the
process on exit. :func:`sandbox_cli` is the stock command;
:func:`throwaway_tls` writes a throwaway certificate authority and server
certificate (trustme) for HTTPS runs.
"""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO

__all__ = ["Served", "ThrowawayTLS", "sandbox_cli", "sandbox_process", "throwaway_tls"]

_START_TIMEOUT = 30.0


@dataclass(frozen=True)
class Served:
    """Where a sandbox process listens and how to log in to its demo account."""

    url: str
    username: str
    password: str
    vkey: str


@dataclass(frozen=True)
class ThrowawayTLS:
    """Paths of a test CA certificate and a server key-and-chain for 127.0.0.1."""

    ca_file: str
    server_pem: str

    def client_context(self) -> ssl.SSLContext:
        """A client context that trusts the test CA (and checks the host name)."""
        return ssl.create_default_context(cafile=self.ca_file)


@contextmanager
def throwaway_tls() -> Iterator[ThrowawayTLS]:
    """A fresh trustme CA and a certificate for ``127.0.0.1``, in a temporary directory."""
    import trustme

    authority = trustme.CA()
    server = authority.issue_cert("127.0.0.1", "localhost")
    with tempfile.TemporaryDirectory(prefix="ttnc-bench-tls-") as folder:
        ca_file = os.path.join(folder, "ca.pem")
        server_pem = os.path.join(folder, "server.pem")
        authority.cert_pem.write_to_path(ca_file)
        server.private_key_and_cert_chain_pem.write_to_path(server_pem)
        yield ThrowawayTLS(ca_file, server_pem)


def sandbox_cli(tls: ThrowawayTLS | None = None, *, seed: int = 0) -> list[str]:
    """The argv of ``python -m ttnc_pipeline.sandbox`` on a free port (HTTPS with ``tls``)."""
    argv = [sys.executable, "-m", "ttnc_pipeline.sandbox", "--port", "0", "--seed", str(seed)]
    if tls is not None:
        argv += ["--certfile", tls.server_pem]
    return argv


def _read_banner(process: subprocess.Popen[str], errors: IO[bytes]) -> Served:
    assert process.stdout is not None
    deadline = time.monotonic() + _START_TIMEOUT
    found: dict[str, str] = {}
    while time.monotonic() < deadline and len(found) < 4:
        line = process.stdout.readline()
        if not line:
            break
        text = line.strip()
        if "serving at" in text:
            found["url"] = text.split("serving at", 1)[1].strip()
        for key in ("username", "password", "vkey"):
            if text.startswith(f"{key}:"):
                found[key] = text.split(":", 1)[1].strip()
    if len(found) < 4:
        errors.seek(0)
        tail = errors.read()[-2000:].decode("utf-8", "replace")
        raise RuntimeError(
            f"the sandbox process did not start (exit code {process.poll()}):\n{tail}"
        )
    return Served(found["url"], found["username"], found["password"], found["vkey"])


@contextmanager
def sandbox_process(argv: Sequence[str]) -> Iterator[Served]:
    """Run ``argv`` (a sandbox server command), yield where it serves, then stop it.

    The server's stderr goes to a temporary file, shown only if it fails to start.
    """
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            list(argv),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        with process:
            try:
                yield _read_banner(process, errors)
            finally:
                _stop(process)


def _stop(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
