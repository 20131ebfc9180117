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

from ttnc_pipeline._version import __version__
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
