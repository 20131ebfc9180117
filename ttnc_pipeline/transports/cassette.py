"""Cassettes: the JSON file of recorded exchanges, and how a live request finds its match.

- :class:`Interaction` one recorded POST: request body, status, headers, body;
- :class:`Cassette` the file and the bookkeeping of one playback (which
  interaction has been played); one lock guards both;
- :class:`CassetteError` and its kinds, raised instead of sending.

**Format** (version :data:`CASSETTE_VERSION`): indented JSON with sorted
keys; each interaction holds the operations (for a human skimming it), the
request body, and the response's status, the headers that matter
(``content-type``, ``location``, ``retry-after``) and body. Bodies are XML
text, pretty-printed, stored as a list of lines so that a diff shows the
line that changed.

**Secrets** never reach the file: the text of every element named in
:data:`~ttnc_pipeline.redaction.SENSITIVE_ELEMENTS` (and any attribute so
named) becomes ``***`` on save, in requests and responses, and
:func:`~ttnc_pipeline.redaction.redact_text` runs over the result as a
second net; a ``location`` header keeps its path, its query becomes ``***``.
Replay needs no credentials: any will match.

**Matching** is on the meaning of the request, not the URL (every call is
a POST to one endpoint): the canonical XML of the cleaned envelope
(``xml.etree.ElementTree.canonicalize`` with ``strip_text``: attributes
sorted, surrounding whitespace ignored), with every ``Request id`` masked
by position (``id="#1"``) and secrets masked, so a replay matches when the
code under test generates fresh ids and sessions. The replayed response
carries the live request's ids (recorded id to live id, by position), so
correlation works. A request with no match raises
:class:`CassetteMismatch` with a unified diff against the closest recorded
request.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any
from xml.etree.ElementTree import Element

import attrs

from ttnc_pipeline.codec import parse_document
from ttnc_pipeline.core import HTTPRequest, HTTPResponse
from ttnc_pipeline.errors import ProtocolError, TTNCError
from ttnc_pipeline.redaction import MASK, is_sensitive, redact_text

__all__ = [
    "CASSETTE_VERSION",
    "RECORD_ENV",
    "Cassette",
    "CassetteError",
    "CassetteMismatch",
    "Interaction",
    "UnusedInteractions",
]

CASSETTE_VERSION = 1
"""The cassette format this module writes and reads."""

RECORD_ENV = "TTNC_RECORD"
"""The environment variable that opts in to recording (its value: a mode name)."""

_FORMAT = "ttnc-pipeline cassette"
_KEPT_HEADERS = ("content-type", "location", "retry-after")


class CassetteError(TTNCError):
    """A cassette is missing, unreadable, or was not played as required.

    Raised by the transports in place of sending: nothing reached a server.
    It is not a ProtocolError on purpose: the retry step retries those for
    read-only batches, and a cassette answers the same way every time.
    """


class CassetteMismatch(CassetteError):
    """No recorded interaction answers this request; ``diff`` compares it with the closest."""

    def __init__(self, message: str, *, diff: str = "") -> None:
        super().__init__(message)
        self.diff = diff


class UnusedInteractions(CassetteError):
    """Recorded interactions were never played (with ``allow_unused=False``)."""

    def __init__(self, message: str, *, unused: Sequence[int]) -> None:
        super().__init__(message)
        self.unused: tuple[int, ...] = tuple(unused)


# --- bodies: cleaning, matching keys, id rewriting ----------------------------


def _parse(body: bytes, root: str) -> Element | None:
    """The body's element tree if it is a safe, well-formed ``root`` document."""
    try:
        return parse_document(body, root)
    except ProtocolError:
        return None


def _mask_secrets(element: Element) -> None:
    for node in list(element.iter()):
        if is_sensitive(node.tag):
            for child in list(node):
                node.remove(child)
            node.text = MASK
        for name in list(node.attrib):
            if is_sensitive(name):
                node.set(name, MASK)


def _serialise(element: Element) -> str:
    # ElementTree writes a carriage return raw, which a parser reads back as a
    # line feed; the character reference keeps it.
    return ET.tostring(element, encoding="unicode").replace("\r", "&#13;")


