"""The numbers for sale: UK areas, price bands, and a stock drawn from the seed.

- :data:`AREAS` the geographic ranges the sandbox sells, each with the
  town TTNC names as its tariff (``01245`` Chelmsford, ``020`` London...);
- :data:`BANDS` price bands ``00`` to ``50`` with their display prices;
- :func:`format_number` the spaced display form (``01245 835 013``);
- :class:`Stock` the available numbers of every area.

An area's stock is drawn the first time it is searched, from
``random.Random(f"{seed}:{area}")``: the same seed gives the same numbers
and bands on every machine and run, and a sandbox that is never searched
costs nothing. Band sizes follow the shape of TTNC's documented example
(thousands of band ``00`` numbers, a dozen or so of band ``50``).

:class:`Stock` is not locked itself: the sandbox state's lock guards it.
"""

from __future__ import annotations

import functools
import random
from collections.abc import Iterator

import attrs

__all__ = ["AREAS", "BANDS", "Area", "Band", "Stock", "StockNumber", "area_of", "format_number"]


@attrs.frozen
class Area:
    """One geographic range: its dialling code, tariff town and display grouping."""

    code: str
    """Dialling code, e.g. ``01245``."""
    tariff: str
    """The town TTNC names as the tariff, e.g. ``Chelmsford``."""
    groups: tuple[int, ...]
    """Digit groups of the spaced display form: ``(5, 3, 3)`` gives ``01245 835 013``."""
    first_digit: int | None = None
    """Leading digit of every number sold (London sells 0203 only), None: any of 2-9."""


AREAS: tuple[Area, ...] = (
    Area("01245", "Chelmsford", (5, 3, 3)),
    Area("01223", "Cambridge", (5, 3, 3)),
    Area("01865", "Oxford", (5, 3, 3)),
    Area("01603", "Norwich", (5, 3, 3)),
    Area("0113", "Leeds", (4, 3, 4)),
    Area("0114", "Sheffield", (4, 3, 4)),
    Area("0117", "Bristol", (4, 3, 4)),
    Area("0121", "Birmingham", (4, 3, 4)),
    Area("0131", "Edinburgh", (4, 3, 4)),
    Area("0141", "Glasgow", (4, 3, 4)),
    Area("0151", "Liverpool", (4, 3, 4)),
    Area("0161", "Manchester", (4, 3, 4)),
    Area("0191", "Newcastle", (4, 3, 4)),
    Area("020", "London", (3, 4, 4), first_digit=3),
    Area("029", "Cardiff", (3, 4, 4)),
)
"""Every area the sandbox sells numbers in."""

_AREA_BY_CODE = {area.code: area for area in AREAS}
_NUMBER_LENGTH = 11  # every UK geographic number, leading 0 included


@attrs.frozen
class Band:
    """A price band and its display prices (TTNC's strings: ``£10``, ``yearly``)."""

    code: str
    price: int
    """Purchase price in whole pounds."""
    renewal_price: int
    """Renewal price in whole pounds."""
    renewal_freq: str = "yearly"

    @property
    def price_text(self) -> str:
        """The price as TTNC shows it, e.g. ``£1,000``."""
        return pounds(self.price)

    @property
    def renewal_text(self) -> str:
        """The renewal price as TTNC shows it."""
        return pounds(self.renewal_price)


BANDS: dict[str, Band] = {
    band.code: band
    for band in (
        Band("00", 10, 10),
        Band("10", 50, 20),
        Band("20", 100, 25),
        Band("30", 250, 50),
        Band("40", 500, 75),
        Band("50", 1000, 100),
    )
}
"""Price bands by code, cheapest first."""

# (lowest, highest) count of numbers per band in one area's stock.
_BAND_SIZES = {
    "00": (2000, 8000),
    "10": (500, 1500),
    "20": (100, 400),
    "30": (50, 300),
    "40": (10, 60),
    "50": (3, 20),
}


