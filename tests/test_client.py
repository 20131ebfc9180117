"""Client: custom middleware, pipeline editing, builders, threads."""

from __future__ import annotations

import threading
from collections import Counter

import pytest

from ttnc_pipeline import Batch, Client, InvalidRequest, Reply, Request, Response
from ttnc_pipeline.core import CallNext, ParamValue
from ttnc_pipeline.sandbox import Sandbox


def client_for(sandbox: Sandbox, **options: object) -> Client:
    creds = sandbox.credentials
    return Client(sandbox.url, creds.username, creds.password, creds.vkey, **options)  # type: ignore[arg-type]


class OperationCounter:
    """A metrics middleware: counts operations the caller asked for."""

    name = "metrics"

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        self.counts.update(request.operation for request in batch.requests)
        return call_next(batch)


def test_a_counting_middleware_sees_every_batch(sandbox: Sandbox) -> None:
    counter = OperationCounter()
    with client_for(sandbox, middleware=[counter]) as client:
        assert client.pipeline.names[:2] == ("correlation", "metrics")
        client.send([Request("NoveroNumbers", "ListNumbers"), Request("NoveroCDR", "GetTotals")])
        client.request("NoveroCDR", "GetTotals")
    assert counter.counts == {"NoveroNumbers/ListNumbers": 1, "NoveroCDR/GetTotals": 2}


def test_a_middleware_that_adds_a_request_gets_its_answer(sandbox: Sandbox) -> None:
    def add_totals(batch: Batch, call_next: CallNext) -> Reply:
        extra = Request("NoveroCDR", "GetTotals", "Stamp", {"Period": "all"})
        return call_next(batch.with_requests((*batch.requests, extra)))

    with client_for(sandbox, middleware=[("stamp", add_totals)]) as client:
        reply = client.send([Request("NoveroNumbers", "ListNumbers", "List")])
    ids = [r.request_id for r in reply]
    assert ids[-2:] == ["Stamp", "List"] or set(ids) >= {"Stamp", "List"}
    assert reply.by_id("Stamp").ok  # type: ignore[union-attr]
    sent = sandbox.journal.envelopes[-1].batch
    assert sent is not None and [r.id for r in sent.requests][-2:] == ["List", "Stamp"]


def test_a_short_circuiting_middleware_sends_nothing(sandbox: Sandbox) -> None:
    def cache(batch: Batch, call_next: CallNext) -> Reply:
        return Reply(
            [Response.build(r.target, r.name, 200, r.id, {"Cached": "yes"}) for r in batch.requests]
        )

    with client_for(sandbox, middleware=[("cache", cache)]) as client:
        reply = client.send([Request("NoveroNumbers", "ListNumbers", "L")])
    assert reply.by_id("L")["Cached"] == "yes"  # type: ignore[index]
    assert sandbox.journal.envelope_count == 0


def test_pipeline_can_be_edited_through_the_client(sandbox: Sandbox) -> None:
    trail: list[str] = []

    def spy(batch: Batch, call_next: CallNext) -> Reply:
        trail.append("session" if batch.session_id else "none")
        return call_next(batch)

    with client_for(
        sandbox, pipeline=lambda p: p.remove("logging").insert_after("auth", "spy", spy)
    ) as client:
        assert client.pipeline.names == ("correlation", "session", "auth", "spy", "retry")
        client.request("NoveroNumbers", "ListNumbers")
        client.request("NoveroNumbers", "ListNumbers")
    assert trail == ["none", "session"]


