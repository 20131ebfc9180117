"""Invariants under random operation: a hypothesis state machine drives a client and the sandbox.

Each example opens a fresh account (two numbers of its own) on one shared
sandbox and a fresh client for it, then runs up to eight random steps. A
step arms up to three faults and sends a batch of one to three operations
(search, add to basket, view basket, set destination, get a number's
configuration, list numbers, add a card, list cards, place an order). The machine keeps a model
of what the account holds, from the answers alone, and checks:

- every request of every call ends as ok, an API error, not sent, or
  outcome unknown, with exactly one answer per request id, in order:
  nothing is silently dropped;
- the journal agrees: an ok request was carried out, an unsafe one never
  twice, a request with an API error or (unless read-only) not sent never;
- correlation is never crossed: each answer is to its own request (its
  operation, and content that only that request could produce);
- the client's view matches the sandbox: reads agree with the model, and
  after an unknown outcome a read-only reconciliation (basket, numbers,
  cards) finds one of the states the uncertain requests allow; after every
  step the model equals the sandbox's own state.

Why two runs. In process (``InProcessTransport(sandbox.handle)``) a step
costs a millisecond or two, so 200 examples run in seconds; it covers the
faults that act on answers (busy, server errors, an HTML page, missing,
duplicated, renamed and id-less responses, expired sessions). The faults
that act on the connection (closed before reading, closed after the
effect, truncated) need a socket: the in-process entry cannot lose an
answer the way a connection does. They run over real loopback HTTP, with
every other fault as well, in fewer examples.
"""

from __future__ import annotations

import enum
import itertools
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs
import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    rule,
    run_state_machine_as_test,
)
from reliability_support import Figures, card

from ttnc_pipeline import (
    Batch,
    Client,
    CorrelationError,
    ManualClock,
    OutcomeUnknown,
    ProtocolError,
    Request,
    RequestNotSent,
    Response,
    RetryPolicy,
    Safety,
    safety_of,
)
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.testing.hostile import HTML_ERROR_PAGE
from ttnc_pipeline.transports import InProcessTransport

AREAS = ("01245", "0161", "020")
DESTINATIONS = ("07512312312", "447512312312", "07700900123|07700900124")
NO_SUCH_CARD = 999_999
OPERATIONS = {
    "search": ("NoveroNumberSearch", "Search"),
    "add": ("Order", "AddToBasket"),
    "basket": ("Order", "ViewBasket"),
    "route": ("NoveroNumbers", "SetDestination"),
    "config": ("NoveroNumbers", "GetNumberConfig"),
    "numbers": ("NoveroNumbers", "ListNumbers"),
    "card": ("NoveroUser", "AddCard"),
    "cards": ("NoveroUser", "GetCards"),
    "order": ("Order", "PlaceOrder"),
}


class Outcome(enum.Enum):
    """The four ways a request may end."""

    OK = "ok"
    API_ERROR = "API error"
    NOT_SENT = "not sent"
    UNKNOWN = "outcome unknown"


@attrs.frozen
class State:
    """What the account holds: basket (of the client's session), numbers, cards."""

    basket: tuple[str, ...]
    owned: Mapping[str, str]  # number -> destination
    tokens: frozenset[int]
    unnamed_cards: int = 0  # cards added in a branch whose TokenId is not known

    def matches(self, seen: State) -> bool:
        return (
            self.basket == seen.basket
            and dict(self.owned) == dict(seen.owned)
            and self.tokens <= seen.tokens
            and len(seen.tokens) == len(self.tokens) + self.unnamed_cards
        )


@attrs.frozen
class Op:
    """One operation with its arguments."""

    kind: str
    number: str = ""
    value: str = ""

    @property
    def safety(self) -> Safety:
        return safety_of(*OPERATIONS[self.kind])

    def request(self, request_id: str) -> Request:
        target, name = OPERATIONS[self.kind]
        params: dict[str, Any] = {
            "search": {"Range": self.value, "Limit": 3},
            "add": {"number": self.number, "type": "number"},
            "route": {"Number": self.number, "Destination": self.value},
            "config": {"Number": self.number},
            "card": card(),
            "order": {"TokenId": self.value, "CV2": "123"},
        }.get(self.kind, {})
        return Request(target, name, request_id, params)

    def effect(self, state: State, answer: Response | None = None) -> State | None:
        """The state after this operation is carried out, or None if the sandbox would refuse it.

        ``answer`` is the ok response, when there is one (an added card's TokenId).
        """
        if self.kind == "add":
            if self.number in state.basket or self.number in state.owned:
                return None
            return attrs.evolve(state, basket=(*state.basket, self.number))
        if self.kind == "route":
            return attrs.evolve(state, owned={**state.owned, self.number: self.value})
        if self.kind == "card":
            if answer is None:
                return attrs.evolve(state, unnamed_cards=state.unnamed_cards + 1)
            return attrs.evolve(state, tokens=state.tokens | {int(answer["TokenId"])})
        if self.kind == "order":
            if int(self.value) not in state.tokens or not state.basket:
                return None
            bought = dict.fromkeys(state.basket, "")
            return attrs.evolve(state, basket=(), owned={**state.owned, **bought})
        return state  # read-only


