"""The CLI's pure parts, in process: parsing, rendering, progress, input files, exit codes."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from ttnc_pipeline.cli._batch_input import detect_format, read_requests
from ttnc_pipeline.cli._common import (
    ExitCode,
    UsageError,
    exit_code_for,
    mask,
    parse_assignments,
)
from ttnc_pipeline.cli._connect import credentials_from_env
from ttnc_pipeline.cli._progress import Progress, choose_style
from ttnc_pipeline.cli._render import flatten, table
from ttnc_pipeline.errors import (
    APIError,
    AuthenticationError,
    CorrelationError,
    InvalidRequest,
    OutcomeUnknown,
    ProtocolError,
    RequestNotSent,
    ServerBusy,
)


def test_key_value_options_keep_order_and_repeat_as_lists() -> None:
    params = parse_assignments(["Number=0203", "Destination=07a", "Destination=07b", "Note="])

    assert params == {"Number": "0203", "Destination": ["07a", "07b"], "Note": ""}
    assert parse_assignments(["Formula=a=b"]) == {"Formula": "a=b"}


@pytest.mark.parametrize("item", ["Number", "=07", " =x"])
def test_malformed_key_value_options_are_usage_errors(item: str) -> None:
    with pytest.raises(UsageError, match="is not of the form Key=Value"):
        parse_assignments([item])


def test_a_password_option_is_refused() -> None:
    with pytest.raises(UsageError, match="TTNC_PASSWORD"):
        parse_assignments(["password=hunter2"])


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (RequestNotSent("x"), ExitCode.TRANSPORT),
        (ServerBusy("x", status=503), ExitCode.TRANSPORT),
        (OutcomeUnknown("x"), ExitCode.TRANSPORT),
        (ProtocolError("x"), ExitCode.TRANSPORT),
        (CorrelationError("x"), ExitCode.TRANSPORT),
        (APIError("x", code=400), ExitCode.API_ERROR),
        (AuthenticationError("x", code=401), ExitCode.API_ERROR),
        (InvalidRequest("x"), ExitCode.USAGE),
        (UsageError("x"), ExitCode.USAGE),
        (KeyboardInterrupt(), ExitCode.INTERRUPTED),
    ],
)
def test_each_error_has_its_exit_status(error: BaseException, status: ExitCode) -> None:
    assert exit_code_for(error) == status


def test_secrets_show_not_a_single_character() -> None:
    assert mask("696dc3d523ce992bd21c028df2c79fe4") == "*** (32 characters, hidden)"
    assert mask(None) == "(none)"


def test_credentials_come_from_the_environment_only_when_complete() -> None:
    assert credentials_from_env({}) is None
    full = credentials_from_env({"TTNC_USERNAME": "u", "TTNC_PASSWORD": "p", "TTNC_VKEY": "k"})
    assert full is not None
    assert (full.username, full.password, full.vkey) == ("u", "p", "k")
    typed = credentials_from_env({"TTNC_USERNAME": "u"}, password="typed")
    assert typed is not None
    assert typed.password == "typed"
    with pytest.raises(UsageError, match="set TTNC_USERNAME"):
        credentials_from_env({"TTNC_PASSWORD": "p"})


def test_tables_align_columns_and_right_align_amounts() -> None:
    lines = table([("00", "7,859", "£10"), ("50", "12", "£1,000")], ("Band", "Count", "Price"))

    assert lines == [
        "  Band  Count   Price",
        "  ----  -----  ------",
        "  00    7,859     £10",
        "  50       12  £1,000",
    ]


def test_flatten_names_every_leaf_by_its_path() -> None:
    data = {"Rules": {"Rule": [{"Destination": "a"}, {"Destination": "b"}]}, "Empty": []}

    assert flatten(data) == [
        ("Rules/Rule[1]/Destination", "a"),
        ("Rules/Rule[2]/Destination", "b"),
        ("Empty", "(none)"),
    ]


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_a_bar_on_a_terminal_and_lines_when_piped() -> None:
    terminal, pipe = _Terminal(), io.StringIO()
    ticks = iter([0.0, 2.0])
    bar = Progress(200, 2, terminal, choose_style("auto", terminal), clock=lambda: next(ticks))
    lines = Progress(200, 2, pipe, choose_style("auto", pipe))

    bar.update(99, 1)
    bar.finish()
    lines.update(100, 0)

    assert terminal.getvalue() == (
        "\r[###############...............] 100/200 batch 1/2  ok 99  refused 1  50/s\033[K\n"
    )
    assert pipe.getvalue() == "batch 1/2: 100/200 requests (100 ok, 0 refused)\n"
    assert choose_style("none", terminal) == "none"


def test_input_files_give_ids_from_line_numbers(tmp_path: Path) -> None:
    source = tmp_path / "requests"
    source.write_text(
        "\ufefftarget,name,id,Number,Destination\n"
        "NoveroNumbers,SetDestination,,0203,07512312312\n"
        "\n"
        "NoveroNumbers,GetNumberConfig,mine,0203,\n",
        encoding="utf-8",
    )

    planned = read_requests(str(source), "csv")

    assert [(p.id, p.line) for p in planned] == [("L2", 2), ("mine", 4)]
    assert dict(planned[1].request.params) == {"Number": "0203"}  # empty cells left out


def test_input_format_is_detected_by_suffix_then_content() -> None:
    assert detect_format("a.csv", "{") == "csv"
    assert detect_format("a.ndjson", "target") == "jsonl"
    assert detect_format("-", '  {"target": 1}') == "jsonl"
    assert detect_format("-", "target,name") == "csv"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"target": "T", "name": "N", "extra": 1}\n', "line 1: unknown key 'extra'"),
        ('["T", "N"]\n', "line 1: expected a JSON object, not an array"),
        ('{"target": "T"}\n', "line 1: name is missing"),
        ('{"target": "T", "name": "N", "params": {"Flag": true}}\n', "line 1: parameter 'Flag'"),
        ('{"target": "T", "name": "N", "id": "SessionRequest"}\n', "line 1: the id Session"),
        ('{"target": "T", "name": "N", "params": {"Password": "x"}}\n', "line 1: a Password"),
        ('{"target":"T","name":"N","id":"a"}\n{"target":"T","name":"N","id":"a"}\n', "line 2"),
    ],
)
def test_bad_json_lines_name_their_line(tmp_path: Path, text: str, message: str) -> None:
    source = tmp_path / "requests.jsonl"
    source.write_text(text, encoding="utf-8")

    with pytest.raises(UsageError, match=message):
        read_requests(str(source))


def test_a_csv_header_needs_target_and_name(tmp_path: Path) -> None:
    source = tmp_path / "requests.csv"
    source.write_text("name,Number\nListNumbers,1\n", encoding="utf-8")

    with pytest.raises(UsageError, match="line 1: the CSV header needs the columns target"):
        read_requests(str(source))
