"""Usage errors, in process: ``main()`` returns 2 with a clear message and sends nothing.

These need no subprocess: argparse and the input checks run before any
connection is made. (``test_cli_call`` checks status 2 through the real
entry point once.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_helpers import sandbox_env

from ttnc_pipeline.cli import main
from ttnc_pipeline.sandbox import Sandbox


@pytest.fixture(autouse=True)
def no_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("TTNC_USERNAME", "TTNC_PASSWORD", "TTNC_VKEY", "TTNC_API_URL", "TTNC_SESSION_ID"):
        monkeypatch.delenv(name, raising=False)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("call", "T", "N", "-d", "Number"), "-d 'Number' is not of the form Key=Value"),
        (("call", "T", "N", "--colour"), "ttnc call: error: unrecognized arguments: --colour"),
        (("call", "Novero Numbers", "N"), "is not a valid XML name"),
        (("call", "Auth", "SessionLogin", "-d", "Password=x"), "set TTNC_PASSWORD"),
        (("call", "T", "N", "--id", "SessionRequest"), "--id SessionRequest is reserved"),
        (("call", "T", "N", "--format", "xml"), "invalid choice: 'xml'"),
        (("call", "T", "N", "--retries", "-1"), "--retries: must be a whole number"),
        (("call", "T", "N", "--timeout", "0"), "--timeout: must be more than 0"),
        (("call", "T"), "the following arguments are required: name"),
        (("call", "T", "N", "--url", "ftp://x", "--session-id", "s"), "must start with http"),
        (("call", "T", "N", "--sandbox", "--url", "http://x/"), "--sandbox brings its own"),
        (("bogus",), "invalid choice: 'bogus'"),
        (("batch", "x.csv", "--batch-size", "0"), "--batch-size: must be a whole number from 1"),
        (("batch", "x.csv", "--resume"), "--resume needs --out FILE"),
        (("batch", "x.csv", "--out", "o", "--resend-unknown"), "only makes sense with --resume"),
        (("batch", "-", "--password-stdin"), "--password-stdin cannot be used"),
        (("batch", "/no/such/file.csv"), "cannot read /no/such/file.csv"),
        ((), "usage: ttnc"),
    ],
)
def test_bad_command_lines_exit_2(
    capsys: pytest.CaptureFixture[str], argv: tuple[str, ...], message: str
) -> None:
    status, err = run(capsys, *argv)

    assert status == 2
    assert message in err


def test_missing_credentials_name_the_variables(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, sandbox: Sandbox
) -> None:
    nothing = run(capsys, "call", "NoveroNumbers", "ListNumbers", "--url", sandbox.url)
    monkeypatch.setenv("TTNC_USERNAME", "demo")
    half = run(capsys, "call", "NoveroNumbers", "ListNumbers", "--url", sandbox.url)

    assert nothing == (
        2,
        "ttnc: error: no credentials: set TTNC_USERNAME, TTNC_PASSWORD and TTNC_VKEY "
        "(or TTNC_USERNAME with --password-stdin), give --session-id, or try --sandbox\n",
    )
    assert half == (2, "ttnc: error: incomplete credentials: set TTNC_PASSWORD\n")
    assert sandbox.journal.envelope_count == 0


def test_bad_batch_files_name_the_line_and_send_nothing(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    for variable, value in sandbox_env(sandbox).items():
        monkeypatch.setenv(variable, value)
    short_row = tmp_path / "short.csv"
    short_row.write_text("target,name,Number\nNoveroNumbers,ListNumbers,\nNoveroNumbers\n")
    bad_json = tmp_path / "bad.jsonl"
    bad_json.write_text('{"target": "NoveroNumbers", "name": "ListNumbers"}\n\n{"target": \n')
    existing = tmp_path / "done.jsonl"
    existing.write_text('{"id": "L2", "status": "ok"}\n')

    csv_result = run(capsys, "batch", str(short_row))
    json_result = run(capsys, "batch", str(bad_json))
    clobber = run(capsys, "batch", str(short_row), "--out", str(existing))

    assert csv_result == (
        2,
        f"ttnc: error: {short_row}, line 3: 1 cells, but the header has 3 (target,name,Number)\n",
    )
    assert json_result[0] == 2
    assert f"{bad_json}, line 3: not valid JSON" in json_result[1]
    assert clobber[0] == 2
    assert "already holds results: add --resume" in clobber[1]
    assert sandbox.journal.envelope_count == 0


def test_resume_refuses_an_input_file_that_changed(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    sandbox: Sandbox,
    tmp_path: Path,
) -> None:
    for variable, value in sandbox_env(sandbox).items():
        monkeypatch.setenv(variable, value)
    number = next(iter(sandbox.state.account("demo").numbers))
    source = tmp_path / "route.csv"
    source.write_text(f"target,name,Number\nNoveroNumbers,GetNumberConfig,{number}\n")
    out = tmp_path / "results.jsonl"
    assert main(["batch", str(source), "--out", str(out)]) == 0
    # A row inserted above shifts the line-number ids: L2 is now another request.
    source.write_text(
        f"target,name,Number\nNoveroNumbers,EnableRouteToAll,{number}\n"
        f"NoveroNumbers,GetNumberConfig,{number}\n"
    )
    capsys.readouterr()

    status, err = run(capsys, "batch", str(source), "--out", str(out), "--resume")

    assert status == 2
    assert "line 2 (L2) is not the request the results file holds for that id" in err
    assert sandbox.journal.count("EnableRouteToAll") == 0


def test_version_and_help_exit_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.startswith("ttnc ")
    for command in ("demo", "sandbox", "call", "batch"):
        assert main([command, "--help"]) == 0
        assert f"usage: ttnc {command}" in capsys.readouterr().out
