"""``ttnc call TARGET NAME [-d Key=Value ...]``: send one request, print its response.

The request goes through the whole pipeline (login or session, retries
where safe, correlation) as one POST. The response is printed on stdout as
JSON (``response.to_dict()``, secrets masked) or, with ``--format table``,
as aligned text. Exit status, as for every command (:class:`._common.ExitCode`):

- 0: ``Code="200"``;
- 1: an API error: its code and message also go to stderr;
- 2: a usage error (nothing sent);
- 3: not sent, outcome unknown, or an unusable answer.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ttnc_pipeline.conventions import SESSION_REQUEST_ID
from ttnc_pipeline.core import Batch, Request

from ._common import (
    ExitCode,
    UsageError,
    parse_assignments,
    print_json,
    response_data,
    response_json,
)
from ._connect import add_connection_options, connect
from ._render import render_response

__all__ = ["add_parser", "run"]

_EXAMPLES = """\
examples:
  ttnc call NoveroNumbers ListNumbers
  ttnc call NoveroNumbers SetDestination -d Number=02031511000 -d Destination=07512312312
  ttnc call NoveroNumberSearch Search -d Range=01245 -d Limit=5 --format table
  ttnc call Order AddToBasket -d number=01245835013 -d type=number --session-file ~/.ttnc-session
  ttnc call NoveroNumbers ListNumbers --sandbox

a repeated -d Key gives the element several times, in order.
"""


def add_parser(subparsers: Any) -> None:
    """Register the ``call`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "call",
        help="send one request and print its response",
        description="Send one request to TTNC and print its response.",
        epilog=_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", help="the operation group, e.g. NoveroNumbers")
    parser.add_argument("name", help="the operation, e.g. ListNumbers")
    parser.add_argument(
        "-d",
        "--data",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a parameter (repeat for more)",
    )
    parser.add_argument("--id", help="the request id (default: generated)")
    parser.add_argument(
        "--format",
        choices=("json", "table"),
        default="json",
        help="how to print the response (default json)",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Send the request the arguments describe; print the response; return the exit status."""
    params = parse_assignments(args.data)
    request = Request(args.target, args.name, args.id, params)
    if request.id == SESSION_REQUEST_ID:
        raise UsageError(f"--id {SESSION_REQUEST_ID} is reserved for the login the client adds")
    with connect(args) as connection:
        reply = connection.client.send(Batch((request,), connection.session_id))
    response = reply.responses[-1]
    if args.format == "table":
        head = response_json(response)["@attributes"]
        sys.stdout.write("\n".join(render_response(head, response_data(response))) + "\n")
    else:
        print_json(response_json(response))
    if response.missing:
        print(
            f"ttnc: outcome unknown: the server sent no response for {response.operation}; "
            "it may or may not have been carried out",
            file=sys.stderr,
        )
        return ExitCode.TRANSPORT
    if not response.ok:
        print(
            f"ttnc: {response.operation} failed with code {response.code}: "
            f"{response.message or 'no message'}",
            file=sys.stderr,
        )
        return ExitCode.API_ERROR
    return ExitCode.OK
