"""What an operation handler sees: one authenticated request, and typed readers.

A handler is a function ``handler(call) -> data``: it reads parameters
through :class:`Call`, changes :attr:`Call.state` and returns the
``Response`` content as plain data (the rules of
:meth:`ttnc_pipeline.core.Response.build`). It refuses by raising
:class:`~ttnc_pipeline.sandbox.conventions.OperationError`; the readers
here raise the ``400`` ones, with messages that name the parameter.

Parameter rules: names are case-sensitive, as on TTNC, but a reader may
accept aliases (``AddToBasket`` takes ``number`` or ``Number``); values are
stripped of surrounding whitespace; an empty element counts as missing.
Parameters a handler does not read are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeAlias

import attrs

from ttnc_pipeline.core import Request
from ttnc_pipeline.sandbox.accounts import Account
from ttnc_pipeline.sandbox.conventions import bad_request
from ttnc_pipeline.sandbox.sessions import Session
from ttnc_pipeline.sandbox.state import SandboxState

__all__ = ["Call", "Handler"]


@attrs.define
class Call:
    """One request being carried out for a logged-in account.

    Handlers only read it. Not frozen: :meth:`BatchAuth.call
    <ttnc_pipeline.sandbox.auth.BatchAuth.call>` builds one per batch and
    session and gives it each request in turn (a build costs more than
    a whole handler's reading), so it is valid only while the handler runs.
    """

    request: Request
    state: SandboxState
    account: Account
    session: Session

    def text(self, *names: str) -> str | None:
        """The first of ``names`` present and non-empty, stripped; None if absent."""
        for name in names:
            value = self.request.params.get(name)
            if value is None:
                continue
            if not isinstance(value, str):
                raise bad_request(f"parameter {name} must be text, sent once")
            value = value.strip()
            if value:
                return value
        return None

    def required(self, *names: str) -> str:
        """Like :meth:`text`, but a missing parameter is a ``400``."""
        if len(names) == 1:  # the usual case, inline: text() for one name, present
            value = self.request.params.get(names[0])
            if isinstance(value, str):
                value = value.strip()
                if value:
                    return value
        value = self.text(*names)
        if value is None:
            raise bad_request(f"missing required parameter {names[0]}")
        return value

    def integer(self, name: str, *, low: int, high: int, default: int | None = None) -> int:
        """An integer parameter between ``low`` and ``high`` (``default`` when absent)."""
        value = self.text(name)
        if value is None:
            if default is None:
                raise bad_request(f"missing required parameter {name}")
            return default
        if not value.isascii() or not value.isdigit() or not low <= int(value) <= high:
            raise bad_request(f"parameter {name} must be a whole number from {low} to {high}")
        return int(value)

    def choice(self, name: str, choices: Mapping[str, Any] | tuple[str, ...]) -> str | None:
        """A parameter that must be one of ``choices`` (None when absent)."""
        value = self.text(name)
        if value is not None and value not in choices:
            raise bad_request(f"parameter {name} must be one of: {', '.join(choices)}")
        return value

    def digits(self, name: str, *, low: int, high: int) -> str:
        """A required parameter of ``low`` to ``high`` ASCII digits."""
        value = self.required(name)
        if not (value.isascii() and value.isdigit() and low <= len(value) <= high):
            size = f"{low}" if low == high else f"{low} to {high}"
            raise bad_request(f"parameter {name} must be {size} digits")
        return value

    def own_number(self, name: str = "Number") -> str:
        """A number that must be on the caller's account (``400`` otherwise)."""
        number = self.request.params.get(name)
        if number.__class__ is not str or not _uk_number(number):
            # Not plainly a number as sent (spaces, surrounding blanks, missing...)
            number = self.required(name).replace(" ", "")
            if not _uk_number(number):
                raise bad_request(f"parameter {name} must be a UK number such as 02031511000")
        if number not in self.account.numbers:
            raise bad_request(f"number {number} is not on your account")
        return number


def _uk_number(text: str) -> bool:
    # 0 and 9 or 10 more ASCII digits (three C calls; a regex costs as much as all the rest)
    return text.isascii() and text.isdigit() and text[:1] == "0" and 10 <= len(text) <= 11


Handler: TypeAlias = Callable[[Call], Mapping[str, Any]]
"""An operation: carries one call out and returns the ``Response`` content."""
