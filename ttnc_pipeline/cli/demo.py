"""``ttnc demo``: TTNC's README flows, end to end, against a sandbox on loopback.

Everything goes through the real stack: :class:`~ttnc_pipeline.TTNCApi` over
a :class:`~ttnc_pipeline.Client` and its :class:`Urllib3Transport`, real HTTP
to the embedded sandbox. The steps follow the seed client's README:

1. log in and list the account's numbers (the login rides in the same POST);
2. search a range: the numbers, and per band the count and price exactly as
   TTNC writes them (``7,859``, ``£10``), one POST for seven searches;
3. add the cheapest number to the basket, keep the ``SessionId``, start a
   *new* ``TTNCApi()`` without credentials, ``usesession(...)``, view the
   basket, add a card, place the order;
4. route the new number (``SetDestination``), read it back
   (``GetNumberConfig``);
5. read call totals (``GetTotals``) per period.

Secrets are never printed whole: the SessionId and password show their
first four characters. Any answer that is not ``Code="200"`` stops the
demo with its error (exit status 1).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from typing import Any, TextIO

from ttnc_pipeline.core import Response
from ttnc_pipeline.facade import SpooledRequest, TTNCApi

from ._common import mask
from ._render import table
from .sandbox_cmd import start_sandbox

__all__ = ["add_parser", "run", "run_demo"]

DESTINATION = "07700900456"
"""Where the demo routes the number it buys (an Ofcom drama-range mobile)."""

_CARD = {
    "CardName": "A N Other",
    "CardNumber": "4111111111111111",
    "ExpiryMonth": "12",
    "ExpiryYear": "30",
    "CV2": "123",
    "Type": "VISA",
    "Address1": "1 Demo Street",
    "City": "Chelmsford",
    "Postcode": "CM1 1AA",
    "Country": "GB",
}
_BANDS = ("00", "10", "20", "30", "40", "50")
_PERIODS = ("day", "week", "month", "all")


def add_parser(subparsers: Any) -> None:
    """Register the ``demo`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "demo",
        help="run TTNC's README flows against a local sandbox and show the results",
        description="Start the embedded sandbox on loopback and drive the seed README's "
        "flows through the full client over real HTTP.",
    )
    parser.add_argument("--seed", type=int, default=0, help="sandbox seed (default 0)")
    parser.add_argument(
        "--range", default="01245", help="number range to search and buy in (default 01245)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Run the demo on stdout; return 0 (errors propagate to the exit-code mapping)."""
    return run_demo(sys.stdout, seed=args.seed, number_range=args.range)


class _Printer:
    """Sections, indented lines and tables on one stream (bold titles on a terminal)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        isatty = getattr(out, "isatty", None)
        self.bold = bool(isatty and isatty()) and "NO_COLOR" not in os.environ

    def title(self, text: str) -> None:
        self.out.write((f"\033[1m{text}\033[0m" if self.bold else text) + "\n")

    def section(self, number: int, text: str) -> None:
        self.out.write("\n")
        self.title(f"{number}. {text}")

    def line(self, text: str = "") -> None:
        self.out.write(f"   {text}\n" if text else "\n")

    def table(self, rows: Sequence[Sequence[object]], headers: Sequence[str]) -> None:
        self.out.write("\n".join(table(rows, headers, indent=3)) + "\n")


def _plural(count: str, noun: str) -> str:
    return f"{count} {noun}" if count == "1" else f"{count} {noun}s"


def _ok(request: SpooledRequest) -> Response:
    response = request.getresponse()
    if response is None:
        raise RuntimeError(f"no response for {request.target}/{request.name}")
    return response.raise_for_error()


def _spool(api: TTNCApi, target: str, name: str, request_id: str, **data: str) -> SpooledRequest:
    request = api.newrequest(target, name, request_id)
    for key, value in data.items():
        request.setdata(key, value)
    return request


def run_demo(out: TextIO, *, seed: int = 0, number_range: str = "01245") -> int:
    """Run every step against a fresh sandbox, printing the summary on ``out``."""
    started = time.perf_counter()
    p = _Printer(out)
    with start_sandbox(seed) as sandbox:
        demo = sandbox.credentials
        p.title("TTNC API demo: the client README's flows over real HTTP, on a local sandbox")
        p.line(f"sandbox   {sandbox.url}  (seed {seed})")
        p.line(
            f"account   {demo.username}  (the sandbox's demo login; its password is never printed)"
        )
        with TTNCApi(demo.username, demo.password, demo.vkey, url=sandbox.url) as api:
            _log_in_and_list(p, api)
            chosen = _search(p, api, number_range)
            _buy(p, api, sandbox.url, chosen)
            _route(p, api, chosen["RawNumber"])
            _totals(p, api)
        journal = sandbox.journal
        elapsed = time.perf_counter() - started
        out.write("\n")
        p.title(
            f"Done in {elapsed:.2f} s: {len(journal.operations())} requests in "
            f"{journal.envelope_count} POSTs over {journal.connections_opened} connections, "
            f"{journal.logins} login; every answer Code 200."
        )
    return 0


def _log_in_and_list(p: _Printer, api: TTNCApi) -> None:
    """Step 1: the first POST carries the login and ``ListNumbers``."""
    p.section(1, "Log in and list the account's numbers")
    listing = api.newrequest("NoveroNumbers", "ListNumbers", "Request1")
    api.makerequests()
    login = api.getresponsefromid("SessionRequest")
    assert login is not None
    p.line(
        f"SessionLogin sent in the same POST: Code {login.code}, "
        f"SessionId {mask(login['SessionId'])}"
    )
    numbers = _ok(listing).all("Numbers/Number")
    p.line(f"{len(numbers)} numbers on the account:")
    p.table(
        [(n["RawNumber"], n["number"], n["Destination"] or "(not routed)") for n in numbers],
        ("Number", "Shown as", "Rings"),
    )


def _search(p: _Printer, api: TTNCApi, number_range: str) -> Any:
    """Step 2: seven searches in one POST; returns the cheapest number found."""
    p.section(2, f"Search numbers in range {number_range}")
    search = _spool(api, "NoveroNumberSearch", "Search", "Search", Range=number_range, Limit="5")
    wanted = {"Range": number_range, "Limit": "1"}
    by_band = {
        band: _spool(api, "NoveroNumberSearch", "Search", f"Band{band}", **{**wanted, "Band": band})
        for band in _BANDS
    }
    reply = api.makerequests()
    p.line(f"{len(reply)} searches in one POST; every band as TTNC shows it:")
    found = _ok(search)
    counts = {c["@attributes"]["Band"]: c["#text"] for c in found.all("BandCounts/BandCount")}
    rows = []
    for band, request in by_band.items():
        priced = _ok(request)
        terms = (priced["BandPrice"], priced["BandRewnewalPrice"], priced["BandRewnewalFreq"])
        rows.append((band, counts.get(band, "?"), *terms))
    p.table(rows, ("Band", "Available", "Price", "Renewal", "Every"))
    offered = found.all("Numbers/Number")
    if not offered:
        raise RuntimeError(f"the sandbox has no numbers for sale in {number_range}")
    p.line()
    p.line(f"First {len(offered)} numbers found:")
    p.table([(n["number"], n["band"], n["tariff"]) for n in offered], ("Number", "Band", "Tariff"))
    return min(offered, key=lambda n: n["band"])


def _buy(p: _Printer, api: TTNCApi, url: str, chosen: Any) -> None:
    """Step 3: basket in one client, order from a new one that only has the SessionId."""
    p.section(3, f"Buy {chosen['number']}, the basket kept in the session")
    add = _spool(
        api, "Order", "AddToBasket", "Request1Id", number=chosen["RawNumber"], type="number"
    )
    api.makerequests()
    added = _ok(add)
    session_id = api.session_id
    assert session_id is not None
    p.line(
        f"AddToBasket {chosen['RawNumber']}: Code {added.code}; "
        f"SessionId {mask(session_id)} kept by the caller"
    )
    with TTNCApi(url=url) as shopper:
        shopper.usesession(session_id)
        p.line(f"New TTNCApi() with no credentials; usesession({mask(session_id)})")
        basket = _spool(shopper, "Order", "ViewBasket", "Request1Id")
        card = _spool(shopper, "NoveroUser", "AddCard", "AddCard", **_CARD)
        shopper.makerequests()
        contents = _ok(basket)
        p.line(f"ViewBasket: {_plural(contents['ItemCount'], 'item')}, total {contents['Total']}")
        p.table(
            [(i["DisplayNumber"], i["Band"], i["Price"]) for i in contents.all("Items/Item")],
            ("Number", "Band", "Price"),
        )
        token = _ok(card)["TokenId"]
        p.line(
            f"AddCard: {_CARD['Type']} ending {_CARD['CardNumber'][-4:]} saved as TokenId {token}"
        )
        order = _spool(
            shopper, "Order", "PlaceOrder", "TestRequest", TokenId=token, CV2=_CARD["CV2"]
        )
        shopper.makerequests()
    placed = _ok(order)
    bought = _plural(placed["ItemCount"], "number")
    p.line(f"PlaceOrder: order {placed['OrderId']} placed, {bought} for {placed['Total']}")


def _route(p: _Printer, api: TTNCApi, number: str) -> None:
    """Step 4: route the new number and read the route back, in one POST."""
    p.section(4, "Route the new number")
    route = _spool(
        api, "NoveroNumbers", "SetDestination", "Route", Number=number, Destination=DESTINATION
    )
    config = _spool(api, "NoveroNumbers", "GetNumberConfig", "Config", Number=number)
    api.makerequests()
    _ok(route)
    p.line(f"SetDestination {number} -> {DESTINATION}: Code 200")
    read_back = _ok(config)
    rings = ", ".join(rule["Destination"] for rule in read_back.all("Rules/Rule"))
    p.line(
        f"GetNumberConfig {number}: rings {rings or '(nothing)'}, "
        f"RouteToAll {read_back['RouteToAll']}"
    )


def _totals(p: _Printer, api: TTNCApi) -> None:
    """Step 5: the account's call totals for several periods, in one POST."""
    p.section(5, "Call totals (GetTotals)")
    totals = {
        period: _spool(api, "NoveroCDR", "GetTotals", f"Totals{period}", Period=period)
        for period in _PERIODS
    }
    api.makerequests()
    columns = ("NumberCount", "Calls", "Minutes", "Cost")
    p.table(
        [(period, *(_ok(request)[k] for k in columns)) for period, request in totals.items()],
        ("Period", "Numbers", "Calls", "Minutes", "Cost"),
    )
