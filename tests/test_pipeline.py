"""Pipeline slots: editing, describing, composing."""

from __future__ import annotations

from types import MethodType

import pytest

from ttnc_pipeline import Batch, Pipeline, Reply, Request, Response
from ttnc_pipeline.core import CallNext
from ttnc_pipeline.pipeline import DEFAULT_SLOTS, _direct
from ttnc_pipeline.transports import InProcessTransport


def tagger(tag: str, trail: list[str]):
    def middleware(batch: Batch, call_next: CallNext) -> Reply:
        trail.append(f"in:{tag}")
        reply = call_next(batch)
        trail.append(f"out:{tag}")
        return reply

    return middleware


def terminal(batch: Batch) -> Reply:
    return Reply([Response.build(r.target, r.name, 200, r.id) for r in batch.requests])


BATCH = Batch([Request("NoveroNumbers", "ListNumbers", "R1")])


def test_bind_runs_slots_outermost_first_and_unwinds_in_reverse() -> None:
    trail: list[str] = []
    pipeline = Pipeline((("a", tagger("a", trail)), ("b", tagger("b", trail))))
    reply = pipeline.bind(terminal)(BATCH)
    assert trail == ["in:a", "in:b", "out:b", "out:a"]
    assert reply.responses[0].request_id == "R1"


class _Counting:
    """A middleware object, its __call__ defined on a base class."""

    def __init__(self, trail: list[str]) -> None:
        self.trail = trail

    def __call__(self, batch: Batch, call_next: CallNext) -> Reply:
        self.trail.append(type(self).__name__)
        return call_next(batch)


class _Subclassed(_Counting):
    pass


class _Static:
    @staticmethod
    def __call__(batch: Batch, call_next: CallNext) -> Reply:
        return call_next(batch.with_options(seen_by="static"))


class _ClassLevel:
    @classmethod
    def __call__(cls, batch: Batch, call_next: CallNext) -> Reply:
        return call_next(batch.with_options(seen_by=cls.__name__))


class _NotCallable(_Counting):
    __call__ = None  # type: ignore[assignment]


class _Terminal:
    def __init__(self) -> None:
        self.options: list[dict[str, object]] = []

    def __call__(self, batch: Batch) -> Reply:
        self.options.append(dict(batch.options))
        return terminal(batch)


def test_callable_objects_of_every_kind_are_called_as_python_would() -> None:
    # bind() calls an object's __call__ directly: inherited, static and
    # terminal ones must each be called with exactly the arguments Python gives.
    trail: list[str] = []
    end = _Terminal()
    pipeline = Pipeline(
        (("base", _Counting(trail)), ("sub", _Subclassed(trail)), ("static", _Static()))
    )
    reply = pipeline.bind(end)(BATCH)
    assert trail == ["_Counting", "_Subclassed"]
    assert end.options == [{"seen_by": "static"}]
    assert reply.responses[0].request_id == "R1"
    Pipeline((("class", _ClassLevel()),)).bind(end)(BATCH)
    assert end.options[-1] == {"seen_by": "_ClassLevel"}
    # A subclass that takes __call__ away is not callable, as Python has it.
    with pytest.raises(TypeError, match="not callable"):
        Pipeline((("none", _NotCallable(trail)),)).bind(end)(BATCH)  # type: ignore[arg-type]


def test_an_objects_own_call_is_bound_once() -> None:
    # The speed bind() is there for: the bound method, not the object, is called.
    counting = _Counting([])
    step = _direct(counting)
    assert isinstance(step, MethodType)
    assert step.__func__ is _Counting.__call__ and step.__self__ is counting
    assert _direct(terminal) is terminal  # a function is kept as it is


def test_editing_returns_new_pipelines_and_leaves_the_original() -> None:
    trail: list[str] = []
    base = Pipeline((("a", tagger("a", trail)), ("c", tagger("c", trail))))
    edited = (
        base.insert_after("a", "b", tagger("b", trail))
        .insert_before("a", "first", tagger("first", trail))
        .append("last", tagger("last", trail))
        .replace("c", tagger("c2", trail))
    )
    assert base.names == ("a", "c")
    assert edited.names == ("first", "a", "b", "c", "last")
    edited.bind(terminal)(BATCH)
    assert [t for t in trail if t.startswith("in:")] == [
        "in:first",
        "in:a",
        "in:b",
        "in:c2",
        "in:last",
    ]
    assert edited.remove("b").names == ("first", "a", "c", "last")
    assert edited.prepend("zero", tagger("z", trail)).names[0] == "zero"


def test_describe_names_the_chain_with_codec_and_transport_last() -> None:
    pipeline = Pipeline(tuple((name, tagger(name, [])) for name in DEFAULT_SLOTS))
    assert pipeline.describe() == (
        "correlation → logging → session → auth → retry → [codec] → transport"
    )
    assert "session" in pipeline
    assert "nothing" not in pipeline


def test_unknown_slot_error_lists_the_slots() -> None:
    pipeline = Pipeline((("a", tagger("a", [])),))
    with pytest.raises(KeyError, match="the slots are a"):
        pipeline.remove("retyr")


def test_duplicate_slot_names_are_refused() -> None:
    pipeline = Pipeline((("a", tagger("a", [])),))
    with pytest.raises(ValueError, match="appears twice"):
        pipeline.append("a", tagger("again", []))


def test_a_transport_is_refused_as_a_middleware() -> None:
    transport = InProcessTransport(lambda body, headers: None)  # type: ignore[arg-type,return-value]
    with pytest.raises(TypeError, match="transport is not a middleware"):
        Pipeline((("transport", transport),))  # type: ignore[arg-type]


def test_non_callables_are_refused() -> None:
    with pytest.raises(TypeError, match="not callable"):
        Pipeline((("x", 42),))  # type: ignore[arg-type]


def test_pipeline_is_immutable() -> None:
    pipeline = Pipeline()
    with pytest.raises(AttributeError):
        pipeline.slots = ()  # type: ignore[misc]
