"""Plain-text rendering for people: aligned tables and response summaries.

- :func:`table` lines of aligned columns, numbers right-aligned;
- :func:`flatten` a nested response as ``path -> text`` pairs;
- :func:`render_response` what ``ttnc call --format table`` prints: the
  response line, each plural list (``Numbers/Number``...) as a table with
  one row per item, and every other value as ``key  value``.

Everything here is pure: it returns lines and never writes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["flatten", "render_response", "table"]

_NUMERIC = re.compile(r"[£$€]?-?[\d,]+(\.\d+)?%?\Z")


def _is_numeric(text: str) -> bool:
    # Phone numbers are digit strings too; they read better left-aligned.
    if text == "0":
        return True
    return bool(_NUMERIC.match(text)) and not text.startswith("0")


def table(
    rows: Sequence[Sequence[object]],
    headers: Sequence[str] | None = None,
    *,
    indent: int = 2,
    gap: int = 2,
) -> list[str]:
    """Rows as aligned lines (a header line and a rule when ``headers`` is given).

    A column whose cells all look like amounts or counts (``7,859``,
    ``£10``) is right-aligned; everything else is left-aligned.
    """
    cells = [[str(cell) for cell in row] for row in rows]
    width = max([len(row) for row in cells] + [len(headers or ())])
    for row in cells:
        row.extend([""] * (width - len(row)))
    head = list(headers or ()) + [""] * (width - len(headers or ()))
    sizes = [max([len(head[i])] + [len(row[i]) for row in cells]) for i in range(width)]
    right = [
        bool(cells) and all(_is_numeric(row[i]) for row in cells if row[i]) for i in range(width)
    ]
    pad, sep = " " * indent, " " * gap

    def line(row: Sequence[str]) -> str:
        parts = [
            cell.rjust(size) if is_right else cell.ljust(size)
            for cell, size, is_right in zip(row, sizes, right, strict=True)
        ]
        return (pad + sep.join(parts)).rstrip()

    out: list[str] = []
    if headers:
        out.append(line(head))
        out.append(pad + sep.join("-" * size for size in sizes))
    out.extend(line(row) for row in cells)
    return out


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts and lists as ``(path, text)`` pairs: ``Rules/Rule[2]/Destination``."""
    if isinstance(data, Mapping):
        pairs: list[tuple[str, str]] = []
        for key, value in data.items():
            pairs.extend(flatten(value, f"{prefix}/{key}" if prefix else str(key)))
        return pairs or [(prefix, "")]
    if isinstance(data, list):
        pairs = []
        for index, value in enumerate(data, 1):
            pairs.extend(flatten(value, f"{prefix}[{index}]"))
        return pairs or [(prefix, "(none)")]
    return [(prefix, "" if data is None else str(data))]


def _records(value: Any) -> list[Mapping[str, Any]] | None:
    """The items when ``value`` is a plural wrapper (``Numbers/Number``) of records."""
    if not isinstance(value, Mapping) or len(value) != 1:
        return None
    ((_name, items),) = value.items()
    if isinstance(items, Mapping):
        items = [items]
    if not isinstance(items, list) or not items:
        return None
    if not all(isinstance(item, Mapping) for item in items):
        return None
    return items


def render_response(head: Mapping[str, str], data: Mapping[str, Any]) -> list[str]:
    """Lines for one response: its ``@attributes`` (``head``), then its content."""
    operation = f"{head.get('target', '?')}/{head.get('name', '?')}"
    lines = [f"{operation}  Code {head.get('Code', '?')}  RequestId {head.get('RequestId', '-')}"]
    pairs: list[tuple[str, str]] = []
    for key, value in data.items():
        items = _records(value)
        if items is None:
            pairs.extend(flatten(value, key))
            continue
        flat = [_flat_record(item) for item in items]
        columns: list[str] = []
        for item in flat:
            columns.extend(k for k in item if k not in columns)
        rows = [[item.get(column, "") for column in columns] for item in flat]
        lines.append("")
        lines.append(f"{key} ({len(items)})")
        lines.extend(table(rows, columns))
    if pairs:
        lines.append("")
        lines.extend(table(pairs))
    return lines


def _flat_record(item: Mapping[str, Any]) -> dict[str, str]:
    """One list item as columns: its attributes first, its text as ``value``."""
    flat: dict[str, str] = {}
    for key, value in item.items():
        if key == "@attributes" and isinstance(value, Mapping):
            flat.update((str(k), str(v)) for k, v in value.items())
        elif key == "#text":
            flat["value"] = str(value)
        elif isinstance(value, Mapping | list):
            flat.update(flatten(value, key))
        else:
            flat[key] = "" if value is None else str(value)
    return flat
