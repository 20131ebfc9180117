"""Hostile response bodies: what a broken, hijacked or malicious server could send.

Each constant is one complete HTTP response body, as bytes, and
:data:`VECTORS` names them all, so a test can walk every attack at once::

    for name, body in VECTORS.items():
        with pytest.raises(ProtocolError):
            decode_reply(body)

Every vector except the ones named in :data:`WELL_FORMED` must end in
:class:`~ttnc_pipeline.errors.ProtocolError`. Sizes are parameters, so the
two size attacks are functions: :func:`oversize` and :func:`gzip_bomb`.

Every URL in these documents points at ``127.0.0.1`` port 9 (the discard
port, where nothing normally listens). A test that wants to prove nothing
is fetched can replace ``b"127.0.0.1:9/"`` with the address of a listener
of its own and check that no connection arrived.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from types import MappingProxyType

__all__ = [
    "BILLION_LAUGHS",
    "DEEP_NESTING",
    "EXTERNAL_DTD",
    "EXTERNAL_ENTITY_FILE",
    "EXTERNAL_ENTITY_HTTP",
    "HTML_ERROR_PAGE",
    "HUGE_ATTRIBUTE",
    "NON_INTEGER_CODE",
    "PARAMETER_ENTITY",
    "QUADRATIC_BLOWUP",
    "TRUNCATED_ENVELOPE",
    "VECTORS",
    "WELL_FORMED",
    "WRONG_ROOT",
    "gzip_bomb",
    "oversize",
]

_PROLOG = b'<?xml version="1.0" encoding="UTF-8"?>\n'


def _login_answer(session_id: bytes) -> bytes:
    # The entity attacks land their payload where a client reads a value.
    return (
        b"<NoveroResponse>"
        b'<Response target="Auth" name="SessionLogin" Code="200" RequestId="SessionRequest">'
        b"<SessionId>" + session_id + b"</SessionId>"
        b"</Response>"
        b"</NoveroResponse>\n"
    )


def _laughs() -> bytes:
    declarations = [b'<!ENTITY lol0 "lol">']
    for level in range(1, 10):
        reference = b"&lol%d;" % (level - 1)
        declarations.append(b'<!ENTITY lol%d "%s">' % (level, reference * 10))
    return (
        _PROLOG
        + b"<!DOCTYPE NoveroResponse [\n  "
        + b"\n  ".join(declarations)
        + b"\n]>\n"
        + _login_answer(b"&lol9;")
    )


BILLION_LAUGHS: bytes = _laughs()
"""Nine levels of entities, each ten of the one before: about 3 GB once expanded."""

QUADRATIC_BLOWUP: bytes = (
    _PROLOG
    + b'<!DOCTYPE NoveroResponse [<!ENTITY a "'
    + b"A" * 20_000
    + b'">]>\n'
    + _login_answer(b"&a;" * 20_000)
)
"""One 20 kB entity referenced 20,000 times: 400 MB from an 80 kB body, no nesting needed."""

EXTERNAL_ENTITY_FILE: bytes = (
    _PROLOG
    + b'<!DOCTYPE NoveroResponse [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    + _login_answer(b"&xxe;")
)
"""An external entity naming a local file, whose content would surface as the SessionId."""

EXTERNAL_ENTITY_HTTP: bytes = (
    _PROLOG
    + b'<!DOCTYPE NoveroResponse [<!ENTITY xxe SYSTEM "http://127.0.0.1:9/x">]>\n'
    + _login_answer(b"&xxe;")
)
"""An external entity naming a URL: a parser that resolves it makes a request (SSRF)."""

PARAMETER_ENTITY: bytes = (
    _PROLOG
    + b"<!DOCTYPE NoveroResponse [\n"
    + b'  <!ENTITY % remote SYSTEM "http://127.0.0.1:9/param.dtd">\n'
    + b"  %remote;\n"
    + b"]>\n"
    + _login_answer(b"696dc3d523ce992bd21c028df2c79fe4")
)
"""A parameter entity that pulls a remote DTD into the internal subset (blind XXE)."""

EXTERNAL_DTD: bytes = (
    _PROLOG
    + b'<!DOCTYPE NoveroResponse SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
    + _login_answer(b"696dc3d523ce992bd21c028df2c79fe4")
)
"""A document type that lives at a URL: a validating parser would fetch it."""

DEEP_NESTING: bytes = (
    _PROLOG
    + b'<NoveroResponse><Response target="NoveroNumbers" name="ListNumbers" Code="200"'
    + b' RequestId="Request1">'
    + b"<Numbers>" * 10_000
    + b"</Numbers>" * 10_000
    + b"</Response></NoveroResponse>\n"
)
"""10,000 nested elements: enough to exhaust any recursive reader of the tree."""

HUGE_ATTRIBUTE: bytes = (
    _PROLOG
    + b'<NoveroResponse><Response target="NoveroNumberSearch" name="Search" Code="200"'
    + b' RequestId="Request1"><BandCounts><BandCount Band="'
    + b"0" * (8 * 1024 * 1024)
    + b'">7,859</BandCount></BandCounts></Response></NoveroResponse>\n'
)
"""A well-formed envelope whose one attribute is 8 MiB long.

