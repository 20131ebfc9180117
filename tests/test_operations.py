"""The operation table, and whether a batch may be sent again."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ttnc_pipeline.codec import decode_reply
from ttnc_pipeline.operations import (
    OPERATIONS,
    Safety,
    batch_safety,
    find_operation,
    safety_of,
)

# PROTOCOL.md, "Safety classes".
DOCUMENTED_SAFETY = {
    "NoveroNumberSearch/Search": Safety.READ_ONLY,
    "NoveroNumbers/ListNumbers": Safety.READ_ONLY,
    "Order/ViewBasket": Safety.READ_ONLY,
    "NoveroUser/GetCards": Safety.READ_ONLY,
    "NoveroNumbers/GetNumberConfig": Safety.READ_ONLY,
    "NoveroCDR/GetTotals": Safety.READ_ONLY,
    "Auth/SessionLogin": Safety.IDEMPOTENT,
    "NoveroNumbers/SetDestination": Safety.IDEMPOTENT,
    "NoveroNumbers/EnableRouteToAll": Safety.IDEMPOTENT,
    "Order/AddToBasket": Safety.UNSAFE,
    "Order/PlaceOrder": Safety.UNSAFE,
    "NoveroUser/AddCard": Safety.UNSAFE,
}


def test_the_table_holds_every_documented_operation_keyed_by_target_and_name() -> None:
    assert set(OPERATIONS) == set(DOCUMENTED_SAFETY)
    for key, operation in OPERATIONS.items():
        assert key == operation.key == f"{operation.target}/{operation.name}"
        assert operation.summary and operation.evidence


@pytest.mark.parametrize(("key", "safety"), sorted(DOCUMENTED_SAFETY.items()))
def test_each_known_operation_has_its_documented_safety(key: str, safety: Safety) -> None:
    target, name = key.split("/")

    assert safety_of(target, name) is safety
    assert find_operation(target, name) is OPERATIONS[key]


def test_required_parameters_are_the_ones_always_needed() -> None:
    login = OPERATIONS["Auth/SessionLogin"]
    card = OPERATIONS["NoveroUser/AddCard"]

    assert login.required_params == ("Username", "Password", "VKey")
    assert "CV2" in card.required_params
    assert "StartMonth" not in card.required_params  # conditional
    assert "IssueNumber" not in card.required_params  # optional
    assert OPERATIONS["Order/PlaceOrder"].required_params == ()


@pytest.mark.parametrize("key", sorted(DOCUMENTED_SAFETY))
def test_each_example_response_in_the_table_decodes_as_its_operation(key: str) -> None:
    example = OPERATIONS[key].response_example

    (response, *_) = decode_reply(example.encode("utf-8"))

    assert (response.operation, response.ok) == (key, True)


def test_the_shipped_table_is_the_one_in_the_protocol_notes() -> None:
    shipped = Path(__file__).resolve().parents[1] / "ttnc_pipeline" / "operations.json"
    notes = Path(__file__).resolve().parents[1].parent / "shared" / "ttnc" / "operations.json"
    if not notes.is_file():
        pytest.skip(f"the protocol notes are not beside this checkout ({notes})")

    assert json.loads(shipped.read_text("utf-8")) == json.loads(notes.read_text("utf-8"))


@pytest.mark.parametrize(
    ("name", "safety"),
    [
        ("GetInvoices", Safety.READ_ONLY),
        ("ListCalls", Safety.READ_ONLY),
        ("ViewOrder", Safety.READ_ONLY),
        ("SearchRanges", Safety.READ_ONLY),
        ("DeleteNumber", Safety.UNSAFE),
        ("SetSomething", Safety.UNSAFE),
        ("getinvoices", Safety.UNSAFE),  # the prefixes are case-sensitive
        ("Forget", Safety.UNSAFE),
    ],
)
def test_an_unknown_operation_is_unsafe_unless_its_name_reads(name: str, safety: Safety) -> None:
    assert safety_of("SomeTarget", name) is safety


def test_a_known_name_under_another_target_is_an_unknown_operation() -> None:
    assert safety_of("Order", "SetDestination") is Safety.UNSAFE
    assert find_operation("Order", "SetDestination") is None


def test_safety_classes_are_ordered_from_safe_to_unsafe() -> None:
    assert Safety.READ_ONLY < Safety.IDEMPOTENT < Safety.UNSAFE


def test_a_batch_is_as_unsafe_as_its_least_safe_request() -> None:
    search = ("NoveroNumberSearch", "Search")
    set_destination = ("NoveroNumbers", "SetDestination")
    order = ("Order", "PlaceOrder")

    assert batch_safety([]) is Safety.READ_ONLY
    assert batch_safety([search]) is Safety.READ_ONLY
    assert batch_safety([search, set_destination]) is Safety.IDEMPOTENT
    assert batch_safety([search, order, set_destination]) is Safety.UNSAFE
    assert batch_safety(iter([search, ("X", "Unknown")])) is Safety.UNSAFE


_PAIRS = st.one_of(
    st.sampled_from([tuple(key.split("/")) for key in DOCUMENTED_SAFETY]),
    st.tuples(st.sampled_from(["T", "Order"]), st.sampled_from(["GetX", "ListX", "DoX", "Make"])),
)


@given(st.lists(_PAIRS, max_size=6))
def test_batch_safety_is_the_maximum_whatever_the_order(pairs: list[tuple[str, str]]) -> None:
    def documented(target: str, name: str) -> Safety:
        if f"{target}/{name}" in DOCUMENTED_SAFETY:
            return DOCUMENTED_SAFETY[f"{target}/{name}"]
        return Safety.READ_ONLY if name[:3] in ("Get", "Lis") else Safety.UNSAFE

    expected = max((documented(t, n) for t, n in pairs), default=Safety.READ_ONLY)

    assert batch_safety(pairs) is expected
    assert batch_safety(reversed(pairs)) is expected
