"""Transports: the last step of every pipeline, swapped with one argument.

- :class:`Urllib3Transport` real HTTP(S) through a kept-alive urllib3 pool;
- :class:`InProcessTransport` a Python callable (the sandbox) with no sockets;
- :class:`RecordingTransport` wraps another and records to, or replays
  from, a cassette; :class:`ReplayTransport` replays only (no network);
- :class:`MockTransport` answers from a test's handler (:func:`ok`,
  :func:`error` build its responses).

A transport is any object with ``send(HTTPRequest) -> HTTPResponse`` and
``close()`` (see :class:`ttnc_pipeline.core.Transport`).
"""

from ttnc_pipeline.core import HTTPRequest, HTTPResponse, Transport
from ttnc_pipeline.transports.inprocess import InProcessTransport
from ttnc_pipeline.transports.mock import MockTransport, error, ok
from ttnc_pipeline.transports.recording import (
    Cassette,
    CassetteError,
    CassetteMismatch,
    RecordingTransport,
    RecordMode,
    ReplayTransport,
    UnusedInteractions,
)
from ttnc_pipeline.transports.urllib3_transport import Urllib3Transport

__all__ = [
    "Cassette",
    "CassetteError",
    "CassetteMismatch",
    "HTTPRequest",
    "HTTPResponse",
    "InProcessTransport",
    "MockTransport",
    "RecordMode",
    "RecordingTransport",
    "ReplayTransport",
    "Transport",
    "UnusedInteractions",
    "Urllib3Transport",
    "error",
    "ok",
]
