"""The Client: one pipeline, one transport, one session store, shared by threads.

::

    Client.send(batch)
       └── correlation → [your middleware] → logging → session → auth → retry
              → [codec] → transport

The chain is composed once, at construction; :meth:`Client.send` adds the
per-call options (batch id, deadline, retry override) and runs it. Every
part is a constructor argument with a default, so swapping the transport
or adding a middleware is one argument.
"""

from __future__ import annotations

import itertools
import os
import urllib.parse
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from ttnc_pipeline.clock import Clock, SystemClock
from ttnc_pipeline.codec import DEFAULT_MAX_DEPTH, DEFAULT_MAX_SIZE
from ttnc_pipeline.codec_step import CodecStep
from ttnc_pipeline.conventions import DEFAULT_ENDPOINT, SESSION_LIFETIME
from ttnc_pipeline.core import (
    Batch,
    Middleware,
    ParamValue,
    Reply,
    Request,
    Response,
    Transport,
    _request_with_new_id,
)
from ttnc_pipeline.errors import InvalidRequest
from ttnc_pipeline.middleware import (
    AuthMiddleware,
    CorrelationMiddleware,
    Credentials,
    LoggingMiddleware,
    RetryMiddleware,
    SessionMiddleware,
)
from ttnc_pipeline.middleware.correlation import new_request_id
from ttnc_pipeline.pipeline import Pipeline
from ttnc_pipeline.retry_policy import RetryPolicy
from ttnc_pipeline.sessions import SessionStore, session_key
from ttnc_pipeline.transports.urllib3_transport import Urllib3Transport

__all__ = ["BatchBuilder", "Client", "default_url"]

_batch_ids = itertools.count(1)
_BATCH_PREFIX = f"B{os.getpid():x}-"


def default_url() -> str:
    """``TTNC_API_URL`` from the environment, else TTNC's endpoint."""
    return os.environ.get("TTNC_API_URL") or DEFAULT_ENDPOINT


def _named(
    middleware: Iterable[Middleware | tuple[str, Middleware]],
) -> list[tuple[str, Middleware]]:
    named: list[tuple[str, Middleware]] = []
    for position, item in enumerate(middleware, 1):
        if isinstance(item, tuple):
            named.append(item)
        else:
            name = getattr(item, "name", None) or getattr(item, "__name__", None)
            named.append((str(name or f"custom{position}"), item))
    return named