Harmless when parsed in one call; a parser fed in small chunks re-scans the
unfinished token each time (CVE-2023-52425) and takes quadratic time. It
is within the default size cap, so a decoder may accept it: it is listed
in :data:`WELL_FORMED`.
"""

HTML_ERROR_PAGE: bytes = (
    b"<html>\r\n"
    b"<head><title>502 Bad Gateway</title></head>\r\n"
    b"<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n"
    b"<hr><center>nginx</center>\r\n"
    b"</body>\r\n"
    b"</html>\r\n"
)
"""A proxy's error page (nginx's own 502), which is not XML: ``<hr>`` never closes."""

TRUNCATED_ENVELOPE: bytes = (
    b'<?xml version="1.0"?>\n'
    b"<NoveroResponse>\n"
    b'    <Response target="Auth" name="SessionLogin" Code="200" RequestId="SessionRequest">\n'
    b"        <SessionId>696dc3d523ce99"
)
"""A login answer cut off inside the SessionId (a dropped connection)."""

WRONG_ROOT: bytes = (
    b'<?xml version="1.0"?>\n'
    b"<NoveroRequest>\n"
    b'    <Request target="Auth" name="SessionLogin" id="SessionRequest">\n'
    b"        <Username>user@example.com</Username>\n"
    b"        <Password>hunter2</Password>\n"
    b"        <VKey>a75ac3289b7a145579bec8ad5ec60a</VKey>\n"
    b"    </Request>\n"
    b"</NoveroRequest>\n"
)
"""The request echoed back (a misconfigured proxy or mock), secrets included."""

NON_INTEGER_CODE: bytes = (
    b'<?xml version="1.0"?>\n'
    b"<NoveroResponse>\n"
    b'    <Response target="Auth" name="SessionLogin" Code="OK" RequestId="SessionRequest">\n'
    b"        <SessionId>696dc3d523ce992bd21c028df2c79fe4</SessionId>\n"
    b"    </Response>\n"
    b"</NoveroResponse>\n"
)
"""A well-formed envelope whose ``Code`` is not a number."""

VECTORS: Mapping[str, bytes] = MappingProxyType(
    {
        "billion_laughs": BILLION_LAUGHS,
        "quadratic_blowup": QUADRATIC_BLOWUP,
        "external_entity_file": EXTERNAL_ENTITY_FILE,
        "external_entity_http": EXTERNAL_ENTITY_HTTP,
        "parameter_entity": PARAMETER_ENTITY,
        "external_dtd": EXTERNAL_DTD,
        "deep_nesting": DEEP_NESTING,
        "huge_attribute": HUGE_ATTRIBUTE,
        "html_error_page": HTML_ERROR_PAGE,
        "truncated_envelope": TRUNCATED_ENVELOPE,
        "wrong_root": WRONG_ROOT,
        "non_integer_code": NON_INTEGER_CODE,
    }
)
"""Every named vector above, by a short snake_case name (read-only)."""

WELL_FORMED: frozenset[str] = frozenset({"huge_attribute"})
"""Names of the vectors that are valid ``NoveroResponse`` envelopes.

A decoder may accept these (and must then read them whole); every other
vector must be refused. ttnc_pipeline's decoder refuses ``huge_attribute``
too, for its one value over :data:`~ttnc_pipeline.codec.DEFAULT_MAX_VALUE`.
"""


# --- sizes ------------------------------------------------------------------

_BIG_HEAD = (
    _PROLOG
    + b'<NoveroResponse><Response target="NoveroNumbers" name="ListNumbers" Code="200"'
    + b' RequestId="Request1"><Numbers>'
)
_BIG_RECORD = b"<Number><RawNumber>02031511000</RawNumber><band>00</band></Number>"
_BIG_TAIL = b"</Numbers></Response></NoveroResponse>\n"
_CHUNK_RECORDS = (1024 * 1024) // len(_BIG_RECORD)


def _layout(size: int) -> tuple[int, int]:
    """How many records and padding spaces make a body of exactly ``size`` bytes."""
    room = size - len(_BIG_HEAD) - len(_BIG_TAIL)
    if room < 0:
        raise ValueError(f"size must be at least {len(_BIG_HEAD) + len(_BIG_TAIL)} bytes")
    return divmod(room, len(_BIG_RECORD))


def oversize(size: int) -> bytes:
    """A well-formed ``ListNumbers`` answer of exactly ``size`` bytes.

    Numbers are repeated until the body is full (spaces pad the last few
    bytes), so the same body is accepted under a limit of ``size`` bytes and
    refused under ``size - 1``. Raises ValueError below the envelope's own
    length (under 300 bytes).
    """
    records, spaces = _layout(size)
    return b"".join((_BIG_HEAD, _BIG_RECORD * records, b" " * spaces, _BIG_TAIL))


def gzip_bomb(size: int) -> bytes:
    """``oversize(size)`` gzip-compressed, built without holding it in memory.

    The result is about 300 times smaller than ``size`` (16 MiB from 56 kB);
    a transport that inflates ``Content-Encoding: gzip`` without a limit on
    the inflated size lets a few megabytes become gigabytes. The output is
    deterministic (no timestamp in the gzip header).
    """
    records, spaces = _layout(size)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)  # 16+: gzip container
    parts = [compressor.compress(_BIG_HEAD)]
    chunk = _BIG_RECORD * _CHUNK_RECORDS
    whole_chunks, rest = divmod(records, _CHUNK_RECORDS)
    for _ in range(whole_chunks):
        parts.append(compressor.compress(chunk))
    parts.append(compressor.compress(_BIG_RECORD * rest + b" " * spaces + _BIG_TAIL))
    parts.append(compressor.flush())
    return b"".join(parts)
