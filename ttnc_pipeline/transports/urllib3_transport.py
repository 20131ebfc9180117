"""The default transport: urllib3 connections kept alive, verified TLS and no surprises.

Nothing is retried or redirected here: the retry middleware decides,
knowing each operation's safety, and a redirect is answered to the caller
as it came (credentials never follow one to another host). Every failure
becomes one of two errors, by whether the request left:

- :class:`~ttnc_pipeline.errors.RequestNotSent`: connection refused, DNS,
  connect timeout, TLS handshake, no connection free in time;
- :class:`~ttnc_pipeline.errors.OutcomeUnknown`: read timeout, reset or
  truncation after sending, the total deadline passing mid-answer.

Straight to TTNC, urllib3 opens each connection (TLS and its checks
included), the POST is written to it in one piece (:mod:`._connections`)
and the answer is read from the socket, framed as HTTP/1.1 says
(:mod:`._answer`); through a proxy, urllib3's ``ProxyManager`` carries it.
The answer must not be content-encoded: the request says
``Accept-Encoding: identity``, and anything else is refused rather than
inflated.

The body is read in chunks so that the size cap holds while it arrives,
and every read of the answer, status line and headers included, is bounded
by the time left on the call (:mod:`._deadline`): a slow drip cannot
outlast the deadline, however punctual each byte.
"""

from __future__ import annotations

import http.client
import platform
import ssl
import time
import urllib.parse
import warnings
from collections.abc import Callable, Mapping
from importlib import metadata
from typing import Any

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    EmptyPoolError,
    HTTPError,
    InsecureRequestWarning,
    NewConnectionError,
    ProxyError,
    SSLError,
)

from ttnc_pipeline._version import __version__
from ttnc_pipeline.codec import DEFAULT_MAX_SIZE
from ttnc_pipeline.core import HTTPRequest, HTTPResponse
from ttnc_pipeline.errors import OutcomeUnknown, ProtocolError, RequestNotSent
from ttnc_pipeline.transports._answer import (
    BadAnswer,
    CutShort,
    Interrupted,
    NoAnswer,
    TooLarge,
    read_answer,
)
from ttnc_pipeline.transports._connections import (
    HostConnections,
    header_lines,
    merge_headers,
    request_head,
    tls_options,
)
from ttnc_pipeline.transports._deadline import POOL_CLASSES, answer_deadline

__all__ = ["USER_AGENT", "Urllib3Transport"]

_VERSIONS = (
    f"ttnc-pipeline/{__version__}",
    f"urllib3/{metadata.version('urllib3')}",
    f"python/{platform.python_version()}",
)
USER_AGENT = " ".join(_VERSIONS)
"""The ``User-Agent`` every request carries."""

_DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Content-Type": "text/xml; charset=utf-8",
    "Accept": "text/xml",
    "Accept-Encoding": "identity",
}
_NOT_SENT = (NewConnectionError, ConnectTimeoutError, ProxyError, EmptyPoolError)
# TLS errors that can only happen before the request is written: certificate
# checks and the handshake. Any other TLS error may come while the answer is
# read, after TTNC has acted, so it counts as an unknown outcome.
_HANDSHAKE_WORDS = ("certificate", "handshake", "wrong_version_number", "unknown_protocol")


def _tls_before_sending(exc: SSLError) -> bool:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError | ssl.CertificateError):
            return True
        cause = (
            cause.__cause__
            or cause.__context__
            or next((a for a in getattr(cause, "args", ()) if isinstance(a, BaseException)), None)
        )
    text = str(exc).lower()
    return any(word in text for word in _HANDSHAKE_WORDS)


_CHUNK = 256 * 1024


