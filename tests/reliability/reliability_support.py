"""Helpers the reliability tests share: clients on a manual clock, batches, a silent listener.

- :class:`Figures` the measurements a run collects, printed at its end;
- :func:`client_for` a :class:`Client` for the sandbox's demo account over
  real HTTP, retrying on a :class:`ManualClock` (waits are recorded in
  ``clock.slept``, never slept) with a jitter draw of 1.0, so the backoff
  schedule is exactly 0.5, 1, 2 s;
- :func:`logged_in` the same client after one call, with the journal
  cleared, so a test counts only what its own scenario sent;
- :func:`numbers_for_sale` numbers the stock still sells;
- :func:`card` the parameters of an ``AddCard`` that the sandbox accepts;
- :class:`Listener` a loopback socket that listens and never accepts: the
  target a hostile document points at, to prove nothing was fetched, and
  (with its backlog full) a server whose connections never complete.
"""

from __future__ import annotations

import socket
from collections.abc import Mapping
from typing import Any

from ttnc_pipeline import Batch, Client, ManualClock, Request
from ttnc_pipeline.sandbox import Sandbox

LIST = Batch([Request("NoveroNumbers", "ListNumbers", "List")])
"""A read-only batch with a known id."""

CARD_NUMBER = "4929000000006"
"""A Luhn-valid test card number."""


def client_for(sandbox: Sandbox, clock: ManualClock, **options: Any) -> Client:
    """A client for the demo account over real HTTP, retrying on ``clock``."""
    creds = sandbox.credentials
    options.setdefault("transport_options", {"read_timeout": 5.0})
    return Client(
        sandbox.url,
        creds.username,
        creds.password,
        creds.vkey,
        clock=clock,
        rand=lambda: 1.0,
        **options,
    )


def logged_in(sandbox: Sandbox, clock: ManualClock, **options: Any) -> Client:
    """:func:`client_for`, already holding a session; the journal starts empty."""
    client = client_for(sandbox, clock, **options)
    assert client.send(LIST).ok
    sandbox.journal.clear()
    return client


def numbers_for_sale(client: Client, count: int, area: str = "01245") -> list[str]:
    """``count`` raw numbers the sandbox's stock sells in ``area``."""
    found = client.request("NoveroNumberSearch", "Search", Range=area, Limit=count)
    numbers = [number["RawNumber"] for number in found.all("Numbers/Number")]
    assert len(numbers) == count
    return numbers


def add_to_basket(number: str, request_id: str) -> Request:
    """An ``Order/AddToBasket`` (unsafe) for one number."""
    return Request("Order", "AddToBasket", request_id, {"number": number, "type": "number"})


def card(number: str = CARD_NUMBER, cv2: str = "123") -> dict[str, str]:
    """Every parameter of an ``AddCard`` the sandbox accepts (with a valid ``number``)."""
    return {
        "CardName": "A N Other",
        "CardNumber": number,
        "ExpiryMonth": "05",
        "ExpiryYear": "30",
        "CV2": cv2,
        "Type": "VISA",
        "Address1": "1 High St",
        "City": "Leeds",
        "Postcode": "LS1 1AA",
        "Country": "GB",
    }


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


class Listener:
    """A socket on 127.0.0.1 that listens and never accepts.

    :meth:`pending` takes every connection queued so far and counts them;
    :meth:`fill_backlog` opens connections of its own until the queue is
    full, so any further connect times out.
    """

    def __init__(self) -> None:
        self._server = socket.socket()
        self._server.bind(("127.0.0.1", 0))
        self._server.listen(0)
        self._server.setblocking(False)
        self.port: int = self._server.getsockname()[1]
        self._fillers: list[socket.socket] = []

    @property
    def url(self) -> str:
        """An API URL at this listener."""
        return f"http://127.0.0.1:{self.port}/api/"

    def fill_backlog(self) -> int:
        """Connect until the accept queue is full; return how many connections it took."""
        while True:
            probe = socket.socket()
            probe.settimeout(0.2)
            try:
                probe.connect(("127.0.0.1", self.port))
            except OSError:
                probe.close()
                return len(self._fillers)
            self._fillers.append(probe)

    def pending(self) -> int:
        """Accept (and close) every queued connection; return how many there were."""
        count = 0
        while True:
            try:
                connection, _ = self._server.accept()
            except BlockingIOError:
                return count
            connection.close()
            count += 1

    def close(self) -> None:
        """Close the listener and its own connections."""
        for probe in self._fillers:
            probe.close()
        self._server.close()

    def __enter__(self) -> Listener:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


class Figures:
    """Rows of measurements, grouped by section, in the order they were added."""

    def __init__(self) -> None:
        self._sections: dict[str, list[dict[str, str]]] = {}

    def add(self, section: str, row: Mapping[str, object]) -> None:
        """Add one row (column name -> value) to ``section``."""
        self._sections.setdefault(section, []).append({k: str(v) for k, v in row.items()})

    def tally(self, section: str, label: str, column: str = "examples") -> None:
        """Count one more example under ``label`` in ``section``."""
        rows = self._sections.setdefault(section, [])
        for row in rows:
            if row.get("what") == label:
                row[column] = str(int(row.get(column, "0")) + 1)
                return
        rows.append({"what": label, column: "1"})

    def __bool__(self) -> bool:
        return bool(self._sections)

    def lines(self) -> list[str]:
        """Every section as an aligned text table."""
        out: list[str] = []
        for section, rows in self._sections.items():
            columns = list(dict.fromkeys(key for row in rows for key in row))
            widths = {c: max(len(c), *(len(row.get(c, "")) for row in rows)) for c in columns}
            out.append("")
            out.append(section)
            out.append("  ".join(c.ljust(widths[c]) for c in columns).rstrip())
            out.append("  ".join("-" * widths[c] for c in columns))
            for row in rows:
                out.append("  ".join(row.get(c, "").ljust(widths[c]) for c in columns).rstrip())
        return out
