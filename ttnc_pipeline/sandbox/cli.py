"""The sandbox command: serve a sandbox until interrupted.

``python -m ttnc_pipeline.sandbox`` runs :func:`main`, which is the whole
command, so the project's ``ttnc sandbox`` command can call it with its own
arguments. It prints the URL and the demo
account's credentials (a local toy account: printing its password is the
point) and serves until Ctrl-C or SIGTERM, then stops cleanly and returns 0.
"""

from __future__ import annotations

import argparse
import signal
import ssl
import threading
from collections.abc import Sequence
from types import FrameType

from ttnc_pipeline.sandbox.sandbox import Sandbox

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    """The command's options (each states its default)."""
    parser = argparse.ArgumentParser(
        prog="python -m ttnc_pipeline.sandbox",
        description="Serve a TTNC-compatible sandbox for demos and tests.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    parser.add_argument(
        "--port", type=int, default=0, help="port to listen on (default: 0, any free port)"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed for credentials and numbers (default: 0)"
    )
    parser.add_argument(
        "--certfile", help="PEM certificate chain: serve HTTPS (default: plain HTTP)"
    )
    parser.add_argument("--keyfile", help="PEM private key for --certfile (default: in certfile)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the sandbox command; return the exit status."""
    args = build_parser().parse_args(argv)
    context = None
    if args.certfile:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.certfile, args.keyfile)
    stopping = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        """SIGTERM stops the sandbox as Ctrl-C does."""
        stopping.set()

    previous = signal.signal(signal.SIGTERM, on_signal)
    try:
        with Sandbox(seed=args.seed, host=args.host, port=args.port, ssl_context=context) as box:
            credentials = box.credentials
            print(f"TTNC sandbox serving at {box.url}", flush=True)
            print(f"  username: {credentials.username}", flush=True)
            print(f"  password: {credentials.password}", flush=True)
            print(f"  vkey:     {credentials.vkey}", flush=True)
            print("Press Ctrl-C to stop.", flush=True)
            try:
                while not stopping.wait(0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    print("TTNC sandbox stopped.", flush=True)
    return 0
