"""An ordered chain of named middleware slots, composed once and shared by threads.

A :class:`Pipeline` is immutable: every edit (``insert_before``,
``insert_after``, ``replace``, ``remove``, ``append``) returns a new one.
:meth:`Pipeline.bind` composes the chain around a terminal step (the codec
and the transport) into one callable, which the :class:`~ttnc_pipeline.Client`
does once at construction. The transport is never a slot: it is the
terminal's, passed to the client on its own.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import FunctionType, MethodType

import attrs

from ttnc_pipeline.core import Batch, CallNext, Middleware, Reply, Transport

__all__ = ["DEFAULT_SLOTS", "Pipeline"]

DEFAULT_SLOTS = ("correlation", "logging", "session", "auth", "retry")
"""The default slot names, outermost first."""


def _check_slots(
    slots: Sequence[tuple[str, Middleware]],
) -> tuple[tuple[str, Middleware], ...]:
    out = tuple((name, middleware) for name, middleware in slots)
    seen: set[str] = set()
    for name, middleware in out:
        if not isinstance(name, str) or not name:
            raise ValueError(f"a slot name must be a non-empty string, not {name!r}")
        if name in seen:
            raise ValueError(f"slot {name!r} appears twice in the pipeline")
        seen.add(name)
        if isinstance(middleware, Transport):
            raise TypeError(
                f"slot {name!r} holds a transport; a transport is not a middleware: "
                "pass it to the client as transport=..."
            )
        if not callable(middleware):
            raise TypeError(f"slot {name!r} holds {middleware!r}, which is not callable")
    return out


def _direct(step: Callable[..., Reply]) -> Callable[..., Reply]:
    """What calling ``step`` runs: the bound ``__call__`` of an instance of a Python class.

    Calling such an instance looks ``__call__`` up on every call, at twice
    the cost of calling the bound method; a function, or any other callable,
    is kept as it is.
    """
    for klass in type(step).__mro__:
        # As the class holds it: a staticmethod, a classmethod or None is left to Python.
        call = vars(klass).get("__call__", _ABSENT)
        if call is not _ABSENT:
            return MethodType(call, step) if isinstance(call, FunctionType) else step
    return step


_ABSENT = object()


def _link(middleware: Middleware, call_next: CallNext) -> CallNext:
    run = _direct(middleware)

    def call(batch: Batch) -> Reply:
        return run(batch, call_next)

    return call


@attrs.frozen
class Pipeline:
    """Named middleware slots, outermost first (default: none).

    ``Pipeline()`` is empty; the :class:`~ttnc_pipeline.Client` builds the
    default one, with the slots of :data:`DEFAULT_SLOTS`.
    """

    slots: tuple[tuple[str, Middleware], ...] = attrs.field(default=(), converter=_check_slots)

    @property
    def names(self) -> tuple[str, ...]:
        """Slot names, outermost first."""
        return tuple(name for name, _ in self.slots)

    def describe(self) -> str:
        """The chain as one line, e.g. ``correlation → logging → ... → [codec] → transport``."""
        return " → ".join([*self.names, "[codec]", "transport"])

    def __getitem__(self, name: str) -> Middleware:
        return self.slots[self._index(name)][1]

    def __contains__(self, name: object) -> bool:
        return name in self.names

    def _index(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise KeyError(
                f"no slot named {name!r}; the slots are {', '.join(self.names) or 'none'}"
            ) from None

    def _with(self, slots: list[tuple[str, Middleware]]) -> Pipeline:
        return Pipeline(tuple(slots))

    def insert_before(self, anchor: str, name: str, middleware: Middleware) -> Pipeline:
        """A copy with ``middleware`` in a new slot just outside ``anchor``."""
        slots = list(self.slots)
        slots.insert(self._index(anchor), (name, middleware))
        return self._with(slots)

    def insert_after(self, anchor: str, name: str, middleware: Middleware) -> Pipeline:
        """A copy with ``middleware`` in a new slot just inside ``anchor``."""
        slots = list(self.slots)
        slots.insert(self._index(anchor) + 1, (name, middleware))
        return self._with(slots)

    def append(self, name: str, middleware: Middleware) -> Pipeline:
        """A copy with ``middleware`` innermost (just before the codec)."""
        return self._with([*self.slots, (name, middleware)])

    def prepend(self, name: str, middleware: Middleware) -> Pipeline:
        """A copy with ``middleware`` outermost."""
        return self._with([(name, middleware), *self.slots])

    def replace(self, name: str, middleware: Middleware) -> Pipeline:
        """A copy with the slot ``name`` holding another middleware."""
        slots = list(self.slots)
        slots[self._index(name)] = (name, middleware)
        return self._with(slots)

    def remove(self, name: str) -> Pipeline:
        """A copy without the slot ``name``."""
        slots = list(self.slots)
        del slots[self._index(name)]
        return self._with(slots)

    def edit(self, change: Callable[[Pipeline], Pipeline]) -> Pipeline:
        """Apply an editing function (handy in a chain of edits)."""
        return change(self)

    def bind(self, terminal: CallNext) -> CallNext:
        """Compose the slots around ``terminal`` into one ``batch -> reply`` callable.

        A middleware object's ``__call__`` (and the terminal's) is looked up
        here, once: a class patched afterwards is not seen by what was bound.
        """
        call = _direct(terminal)
        for _, middleware in reversed(self.slots):
            call = _link(middleware, call)
        return call
