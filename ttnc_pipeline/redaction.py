"""One list of secrets, and every way of hiding them.

``SENSITIVE_ELEMENTS`` names the XML elements (and parameter keys) whose
values must never be shown. It drives the reprs of the envelope classes,
the excerpts carried by exceptions, the logging middleware, the structlog
processor users can add (:func:`redact_event`), and cassettes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, MutableMapping
from typing import Any

__all__ = [
    "MASK",
    "SENSITIVE_ELEMENTS",
    "is_sensitive",
    "may_hold_secret",
    "redact_event",
    "redact_mapping",
    "redact_text",
    "scrub",
]

SENSITIVE_ELEMENTS: frozenset[str] = frozenset(
    {"Username", "Password", "VKey", "SessionId", "CardNumber", "CV2"}
)
"""Element and parameter names whose values are secret (compared case-insensitively)."""

MASK = "***"
"""What a secret value is replaced by, everywhere."""

_SENSITIVE_LOWER = frozenset(name.lower() for name in SENSITIVE_ELEMENTS)
_SENSITIVE_NAMES_LOWER = tuple(sorted(_SENSITIVE_LOWER))
_NAMES = "|".join(sorted(SENSITIVE_ELEMENTS))
# An open tag (not self-closing), then everything up to its close tag, or to the
# end of a truncated text: CDATA, comments and children are hidden too.
_ELEMENT_RE = re.compile(
    rf"<({_NAMES})(\s[^<>]*)?(?<!/)>(?:.*?</\1\s*>|.*\Z)", re.IGNORECASE | re.DOTALL
)
# key=value or "key": "value" forms that reach log lines and CLI output; a
# quoted value is hidden up to its closing quote, spaces and all.
_PAIR_RE = re.compile(
    rf"(\b(?:{_NAMES})\b['\"]?\s*[=:]\s*)"
    r"""("(?:[^"\\]|\\.)*"?|'(?:[^'\\]|\\.)*'?|[^'"\s,&<>}]+)""",
    re.IGNORECASE,
)


def is_sensitive(name: str) -> bool:
    """Tell whether a parameter or element name holds a secret."""
    return name.lower() in _SENSITIVE_LOWER


def may_hold_secret(text: str) -> bool:
    """False only when no sensitive name can appear in ``text``, so nothing needs masking.

    In ASCII text ``lower()`` is exact and a few substring searches (C
    speed) tell; a case-insensitive regex search costs ten times more.
    Elsewhere Unicode case folding could hide a name, so the answer is True.
    """
    if not text.isascii():
        return True
    lowered = text.lower()
    for name in _SENSITIVE_NAMES_LOWER:  # noqa: SIM110 (any() would build a generator per call)
        if name in lowered:
            return True
    return False


def redact_text(text: str) -> str:
    """Replace the values of sensitive elements (and ``key=value`` pairs) in text."""
    if not may_hold_secret(text):
        return text  # both patterns need a sensitive name in the text

    def element(match: re.Match[str]) -> str:
        tag = match.group(1)
        return f"<{tag}{match.group(2) or ''}>{MASK}</{tag}>"

    def pair(match: re.Match[str]) -> str:
        quote = match.group(2)[0]
        return match.group(1) + (quote + MASK + quote if quote in "'\"" else MASK)

    return _PAIR_RE.sub(pair, _ELEMENT_RE.sub(element, text))


def scrub(text: str | None, secrets: Iterable[str]) -> str | None:
    """Replace every occurrence of known secret values in text (a server may echo them)."""
    if not text:
        return text
    for secret in sorted(secrets, key=len, reverse=True):
        if len(secret) >= 3:
            text = text.replace(secret, MASK)
    return text


def redact_mapping(data: Mapping[str, Any]) -> dict[str, Any]:
    """Return a copy of a nested mapping with sensitive values masked.

    Values under a sensitive key are masked whole; text anywhere else (in
    nested mappings and lists too) goes through :func:`redact_text`.
    """
    return {
        key: MASK if isinstance(key, str) and is_sensitive(key) else _redact_value(value)
        for key, value in data.items()
    }


_PLAIN = (int, float, bool, type(None))


def _redact_value(value: Any) -> Any:
    kind = value.__class__
    if kind is str:
        return redact_text(value)
    if kind in _PLAIN:
        return value  # numbers, flags and None carry no secret
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, Mapping):
        return redact_mapping(value)
    if isinstance(value, list | tuple):
        return [_redact_value(item) for item in value]
    return value


def redact_event(_logger: Any, _method: str, event_dict: MutableMapping[str, Any]) -> Any:
    """A structlog processor that masks secrets anywhere in an event.

    Add it to your own structlog configuration::

        structlog.configure(processors=[redact_event, ...])
    """
    return redact_mapping(event_dict)
