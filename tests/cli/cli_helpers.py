"""Helpers for the ``ttnc`` command-line tests: run the real entry point in a subprocess.

:func:`run_ttnc` runs ``python -m ttnc_pipeline ARGS`` and waits for it;
:func:`run_many` runs several at once (each start costs most of a second
of imports, so independent runs overlap); :class:`Runner` binds both to
one environment;
:func:`clean_env` is the test process's environment without any ``TTNC_*``
variable of the developer's own shell, so no test can reach the real TTNC;
:func:`sandbox_env` the variables a user would export for a sandbox.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence

from ttnc_pipeline.sandbox import Sandbox


def clean_env(**variables: str) -> dict[str, str]:
    """The test process's environment without ``TTNC_*``, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TTNC_")}
    env.update(variables)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def sandbox_env(sandbox: Sandbox) -> dict[str, str]:
    """The variables that point the CLI at ``sandbox`` as its demo account."""
    demo = sandbox.credentials
    return {
        "TTNC_API_URL": sandbox.url,
        "TTNC_USERNAME": demo.username,
        "TTNC_PASSWORD": demo.password,
        "TTNC_VKEY": demo.vkey,
    }


def run_ttnc(
    *args: str,
    env: dict[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run the real entry point and wait for it."""
    return subprocess.run(
        [sys.executable, "-m", "ttnc_pipeline", *args],
        env=env if env is not None else clean_env(),
        input=input,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=timeout,
        check=False,
    )


def _start(args: Sequence[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "ttnc_pipeline", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
    )


def run_many(
    *commands: Sequence[str], env: dict[str, str] | None = None, timeout: float = 60
) -> list[subprocess.CompletedProcess[str]]:
    """Run independent commands side by side; their results, in order."""
    chosen = env if env is not None else clean_env()
    processes = [_start(args, chosen) for args in commands]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=timeout)
        results.append(subprocess.CompletedProcess(process.args, process.returncode, out, err))
    return results


class Runner:
    """``ttnc`` with one environment: ``runner(*args)``, ``runner.many(args, args...)``."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = env

    def __call__(
        self, *args: str, input: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return run_ttnc(*args, env=self.env, input=input, timeout=timeout)

    def many(self, *commands: Sequence[str]) -> list[subprocess.CompletedProcess[str]]:
        return run_many(*commands, env=self.env)
