"""``NoveroNumberSearch/Search``: available numbers, in TTNC's documented shape.

Parameters (all optional; TTNC shows them only in one example):

- ``Range`` a prefix of 2 to 11 digits starting with 0 (``01245``,
  ``0161496``); default: every area;
- ``Band`` ``00``, ``10``, ``20``, ``30``, ``40`` or ``50``; default: every band;
- ``Limit`` 1 to 1000 numbers; default 10.

The answer reproduces the documented example element for element:
``Numbers/Number`` (``RawNumber``, ``alpha``, ``band``, ``code``, ``range``,
``tariff``, ``number``), ``BandCounts/BandCount Band=".."`` counting every
band under ``Range`` with a thousands comma, then ``BandPrice``,
``BandRewnewalPrice`` and ``BandRewnewalFreq`` (TTNC's spelling) of the
requested band, or of band ``00`` when none was requested. ``alpha`` is
always empty and ``code`` always ``g``, as in the example: TTNC never
explained either.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ttnc_pipeline.sandbox.context import Call
from ttnc_pipeline.sandbox.conventions import bad_request
from ttnc_pipeline.sandbox.stock import BANDS, StockNumber, format_number

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "search"]

DEFAULT_LIMIT = 10
"""Numbers returned when ``Limit`` is absent."""

MAX_LIMIT = 1000
"""Largest ``Limit`` accepted."""

_RANGE = re.compile(r"0\d{1,10}\Z")
_BASE_BAND = "00"


def _number(found: StockNumber) -> dict[str, str]:
    # Key order is element order: keep it exactly as in TTNC's example.
    return {
        "RawNumber": found.raw,
        "alpha": "",
        "band": found.band,
        "code": "g",
        "range": found.area.code,
        "tariff": found.area.tariff,
        "number": format_number(found.raw),
    }


def search(call: Call) -> Mapping[str, Any]:
    """Search the stock (see the module docstring for parameters and shape)."""
    prefix = call.text("Range")
    if prefix is not None:
        prefix = prefix.replace(" ", "")
        if not _RANGE.match(prefix):
            raise bad_request("parameter Range must be 2 to 11 digits starting with 0")
    band = call.choice("Band", tuple(BANDS))
    limit = call.integer("Limit", low=1, high=MAX_LIMIT, default=DEFAULT_LIMIT)
    found, counts = call.state.stock.search(prefix, band, limit)
    priced = BANDS[band or _BASE_BAND]
    return {
        "Numbers": {"Number": [_number(number) for number in found]},
        "BandCounts": {
            "BandCount": [
                {"@attributes": {"Band": code}, "#text": f"{count:,}"}
                for code, count in counts.items()
            ]
        },
        "BandPrice": priced.price_text,
        "BandRewnewalPrice": priced.renewal_text,
        "BandRewnewalFreq": priced.renewal_freq,
    }
