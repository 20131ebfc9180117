"""Secrets never leave the client: not in logs, reprs, errors, cassettes or CLI output.

Hypothesis makes the secrets: a username, password and VKey (letters of
any script, digits, punctuation and symbols, at least 8 characters with a
rare symbol among them, so that none can appear by chance), a card number
(Luhn valid or not, at least 4 different digits), and a session id the
sandbox never issued. The sandbox gets
an account with those credentials; the session ids it issues are secrets
too. :func:`exercise` then drives every path through one client: success,
API errors, a saved card, each fault (busy, 500, truncation, a dropped
connection before and after the effect, duplicated ids, a missing
response, a redirect, a refused connection), a hostile server echoing the
request back (as XML, and inside a 502 page), an expired session, a
foreign session, refused credentials.

Searched: stdlib logging at DEBUG (every logger, through ``caplog``),
structlog configured with nothing but a capture (so the library cannot
lean on the user adding its redaction processor), every repr and
``str()`` of the objects and errors involved with their tracebacks, a
cassette file, and the ``ttnc`` command's output in a subprocess. Each
secret is looked for as written and in the forms that text takes on the
way (XML-escaped, JSON-escaped, repr-escaped, URL-quoted).
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import subprocess
import sys
import tempfile
import traceback
import urllib.parse
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import attrs
import pytest
import structlog
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_support import LIST, Figures, card, free_port

from ttnc_pipeline import (
    Batch,
    Client,
    ManualClock,
    Reply,
    Request,
    RetryPolicy,
    TTNCApi,
    TTNCError,
)
from ttnc_pipeline.codec import encode_batch
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.transports import RecordingTransport, Urllib3Transport

# --- the secrets ---------------------------------------------------------------

_secret_characters = st.characters(categories=("L", "N", "P", "S"))
secret_text = st.builds(
    "{}{}{}".format,
    st.text(_secret_characters, min_size=4, max_size=12),
    # One rare symbol inside makes every secret distinctive: hypothesis favours
    # strings like "00000123" or "match_re", which a traceback shows by chance.
    st.sampled_from("§¶‡※⁂"),
    st.text(_secret_characters, min_size=3, max_size=8),
)


def luhn_completed(digits: str) -> str:
    """``digits`` followed by the check digit that makes them pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return digits + str(-total % 10)


card_numbers = st.one_of(
    st.from_regex(r"[1-9][0-9]{11,17}", fullmatch=True).map(luhn_completed),
    st.from_regex(r"[0-9]{13,19}", fullmatch=True),  # mostly Luhn-invalid: an API error
).filter(lambda digits: len(set(digits)) >= 4)

_accounts = itertools.count(1)


@attrs.frozen
class Identity:
    """One account's secrets, and a session id nobody issued."""

    username: str
    password: str
    vkey: str
    card_number: str
    foreign_session: str

    def secrets(self) -> dict[str, str]:
        return {
            "username": self.username,
            "password": self.password,
            "VKey": self.vkey,
            "card number": self.card_number,
            "foreign session id": self.foreign_session,
        }


@st.composite
def identities(draw: st.DrawFn) -> Identity:
    username, password, vkey, foreign = (draw(secret_text) for _ in range(4))
    # A counter keeps usernames unique on the shared sandbox; the whole is the secret.
    return Identity(f"{username}~{next(_accounts)}", password, vkey, draw(card_numbers), foreign)


def forms(secret: str) -> set[str]:
    """``secret`` as written and as escaping on the way to a log line or file would show it."""
    xml = secret.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return {
        secret,
        xml,
        xml.replace('"', "&quot;"),
        json.dumps(secret)[1:-1],
        repr(secret)[1:-1],
        secret.encode("unicode_escape").decode("ascii"),
        urllib.parse.quote(secret),
        urllib.parse.quote_plus(secret),
    }


def assert_hidden(where: str, text: str, secrets: Mapping[str, str]) -> None:
    for label, secret in secrets.items():
        for form in forms(secret):
            assert form not in text, f"the {label} leaked into {where} as {form!r}"
    assert "<CV2>123</CV2>" not in text, f"a CV2 leaked into {where}"


def issued_sessions(sandbox: Sandbox, username: str) -> dict[str, str]:
    """Every session id the sandbox issued to ``username``, as secrets."""
    ids = {
        record.session_id
        for record in sandbox.journal.operations()
        if record.username == username and record.session_id
    }
    return {f"session id {i}": session_id for i, session_id in enumerate(sorted(ids))}


# --- every path ------------------------------------------------------------------


