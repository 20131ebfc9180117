"""Logging: events with ids, operations and codes, and never a secret.

Secret values are distinctive strings; every path (success, API error,
fault, re-login, DEBUG bodies) runs, then the captured text is searched.
"""

from __future__ import annotations

import logging

import pytest
import structlog

from ttnc_pipeline import Batch, Client, Reply, Request, Response, TTNCApi, redact_event
from ttnc_pipeline._log import LOGGER_NAME, KeyValueLogger, get_logger
from ttnc_pipeline.middleware import LoggingMiddleware
from ttnc_pipeline.sandbox import Sandbox

CARD = "4929000000006"  # a Luhn-valid test card number
CV2 = "987"


def exercise(sandbox: Sandbox) -> Client:
    """Drive success, API errors, a fault, a re-login and a card through one client."""
    creds = sandbox.credentials
    client = Client(sandbox.url, creds.username, creds.password, creds.vkey)
    client.send(Batch([Request("NoveroNumbers", "ListNumbers")]))
    client.send(
        Batch(
            [
                Request(
                    "NoveroUser",
                    "AddCard",
                    None,
                    {
                        "CardName": "A N Other",
                        "CardNumber": CARD,
                        "ExpiryMonth": "05",
                        "ExpiryYear": "30",
                        "CV2": CV2,
                        "Type": "VISA",
                        "Address1": "1 High St",
                        "City": "Leeds",
                        "Postcode": "LS1 1AA",
                        "Country": "GB",
                    },
                )
            ]
        )
    )
    client.send(
        Batch(
            [Request("NoveroNumbers", "SetDestination", None, {"Number": "0", "Destination": "1"})]
        )
    )
    sandbox.faults.status(503)
    sandbox.faults.expire_sessions()
    client.send(Batch([Request("NoveroCDR", "GetTotals")]))
    return client


def secrets_of(sandbox: Sandbox, client: Client) -> list[str]:
    stored = client.session_id
    assert stored is not None
    return [sandbox.credentials.password, sandbox.credentials.vkey, stored, CARD]


def test_stdlib_debug_logs_carry_events_but_no_secrets(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="ttnc_pipeline"):
        client = exercise(sandbox)
    text = caplog.text
    for secret in secrets_of(sandbox, client):
        assert secret not in text
    assert f"<CV2>{CV2}</CV2>" not in text
    assert "<Password>***</Password>" in text  # bodies were logged, redacted
    assert "ttnc.batch.done" in text and "ttnc.retry" in text and "ttnc.http" in text
    done = [r for r in caplog.records if "ttnc.batch.done" in r.getMessage()]
    assert "codes=[200]" in done[0].getMessage()  # ListNumbers; not the added login
    assert "NoveroNumbers/ListNumbers" in done[0].getMessage()
    assert all(r.name == "ttnc_pipeline" for r in caplog.records if "ttnc." in r.getMessage())


def test_every_attempt_is_logged_with_its_number(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    creds = sandbox.credentials
    with Client(
        sandbox.url, creds.username, creds.password, creds.vkey, rand=lambda: 0.0
    ) as client:
        client.send(Batch([Request("NoveroNumbers", "ListNumbers")]))
        sandbox.faults.status(503)
        with caplog.at_level(logging.DEBUG, logger="ttnc_pipeline"):
            reply = client.send(Batch([Request("NoveroNumbers", "ListNumbers")]))
    assert reply.attempts == 2
    attempts = [r.getMessage() for r in caplog.records if "ttnc.http" in r.getMessage()]
    assert len(attempts) == 2
    assert "attempt=1" in attempts[0] and "status=503" in attempts[0]
    assert "attempt=2" in attempts[1] and "status=200" in attempts[1]


def test_info_level_logs_one_outcome_per_batch_and_no_bodies(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    creds = sandbox.credentials
    with caplog.at_level(logging.INFO, logger="ttnc_pipeline"):
        with Client(sandbox.url, creds.username, creds.password, creds.vkey) as client:
            client.send(Batch([Request("NoveroNumbers", "ListNumbers")]))
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "ttnc.batch.done" in m]) == 1
    assert not any("<NoveroRequest>" in m for m in messages)


def test_configured_structlog_receives_the_events_without_secrets(sandbox: Sandbox) -> None:
    structlog.configure(processors=[redact_event, structlog.testing.LogCapture()])
    try:
        with structlog.testing.capture_logs() as events:
            client = exercise(sandbox)
    finally:
        structlog.reset_defaults()
    names = {event["event"] for event in events}
    assert {"ttnc.batch.done", "ttnc.retry"} <= names
    dumped = repr(events)
    for secret in secrets_of(sandbox, client):
        assert secret not in dumped


