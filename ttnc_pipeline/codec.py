"""The wire format, both directions, with no I/O.

- :func:`encode_batch` / :func:`decode_batch`: ``<NoveroRequest>``
  (the client encodes, the sandbox decodes);
- :func:`encode_reply` / :func:`decode_reply`: ``<NoveroResponse>``
  (the sandbox encodes, the client decodes); :func:`encode_response`,
  :func:`encode_bare_response` and :func:`reply_document` are its parts,
  for a server writing answers one by one.

Encoding writes strings directly (names were validated when the
:class:`~ttnc_pipeline.core.Request` was built), so output is deterministic
and fast. Decoding treats every byte as hostile: a size cap is checked
before parsing; a first expat pass reads only the prolog and stops at the
first document type declaration, before a single entity is declared or
expanded (entity bombs, external entities, DTDs); the tree is then built at
C speed, in one call; a depth cap is checked after parsing. One shortcut:
:func:`decode_batch` reads a request document in the flat shape
:func:`encode_batch` writes with regular expressions that admit nothing
but plain, well-formed XML (no DTD, reference or markup in values), and
leaves every other document to the tree; tests hold both readings equal.
Every failure is one :class:`~ttnc_pipeline.errors.ProtocolError` with a
short redacted excerpt.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from itertools import chain, compress
from operator import itemgetter
from typing import Any
from xml.etree.ElementTree import Element, ParseError, TreeBuilder, XMLParser
from xml.parsers import expat

from ttnc_pipeline._content import ATTRIBUTES_KEY, TEXT_KEY
from ttnc_pipeline.core import (
    _CHECKED_NAMES,
    Batch,
    ParamValue,
    Reply,
    Request,
    Response,
    _decoded_responses,
    _parsed_request,
    check_name,
    normalise_value,
)
from ttnc_pipeline.errors import InvalidRequest, ProtocolError
from ttnc_pipeline.redaction import redact_text

__all__ = [
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_SIZE",
    "DEFAULT_MAX_VALUE",
    "build_element",
    "decode_batch",
    "decode_reply",
    "encode_bare_response",
    "encode_batch",
    "encode_reply",
    "encode_response",
    "excerpt",
    "parse_document",
    "reply_document",
]

DEFAULT_MAX_SIZE = 50 * 1024 * 1024
"""Largest body decoded, in bytes (50 MiB)."""

DEFAULT_MAX_DEPTH = 64
"""Deepest element nesting accepted (TTNC's documents are about 5 deep)."""

DEFAULT_MAX_VALUE = 1024 * 1024
"""Longest stretch without markup accepted: one text or attribute value (1 MiB).

TTNC's values are numbers, names and prices; a megabyte-long one is an
attack (an 8 MiB attribute costs expat 40 MiB and a sixth of a second).
"""

_PROLOG = '<?xml version="1.0" encoding="UTF-8"?>\n'
_EXCERPT_CHARS = 160
# ASCII digits only: int() would also take "2_00", " +200" or Arabic-Indic digits.
_CODE_RE = re.compile(r"[0-9]{1,9}\Z")
_CHILDREN = itemgetter(slice(None))  # element[:], a list of its children
_COUNTED = 4096  # the longest body whose "<" are counted (parse_document)
_WIDE_LEVEL = 1024  # a level this wide makes _nests_deeper count the whole tree
# Codes seen on nearly every response, read without the regex and int().
_USUAL_CODES = {str(code): code for code in (200, 400, 401, 404, 500)}


# --- encoding ---------------------------------------------------------------


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\r" in text:
        # A raw CR would come back as LF (XML end-of-line handling).
        text = text.replace("\r", "&#13;")
    return text


_ATTR_SPECIAL_RE = re.compile('[&<>"\r\n\t]')
"""What _escape_attr changes: a value without any is written as it is."""


def _escape_attr(text: str) -> str:
    text = _escape_text(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text:
        text = text.replace("\n", "&#10;")
    if "\t" in text:
        text = text.replace("\t", "&#9;")
    return text


def _scalar_text(value: ParamValue) -> str:
    if isinstance(value, str):
        return _escape_text(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    raise AssertionError(f"unexpected value {type(value).__name__}")  # pragma: no cover


def _write_param(out: list[str], key: str, value: ParamValue) -> None:
    if isinstance(value, str):
        out.append(f"<{key}>{_escape_text(value)}</{key}>" if value else f"<{key}/>")
    elif value is None:
        out.append(f"<{key}/>")
    elif isinstance(value, tuple | list):
        for item in value:
            _write_param(out, key, item)
    elif isinstance(value, Mapping):
        inner: list[str] = []
        for child_key, child in value.items():
            _write_param(inner, child_key, child)
        # Nothing inside is an empty element, which decodes as "" like any other.
        out.append(f"<{key}>{''.join(inner)}</{key}>" if inner else f"<{key}/>")
    else:
        out.append(f"<{key}>{_scalar_text(value)}</{key}>")


def encode_batch(batch: Batch) -> bytes:
    """Serialise a batch as a ``NoveroRequest`` document (UTF-8, deterministic)."""
    out = [_PROLOG, "<NoveroRequest>"]
    if batch.session_id is not None:
        out.append(f"<SessionId>{_escape_text(batch.session_id)}</SessionId>")
    for request in batch.requests:
        if request.id is not None:
            opening = f'<Request target="{request.target}" name="{request.name}" id="{request.id}"'
        else:
            opening = f'<Request target="{request.target}" name="{request.name}"'
        inner: list[str] = []
        for key, value in request.params.items():
            if value.__class__ is str and value:  # the usual case, as _write_param writes it
                if not value.isalnum():  # letters and digits need no escaping
                    value = _escape_text(value)
                inner.append(f"<{key}>{value}</{key}>")
            else:
                _write_param(inner, key, value)
        if inner:
            out.append(opening + ">")
            out.extend(inner)
            out.append("</Request>")
        else:  # no parameters, or only empty lists
            out.append(opening + "/>")
    out.append("</NoveroRequest>\n")
    return "".join(out).encode("utf-8")


def _write_element(
    out: list[str], element: Element, attrib: Mapping[str, str] | None = None
) -> None:
    tag = element.tag
    pairs = (element.attrib if attrib is None else attrib).items()
    attributes = "".join(f' {k}="{_escape_attr(v)}"' for k, v in pairs)
    text = element.text
    if not text and len(element) == 0:
        out.append(f"<{tag}{attributes}/>")
        return
    out.append(f"<{tag}{attributes}>")
    if text:
        out.append(_escape_text(text))
    for child in element:
        _write_element(out, child)
        if child.tail:
            out.append(_escape_text(child.tail))
    out.append(f"</{tag}>")


def encode_reply(reply: Reply) -> bytes:
    """Serialise a reply as a ``NoveroResponse`` document (UTF-8, deterministic)."""
    return reply_document([encode_response(response) for response in reply.responses])


def reply_document(responses: Iterable[str]) -> bytes:
    """A ``NoveroResponse`` document (UTF-8) around ``<Response>`` elements already written.

    For a server writing its answers one by one (:func:`encode_response`,
    :func:`encode_bare_response`); :func:`encode_reply` is this over a reply.
    """
    return f"{_PROLOG}<NoveroResponse>{''.join(responses)}</NoveroResponse>\n".encode()


def encode_response(response: Response) -> str:
    """One ``<Response>`` element, as :func:`encode_reply` writes it."""
    element = response.element
    if element.tag != "Response" or len(element) or element.text or element.attrib:
        # The response's fields, not only its element, say what its attributes are.
        out: list[str] = []
        _write_element(out, element, response[ATTRIBUTES_KEY])
        return "".join(out)
    # Nothing inside and no attributes of its own: the fields are the whole of it.
    return encode_bare_response(response.target, response.name, response.code, response.request_id)


def encode_bare_response(
    target: str | None, name: str | None, code: int, request_id: str | None
) -> str:
    """A ``<Response>`` with nothing inside (a done ``SetDestination``), escaped as needed.

    What :func:`encode_response` writes for such a response, without the
    response object: a server answering many requests need not build one.
    None leaves an attribute out.
    """
    if (
        target.__class__ is str
        and target in _CHECKED_NAMES
        and name.__class__ is str
        and name in _CHECKED_NAMES
        and request_id is not None
        and not _ATTR_SPECIAL_RE.search(request_id)
    ):
        # All three present, none with anything to escape: a target and a
        # name (exact str, written as they compare) that passed check_name
        # cannot hold any (a set lookup each).
        return f'<Response target="{target}" name="{name}" Code="{code}" RequestId="{request_id}"/>'
    tag = "<Response"
    if target is not None:
        tag += f' target="{_escape_attr(target)}"'
    if name is not None:
        tag += f' name="{_escape_attr(name)}"'
    tag += f' Code="{code}"'
    if request_id is not None:
        tag += f' RequestId="{_escape_attr(request_id)}"'
    return tag + "/>"


def build_element(tag: str, data: Mapping[str, Any], attributes: Mapping[str, str]) -> Element:
    """Build an element from plain data (the reverse of reading a response).

    ``data`` follows the parameter rules; a ``'@attributes'`` key gives the
    element's attributes and ``'#text'`` its text. Names and text are
    validated exactly as for requests.
    """
    element = Element(
        tag, {check_name(k, "attribute name"): _text(v, k) for k, v in attributes.items()}
    )
    for key, value in data.items():
        if key == ATTRIBUTES_KEY:
            for name, text in dict(value).items():
                element.set(check_name(name, "attribute name"), _text(text, name))
        elif key == TEXT_KEY:
            element.text = _text(value, tag)
        else:
            _append_data(element, check_name(key, "element name"), value)
    return element


def _text(value: ParamValue, what: str) -> str:
    if value.__class__ is str and value.isascii() and value.isprintable():
        return value  # plain ASCII: what normalise_value would return
    value = normalise_value(value, what)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return repr(value)
    raise InvalidRequest(f"{what} must be text, not {type(value).__name__}")


def _append_data(parent: Element, key: str, value: Any) -> None:
    if isinstance(value, list | tuple):
        for item in value:
            _append_data(parent, key, item)
    elif isinstance(value, Mapping):
        parent.append(build_element(key, value, {}))
    else:
        child = Element(key)
        child.text = _text(value, key) or None
        parent.append(child)


# --- decoding ---------------------------------------------------------------


class _DoctypeRefused(Exception):
    pass


class _RootReached(Exception):
    pass


def _refuse_doctype(*_args: object) -> None:
    raise _DoctypeRefused


def _stop_at_root(*_args: object) -> None:
    raise _RootReached


# A prolog that cannot hold a DTD: at most an XML declaration naming UTF-8
# (or no encoding, which means UTF-8), whitespace, then the root's start tag.
# Matched on the raw bytes, it spares the expat pass for what TTNC and the
# sandbox send; anything else (a BOM, UTF-16, a comment, a PI, another
# encoding) takes the expat pass.
_PLAIN_PROLOG_RE = re.compile(
    rb"(?:<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(?:\"1\.[0-9]\"|'1\.[0-9]')"
    rb"(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(?:\"(?i:utf-8)\"|'(?i:utf-8)'))?"
    rb"[ \t\r\n]*\?>)?[ \t\r\n]*<[A-Za-z_]"
)


def _check_prolog(body: bytes) -> None:
    """Raise _DoctypeRefused if the prolog declares a document type.

    expat reports ``<!DOCTYPE`` before it reads a single declaration inside
    it, and a pyexpat handler that raises stops expat on the spot. With only
    these two handlers the pass costs a few microseconds: it ends at the
    root element's start tag, or at the first error (the full parse then
    reports that error, at the same place). This is what stops entity
    expansion (billion laughs, quadratic blowup), external and parameter
    entities and external DTDs before they begin.
    """
    if _PLAIN_PROLOG_RE.match(body):
        return  # the root starts right after the declaration: there is no room for a DTD
    checker = expat.ParserCreate()
    checker.StartDoctypeDeclHandler = _refuse_doctype
    checker.StartElementHandler = _stop_at_root
    try:
        checker.Parse(body, True)
    except (_RootReached, expat.ExpatError):
        return


def excerpt(body: bytes) -> str:
    """A short, redacted, printable start of a body, for error messages."""
    text = bytes(body[: _EXCERPT_CHARS * 4]).decode("utf-8", errors="replace")
    text = redact_text(text)
    # One line, nothing a terminal would act on (escape sequences, bells).
    text = " ".join(text.split())
    text = "".join(char if char.isprintable() else "\ufffd" for char in text)
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + "..."
    return text


def _long_run_without_markup(body: bytes, limit: int) -> int:
    """The length of a stretch of ``limit`` or more bytes with no ``<``, else 0.

    Attribute values and text cannot hold a ``<``, so any value that long
    is such a stretch, and any such stretch covers a whole aligned block of
    half its length: checking one block in each half-limit costs a few
    memchr calls, not a scan of the body in Python.
    """
    half = max(limit // 2, 1)
    size = len(body)
    for start in range(0, size, half):
        end = min(start + half, size)
        if body.find(b"<", start, end) != -1:
            continue
        after = body.find(b"<", end)
        run = (size if after == -1 else after) - body.rfind(b"<", 0, start) - 1
        if run >= limit:
            return run
    return 0


def parse_document(
    body: bytes,
    root: str,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_value: int = DEFAULT_MAX_VALUE,
) -> Element:
    """Parse untrusted bytes into an element tree whose root is ``root``.

    Raises ProtocolError for anything that is not well-formed XML of that
    root, carries a DTD, is larger than ``max_size`` bytes (default
    :data:`DEFAULT_MAX_SIZE`, 50 MiB), holds a value (a stretch without
    ``<``) of ``max_value`` bytes or more (default
    :data:`DEFAULT_MAX_VALUE`, 1 MiB) or nests deeper than ``max_depth``
    elements (default :data:`DEFAULT_MAX_DEPTH`, 64).
    """
    if not isinstance(body, bytes | bytearray | memoryview):
        raise TypeError(f"body must be bytes, not {type(body).__name__}")
    body = bytes(body)
    if len(body) > max_size:
        raise ProtocolError(
            f"body of {len(body)} bytes is larger than the {max_size}-byte limit",
            excerpt=excerpt(bytes(body[:1024])),
        )
    if not body or body.isspace():  # not body.strip(), which copies a 10 MB body
        raise ProtocolError("empty body where a <" + root + "> document was expected")
    # A body shorter than max_value cannot hold a value that long.
    run = _long_run_without_markup(body, max_value) if len(body) >= max_value else 0
    if run:
        raise ProtocolError(
            f"a single value of {run} bytes is over the {max_value}-byte limit",
            excerpt=excerpt(body),
        )
    # The target is ElementTree's own TreeBuilder, not a subclass: only then
    # does the C parser build the tree without a Python call per element.
    # _check_prolog has refused any DOCTYPE by then: the full parse uses the
    # same expat on the same bytes, and a DOCTYPE can only come before the root.
    parser = XMLParser(target=TreeBuilder())
    try:
        _check_prolog(body)
        parser.feed(body)
        document: Element = parser.close()
    except _DoctypeRefused:
        raise ProtocolError(
            "document type declarations (DTDs, entities) are refused", excerpt=excerpt(body)
        ) from None
    except (ParseError, ValueError) as exc:
        raise ProtocolError(
            f"not well-formed XML ({type(exc).__name__}: {exc})", excerpt=excerpt(body)
        ) from None
    except LookupError as exc:  # pyexpat's answer to an encoding Python does not know
        raise ProtocolError(f"unreadable XML ({exc})", excerpt=excerpt(body)) from None
    if document.tag != root:
        raise ProtocolError(
            f"expected a <{root}> document, got <{document.tag}>", excerpt=excerpt(body)
        )
    # Nesting n levels deep takes n start tags and n - 1 end tags at least,
    # each with its own "<": a document with fewer than 2 * max_depth + 1
    # of them cannot nest too deep. Only a short body is counted: CPython
    # counts a single byte one byte at a time, which for a long one costs
    # more than the walk (8 instructions a byte).
    if len(body) <= _COUNTED and body.count(b"<") <= 2 * max_depth:
        return document
    if _nests_deeper(document, max_depth):
        raise ProtocolError(f"elements nest deeper than {max_depth} levels", excerpt=excerpt(body))
    return document


def _nests_deeper(document: Element, limit: int) -> bool:
    """Whether the tree under ``document`` (depth 1) has an element deeper than ``limit``.

    Level by level, all in C; only parents are followed down (``compress``
    drops the leaves). Once a level is wide, every element of the tree is
    counted, once: when the elements down to the next level account for all
    of them, there is nothing below it, and that level, a listing's 300,000
    leaves, is never copied into a list. A narrow tree (a deep chain) is
    never counted, so it costs only the ``limit`` levels the walk goes down.
    The count holds because ``iter()`` and ``len()`` read the same children,
    and the default TreeBuilder keeps no comments or processing instructions.
    """
    level = [document]  # every element at depth
    depth = seen = 1  # seen: the elements at depth or above
    total = 0  # every element in the tree, once counted
    while depth <= limit:
        lengths = list(map(len, level))
        below = sum(lengths)  # how many at depth + 1
        if not below:
            return False
        if not total and below >= _WIDE_LEVEL:
            total = len(list(document.iter()))
        if seen + below == total:
            return depth + 1 > limit
        level = list(chain.from_iterable(map(_CHILDREN, compress(level, lengths))))
        depth, seen = depth + 1, seen + below
    return True


def decode_reply(
    body: bytes,
    *,
    status: int = 200,
    headers: Mapping[str, str] | None = None,
    max_size: int = DEFAULT_MAX_SIZE,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_value: int = DEFAULT_MAX_VALUE,
    session_id: str | None = None,
) -> Reply:
    """Decode a ``NoveroResponse`` document into a :class:`Reply`.

    ``status`` (default 200), ``headers`` (default none) and ``session_id``
    (the SessionId the request was sent under, default None) are kept on
    the reply; ``max_size``, ``max_depth`` and ``max_value`` as for
    :func:`parse_document`.
    """
    document = parse_document(
        body, "NoveroResponse", max_size=max_size, max_depth=max_depth, max_value=max_value
    )

    def read_code(raw_code: str | None) -> int:
        if raw_code is None or not _CODE_RE.match(raw_code):
            shown = raw_code if raw_code is None or len(raw_code) <= 20 else raw_code[:20] + "..."
            raise ProtocolError(
                f"a <Response> has Code={shown!r}, not an integer", excerpt=excerpt(body)
            )
        return int(raw_code)

    responses = _decoded_responses(document, _USUAL_CODES, read_code)
    return Reply(responses, status, headers or {}, session_id=session_id)


def _param_value(element: Element) -> ParamValue:
    if len(element) == 0:
        return element.text or ""
    nested: dict[str, ParamValue] = {}
    for child in element:
        _add_param(nested, child)
    return nested


def _add_param(params: dict[str, ParamValue], element: Element) -> None:
    value = _param_value(element)
    key = element.tag
    if key not in params:
        params[key] = value
    elif isinstance(params[key], list):
        params[key].append(value)
    else:
        params[key] = [params[key], value]


def decode_batch(
    body: bytes,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> Batch:
    """Decode a ``NoveroRequest`` document into a :class:`Batch` (what the sandbox does).

    ``max_size`` and ``max_depth`` as for :func:`parse_document`. A document
    in the shape :func:`encode_batch` writes is read without building a tree
    (see :func:`_canonical_batch`); any other goes through
    :func:`parse_document`, and both readings give the same batch.
    """
    # Within the limits whatever its shape: no value can reach DEFAULT_MAX_VALUE
    # in a shorter body, and the shape is three levels deep.
    if (
        body.__class__ is bytes
        and len(body) < min(max_size + 1, DEFAULT_MAX_VALUE)
        and max_depth >= _CANONICAL_DEPTH
    ):
        batch = _canonical_batch(body)
        if batch is not None:
            return batch
    return _tree_batch(body, max_size=max_size, max_depth=max_depth)


def _tree_batch(body: bytes, *, max_size: int, max_depth: int) -> Batch:
    """decode_batch through the element tree: every document, every check, every error."""
    document = parse_document(body, "NoveroRequest", max_size=max_size, max_depth=max_depth)
    session_id: str | None = None
    requests: list[Request] = []
    for position, element in enumerate(document):
        if element.tag == "SessionId" and not requests and session_id is None:
            # Exactly as sent: what the encoder writes must come back unchanged.
            session_id = element.text or None
            continue
        if element.tag != "Request":
            raise ProtocolError(
                f"unexpected <{element.tag}> at position {position + 1} of <NoveroRequest>",
                excerpt=excerpt(body),
            )
        target, name = element.get("target"), element.get("name")
        if not target or not name:
            raise ProtocolError(
                f"<Request> number {len(requests) + 1} lacks a target or name attribute",
                excerpt=excerpt(body),
            )
        params: dict[str, ParamValue] = {}
        flat = True
        for child in element:
            key = child.tag
            if len(child) or key in params:
                _add_param(params, child)  # nested or repeated
                flat = False
            else:
                params[key] = child.text or ""
        try:
            if flat:  # the usual case: text values only, which need no freezing
                requests.append(_parsed_request(target, name, element.get("id"), params))
            else:
                requests.append(Request(target, name, element.get("id"), params))
        except InvalidRequest as exc:
            raise ProtocolError(str(exc), excerpt=excerpt(body)) from None
    return Batch(tuple(requests), session_id)


# The shape encode_batch writes for flat requests, read with regular
# expressions instead of a tree (three fifths of the tree's cost). The
# patterns admit only well-formed XML with nothing to expand or normalise:
# names in ASCII; attribute values that are such names, in double quotes, in
# the encoder's order; text without markup, references, CR or any character
# XML 1.0 refuses (so only what check_text accepts: a test holds it to that;
# without ">" no "]]>" can form); no whitespace between tags, no comment,
# PI, CDATA or DOCTYPE anywhere; at most three levels deep. Whatever else a
# document holds, _canonical_batch answers None and the tree reads it.
_XML_NAME = r"[A-Za-z_][A-Za-z0-9_.\-]*"
_PLAIN_CHARACTER = "[^<>&\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"
_CANONICAL_DEPTH = 3  # NoveroRequest, Request, parameter
_CANONICAL_HEAD = re.compile(
    r'(?:<\?xml version="1\.0" encoding="UTF-8"\?>\n)?<NoveroRequest>'
    rf"(?:<SessionId>({_PLAIN_CHARACTER}*)</SessionId>|<SessionId/>)?"
)


def _param_pattern(group: str, *, value: bool = True) -> str:
    """A parameter element, its name captured as ``group`` and its text as the next group.

    ``value=False`` leaves the text uncaptured.
    """
    text = f"({_PLAIN_CHARACTER}*)" if value else f"{_PLAIN_CHARACTER}*"
    return rf"<(?P<{group}>{_XML_NAME})(?:/>|>{text}</(?P={group})>)"


# One match per request, all found in one findall call. It captures the
# first two parameters (as many as most operations take) itself, and leaves
# any more, in group "more", to _CANONICAL_PARAM: a second regex call is
# what a request costs most. A request id is a name in full here (no "xml"
# prefix either), so it needs no check after. (No possessive repeats: the
# package supports Python 3.10, whose re has none.)
_CANONICAL_REQUEST = re.compile(
    rf'<Request target="({_XML_NAME})" name="({_XML_NAME})"'
    rf'(?: id="((?![Xx][Mm][Ll]){_XML_NAME})")?'
    r"(?:/>|>(?:"
    + _param_pattern("key")
    + "(?:"
    + _param_pattern("key2")
    + f"(?P<more>(?:{_param_pattern('other', value=False)})*)"
    + r")?)?</Request>)"
    # Where no request starts, the rest of the document is taken in one step
    # (a dot that matches anything jumps to the end): it ends the findall,
    # and only the last match can hold it.
    r"|((?s:.+))"
)
_CANONICAL_PARAM = re.compile(_param_pattern("key"))
_CANONICAL_ENDS = ("</NoveroRequest>\n", "</NoveroRequest>")


def _canonical_batch(body: bytes) -> Batch | None:
    """The batch of a document in encode_batch's flat shape, or None for any other.

    The whole document is matched (by one findall) before any request is
    built, so one that turns out not to be of the shape costs the tree
    little more; only a third or later parameter is read, and a repeated
    one found, while the requests are built. None also for a document
    whose requests :func:`_parsed_request` refuses: the tree then reads it
    again and raises the usual error.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = _CANONICAL_HEAD.match(text)
    if head is None:
        return None
    for ending in _CANONICAL_ENDS:
        if text.endswith(ending):
            end = len(text) - len(ending)
            break
    else:
        return None
    found = _CANONICAL_REQUEST.findall(text, head.end(), end)
    if found and found[-1][-1]:
        return None  # something other than a request
    requests: list[Request] = []
    try:
        for target, name, request_id, key, value, key2, value2, more, _, _ in found:
            if not key2:
                params = {key: value} if key else {}
            elif not more:
                params = {key: value, key2: value2}
                if len(params) < 2:
                    return None  # a repeated parameter: a list, which the tree builds
            else:
                pairs = _CANONICAL_PARAM.findall(more)
                params = {key: value, key2: value2, **dict(pairs)}
                if len(params) < 2 + len(pairs):
                    return None
            requests.append(
                _parsed_request(target, name, request_id or None, params, id_checked=True)
            )
    except InvalidRequest:
        return None
    return Batch(tuple(requests), head.group(1) or None)
