"""A TTNC-compatible server for demos, tests and users.

``from ttnc_pipeline.sandbox import Sandbox``; ``with Sandbox() as sandbox:``.

How an envelope travels through the sandbox::

    HTTP POST ─► server.SandboxHTTPServer      threads, TLS, accept/stop
                   └► connection.ConnectionHandler   keep-alive, framing,
                        │                            connection faults
    Sandbox.handle(body)┤                            (in-process: no socket)
                        ▼
                 exchange.Engine        decode (codec.decode_batch), fire one
                        │               fault (faults, effects), journal it
                        ▼
                 dispatch.carry_out ─►  auth.BatchAuth (sessions), then the
                        │               handlers: search, orders, cards,
                        │               numbers, cdr (context.Call, state)
                        ▼
                 reply.render           codec.encode_bare_response, or Response.build
                                        + codec.encode_response

State lives in :mod:`.state` (accounts, sessions, stock); the answers TTNC
leaves undocumented are chosen in :mod:`.conventions`. The command line is
:func:`.cli.main` (``python -m ttnc_pipeline.sandbox``).
"""

from __future__ import annotations

from ttnc_pipeline.sandbox.accounts import Account, Card, Credentials
from ttnc_pipeline.sandbox.cli import main
from ttnc_pipeline.sandbox.effects import ConnectionDropped
from ttnc_pipeline.sandbox.faults import Fault, Faults
from ttnc_pipeline.sandbox.journal import EnvelopeRecord, Journal, OperationRecord
from ttnc_pipeline.sandbox.sandbox import Sandbox
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = [
    "Account",
    "Card",
    "ConnectionDropped",
    "Credentials",
    "EnvelopeRecord",
    "Fault",
    "Faults",
    "Journal",
    "OperationRecord",
    "Sandbox",
    "SandboxState",
    "main",
]