def test_reprs_and_error_messages_hide_secrets(sandbox: Sandbox) -> None:
    creds = sandbox.credentials
    api = TTNCApi(creds.username, creds.password, creds.vkey, url=sandbox.url)
    request = api.newrequest("NoveroUser", "AddCard", "Card")  # a random id could hold "987"
    request.setdata("CardNumber", CARD)
    request.setdata("CV2", CV2)
    shown = " ".join(
        [
            repr(api),
            repr(api.client),
            repr(request),
            repr(request.to_request()),
            repr(api.client.credentials),
        ]
    )
    for secret in (creds.password, creds.vkey, creds.username, CARD, CV2):
        assert secret not in shown
    api.makerequests()
    login = api.getresponsefromid("SessionRequest")
    assert login is not None and login["SessionId"] not in repr(login)
    api.close()


def test_redact_event_masks_nested_values() -> None:
    event = {
        "event": "x",
        "Password": "p",
        "nested": {"VKey": "v", "ok": 1},
        "body": "<CV2>123</CV2>",
    }
    out = redact_event(None, "info", event)
    assert out == {
        "event": "x",
        "Password": "***",
        "nested": {"VKey": "***", "ok": 1},
        "body": "<CV2>***</CV2>",
    }


# --- the library's own key=value logger (structlog not configured) ---------------


def test_the_default_logger_writes_one_key_value_line_per_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logger = get_logger()
    assert isinstance(logger, KeyValueLogger)

    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        logger.bind(service="numbers").info("ttnc.batch.done", count=2, codes=[200, 404])
        logger.debug("ttnc.batch.sent", count=2)  # below INFO: dropped

    assert [(r.levelno, r.getMessage()) for r in caplog.records] == [
        (logging.INFO, "event='ttnc.batch.done' service='numbers' count=2 codes=[200, 404]")
    ]


@pytest.mark.parametrize(
    "fields",
    [
        {"SessionId": ["s3cr3t-list"]},
        {"password": {"nested": "s3cr3t-dict"}},
        {"message": "login failed: <Password>s3cr3t-xml</Password>"},
        {"message": "retry with SessionId=s3cr3t-pair now"},
        {"detail": {"VKey": "s3cr3t-nested-key"}},
        {"detail": {"SessionId": ["s3cr3t-nested-list"]}},
        {"detail": {"Password": {"inner": "s3cr3t-nested-dict"}}},
        {"detail": {"CardNumber": ("s3cr3t-nested-tuple",)}},
        {"items": [{"VKey": ["s3cr3t-in-a-list"]}]},
        {"message": "Password\t=\ts3cr3t-tabbed"},
        {"detail": {"SessionId": b"s3cr3t-bytes"}},
    ],
)
def test_the_default_logger_masks_secrets_in_any_shape(
    caplog: pytest.LogCaptureFixture, fields: dict[str, object]
) -> None:
    with caplog.at_level(logging.DEBUG, logger=LOGGER_NAME):
        get_logger().warning("ttnc.batch.failed", **fields)

    (line,) = [r.getMessage() for r in caplog.records]
    assert "s3cr3t" not in line
    assert "***" in line and line.startswith("event='ttnc.batch.failed' ")


class _PlainKeyValueLogger(KeyValueLogger):
    """The same logger, but not the library's own type: the logging step calls its info()."""


@pytest.mark.parametrize("name", ["ListNumbers", "SetPassword", "GetSessionIdHistory"])
def test_the_ready_made_done_line_is_what_info_would_write(
    caplog: pytest.LogCaptureFixture, name: str
) -> None:
    """The logging step renders its INFO line itself for the library's own logger.

    The same batch through a logger that takes the structured call must
    give the same line, whatever the operation (for names that look like a
    secret, write_line declines and the step takes the structured path).
    """
    batch = Batch([Request("NoveroNumbers", name, "R1")]).with_defaults(batch_id="B-1")

    def answer(_sent: Batch) -> Reply:
        return Reply((Response.build("NoveroNumbers", name, 404, "R1"),))

    lines = []
    for logger in (None, _PlainKeyValueLogger(logging.getLogger(LOGGER_NAME))):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
            LoggingMiddleware(logger)(batch, answer)
        (record,) = caplog.records
        lines.append(record.getMessage().rsplit(" duration_ms=", 1))
    assert lines[0][0] == lines[1][0]
    assert lines[0][0] == (
        f"event='ttnc.batch.done' batch_id='B-1' operations=['NoveroNumbers/{name}'] "
        "count=1 codes=[404] attempts=1"
    )


class _Odd(str):
    """A valid name whose str() is not: a quote and a line break in a log line."""

    def __str__(self) -> str:
        return "it's\nodd"


