"""The ``ttnc`` command line (console script, also ``python -m ttnc_pipeline``).

Commands, one module each:

- ``ttnc demo`` (:mod:`.demo`): start the embedded sandbox and walk through
  TTNC's README flows over real HTTP, printing a readable summary;
- ``ttnc sandbox`` (:mod:`.sandbox_cmd`): serve the sandbox, print its URL
  and demo credentials;
- ``ttnc call`` (:mod:`.call`): one request, its response as JSON or a table;
- ``ttnc batch`` (:mod:`.batch`): many requests from JSON Lines or CSV, in
  batches through one client, with results, progress and ``--resume``.

Shared pieces: :mod:`._common` (exit codes, errors, output),
:mod:`._connect` (credentials, endpoint, session), :mod:`._render`
(tables), :mod:`._progress`. This module parses the command line, sets up
logging (``--verbose``: INFO, ``--debug``: DEBUG, to stderr; the library's
events are redacted before they are logged) and turns errors into exit
statuses (:class:`._common.ExitCode`).
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
from collections.abc import Callable, Sequence

from ttnc_pipeline._log import LOGGER_NAME
from ttnc_pipeline._version import __version__
from ttnc_pipeline.errors import TTNCError

from . import batch, call, demo, sandbox_cmd
from ._common import ExitCode, UsageError, describe_error, exit_code_for

__all__ = ["build_parser", "main"]

_BROKEN_PIPE = 141  # 128 + SIGPIPE, what a shell reports for `cat` in the same spot


def _add_logging_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # On sub-commands the defaults are suppressed so that `ttnc --debug call`
    # and `ttnc call --debug` both work without one resetting the other.
    default = argparse.SUPPRESS if suppress else False
    group = parser.add_argument_group("logging (to stderr, secrets masked)")
    group.add_argument(
        "-v", "--verbose", action="store_true", default=default, help="log each batch (INFO)"
    )
    group.add_argument(
        "--debug",
        action="store_true",
        default=default,
        help="log everything, request and response bodies included (DEBUG)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``ttnc`` and all its commands."""
    parser = argparse.ArgumentParser(
        prog="ttnc",
        description="Command line for TTNC's XML API: a demo, a sandbox, single calls, "
        "and bulk batches.",
        epilog="Run `ttnc COMMAND --help` for a command's options. Exit status: 0 ok, "
        "1 API error, 2 usage error, 3 not sent or outcome unknown, 130 interrupted.",
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"ttnc {__version__} (ttnc_pipeline, Python {platform.python_version()})",
    )
    _add_logging_options(parser, suppress=False)
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in (demo, sandbox_cmd, call, batch):
        module.add_parser(subparsers)
    for choice in subparsers.choices.values():
        _add_logging_options(choice, suppress=True)
    return parser


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _configure_logging(verbose: bool, debug: bool) -> Callable[[], None]:
    """Send the library's log to stderr at the chosen level; return how to undo it."""
    logger = logging.getLogger(LOGGER_NAME)
    previous_level = logger.level
    # Quiet by default: the CLI reports failures itself, and a retry warning
    # in the middle of a progress bar helps nobody.
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.ERROR
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)

    def restore() -> None:
        # main() may run inside a longer-lived process (tests, a wrapper script).
        logger.removeHandler(handler)
        logger.setLevel(previous_level)

    return restore


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``ttnc`` with ``argv`` (default: ``sys.argv[1:]``); return the exit status."""
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:
            # Reported by the command's own parser, so its usage line is shown.
            command = _subparsers(parser).get(getattr(args, "command", None) or "", parser)
            command.error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as exc:  # argparse exits on --help, --version and bad usage
        return exc.code if isinstance(exc.code, int) else ExitCode.USAGE
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return ExitCode.USAGE
    restore_logging = _configure_logging(args.verbose, args.debug)
    try:
        return int(args.run(args))
    except KeyboardInterrupt:
        print("ttnc: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except (UsageError, TTNCError) as exc:
        print(f"ttnc: error: {describe_error(exc)}", file=sys.stderr)
        return exit_code_for(exc)
    except BrokenPipeError:
        # The reader went away (`ttnc call ... | head`): stop quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return _BROKEN_PIPE
    finally:
        restore_logging()
