"""Urllib3Transport over real loopback HTTP: headers, pool, TLS, redirects, limits."""

from __future__ import annotations

import gzip
import http.client
import http.server
import socket
import ssl
import threading
import urllib.parse
from typing import ClassVar

import pytest
import trustme
from urllib3.exceptions import InsecureRequestWarning

from ttnc_pipeline import (
    Batch,
    Client,
    OutcomeUnknown,
    ProtocolError,
    Request,
    RequestNotSent,
    RetryPolicy,
)
from ttnc_pipeline.codec import encode_batch
from ttnc_pipeline.core import HTTPRequest
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.transports import Urllib3Transport
from ttnc_pipeline.transports._connections import HostConnections, request_head
from ttnc_pipeline.transports.urllib3_transport import USER_AGENT

LIST = Batch([Request("NoveroNumbers", "ListNumbers", "L")])


def client_for(sandbox: Sandbox, **options: object) -> Client:
    creds = sandbox.credentials
    return Client(sandbox.url, creds.username, creds.password, creds.vkey, **options)  # type: ignore[arg-type]


def test_requests_carry_the_documented_headers(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        client.send(LIST)
    headers = {k.lower(): v for k, v in sandbox.journal.envelopes[-1].headers.items()}
    assert headers["content-type"] == "text/xml; charset=utf-8"
    assert headers["user-agent"] == USER_AGENT
    assert USER_AGENT.startswith("ttnc-pipeline/")


def test_keep_alive_reuses_one_connection(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        for _ in range(20):
            client.send(LIST)
    assert sandbox.journal.connections_opened == 1


def test_a_stale_pooled_connection_does_not_fail_a_read_only_batch() -> None:
    first = Sandbox()
    first.start()
    port = int(first.url.split(":")[2].split("/")[0])
    client = client_for(first)
    assert client.send(LIST).ok
    first.stop()  # the server goes away; the pooled connection is now dead
    second = Sandbox(port=port)  # same seed: the same demo account
    with second:
        reply = client.send(LIST)
        assert reply.ok
        client.close()


def test_connection_refused_is_not_sent() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    transport = Urllib3Transport(f"http://127.0.0.1:{port}/api/")
    with pytest.raises(RequestNotSent, match="could not reach"):
        transport.send(HTTPRequest(b"<NoveroRequest/>"))


def test_an_unresolvable_host_is_not_sent() -> None:
    transport = Urllib3Transport("http://no-such-host.invalid/api/", connect_timeout=2.0)
    with pytest.raises(RequestNotSent):
        transport.send(HTTPRequest(b"<NoveroRequest/>"))


def test_a_redirect_is_not_followed_and_credentials_do_not_leave(sandbox: Sandbox) -> None:
    with Sandbox() as elsewhere:
        sandbox.faults.status(302, headers={"Location": elsewhere.url})
        with client_for(sandbox) as client, pytest.raises(ProtocolError, match="302 redirect"):
            client.send(LIST)
        assert elsewhere.journal.envelope_count == 0
        assert elsewhere.journal.connections_opened == 0


def test_the_response_size_cap_holds_while_reading(sandbox: Sandbox) -> None:
    sandbox.grant_numbers(sandbox.credentials.username, 2_000)
    with client_for(sandbox, max_response_size=50_000, retry=False) as client:
        with pytest.raises(ProtocolError, match="50000-byte limit"):
            client.send(LIST)


def test_the_size_cap_can_be_given_as_a_transport_option(sandbox: Sandbox) -> None:
    sandbox.grant_numbers(sandbox.credentials.username, 2_000)
    options = {"max_response_size": 50_000}
    with client_for(sandbox, retry=False, transport_options=options) as client:
        with pytest.raises(ProtocolError, match="50000-byte limit"):
            client.send(LIST)


def test_url_must_be_http() -> None:
    with pytest.raises(ValueError, match="http:// or https://"):
        Urllib3Transport("ftp://example.com/")


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def tls_sandbox(authority: trustme.CA) -> Sandbox:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    return Sandbox(ssl_context=context)


def test_tls_with_an_unknown_authority_is_refused_by_default(authority: trustme.CA) -> None:
    with tls_sandbox(authority) as sandbox:
        assert sandbox.url.startswith("https://")
        with client_for(sandbox, retry=RetryPolicy(max_attempts=1)) as client:
            with pytest.raises(RequestNotSent, match=r"(?i)certificate"):
                client.send(LIST)
        assert sandbox.journal.envelope_count == 0


def test_tls_with_the_right_authority_works(authority: trustme.CA) -> None:
    with tls_sandbox(authority) as sandbox, authority.cert_pem.tempfile() as ca_file:
        with client_for(sandbox, transport_options={"ca_certs": ca_file}) as client:
            assert client.send(LIST).ok


def test_read_timeout_is_outcome_unknown(sandbox: Sandbox) -> None:
    with client_for(sandbox, retry=False, transport_options={"read_timeout": 0.2}) as client:
        client.send(LIST)
        sandbox.faults.delay(1.0)
        with pytest.raises(OutcomeUnknown, match=r"(?i)timed out"):
            client.send(LIST)


class ForwardProxy(http.server.BaseHTTPRequestHandler):
    """A minimal HTTP forward proxy for loopback targets; counts what it forwards."""

    forwarded: ClassVar[list[str]] = []

    def do_POST(self) -> None:
        target = urllib.parse.urlsplit(self.path)
        assert target.hostname == "127.0.0.1", "the test proxy forwards to loopback only"
        body = self.rfile.read(int(self.headers["Content-Length"]))
        upstream = http.client.HTTPConnection(target.hostname, target.port, timeout=10)
        upstream.request("POST", target.path, body, {"Content-Type": self.headers["Content-Type"]})
        answer = upstream.getresponse()
        payload = answer.read()
        upstream.close()
        self.forwarded.append(self.path)
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.getheader("Content-Type", "text/xml"))
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_requests_go_through_a_configured_proxy(sandbox: Sandbox) -> None:
    ForwardProxy.forwarded.clear()
    proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ForwardProxy)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    try:
        proxy_url = f"http://127.0.0.1:{proxy.server_address[1]}"
        with client_for(sandbox, transport_options={"proxy_url": proxy_url}) as client:
            assert client.send(LIST).ok
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert ForwardProxy.forwarded == [sandbox.url]
    assert sandbox.journal.envelope_count == 1


