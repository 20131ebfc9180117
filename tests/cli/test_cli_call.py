"""``ttnc call``: one request through the real entry point; exit statuses 0, 1, 2, 3."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

from cli_helpers import Runner, clean_env, run_ttnc, sandbox_env

from ttnc_pipeline.sandbox import Sandbox


def test_an_ok_call_prints_the_response_as_json(ttnc: Runner, sandbox: Sandbox) -> None:
    result = ttnc("call", "NoveroNumbers", "ListNumbers", "--id", "List1")

    assert result.returncode == 0, result.stderr
    response = json.loads(result.stdout)
    assert response["@attributes"] == {
        "target": "NoveroNumbers",
        "name": "ListNumbers",
        "Code": "200",
        "RequestId": "List1",
    }
    listed = {n["RawNumber"]: n["Destination"] for n in response["Numbers"]["Number"]}
    assert listed == sandbox.state.account("demo").numbers
    assert sandbox.journal.logins == 1


def test_parameters_come_from_key_value_options(ttnc: Runner, sandbox: Sandbox) -> None:
    number = next(iter(sandbox.state.account("demo").numbers))

    result = ttnc(
        "call", "NoveroNumbers", "SetDestination", "-d", f"Number={number}",
        "-d", "Destination=07512312312",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    assert sandbox.state.account("demo").numbers[number] == "07512312312"


def test_the_table_format_aligns_lists_and_values(ttnc: Runner, sandbox: Sandbox) -> None:
    result = ttnc(
        "call", "NoveroNumberSearch", "Search", "-d", "Range=01245", "-d", "Limit=3",
        "--format", "table",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("NoveroNumberSearch/Search  Code 200")
    header = next(line for line in lines if "RawNumber" in line)
    assert header.split() == ["RawNumber", "alpha", "band", "code", "range", "tariff", "number"]
    band_00 = sandbox.state.stock.search("01245", None, 1)[1]["00"]
    assert any(line.split() == ["00", f"{band_00:,}"] for line in lines)  # as TTNC shows it
    assert any(line.split() == ["BandPrice", "£10"] for line in lines)


def test_an_api_error_exits_1_with_code_and_message_on_stderr(ttnc: Runner) -> None:
    result = ttnc(
        "call", "NoveroNumbers", "SetDestination", "-d", "Number=02031511000",
        "-d", "Destination=07512312312",
    )  # fmt: skip

    assert result.returncode == 1
    assert json.loads(result.stdout)["@attributes"]["Code"] == "400"
    assert "failed with code 400: number 02031511000 is not on your account" in result.stderr


def test_an_unknown_operation_exits_1(ttnc: Runner) -> None:
    result = ttnc("call", "NoveroNumbers", "NoSuchThing")

    assert result.returncode == 1
    assert "code 404" in result.stderr


def test_an_endpoint_nobody_listens_on_exits_3(closed_port: int) -> None:
    env = clean_env(TTNC_USERNAME="someone", TTNC_PASSWORD="not-used", TTNC_VKEY="k")
    url = f"http://127.0.0.1:{closed_port}/api/"

    result = run_ttnc("call", "NoveroNumbers", "ListNumbers", "--url", url, "--retries", "0",
                      env=env)  # fmt: skip

    assert result.returncode == 3
    assert "not sent, nothing was carried out" in result.stderr
    assert result.stdout == ""


def test_a_lost_answer_to_an_unsafe_call_exits_3_as_unknown(ttnc: Runner, sandbox: Sandbox) -> None:
    sandbox.faults.close_after_effect(match="AddCard")

    result = ttnc(
        "call", "NoveroUser", "AddCard", "-d", "CardName=A N Other",
        "-d", "CardNumber=4111111111111111", "-d", "ExpiryMonth=12", "-d", "ExpiryYear=30",
        "-d", "CV2=123", "-d", "Type=VISA", "-d", "Address1=1 High St", "-d", "City=Leeds",
        "-d", "Postcode=LS1 1AA", "-d", "Country=GB",
    )  # fmt: skip

    assert result.returncode == 3
    assert "outcome unknown" in result.stderr
    assert sandbox.journal.count("AddCard") == 1  # carried out once, never resent
    assert len(sandbox.state.account("demo").cards) == 1


def test_a_usage_error_exits_2_and_sends_nothing(ttnc: Runner, sandbox: Sandbox) -> None:
    result = ttnc("call", "NoveroNumbers", "SetDestination", "-d", "Number")

    assert result.returncode == 2
    assert "ttnc: error: -d 'Number' is not of the form Key=Value" in result.stderr
    assert sandbox.journal.envelope_count == 0


def test_the_password_can_come_from_stdin(sandbox: Sandbox) -> None:
    env = clean_env(**sandbox_env(sandbox))
    password = env.pop("TTNC_PASSWORD")

    result = run_ttnc(
        "call", "NoveroNumbers", "ListNumbers", "--password-stdin", env=env, input=password + "\n"
    )

    assert result.returncode == 0, result.stderr
    assert sandbox.journal.logins == 1


def test_a_session_file_keeps_the_basket_between_invocations(
    ttnc: Runner, sandbox: Sandbox, tmp_path: Path
) -> None:
    store = tmp_path / "session.json"
    wanted = sandbox.state.stock.search("01245", "00", 1)[0][0].raw

    added = ttnc("call", "Order", "AddToBasket", "-d", f"number={wanted}", "-d", "type=number",
                 "--session-file", str(store))  # fmt: skip
    viewed = ttnc("call", "Order", "ViewBasket", "--session-file", str(store))

    assert added.returncode == 0, added.stderr
    assert viewed.returncode == 0, viewed.stderr
    items = json.loads(viewed.stdout)["Items"]["Item"]
    assert [item["Number"] for item in items] == [wanted]
    assert sandbox.journal.logins == 1  # the second run reused the stored session
    assert stat.S_IMODE(os.stat(store).st_mode) == 0o600


def test_a_session_id_needs_no_credentials(sandbox: Sandbox) -> None:
    demo = sandbox.credentials
    session = sandbox.state.login(demo.username, demo.password, demo.vkey)
    assert session is not None

    result = run_ttnc(
        "call", "NoveroNumbers", "ListNumbers", "--url", sandbox.url, "--session-id", session.id
    )

    assert result.returncode == 0, result.stderr
    assert sandbox.journal.logins == 0


def test_sandbox_option_needs_no_setup() -> None:
    result = run_ttnc("call", "NoveroNumbers", "ListNumbers", "--sandbox")

    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["Numbers"]["Number"]) == 3
