"""One list of secrets, and every way of hiding them.

``SENSITIVE_ELEMENTS`` names the XML elements (and parameter keys) whose
values must never be shown. It drives the reprs of the envelope classes,
the excerpts carried by exceptions, the logging middleware, the structlog
processor users can add (:func:`redact_event`), and cassettes.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, MutableMapping
from typing import Any

__all__ = [
    "MASK",
    "SENSITIVE_ELEMENTS",
    "is_sensitive",
    "redact_event",
    "redact_mapping",
    "redact_text",
]

SENSITIVE_ELEMENTS: frozenset[str] = frozenset(
    {"Username", "Password", "VKey", "SessionId", "CardNumber", "CV2"}
)
"""Element and parameter names whose values are secret (compared case-insensitively)."""

MASK = "***"

_SENSITIVE_LOWER = frozenset(name.lower() for name in SENSITIVE_ELEMENTS)
_NAMES = "|".join(sorted(SENSITIVE_ELEMENTS))
# An element with text, an empty element, or a truncated tail at the end of an excerpt.
_ELEMENT_RE = re.compile(rf"<({_NAMES})(\s[^<>]*)?>[^<]*(?:</\1\s*>|$)", re.IGNORECASE)
# key=value or "key": "value" forms that reach log lines and CLI output.
_PAIR_RE = re.compile(rf"(\b(?:{_NAMES})\b['\"]?\s*[=:]\s*['\"]?)([^'\"\s,&<>}}]+)", re.IGNORECASE)


def is_sensitive(name: str) -> bool:
    """Tell whether a parameter or element name holds a secret."""
    return name.lower() in _SENSITIVE_LOWER


def redact_text(text: str) -> str:
    """Replace the values of sensitive elements (and ``key=value`` pairs) in text."""

    def element(match: re.Match[str]) -> str:
        tag = match.group(1)
        return f"<{tag}{match.group(2) or ''}>{MASK}</{tag}>"

    return _PAIR_RE.sub(lambda m: m.group(1) + MASK, _ELEMENT_RE.sub(element, text))


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a nested mapping with sensitive values masked."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if is_sensitive(key):
            out[key] = MASK
        elif isinstance(value, Mapping):
            out[key] = redact_mapping(value)
        elif isinstance(value, list | tuple):
            out[key] = [redact_mapping(v) if isinstance(v, Mapping) else v for v in value]
        elif isinstance(value, str):
            out[key] = redact_text(value)
        else:
            out[key] = value
    return out


def redact_event(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """A structlog processor that masks secrets anywhere in an event.

    Add it to your own structlog configuration::

        structlog.configure(processors=[redact_event, ...])
    """
    return redact_mapping(event_dict)
