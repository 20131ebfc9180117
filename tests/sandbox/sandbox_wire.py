"""Helpers for the sandbox tests: a bare HTTP wire, request builders, a test card.

The tests talk to the sandbox over real loopback HTTP with
:mod:`http.client` only (the library's client pipeline is tested
elsewhere); :class:`Wire` posts bytes on one keep-alive connection, and
encodes/decodes envelopes with the codec when a test wants objects rather
than bytes.
"""

from __future__ import annotations

import http.client
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import attrs

from ttnc_pipeline.codec import decode_reply, encode_batch
from ttnc_pipeline.core import Batch, Reply, Request
from ttnc_pipeline.sandbox import Credentials

EXAMPLES = Path(__file__).parents[2].parent / "shared/ttnc/examples"
"""TTNC's documented documents (outside the repository)."""

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
