"""A sandbox server for the benchmarks that need more than the stock command gives.

``python -m benchmarks.serve --numbers 1000 [--certfile PEM]`` starts a
:class:`~ttnc_pipeline.sandbox.Sandbox` on a free loopback port, grants the
demo account ``--numbers`` extra numbers (the stock command has no such
option), prints the same banner as ``python -m ttnc_pipeline.sandbox``
(URL, then the demo credentials) and serves until SIGTERM or stdin closes.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import sys
import threading
from collections.abc import Sequence

from ttnc_pipeline.sandbox import Sandbox

__all__ = ["main", "serve_argv"]


def serve_argv(numbers: int, *, certfile: str | None = None) -> list[str]:
    """The argv that runs this script with ``numbers`` granted."""
    argv = [sys.executable, "-m", "benchmarks.serve", "--numbers", str(numbers)]
    if certfile is not None:
        argv += ["--certfile", certfile]
    return argv


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until told to stop; return the exit status."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.serve")
    parser.add_argument("--numbers", type=int, default=0, help="numbers to grant (default: 0)")
    parser.add_argument("--seed", type=int, default=0, help="sandbox seed (default: 0)")
    parser.add_argument("--certfile", help="PEM key and chain: serve HTTPS (default: HTTP)")
    args = parser.parse_args(argv)
    context = None
    if args.certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.certfile)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stopping.set())

    def stop_when_stdin_closes() -> None:
        sys.stdin.read()  # returns at end of file: the parent has gone
        stopping.set()

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    with Sandbox(seed=args.seed, ssl_context=context) as sandbox:
        credentials = sandbox.credentials
        sandbox.grant_numbers(credentials.username, args.numbers)
        print(f"TTNC sandbox serving at {sandbox.url}", flush=True)
        print(f"  username: {credentials.username}", flush=True)
        print(f"  password: {credentials.password}", flush=True)
        print(f"  vkey:     {credentials.vkey}", flush=True)
        stopping.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