def seen_in(reply: Sequence[Response]) -> State:
    """The state three ok reads (ViewBasket, ListNumbers, GetCards) show."""
    basket, numbers, cards = reply
    assert basket.ok and numbers.ok and cards.ok
    return State(
        basket=read_of("basket", basket),  # type: ignore[arg-type]
        owned=read_of("numbers", numbers),  # type: ignore[arg-type]
        tokens=read_of("cards", cards),  # type: ignore[arg-type]
    )


def check_answer(op: Op, answer: Response, state: State, *, first_attempt: bool) -> None:
    """An ok answer is to this very request, and reads agree with the model.

    After a retry, a read may already show what an earlier attempt of the
    same batch did (an idempotent change carried out, its answer lost), so
    reads are compared with the model only when the first attempt answered.
    """
    if op.kind == "search":
        found = [n["RawNumber"] for n in answer.all("Numbers/Number")]
        assert found and all(number.startswith(op.value) for number in found)
    elif op.kind == "config":
        assert answer["Number"] == op.number
        rules = answer.all("Rules/Rule")
        routed = rules[0]["Destination"] if rules else ""
        assert routed == state.owned[op.number] or not first_attempt
    elif op.kind in ("basket", "numbers", "cards"):
        shown = read_of(op.kind, answer)
        assert shown == model_of(op.kind, state) or not first_attempt, f"{op.kind} disagrees"
    elif op.kind == "card":
        assert answer["TokenId"].isdigit()
    elif op.kind == "order":
        assert answer["OrderId"].isdigit()
        assert int(answer["ItemCount"]) == len(state.basket) or not first_attempt


def read_of(kind: str, answer: Response) -> object:
    """What one read (``basket``, ``numbers``, ``cards``) shows."""
    if kind == "basket":
        return tuple(item["Number"] for item in answer.all("Items/Item"))
    if kind == "numbers":
        return {n["RawNumber"]: n["Destination"] for n in answer.all("Numbers/Number")}
    return frozenset(int(c["TokenId"]) for c in answer.all("Cards/Card"))


def model_of(kind: str, state: State) -> object:
    """What the model says that read should show."""
    return {"basket": state.basket, "numbers": dict(state.owned), "cards": state.tokens}[kind]


STATS: Counter[str] = Counter()
_examples = itertools.count(1)
FAULTS_ON_ANSWERS = (
    *("busy", "server error", "html page", "omit", "duplicate", "rename", "strip"),
    "expire sessions",
)
FAULTS_ON_CONNECTIONS = ("close before read", "close after effect", "truncate")
MATCHES = st.one_of(st.none(), st.sampled_from(["AddToBasket", "PlaceOrder", "AddCard"]))


