"""Transports: the last step of every pipeline, swapped with one argument.

- :class:`Urllib3Transport` real HTTP(S) through a kept-alive urllib3 pool;
- :class:`InProcessTransport` a Python callable (the sandbox) with no sockets.

A transport is any object with ``send(HTTPRequest) -> HTTPResponse`` and
``close()`` (see :class:`ttnc_pipeline.core.Transport`).
"""

from ttnc_pipeline.core import HTTPRequest, HTTPResponse, Transport
from ttnc_pipeline.transports.inprocess import InProcessTransport
from ttnc_pipeline.transports.urllib3_transport import Urllib3Transport

__all__ = [
    "HTTPRequest",
    "HTTPResponse",
    "InProcessTransport",
    "Transport",
    "Urllib3Transport",
]
