"""The ``NoveroCDR`` target: call totals that look real and never change.

``GetTotals`` takes ``Period`` (``day`` by default, ``week``, ``month``,
``last-month`` or ``all``; anything else is a ``400``) and an optional
``Number``, which must be on the caller's account (``400`` otherwise). It
answers ``Period``, ``Number`` (when one was asked for), ``NumberCount``,
``Calls``, ``Minutes`` and ``Cost`` (display strings: ``1,204``, ``£3.75``).

The sandbox keeps no call records. Each number's totals are computed from
a checksum of the seed and the number, so they are the same on every run
and consistent with each other: a day holds no more than its week, a week
no more than its month, and ``all`` is at least ``month`` plus
``last-month``; the account's totals are the sums over its numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Mapping
from typing import Any

from ttnc_pipeline.sandbox.context import Call

__all__ = ["PERIODS", "get_totals", "number_totals"]

PERIODS = ("day", "week", "month", "last-month", "all")
"""Accepted ``Period`` values (``day`` is the default)."""

_PENCE_PER_MINUTE = 2


def number_totals(seed: int, number: str, period: str) -> tuple[int, int]:
    """``(calls, minutes)`` for one number over ``period`` (deterministic)."""
    mix = zlib.crc32(f"{seed}:{number}".encode())
    day = mix % 6
    week = day + (mix >> 3) % 25
    month = week + (mix >> 8) % 70
    last_month = (mix >> 15) % 90
    calls = {
        "day": day,
        "week": week,
        "month": month,
        "last-month": last_month,
        "all": month + last_month + (mix >> 22) % 400,
    }[period]
    minutes_per_call = 1 + (mix >> 4) % 7
    return calls, calls * minutes_per_call


def _sum(seed: int, numbers: Iterable[str], period: str) -> tuple[int, int]:
    calls = minutes = 0
    for number in numbers:
        number_calls, number_minutes = number_totals(seed, number, period)
        calls += number_calls
        minutes += number_minutes
    return calls, minutes


def get_totals(call: Call) -> Mapping[str, Any]:
    """Totals for one number, or every number on the account, over a period."""
    period = call.choice("Period", PERIODS) or "day"
    seed = call.state.stock.seed
    data: dict[str, Any] = {"Period": period}
    if call.text("Number") is not None:
        number = call.own_number()
        data["Number"] = number
        count = 1
        calls, minutes = number_totals(seed, number, period)
    else:
        account = call.account
        count = len(account.numbers)
        calls, minutes = account.remember(
            f"GetTotals:{period}", lambda: _sum(seed, account.numbers, period)
        )
    pence = minutes * _PENCE_PER_MINUTE
    data.update(
        NumberCount=f"{count:,}",
        Calls=f"{calls:,}",
        Minutes=f"{minutes:,}",
        Cost=f"£{pence // 100:,}.{pence % 100:02d}",
    )
    return data
