"""The stdlib floor: the least work Python's standard library allows, with no safety at all.

- :func:`encode_envelope` builds a ``NoveroRequest`` with ElementTree
  (``Element``/``SubElement``, then ``tostring``);
- :func:`decode_reply` parses with ``ElementTree.fromstring`` (no DTD
  refusal, no size or depth cap) and reads each ``<Response>``'s four
  attributes, the code as an int;
- :class:`KeepAlivePoster` one ``http.client`` connection, kept alive,
  posting bytes built in advance and reading each answer whole.

This is a floor, not a client: it validates nothing, would expand any
entity a hostile server sends, and never notices a dead session.
"""

from __future__ import annotations

import http.client
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

__all__ = ["KeepAlivePoster", "decode_reply", "encode_envelope", "parse"]


def encode_envelope(requests: Iterable[tuple[str, str, str, Mapping[str, str]]]) -> bytes:
    """``(target, name, id, params)`` tuples as a ``NoveroRequest`` document."""
    root = ET.Element("NoveroRequest")
    for target, name, request_id, params in requests:
        request = ET.SubElement(root, "Request", {"target": target, "name": name, "id": request_id})
        for key, value in params.items():
            ET.SubElement(request, key).text = value
    document: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return document


def decode_reply(body: bytes) -> list[tuple[str | None, str | None, int, str | None]]:
    """``(target, name, code, request_id)`` of every ``<Response>``."""
    answers = []
    for response in ET.fromstring(body):
        get = response.get
        answers.append((get("target"), get("name"), int(get("Code") or 0), get("RequestId")))
    return answers


def parse(body: bytes) -> ET.Element:
    """Plain ``ElementTree.fromstring``."""
    return ET.fromstring(body)


class KeepAlivePoster:
    """POSTs to one URL over a single kept-alive connection (https with ``ssl_context``)."""

    def __init__(self, url: str, *, ssl_context: ssl.SSLContext | None = None) -> None:
        parts = urlsplit(url)
        self._path = parts.path or "/"
        host, port = parts.hostname or "localhost", parts.port
        self._connection: http.client.HTTPConnection
        if parts.scheme == "https":
            self._connection = http.client.HTTPSConnection(host, port, context=ssl_context)
        else:
            self._connection = http.client.HTTPConnection(host, port)
        self._headers = {"Content-Type": "text/xml; charset=utf-8"}

    def post(self, body: bytes) -> bytes:
        """Send one body; return the answer's body."""
        self._connection.request("POST", self._path, body, self._headers)
        answer: bytes = self._connection.getresponse().read()
        return answer

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()
