"""The classic client: TTNC's own client design, written as its README has users write it.

TTNC's Python client (and its PHP, Ruby and C# siblings) spool requests,
then on ``makerequests()``:

1. build the ``NoveroRequest`` document with :mod:`xml.dom.minidom`,
   with an ``Auth/SessionLogin`` first in every POST;
2. open a new connection, POST, read the answer and close (no keep-alive,
   no session reuse);
3. parse the answer with minidom and, when a response is asked for, turn
   its ``<Response>`` into nested dicts (the last of repeated siblings
   wins; attributes of children are dropped).

One courtesy the originals do not extend: the TLS context is built once
and shared (urllib's default builds a fresh one, loading the system CA
store, on every call), so the baseline pays for the handshake and nothing
more.

:func:`build_envelope` and :func:`parse_reply` are the same steps without
the network, for the envelope case.
"""

from __future__ import annotations

import http.client
import ssl
import uuid
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import urlsplit
from xml.dom import minidom
from xml.dom.minidom import Document, Element

__all__ = ["ClassicRequest", "ClassicTTNCApi", "build_envelope", "element_to_dict", "parse_reply"]

RequestSpec = tuple[str, str, str, Mapping[str, str]]
"""``(target, name, id, params)``: one request as plain data."""


def _append_request(
    document: Document, root: Element, target: str, name: str, request_id: str, params: Any
) -> None:
    request = document.createElement("Request")
    request.setAttribute("target", target)
    request.setAttribute("name", name)
    request.setAttribute("id", request_id)
    for key, value in params.items():
        child = document.createElement(key)
        child.appendChild(document.createTextNode(value))
        request.appendChild(child)
    root.appendChild(request)


def build_envelope(
    requests: Iterable[RequestSpec], *, login: Mapping[str, str] | None = None
) -> bytes:
    """A ``NoveroRequest`` document built with minidom (a ``SessionLogin`` first when given)."""
    document = Document()
    root = document.createElement("NoveroRequest")
    document.appendChild(root)
    if login is not None:
        _append_request(document, root, "Auth", "SessionLogin", "SessionRequest", login)
    for target, name, request_id, params in requests:
        _append_request(document, root, target, name, request_id, params)
    return document.toxml(encoding="utf-8")


def element_to_dict(element: Element) -> dict[str, Any]:
    """One element as nested dicts, the way TTNC's clients do it (lossy by design)."""
    result: dict[str, Any] = {}
    if element.attributes is not None and element.attributes.length:
        result["@attributes"] = dict(element.attributes.items())
    for child in element.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        if any(node.nodeType == node.ELEMENT_NODE for node in child.childNodes):
            result[child.tagName] = element_to_dict(child)
        else:
            result[child.tagName] = "".join(node.nodeValue or "" for node in child.childNodes)
    return result


def parse_reply(body: bytes) -> dict[str, dict[str, Any]]:
    """Every ``<Response>`` of an answer as a dict, by ``RequestId``."""
    document = minidom.parseString(body)
    return {
        response.getAttribute("RequestId"): element_to_dict(response)
        for response in document.getElementsByTagName("Response")
    }


class ClassicRequest:
    """A spooled request: ``setdata`` adds a parameter."""

    def __init__(self, api: ClassicTTNCApi, target: str, name: str, request_id: str) -> None:
        self.api = api
        self.target = target
        self.name = name
        self.id = request_id
        self.params: dict[str, str] = {}

    def setdata(self, key: str, value: str) -> None:
        """Set one parameter."""
        self.params[key] = value

    def getresponse(self) -> dict[str, Any] | None:
        """This request's answer as a dict, after ``makerequests``."""
        return self.api.getresponsefromid(self.id)


class ClassicTTNCApi:
    """The README's ``TTNCApi``: spool, then one fresh connection per ``makerequests``.

    ``ssl_context`` (default: the system's, built once) is used for https
    URLs.
    """

    def __init__(
        self,
        username: str,
        password: str,
        vkey: str,
        *,
        url: str,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        self._login = {"Username": username, "Password": password, "VKey": vkey}
        parts = urlsplit(url)
        self._https = parts.scheme == "https"
        self._host = parts.hostname or "localhost"
        self._port = parts.port
        self._path = parts.path or "/"
        self._context = ssl_context
        if self._https and self._context is None:
            self._context = ssl.create_default_context()
        self._spool: list[ClassicRequest] = []
        self._responses: dict[str, dict[str, Any]] = {}

    def newrequest(self, target: str, name: str, request_id: str | None = None) -> ClassicRequest:
        """Spool a request (its id is a fresh UUID when not given)."""
        # TTNC's client uses a bare uuid1; an XML name may not start with a digit.
        request = ClassicRequest(self, target, name, request_id or f"R{uuid.uuid1().hex}")
        self._spool.append(request)
        return request

    def _connect(self) -> http.client.HTTPConnection:
        if self._https:
            return http.client.HTTPSConnection(self._host, self._port, context=self._context)
        return http.client.HTTPConnection(self._host, self._port)

    def makerequests(self) -> None:
        """Send the spool, with a login first, over a new connection; keep the answers."""
        spool, self._spool = self._spool, []
        body = build_envelope(
            ((item.target, item.name, item.id, item.params) for item in spool), login=self._login
        )
        connection = self._connect()
        try:
            connection.request("POST", self._path, body, {"Content-Type": "text/xml"})
            answer = connection.getresponse().read()
        finally:
            connection.close()
        self._responses = parse_reply(answer)

    def getresponsefromid(self, request_id: str) -> dict[str, Any] | None:
        """The answer to ``request_id`` (``'SessionRequest'``: the login)."""
        return self._responses.get(request_id)