@pytest.mark.parametrize(
    ("requests", "responses", "expected"),
    [
        (  # one request, one answer: the ready-made line for the library's own logger
            [Request("NoveroNumbers", "ListNumbers", "R1")],
            [Response.placeholder(Request("NoveroNumbers", "ListNumbers", "R1"))],
            "operations=['NoveroNumbers/ListNumbers'] count=1 codes=[0]",
        ),
        (  # a name of a str type that prints itself otherwise: quoted as repr() quotes it
            [Request(_Odd("NoveroNumbers"), "ListNumbers", "R1")],
            [Response.build("NoveroNumbers", "ListNumbers", 200, "R1")],
            'operations=["it\'s\\nodd/ListNumbers"] count=1 codes=[200]',
        ),
        (  # two requests: the line is built from the fields
            [Request("NoveroNumbers", "ListNumbers", "R1"), Request("NoveroCDR", "GetCalls", "R2")],
            [
                Response.build("NoveroNumbers", "ListNumbers", 200, "R1"),
                Response.build("NoveroCDR", "GetCalls", 404, "R2"),
            ],
            "operations=['NoveroNumbers/ListNumbers', 'NoveroCDR/GetCalls'] count=2 "
            "codes=[200, 404]",
        ),
        (  # one request, answered after the login the auth step added: its code left out
            [Request("NoveroNumbers", "ListNumbers", "R1")],
            [
                Response.build("Auth", "SessionLogin", 200, "SessionRequest"),
                Response.build("NoveroNumbers", "ListNumbers", 403, "R1"),
            ],
            "operations=['NoveroNumbers/ListNumbers'] count=1 codes=[403]",
        ),
    ],
)
def test_every_done_line_is_the_same_whichever_way_it_is_rendered(
    caplog: pytest.LogCaptureFixture,
    requests: list[Request],
    responses: list[Response],
    expected: str,
) -> None:
    batch = Batch(requests).with_defaults(batch_id="B-3")
    lines = []
    for logger in (None, _PlainKeyValueLogger(logging.getLogger(LOGGER_NAME))):
        caplog.clear()
        with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
            LoggingMiddleware(logger)(batch, lambda _sent: Reply(tuple(responses)))
        (record,) = caplog.records
        lines.append(record.getMessage().rsplit(" duration_ms=", 1)[0])
    assert lines[0] == lines[1]
    assert lines[0] == f"event='ttnc.batch.done' batch_id='B-3' {expected} attempts=1"


def _done_line(caplog: pytest.LogCaptureFixture, logger: object, batch: Batch) -> str:
    """The INFO line the logging step writes for ``batch``, its duration cut off."""

    def answer(_sent: Batch) -> Reply:
        return Reply((Response.build("NoveroNumbers", "ListNumbers", 200, "R1"),))

    caplog.clear()
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        LoggingMiddleware(logger)(batch, answer)
    (record,) = caplog.records
    return record.getMessage().rsplit(" duration_ms=", 1)[0]


def test_a_secret_in_the_ready_made_line_is_masked_as_info_would_mask_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "R1")])
    batch = batch.with_defaults(batch_id="password=hunter2")
    plain = _PlainKeyValueLogger(logging.getLogger(LOGGER_NAME))
    assert _done_line(caplog, None, batch) == _done_line(caplog, plain, batch)
    assert "hunter2" not in _done_line(caplog, None, batch)
    assert "batch_id='password=***'" in _done_line(caplog, None, batch)


def test_a_bound_logger_keeps_its_values_in_the_done_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "R1")]).with_defaults(batch_id="B-2")
    bound = KeyValueLogger(logging.getLogger(LOGGER_NAME)).bind(service="numbers")
    assert _done_line(caplog, bound, batch).startswith(
        "event='ttnc.batch.done' service='numbers' batch_id='B-2' "
    )


def test_a_logger_put_in_place_later_gets_the_done_event(
    caplog: pytest.LogCaptureFixture,
) -> None:
    events: list[str] = []

    class Recording:
        def debug(self, event: str, **_fields: object) -> None:
            events.append(event)

        info = warning = error = debug

    step = LoggingMiddleware()
    step.logger = Recording()
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "R1")])
    with caplog.at_level(logging.INFO, logger=LOGGER_NAME):
        step(batch, lambda _: Reply((Response.build("NoveroNumbers", "ListNumbers", 200, "R1"),)))
    assert "ttnc.batch.done" in events
    assert not caplog.records  # nothing went to the logger it replaced


def test_nothing_is_rendered_for_a_given_key_value_logger_below_its_level() -> None:
    rendered: list[int] = []

    class Counted:
        def __repr__(self) -> str:
            rendered.append(1)
            return "'counted'"

    stdlib = logging.getLogger("ttnc_pipeline.tests.quiet")
    stdlib.setLevel(logging.WARNING)
    batch = Batch([Request("NoveroNumbers", "ListNumbers", "R1")]).with_defaults(batch_id=Counted())
    step = LoggingMiddleware(KeyValueLogger(stdlib))
    step(batch, lambda _sent: Reply((Response.build("NoveroNumbers", "ListNumbers", 200, "R1"),)))
    assert rendered == []
    stdlib.setLevel(logging.INFO)
    step(batch, lambda _sent: Reply((Response.build("NoveroNumbers", "ListNumbers", 200, "R1"),)))
    assert rendered == [1]