def echoes(who: Identity, session_id: str | None) -> tuple[bytes, bytes]:
    """What a misconfigured server might answer: the request echoed, bare and in a 502 page."""
    echoed = encode_batch(
        Batch(
            [
                Request(
                    "Auth",
                    "SessionLogin",
                    "SessionRequest",
                    {"Username": who.username, "Password": who.password, "VKey": who.vkey},
                ),
                Request("NoveroUser", "AddCard", "C", card(who.card_number)),
            ],
            session_id,
        )
    )
    return echoed, b"<html><body><h1>502 Bad Gateway</h1><pre>" + echoed + b"</pre></body></html>"


def exercise(sandbox: Sandbox, who: Identity, client: Client) -> list[str]:
    """Drive every path through ``client``; return the reprs and error texts it produced."""
    shown: list[str] = []
    faults = sandbox.faults

    def attempt(action: Callable[[], object]) -> None:
        try:
            result = action()
        except TTNCError as exc:
            shown.extend((str(exc), repr(exc), "".join(traceback.format_exception(exc))))
        else:
            shown.append(repr(result))

    def send(batch: Batch) -> Callable[[], Reply]:
        return lambda: client.send(batch)

    add_card = Batch([Request("NoveroUser", "AddCard", None, card(who.card_number))])
    api = TTNCApi(client=client)
    attempt(send(LIST))  # the login, then success
    spooled = api.newrequest("NoveroUser", "AddCard")
    for key, value in card(who.card_number).items():
        spooled.setdata(key, value)
    shown.append(repr(spooled))
    attempt(api.makerequests)  # saved, or refused with an API error (Luhn)
    shown.extend(map(repr, (spooled.getresponse(), api.getresponsefromid("SessionRequest"))))
    attempt(send(Batch([Request("NoveroNumbers", "SetDestination", None, {"Number": "0"})])))
    faults.status(503, {"Retry-After": "1"})
    attempt(send(LIST))
    faults.status(500)
    attempt(send(LIST))
    faults.truncate()
    attempt(send(LIST))
    faults.close_before_read()
    attempt(send(add_card))
    faults.close_after_effect()
    attempt(send(add_card))
    faults.duplicate_request_id()
    attempt(send(Batch([Request("NoveroCDR", "GetTotals"), Request("NoveroCDR", "GetTotals")])))
    faults.omit_response()
    attempt(send(add_card))
    bare, page = echoes(who, client.session_id)
    faults.raw(bare, times=2)
    attempt(send(LIST))
    faults.raw(page, status=502, times=2)
    attempt(send(add_card))
    faults.expire_sessions()
    attempt(send(LIST))  # a re-login
    api.usesession(who.foreign_session)  # never issued: refused, then a re-login
    api.newrequest("NoveroCDR", "GetTotals")
    attempt(api.makerequests)
    faults.status(302, {"Location": f"{sandbox.url}?session={client.session_id}"})
    attempt(send(LIST))  # a redirect, not followed
    wrong = Client(sandbox.url, who.username, who.password + "!", who.vkey, retry=False)
    attempt(lambda: wrong.send(LIST))  # refused credentials
    nowhere = Client(
        f"http://127.0.0.1:{free_port()}/api/", who.username, who.password, who.vkey, retry=False
    )
    attempt(lambda: nowhere.send(add_card))  # connection refused
    for other in (wrong, nowhere):
        other.close()
    store = client.session.store
    shown.extend(
        map(
            repr,
            (
                client,
                api,
                client.credentials,
                store,
                store.get(client.session.key),
                add_card,
                add_card.with_session(client.session_id),
                api.last_reply,
            ),
        )
    )
    faults.clear()
    return shown


def client_for(sandbox: Sandbox, who: Identity, **options: object) -> Client:
    return Client(
        sandbox.url,
        who.username,
        who.password,
        who.vkey,
        clock=ManualClock(),
        rand=lambda: 0.5,
        retry=RetryPolicy(max_attempts=2),
        **options,  # type: ignore[arg-type]
    )


def new_account(sandbox: Sandbox, who: Identity) -> None:
    sandbox.faults.clear()
    sandbox.add_account(who.username, who.password, who.vkey)
    sandbox.grant_numbers(who.username, 1, destination="07700900123")


def all_secrets(sandbox: Sandbox, who: Identity) -> dict[str, str]:
    return {**who.secrets(), **issued_sessions(sandbox, who.username)}


# --- the tests -------------------------------------------------------------------

SLOW_PATHS = settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture])