class ClientMachine(RuleBasedStateMachine):
    """A client and its account on a shared sandbox, stepped at random."""

    def __init__(self, sandbox: Sandbox, over_http: bool) -> None:
        super().__init__()
        self.sandbox = sandbox
        self.over_http = over_http
        self.prefix = f"e{next(_examples)}"
        self.username = f"machine-{self.prefix}"
        sandbox.faults.clear()
        sandbox.journal.clear()
        sandbox.add_account(self.username, "machine-password", "machine-vkey")
        granted = sandbox.grant_numbers(self.username, 2)
        transport = None if over_http else InProcessTransport(sandbox.handle)
        self.client = Client(
            sandbox.url,
            self.username,
            "machine-password",
            "machine-vkey",
            transport=transport,
            clock=ManualClock(),
            rand=lambda: 0.5,
            retry=RetryPolicy(max_attempts=3),
        )
        self.state = State(basket=(), owned=dict.fromkeys(granted, ""), tokens=frozenset())
        self.candidates: list[str] = []
        self.calls = 0
        STATS["examples"] += 1

    def teardown(self) -> None:
        self.sandbox.faults.clear()
        self.client.close()

    # --- operations ----------------------------------------------------------

    def draw_op(self, data: st.DataObject) -> Op:
        kinds = [k for k in OPERATIONS if k != "add" or self.candidates]
        kind = data.draw(st.sampled_from(kinds))
        owned = sorted(self.state.owned)
        if kind == "search":
            return Op(kind, value=data.draw(st.sampled_from(AREAS)))
        if kind == "add":
            return Op(kind, number=data.draw(st.sampled_from(self.candidates)))
        if kind == "route":
            return Op(
                kind, data.draw(st.sampled_from(owned)), data.draw(st.sampled_from(DESTINATIONS))
            )
        if kind == "config":
            return Op(kind, number=data.draw(st.sampled_from(owned)))
        if kind == "order":
            tokens = [*sorted(self.state.tokens), NO_SUCH_CARD]
            return Op(kind, value=str(data.draw(st.sampled_from(tokens))))
        return Op(kind)

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        """Arm up to three faults, then send a batch of one to three operations."""
        kinds = FAULTS_ON_ANSWERS + (FAULTS_ON_CONNECTIONS if self.over_http else ())
        armed = st.tuples(st.sampled_from(kinds), st.integers(1, 3), MATCHES)
        for kind, times, match in data.draw(st.lists(armed, max_size=3), label="faults"):
            self.arm(kind, times, match)
        ops = [self.draw_op(data) for _ in range(data.draw(st.integers(1, 3), label="size"))]
        self.send(ops)

    def arm(self, kind: str, times: int, match: str | None) -> None:
        """Arm one fault for the coming call (expiry acts at once)."""
        faults = self.sandbox.faults
        actions: dict[str, Callable[[], object]] = {
            "busy": lambda: faults.status(503, {"Retry-After": "1"}, times=times, match=match),
            "server error": lambda: faults.status(500, times=times, match=match),
            "html page": lambda: faults.raw(HTML_ERROR_PAGE, times=times, match=match),
            "omit": lambda: faults.omit_response(times=times, match=match),
            "duplicate": lambda: faults.duplicate_request_id(times=times, match=match),
            "rename": lambda: faults.change_request_id("Intruder", times=times, match=match),
            "strip": lambda: faults.strip_request_ids(times=times, match=match),
            "expire sessions": faults.expire_sessions,
            "close before read": lambda: faults.close_before_read(times=times, match=match),
            "close after effect": lambda: faults.close_after_effect(times=times, match=match),
            "truncate": lambda: faults.truncate(times=times, match=match),
        }
        actions[kind]()
        STATS[f"fault: {kind}"] += 1

    # --- one call and what must hold after it ---------------------------------

    def send(self, ops: list[Op]) -> None:
        self.calls += 1
        ids = [f"{self.prefix}c{self.calls}r{i}" for i in range(len(ops))]
        before = self.client.session_id
        answers: list[Response | None] = [None] * len(ops)
        attempts = 1
        try:
            reply = self.client.send(Batch([op.request(i) for op, i in zip(ops, ids, strict=True)]))
        except RequestNotSent:
            outcomes = [Outcome.NOT_SENT] * len(ops)
        except (OutcomeUnknown, ProtocolError, CorrelationError):
            outcomes = [Outcome.UNKNOWN] * len(ops)
        else:
            mine = [r for r in reply if r.request_id != "SessionRequest"]
            assert [r.request_id for r in mine] == ids, "an answer was dropped or crossed"
            for op, answer in zip(ops, mine, strict=True):
                assert answer.operation == "/".join(OPERATIONS[op.kind])
            answers = list(mine)
            attempts = reply.attempts
            outcomes = [
                Outcome.UNKNOWN if r.missing else Outcome.OK if r.ok else Outcome.API_ERROR
                for r in mine
            ]
        finally:
            self.sandbox.faults.clear()
        STATS.update(f"request: {outcome.value}" for outcome in outcomes)
        self.check_journal(ops, ids, outcomes, answers)
        after = self.client.session_id
        start = self.state if after == before else attrs.evolve(self.state, basket=())
        if Outcome.UNKNOWN in outcomes:
            self.reconcile(start, ops, outcomes, answers, after)
        else:
            self.state = self.replay(start, ops, outcomes, answers, first_attempt=attempts == 1)
        for op, answer in zip(ops, answers, strict=True):
            if op.kind == "search" and answer is not None and answer.ok:
                fresh = [n["RawNumber"] for n in answer.all("Numbers/Number")]
                self.candidates = sorted({*self.candidates, *fresh})

    def check_journal(
        self,
        ops: list[Op],
        ids: list[str],
        outcomes: list[Outcome],
        answers: list[Response | None],
    ) -> None:
        records = self.sandbox.journal.operations()
        for op, request_id, outcome, answer in zip(ops, ids, outcomes, answers, strict=True):
            mine = [record for record in records if record.request_id == request_id]
            done = sum(1 for record in mine if record.ok)
            if op.safety is Safety.UNSAFE:
                assert done <= 1, f"{op.kind} {request_id} was carried out {done} times"
            if outcome is Outcome.OK:
                assert done >= 1
            elif outcome is Outcome.API_ERROR:
                assert answer is not None
                assert done == 0 and any(record.code == answer.code for record in mine)
            elif outcome is Outcome.NOT_SENT and op.safety is not Safety.READ_ONLY:
                assert done == 0, f"{op.kind} reported not sent, but it was carried out"

    def replay(
        self,
        state: State,
        ops: list[Op],
        outcomes: list[Outcome],
        answers: list[Response | None],
        *,
        first_attempt: bool,
    ) -> State:
        """The state after a call whose every outcome is known, checking each answer."""
        for op, outcome, answer in zip(ops, outcomes, answers, strict=True):
            if outcome is Outcome.OK:
                assert answer is not None
                check_answer(op, answer, state, first_attempt=first_attempt)
                after = op.effect(state, answer)
                assert after is not None, f"{op.kind} succeeded where the model expected a refusal"
                state = after
            elif outcome is Outcome.API_ERROR:
                assert answer is not None
                if answer.code != 401:  # a failed renewal leaves a request unauthorised
                    assert op.effect(state) is None, f"{op.kind} refused: {answer.message}"
        return state

    def reconcile(
        self,
        state: State,
        ops: list[Op],
        outcomes: list[Outcome],
        answers: list[Response | None],
        session_after_call: str | None,
    ) -> None:
        """After an unknown outcome: read the truth, check it is a possible one, adopt it."""
        branches = [state]
        for op, outcome, answer in zip(ops, outcomes, answers, strict=True):
            if outcome is Outcome.OK:
                branches = [b for b in (op.effect(s, answer) for s in branches) if b is not None]
            elif outcome is Outcome.UNKNOWN:
                branches += [b for b in (op.effect(s) for s in branches) if b is not None]
        reads = [Request(*OPERATIONS[kind]) for kind in ("basket", "numbers", "cards")]
        reply = self.client.send(Batch(reads))
        seen = seen_in([r for r in reply if r.request_id != "SessionRequest"])
        if self.client.session_id != session_after_call:  # a new login: a new, empty basket
            branches = [attrs.evolve(b, basket=()) for b in branches]
        assert any(branch.matches(seen) for branch in branches), (
            f"after {[(op.kind, o.value) for op, o in zip(ops, outcomes, strict=True)]} "
            f"the sandbox holds {seen}, none of {branches}"
        )
        self.state = seen
        STATS["reconciliations"] += 1

    @invariant()
    def the_model_is_the_sandbox(self) -> None:
        state = self.sandbox.state
        with state.lock:
            account = state.account(self.username)
            owned, tokens = dict(account.numbers), frozenset(account.cards)
            session_id = self.client.session_id
            session = None if session_id is None else state.sessions.find(session_id)[0]
            basket = () if session is None else tuple(item.number for item in session.basket)
        assert owned == dict(self.state.owned)
        assert tokens == self.state.tokens
        assert basket == self.state.basket