def _clean(body: bytes, root: str) -> tuple[str, str]:
    """The body as a cassette stores it, and the encoding that turns it back into bytes.

    XML is pretty-printed with its secrets masked; anything else (an HTML
    error page, a truncated body) is kept as text. A body that is not UTF-8
    is kept as Latin-1, which maps every byte to one character and back.
    """
    element = _parse(body, root)
    if element is not None:
        _mask_secrets(element)
        ET.indent(element, space="  ")
        return redact_text(_serialise(element)), "utf-8"
    try:
        return redact_text(body.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        return redact_text(body.decode("latin-1")), "latin-1"


def _clean_header(name: str, value: str) -> str:
    """A kept header as saved: a redirect's query (where a token would ride) masked whole."""
    if name == "location" and "?" in value:
        return value.split("?", 1)[0] + "?" + MASK
    return value


@attrs.frozen
class _Shape:
    """What matching needs from a cleaned request: its key and its ids by position."""

    key: str
    ids: tuple[str | None, ...]

    @classmethod
    def of(cls, cleaned: str) -> _Shape:
        element = _parse(cleaned.encode("utf-8"), "NoveroRequest")
        if element is None:
            return cls(cleaned, ())
        requests = [child for child in element if child.tag == "Request"]
        ids = tuple(request.get("id") for request in requests)
        for position, request in enumerate(requests, 1):
            if request.get("id") is not None:
                request.set("id", f"#{position}")
        return cls(ET.canonicalize(_serialise(element), strip_text=True), ids)

    def lines(self) -> list[str]:
        """The key pretty-printed, one element per line, for a diff."""
        try:
            element = ET.fromstring(self.key)
        except ET.ParseError:
            return self.key.splitlines()
        ET.indent(element, space="  ")
        return _serialise(element).splitlines()


def _operations(cleaned: str) -> tuple[str, ...]:
    element = _parse(cleaned.encode("utf-8"), "NoveroRequest")
    if element is None:
        return ()
    return tuple(
        f"{child.get('target')}/{child.get('name')}" for child in element if child.tag == "Request"
    )


def _rewrite_ids(body: bytes, mapping: Mapping[str, str]) -> bytes:
    element = _parse(body, "NoveroResponse")
    if element is None:
        return body
    for response in element:
        recorded = response.get("RequestId")
        if recorded is not None and recorded in mapping:
            response.set("RequestId", mapping[recorded])
    return _serialise(element).encode("utf-8")


# --- the cassette -------------------------------------------------------------


def _joined(body: Any) -> str:
    if isinstance(body, str):
        return body
    if isinstance(body, list) and all(isinstance(line, str) for line in body):
        return "\n".join(body)
    raise TypeError(f"a body is a list of lines or a string, not {type(body).__name__}")


def _str_tuple(values: Iterable[str]) -> tuple[str, ...]:
    return tuple(values)


def _frozen_headers(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({key.lower(): value for key, value in headers.items()})


@attrs.frozen
class Interaction:
    """One recorded POST and its answer, secrets already masked.

    ``request_body`` and ``response_body`` are the texts stored in the file;
    ``response_encoding`` turns the response text back into bytes
    (``utf-8``, or ``latin-1`` for a body that was not UTF-8).
    """

    operations: tuple[str, ...] = attrs.field(converter=_str_tuple)
    request_body: str
    status: int
    headers: Mapping[str, str] = attrs.field(converter=_frozen_headers)
    response_body: str
    response_encoding: str = "utf-8"
    _shape: _Shape = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        object.__setattr__(self, "_shape", _Shape.of(self.request_body))

    @classmethod
    def record(cls, request: HTTPRequest, response: HTTPResponse) -> Interaction:
        """The interaction of one live exchange, cleaned of secrets."""
        cleaned, _ = _clean(request.body, "NoveroRequest")
        body, encoding = _clean(response.body, "NoveroResponse")
        headers = {
            name: redact_text(_clean_header(name, response.headers[name]))
            for name in _KEPT_HEADERS
            if name in response.headers
        }
        return cls(_operations(cleaned), cleaned, response.status, headers, body, encoding)

    def replay(self, live_ids: Sequence[str | None]) -> HTTPResponse:
        """The recorded answer, with recorded request ids replaced by ``live_ids`` (by position)."""
        body = self.response_body.encode(self.response_encoding)
        mapping = {
            recorded: live
            for recorded, live in zip(self._shape.ids, live_ids, strict=False)
            if recorded is not None and live is not None and recorded != live
        }
        if mapping:
            body = _rewrite_ids(body, mapping)
        return HTTPResponse(self.status, dict(self.headers), body)

    def to_json(self) -> dict[str, Any]:
        """The interaction as the cassette file stores it."""
        response: dict[str, Any] = {
            "status": self.status,
            "headers": dict(self.headers),
            "body": self.response_body.split("\n"),
        }
        if self.response_encoding != "utf-8":
            response["encoding"] = self.response_encoding
        return {
            "operations": list(self.operations),
            "request": {"body": self.request_body.split("\n")},
            "response": response,
        }

    @classmethod
    def from_json(cls, data: Any) -> Interaction:
        """Read one interaction of a cassette file (raises KeyError/TypeError/ValueError).

        A body may be a list of lines (as saved) or one string (as a person
        editing the file might write it).
        """
        request, response = data["request"], data["response"]
        encoding = response.get("encoding", "utf-8")
        if encoding not in ("utf-8", "latin-1"):
            raise ValueError(f"unknown body encoding {encoding!r}")
        request_body = _joined(request["body"])
        return cls(
            tuple(str(op) for op in data.get("operations") or _operations(request_body)),
            request_body,
            int(response["status"]),
            {str(k): str(v) for k, v in response.get("headers", {}).items()},
            _joined(response["body"]),
            encoding,
        )

    @property
    def label(self) -> str:
        """A short description: the operations."""
        return ", ".join(self.operations) or "a request that is not a NoveroRequest"


class Cassette:
    """A cassette file's interactions and which of them have been played.

    Options, with their defaults:

    - ``match_order`` False: when True, each request must match the next
      interaction not yet played, in recorded order;
    - ``allow_repeats`` False: when True, an interaction may be played
      again once every interaction matching the request has been played
      (the latest one recorded answers).

    Thread-safe: one lock guards playback, recording and saving.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        interactions: Iterable[Interaction] = (),
        *,
        match_order: bool = False,
        allow_repeats: bool = False,
    ) -> None:
        self.path = Path(path)
        self.match_order = match_order
        self.allow_repeats = allow_repeats
        self._interactions = list(interactions)
        self._plays = [0] * len(self._interactions)
        self._lock = threading.Lock()

    @classmethod
    def load(
        cls,
        path: str | os.PathLike[str],
        *,
        match_order: bool = False,
        allow_repeats: bool = False,
    ) -> Cassette:
        """Read a cassette file; raises CassetteError when it is missing or malformed."""
        path = Path(path)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CassetteError(
                f"cassette {path} does not exist; record it by passing mode='once' "
                f"or setting {RECORD_ENV}=once"
            ) from None
        except (OSError, ValueError) as exc:
            raise CassetteError(f"cassette {path} cannot be read: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != CASSETTE_VERSION:
            found = data.get("version") if isinstance(data, dict) else None
            raise CassetteError(
                f"cassette {path} has format version {found!r}; this library reads version "
                f"{CASSETTE_VERSION}: record it again"
            )
        try:
            interactions = [Interaction.from_json(item) for item in data["interactions"]]
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise CassetteError(
                f"cassette {path} is malformed ({type(exc).__name__}: {exc})"
            ) from None
        return cls(path, interactions, match_order=match_order, allow_repeats=allow_repeats)

    @property
    def interactions(self) -> tuple[Interaction, ...]:
        """Every interaction, in recorded order."""
        with self._lock:
            return tuple(self._interactions)

    def unused(self) -> list[int]:
        """Indexes (from 0) of the interactions never played."""
        with self._lock:
            return [index for index, plays in enumerate(self._plays) if not plays]

    def assert_all_used(self) -> None:
        """Raise UnusedInteractions naming every interaction never played."""
        unused = self.unused()
        if unused:
            listed = "; ".join(f"#{i + 1} ({self._interactions[i].label})" for i in unused)
            raise UnusedInteractions(
                f"{len(unused)} recorded interaction(s) of cassette {self.path} were never "
                f"played: {listed}",
                unused=unused,
            )

    def play(self, request: HTTPRequest) -> HTTPResponse:
        """The recorded answer to ``request``; raises CassetteMismatch when none fits."""
        answer = self.try_play(request)
        if answer is None:
            raise self._mismatch(_clean(request.body, "NoveroRequest")[0])
        return answer

    def try_play(self, request: HTTPRequest) -> HTTPResponse | None:
        """The recorded answer to ``request``, or None when no interaction fits."""
        shape = _Shape.of(_clean(request.body, "NoveroRequest")[0])
        with self._lock:
            index = self._choose(shape)
            if index is None:
                return None
            self._plays[index] += 1
            interaction = self._interactions[index]
        return interaction.replay(shape.ids)

    def _choose(self, shape: _Shape) -> int | None:
        fits = [i for i, it in enumerate(self._interactions) if it._shape.key == shape.key]
        fresh = [i for i in fits if not self._plays[i]]
        if self.match_order:
            following = next((i for i, plays in enumerate(self._plays) if not plays), None)
            if following is not None:
                return following if following in fits else None
        elif fresh:
            return fresh[0]
        return fits[-1] if fits and self.allow_repeats else None

    def _mismatch(self, cleaned: str) -> CassetteMismatch:
        shape = _Shape.of(cleaned)
        with self._lock:
            interactions = list(self._interactions)
            plays = list(self._plays)
        asked = ", ".join(_operations(cleaned)) or "a request that is not a NoveroRequest"
        headline = f"cassette {self.path} has no answer for this request ({asked})"
        hint = (
            f"To record it, pass mode='new_episodes' or set {RECORD_ENV}=new_episodes "
            "(mode 'all' records the whole cassette afresh)."
        )
        if not interactions:
            return CassetteMismatch(f"{headline}: it holds no interactions.\n{hint}")
        live = shape.lines()
        fits = [i for i, it in enumerate(interactions) if it._shape.key == shape.key]
        if self.match_order:
            index = next((i for i, n in enumerate(plays) if not n), len(interactions) - 1)
            reason = f"with match_order=True it must match the next interaction, #{index + 1}"
        elif fits:
            index = fits[-1]
            reason = (
                f"interaction #{index + 1} matches but was already played "
                "(pass allow_repeats=True to play it again)"
            )
        else:
            ratios = [
                difflib.SequenceMatcher(None, it._shape.lines(), live).ratio()
                for it in interactions
            ]
            index = max(range(len(interactions)), key=ratios.__getitem__)
            reason = f"no interaction matches; the closest is #{index + 1}"
        closest = interactions[index]
        diff = "\n".join(
            difflib.unified_diff(
                closest._shape.lines(),
                live,
                fromfile=f"recorded #{index + 1} ({closest.label})",
                tofile="live request",
                lineterm="",
            )
        )
        diff = diff or "(no difference: the recorded request is the same)"
        return CassetteMismatch(
            f"{headline}: {reason}.\n"
            f"Diff, with request ids masked by position and secrets as {MASK}:\n"
            f"{diff}\n{hint}",
            diff=diff,
        )

    def record(self, request: HTTPRequest, response: HTTPResponse) -> Interaction:
        """Add one live exchange (counted as played) and save the cassette."""
        interaction = Interaction.record(request, response)
        with self._lock:
            self._interactions.append(interaction)
            self._plays.append(1)
            self._save_locked()
        return interaction

    def save(self) -> None:
        """Write the cassette file atomically (a reader never sees half of it)."""
        with self._lock:
            self._save_locked()

    def _save_locked(self) -> None:
        document = {
            "format": _FORMAT,
            "version": CASSETTE_VERSION,
            "interactions": [interaction.to_json() for interaction in self._interactions],
        }
        text = json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(
            dir=self.path.parent, prefix=self.path.name, suffix=".tmp"
        )
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
            os.replace(temporary, self.path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def __repr__(self) -> str:
        return f"Cassette({str(self.path)!r}, interactions={len(self._interactions)})"
