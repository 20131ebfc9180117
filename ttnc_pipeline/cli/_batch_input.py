"""Reading the requests of ``ttnc batch``: JSON Lines or CSV, every error with its line.

JSON Lines, one request per line (blank lines are skipped)::

    {"target": "NoveroNumbers", "name": "SetDestination", "id": "r1",
     "params": {"Number": "02031511000", "Destination": "07512312312"}}

``id`` and ``params`` are optional; a parameter value may be a string, a
number, null (an empty element), a list (the element repeats) or an object
(elements nest).

CSV, one request per row, under a header naming the columns::

    target,name,Number,Destination
    NoveroNumbers,SetDestination,02031511000,07512312312

``target`` and ``name`` are required columns, ``id`` an optional one; every
other column is a parameter of that name. Empty cells are left out, so one
file can mix operations. A UTF-8 byte-order mark (Excel) is ignored.

Every request gets an id: its own, or ``L<line>`` from its line number
(``L17``), so a later ``--resume`` run recognises it. Ids must be unique
in the file. Any problem raises :class:`._common.UsageError` naming the
line, before anything is sent.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from ttnc_pipeline.conventions import SESSION_REQUEST_ID
from ttnc_pipeline.core import Request
from ttnc_pipeline.errors import InvalidRequest

from ._common import UsageError

__all__ = ["FORMATS", "Planned", "detect_format", "read_requests"]

FORMATS = ("auto", "jsonl", "csv")
_JSON_KEYS = ("target", "name", "id", "params")


@attrs.frozen
class Planned:
    """One request from the input file, with its id and the line it came from."""

    line: int
    request: Request

    @property
    def id(self) -> str:
        """The request id (always set)."""
        assert self.request.id is not None
        return self.request.id


def detect_format(path: str, text: str) -> str:
    """``jsonl`` or ``csv``: by the file's suffix, else by its first non-blank character."""
    lowered = path.lower()
    if lowered.endswith(".csv"):
        return "csv"
    if lowered.endswith((".jsonl", ".ndjson", ".json")):
        return "jsonl"
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def read_requests(path: str, fmt: str = "auto") -> list[Planned]:
    """Read and check every request of ``path`` (``-``: standard input)."""
    where = "<stdin>" if path == "-" else path
    try:
        if path == "-":
            text = sys.stdin.read()
        else:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                text = handle.read()
    except OSError as exc:
        raise UsageError(f"cannot read {where}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where} is not UTF-8 text: {exc.reason}") from None
    text = text.removeprefix("\ufeff")
    if fmt == "auto":
        fmt = detect_format(path, text)
    rows = _jsonl(where, text) if fmt == "jsonl" else _csv(where, text)
    planned = [_plan(where, line, parts) for line, parts in rows]
    _check_unique(where, planned)
    if not planned:
        raise UsageError(f"{where} holds no requests")
    return planned


_Parts = tuple[Any, Any, Any, Any]  # target, name, id, params


def _jsonl(where: str, text: str) -> Iterator[tuple[int, _Parts]]:
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            item = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"{where}, line {line}: not valid JSON ({exc.msg}, column {exc.colno})"
            ) from None
        if not isinstance(item, dict):
            raise UsageError(f"{where}, line {line}: expected a JSON object, not {_kind(item)}")
        unknown = sorted(set(item) - set(_JSON_KEYS))
        if unknown:
            raise UsageError(
                f"{where}, line {line}: unknown key {', '.join(map(repr, unknown))} "
                f"(expected {', '.join(_JSON_KEYS)})"
            )
        params = item.get("params", {})
        if not isinstance(params, dict):
            raise UsageError(f"{where}, line {line}: params must be an object, not {_kind(params)}")
        yield line, (item.get("target"), item.get("name"), item.get("id"), params)


def _csv(where: str, text: str) -> Iterator[tuple[int, _Parts]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip() for cell in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise UsageError(f"{where}, line 1: {exc}") from None
    _check_header(where, header)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise UsageError(f"{where}, line {reader.line_num}: {exc}") from None
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            raise UsageError(
                f"{where}, line {line}: {len(row)} cells, but the header has {len(header)} "
                f"({','.join(header)})"
            )
        cells = dict(zip(header, row, strict=True))
        params = {
            key: value
            for key, value in cells.items()
            if key not in ("target", "name", "id") and value != ""
        }
        yield (
            line,
            (cells["target"].strip(), cells["name"].strip(), cells.get("id") or None, params),
        )


def _check_header(where: str, header: list[str]) -> None:
    missing = [column for column in ("target", "name") if column not in header]
    if missing:
        raise UsageError(
            f"{where}, line 1: the CSV header needs the columns target and name "
            f"(missing: {', '.join(missing)}); found: {','.join(header)}"
        )
    seen: set[str] = set()
    for column in header:
        if not column:
            raise UsageError(f"{where}, line 1: a column of the header has no name")
        if column in seen:
            raise UsageError(f"{where}, line 1: the column {column!r} appears twice")
        seen.add(column)


def _plan(where: str, line: int, parts: _Parts) -> Planned:
    target, name, request_id, params = parts
    for label, value in (("target", target), ("name", name)):
        if not isinstance(value, str) or not value:
            raise UsageError(f"{where}, line {line}: {label} is missing or not a string")
    if request_id is not None and not isinstance(request_id, str):
        raise UsageError(f"{where}, line {line}: id must be a string, not {_kind(request_id)}")
    if request_id == SESSION_REQUEST_ID:
        raise UsageError(f"{where}, line {line}: the id {SESSION_REQUEST_ID} is reserved")
    if isinstance(params, Mapping) and any(k.lower() == "password" for k in params):
        raise UsageError(
            f"{where}, line {line}: a Password does not belong in a batch file; "
            "the client logs in with TTNC_PASSWORD"
        )
    try:
        request = Request(target, name, request_id or f"L{line}", params)
    except InvalidRequest as exc:
        raise UsageError(f"{where}, line {line}: {exc}") from None
    return Planned(line, request)


def _check_unique(where: str, planned: Iterable[Planned]) -> None:
    first_line: dict[str, int] = {}
    for item in planned:
        earlier = first_line.setdefault(item.id, item.line)
        if earlier != item.line:
            raise UsageError(
                f"{where}, line {item.line}: the id {item.id!r} is already used on line {earlier}"
            )


def _kind(value: object) -> str:
    return {
        list: "an array",
        str: "a string",
        bool: "a boolean",
        int: "a number",
        float: "a number",
        type(None): "null",
    }.get(type(value), type(value).__name__)
