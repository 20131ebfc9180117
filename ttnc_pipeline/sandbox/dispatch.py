"""Carrying out one decoded batch: authentication, routing, refusals, journal.

:data:`HANDLERS` maps every ``target/name`` of ``operations.json`` except
``Auth/SessionLogin`` (which :class:`~.auth.BatchAuth` carries out, since it
changes who the rest of the batch runs as) to its handler. :func:`carry_out`
runs a batch's requests in document order and answers each one:

1. ``Auth/SessionLogin`` logs in (or fails, refusing the rest);
2. an unknown target or name is a ``404``, authenticated or not: no login
   makes it exist;
3. anything else needs a session (``401`` otherwise);
4. a handler's :class:`~.conventions.OperationError` becomes its code and
   message; any other exception a ``500`` (logged), and the batch goes on.

Every answered request is recorded in the journal with its code. The whole
batch runs while the state lock is held, so a batch is atomic: requests of
concurrent batches never interleave, and a test reading the state sees a
batch either whole or not at all. (One lock for the batch, not one per
request: taking a lock costs about as much as a dozen dict lookups.)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from ttnc_pipeline.core import Batch, Request
from ttnc_pipeline.sandbox.auth import BatchAuth
from ttnc_pipeline.sandbox.cards import add_card, get_cards
from ttnc_pipeline.sandbox.cdr import get_totals
from ttnc_pipeline.sandbox.context import Handler
from ttnc_pipeline.sandbox.conventions import (
    NOT_FOUND,
    OK,
    SERVER_ERROR,
    OperationError,
)
from ttnc_pipeline.sandbox.journal import Journal
from ttnc_pipeline.sandbox.numbers import (
    enable_route_to_all,
    get_number_config,
    list_numbers,
    set_destination,
)
from ttnc_pipeline.sandbox.orders import add_to_basket, place_order, view_basket
from ttnc_pipeline.sandbox.reply import Answer
from ttnc_pipeline.sandbox.search import search
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = ["HANDLERS", "LOGIN", "carry_out"]

_log = logging.getLogger("ttnc_pipeline.sandbox")

LOGIN = "Auth/SessionLogin"
"""The one operation that needs no session."""

HANDLERS: Mapping[str, Handler] = {
    "NoveroNumberSearch/Search": search,
    "Order/AddToBasket": add_to_basket,
    "Order/ViewBasket": view_basket,
    "Order/PlaceOrder": place_order,
    "NoveroUser/AddCard": add_card,
    "NoveroUser/GetCards": get_cards,
    "NoveroNumbers/ListNumbers": list_numbers,
    "NoveroNumbers/SetDestination": set_destination,
    "NoveroNumbers/GetNumberConfig": get_number_config,
    "NoveroNumbers/EnableRouteToAll": enable_route_to_all,
    "NoveroCDR/GetTotals": get_totals,
}
"""Every operation but the login, by ``target/name``."""

_TARGETS = frozenset(key.split("/")[0] for key in (*HANDLERS, LOGIN))


def _not_found(request: Request) -> OperationError:
    if request.target not in _TARGETS:
        return OperationError(NOT_FOUND, f"unknown target {request.target}")
    return OperationError(NOT_FOUND, f"unknown operation {request.name} for {request.target}")


def _answer(auth: BatchAuth, request: Request, now: float) -> Answer:
    operation = f"{request.target}/{request.name}"
    try:
        if operation == LOGIN:
            return Answer.to(request, OK, auth.login(request))
        handler = HANDLERS.get(operation)
        if handler is None:
            raise _not_found(request)
        data = handler(auth.call(request, now))
        return Answer(request.target, request.name, OK, request.id, data)
    except OperationError as refusal:
        return Answer.to(request, refusal.code, message=refusal.message)
    except Exception:
        _log.exception("sandbox handler for %s failed", operation)
        return Answer.to(
            request, SERVER_ERROR, message=f"the sandbox failed while carrying out {operation}"
        )


def carry_out(
    state: SandboxState,
    journal: Journal,
    batch: Batch,
    *,
    envelope_id: int,
    connection_id: int | None,
) -> list[Answer]:
    """Answer every request of ``batch`` in order, recording each in ``journal``.

    Holds the state lock throughout (see the module docstring).
    """
    answers = []
    now, record = state.clock.now, journal.add_operation
    with state.lock:
        auth = BatchAuth(state, batch.session_id)
        for request in batch.requests:
            moment = now()
            answer = _answer(auth, request, moment)
            session = auth.session
            record(
                envelope_id,
                moment,
                connection_id,
                request.target,
                request.name,
                request.id,
                answer.code,
                None if session is None else session.username,
                None if session is None else session.id,
            )
            answers.append(answer)
    journal.wake_waiters()  # after the state lock is released
    return answers