def run_machine(sandbox: Sandbox, over_http: bool, examples: int) -> Counter[str]:
    STATS.clear()
    run_state_machine_as_test(
        lambda: ClientMachine(sandbox, over_http),
        settings=settings(max_examples=examples, stateful_step_count=8, deadline=None),
    )
    return Counter(STATS)


def report(figures: Figures, mode: str, stats: Counter[str]) -> None:
    outcomes = ", ".join(
        f"{k[9:]} {v}" for k, v in sorted(stats.items()) if k.startswith("request")
    )
    figures.add(
        "stateful",
        {
            "transport": mode,
            "examples": stats["examples"],
            "requests": sum(v for k, v in stats.items() if k.startswith("request")),
            "outcomes": outcomes,
            "reconciliations": stats["reconciliations"],
            "faults armed": sum(v for k, v in stats.items() if k.startswith("fault")),
        },
    )


def test_invariants_hold_in_process_under_answer_faults(
    shared_sandbox: Sandbox, figures: Figures
) -> None:
    stats = run_machine(shared_sandbox, over_http=False, examples=200)
    assert stats["examples"] >= 200
    report(figures, "in process", stats)


@pytest.mark.slow
def test_invariants_hold_over_http_under_connection_faults(
    shared_sandbox: Sandbox, figures: Figures
) -> None:
    stats = run_machine(shared_sandbox, over_http=True, examples=200)
    assert stats["examples"] >= 200
    assert stats["fault: close after effect"] and stats["fault: truncate"]
    report(figures, "real HTTP", stats)
