"""``ttnc batch``: bulk requests, results in order, stops that lose nothing, ``--resume``.

"Carried out" is read from the sandbox's journal: an operation answered
with code 200, counted per request id. Ids are the same in every run (the
CSV line number, ``L17``, or the id given in the file), so a count per id
across both runs of a resume says how often each request really happened.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import Runner, clean_env, sandbox_env

from ttnc_pipeline.cli import main
from ttnc_pipeline.sandbox import Sandbox


def destination(index: int) -> str:
    return f"0770090{index:04d}"


def write_set_destinations(path: Path, numbers: list[str]) -> Path:
    lines = ["target,name,Number,Destination"]
    lines += [f"NoveroNumbers,SetDestination,{n},{destination(i)}" for i, n in enumerate(numbers)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def read_results(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines()]


def latest(path: Path) -> dict[str, dict[str, Any]]:
    """The last result line of each id (a resumed run appends)."""
    return {record["id"]: record for record in read_results(path.read_text("utf-8"))}


def carried_out(sandbox: Sandbox, name: str) -> Counter[str | None]:
    return Counter(record.request_id for record in sandbox.journal.operations(name, ok=True))


def csv_ids(first: int, last: int) -> list[str]:
    """Ids of CSV rows ``first`` to ``last`` (1-based; row 1 is on line 2)."""
    return [f"L{row + 1}" for row in range(first, last + 1)]


def test_a_thousand_rows_go_in_ten_batches_with_one_login(
    ttnc: Runner, sandbox: Sandbox, tmp_path: Path
) -> None:
    numbers = sandbox.grant_numbers("demo", 1000)
    source = write_set_destinations(tmp_path / "route.csv", numbers)
    out = tmp_path / "results.jsonl"

    result = ttnc("batch", str(source), "--out", str(out))

    assert result.returncode == 0, result.stderr
    records = read_results(out.read_text("utf-8"))
    assert [r["id"] for r in records] == csv_ids(1, 1000)  # complete, in input order
    assert {(r["status"], r["code"], r["ok"]) for r in records} == {("ok", 200, True)}
    assert records[0] == {
        "id": "L2",
        "line": 2,
        "target": "NoveroNumbers",
        "name": "SetDestination",
        "digest": records[0]["digest"],
        "status": "ok",
        "code": 200,
        "ok": True,
        "data": {},
    }
    assert len({r["digest"] for r in records}) == 1000
    journal = sandbox.journal
    assert journal.logins == 1
    assert journal.envelope_count == 10
    assert journal.connections_opened == 1
    owned = sandbox.state.account("demo").numbers
    assert all(owned[n] == destination(i) for i, n in enumerate(numbers))
    assert "batch 10/10: 1000/1000 requests (1000 ok, 0 refused)" in result.stderr


def test_a_lost_batch_then_resume_carries_every_request_out(
    ttnc: Runner, sandbox: Sandbox, tmp_path: Path
) -> None:
    numbers = sandbox.grant_numbers("demo", 1000)
    source = write_set_destinations(tmp_path / "route.csv", numbers)
    out = tmp_path / "results.jsonl"
    sandbox.faults.delay(0, times=4)  # batches 1-4 pass untouched...
    sandbox.faults.close_after_effect()  # ...the 5th is carried out, its answer lost

    first = ttnc("batch", str(source), "--out", str(out), "--retries", "0")

    assert first.returncode == 3
    after_first = latest(out)
    assert list(after_first) == csv_ids(1, 1000)  # nothing silently lost
    statuses = [r["status"] for r in after_first.values()]
    assert statuses == ["ok"] * 400 + ["unknown"] * 100 + ["not_sent"] * 500
    assert "unknown:        100" in first.stderr
    assert "not sent:       500" in first.stderr
    assert f"--out {out} --resume" in first.stderr

    second = ttnc("batch", str(source), "--out", str(out), "--resume")

    assert second.returncode == 0, second.stderr
    assert "400 already done in an earlier run" in second.stderr
    assert {r["status"] for r in latest(out).values()} == {"ok"}
    counts = carried_out(sandbox, "SetDestination")
    lost_batch = set(csv_ids(401, 500))
    # Exactly once for every request the first run answered or never sent. The
    # lost batch was carried out, then sent again on resume: SetDestination is
    # idempotent, so the CLI may resend it, and the end state is the same.
    assert {i: c for i, c in counts.items() if i not in lost_batch} == dict.fromkeys(
        csv_ids(1, 400) + csv_ids(501, 1000), 1
    )
    assert {counts[i] for i in lost_batch} == {2}
    owned = sandbox.state.account("demo").numbers
    assert all(owned[n] == destination(i) for i, n in enumerate(numbers))
    assert sandbox.journal.logins == 2  # one per run


def test_a_refused_batch_then_resume_carries_every_request_out_exactly_once(
    ttnc: Runner, sandbox: Sandbox, tmp_path: Path
) -> None:
    numbers = sandbox.grant_numbers("demo", 1000)
    source = write_set_destinations(tmp_path / "route.csv", numbers)
    out = tmp_path / "results.jsonl"
    sandbox.faults.delay(0, times=4)  # batches 1-4 pass untouched...
    sandbox.faults.status(503, headers={"Retry-After": "0"})  # ...the 5th is refused unprocessed

    first = ttnc("batch", str(source), "--out", str(out), "--retries", "0")

    assert first.returncode == 3
    statuses = [r["status"] for r in latest(out).values()]
    assert statuses == ["ok"] * 400 + ["not_sent"] * 600

    second = ttnc("batch", str(source), "--out", str(out), "--resume")

    assert second.returncode == 0, second.stderr
    assert {r["status"] for r in latest(out).values()} == {"ok"}
    assert carried_out(sandbox, "SetDestination") == Counter(dict.fromkeys(csv_ids(1, 1000), 1))
    owned = sandbox.state.account("demo").numbers
    assert all(owned[n] == destination(i) for i, n in enumerate(numbers))


def write_add_cards(path: Path, count: int) -> Path:
    card = {
        "CardNumber": "4111111111111111",
        "ExpiryMonth": "12",
        "ExpiryYear": "30",
        "CV2": "123",
        "Type": "VISA",
        "Address1": "1 High Street",
        "City": "Leeds",
        "Postcode": "LS1 1AA",
        "Country": "GB",
    }
    lines = [
        json.dumps(
            {
                "target": "NoveroUser",
                "name": "AddCard",
                "id": f"card{i:03d}",
                "params": {"CardName": f"Holder {i}", **card},
            }
        )
        for i in range(count)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_unsafe_batch_with_an_unknown_outcome_is_never_resent(
    ttnc: Runner, sandbox: Sandbox, tmp_path: Path
) -> None:
    source = write_add_cards(tmp_path / "cards.jsonl", 300)
    out = tmp_path / "results.jsonl"
    sandbox.faults.delay(0, times=2)
    sandbox.faults.close_after_effect()  # the 3rd batch: carried out, answer lost

    first = ttnc("batch", str(source), "--out", str(out), "--batch-size", "50")
    second = ttnc("batch", str(source), "--out", str(out), "--batch-size", "50", "--resume")

    assert first.returncode == 3
    assert second.returncode == 3  # outcomes still unknown: a person must check them
    assert "--resend-unknown" in second.stderr
    lost = {f"card{i:03d}" for i in range(100, 150)}
    final = latest(out)
    assert {i for i, r in final.items() if r["status"] == "unknown"} == lost
    assert {r["status"] for i, r in final.items() if i not in lost} == {"ok"}
    # Every card was added exactly once: the lost batch by the first run, the
    # rest by whichever run sent it; the retry step never resent the unsafe batch.
    assert carried_out(sandbox, "AddCard") == Counter({f"card{i:03d}": 1 for i in range(300)})
    assert len(sandbox.state.account("demo").cards) == 300


def test_ctrl_c_mid_run_records_every_request_then_resume_finishes(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    numbers = sandbox.grant_numbers("demo", 500)
    source = write_set_destinations(tmp_path / "route.csv", numbers)
    out = tmp_path / "results.jsonl"
    sandbox.faults.delay(0, times=2)
    sandbox.faults.delay(600)  # the 3rd batch hangs until the sandbox stops
    command = [sys.executable, "-m", "ttnc_pipeline", "batch", str(source), "--out", str(out)]
    env = clean_env(**sandbox_env(sandbox))
    process = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    progress = ""
    while "batch 2/5" not in progress:
        progress = process.stderr.readline()
        assert progress, "the run ended before its second batch"
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    sandbox.faults.clear()  # if the 3rd batch never left, its delay must not catch the resume

    assert process.returncode == 130, err
    assert "interrupted" in err
    first = latest(out)
    assert list(first) == csv_ids(1, 500)
    assert [r["status"] for r in first.values()][:200] == ["ok"] * 200
    assert {first[i]["status"] for i in csv_ids(301, 500)} == {"not_sent"}
    # The signal lands while the 3rd batch is in flight (unknown: it may even
    # be on the wire), or, rarely, just before it was handed over (not sent).
    in_flight = {first[i]["status"] for i in csv_ids(201, 300)}
    assert in_flight in ({"unknown"}, {"not_sent"})

    resumed = subprocess.run(
        [*command, "--resume"], env=env, capture_output=True, text=True, timeout=60, check=False
    )

    assert resumed.returncode == 0, resumed.stderr
    assert {r["status"] for r in latest(out).values()} == {"ok"}
    counts = carried_out(sandbox, "SetDestination")
    assert {counts[i] for i in csv_ids(1, 200) + csv_ids(301, 500)} == {1}
    # An unknown batch is resent (SetDestination is idempotent): once more if
    # the first POST reached the sandbox, else this is its only time.
    third = {counts[i] for i in csv_ids(201, 300)}
    assert third == {1} if in_flight == {"not_sent"} else third in ({1}, {2})


def test_the_password_never_reaches_output_or_logs(
    ttnc: Runner, sandbox: Sandbox, tmp_path: Path
) -> None:
    numbers = sandbox.grant_numbers("demo", 3)
    source = write_set_destinations(tmp_path / "route.csv", [*numbers, "02031511000"])
    out = tmp_path / "results.jsonl"

    to_file, to_stdout, login = ttnc.many(
        ("--debug", "batch", str(source), "--out", str(out), "--batch-size", "2"),
        ("batch", str(source), "--debug", "--verbose"),
        ("call", "Auth", "SessionLogin", "--debug"),
    )

    assert to_file.returncode == 1  # the last row's number is not on the account
    assert to_stdout.returncode == 1
    assert read_results(to_stdout.stdout)[-1]["message"] == (
        "number 02031511000 is not on your account"
    )
    demo = sandbox.credentials
    sessions = {r.session_id for r in sandbox.journal.operations() if r.session_id}
    assert sessions
    texts = [out.read_text("utf-8")]
    for result in (to_file, to_stdout, login):
        texts += [result.stdout, result.stderr]
    assert "ttnc.http" in to_file.stderr  # the debug log holds the (redacted) bodies
    for text in texts:
        for secret in (demo.password, demo.vkey, *sessions):
            assert secret not in text


def test_a_refused_login_leaves_every_request_not_sent(
    sandbox: Sandbox,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # In process: the result lines, not the entry point, are under test here.
    for name, value in {**sandbox_env(sandbox), "TTNC_PASSWORD": "wrong"}.items():
        monkeypatch.setenv(name, value)
    source = write_set_destinations(tmp_path / "route.csv", sandbox.grant_numbers("demo", 5))

    status = main(["batch", str(source), "--batch-size", "2"])

    captured = capsys.readouterr()
    assert status == 1
    records = read_results(captured.out)
    assert [r["id"] for r in records] == csv_ids(1, 5)
    assert {r["status"] for r in records} == {"not_sent"}
    assert records[0]["message"].startswith("not carried out, the login was refused")
    assert "not sent:         5 safe to send again" in captured.err
    refused = sandbox.journal.operations("SetDestination")
    assert [r.code for r in refused] == [401, 401]  # answered, not carried out: safe to resend