def test_an_oversize_answer_to_an_unsafe_batch_is_an_unknown_outcome(sandbox: Sandbox) -> None:
    big = b'<?xml version="1.0"?><NoveroResponse>' + b" " * 60_000 + b"</NoveroResponse>"
    with client_for(sandbox, max_response_size=50_000, retry=False) as client:
        client.send(LIST)  # log in first: the next POSTs carry only what is asked
        sandbox.faults.raw(big)
        with pytest.raises(ProtocolError, match="50000-byte limit"):
            client.send(LIST)
        sandbox.faults.raw(big)
        order = Batch([Request("Order", "PlaceOrder", "P", {"TokenId": 1, "CV2": 123})])
        with pytest.raises(OutcomeUnknown, match="50000-byte limit") as caught:
            client.send(order)
    assert caught.value.request_ids == ("P",)


def test_only_tls_errors_before_sending_count_as_not_sent() -> None:
    from urllib3.exceptions import SSLError

    from ttnc_pipeline.transports.urllib3_transport import _tls_before_sending

    verify = SSLError(ssl.SSLCertVerificationError(1, "certificate verify failed"))
    handshake = SSLError(ssl.SSLError(1, "[SSL: SSLV3_ALERT_HANDSHAKE_FAILURE] handshake failure"))
    mid_answer = SSLError(ssl.SSLError(1, "[SSL: DECRYPTION_FAILED_OR_BAD_RECORD_MAC] bad record"))
    assert _tls_before_sending(verify)
    assert _tls_before_sending(handshake)
    assert not _tls_before_sending(mid_answer)


