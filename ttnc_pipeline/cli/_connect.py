"""How a command reaches TTNC: endpoint, credentials, session, retries.

The options (:func:`add_connection_options`) are shared by ``call`` and
``batch``; :func:`connect` turns them into one :class:`~ttnc_pipeline.Client`:

- the endpoint: ``--url``, else ``TTNC_API_URL``, else TTNC's own;
- credentials: ``TTNC_USERNAME``, ``TTNC_PASSWORD``, ``TTNC_VKEY`` from the
  environment, the password optionally from the first line of standard
  input (``--password-stdin``). There is deliberately no password flag: it
  would stay in the shell history and show in ``ps``;
- a session: ``--session-id`` (or ``TTNC_SESSION_ID``) sends under an
  existing SessionId, and needs no credentials; ``--session-file`` keeps
  the session in a 0600 JSON file
  (:class:`~ttnc_pipeline.sessions.FileSessionStore`) so the next
  invocation reuses it, basket included;
- ``--timeout`` and ``--retries`` bound how long a call may take;
- ``--sandbox`` starts a throwaway sandbox and uses its demo account.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator, Mapping
from typing import TextIO

import attrs

from ttnc_pipeline.client import Client, default_url
from ttnc_pipeline.middleware import Credentials
from ttnc_pipeline.retry_policy import RetryPolicy
from ttnc_pipeline.sessions import FileSessionStore

from ._common import UsageError

__all__ = ["Connection", "add_connection_options", "connect", "credentials_from_env"]

ENV_USERNAME = "TTNC_USERNAME"
ENV_PASSWORD = "TTNC_PASSWORD"
ENV_VKEY = "TTNC_VKEY"
ENV_URL = "TTNC_API_URL"
ENV_SESSION_ID = "TTNC_SESSION_ID"

DEFAULT_TIMEOUT = 120.0
DEFAULT_RETRIES = 3


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be more than 0, not {text}")
    return value


def _count(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"must be a whole number from 0 up, not {text!r}")
    return int(text)


def add_connection_options(parser: argparse.ArgumentParser) -> None:
    """Add the endpoint, credential, session and retry options to ``parser``."""
    group = parser.add_argument_group(
        "connection",
        f"Credentials come from ${ENV_USERNAME}, ${ENV_PASSWORD} and ${ENV_VKEY} "
        "(never from a flag).",
    )
    group.add_argument(
        "--url", help=f"the API endpoint (default: ${ENV_URL}, else https://xml.ttnc.co.uk/api/)"
    )
    group.add_argument(
        "--password-stdin",
        action="store_true",
        help=f"read the password from the first line of standard input instead of ${ENV_PASSWORD}",
    )
    sessions = group.add_mutually_exclusive_group()
    sessions.add_argument(
        "--session-id",
        metavar="ID",
        help=f"send under this SessionId; no credentials needed (default: ${ENV_SESSION_ID})",
    )
    sessions.add_argument(
        "--session-file",
        metavar="PATH",
        help="keep the session in this file (mode 0600) and reuse it in later runs",
    )
    group.add_argument(
        "--timeout",
        type=_positive_float,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"total time for one POST, retries included (default {DEFAULT_TIMEOUT:g})",
    )
    group.add_argument(
        "--retries",
        type=_count,
        default=DEFAULT_RETRIES,
        metavar="N",
        help=f"extra attempts, only where safe (default {DEFAULT_RETRIES}; 0: one attempt)",
    )
    group.add_argument(
        "--sandbox",
        action="store_true",
        help="run against a throwaway local sandbox, logged in as its demo account",
    )


def credentials_from_env(
    environ: Mapping[str, str], password: str | None = None
) -> Credentials | None:
    """Credentials from ``TTNC_*`` variables (``password`` overrides ``TTNC_PASSWORD``).

    None when none is set; UsageError naming what is missing when only some are.
    """
    username = environ.get(ENV_USERNAME) or None
    password = password if password is not None else environ.get(ENV_PASSWORD) or None
    vkey = environ.get(ENV_VKEY) or None
    if username is None and password is None:
        return None
    missing = [
        name
        for name, value in ((ENV_USERNAME, username), (ENV_PASSWORD, password))
        if value is None
    ]
    if missing:
        raise UsageError(f"incomplete credentials: set {' and '.join(missing)}")
    assert username is not None and password is not None
    return Credentials(username, password, vkey)


def _read_password(stdin: TextIO) -> str:
    isatty = getattr(stdin, "isatty", None)
    if isatty is not None and isatty():
        # Typed by a person: ask without echoing it.
        line = getpass.getpass("TTNC password: ")
    else:
        line = stdin.readline().rstrip("\r\n")
    if not line:
        raise UsageError("--password-stdin: standard input held no password")
    return line


@attrs.frozen
class Connection:
    """A ready client and the SessionId to send under (None: the client's own)."""

    client: Client
    session_id: str | None


@contextlib.contextmanager
def connect(
    args: argparse.Namespace,
    *,
    environ: Mapping[str, str] | None = None,
    stdin: TextIO | None = None,
) -> Iterator[Connection]:
    """Open the client the options describe; close it (and any sandbox) afterwards.

    Raises UsageError when neither credentials nor a session id are given.
    """
    env = os.environ if environ is None else environ
    session_id: str | None = args.session_id
    if session_id is None and not args.sandbox:
        session_id = env.get(ENV_SESSION_ID) or None
    if args.session_file and session_id:
        raise UsageError(f"--session-file cannot be used with a session id (${ENV_SESSION_ID})")
    with contextlib.ExitStack() as stack:
        if args.sandbox:
            if args.url or args.password_stdin:
                raise UsageError("--sandbox brings its own URL and credentials")
            from .sandbox_cmd import start_sandbox

            sandbox = stack.enter_context(start_sandbox())
            url = sandbox.url
            demo = sandbox.credentials
            credentials: Credentials | None = Credentials(demo.username, demo.password, demo.vkey)
        else:
            url = args.url or env.get(ENV_URL) or default_url()
            typed = _read_password(stdin or sys.stdin) if args.password_stdin else None
            credentials = credentials_from_env(env, typed)
        if credentials is None and session_id is None:
            raise UsageError(
                f"no credentials: set {ENV_USERNAME}, {ENV_PASSWORD} and {ENV_VKEY} "
                f"(or {ENV_USERNAME} with --password-stdin), give --session-id, "
                "or try --sandbox"
            )
        try:
            client = Client(
                url,
                credentials=credentials,
                session_store=FileSessionStore(args.session_file) if args.session_file else None,
                retry=RetryPolicy(max_attempts=args.retries + 1, deadline=args.timeout),
                timeout=args.timeout,
            )
        except ValueError as exc:  # a URL that is not http(s)://...
            raise UsageError(f"--url / {ENV_URL}: {exc}") from None
        stack.callback(client.close)
        yield Connection(client, session_id)
