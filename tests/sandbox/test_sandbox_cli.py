"""``python -m ttnc_pipeline.sandbox``: prints the URL and credentials, serves, stops cleanly."""

from __future__ import annotations

import queue
import signal
import ssl
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import trustme
from sandbox_wire import Wire

from ttnc_pipeline.sandbox import Credentials, Sandbox
from ttnc_pipeline.sandbox.cli import build_parser

_STARTUP_TIMEOUT = 20.0


def _lines(process: subprocess.Popen[str]) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=pump, daemon=True).start()
    return lines


def _banner(lines: queue.Queue[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    while "vkey" not in found:
        line = lines.get(timeout=_STARTUP_TIMEOUT)
        if "serving at" in line:
            found["url"] = line.split("serving at", 1)[1].strip()
        elif ":" in line and line.startswith("  "):
            key, value = line.strip().split(":", 1)
            found[key] = value.strip()
    return found


def _run(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ttnc_pipeline.sandbox", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _stop(process: subprocess.Popen[str], lines: queue.Queue[str]) -> None:
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=10) == 0, process.stderr.read() if process.stderr else ""
    rest = []
    while not lines.empty():
        rest.append(lines.get())
    assert "TTNC sandbox stopped." in rest


def test_the_command_prints_url_and_credentials_and_serves() -> None:
    process = _run("--port", "0", "--seed", "5")
    try:
        lines = _lines(process)
        banner = _banner(lines)
        expected = Sandbox(seed=5).credentials
        assert banner["url"].startswith("http://127.0.0.1:")
        assert banner["url"].endswith("/api/")
        printed = Credentials(banner["username"], banner["password"], banner["vkey"])
        assert printed == expected
        wire = Wire(banner["url"])
        assert len(wire.login(printed)) == 32
        wire.close()
        _stop(process, lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_the_command_serves_https_with_a_certificate(tmp_path: Path) -> None:
    authority = trustme.CA()
    cert = authority.issue_cert("127.0.0.1")
    certfile, keyfile = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    process = _run("--certfile", str(certfile), "--keyfile", str(keyfile))
    try:
        lines = _lines(process)
        banner = _banner(lines)
        assert banner["url"].startswith("https://127.0.0.1:")
        context = ssl.create_default_context()
        authority.configure_trust(context)
        wire = Wire(banner["url"], context=context)
        printed = Credentials(banner["username"], banner["password"], banner["vkey"])
        assert len(wire.login(printed)) == 32
        wire.close()
        _stop(process, lines)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_options_state_their_defaults() -> None:
    parser = build_parser()
    assert vars(parser.parse_args([])) == {
        "host": "127.0.0.1",
        "port": 0,
        "seed": 0,
        "certfile": None,
        "keyfile": None,
    }
    for action in parser._actions:
        if action.dest != "help":
            assert "default" in (action.help or ""), action.dest
    with pytest.raises(SystemExit):
        parser.parse_args(["--port", "many"])
