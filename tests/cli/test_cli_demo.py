"""``ttnc demo`` and ``ttnc sandbox``: the README flows end to end, and serving."""

from __future__ import annotations

import re
import signal
import subprocess
import sys

from cli_helpers import clean_env, run_ttnc

from ttnc_pipeline.cli.demo import DESTINATION
from ttnc_pipeline.sandbox import Sandbox


def test_the_demo_buys_routes_and_reports_a_number_showing_no_secret() -> None:
    # The demo's sandbox uses seed 0: the same credentials and session ids as this one.
    twin = Sandbox(seed=0)
    demo = twin.credentials
    session = twin.state.login(demo.username, demo.password, demo.vkey)
    assert session is not None

    result = run_ttnc("--debug", "demo")

    assert result.returncode == 0, result.stderr
    out = result.stdout
    bought = re.search(r"^3\. Buy (\d{5} \d{3} \d{3}),", out, re.MULTILINE)
    assert bought is not None, out
    raw = bought.group(1).replace(" ", "")
    # The number it bought is the one it routed, and reading it back shows the route.
    assert f"AddToBasket {raw}: Code 200" in out
    assert f"SetDestination {raw} -> {DESTINATION}: Code 200" in out
    assert f"GetNumberConfig {raw}: rings {DESTINATION}" in out
    assert "New TTNCApi() with no credentials; usesession(" in out
    assert re.search(r"PlaceOrder: order \d+ placed, 1 number for £10", out)
    # Band counts and prices exactly as TTNC writes them: thousands comma, pound sign.
    assert re.search(r"^\s+00\s+\d{1,3}(,\d{3})*\s+£10\s+£10\s+yearly$", out, re.MULTILINE)
    assert re.search(r"^\s+50\s+\d+\s+£1,000\s+£100\s+yearly$", out, re.MULTILINE)
    for period in ("day", "week", "month", "all"):
        assert re.search(rf"^\s+{period}\s+4\s+[\d,]+\s+[\d,]+\s+£[\d,]+\.\d\d$", out, re.MULTILINE)
    assert "every answer Code 200" in out
    # Secrets: the session is shown as hidden, and no part of it appears,
    # not even in the --debug log of every request and response body.
    assert "SessionId *** (32 characters, hidden)" in out
    assert session.id[:8] not in out
    assert "ttnc.http" in result.stderr
    for secret in (demo.password, demo.vkey, session.id):
        assert secret not in out
        assert secret not in result.stderr


def test_the_sandbox_command_serves_and_prints_how_to_connect() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "ttnc_pipeline", "sandbox", "--seed", "3"],
        env=clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        banner = [process.stdout.readline() for _ in range(4)]
        url = banner[0].split()[-1]
        password = banner[2].split()[-1]
        env = clean_env(
            TTNC_API_URL=url,
            TTNC_USERNAME=banner[1].split()[-1],
            TTNC_PASSWORD=password,
            TTNC_VKEY=banner[3].split()[-1],
        )
        listed = run_ttnc("call", "NoveroNumbers", "ListNumbers", env=env)
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)

    assert url.startswith("http://127.0.0.1:"), banner
    assert password == Sandbox(seed=3).credentials.password
    assert listed.returncode == 0, listed.stderr
    assert process.returncode == 0, err
    assert "stopped" in out
