"""Conformance checks for middleware written outside this library.

:func:`check_middleware` runs a middleware on probe batches with a fake
``call_next`` (a server that answers every request it is given) and
raises one :class:`AssertionError` listing everything that breaks the
contract the rest of the pipeline relies on::

    from ttnc_pipeline.testing import check_middleware

    def test_my_middleware_conforms():
        check_middleware(MyMiddleware())

The probes:

- a batch under a ``SessionId`` with a read-only request and an unsafe one
  that carries a card number and CV2;
- a batch with a login (username, password, VKey) whose answer carries a
  new ``SessionId``;
- the first batch again, with ``call_next`` raising
  :class:`~ttnc_pipeline.errors.OutcomeUnknown`.

What is checked, and why:

- **call_next**: called as expected (once by default), with a
  :class:`~ttnc_pipeline.core.Batch`, never after the middleware returned;
  never again after an unknown outcome on a batch with an unsafe operation
  (that could place an order twice);
- **ids and correlation**: every probe request reaches ``call_next`` with
  its id and operation, in order, with its secrets (a login needs them),
  its ``SessionId`` and the per-call options (batch id, deadline, retry
  override); no id is used twice; the reply answers each probe id exactly
  once, with the response the server gave to that id (not crossed);
- **errors**: an :class:`~ttnc_pipeline.errors.OutcomeUnknown` from
  ``call_next`` ends as a raised :class:`~ttnc_pipeline.errors.TTNCError`,
  not as a reply that hides that the outcome is unknown;
- **secrets**: no probe secret appears in any log record (stdlib
  ``logging`` at DEBUG, and structlog's default output), anything printed,
  any warning, any exception message, or the middleware's repr.

Probe secrets are random per run, and the report masks them.
"""

from __future__ import annotations

import contextlib
import io
import logging
import re
import secrets
import warnings
from collections.abc import Iterator
from typing import Any

from ttnc_pipeline.conventions import SESSION_REQUEST_ID
from ttnc_pipeline.core import Batch, Middleware, Reply, Request, Response
from ttnc_pipeline.errors import OutcomeUnknown, TTNCError
from ttnc_pipeline.redaction import MASK, is_sensitive, redact_text

__all__ = ["check_middleware"]


class _Probe:
    """Random secrets and the batches that carry them."""

    def __init__(self) -> None:
        token = secrets.token_hex(6)
        self.username = f"probe-user-{token}"
        self.password = f"probe-pass-{secrets.token_hex(8)}"
        self.vkey = f"probe-vkey-{secrets.token_hex(8)}"
        self.session_id = f"probesession{secrets.token_hex(12)}"
        self.new_session_id = f"probesession{secrets.token_hex(12)}"
        self.card_number = "4" + "".join(secrets.choice("0123456789") for _ in range(15))
        self.cv2 = str(6000 + secrets.randbelow(4000))
        self.options = {"batch_id": f"probe-batch-{token}", "probe": token}
        self.session_batch = Batch(
            (
                Request("NoveroNumbers", "ListNumbers", f"probe-{token}-1"),
                Request(
                    "NoveroUser",
                    "AddCard",
                    f"probe-{token}-2",
                    {"CardNumber": self.card_number, "CV2": self.cv2, "ExpiryMonth": "12"},
                ),
            ),
            self.session_id,
            options=self.options,
        )
        self.login_batch = Batch(
            (
                Request(
                    "Auth",
                    "SessionLogin",
                    SESSION_REQUEST_ID,
                    {"Username": self.username, "Password": self.password, "VKey": self.vkey},
                ),
                Request("NoveroNumberSearch", "Search", f"probe-{token}-3", {"Limit": "2"}),
            ),
            options=self.options,
        )

    @property
    def values(self) -> tuple[str, ...]:
        return (
            self.username,
            self.password,
            self.vkey,
            self.session_id,
            self.new_session_id,
            self.card_number,
        )

    def leaked(self, text: str) -> list[str]:
        """Names of the secrets found in ``text``."""
        names = ("username", "password", "VKey", "SessionId", "new SessionId", "card number")
        found = [name for name, value in zip(names, self.values, strict=True) if value in text]
        if re.search(rf"(?<![\w.]){self.cv2}(?![\w.])", text):
            found.append("CV2")
        return found

    def mask(self, text: str) -> str:
        for value in self.values:
            text = text.replace(value, MASK)
        return redact_text(text)


