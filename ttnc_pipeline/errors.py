"""Every error the library raises, arranged by what is known about the outcome.

A user deciding whether to send a payment again needs to know one thing:
did TTNC carry the request out? The tree answers that first::

    TTNCError                     base of everything below
    ├── InvalidRequest            refused before sending (also a ValueError): nothing sent
    ├── RequestNotSent            never reached TTNC: safe to send again
    │   └── ServerBusy            HTTP 429/503: refused unprocessed (.status, .retry_after)
    ├── OutcomeUnknown            sent, no usable answer: may or may not have happened
    │                             (.request_ids, .operations, .status)
    ├── ProtocolError             the answer is not a well-formed NoveroResponse (.excerpt)
    ├── CorrelationError          responses cannot be matched to requests
    └── APIError                  TTNC answered with an error code (.code, .message, ...)
        └── AuthenticationError   login refused, or a session that cannot be renewed

Messages and attributes never carry secrets: excerpts of bodies pass through
:func:`ttnc_pipeline.redaction.redact_text` before they are stored.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = [
    "APIError",
    "AuthenticationError",
    "CorrelationError",
    "InvalidRequest",
    "OutcomeUnknown",
    "ProtocolError",
    "RequestNotSent",
    "ServerBusy",
    "TTNCError",
]


class TTNCError(Exception):
    """Base class of every error raised by ttnc_pipeline."""


class InvalidRequest(TTNCError, ValueError):
    """The request was refused before anything was sent; fix the input and call again."""


class RequestNotSent(TTNCError):
    """The request never reached TTNC (connection refused, DNS, connect timeout, TLS).

    Nothing was carried out, so sending the same batch again is always safe.
    """


class ServerBusy(RequestNotSent):
    """TTNC (or a proxy before it) refused the batch with HTTP 429 or 503.

    ``retry_after`` is the delay the server asked for, in seconds, or None
    when it gave none or gave a value that could not be trusted.
    """

    def __init__(self, message: str, *, status: int, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after


_IDS_SHOWN = 10  # a 100-request batch would otherwise make a message hundreds of ids long


class OutcomeUnknown(TTNCError):
    """The batch was sent but no usable answer came back.

    TTNC may or may not have carried out the requests named in
    ``request_ids`` (all of them; the message names the first ten). Before
    sending an unsafe one again (an order, a card), ask a read-only
    operation (``ViewBasket``, ``ListNumbers``, ``GetCards``) whether the
    effect happened.
    """

    def __init__(
        self,
        message: str,
        *,
        request_ids: Sequence[str] = (),
        operations: Sequence[str] = (),
        status: int | None = None,
    ) -> None:
        detail = message
        if request_ids:
            shown = ", ".join(request_ids[:_IDS_SHOWN])
            more = len(request_ids) - _IDS_SHOWN
            detail += f" (request ids: {shown}{f' and {more} more' if more > 0 else ''})"
        super().__init__(detail)
        self.reason = message
        """The message without the list of ids."""
        self.request_ids: tuple[str, ...] = tuple(request_ids)
        self.operations: tuple[str, ...] = tuple(operations)
        self.status = status


class ProtocolError(TTNCError):
    """What came back is not a well-formed ``NoveroResponse``.

    ``excerpt`` is a short, redacted start of what was received; ``status``
    the HTTP status when there was one.
    """

    def __init__(self, message: str, *, excerpt: str = "", status: int | None = None) -> None:
        detail = message if not excerpt else f"{message}; received: {excerpt!r}"
        super().__init__(detail)
        self.excerpt = excerpt
        self.status = status


class CorrelationError(TTNCError):
    """The responses cannot be matched one-to-one with the requests sent."""


class APIError(TTNCError):
    """TTNC answered a request with an error code instead of ``200``."""

    def __init__(
        self,
        message: str | None,
        *,
        code: int,
        target: str | None = None,
        name: str | None = None,
        request_id: str | None = None,
    ) -> None:
        operation = f"{target}/{name}" if target and name else "request"
        where = f" (id {request_id})" if request_id else ""
        super().__init__(f"{operation}{where} failed with code {code}: {message or 'no message'}")
        self.code = code
        self.message = message
        self.target = target
        self.name = name
        self.request_id = request_id


class AuthenticationError(APIError):
    """The login was refused, or an expired session could not be renewed."""