def test_messages_and_reprs_never_show_a_password_in_the_url() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://user:Hunter2pw@127.0.0.1:{port}/api/?key=Hunter2pw"
    client = Client(url, retry=False)
    with pytest.raises(RequestNotSent) as caught:
        client.send(LIST)
    assert "Hunter2pw" not in str(caught.value)
    assert "Hunter2pw" not in repr(client)
    assert "Hunter2pw" not in repr(client.transport)


def test_a_content_encoded_answer_is_refused_not_inflated(sandbox: Sandbox) -> None:
    answer = b'<?xml version="1.0"?><NoveroResponse><Response Code="200"/></NoveroResponse>'
    sandbox.faults.raw(gzip.compress(answer), headers={"Content-Encoding": "gzip"})
    with (
        client_for(sandbox, retry=False) as client,
        pytest.raises(ProtocolError, match="gzip-encoded, though only identity was accepted"),
    ):
        client.send(LIST)
    headers = {k.lower(): v for k, v in sandbox.journal.envelopes[-1].headers.items()}
    assert headers["accept-encoding"] == "identity"


def test_when_every_connection_is_busy_a_call_waits_its_time_then_is_not_sent(
    sandbox: Sandbox,
) -> None:
    transport = Urllib3Transport(sandbox.url, pool_maxsize=1)
    body = encode_batch(LIST)
    sandbox.faults.delay(1.0)  # the first POST holds the only connection for a second
    first = threading.Thread(target=transport.send, args=(HTTPRequest(body, {}, 10.0),))
    first.start()
    try:
        assert sandbox.journal.wait_for(lambda journal: journal.connections_opened == 1)
        with pytest.raises(RequestNotSent, match=r"all 1 connections stayed busy for 0\.2 s"):
            transport.send(HTTPRequest(body, {}, 0.2))
    finally:
        first.join(timeout=20)
    assert sandbox.journal.connections_opened == 1  # the second call never connected
    assert transport.send(HTTPRequest(body, {}, 10.0)).status == 200  # the connection is back
    transport.close()


