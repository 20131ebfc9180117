"""HTTPS: the sandbox serves TLS with a context the caller gives it."""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator

import pytest
import trustme
from sandbox_wire import Wire, request

from ttnc_pipeline.sandbox import Sandbox


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    """A throwaway certificate authority."""
    return trustme.CA()


@pytest.fixture
def tls_sandbox(authority: trustme.CA) -> Iterator[Sandbox]:
    """A sandbox serving HTTPS with a certificate for 127.0.0.1."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    with Sandbox(ssl_context=context) as box:
        yield box


@pytest.fixture
def client_context(authority: trustme.CA) -> ssl.SSLContext:
    """A client context trusting the throwaway authority."""
    context = ssl.create_default_context()
    authority.configure_trust(context)
    return context


def test_https_login_and_keep_alive(tls_sandbox: Sandbox, client_context: ssl.SSLContext) -> None:
    assert tls_sandbox.url.startswith("https://127.0.0.1:")
    wire = Wire(tls_sandbox.url, context=client_context)
    session = wire.login(tls_sandbox.credentials)
    for _ in range(3):
        assert wire.call(request("Order/ViewBasket"), session_id=session)[0].ok
    wire.close()
    assert tls_sandbox.journal.connections_opened == 1


def test_a_failed_handshake_does_not_hurt_the_server(
    tls_sandbox: Sandbox, client_context: ssl.SSLContext
) -> None:
    untrusting = Wire(tls_sandbox.url, context=ssl.create_default_context())
    with pytest.raises(ssl.SSLError):
        untrusting.call(request("Order/ViewBasket"))
    plain = Wire(tls_sandbox.url.replace("https", "http"))
    with pytest.raises((ConnectionError, OSError)):
        plain.call(request("Order/ViewBasket"))
    wire = Wire(tls_sandbox.url, context=client_context)
    assert wire.call(request("Order/ViewBasket"))[0].code == 401
    wire.close()


def test_stop_ends_idle_tls_connections_promptly(
    authority: trustme.CA, client_context: ssl.SSLContext
) -> None:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(context)
    box = Sandbox(ssl_context=context).start()
    wire = Wire(box.url, context=client_context)
    wire.call(request("Order/ViewBasket"))
    started = time.monotonic()
    box.stop()
    # the idle client never hangs up: stop() must end its connection itself
    assert time.monotonic() - started < 20.0
    assert box.journal.open_connections == 0
    wire.close()
