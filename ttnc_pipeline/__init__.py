"""ttnc_pipeline: a pipeline client, sandbox and testing kit for TTNC's XML API.

::

    from ttnc_pipeline import TTNCApi

    api = TTNCApi(username, password, vkey)
    request = api.newrequest("NoveroNumbers", "ListNumbers")
    api.makerequests()
    for number in request.getresponse().all("Numbers/Number"):
        print(number["RawNumber"])

Layers, outermost first: :class:`TTNCApi` (TTNC's own client API) over a
:class:`Client` (thread-safe: one :class:`Pipeline` of middlewares, one
transport, one session store). The sandbox is in :mod:`ttnc_pipeline.sandbox`,
transports in :mod:`ttnc_pipeline.transports`, errors in
:mod:`ttnc_pipeline.errors`.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ttnc_pipeline._version import __version__

if TYPE_CHECKING:
    from ttnc_pipeline.client import BatchBuilder, Client
    from ttnc_pipeline.clock import Clock, ManualClock, SystemClock
    from ttnc_pipeline.core import (
        Batch,
        CallNext,
        HTTPRequest,
        HTTPResponse,
        Middleware,
        Reply,
        Request,
        Response,
        Transport,
    )
    from ttnc_pipeline.errors import (
        APIError,
        AuthenticationError,
        CorrelationError,
        InvalidRequest,
        OutcomeUnknown,
        ProtocolError,
        RequestNotSent,
        ServerBusy,
        TTNCError,
    )
    from ttnc_pipeline.facade import SpooledRequest, TTNCApi
    from ttnc_pipeline.middleware import Credentials
    from ttnc_pipeline.operations import OPERATIONS, Safety, safety_of
    from ttnc_pipeline.pipeline import Pipeline
    from ttnc_pipeline.redaction import SENSITIVE_ELEMENTS, redact_event
    from ttnc_pipeline.retry_policy import RetryPolicy
    from ttnc_pipeline.sessions import FileSessionStore, InMemorySessionStore, SessionStore

# Names are imported on first use (PEP 562): ``import ttnc_pipeline`` stays
# cheap, which matters because pytest loads the package's plugin in every
# run of an environment that has it installed.
_EXPORTS: dict[str, str] = {
    "APIError": "ttnc_pipeline.errors",
    "AuthenticationError": "ttnc_pipeline.errors",
    "Batch": "ttnc_pipeline.core",
    "BatchBuilder": "ttnc_pipeline.client",
    "CallNext": "ttnc_pipeline.core",
    "Client": "ttnc_pipeline.client",
    "Clock": "ttnc_pipeline.clock",
    "CorrelationError": "ttnc_pipeline.errors",
    "Credentials": "ttnc_pipeline.middleware",
    "FileSessionStore": "ttnc_pipeline.sessions",
    "HTTPRequest": "ttnc_pipeline.core",
    "HTTPResponse": "ttnc_pipeline.core",
    "InMemorySessionStore": "ttnc_pipeline.sessions",
    "InvalidRequest": "ttnc_pipeline.errors",
    "ManualClock": "ttnc_pipeline.clock",
    "Middleware": "ttnc_pipeline.core",
    "OPERATIONS": "ttnc_pipeline.operations",
    "OutcomeUnknown": "ttnc_pipeline.errors",
    "Pipeline": "ttnc_pipeline.pipeline",
    "ProtocolError": "ttnc_pipeline.errors",
    "Reply": "ttnc_pipeline.core",
    "Request": "ttnc_pipeline.core",
    "RequestNotSent": "ttnc_pipeline.errors",
    "Response": "ttnc_pipeline.core",
    "RetryPolicy": "ttnc_pipeline.retry_policy",
    "SENSITIVE_ELEMENTS": "ttnc_pipeline.redaction",
    "Safety": "ttnc_pipeline.operations",
    "ServerBusy": "ttnc_pipeline.errors",
    "SessionStore": "ttnc_pipeline.sessions",
    "SpooledRequest": "ttnc_pipeline.facade",
    "SystemClock": "ttnc_pipeline.clock",
    "TTNCApi": "ttnc_pipeline.facade",
    "TTNCError": "ttnc_pipeline.errors",
    "Transport": "ttnc_pipeline.core",
    "redact_event": "ttnc_pipeline.redaction",
    "safety_of": "ttnc_pipeline.operations",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'ttnc_pipeline' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_EXPORTS))


__all__ = [
    "OPERATIONS",
    "SENSITIVE_ELEMENTS",
    "APIError",
    "AuthenticationError",
    "Batch",
    "BatchBuilder",
    "CallNext",
    "Client",
    "Clock",
    "CorrelationError",
    "Credentials",
    "FileSessionStore",
    "HTTPRequest",
    "HTTPResponse",
    "InMemorySessionStore",
    "InvalidRequest",
    "ManualClock",
    "Middleware",
    "OutcomeUnknown",
    "Pipeline",
    "ProtocolError",
    "Reply",
    "Request",
    "RequestNotSent",
    "Response",
    "RetryPolicy",
    "Safety",
    "ServerBusy",
    "SessionStore",
    "SpooledRequest",
    "SystemClock",
    "TTNCApi",
    "TTNCError",
    "Transport",
    "__version__",
    "redact_event",
    "safety_of",
]