@SLOW_PATHS
@given(who=identities())
def test_no_secret_in_stdlib_debug_logs_reprs_or_errors(
    shared_sandbox: Sandbox, caplog: pytest.LogCaptureFixture, who: Identity, figures: Figures
) -> None:
    new_account(shared_sandbox, who)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        client = client_for(shared_sandbox, who)
        shown = exercise(shared_sandbox, who, client)
        client.close()
    secrets = all_secrets(shared_sandbox, who)
    assert len(secrets) > len(who.secrets())  # sessions were issued, and are checked too
    assert "<Password>***</Password>" in caplog.text  # bodies were logged, masked
    assert_hidden("stdlib logs", caplog.text, secrets)
    assert_hidden("reprs and errors", "\n".join(shown), secrets)
    figures.tally("secrets", "stdlib DEBUG logs; reprs, str() and tracebacks of errors")


@SLOW_PATHS
@given(who=identities())
def test_no_secret_in_structlog_events_without_the_redaction_processor(
    shared_sandbox: Sandbox, caplog: pytest.LogCaptureFixture, who: Identity, figures: Figures
) -> None:
    new_account(shared_sandbox, who)
    caplog.clear()
    with caplog.at_level(logging.DEBUG), structlog.testing.capture_logs() as events:
        client = client_for(shared_sandbox, who)  # built while structlog is configured
        exercise(shared_sandbox, who, client)
        client.close()
    names = {event["event"] for event in events}
    assert {"ttnc.batch.done", "ttnc.batch.failed", "ttnc.retry", "ttnc.http"} <= names
    secrets = all_secrets(shared_sandbox, who)
    assert_hidden("structlog events", repr(events), secrets)
    assert_hidden("stdlib logs", caplog.text, secrets)
    figures.tally("secrets", "structlog events (capture only, no redaction processor)")


@settings(max_examples=10)
@given(who=identities())
def test_no_secret_in_a_cassette(shared_sandbox: Sandbox, who: Identity, figures: Figures) -> None:
    new_account(shared_sandbox, who)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cassette.json"
        recorder = RecordingTransport(Urllib3Transport(shared_sandbox.url), path, mode="all")
        client = client_for(shared_sandbox, who, transport=recorder)
        exercise(shared_sandbox, who, client)
        client.close()
        text = path.read_text(encoding="utf-8")
    assert "SessionLogin" in text and "AddCard" in text
    assert_hidden("the cassette", text, all_secrets(shared_sandbox, who))
    figures.tally("secrets", "cassette file (RecordingTransport, mode all)")


# --- the command line ------------------------------------------------------------


def ttnc(sandbox: Sandbox, who: Identity, password: str, *args: str) -> subprocess.Popen[str]:
    """Start ``python -m ttnc_pipeline`` with the account's credentials in its environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTNC_")}
    env.update(
        TTNC_API_URL=sandbox.url,
        TTNC_USERNAME=who.username,
        TTNC_PASSWORD=password,
        TTNC_VKEY=who.vkey,
        PYTHONUTF8="1",
        PYTHONIOENCODING="utf-8",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "ttnc_pipeline", *args, "--debug", "--retries", "1"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def commands(who: Identity) -> Iterator[tuple[bool, tuple[str, ...]]]:
    """(use the right password?, arguments) of each command run for one identity."""
    card_options = [f"-d{key}={value}" for key, value in card(who.card_number).items()]
    yield True, ("call", "NoveroUser", "AddCard", *card_options)
    yield True, ("call", "NoveroNumbers", "SetDestination", "-dNumber=0", "-dDestination=1")
    yield False, ("call", "NoveroNumbers", "ListNumbers")


@pytest.mark.slow
@settings(max_examples=3)
@given(people=st.lists(identities(), min_size=2, max_size=2))
def test_no_secret_in_the_command_line_output(
    shared_sandbox: Sandbox, people: list[Identity], figures: Figures
) -> None:
    running = []
    for who in people:
        new_account(shared_sandbox, who)
        for right, args in commands(who):
            password = who.password if right else who.password + "!"
            running.append((who, args, ttnc(shared_sandbox, who, password, *args)))
    for who, args, process in running:
        out, err = process.communicate(timeout=60)
        assert process.returncode in (0, 1), err  # ok, or an API/authentication error
        assert "ttnc.http" in err  # --debug logged the bodies
        assert_hidden(f"`ttnc {' '.join(args[:3])}`", out + err, all_secrets(shared_sandbox, who))
        figures.tally("secrets", "`ttnc call --debug` stdout and stderr (subprocess)")
