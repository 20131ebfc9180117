"""Helpers for the sandbox tests: a bare HTTP wire, request builders, a test card.

The tests talk to the sandbox over real loopback HTTP with
:mod:`http.client` only (the library's client pipeline is tested
elsewhere); :class:`Wire` posts bytes on one keep-alive connection, and
encodes/decodes envelopes with the codec when a test wants objects rather
than bytes.
"""

from __future__ import annotations

import http.client
import socket
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch, Reply, Request
from ttnc_pipeline.sandbox import Credentials

EXAMPLES = Path(__file__).parents[1] / "vectors"
"""Byte-exact copies of TTNC's documented examples (tests/test_codec.py checks them)."""

TEST_CARD = {
    "CardName": "A N Other",
    "CardNumber": "4111111111111111",
    "ExpiryMonth": "05",
    "ExpiryYear": "30",
    "CV2": "123",
    "Type": "VISA",
    "Address1": "1 High Street",
    "City": "Chelmsford",
    "Postcode": "CM1 1AA",
    "Country": "GB",
}
"""AddCard parameters that pass every check."""


@attrs.frozen
class Answer:
    """What came back over the wire."""

    status: int
    headers: Mapping[str, str]
    body: bytes

    def reply(self) -> Reply:
        """The body decoded as a NoveroResponse."""
        return decode_reply(self.body, status=self.status)


class Wire:
    """One keep-alive HTTP/1.1 connection to a sandbox, through http.client."""

    def __init__(
        self, url: str, *, context: ssl.SSLContext | None = None, timeout: float = 10.0
    ) -> None:
        parts = urlsplit(url)
        assert parts.hostname is not None and parts.port is not None
        self.path = parts.path
        if parts.scheme == "https":
            self.connection: http.client.HTTPConnection = http.client.HTTPSConnection(
                parts.hostname, parts.port, timeout=timeout, context=context
            )
        else:
            self.connection = http.client.HTTPConnection(
                parts.hostname, parts.port, timeout=timeout
            )

    def post(
        self, body: bytes, headers: Mapping[str, str] | None = None, *, path: str | None = None
    ) -> Answer:
        """POST ``body``; on any failure the connection is dropped and the error raised."""
        try:
            self.connection.request(
                "POST", path or self.path, body, {"Content-Type": "text/xml", **(headers or {})}
            )
            response = self.connection.getresponse()
            data = response.read()
        except Exception:
            self.connection.close()
            raise
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, data)

    def call(self, *requests: Request, session_id: str | None = None) -> Reply:
        """Send a batch and decode the answer (which must be HTTP 200)."""
        answer = self.post(encode_batch(Batch(requests, session_id)))
        assert answer.status == 200, answer
        return answer.reply()

    def login(self, credentials: Credentials) -> str:
        """Log in and return the SessionId."""
        reply = self.call(login_request(credentials))
        assert reply[0].ok, reply[0].message
        session_id = reply[0]["SessionId"]
        assert isinstance(session_id, str)
        return session_id

    def close(self) -> None:
        """Close the connection."""
        self.connection.close()


def login_request(credentials: Credentials, request_id: str = "SessionRequest") -> Request:
    """``Auth/SessionLogin`` with these credentials."""
    return Request(
        "Auth",
        "SessionLogin",
        request_id,
        {
            "Username": credentials.username,
            "Password": credentials.password,
            "VKey": credentials.vkey,
        },
    )


def request(operation: str, request_id: str | None = "R1", **params: Any) -> Request:
    """A request for ``"Target/Name"``."""
    target, name = operation.split("/")
    return Request(target, name, request_id, params)


def raw_connection(url: str, timeout: float = 10.0) -> socket.socket:
    """A plain TCP socket to the sandbox, for tests that need to see the bytes."""
    parts = urlsplit(url)
    assert parts.hostname is not None and parts.port is not None
    sock = socket.create_connection((parts.hostname, parts.port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def post_bytes(
    body: bytes, *, path: str = "/api/", headers: Mapping[str, str] | None = None
) -> bytes:
    """A whole HTTP/1.1 POST as bytes (Content-Length set unless given in headers)."""
    fields = {"Host": "sandbox", "Content-Type": "text/xml", "Content-Length": str(len(body))}
    fields.update(headers or {})
    head = "".join(f"{name}: {value}\r\n" for name, value in fields.items())
    return f"POST {path} HTTP/1.1\r\n{head}\r\n".encode() + body


def read_until_closed(sock: socket.socket) -> bytes:
    """Every byte the server sends until it closes the connection."""
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def read_response(sock: socket.socket, already: bytes = b"") -> tuple[bytes, bytes]:
    """One HTTP response from a raw socket: (head, body), framed by Content-Length.

    ``already`` holds bytes of it the caller has received.
    """
    data = already
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed before the end of the headers: {data!r}"
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(body) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed before the end of the body"
        body += chunk
    return head, body
