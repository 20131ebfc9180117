"""Record and replay: a real flow against the sandbox, replayed offline, ids, secrets, modes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from ttnc_pipeline import (
    Batch,
    Client,
    ProtocolError,
    Reply,
    Request,
    RequestNotSent,
    Response,
    ServerBusy,
    TTNCApi,
)
from ttnc_pipeline.core import HTTPRequest, HTTPResponse
from ttnc_pipeline.redaction import redact_mapping
from ttnc_pipeline.sandbox import Sandbox
from ttnc_pipeline.transports import (
    Cassette,
    CassetteError,
    CassetteMismatch,
    MockTransport,
    RecordingTransport,
    RecordMode,
    ReplayTransport,
    UnusedInteractions,
    Urllib3Transport,
    ok,
)
from ttnc_pipeline.transports.mock import MOCK_SESSION_ID

HERE = Path(__file__).resolve().parent
NOWHERE = "http://127.0.0.1:9/api/"  # the discard port: a replay that touched the network fails


def run_flow(api: TTNCApi) -> list[dict[str, Any]]:
    """Log in, search, add the first number to the basket, view the basket, list numbers.

    Returns each request's id and its response as plain data, the login
    last. Imported by the replay subprocess too, so both sides run the
    same code.
    """
    search = api.newrequest("NoveroNumberSearch", "Search")
    search.setdata("Limit", 3)
    api.makerequests()
    number = search.getresponse().all("Numbers/Number")[0]["RawNumber"]  # type: ignore[union-attr]
    add = api.newrequest("Order", "AddToBasket")
    add.setdata("number", number)
    add.setdata("type", "number")
    api.makerequests()
    view = api.newrequest("Order", "ViewBasket")
    listing = api.newrequest("NoveroNumbers", "ListNumbers")
    api.makerequests()
    login = api.getresponsefromid("SessionRequest")
    assert login is not None
    answers = [
        {"id": r.id, "response": r.getresponse().to_dict()}  # type: ignore[union-attr]
        for r in (search, add, view, listing)
    ]
    return [*answers, {"id": "SessionRequest", "response": login.to_dict()}]


def without_ids(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The responses with their RequestId left out (each process makes its own ids)."""
    out = []
    for item in results:
        response = json.loads(json.dumps(item["response"]))
        response["@attributes"].pop("RequestId")
        out.append(response)
    return out


def record_flow(sandbox: Sandbox, path: Path, mode: str = "once") -> list[dict[str, Any]]:
    creds = sandbox.credentials
    transport = RecordingTransport(Urllib3Transport(sandbox.url), path, mode)
    with TTNCApi(creds.username, creds.password, creds.vkey, transport=transport) as api:
        return run_flow(api)


def listing_handler() -> Any:
    """A mock TTNC whose ListNumbers answers count up: 1, 2, 3, ..."""
    counter = iter(range(1, 1000))
    lock = threading.Lock()

    def answer(batch: Batch) -> list[Response]:
        out = []
        for r in batch.requests:
            if r.name == "SessionLogin":
                out.append(ok(r, {"SessionId": MOCK_SESSION_ID}))
            else:
                with lock:
                    out.append(ok(r, {"Count": str(next(counter))}))
        return out

    return answer


def listing(client: Client, request_id: str | None = None) -> Response:
    return client.send(Batch((Request("NoveroNumbers", "ListNumbers", request_id),))).responses[-1]


def mock_client(transport: Any) -> Client:
    return Client(NOWHERE, "user", "password", transport=transport)


# --- the flow: record over loopback HTTP, replay in a new process ---------------------------


