"""Everything the sandbox remembers, behind one lock.

:class:`SandboxState` owns the accounts (:mod:`.accounts`), the sessions
and their baskets (:mod:`.sessions`), the stock of numbers for sale
(:mod:`.stock`) and the counters that issue TokenIds and order ids. Tests
read it to assert effects (``sandbox.state.account(name).numbers``).

Concurrency: one re-entrant lock, :attr:`SandboxState.lock`. The dispatcher
holds it while one batch is carried out, so each batch is atomic and the
requests of concurrent batches never interleave. Methods here take the lock
themselves, so tests and setup code may call them from any thread.

Determinism: everything random (demo credentials, session ids, the stock)
comes from generators seeded by ``seed``; TokenIds and order ids count up.
"""

from __future__ import annotations

import random
import threading

from ttnc_pipeline.clock import Clock
from ttnc_pipeline.conventions import SESSION_LIFETIME
from ttnc_pipeline.sandbox.accounts import Account, Credentials
from ttnc_pipeline.sandbox.sessions import Session, SessionStore
from ttnc_pipeline.sandbox.stock import Stock

__all__ = ["DEMO_DESTINATION", "SandboxState"]

# Granted numbers come from their own block (London 0208...), which the
# stock never sells (it sells London 0203... only), so they cannot collide.
_GRANT_PREFIX = "0208"
_GRANT_LIMIT = 10**7
_FIRST_TOKEN_ID = 12883  # the TokenId of TTNC's own example
_FIRST_ORDER_ID = 500001

DEMO_DESTINATION = "07700900123"
"""Where the demo account's starting numbers ring (an Ofcom drama-range mobile)."""


class SandboxState:
    """Accounts, sessions, stock and counters of one sandbox.

    ``owned_numbers`` (default 3) is how many numbers the demo account
    holds at start, each routed to :data:`DEMO_DESTINATION`.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        clock: Clock,
        session_lifetime: float = SESSION_LIFETIME,
        owned_numbers: int = 3,
    ) -> None:
        self.lock = threading.RLock()
        """Held while anything here changes (re-entrant)."""
        self.clock = clock
        self.stock = Stock(seed)
        """Numbers for sale."""
        self.sessions = SessionStore(seed=seed, clock=clock, lifetime=session_lifetime)
        """Issued sessions and their baskets."""
        self._accounts: dict[str, Account] = {}
        self._next_grant = 0
        self._next_token_id = _FIRST_TOKEN_ID
        self._next_order_id = _FIRST_ORDER_ID
        rng = random.Random(f"{seed}:demo")
        self.demo = Credentials(
            username="demo",
            password=f"sandbox-{rng.getrandbits(48):012x}",
            vkey=f"{rng.getrandbits(120):030x}",
        )
        """The demo account's credentials (deterministic from the seed)."""
        self.add_account(self.demo.username, self.demo.password, self.demo.vkey)
        self.grant_numbers(self.demo.username, owned_numbers, destination=DEMO_DESTINATION)

    def add_account(self, username: str, password: str, vkey: str) -> Account:
        """Create an account. ValueError if the username is taken or a value is empty."""
        if not (username and password and vkey):
            raise ValueError("username, password and vkey must all be non-empty")
        with self.lock:
            if username in self._accounts:
                raise ValueError("an account with this username already exists")
            account = Account(Credentials(username, password, vkey))
            self._accounts[username] = account
            return account

    def account(self, username: str) -> Account:
        """The account called ``username``. KeyError if there is none."""
        with self.lock:
            return self._accounts[username]

    def grant_numbers(self, username: str, count: int, *, destination: str = "") -> list[str]:
        """Give ``username`` ``count`` new numbers, as if bought long ago.

        The numbers come from a block the stock never sells (``0208...``),
        in ascending order, each routed to ``destination`` (default ``''``:
        not routed). Cheap enough for 100,000 numbers. Returns them.
        """
        if count < 0:
            raise ValueError("count must be zero or more")
        with self.lock:
            account = self._accounts[username]
            if self._next_grant + count > _GRANT_LIMIT:
                raise ValueError(f"the sandbox can grant at most {_GRANT_LIMIT:,} numbers")
            start = self._next_grant
            self._next_grant += count
            granted = [f"{_GRANT_PREFIX}{n:07d}" for n in range(start, start + count)]
            account.numbers.update(dict.fromkeys(granted, destination))
            account.changed()
            return granted

    def login(self, username: str, password: str, vkey: str) -> Session | None:
        """A new session if the three values match an account, else None."""
        with self.lock:
            account = self._accounts.get(username)
            if account is None or not account.credentials.matches(username, password, vkey):
                return None
            return self.sessions.issue(username)

    def expire_sessions(self) -> int:
        """Expire every session now; return how many were still valid."""
        with self.lock:
            return self.sessions.expire_all()

    def new_token_id(self) -> int:
        """The next card TokenId (counting up from TTNC's example, 12883)."""
        with self.lock:
            token_id = self._next_token_id
            self._next_token_id += 1
            return token_id

    def new_order_id(self) -> int:
        """The next order id."""
        with self.lock:
            order_id = self._next_order_id
            self._next_order_id += 1
            return order_id

    def __repr__(self) -> str:
        return f"SandboxState(accounts={len(self._accounts)}, sessions={len(self.sessions)})"
