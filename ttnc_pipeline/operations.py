"""The table of known TTNC operations, and how safe each is to send again.

Loaded once from ``operations.json`` (shipped with the package, kept equal
to the project's protocol notes). :func:`safety_of` answers the retry
question for one request; :func:`batch_safety` for a whole batch, which is
as unsafe as its least safe request.
"""

from __future__ import annotations

import enum
import json
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from typing import Any

import attrs

__all__ = [
    "OPERATIONS",
    "Operation",
    "Param",
    "Safety",
    "batch_safety",
    "find_operation",
    "safety_of",
]


class Safety(enum.IntEnum):
    """How safe an operation is to send twice (ordered: higher is less safe)."""

    READ_ONLY = 0
    """No effect at all."""
    IDEMPOTENT = 1
    """Repeating leaves the same end state."""
    UNSAFE = 2
    """Repeating may duplicate an effect (money, cards, basket items)."""


@attrs.frozen
class Param:
    """One documented parameter of an operation."""

    name: str
    required: bool | str | None
    type: str
    doc: str


@attrs.frozen
class Operation:
    """One known operation: where it is documented and how safe it is."""

    target: str
    name: str
    summary: str
    safety: Safety
    evidence: str
    params: tuple[Param, ...]
    response_example: str
    response_example_status: str

    @property
    def key(self) -> str:
        """``target/name``."""
        return f"{self.target}/{self.name}"

    @property
    def required_params(self) -> tuple[str, ...]:
        """Names of the parameters that must always be sent."""
        return tuple(p.name for p in self.params if p.required is True)


def _load() -> Mapping[str, Operation]:
    raw: dict[str, Any] = json.loads(
        resources.files("ttnc_pipeline").joinpath("operations.json").read_text("utf-8")
    )
    table: dict[str, Operation] = {}
    for entry in raw["operations"]:
        operation = Operation(
            target=entry["target"],
            name=entry["name"],
            summary=entry["summary"],
            safety=Safety[entry["safety"].upper()],
            evidence=entry["evidence"],
            params=tuple(
                Param(p["name"], p["required"], p["type"], p["doc"]) for p in entry["params"]
            ),
            response_example=entry.get("response_example", ""),
            response_example_status=entry.get("response_example_status", ""),
        )
        table[operation.key] = operation
    return table


OPERATIONS: Mapping[str, Operation] = _load()
"""Every known operation, keyed by ``target/name``, in documentation order."""

_READ_ONLY_PREFIXES = ("Get", "List", "View", "Search")


def find_operation(target: str, name: str) -> Operation | None:
    """The known operation ``target/name``, or None."""
    return OPERATIONS.get(f"{target}/{name}")


@cache
def safety_of(target: str, name: str) -> Safety:
    """The safety class of one operation.

    Unknown operations are unsafe unless their name starts with ``Get``,
    ``List``, ``View`` or ``Search`` (PROTOCOL.md).
    """
    known = find_operation(target, name)
    if known is not None:
        return known.safety
    return Safety.READ_ONLY if name.startswith(_READ_ONLY_PREFIXES) else Safety.UNSAFE


def batch_safety(operations: Iterable[tuple[str, str]]) -> Safety:
    """The safety of sending these ``(target, name)`` pairs again: the least safe of them."""
    return max((safety_of(t, n) for t, n in operations), default=Safety.READ_ONLY)
