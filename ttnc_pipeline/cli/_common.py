"""What every ``ttnc`` command shares: exit codes, errors, parsing helpers, output.

- :class:`ExitCode` the exit statuses, one meaning each, for every command;
- :class:`UsageError` bad input found by a command (exit 2, message on stderr);
- :func:`exit_code_for` maps a library error to its exit status, by what is
  known about the outcome (the tree in :mod:`ttnc_pipeline.errors`);
- :func:`describe_error` the one-line explanation printed on stderr;
- :func:`parse_assignments` ``-d Key=Value`` options into parameters;
- :func:`mask` how a secret is shown when it must be mentioned at all;
- :func:`response_data`, :func:`print_json` what responses look like as JSON.

Connections (credentials, URL, session, retries) live in :mod:`._connect`.
"""

from __future__ import annotations

import enum
import json
import sys
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

from ttnc_pipeline._content import ATTRIBUTES_KEY
from ttnc_pipeline.core import Response
from ttnc_pipeline.errors import (
    APIError,
    CorrelationError,
    InvalidRequest,
    OutcomeUnknown,
    ProtocolError,
    RequestNotSent,
)
from ttnc_pipeline.redaction import redact_mapping

__all__ = [
    "ExitCode",
    "UsageError",
    "describe_error",
    "exit_code_for",
    "mask",
    "parse_assignments",
    "print_json",
    "response_data",
    "response_json",
    "unknown_reason",
]


class ExitCode(enum.IntEnum):
    """Exit statuses shared by every command."""

    OK = 0
    """Everything asked for was carried out and answered ``Code="200"``."""
    API_ERROR = 1
    """TTNC answered, with an error code for at least one request."""
    USAGE = 2
    """Bad command line or input; nothing was sent."""
    TRANSPORT = 3
    """Not sent, or sent with no usable answer (outcome unknown)."""
    INTERRUPTED = 130
    """Stopped by Ctrl-C (128 + SIGINT, the shell convention)."""


class UsageError(Exception):
    """Bad input found before anything was sent; reported with exit status 2."""


def exit_code_for(exc: BaseException) -> ExitCode:
    """The exit status for an error raised while running a command."""
    if isinstance(exc, KeyboardInterrupt):
        return ExitCode.INTERRUPTED
    if isinstance(exc, UsageError | InvalidRequest):
        return ExitCode.USAGE
    if isinstance(exc, APIError):
        return ExitCode.API_ERROR
    # RequestNotSent, OutcomeUnknown, ProtocolError, CorrelationError, and any
    # other failure: the request may not have been carried out as asked.
    return ExitCode.TRANSPORT


def describe_error(exc: BaseException) -> str:
    """One line for stderr that says first what is known about the outcome."""
    if isinstance(exc, RequestNotSent):
        return f"not sent, nothing was carried out: {exc}"
    if isinstance(exc, OutcomeUnknown):
        named = f" ({len(exc.request_ids)} requests)" if len(exc.request_ids) > 1 else ""
        return (
            f"outcome unknown{named}, TTNC may or may not have carried it out: "
            f"{unknown_reason(exc)}. Check with a read-only operation before sending "
            "an unsafe request again"
        )
    if isinstance(exc, ProtocolError):
        return f"unusable answer (protocol error): {exc}"
    if isinstance(exc, CorrelationError):
        return f"answers cannot be matched to requests: {exc}"
    if isinstance(exc, InvalidRequest):
        return f"invalid request, nothing was sent: {exc}"
    return str(exc)


def unknown_reason(exc: OutcomeUnknown) -> str:
    """The error's message without its list of request ids (a batch may name hundreds)."""
    return exc.reason


def parse_assignments(items: Iterable[str], *, option: str = "-d") -> dict[str, Any]:
    """Turn ``Key=Value`` strings into parameters; a repeated key becomes a list.

    Raises UsageError for a malformed item, and for ``Password``, which must
    never be typed on a command line (it would stay in the shell history).
    """
    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UsageError(f"{option} {item!r} is not of the form Key=Value")
        if key.lower() == "password":
            raise UsageError(
                f"{option} {key}=... would leave a password in your shell history; "
                "set TTNC_PASSWORD or use --password-stdin"
            )
        if key in params:
            previous = params[key]
            params[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            params[key] = value
    return params


def mask(secret: str | None) -> str:
    """A secret as the CLI may show it: that there is one, and its length; never a character."""
    if not secret:
        return "(none)"
    return f"*** ({len(secret)} characters, hidden)"


def response_data(response: Response) -> dict[str, Any]:
    """A response's content as plain JSON data: no ``@attributes``, secrets masked."""
    data = {k: v for k, v in response.to_dict().items() if k != ATTRIBUTES_KEY}
    return redact_mapping(data)


def response_json(response: Response) -> dict[str, Any]:
    """A whole response as JSON data (``@attributes`` included), secrets masked."""
    data = response.to_dict()
    attributes = data.pop(ATTRIBUTES_KEY, {})
    return {ATTRIBUTES_KEY: attributes, **redact_mapping(data)}


def print_json(data: Mapping[str, Any], stream: TextIO | None = None, *, indent: int = 2) -> None:
    """Write ``data`` as JSON (UTF-8 text, non-ASCII kept: ``£10`` stays ``£10``)."""
    out = stream if stream is not None else sys.stdout
    out.write(json.dumps(data, ensure_ascii=False, indent=indent or None) + "\n")
