"""``ttnc sandbox``: serve the embedded sandbox until Ctrl-C.

A thin wrapper over the sandbox's own command
(:func:`ttnc_pipeline.sandbox.cli.main`, also ``python -m
ttnc_pipeline.sandbox``), which prints the URL and the demo account's
credentials: a local toy account, so showing its password is the point.
Point ``ttnc call`` at it with ``TTNC_API_URL`` and the ``TTNC_*``
credential variables.

:func:`start_sandbox` is the throwaway sandbox behind ``--sandbox`` and
``ttnc demo``: loopback, a free port, stopped on exit.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ttnc_pipeline.sandbox import Sandbox

__all__ = ["add_parser", "run", "start_sandbox"]


@contextlib.contextmanager
def start_sandbox(seed: int = 0) -> Iterator[Sandbox]:
    """A sandbox serving on 127.0.0.1 (any free port) for the ``with`` block."""
    # Imported here: only the commands that need a sandbox pay for loading it.
    from ttnc_pipeline.sandbox import Sandbox

    with Sandbox(seed=seed) as sandbox:
        yield sandbox


def add_parser(subparsers: Any) -> None:
    """Register the ``sandbox`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "sandbox",
        help="serve a local TTNC sandbox and print its URL and demo credentials",
        description="Serve a TTNC-compatible sandbox until Ctrl-C (or SIGTERM).",
        epilog="then, in another shell: export TTNC_API_URL=<url> TTNC_USERNAME=demo "
        "TTNC_PASSWORD=<password> TTNC_VKEY=<vkey>; ttnc call NoveroNumbers ListNumbers",
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default 0: any free port)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for credentials and numbers (default 0)"
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything else exposes the sandbox)",
    )
    parser.add_argument("--certfile", help="PEM certificate chain: serve HTTPS (default HTTP)")
    parser.add_argument("--keyfile", help="PEM private key for --certfile (default: in certfile)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted; return the sandbox command's exit status."""
    from ttnc_pipeline.sandbox.cli import main as sandbox_main

    argv = ["--port", str(args.port), "--seed", str(args.seed), "--host", args.host]
    if args.certfile:
        argv += ["--certfile", args.certfile]
    if args.keyfile:
        argv += ["--keyfile", args.keyfile]
    return sandbox_main(argv)
