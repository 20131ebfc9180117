"""The library's logger: the user's structlog setup if any, else stdlib ``logging``.

The library never calls ``structlog.configure``. When the application has
configured structlog, events go through its processors; when it has not,
they go to the stdlib logger ``ttnc_pipeline`` as ``key=value`` lines, with
:func:`~ttnc_pipeline.redaction.redact_event` applied either way by the
callers, who only log values that were already redacted.
"""

from __future__ import annotations

import logging
from typing import Any

import structlog

from ttnc_pipeline.redaction import redact_event

__all__ = ["LOGGER_NAME", "LevelGate", "get_logger", "stdlib_logger"]

LOGGER_NAME = "ttnc_pipeline"


def stdlib_logger() -> logging.Logger:
    """The stdlib logger the library writes to when structlog is not configured."""
    return logging.getLogger(LOGGER_NAME)


def get_logger() -> Any:
    """A structlog bound logger for the library's events."""
    if structlog.is_configured():
        return structlog.get_logger(LOGGER_NAME)
    return structlog.wrap_logger(
        stdlib_logger(),
        processors=[
            structlog.stdlib.filter_by_level,
            redact_event,
            structlog.processors.KeyValueRenderer(key_order=["event"], sort_keys=False),
        ],
        wrapper_class=structlog.stdlib.BoundLogger,
    )


class LevelGate:
    """Tells, cheaply, whether the library's own logger would drop an event.

    Only the library's default logger (stdlib-backed, structlog unconfigured)
    can be asked; for a logger the caller supplied, or a configured
    structlog, nothing is known and every event is handed over to be filtered
    there.
    """

    def __init__(self, logger: Any) -> None:
        self._source = stdlib_logger() if logger is None and not structlog.is_configured() else None

    def drops(self, level: int) -> bool:
        """True when an event at ``level`` would certainly be dropped."""
        source = self._source
        return source is not None and (source.disabled or source.getEffectiveLevel() > level)
