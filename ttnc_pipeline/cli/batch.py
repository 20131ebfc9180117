"""``ttnc batch FILE``: many requests through one client, in batches, a result line for each.

Pieces: :mod:`._batch_input` reads and checks the file (nothing is sent if
any line is wrong); :mod:`._batch_send` sends the requests ``--batch-size``
at a time through one :class:`~ttnc_pipeline.Client` (one login, one
kept-alive connection, retries only where the operations' safety allows);
:mod:`._batch_results` writes one JSON line per request; :mod:`._progress`
shows how far it got.

When the run stops early (Ctrl-C, a transport failure, a refused login),
every request still gets a line: the batch in flight is ``unknown`` (or
``not_sent`` when it is known not to have been carried out), every later
one ``not_sent``. ``--resume`` with the same ``--out`` file then skips the
requests already answered, sends the ``not_sent`` ones, sends the
``unknown`` ones again only when their operation is safe to repeat
(read-only or idempotent), and keeps unsafe ones (``AddToBasket``,
``PlaceOrder``, ``AddCard``) as ``unknown`` unless ``--resend-unknown``
says they were checked.

Exit status: 0 every request ok; 1 some API errors (or the login was
refused); 2 bad input; 3 stopped by a transport failure, or outcomes left
unknown; 130 interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import sys
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from ttnc_pipeline.operations import Safety, safety_of

from ._batch_input import FORMATS, Planned, read_requests
from ._batch_results import (
    ERROR,
    FINAL,
    NOT_SENT,
    OK,
    UNKNOWN,
    ResultWriter,
    digest,
    read_previous,
)
from ._batch_send import Outcome, send_all, some
from ._common import ExitCode, UsageError, describe_error, exit_code_for
from ._connect import add_connection_options, connect
from ._progress import STYLES, Progress, choose_style

__all__ = ["add_parser", "run"]


def _batch_size(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1 up, not {text!r}")
    return int(text)


def add_parser(subparsers: Any) -> None:
    """Register the ``batch`` command."""
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "batch",
        help="send many requests from a JSON Lines or CSV file",
        description="Send many requests through one client, in batches, and write a "
        "result line for each.",
        epilog="Input formats and result lines: see `pydoc ttnc_pipeline.cli._batch_input` and "
        "`pydoc ttnc_pipeline.cli._batch_results`.",
    )
    parser.add_argument("file", help="the requests: JSON Lines or CSV ('-': standard input)")
    parser.add_argument(
        "--input-format",
        choices=FORMATS,
        default="auto",
        help="default auto: by the file's suffix (.csv, .jsonl), else by its content",
    )
    parser.add_argument(
        "--batch-size", type=_batch_size, default=100, metavar="N", help="requests per POST (100)"
    )
    parser.add_argument("--out", metavar="FILE", help="write result lines here (default stdout)")
    parser.add_argument(
        "--resume",
        action="store_true",
        help="continue an earlier run: skip the requests --out already holds a final result for",
    )
    parser.add_argument(
        "--resend-unknown",
        action="store_true",
        help="with --resume: also resend unsafe requests whose outcome was unknown "
        "(only after checking they did not happen)",
    )
    parser.add_argument(
        "--progress",
        choices=STYLES,
        default="auto",
        help="on stderr: a bar on a terminal, one line per batch when piped (default auto)",
    )
    add_connection_options(parser)
    parser.set_defaults(run=run)


def _select(
    plan: Sequence[Planned], previous: dict[str, dict[str, Any]], resend_unknown: bool
) -> tuple[list[Planned], list[Planned], int]:
    """What to send, which unknown unsafe requests to hold back, and how many are done."""
    todo: list[Planned] = []
    held: list[Planned] = []
    done = 0
    for item in plan:
        record = previous.get(item.id, {})
        if record.get("digest", digest(item.request)) != digest(item.request):
            raise UsageError(
                f"line {item.line} ({item.id}) is not the request the results file holds "
                f"for that id: did the input change since that run? Nothing was sent"
            )
        status = record.get("status")
        if status in FINAL:
            done += 1
        elif (
            status == UNKNOWN
            and not resend_unknown
            and safety_of(item.request.target, item.request.name) is Safety.UNSAFE
        ):
            held.append(item)
        else:
            todo.append(item)
    return todo, held, done


@contextlib.contextmanager
def _output(args: argparse.Namespace) -> Iterator[TextIO]:
    if not args.out:
        yield sys.stdout
        return
    with (
        open(args.out, "a", encoding="utf-8")
        if args.resume
        else open(args.out, "w", encoding="utf-8")
    ) as handle:
        if args.resume and handle.tell() > 0:
            with open(args.out, "rb") as check:
                check.seek(-1, os.SEEK_END)
                if check.read(1) != b"\n":
                    handle.write("\n")  # end a line cut short by a killed run
        yield handle


def run(args: argparse.Namespace) -> int:
    """Run the ``batch`` command; return its exit status."""
    if args.resume and not args.out:
        raise UsageError("--resume needs --out FILE: the results of the run to continue")
    if args.resend_unknown and not args.resume:
        raise UsageError("--resend-unknown only makes sense with --resume")
    if args.file == "-" and args.password_stdin:
        raise UsageError("--password-stdin cannot be used when the requests come from stdin")
    if args.out and not args.resume and os.path.exists(args.out) and os.path.getsize(args.out):
        raise UsageError(
            f"{args.out} already holds results: add --resume to continue that run, "
            "or remove the file"
        )
    plan = read_requests(args.file, args.input_format)
    previous = read_previous(args.out) if args.resume else {}
    todo, held, done = _select(plan, previous, args.resend_unknown)
    earlier_errors = sum(previous.get(i.id, {}).get("status") == ERROR for i in plan)
    style = choose_style(args.progress, sys.stderr)
    batches = -(-len(todo) // args.batch_size)
    progress = Progress(len(todo), batches, sys.stderr, style)
    writer = ResultWriter(sys.stdout)
    outcome = Outcome()
    if todo:
        with connect(args) as connection, _output(args) as stream:
            writer = ResultWriter(stream)
            try:
                outcome = send_all(connection, todo, args.batch_size, writer, progress)
            finally:
                progress.finish()
    _report(args, plan, writer, outcome, held, done)
    if outcome.stopped_by is not None:
        return exit_code_for(outcome.stopped_by)
    if held or writer.count(UNKNOWN):
        return ExitCode.TRANSPORT
    if writer.count(ERROR) or earlier_errors:
        return ExitCode.API_ERROR
    return ExitCode.OK


def _report(
    args: argparse.Namespace,
    plan: Sequence[Planned],
    writer: ResultWriter,
    outcome: Outcome,
    held: Sequence[Planned],
    done: int,
) -> None:
    """The summary on stderr: what was carried out, what was not, what is unknown."""
    err = sys.stderr
    head = f"ttnc batch: {len(plan)} requests"
    if done:
        head += f", {done} already done in an earlier run"
    if outcome.stopped_by is not None:
        reason = outcome.stopped_by
        why = "interrupted" if isinstance(reason, KeyboardInterrupt) else describe_error(reason)
        head += f"; stopped after {outcome.batches} batches: {why}"
    print(head, file=err)
    print(f"  carried out: {writer.count(OK):>6} (Code 200)", file=err)
    if writer.count(ERROR):
        print(
            f"  refused:     {writer.count(ERROR):>6} (answered with an API error code)", file=err
        )
    unknown = [item.id for item in held] + writer.ids(UNKNOWN)
    not_sent = writer.ids(NOT_SENT)
    if unknown:
        print(
            f"  unknown:     {len(unknown):>6} may or may not have been carried out: "
            f"{some(unknown)}",
            file=err,
        )
    if not_sent:
        print(f"  not sent:    {len(not_sent):>6} safe to send again: {some(not_sent)}", file=err)
    if held:
        print(
            f"  {len(held)} unsafe requests with an unknown outcome were not resent: check them "
            "with a read-only operation, then add --resend-unknown if they did not happen",
            file=err,
        )
    if unknown or not_sent:
        results = shlex.quote(args.out) if args.out else "<the results saved from stdout>"
        print(
            f"  continue with: ttnc batch {shlex.quote(args.file)} --out {results} --resume",
            file=err,
        )
