"""Accounts: who may log in, which numbers they hold, which cards they saved.

- :class:`Credentials` a username, password and VKey (the three values of
  ``Auth/SessionLogin``); its repr shows none of them;
- :class:`Card` a saved payment card, kept the way a careful shop keeps it:
  the last four digits and a digest of the CV2, never the card number or the
  CV2 itself;
- :class:`Account` credentials, numbers (raw number -> destination, ``''``
  when calls go nowhere yet), cards by TokenId.

Accounts are plain mutable records; the sandbox state's lock guards every
change. ``version`` grows on every change of numbers or routing so that
expensive answers (a 100,000-number listing) can be cached safely.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

from ttnc_pipeline.redaction import MASK

__all__ = ["Account", "Card", "Credentials", "cv2_digest"]

_T = TypeVar("_T")


@attrs.frozen(repr=False)
class Credentials:
    """The three login values of one account. The repr masks all of them."""

    username: str
    password: str
    vkey: str

    def matches(self, username: str, password: str, vkey: str) -> bool:
        """Compare in constant time (the sandbox is a toy, but habits matter)."""
        same = [
            hmac.compare_digest(mine.encode(), theirs.encode())
            for mine, theirs in (
                (self.username, username),
                (self.password, password),
                (self.vkey, vkey),
            )
        ]
        return all(same)

    def __repr__(self) -> str:
        return f"Credentials(username={MASK}, password={MASK}, vkey={MASK})"


def cv2_digest(token_id: int, cv2: str) -> str:
    """A salted digest of a CV2, so the clear value is never stored."""
    return hashlib.sha256(f"{token_id}:{cv2}".encode()).hexdigest()


@attrs.define(repr=False)
class Card:
    """A saved card: what ``GetCards`` may show, plus the CV2 digest to check orders."""

    token_id: int
    card_name: str
    type: str
    last_four: str
    expiry_month: str
    expiry_year: str
    cv2_digest: str

    @property
    def masked_number(self) -> str:
        """``************1111``: the last four digits only."""
        return "*" * 12 + self.last_four

    def cv2_matches(self, cv2: str) -> bool:
        """Tell whether ``cv2`` is the CV2 given when the card was added."""
        return hmac.compare_digest(self.cv2_digest, cv2_digest(self.token_id, cv2))

    def __repr__(self) -> str:
        return f"Card(token_id={self.token_id}, type={self.type!r}, number={self.masked_number!r})"


@attrs.define(repr=False)
class Account:
    """One account's login, numbers, routing and cards."""

    credentials: Credentials
    numbers: dict[str, str] = attrs.Factory(dict)
    """Raw number -> destination (several joined by ``|``; ``''``: not routed yet)."""
    route_to_all: set[str] = attrs.Factory(set)
    """Numbers whose destinations ring simultaneously (``EnableRouteToAll``)."""
    cards: dict[int, Card] = attrs.Factory(dict)
    """Saved cards by TokenId."""
    version: int = 0
    """Grows whenever numbers or routing change (a cache key)."""
    _memo: dict[str, tuple[int, Any]] = attrs.field(factory=dict, init=False, eq=False)

    @property
    def username(self) -> str:
        """The login name."""
        return self.credentials.username

    def changed(self) -> None:
        """Mark numbers or routing as changed, invalidating cached answers."""
        self.version += 1

    def remember(self, key: str, compute: Callable[[], _T]) -> _T:
        """``compute()``, reused until numbers or routing next change."""
        known = self._memo.get(key)
        if known is not None and known[0] == self.version:
            return known[1]  # type: ignore[no-any-return]
        value = compute()
        self._memo[key] = (self.version, value)
        return value

    def __repr__(self) -> str:
        return (
            f"Account(username={MASK}, numbers={len(self.numbers)}, cards={len(self.cards)}, "
            f"version={self.version})"
        )