class Client:
    """A thread-safe TTNC client.

    - ``url``: the endpoint (default: ``TTNC_API_URL``, else TTNC's);
    - ``username``/``password``/``vkey`` or ``credentials``: log in
      automatically (none: send only what you give, e.g. under a session);
    - ``transport``: default a :class:`Urllib3Transport` for ``url``,
      built with ``transport_options``;
    - ``middleware``: extra middlewares (or ``(name, mw)`` pairs), placed
      just inside correlation;
    - ``pipeline``: a :class:`Pipeline` to use as is, or a function that
      edits the default one;
    - ``session_store``: default in memory; ``session_lifetime``: how long
      a SessionId is reused (default 1800 s, TTNC's 30 minutes; it is
      renewed 60 s early); ``retry``: a RetryPolicy
      (default ``RetryPolicy()``) or False; ``timeout``: the total deadline
      of a call in seconds (default: the retry policy's, 120 s);
    - ``clock``/``rand``: injected time and randomness, for tests (default
      :class:`SystemClock` and :func:`random.random`);
    - ``max_response_size`` (default 50 MiB) and ``max_depth`` (default 64):
      the largest answer and the deepest nesting accepted;
    - ``logger``: the structlog logger of the logging, retry and codec steps
      (default: the library's, see :mod:`ttnc_pipeline._log`);
    - ``transport_options`` (default none): keyword arguments for the
      default transport, e.g. ``{"read_timeout": 30}``.
    """

    def __init__(
        self,
        url: str | None = None,
        username: str | None = None,
        password: str | None = None,
        vkey: str | None = None,
        *,
        credentials: Credentials | None = None,
        transport: Transport | None = None,
        middleware: Iterable[Middleware | tuple[str, Middleware]] = (),
        pipeline: Pipeline | Callable[[Pipeline], Pipeline] | None = None,
        session_store: SessionStore | None = None,
        session_lifetime: float = SESSION_LIFETIME,
        retry: RetryPolicy | bool = True,
        timeout: float | None = None,
        clock: Clock | None = None,
        rand: Callable[[], float] | None = None,
        max_response_size: int = DEFAULT_MAX_SIZE,
        max_depth: int = DEFAULT_MAX_DEPTH,
        logger: Any = None,
        transport_options: dict[str, Any] | None = None,
    ) -> None:
        self.url = url or default_url()
        if credentials is None and (username is not None or password is not None):
            if username is None or password is None:
                raise InvalidRequest("give both a username and a password, or neither")
            credentials = Credentials(username, password, vkey)
        self.credentials = credentials
        self.clock: Clock = clock or SystemClock()
        self.retry_policy = retry if isinstance(retry, RetryPolicy) else RetryPolicy()
        self._retry_enabled = retry is not False
        self.timeout = timeout if timeout is not None else self.retry_policy.deadline
        self.transport: Transport = transport or Urllib3Transport(
            self.url, **{"max_response_size": max_response_size, **(transport_options or {})}
        )
        self.session = SessionMiddleware(
            session_key(self.url, credentials.username if credentials else None),
            session_store,
            can_login=credentials is not None,
            lifetime=session_lifetime,
            clock=self.clock,
        )
        default = Pipeline(
            (
                ("correlation", CorrelationMiddleware()),
                *_named(middleware),
                ("logging", LoggingMiddleware(logger)),
                ("session", self.session),
                ("auth", AuthMiddleware(credentials)),
                (
                    "retry",
                    RetryMiddleware(self.retry_policy, clock=self.clock, rand=rand, logger=logger),
                ),
            )
        )
        if isinstance(pipeline, Pipeline):
            self.pipeline = pipeline
        elif pipeline is not None:
            self.pipeline = pipeline(default)
        else:
            self.pipeline = default
        self._codec = CodecStep(
            self.transport,
            clock=self.clock,
            max_size=max_response_size,
            max_depth=max_depth,
            logger=logger,
        )
        self._call = self.pipeline.bind(self._codec)

    @property
    def session_id(self) -> str | None:
        """The stored session id, while it is young enough to use."""
        return self.session.current()

    def send(
        self,
        batch: Batch | Sequence[Request],
        *,
        retry: RetryPolicy | bool | None = None,
        timeout: float | None = None,
    ) -> Reply:
        """Send one batch through the pipeline and return its reply.

        ``retry`` overrides the client's policy for this call (False: one
        attempt; default None: the client's); ``timeout`` its total deadline
        in seconds (default None: the client's). Per-request API
        errors do not raise: check ``response.ok`` or ``reply.raise_for_errors()``.
        """
        if not isinstance(batch, Batch):
            batch = Batch(tuple(batch))
        if not batch.requests:
            raise InvalidRequest("a batch needs at least one request")
        batch_id = f"{_BATCH_PREFIX}{next(_batch_ids)}"
        deadline = self.clock.now() + (timeout if timeout is not None else self.timeout)
        if retry is None and self._retry_enabled:  # the usual case: no retry option
            return self._call(batch.with_defaults(batch_id=batch_id, deadline=deadline))
        return self._call(
            batch.with_defaults(
                batch_id=batch_id, deadline=deadline, retry=False if retry is None else retry
            )
        )

    def request(
        self, target: str, name: str, params: dict[str, ParamValue] | None = None, **kw: ParamValue
    ) -> Response:
        """Send one request and return its response (API errors do not raise)."""
        reply = self.send(Batch((Request(target, name, None, {**(params or {}), **kw}),)))
        return reply.responses[-1]

    def batch(self) -> BatchBuilder:
        """A builder that collects requests and sends them as one batch."""
        return BatchBuilder(self)

    def close(self) -> None:
        """Close the transport (its pooled connections)."""
        self.transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        parts = urllib.parse.urlsplit(self.url)
        netloc = parts.netloc.rpartition("@")[2]  # no user:password@, no query
        shown = parts._replace(netloc=netloc, query="", fragment="").geturl()
        return f"Client({shown!r}, pipeline={self.pipeline.describe()!r})"


class BatchBuilder:
    """Collects requests for one POST: ``client.batch().add(...).add(...).send()``."""

    def __init__(self, client: Client) -> None:
        self._client = client
        self._requests: list[Request] = []

    def add(
        self,
        target: str,
        name: str,
        params: dict[str, ParamValue] | None = None,
        *,
        id: str | None = None,
        **kw: ParamValue,
    ) -> BatchBuilder:
        """Add one request (validated now); returns the builder.

        ``id`` defaults to None: one is generated now, so :attr:`requests`
        shows it, and sending the same builder again sends the same ids.
        """
        if params is None:
            merged = kw  # a new dict already (and Request copies it anyway)
        elif kw or params.__class__ is not dict:  # any mapping with keys() merges
            merged = {**params, **kw}
        else:
            merged = params
        # The id is given now, so the correlation step need not copy the request.
        if id is None:
            self._requests.append(_request_with_new_id(target, name, new_request_id(), merged))
        else:
            self._requests.append(Request(target, name, id, merged))
        return self

    @property
    def requests(self) -> tuple[Request, ...]:
        """The requests added so far."""
        return tuple(self._requests)

    def send(self, **options: Any) -> Reply:
        """Send everything added as one batch."""
        return self._client.send(Batch(tuple(self._requests)), **options)

    def __len__(self) -> int:
        return len(self._requests)
