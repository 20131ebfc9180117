"""The result lines of ``ttnc batch``, and reading them back for ``--resume``.

One JSON object per line, one line per request, in input order::

    {"id": "L2", "line": 2, "target": "NoveroNumbers", "name": "SetDestination",
     "digest": "5d41402abc4b", "status": "ok", "code": 200, "ok": true, "data": {}}

``status`` says what is known about the request:

========== ===================================================== =========
status     meaning                                               final?
========== ===================================================== =========
ok         carried out (``Code="200"``); ``data`` is the content yes
error      answered with an error code; ``message`` says why     yes
unknown    sent, but no usable answer: may or may not have       no
           happened (``code`` is null)
not_sent   not carried out (never sent, stopped, login refused): no
           safe to send again
========== ===================================================== =========

A ``--resume`` run appends to the same file; the last line for an id is
its current state. ``digest`` fingerprints the request (target, name,
parameters), so a resumed run can refuse an input file that changed under
the same ids (a row inserted above ``L17`` would otherwise shift every
line-number id). Secrets in ``data`` are masked.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any, TextIO

from ttnc_pipeline.core import Request, Response

from ._batch_input import Planned
from ._common import UsageError, response_data

__all__ = [
    "ERROR",
    "FINAL",
    "NOT_SENT",
    "OK",
    "UNKNOWN",
    "ResultWriter",
    "answered",
    "digest",
    "read_previous",
    "unresolved",
]

OK = "ok"
ERROR = "error"
UNKNOWN = "unknown"
NOT_SENT = "not_sent"
FINAL = frozenset({OK, ERROR})
"""Statuses a ``--resume`` run does not send again."""


def digest(request: Request) -> str:
    """A short fingerprint of a request's target, name and parameters (not its id)."""
    canonical = json.dumps(
        [request.target, request.name, request.params], default=_plain, sort_keys=True
    )
    return hashlib.sha256(canonical.encode()).hexdigest()[:12]


def _plain(value: Any) -> Any:
    # Parameter values are frozen (mappings are read-only proxies, lists are tuples).
    return dict(value) if hasattr(value, "items") else str(value)


def _base(item: Planned) -> dict[str, Any]:
    request = item.request
    return {
        "id": item.id,
        "line": item.line,
        "target": request.target,
        "name": request.name,
        "digest": digest(request),
    }


def answered(item: Planned, response: Response) -> dict[str, Any]:
    """The result line of a request TTNC answered."""
    record = _base(item)
    if response.missing:
        record.update(
            status=UNKNOWN,
            code=None,
            ok=False,
            message="the server sent no response for this request; it may or may not "
            "have been carried out",
        )
    elif response.ok:
        record.update(status=OK, code=response.code, ok=True, data=response_data(response))
    else:
        record.update(
            status=ERROR, code=response.code, ok=False, message=response.message or "no message"
        )
    return record


def unresolved(item: Planned, status: str, message: str) -> dict[str, Any]:
    """The result line of a request with no answer (``unknown`` or ``not_sent``)."""
    return {**_base(item), "status": status, "code": None, "ok": False, "message": message}


def read_previous(path: str) -> dict[str, dict[str, Any]]:
    """The last result line of each id in an earlier run's output (empty if no file).

    A line that is not a JSON object with an ``id`` (the end of a run killed
    mid-write) is skipped. Results are written after each POST is answered,
    so only a run killed hard (SIGKILL, power loss) while a batch is in
    flight leaves requests with no line at all; Ctrl-C and errors never do.
    """
    try:
        with open(path, encoding="utf-8") as handle:
            lines = handle.read().splitlines()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror or exc}") from None
    previous: dict[str, dict[str, Any]] = {}
    for raw in lines:
        try:
            record = json.loads(raw)
        except json.JSONDecodeError:
            continue
        if isinstance(record, dict) and isinstance(record.get("id"), str):
            previous[record["id"]] = record
    return previous


class ResultWriter:
    """Writes result lines and remembers each id's status (flushes after each group)."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.status: dict[str, str] = {}
        """The status written for each id, in the order written."""

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        """Write ``records`` in order, then flush."""
        for record in records:
            self.stream.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.status[record["id"]] = record["status"]
        self.stream.flush()

    def ids(self, status: str) -> list[str]:
        """The ids written with ``status``, in order."""
        return [request_id for request_id, written in self.status.items() if written == status]

    def count(self, status: str) -> int:
        """How many ids were written with ``status``."""
        return sum(written == status for written in self.status.values())