class Urllib3Transport:
    """POSTs to one URL through a urllib3 pool kept for the transport's life.

    Options, with their defaults:

    - ``connect_timeout`` 10 s, ``read_timeout`` 120 s (each bounded by the
      time left for the call);
    - ``pool_maxsize`` 10: connections kept alive, and the most open at once
      (threads beyond it wait for a free one);
    - ``verify`` True: check TLS certificates; ``ca_certs`` a CA bundle path,
      or ``ssl_context`` a ready :class:`ssl.SSLContext`;
    - ``proxy_url`` None: send through this HTTP(S) proxy, with
      ``proxy_headers`` None (e.g. ``Proxy-Authorization``);
    - ``max_response_size`` 50 MiB: a longer answer is refused while reading;
    - ``headers`` None: extra request headers.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 120.0,
        pool_maxsize: int = 10,
        verify: bool = True,
        ca_certs: str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        proxy_url: str | None = None,
        proxy_headers: Mapping[str, str] | None = None,
        max_response_size: int = DEFAULT_MAX_SIZE,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        if not url.startswith(("http://", "https://")):
            raise ValueError(f"url must start with http:// or https://, not {url!r}")
        self.url = url
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.max_response_size = max_response_size
        self._headers = merge_headers(_DEFAULT_HEADERS, headers or {})
        header_lines(self._headers)  # checked now, whichever path sends them
        if not verify:
            warnings.warn(
                f"TLS certificates of {self._where()} will not be checked (verify=False)",
                InsecureRequestWarning,
                stacklevel=2,
            )
        tls = tls_options(verify=verify, ca_certs=ca_certs, ssl_context=ssl_context)
        pool_options: dict[str, Any] = {"maxsize": pool_maxsize, "block": True, **tls}
        self._pool: urllib3.PoolManager
        if proxy_url:
            self._pool = urllib3.ProxyManager(
                proxy_url, proxy_headers=dict(proxy_headers or {}), **pool_options
            )
        else:
            self._pool = urllib3.PoolManager(**pool_options)
        self._pool.pool_classes_by_scheme = POOL_CLASSES
        parts = urllib.parse.urlsplit(url)
        self._path = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        self._pool_maxsize = pool_maxsize
        self._direct: HostConnections | None = None
        if not proxy_url:
            https = parts.scheme == "https"
            host, default_port = parts.hostname or "localhost", 443 if https else 80
            port = parts.port or default_port
            self._direct = HostConnections(
                host,
                port,
                pool_maxsize,
                tls if https else None,
            )
            # Rendered (and checked) once: every POST starts with these bytes.
            self._request_line = request_head(self._path, host, port, default_port)
            self._head = self._request_line + header_lines(self._headers)

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """POST the body and return the whole answer (redirects are not followed)."""
        started = time.monotonic()
        budget = request.timeout
        if budget is not None and budget <= 0:
            raise RequestNotSent("the call's deadline passed before the request was sent")
        connect = self.connect_timeout if budget is None else min(self.connect_timeout, budget)
        read = self.read_timeout if budget is None else min(self.read_timeout, budget)
        if self._direct is not None:
            return self._send_direct(self._direct, request, started, budget, connect, read)
        return self._send_proxied(request, started, budget, connect, read)

    def _send_direct(
        self,
        hosts: HostConnections,
        request: HTTPRequest,
        started: float,
        budget: float | None,
        connect: float,
        read: float,
    ) -> HTTPResponse:
        head = self._head
        if request.headers:  # per-call headers replace the transport's own
            head = self._request_line + header_lines(merge_headers(self._headers, request.headers))
        connection: http.client.HTTPConnection | None = None
        reuse = False
        try:
            connection = hosts.take(connect)
            if connection is None:
                raise RequestNotSent(
                    f"could not reach {self._where()}: all {self._pool_maxsize} connections "
                    f"stayed busy for {connect:.1f} s"
                )
            try:
                hosts.connect(connection, connect)
            except Exception as exc:  # DNS, TCP, TLS: nothing has left
                raise RequestNotSent(f"could not reach {self._where()}: {_reason(exc)}") from exc
            if budget is not None and time.monotonic() - started >= budget:
                raise RequestNotSent(
                    "the call's deadline passed while connecting; the request was not sent"
                )
            sock = connection.sock
            assert sock is not None
            sock.settimeout(read)
            body = request.body
            try:
                # One write, head and body; then the answer, read under the deadline.
                sock.sendall(b"%sContent-Length: %d\r\n\r\n%s" % (head, len(body), body))
                answer = read_answer(
                    sock,
                    when=None if budget is None else started + budget,
                    limit=self.max_response_size,
                    check_head=_refuse_encoded_head,
                )
            except TooLarge as exc:
                raise ProtocolError(str(exc), status=exc.status) from None
            except (CutShort, Interrupted) as exc:
                reason = _reason(exc.error) if isinstance(exc, Interrupted) else str(exc)
                raise OutcomeUnknown(
                    _late(started, budget) or f"the answer was cut short: {reason}",
                    status=exc.status,
                ) from exc
            except BadAnswer as exc:
                if exc.status is None:
                    raise OutcomeUnknown(f"sent, but the answer was not HTTP/1.x: {exc}") from exc
                raise OutcomeUnknown(
                    f"the answer's body is not framed as HTTP/1.1 says: {exc}", status=exc.status
                ) from exc
            except NoAnswer as exc:
                raise OutcomeUnknown(f"sent, but no answer came back: {exc}") from exc
            except OSError as exc:
                raise OutcomeUnknown(
                    _late(started, budget) or f"sent, but no answer came back: {_reason(exc)}"
                ) from exc
            reuse = answer.reusable
            return HTTPResponse(answer.status, answer.headers, answer.body)
        finally:
            if connection is not None:
                hosts.give_back(connection, reuse=reuse)

    def _send_proxied(
        self,
        request: HTTPRequest,
        started: float,
        budget: float | None,
        connect: float,
        read: float,
    ) -> HTTPResponse:
        try:
            with answer_deadline(None if budget is None else started + budget):
                response = self._pool.urlopen(
                    "POST",
                    self.url,
                    body=request.body,
                    headers=merge_headers(self._headers, request.headers),
                    retries=False,
                    redirect=False,
                    preload_content=False,
                    decode_content=False,
                    timeout=urllib3.Timeout(connect=connect, read=read),
                    pool_timeout=connect,
                )
        except _NOT_SENT as exc:
            raise RequestNotSent(f"could not reach {self._where()}: {_reason(exc)}") from exc
        except SSLError as exc:
            if _tls_before_sending(exc):
                raise RequestNotSent(f"could not reach {self._where()}: {_reason(exc)}") from exc
            raise OutcomeUnknown(f"TLS failed after sending: {_reason(exc)}") from exc
        except HTTPError as exc:
            raise OutcomeUnknown(
                _late(started, budget) or f"sent, but no answer came back: {_reason(exc)}"
            ) from exc
        try:
            body = self._read_whole(
                response.read1, response.headers.get, response.status, started, budget, (HTTPError,)
            )
        except BaseException:
            response.close()
            response.release_conn()
            raise
        response.release_conn()
        return HTTPResponse(response.status, dict(response.headers), body)

    def _read_whole(
        self,
        read1: Callable[[int], bytes],
        header: Callable[[str], str | None],
        status: int,
        started: float,
        budget: float | None,
        broken: tuple[type[BaseException], ...],
    ) -> bytes:
        """The body, not content-encoded; ``broken`` errors while reading: an unknown outcome."""
        _refuse_encoded(header("Content-Encoding"), status)
        try:
            return self._read_capped(read1, header("Content-Length") or "", status, started, budget)
        except broken as exc:
            raise OutcomeUnknown(
                _late(started, budget) or f"the answer was cut short: {_reason(exc)}"
            ) from exc

    def _read_capped(
        self,
        read1: Callable[[int], bytes],
        declared: str,
        status: int,
        started: float,
        budget: float | None,
    ) -> bytes:
        """The whole body, refused once it is over the size cap or the deadline passes."""
        limit = self.max_response_size
        if declared.isdigit() and int(declared) > limit:
            raise ProtocolError(
                f"the answer declares {declared} bytes, over the {limit}-byte limit",
                status=status,
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = read1(_CHUNK)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > limit:
                raise ProtocolError(
                    f"the answer is larger than the {limit}-byte limit", status=status
                )
            chunks.append(chunk)
            if budget is not None and time.monotonic() - started > budget:
                raise OutcomeUnknown(
                    f"the call's deadline of {budget:.1f} s passed while the answer "
                    f"was still arriving ({size} bytes so far)"
                )

    def _where(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.netloc.rpartition("@")[2]  # never a user:password@ in a message
        return parts._replace(netloc=netloc, query="", fragment="").geturl()

    def close(self) -> None:
        """Close every idle connection (a later call opens new ones)."""
        if self._direct is not None:
            self._direct.clear()
        self._pool.clear()

    def __enter__(self) -> Urllib3Transport:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Urllib3Transport({self._where()!r})"


def _refuse_encoded_head(status: int, headers: dict[str, str]) -> None:
    """The reader's check of a head, before the body: no content encoding."""
    _refuse_encoded(headers.get("content-encoding"), status)


def _refuse_encoded(encoding: str | None, status: int) -> None:
    """Refuse a content-encoded answer: it was not asked for, and would be inflated unbounded."""
    name = (encoding or "identity").strip().lower()
    if name not in ("", "identity"):
        raise ProtocolError(
            f"the answer is {name[:40]}-encoded, though only identity was accepted",
            status=status,
        )


def _late(started: float, budget: float | None) -> str | None:
    """The message for an answer the call's deadline cut short, or None if time remains."""
    if budget is None or time.monotonic() - started < budget:
        return None
    return f"the call's deadline of {budget:.1f} s passed before the whole answer arrived"


def _reason(exc: BaseException) -> str:
    """A short description of a urllib3 error, without its object reprs."""
    inner = exc
    while inner.args and isinstance(inner.args[-1], BaseException):
        inner = inner.args[-1]
    text = str(inner) or type(inner).__name__
    return f"{type(inner).__name__}: {text}"[:200]