def _answer(request: Request, probe: _Probe) -> Response:
    data: dict[str, Any] = {"Echo": request.id or ""}
    if request.operation == "Auth/SessionLogin":
        data["SessionId"] = probe.new_session_id
    return Response.build(request.target, request.name, 200, request.id, data)


class _Capture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is still worth searching
            text = f"{record.msg!r} {record.args!r}"
        self.texts.append(f"{text} {record.__dict__!r}")
        if record.exc_info:
            self.texts.append(logging.Formatter().formatException(record.exc_info))


@contextlib.contextmanager
def _everything_captured(texts: list[str]) -> Iterator[None]:
    """Collect log records, printed output and warnings into ``texts``."""
    handler = _Capture()
    root, library = logging.getLogger(), logging.getLogger("ttnc_pipeline")
    levels = (root.level, library.level)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    library.setLevel(logging.DEBUG)
    out, err = io.StringIO(), io.StringIO()
    try:
        with (
            warnings.catch_warnings(record=True) as caught,
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            warnings.simplefilter("always")
            yield
    finally:
        root.removeHandler(handler)
        root.setLevel(levels[0])
        library.setLevel(levels[1])
        texts.extend(handler.texts)
        texts.extend((out.getvalue(), err.getvalue()))
        texts.extend(str(warning.message) for warning in caught)


def _exception_texts(exc: BaseException) -> list[str]:
    texts: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts.extend((str(current), repr(current)))
        current = current.__cause__ or current.__context__
    return texts


class _Run:
    """One probe: the fake ``call_next`` and what the middleware did with it."""

    def __init__(self, probe: _Probe, batch: Batch, *, fail: bool) -> None:
        self.probe = probe
        self.batch = batch
        self.fail = fail
        self.passed: list[Any] = []
        self.late_calls = 0
        self.finished = False

    def call_next(self, batch: Batch) -> Reply:
        if self.finished:
            self.late_calls += 1
        self.passed.append(batch)
        if not isinstance(batch, Batch):
            raise TypeError(f"call_next takes a Batch, not {type(batch).__name__}")
        if self.fail:
            raise OutcomeUnknown(
                "probe: the connection dropped after the batch was sent",
                request_ids=[r.id for r in batch.requests if r.id is not None],
                operations=[r.operation for r in batch.requests],
            )
        return Reply(tuple(_answer(request, self.probe) for request in batch.requests))


def _listed(requests: list[tuple[str | None, str]]) -> str:
    return ", ".join(f"{operation} (id {request_id!r})" for request_id, operation in requests)


def _check_passed(run: _Run, what: str, problems: list[str]) -> None:
    wanted = [(r.id, r.operation) for r in run.batch.requests]
    wanted_ids = {request_id for request_id, _ in wanted}
    originals = {r.id: r for r in run.batch.requests}
    for batch in run.passed:
        if not isinstance(batch, Batch):
            problems.append(f"{what}: passed a {type(batch).__name__} to call_next, not a Batch")
            continue
        kept = [(r.id, r.operation) for r in batch.requests if r.id in wanted_ids]
        if kept != wanted:
            problems.append(
                f"{what}: call_next must receive every request with its id, in order; "
                f"sent {_listed(wanted)}; call_next received {_listed(kept) or 'none of them'}"
            )
        ids = [r.id for r in batch.requests if r.id is not None]
        if len(ids) != len(set(ids)):
            problems.append(f"{what}: a request id is used twice in the batch: {sorted(ids)}")
        for request in batch.requests:
            original = originals.get(request.id)
            for key, value in original.params.items() if original is not None else ():
                if is_sensitive(key) and request.params.get(key) != value:
                    problems.append(
                        f"{what}: the {key} of request {request.id!r} was changed or removed "
                        "(redact copies for logs, never the batch that is sent)"
                    )
        if run.batch.session_id is not None and batch.session_id != run.batch.session_id:
            problems.append(f"{what}: the batch's SessionId was changed or dropped")
        lost = [key for key, value in run.batch.options.items() if batch.options.get(key) != value]
        if lost:
            problems.append(
                f"{what}: the per-call options {', '.join(map(repr, lost))} were lost "
                "(make new batches with batch.with_requests(...) or attrs.evolve, not Batch(...))"
            )


def _check_reply(run: _Run, reply: object, what: str, problems: list[str]) -> None:
    if not isinstance(reply, Reply):
        problems.append(f"{what}: returned {type(reply).__name__}, not a Reply")
        return
    for request in run.batch.requests:
        answers = [r for r in reply.responses if r.request_id == request.id]
        if len(answers) != 1:
            problems.append(
                f"{what}: the reply holds {len(answers)} responses for request id "
                f"{request.id!r}; it must hold exactly one"
            )
            continue
        answer = answers[0]
        if run.passed and not answer.missing and answer.get("Echo") != request.id:
            problems.append(
                f"{what}: the response for request id {request.id!r} is the server's answer to "
                f"{answer.get('Echo')!r}: correlation is crossed"
            )


def _describe(middleware: object) -> str:
    name = getattr(middleware, "__name__", None) or type(middleware).__name__
    return str(name)


def check_middleware(middleware: Middleware, *, expect_calls: int | None = 1) -> None:
    """Run ``middleware`` on probe batches; raise AssertionError listing what breaks the contract.

    ``expect_calls`` (default 1) is how many times ``call_next`` should be
    called for an ordinary batch that succeeds; None accepts any number,
    including none (a middleware that answers some batches itself). See the
    module docstring for the full list of checks.
    """
    probe = _Probe()
    problems: list[str] = []
    texts: list[str] = []
    runs = [
        ("the SessionId batch", _Run(probe, probe.session_batch, fail=False)),
        ("the login batch", _Run(probe, probe.login_batch, fail=False)),
        ("the failing batch", _Run(probe, probe.session_batch, fail=True)),
    ]
    with _everything_captured(texts):
        for what, run in runs:
            try:
                reply = middleware(run.batch, run.call_next)
            except Exception as exc:
                texts.extend(_exception_texts(exc))
                if not run.fail:
                    problems.append(
                        f"{what}: raised {type(exc).__name__} ({exc}) on an ordinary batch"
                    )
                elif not isinstance(exc, TTNCError):
                    problems.append(
                        f"{what}: call_next raised OutcomeUnknown, but the middleware raised "
                        f"{type(exc).__name__}, which is not a TTNCError"
                    )
            else:
                if run.fail and run.passed:
                    problems.append(
                        f"{what}: call_next raised OutcomeUnknown and the middleware returned a "
                        "reply: callers can no longer tell that the outcome is unknown"
                    )
                else:
                    _check_reply(run, reply, what, problems)
            finally:
                run.finished = True
            _check_passed(run, what, problems)
            calls = len(run.passed)
            if run.fail and calls > 1:
                problems.append(
                    f"{what}: sent the batch {calls} times after an unknown outcome, though it "
                    "holds an unsafe operation (NoveroUser/AddCard): that could double its effect"
                )
            elif not run.fail and expect_calls is not None and calls != expect_calls:
                problems.append(
                    f"{what}: called call_next {calls} times; expected {expect_calls} "
                    "(pass expect_calls=None to allow any number)"
                )
        texts.extend((repr(middleware), str(middleware)))
    for what, run in runs:
        if run.late_calls:
            problems.append(f"{what}: called call_next after returning")
    leaked = sorted({name for text in texts for name in probe.leaked(text)})
    if leaked:
        problems.append(
            f"secrets leaked into logs, output, warnings, exceptions or its repr: "
            f"{', '.join(leaked)}"
        )
    if problems:
        unique = dict.fromkeys(probe.mask(problem) for problem in problems)
        listed = "\n".join(f"  - {problem}" for problem in unique)
        raise AssertionError(f"middleware {_describe(middleware)} does not conform:\n{listed}")