@pytest.mark.parametrize(
    ("headers", "problem"),
    [
        ({"X-Team": "ops\r\nX-Injected: yes"}, "not a single line"),
        ({"X-Team": "ops\nX-Injected: yes"}, "not a single line"),
        ({"Bad Name": "x"}, "not a valid HTTP header name"),
        ({"": "x"}, "not a valid HTTP header name"),
    ],
)
def test_a_header_that_would_break_the_request_is_refused_when_built(
    headers: dict[str, str], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        Urllib3Transport("http://127.0.0.1:9/api/", headers=headers)


def test_extra_headers_go_out_once_and_a_call_may_replace_one(sandbox: Sandbox) -> None:
    transport = Urllib3Transport(sandbox.url, headers={"X-Team": "ops"})
    body = encode_batch(LIST)
    assert transport.send(HTTPRequest(body, {}, 10.0)).status == 200
    assert transport.send(HTTPRequest(body, {"X-Team": "night shift"}, 10.0)).status == 200
    with pytest.raises(ValueError, match="not a single line"):
        transport.send(HTTPRequest(body, {"X-Team": "a\r\nb: c"}, 10.0))
    assert transport.send(HTTPRequest(body, {}, 10.0)).status == 200
    transport.close()
    first, second, third = (envelope.headers for envelope in sandbox.journal.envelopes)
    assert first["X-Team"] == third["X-Team"] == "ops" and second["X-Team"] == "night shift"
    assert sandbox.journal.envelope_count == 3  # the refused header sent nothing...
    assert sandbox.journal.connections_opened == 1  # ...and cost no connection


def test_an_answer_cut_short_is_an_unknown_outcome_and_its_connection_is_dropped(
    sandbox: Sandbox,
) -> None:
    transport = Urllib3Transport(sandbox.url)
    body = encode_batch(LIST)
    assert transport.send(HTTPRequest(body, {}, 10.0)).status == 200
    sandbox.faults.truncate(0.5)
    with pytest.raises(OutcomeUnknown, match="cut short"):
        transport.send(HTTPRequest(body, {}, 10.0))
    assert transport.send(HTTPRequest(body, {}, 10.0)).status == 200
    transport.close()
    assert sandbox.journal.connections_opened == 2  # the cut connection was not reused


def test_failed_connects_give_their_connection_slot_back() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound, never listening: refused
    transport = Urllib3Transport(f"http://127.0.0.1:{port}/api/", pool_maxsize=1)
    for _ in range(3):
        with pytest.raises(RequestNotSent, match="could not reach") as caught:
            transport.send(HTTPRequest(b"<x/>", {}, 5.0))
        assert "busy" not in str(caught.value)


@pytest.mark.parametrize(
    "headers",
    [
        {"Content-Length": "4"},
        {"transfer-encoding": "chunked"},
        {"Host": "elsewhere.example"},
        {"Connection": "close"},
    ],
)
def test_framing_and_routing_headers_belong_to_the_transport(headers: dict[str, str]) -> None:
    with pytest.raises(ValueError, match="set by the transport"):
        Urllib3Transport("http://127.0.0.1:9/api/", headers=headers)
    transport = Urllib3Transport("http://127.0.0.1:9/api/")
    with pytest.raises(ValueError, match="set by the transport"):
        transport.send(HTTPRequest(b"<x/>", headers, 5.0))


def test_a_header_given_in_another_case_replaces_the_default(sandbox: Sandbox) -> None:
    transport = Urllib3Transport(sandbox.url, headers={"content-type": "application/xml"})
    assert transport.send(HTTPRequest(encode_batch(LIST), {}, 10.0)).status == 200
    transport.close()
    (envelope,) = sandbox.journal.envelopes
    assert [v for k, v in envelope.headers.items() if k.lower() == "content-type"] == [
        "application/xml"
    ]


def test_close_during_a_call_closes_that_connection_when_it_comes_back(sandbox: Sandbox) -> None:
    transport = Urllib3Transport(sandbox.url)
    body = encode_batch(LIST)
    sandbox.faults.delay(0.5)
    first = threading.Thread(target=transport.send, args=(HTTPRequest(body, {}, 10.0),))
    first.start()
    assert sandbox.journal.wait_for(lambda journal: journal.connections_opened == 1)
    transport.close()
    first.join(timeout=20)
    assert transport.send(HTTPRequest(body, {}, 10.0)).status == 200
    transport.close()
    assert sandbox.journal.connections_opened == 2  # closed, not kept, after close()


def test_turning_verification_off_warns() -> None:
    with pytest.warns(InsecureRequestWarning, match="will not be checked"):
        Urllib3Transport("https://127.0.0.1:9/api/", verify=False)


def test_the_request_head_is_encoded_as_urllib3_would() -> None:
    assert request_head("/a b/\u00e9?q=1", "127.0.0.1", 8080, 80) == (
        b"POST /a%20b/%C3%A9?q=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n"
    )
    assert request_head("/api/", "::1", 443, 443) == b"POST /api/ HTTP/1.1\r\nHost: [::1]\r\n"
    with pytest.raises(ValueError, match="not a host name"):
        Urllib3Transport("http://a b:1/x")


class _Interrupting:
    """An idle connection whose liveness check is interrupted (Ctrl-C)."""

    @property
    def is_connected(self) -> bool:
        raise KeyboardInterrupt

    def close(self) -> None:
        pass


def test_connection_slots_survive_an_interrupt_and_a_double_give_back() -> None:
    hosts = HostConnections("127.0.0.1", 9, 1, None)
    hosts._idle.append(_Interrupting())  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        hosts.take(1.0)
    connection = hosts.take(1.0)  # the interrupted take gave its slot back
    assert connection is not None
    hosts.give_back(connection, reuse=False)
    hosts.give_back(connection, reuse=False)  # a second time counts nothing
    assert hosts.take(1.0) is not None
    assert hosts.take(0.0) is None  # still one slot, not two
