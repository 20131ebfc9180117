"""The library's logger: the user's structlog setup if any, else stdlib ``logging``.

The library never calls ``structlog.configure``. When the application has
configured structlog, events go through its processors; when it has not,
they go to the stdlib logger ``ttnc_pipeline`` as ``key=value`` lines
(``event='ttnc.batch.done' count=1 ...``, each value its ``repr``), written
by :class:`KeyValueLogger`, which masks sensitive keys at any depth
(:func:`~ttnc_pipeline.redaction.redact_mapping`) and passes each line
through :func:`~ttnc_pipeline.redaction.redact_text`. Callers only log
values that were already redacted; the mask here is a second line of defence.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import structlog

from ttnc_pipeline.redaction import may_hold_secret, redact_mapping, redact_text

__all__ = [
    "LOGGER_NAME",
    "KeyValueLogger",
    "get_logger",
    "level_test",
    "milliseconds_since",
    "stdlib_logger",
]

LOGGER_NAME = "ttnc_pipeline"


def stdlib_logger() -> logging.Logger:
    """The stdlib logger the library writes to when structlog is not configured."""
    return logging.getLogger(LOGGER_NAME)


class KeyValueLogger:
    """Events as redacted ``key=value`` lines on a stdlib logger.

    It has the calls of a structlog bound logger that the library makes
    (``debug``, ``info``, ``warning``, ``error``, ``bind``), at the cost of
    one ``isEnabledFor`` when the level is off. The line is what structlog's
    ``KeyValueRenderer(key_order=["event"])`` would write, without a
    processor chain behind it: logging at INFO costs a few microseconds per
    event, not tens.
    """

    __slots__ = ("_context", "_logger")

    def __init__(self, logger: logging.Logger, context: dict[str, Any] | None = None) -> None:
        self._logger = logger
        self._context = context or {}

    @property
    def stdlib(self) -> logging.Logger:
        """The stdlib logger the lines are written to."""
        return self._logger

    def bind(self, **values: Any) -> KeyValueLogger:
        """A logger that adds ``values`` to every event."""
        return KeyValueLogger(self._logger, {**self._context, **values})

    def _log(self, level: int, event: str, fields: dict[str, Any]) -> None:
        logger = self._logger
        if not logger.isEnabledFor(level):
            return
        context = self._context
        values = {"event": event, **context, **fields} if context else {"event": event, **fields}
        line = " ".join([f"{key}={value!r}" for key, value in values.items()])
        if may_hold_secret(line):
            # Mask values under sensitive keys whole, at any depth, then, in one
            # pass over the line, a secret anywhere in text (``<Password>``
            # elements, ``key=value`` pairs).
            masked = redact_mapping(values)
            line = redact_text(" ".join([f"{key}={value!r}" for key, value in masked.items()]))
        # The record is handed over directly: the caller stdlib would look up
        # (a walk up the stack) is always this method, so it tells nothing.
        logger.handle(logger.makeRecord(logger.name, level, __file__, 0, line, (), None))

    def write_line(self, level: int, line: str) -> bool:
        """Write ``line`` as it is, if it can go so; False if it must go through :meth:`info`.

        For the logging step's one event per batch, rendered by the caller
        as :meth:`info` would render it. A line that may hold a secret, or a
        logger with bound values, cannot: the caller logs its fields instead.
        True, with nothing written, when the level is off.
        """
        if self._context or may_hold_secret(line):
            return False
        logger = self._logger
        if logger.isEnabledFor(level):
            logger.handle(logger.makeRecord(logger.name, level, __file__, 0, line, (), None))
        return True

    def debug(self, event: str, **fields: Any) -> None:
        """Log ``event`` at DEBUG."""
        self._log(logging.DEBUG, event, fields)

    def info(self, event: str, **fields: Any) -> None:
        """Log ``event`` at INFO."""
        self._log(logging.INFO, event, fields)

    def warning(self, event: str, **fields: Any) -> None:
        """Log ``event`` at WARNING."""
        self._log(logging.WARNING, event, fields)

    def error(self, event: str, **fields: Any) -> None:
        """Log ``event`` at ERROR."""
        self._log(logging.ERROR, event, fields)

    def __repr__(self) -> str:
        return f"KeyValueLogger({self._logger.name!r})"


def get_logger() -> Any:
    """The logger for the library's events: structlog's when configured, else stdlib."""
    if structlog.is_configured():
        return structlog.get_logger(LOGGER_NAME)
    return KeyValueLogger(stdlib_logger())


def level_test(logger: Any) -> Callable[[int], bool]:
    """A cheap test of whether an event at a level may be written: False when it would be dropped.

    Only the library's own loggers can be asked: the default one (stdlib,
    structlog unconfigured) or a :class:`KeyValueLogger` the caller passed;
    their stdlib logger's ``isEnabledFor`` is the test, which answers from
    the logger's cache (cleared whenever any level changes). For any other
    logger, or a configured structlog, nothing is known: the test says True
    and every event is handed over to be filtered there.
    """
    if isinstance(logger, KeyValueLogger):
        return logger.stdlib.isEnabledFor
    if logger is None and not structlog.is_configured():
        return stdlib_logger().isEnabledFor
    return _unknown_level


def _unknown_level(_level: int) -> bool:
    return True


def milliseconds_since(started: float) -> float:
    """Milliseconds since ``started`` (a ``time.perf_counter()``), to the hundredth.

    What the ``duration_ms`` of every event says: rounded as ``round(ms, 2)``
    would, in integer arithmetic, which costs half as much.
    """
    return int((time.perf_counter() - started) * 100_000 + 0.5) / 100