def pounds(amount: int) -> str:
    """Whole pounds as a display string with a thousands comma: ``£1,000``."""
    return f"£{amount:,}"


def area_of(raw: str) -> Area | None:
    """The area a raw number belongs to (longest code first), or None."""
    for length in (5, 4, 3):
        area = _AREA_BY_CODE.get(raw[:length])
        if area is not None:
            return area
    return None


@functools.lru_cache(maxsize=1024)
def _split_points(prefix: str) -> tuple[int, int] | None:
    # Keyed by the first five digits, which fix the area: a 100,000-number
    # listing formats in one pass instead of one area lookup per number.
    area = area_of(prefix)
    if area is None:
        return None
    first, second, _ = area.groups
    return first, first + second


def format_number(raw: str) -> str:
    """The spaced display form of a raw number (``01245835013`` -> ``01245 835 013``)."""
    points = _split_points(raw[:5]) if len(raw) == _NUMBER_LENGTH else None
    if points is None:
        return raw
    a, b = points
    return f"{raw[:a]} {raw[a:b]} {raw[b:]}"


@attrs.frozen
class StockNumber:
    """One available number."""

    raw: str
    band: str
    area: Area


class Stock:
    """Every available number, area by area, drawn lazily from the seed."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        """The seed every area's numbers are drawn from."""
        # area code -> raw number -> band, raw numbers in ascending order.
        self._areas: dict[str, dict[str, str]] = {}

    def _numbers(self, area: Area) -> dict[str, str]:
        numbers = self._areas.get(area.code)
        if numbers is None:
            numbers = self._draw(area)
            self._areas[area.code] = numbers
        return numbers

    def _draw(self, area: Area) -> dict[str, str]:
        rng = random.Random(f"{self.seed}:{area.code}")
        digits = _NUMBER_LENGTH - len(area.code)
        if area.first_digit is None:
            low, high = 2 * 10 ** (digits - 1), 10**digits
        else:
            low = area.first_digit * 10 ** (digits - 1)
            high = low + 10 ** (digits - 1)
        sizes = {band: rng.randint(*limits) for band, limits in _BAND_SIZES.items()}
        subscribers = rng.sample(range(low, high), sum(sizes.values()))
        bands = [band for band, size in sizes.items() for _ in range(size)]
        drawn = {
            f"{area.code}{sub:0{digits}d}": band
            for sub, band in zip(subscribers, bands, strict=True)
        }
        return dict(sorted(drawn.items()))

    def _areas_for(self, prefix: str | None) -> Iterator[Area]:
        for area in AREAS:
            if prefix is None or area.code.startswith(prefix) or prefix.startswith(area.code):
                yield area

    def search(
        self, prefix: str | None, band: str | None, limit: int
    ) -> tuple[list[StockNumber], dict[str, int]]:
        """Up to ``limit`` available numbers starting with ``prefix`` in ``band``.

        Also returns how many numbers starting with ``prefix`` each band
        holds (every band, whatever ``band`` is, as TTNC's example shows).
        ``prefix=None`` searches every area; ``band=None`` every band.
        """
        found: list[StockNumber] = []
        counts = dict.fromkeys(BANDS, 0)
        for area in self._areas_for(prefix):
            for raw, number_band in self._numbers(area).items():
                if prefix is not None and not raw.startswith(prefix):
                    continue
                counts[number_band] += 1
                if len(found) < limit and (band is None or band == number_band):
                    found.append(StockNumber(raw, number_band, area))
        return found, counts

    def band_of(self, raw: str) -> str | None:
        """The band of ``raw`` if it is available, else None."""
        area = area_of(raw)
        if area is None:
            return None
        return self._numbers(area).get(raw)

    def take(self, raw: str) -> None:
        """Remove ``raw`` from sale (it has been bought). KeyError if not available."""
        area = area_of(raw)
        if area is None:
            raise KeyError(raw)
        del self._numbers(area)[raw]