def test_batch_builder_sends_one_post(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        builder = (
            client.batch()
            .add("NoveroNumbers", "ListNumbers", id="A")
            .add("NoveroCDR", "GetTotals", Period="week", id="B")
        )
        assert len(builder) == 2
        reply = builder.send()
    assert reply.by_id("A").ok and reply.by_id("B").ok  # type: ignore[union-attr]
    assert sandbox.journal.envelope_count == 1
    assert reply.session_id is None  # it logged in within the batch: no SessionId was sent


def test_a_reply_says_which_session_it_came_under(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client:
        client.request("NoveroNumbers", "ListNumbers")  # logs in
        reply = client.send([Request("NoveroNumbers", "ListNumbers")])
        assert reply.session_id is not None and reply.session_id == client.session_id
        assert sandbox.journal.operations()[-1].session_id == reply.session_id


def test_batch_builder_merges_a_params_dict_with_keywords_and_keeps_a_copy() -> None:
    given = {"Number": "02031511000", "Destination": "07512312312"}
    builder = Client("http://127.0.0.1:9/api/").batch()
    builder.add("NoveroNumbers", "SetDestination", given, Destination="07700900123", id="A")
    builder.add("NoveroNumbers", "SetDestination", given, id="B")
    builder.add("NoveroNumbers", "GetNumberConfig", Number="02031511000", id="C")
    given["Number"] = "changed after add"
    merged, alone, keywords = (dict(r.params) for r in builder.requests)
    assert merged == {"Number": "02031511000", "Destination": "07700900123"}
    assert alone == {"Number": "02031511000", "Destination": "07512312312"}
    assert keywords == {"Number": "02031511000"}


def test_batch_builder_takes_any_object_with_keys_as_params() -> None:
    class Row:  # not a Mapping: keys() and [] only, as a database row
        def keys(self) -> list[str]:
            return ["Number"]

        def __getitem__(self, key: str) -> str:
            return "02031511000"

    builder = Client("http://127.0.0.1:9/api/").batch()
    builder.add("NoveroNumbers", "GetNumberConfig", Row(), id="A")  # type: ignore[arg-type]
    builder.add(
        "NoveroNumbers",
        "SetDestination",
        Row(),  # type: ignore[arg-type]
        Destination="07512312312",
        id="B",
    )
    assert [dict(r.params) for r in builder.requests] == [
        {"Number": "02031511000"},
        {"Number": "02031511000", "Destination": "07512312312"},
    ]


@pytest.mark.parametrize(
    ("target", "name", "params", "request_id", "named"),
    [
        ("Novero Numbers", "SetDestination", {"Number": "1"}, None, "target"),
        ("NoveroNumbers", "Set<Destination>", {"Number": "1"}, None, "operation name"),
        ("NoveroNumbers", "SetDestination", {"Num ber": "1"}, None, "parameter name"),
        ("NoveroNumbers", "SetDestination", {"Number": True}, None, "'Number' is a bool"),
        ("NoveroNumbers", "SetDestination", {"Number": "a\x00b"}, None, "U\\+0000"),
        ("NoveroNumbers", "SetDestination", {"Number": "1"}, "1st", "request id"),
        # Several faults: the first in Request's order (params, target, name, id) is named.
        ("Novero Numbers", "Set<Destination>", {"Num ber": "1"}, "1st", "parameter name"),
        ("Novero Numbers", "Set<Destination>", {"Number": "1"}, "1st", "target"),
    ],
)
def test_batch_builder_refuses_bad_input_when_it_is_added(
    sandbox: Sandbox,
    target: str,
    name: str,
    params: dict[str, ParamValue],
    request_id: str | None,
    named: str,
) -> None:
    with client_for(sandbox) as client:
        builder = client.batch().add("NoveroNumbers", "ListNumbers")
        with pytest.raises(InvalidRequest, match=named):
            builder.add(target, name, params, id=request_id)
        assert len(builder) == 1  # the good one is kept, the bad one never added
        builder.send()
    assert [r.name for r in sandbox.journal.operations()] == ["SessionLogin", "ListNumbers"]


def test_an_empty_batch_is_refused(sandbox: Sandbox) -> None:
    with client_for(sandbox) as client, pytest.raises(InvalidRequest, match="at least one"):
        client.send([])


def test_username_without_password_is_refused() -> None:
    with pytest.raises(InvalidRequest, match="both a username and a password"):
        Client("http://127.0.0.1:9/api/", "user")


def test_threads_sharing_a_client_never_cross_answers(sandbox: Sandbox) -> None:
    numbers = sandbox.grant_numbers(sandbox.credentials.username, 8)
    client = client_for(sandbox)
    errors: list[str] = []

    def worker(index: int) -> None:
        number = numbers[index]
        for round_ in range(10):
            destination = f"0751231{index:02d}{round_:02d}"
            reply = client.send(
                [
                    Request(
                        "NoveroNumbers",
                        "SetDestination",
                        f"S{index}-{round_}",
                        {"Number": number, "Destination": destination},
                    ),
                    Request(
                        "NoveroNumbers", "GetNumberConfig", f"G{index}-{round_}", {"Number": number}
                    ),
                ]
            )
            config = reply.by_id(f"G{index}-{round_}")
            if config is None or config.first("Rules/Rule/Destination") != destination:
                errors.append(f"thread {index} round {round_}: {config!r}")

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()
    assert errors == []
    assert sandbox.journal.logins == 1
