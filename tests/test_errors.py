"""The error tree: what each error says about the outcome, and what its message tells."""

from __future__ import annotations

import pytest

from ttnc_pipeline import errors
from ttnc_pipeline.core import Request
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


def drawn_tree() -> dict[str, str]:
    """Child class name -> parent class name, as drawn in the errors module docstring."""
    assert errors.__doc__ is not None
    parents: dict[str, str] = {}
    open_branches: list[tuple[int, str]] = []  # (column, class name), outermost first
    for line in errors.__doc__.splitlines():
        words = line.lstrip("│├└─ ").split()
        if not words or not isinstance(getattr(errors, words[0], None), type):
            continue
        name = words[0]
        column = line.index(name)
        while open_branches and open_branches[-1][0] >= column:
            open_branches.pop()
        if open_branches:
            parents[name] = open_branches[-1][1]
        open_branches.append((column, name))
    return parents


def test_the_docstring_draws_the_real_hierarchy() -> None:
    tree = drawn_tree()

    assert set(tree) | {"TTNCError"} == set(errors.__all__)
    for child, parent in tree.items():
        assert getattr(errors, child).__bases__[0] is getattr(errors, parent), child


def test_every_error_is_a_ttnc_error() -> None:
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), TTNCError)


def test_the_outcome_families() -> None:
    assert issubclass(InvalidRequest, ValueError)
    assert issubclass(ServerBusy, RequestNotSent)
    assert issubclass(AuthenticationError, APIError)
    for unrelated in (OutcomeUnknown, ProtocolError, CorrelationError, APIError):
        assert not issubclass(unrelated, RequestNotSent)
    assert not issubclass(OutcomeUnknown, ProtocolError)


def test_an_invalid_request_can_be_caught_as_a_value_error() -> None:
    with pytest.raises(ValueError, match="parameter 'Number'"):
        Request("T", "N", None, {"Number": object()})


def test_api_error_names_operation_id_code_and_message() -> None:
    error = APIError("bad number", code=400, target="NoveroNumbers", name="Set", request_id="R1")

    assert str(error) == "NoveroNumbers/Set (id R1) failed with code 400: bad number"
    assert (error.code, error.message, error.target, error.name, error.request_id) == (
        400,
        "bad number",
        "NoveroNumbers",
        "Set",
        "R1",
    )


def test_api_error_without_details_still_reads() -> None:
    assert str(APIError(None, code=500)) == "request failed with code 500: no message"
    assert str(AuthenticationError("expired", code=401, target="Auth", name="SessionLogin")) == (
        "Auth/SessionLogin failed with code 401: expired"
    )


def test_outcome_unknown_lists_the_requests_that_may_have_happened() -> None:
    error = OutcomeUnknown(
        "connection reset after sending",
        request_ids=["R1", "R2"],
        operations=["Order/PlaceOrder", "Order/ViewBasket"],
        status=None,
    )

    assert str(error) == "connection reset after sending (request ids: R1, R2)"
    assert error.reason == "connection reset after sending"
    assert error.request_ids == ("R1", "R2")
    assert error.operations == ("Order/PlaceOrder", "Order/ViewBasket")
    assert str(OutcomeUnknown("timed out")) == "timed out"


def test_outcome_unknown_names_ten_ids_and_keeps_them_all() -> None:
    ids = [f"L{n}" for n in range(1, 101)]
    error = OutcomeUnknown("lost", request_ids=ids)
    assert str(error) == "lost (request ids: L1, L2, L3, L4, L5, L6, L7, L8, L9, L10 and 90 more)"
    assert error.request_ids == tuple(ids)


def test_server_busy_carries_the_status_and_the_asked_delay() -> None:
    error = ServerBusy("busy", status=503, retry_after=2.5)

    assert (str(error), error.status, error.retry_after) == ("busy", 503, 2.5)
    assert ServerBusy("busy", status=429).retry_after is None


def test_protocol_error_quotes_its_excerpt() -> None:
    error = ProtocolError("expected a <NoveroResponse>", excerpt="<html>", status=502)

    assert str(error) == "expected a <NoveroResponse>; received: '<html>'"
    assert (error.excerpt, error.status) == ("<html>", 502)
    assert str(ProtocolError("empty body")) == "empty body"