def test_a_recorded_flow_replays_identically_in_a_new_process(tmp_path: Path) -> None:
    cassette = tmp_path / "flow.json"
    with Sandbox(seed=0) as sandbox:
        live = record_flow(sandbox, cassette)
        assert sandbox.journal.count("Order/AddToBasket") == 1
    # The sandbox is gone; the new process has no credentials and no TTNC settings.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTNC_")}
    script = (
        "import json, sys\n"
        f"sys.path.insert(0, {str(HERE)!r})\n"
        "from test_recording import run_flow\n"
        "from ttnc_pipeline import TTNCApi\n"
        "from ttnc_pipeline.transports import ReplayTransport\n"
        "transport = ReplayTransport(sys.argv[1], allow_unused=False)\n"
        f"with TTNCApi('anyone', 'any password', 'any vkey', url={NOWHERE!r},\n"
        "             transport=transport) as api:\n"
        "    print(json.dumps(run_flow(api)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(cassette)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    replayed = json.loads(done.stdout)

    # Identical answers, but for the ids (fresh in the new process) and the
    # SessionId, which never reaches the file.
    assert json.dumps(without_ids(replayed)) == json.dumps(
        [redact_mapping(r) for r in without_ids(live)]
    )
    assert replayed[-1]["response"]["SessionId"] == "***"
    # Correlation: each replayed response carries the id the new process made.
    for item in replayed:
        assert item["response"]["@attributes"]["RequestId"] == item["id"]
    assert {i["id"] for i in replayed[:-1]}.isdisjoint(i["id"] for i in live[:-1])


def test_replay_answers_with_the_ids_the_live_requests_carry(tmp_path: Path) -> None:
    cassette = tmp_path / "ids.json"
    with Sandbox(seed=0) as sandbox:
        creds = sandbox.credentials
        transport = RecordingTransport(Urllib3Transport(sandbox.url), cassette, "once")
        with TTNCApi(creds.username, creds.password, creds.vkey, transport=transport) as api:
            recorded = api.newrequest("NoveroNumbers", "ListNumbers", "Request1")
            api.makerequests()
    for fixed_id in (None, "MyOwnId"):
        with TTNCApi("u", "p", "v", url=NOWHERE, transport=ReplayTransport(cassette)) as api:
            fresh = api.newrequest("NoveroNumbers", "ListNumbers", fixed_id)
            api.makerequests()
            assert fresh.id != "Request1"
            response = api.getresponsefromid(fresh.id)  # type: ignore[arg-type]
            assert response == fresh.getresponse()
            assert response is not None and response.request_id == fresh.id
            assert response.all("Numbers/Number") == recorded.getresponse().all(  # type: ignore[union-attr]
                "Numbers/Number"
            )
            assert api.getresponsefromid("SessionRequest") is not None


# --- secrets ---------------------------------------------------------------------------------


def luhn(prefix: str) -> str:
    """``prefix`` plus the check digit that makes it pass the Luhn test."""
    total = 0
    for position, char in enumerate(reversed(prefix)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return prefix + str((10 - total % 10) % 10)


def test_a_cassette_holds_no_secret(tmp_path: Path) -> None:
    username, password, vkey = "cassette-user-q7", "Pw-Zq8xT4-unique", "VK-93jd81kd0c"
    card, cv2 = luhn("491761234598765"), "8642"
    cassette = tmp_path / "secrets.json"
    with Sandbox(seed=0) as sandbox:
        sandbox.add_account(username, password, vkey)
        transport = RecordingTransport(Urllib3Transport(sandbox.url), cassette, "all")
        with TTNCApi(username, password, vkey, transport=transport) as api:
            add = api.newrequest("NoveroUser", "AddCard")
            for key, value in {
                "CardName": "A Person",
                "CardNumber": card,
                "ExpiryMonth": "12",
                "ExpiryYear": "30",
                "CV2": cv2,
                "Type": "VISA",
                "Address1": "1 Street",
                "City": "Town",
                "Postcode": "AB1 2CD",
                "Country": "GB",
            }.items():
                add.setdata(key, value)
            api.newrequest("NoveroUser", "GetCards")
            api.makerequests().raise_for_errors()
            login = api.getresponsefromid("SessionRequest")
            session_id = login["SessionId"]  # type: ignore[index]
            api.newrequest("NoveroNumbers", "ListNumbers")
            api.makerequests()  # sent under the session
    text = cassette.read_text(encoding="utf-8")
    assert len(session_id) >= 16
    for secret in (username, password, vkey, session_id, card, card[-12:], cv2):
        assert secret not in text
    for placeholder in ("<Password>***</Password>", "<VKey>***</VKey>", "<CardNumber>***<"):
        assert placeholder in text
    assert text.count("<SessionId>***</SessionId>") == 2  # the answer, then the next request


def test_every_sensitive_element_and_attribute_is_masked_in_requests_and_responses(
    tmp_path: Path,
) -> None:
    def answer(batch: Batch) -> HTTPResponse:
        body = (
            '<NoveroResponse><Response target="X" name="Y" Code="200" RequestId="a">'
            '<Card CardNumber="4000111122223333"><CV2>991</CV2></Card>'
            "<ResponseMessage>bad Password=opensesame</ResponseMessage>"
            "<Username>hidden-user</Username></Response></NoveroResponse>"
        )
        return HTTPResponse(200, {"content-type": "text/xml"}, body.encode())

    cassette = tmp_path / "mask.json"
    transport = RecordingTransport(MockTransport(answer), cassette, "all")
    transport.send(
        HTTPRequest(
            b'<NoveroRequest><SessionId>sess-123456</SessionId><Request target="X" name="Y"'
            b' id="a"><Username>u-secret</Username><Password>p-secret</Password>'
            b"<VKey>vk-secret</VKey><CV2>123</CV2></Request></NoveroRequest>"
        )
    )
    text = cassette.read_text(encoding="utf-8")
    for secret in ("sess-123456", "u-secret", "p-secret", "vk-secret", ">123<", "4000111122223333"):
        assert secret not in text
    for secret in ("991", "opensesame", "hidden-user"):
        assert secret not in text


# --- matching and the mismatch diff ----------------------------------------------------------


def record_mock(path: Path, *batches: Batch, handler: Any = None) -> MockTransport:
    mock = MockTransport(handler)
    with Client(NOWHERE, "user", "password", transport=RecordingTransport(mock, path, "all")) as c:
        for batch in batches:
            c.send(batch)
    return mock


def search(limit: str, request_id: str | None = None) -> Batch:
    return Batch((Request("NoveroNumberSearch", "Search", request_id, {"Limit": limit}),))


def test_a_request_with_no_match_fails_with_a_diff_against_the_closest(tmp_path: Path) -> None:
    cassette = tmp_path / "diff.json"
    record_mock(cassette, search("3"), Batch((Request("NoveroNumbers", "ListNumbers"),)))
    client = Client(NOWHERE, "user", "a-live-password", transport=ReplayTransport(cassette))
    with pytest.raises(CassetteMismatch) as caught:
        client.send(search("4"))
    message = str(caught.value)
    assert "no interaction matches; the closest is #1" in message
    assert "--- recorded #1 (Auth/SessionLogin, NoveroNumberSearch/Search)" in message
    assert "+++ live request" in message
    assert "-    <Limit>3</Limit>" in caught.value.diff
    assert "+    <Limit>4</Limit>" in caught.value.diff
    assert 'id="#2"' in message  # ids masked by position
    assert "a-live-password" not in message
    assert "TTNC_RECORD=new_episodes" in message


def test_matching_ignores_ids_secrets_whitespace_and_attribute_order(tmp_path: Path) -> None:
    cassette = tmp_path / "shape.json"
    record_mock(cassette, search("3", "first-id"))
    replay = ReplayTransport(cassette, allow_repeats=True)
    variants = [
        b'<NoveroRequest>\n  <Request target="Auth" name="SessionLogin" id="SessionRequest">'
        b"<Username>other</Username><Password>other</Password></Request>\n"
        b'  <Request id="another-id" name="Search" target="NoveroNumberSearch">'
        b"\n    <Limit> 3 </Limit>\n  </Request>\n</NoveroRequest>",
    ]
    for body in variants:
        answer = replay.send(HTTPRequest(body))
        assert b'RequestId="another-id"' in answer.body
        assert b"first-id" not in answer.body


def test_an_already_played_interaction_is_not_played_again_by_default(tmp_path: Path) -> None:
    cassette = tmp_path / "once.json"
    record_mock(cassette, Batch((Request("NoveroNumbers", "ListNumbers"),)))
    replay = ReplayTransport(cassette)
    assert listing(mock_client(replay)).ok
    with pytest.raises(CassetteMismatch, match=r"already played.*allow_repeats=True"):
        listing(mock_client(replay))  # a second user sends the same login and listing
    repeats = ReplayTransport(cassette, allow_repeats=True)
    assert listing(mock_client(repeats)).ok
    assert listing(mock_client(repeats)).ok


def test_repeated_requests_replay_in_recorded_order(tmp_path: Path) -> None:
    cassette = tmp_path / "order.json"
    with Client(
        NOWHERE, transport=RecordingTransport(MockTransport(listing_handler()), cassette, "all")
    ) as client:
        recorded = [listing(client)["Count"] for _ in range(3)]
    with Client(NOWHERE, transport=ReplayTransport(cassette)) as client:
        assert [listing(client)["Count"] for _ in range(3)] == recorded == ["1", "2", "3"]


def test_match_order_requires_the_recorded_sequence(tmp_path: Path) -> None:
    cassette = tmp_path / "strict.json"
    first = Batch((Request("NoveroNumbers", "ListNumbers"),))
    second = Batch((Request("Order", "ViewBasket"),))
    with Client(NOWHERE, transport=RecordingTransport(MockTransport(), cassette, "all")) as c:
        c.send(first)
        c.send(second)
    with Client(NOWHERE, transport=ReplayTransport(cassette, match_order=True)) as client:
        with pytest.raises(CassetteMismatch, match=r"match_order=True.*#1") as caught:
            client.send(second)
        assert "-  <Request" in caught.value.diff and "ListNumbers" in caught.value.diff
        client.send(first)
        client.send(second)
    with Client(NOWHERE, transport=ReplayTransport(cassette)) as client:
        client.send(second)  # any order without the option
        client.send(first)


def test_allow_unused_false_lists_the_interactions_never_played(tmp_path: Path) -> None:
    cassette = tmp_path / "unused.json"
    with Client(NOWHERE, transport=RecordingTransport(MockTransport(), cassette, "all")) as c:
        c.send(Batch((Request("NoveroNumbers", "ListNumbers"),)))
        c.send(Batch((Request("Order", "ViewBasket"),)))
        c.send(Batch((Request("NoveroCDR", "GetTotals"),)))
    transport = ReplayTransport(cassette, allow_unused=False)
    client = Client(NOWHERE, transport=transport)
    client.send(Batch((Request("Order", "ViewBasket"),)))
    with pytest.raises(UnusedInteractions) as caught:
        client.close()
    assert caught.value.unused == (0, 2)
    assert "#1 (NoveroNumbers/ListNumbers); #3 (NoveroCDR/GetTotals)" in str(caught.value)
    client.close()  # only the first close checks
    relaxed = ReplayTransport(cassette)
    relaxed.close()  # the default allows unused interactions
    with pytest.raises(UnusedInteractions):
        relaxed.assert_all_used()


# --- record modes --------------------------------------------------------------------------


@pytest.fixture
def no_record_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TTNC_RECORD", raising=False)


@pytest.mark.usefixtures("no_record_env")
def test_mode_none_is_the_default_and_never_sends(tmp_path: Path) -> None:
    cassette = tmp_path / "none.json"
    with pytest.raises(CassetteError, match=r"does not exist.*TTNC_RECORD=once"):
        RecordingTransport(MockTransport(), cassette)
    record_mock(cassette, Batch((Request("NoveroNumbers", "ListNumbers"),)))
    inner = MockTransport()
    transport = RecordingTransport(inner, cassette)
    assert transport.mode is RecordMode.NONE and not transport.recording
    with mock_client(transport) as client:
        assert listing(client).ok
        with pytest.raises(CassetteMismatch):
            client.send(Batch((Request("Order", "ViewBasket"),)))
    assert inner.batches == [] and inner.closed
    assert len(Cassette.load(cassette).interactions) == 1


@pytest.mark.usefixtures("no_record_env")
def test_mode_once_records_a_missing_cassette_then_only_replays(tmp_path: Path) -> None:
    cassette = tmp_path / "sub" / "once.json"
    inner = MockTransport()
    with mock_client(RecordingTransport(inner, cassette, "once")) as client:
        listing(client)
        listing(client)
    assert len(inner.batches) == 2 and cassette.exists()
    again = MockTransport()
    with mock_client(RecordingTransport(again, cassette, RecordMode.ONCE)) as client:
        listing(client)
        listing(client)
        with pytest.raises(CassetteMismatch):
            client.send(Batch((Request("Order", "ViewBasket"),)))
    assert again.batches == []
    assert len(Cassette.load(cassette).interactions) == 2


@pytest.mark.usefixtures("no_record_env")
def test_mode_new_episodes_replays_matches_and_records_the_rest(tmp_path: Path) -> None:
    cassette = tmp_path / "episodes.json"
    record_mock(cassette, Batch((Request("NoveroNumbers", "ListNumbers"),)))
    inner = MockTransport()
    with mock_client(RecordingTransport(inner, cassette, "new_episodes")) as client:
        listing(client)  # replayed, with the login it was recorded with
        client.send(Batch((Request("Order", "ViewBasket"),)))  # new: sent and recorded
    assert inner.operations == ["Order/ViewBasket"]
    operations = [i.operations for i in Cassette.load(cassette).interactions]
    assert operations == [("Auth/SessionLogin", "NoveroNumbers/ListNumbers"), ("Order/ViewBasket",)]


@pytest.mark.usefixtures("no_record_env")
def test_mode_all_always_sends_and_overwrites(tmp_path: Path) -> None:
    cassette = tmp_path / "all.json"
    record_mock(cassette, Batch((Request("NoveroNumbers", "ListNumbers"),)))
    inner = MockTransport()
    with mock_client(RecordingTransport(inner, cassette, "all")) as client:
        client.send(Batch((Request("Order", "ViewBasket"),)))
    assert inner.operations == ["Auth/SessionLogin", "Order/ViewBasket"]
    operations = [i.operations for i in Cassette.load(cassette).interactions]
    assert operations == [("Auth/SessionLogin", "Order/ViewBasket")]


def test_the_environment_variable_opts_in_and_the_argument_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cassette = tmp_path / "env.json"
    monkeypatch.setenv("TTNC_RECORD", "once")
    assert RecordingTransport(MockTransport(), cassette).mode is RecordMode.ONCE
    assert RecordingTransport(MockTransport(), cassette, "all").mode is RecordMode.ALL
    monkeypatch.setenv("TTNC_RECORD", "")
    with pytest.raises(CassetteError):  # empty means none, and there is no cassette
        RecordingTransport(MockTransport(), cassette)


@pytest.mark.parametrize("mode", ["onse", "new-episodes", "record", "ALL!"])
def test_a_misspelt_mode_fails_listing_the_valid_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    with pytest.raises(ValueError, match="valid modes are: none, once, new_episodes, all"):
        RecordingTransport(MockTransport(), tmp_path / "x.json", mode)
    monkeypatch.setenv("TTNC_RECORD", mode)
    with pytest.raises(ValueError, match=f"{mode!r} \\(from the TTNC_RECORD environment"):
        RecordingTransport(MockTransport(), tmp_path / "x.json")


# --- threads ---------------------------------------------------------------------------------


def test_threads_replay_one_cassette_each_interaction_exactly_once(tmp_path: Path) -> None:
    threads = 16
    cassette = tmp_path / "threads.json"
    recorder = RecordingTransport(MockTransport(listing_handler()), cassette, "all")
    for _ in range(threads):  # sixteen users, each logging in and listing once
        listing(Client(NOWHERE, "user", "password", transport=recorder))
    replay = ReplayTransport(cassette, allow_unused=False)
    start = threading.Barrier(threads)
    results: list[tuple[str, Response]] = []
    errors: list[BaseException] = []

    def user(number: int) -> None:
        try:
            client = Client(NOWHERE, f"user{number}", "password", transport=replay)
            start.wait()
            request_id = f"thread-{number}"
            results.append((request_id, listing(client, request_id)))
        except BaseException as exc:
            errors.append(exc)

    workers = [threading.Thread(target=user, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert all(response.request_id == request_id for request_id, response in results)
    assert sorted(int(response["Count"]) for _, response in results) == list(range(1, 17))
    replay.close()  # every interaction played exactly once


# --- the format ------------------------------------------------------------------------------


def test_the_cassette_is_readable_versioned_json(tmp_path: Path) -> None:
    cassette = tmp_path / "format.json"
    record_mock(cassette, search("3", "Request1"))
    document = json.loads(cassette.read_text(encoding="utf-8"))
    assert document["version"] == 1
    (interaction,) = document["interactions"]
    assert interaction["operations"] == ["Auth/SessionLogin", "NoveroNumberSearch/Search"]
    assert interaction["request"]["body"][0] == "<NoveroRequest>"
    assert "    <Limit>3</Limit>" in interaction["request"]["body"]
    assert interaction["response"]["status"] == 200
    assert interaction["response"]["headers"] == {"content-type": "text/xml; charset=utf-8"}
    assert list(document) == sorted(document)
    assert cassette.read_text(encoding="utf-8").startswith('{\n  "format"')


def test_a_hand_written_interaction_is_read(tmp_path: Path) -> None:
    cassette = tmp_path / "hand.json"
    interaction = {
        "request": {
            "body": '<NoveroRequest><Request target="A" name="GetB" id="x"/></NoveroRequest>'
        },
        "response": {
            "status": 200,
            "body": '<NoveroResponse><Response target="A" name="GetB" Code="200" RequestId="x">'
            "<Value>42</Value></Response></NoveroResponse>",
        },
    }
    cassette.write_text(json.dumps({"version": 1, "interactions": [interaction]}), "utf-8")
    (loaded,) = Cassette.load(cassette).interactions
    assert loaded.operations == ("A/GetB",)
    with Client(NOWHERE, transport=ReplayTransport(cassette)) as client:
        assert client.request("A", "GetB")["Value"] == "42"


def test_status_kept_headers_and_raw_bodies_replay_exactly(tmp_path: Path) -> None:
    answers = iter(
        [
            HTTPResponse(
                503,
                {
                    "Retry-After": "7",
                    "Content-Type": "text/html",
                    "X-Backend": "db-7",
                    "Set-Cookie": "a",
                },
                b"<html><body>busy\r\n</body></html>",
            ),
            HTTPResponse(200, {"content-type": "text/plain"}, b"caf\xe9 \xff not utf-8"),
        ]
    )
    cassette = tmp_path / "raw.json"
    recorder = RecordingTransport(MockTransport(lambda batch: next(answers)), cassette, "all")
    body = b'<NoveroRequest><Request target="A" name="GetB" id="x"/></NoveroRequest>'
    first, second = recorder.send(HTTPRequest(body)), recorder.send(HTTPRequest(body))
    replay = ReplayTransport(cassette)
    again = replay.send(HTTPRequest(body)), replay.send(HTTPRequest(body))
    assert again[0].status == 503 and again[0].body == first.body
    assert dict(again[0].headers) == {"retry-after": "7", "content-type": "text/html"}
    assert again[1].body == second.body == b"caf\xe9 \xff not utf-8"
    with Client(NOWHERE, transport=ReplayTransport(cassette), retry=False) as client:
        with pytest.raises(ServerBusy) as busy:
            client.send(Batch((Request("A", "GetB", "x"),)))
        assert busy.value.retry_after == 7
        with pytest.raises(ProtocolError):
            client.send(Batch((Request("A", "GetB", "x"),)))


def test_inner_failures_pass_through_unrecorded(tmp_path: Path) -> None:
    def refuse(batch: Batch) -> Reply:
        raise RequestNotSent("connection refused")

    cassette = tmp_path / "fail.json"
    with Client(
        NOWHERE, transport=RecordingTransport(MockTransport(refuse), cassette, "all"), retry=False
    ) as client:
        with pytest.raises(RequestNotSent):
            listing(client)
    assert not cassette.exists()


def test_unreadable_cassettes_fail_loudly(tmp_path: Path) -> None:
    cassette = tmp_path / "bad.json"
    cassette.write_text('{"version": 99, "interactions": []}', encoding="utf-8")
    with pytest.raises(CassetteError, match="format version 99; this library reads version 1"):
        ReplayTransport(cassette)
    cassette.write_text("{not json", encoding="utf-8")
    with pytest.raises(CassetteError, match="cannot be read"):
        ReplayTransport(cassette)
    cassette.write_text('{"version": 1, "interactions": [{"request": {}}]}', encoding="utf-8")
    with pytest.raises(CassetteError, match="malformed"):
        ReplayTransport(cassette)
    cassette.write_text(
        '{"version": 1, "interactions": [{"request": {"body": 7}, "response": {"status": 200,'
        ' "body": []}}]}',
        encoding="utf-8",
    )
    with pytest.raises(CassetteError, match="a body is a list of lines or a string, not int"):
        ReplayTransport(cassette)
    cassette.write_text('{"version": 1, "interactions": []}', encoding="utf-8")
    with pytest.raises(CassetteMismatch, match="holds no interactions"):
        ReplayTransport(cassette).send(HTTPRequest(b"<NoveroRequest/>"))
