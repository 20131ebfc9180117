"""The contracts every other module depends on: the envelope and the pipeline's shapes.

The envelope (what travels):

- :class:`Request` one ``<Request target name id>`` with ordered parameters;
- :class:`Batch` the requests of one POST, plus an optional ``SessionId``;
- :class:`Response` one ``<Response target name Code RequestId>``; a
  read-only, lossless mapping over its content;
- :class:`Reply` the ordered responses of one POST.

The pipeline (how it travels):

- :data:`Middleware` any callable ``mw(batch, call_next) -> reply``;
- :class:`Transport` sends one :class:`HTTPRequest` and returns one
  :class:`HTTPResponse`; always last, never a middleware.

All envelope classes are frozen: change them with :func:`attrs.evolve` or
their ``with_*`` helpers. Validation of names and values happens when a
:class:`Request` is built, so bad input fails before anything is sent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter, itemgetter
from types import MappingProxyType
from typing import Any, Protocol, TypeAlias, runtime_checkable
from xml.etree.ElementTree import Element

import attrs

from ttnc_pipeline._content import ATTRIBUTES_KEY, ContentView, canonical, plain
from ttnc_pipeline.errors import APIError, InvalidRequest
from ttnc_pipeline.redaction import MASK, redact_mapping

__all__ = [
    "Batch",
    "CallNext",
    "HTTPRequest",
    "HTTPResponse",
    "Middleware",
    "ParamValue",
    "Reply",
    "Request",
    "Response",
    "Transport",
    "check_name",
    "check_text",
    "normalise_value",
]

ParamValue: TypeAlias = Any
"""A parameter value: str, int, float, Decimal, None, a list/tuple of values
(the element repeats) or a mapping of name to value (elements nest)."""

# Not starting with "xml" in any case (reserved by XML), checked in the same C call.
_NAME_RE = re.compile(r"(?![Xx][Mm][Ll])[A-Za-z_][A-Za-z0-9_.\-]*\Z")
_BAD_CHAR_RE = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _shown(text: str) -> str:
    """``repr(text)``, cut short: messages quote input that may be megabytes long."""
    return repr(text) if len(text) <= 60 else repr(text[:60]) + "..."


# Names that passed check_name and come back again and again (targets,
# operations, parameter and attribute names): a set lookup instead of the
# regex. Bounded, since request ids are names too and each is new.
_CHECKED_NAMES: set[str] = set()
_CHECKED_NAMES_MAX = 2048


def check_name(name: object, what: str, *, remember: bool = True) -> str:
    """Return ``name`` if it is a safe ASCII XML name, else raise InvalidRequest.

    ``remember=False`` for names that are new every time (request ids): they
    would fill the bounded memory of names that come back.
    """
    if name.__class__ is str and name in _CHECKED_NAMES:
        return name
    checked = _check_new_name(name, what)
    # Only exact str: a subclass's own __eq__ would answer later lookups.
    if remember and checked.__class__ is str and len(_CHECKED_NAMES) < _CHECKED_NAMES_MAX:
        _CHECKED_NAMES.add(checked)
    return checked


def _check_new_name(name: object, what: str) -> str:
    """check_name without the set of names already seen (for request ids, each new)."""
    if name.__class__ is not str and not isinstance(name, str):
        raise InvalidRequest(f"{what} must be a string, not {type(name).__name__}")
    if not _NAME_RE.match(name):
        raise InvalidRequest(
            f"{what} {_shown(name)} is not a valid XML name (ASCII letters, digits, '_', '-', '.'; "
            "not starting with a digit, '-', '.' or 'xml')"
        )
    return name


def check_text(text: str, what: str) -> str:
    """Return ``text`` if every character is allowed by XML 1.0, else raise InvalidRequest."""
    if text.isascii() and text.isprintable():
        return text  # U+0020 to U+007E only, all allowed: no need for the regex
    bad = _BAD_CHAR_RE.search(text)
    if bad is not None:
        raise InvalidRequest(
            f"{what} contains the character U+{ord(bad.group()):04X}, which XML 1.0 cannot carry"
        )
    return text


def normalise_value(value: ParamValue, what: str) -> ParamValue:
    """Validate a parameter value and make it immutable (lists become tuples)."""
    if isinstance(value, bool):
        raise InvalidRequest(
            f"{what} is a bool; TTNC documents no boolean form: pass the text it expects"
        )
    # Subclasses (enums above all) become their plain value: an IntEnum's
    # repr is "<Color.RED: 1>", and a str enum's str() varies by Python version.
    if isinstance(value, str):
        return check_text(str.__str__(value), what)
    if isinstance(value, int):
        try:
            int.__repr__(value)
        except ValueError:  # longer than sys.get_int_max_str_digits()
            raise InvalidRequest(f"{what} is an integer too long to write as text") from None
        return int(value)
    if value is None:
        return value
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidRequest(f"{what} is not a finite number: {value}")
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise InvalidRequest(f"{what} is not a finite number: {value}")
        return float(value)
    if isinstance(value, list | tuple):
        return tuple(normalise_value(item, what) for item in value)
    if isinstance(value, Mapping):
        return _freeze_params(value, what)
    raise InvalidRequest(
        f"{what} has type {type(value).__name__}; expected str, int, float, Decimal, None, "
        "a list or a mapping"
    )


def _freeze_params(params: Mapping[str, ParamValue], what: str) -> Mapping[str, ParamValue]:
    if params.__class__ is not dict and not isinstance(params, Mapping):
        raise InvalidRequest(
            f"parameters of {what} must be a mapping of name to value, not {type(params).__name__}"
        )
    if params.__class__ is not dict:
        # Any other mapping (a request's own mappingproxy, when attrs.evolve
        # copies it) is read through its items(), which a subclass may
        # override; a key is hashed only once it is known to be a str.
        frozen: dict[str, ParamValue] = {}
        for key, value in params.items():
            if key.__class__ is not str or key not in _CHECKED_NAMES:
                check_name(key, f"parameter name in {what}")
            if value.__class__ is str and value.isascii() and value.isprintable():
                frozen[key] = value
            else:
                frozen[key] = normalise_value(value, f"parameter {key!r}")
        return MappingProxyType(frozen)
    # A plain dict: one copy in C, then each entry checked in place. The
    # usual case (a name seen before, a plain ASCII string, kept as
    # normalise_value would keep it) builds no message and makes no call.
    # Replacing the value of a key while iterating is allowed.
    frozen = dict(params)
    for key, value in frozen.items():
        if key.__class__ is not str or key not in _CHECKED_NAMES:
            check_name(key, f"parameter name in {what}")
        if value.__class__ is not str or not value.isascii() or not value.isprintable():
            frozen[key] = normalise_value(value, f"parameter {key!r}")
    return MappingProxyType(frozen)


def _params_eq(value: ParamValue) -> Any:
    # Order matters on the wire, at every level (a mappingproxy compares as a dict would).
    if isinstance(value, Mapping):
        return tuple((k, _params_eq(v)) for k, v in value.items())
    if isinstance(value, tuple):
        return tuple(_params_eq(item) for item in value)
    return value


def _to_params(params: Mapping[str, ParamValue] | None) -> Mapping[str, ParamValue]:
    return _freeze_params(params or {}, "request")


def _same_params(a: Mapping[str, ParamValue], b: Mapping[str, ParamValue]) -> bool:
    return bool(_params_eq(a) == _params_eq(b))


def expect_fields(cls: type, *fields: str) -> None:
    """Raise TypeError at import unless ``cls``'s attrs fields are ``fields``, in order.

    For code that builds instances without the class's own ``__init__``
    (or writes one by hand): a new field cannot be forgotten there.
    """
    if tuple(field.name for field in attrs.fields(cls)) != fields:
        raise TypeError(f"{cls.__name__}'s fields changed: update the code that builds it")


@attrs.frozen(repr=False, init=False)
class Request:
    """One operation: ``<Request target="..." name="..." id="...">`` and its parameters.

    ``id`` defaults to None (the correlation step gives one); ``params`` to
    none. Names and values are checked here: bad input raises InvalidRequest.
    """

    # The validators and the converter are what an attrs subclass's own
    # __init__ runs (and attrs.validate); Request's __init__ below does the
    # same checks, in the same order, faster.
    target: str = attrs.field(validator=lambda _i, _a, v: check_name(v, "target"))
    name: str = attrs.field(validator=lambda _i, _a, v: check_name(v, "operation name"))
    id: str | None = attrs.field(
        default=None,
        validator=lambda _i, _a, v: v is None or _check_new_name(v, "request id"),
    )
    params: Mapping[str, ParamValue] = attrs.field(
        factory=dict,
        converter=_to_params,
        eq=attrs.cmp_using(eq=_same_params),
        hash=False,  # a mappingproxy cannot be hashed; equal requests still hash equal
    )

    def __init__(
        self,
        target: str,
        name: str,
        id: str | None = None,
        params: Mapping[str, ParamValue] | None = None,
    ) -> None:
        _fill_request(self, target, name, id, params)

    @property
    def operation(self) -> str:
        """``target/name``, e.g. ``NoveroNumbers/SetDestination``."""
        return f"{self.target}/{self.name}"

    def with_id(self, request_id: str | None) -> Request:
        """A copy with another id."""
        if self.__class__ is not Request:
            return attrs.evolve(self, id=request_id)
        # The correlation step names every anonymous request this way. Target,
        # name and params were checked (and params frozen) when self was
        # built: only the new id needs checking, and the copy is made without
        # running them through __init__ again.
        if request_id is not None:
            _check_new_name(request_id, "request id")
        return _assembled(self.target, self.name, request_id, self.params)

    def with_params(self, **params: ParamValue) -> Request:
        """A copy with parameters added or replaced (order kept, new ones last)."""
        return attrs.evolve(self, params={**self.params, **params})

    def __repr__(self) -> str:
        return (
            f"Request(target={self.target!r}, name={self.name!r}, id={self.id!r}, "
            f"params={redact_mapping(self.params)!r})"
        )


expect_fields(Request, "target", "name", "id", "params")  # see _assembled
_new_object = object.__new__
_set_request_target = vars(Request)["target"].__set__
_set_request_name = vars(Request)["name"].__set__
_set_request_id = vars(Request)["id"].__set__
_set_request_params = vars(Request)["params"].__set__


def _fill_request(
    request: Request,
    target: str,
    name: str,
    request_id: str | None,
    params: Mapping[str, ParamValue] | None,
    *,
    id_checked: bool = False,
) -> None:
    """Check and set the fields of a new Request: its ``__init__``, by hand.

    Every request of every batch is built here, on both sides of the wire,
    and a usual name (seen before) costs a set lookup, not a validator
    call. Params first, as attrs converts before it validates. The request
    id is not checked when ``id_checked`` (default False): for ids the
    library made (:func:`~ttnc_pipeline.middleware.correlation.new_request_id`).
    """
    frozen = _freeze_params(params or {}, "request")
    if target.__class__ is not str or target not in _CHECKED_NAMES:
        check_name(target, "target")
    if name.__class__ is not str or name not in _CHECKED_NAMES:
        check_name(name, "operation name")
    if (
        request_id is not None
        and not id_checked
        and (request_id.__class__ is not str or not _NAME_RE.match(request_id))
    ):
        _check_new_name(request_id, "request id")  # raises, naming it (or takes a str subclass)
    _set_request_target(request, target)
    _set_request_name(request, name)
    _set_request_id(request, request_id)
    _set_request_params(request, frozen)


def _request_with_new_id(
    target: str, name: str, request_id: str, params: Mapping[str, ParamValue] | None
) -> Request:
    """``Request(target, name, request_id, params)`` for an id the library made (valid)."""
    request: Request = _new_object(Request)
    _fill_request(request, target, name, request_id, params, id_checked=True)
    return request


def _assembled(
    target: str, name: str, request_id: str | None, params: Mapping[str, ParamValue]
) -> Request:
    """A Request from parts already checked (params frozen), without running __init__."""
    request: Request = _new_object(Request)
    _set_request_target(request, target)
    _set_request_name(request, name)
    _set_request_id(request, request_id)
    _set_request_params(request, params)
    return request


def _with_valid_id(request: Request, request_id: str) -> Request:
    """``request.with_id(request_id)`` for an id known to be a valid name (one generated)."""
    if request.__class__ is not Request:
        return request.with_id(request_id)
    return _assembled(request.target, request.name, request_id, request.params)


def _parsed_request(
    target: str,
    name: str,
    request_id: str | None,
    params: dict[str, str],
    id_checked: bool = False,
) -> Request:
    """``Request(target, name, request_id, params)`` for what a parser read, checked faster.

    For the decoder: ``params`` is a new dict of text values, none nested
    or repeated, all of exact type str, and it is kept (not copied). Every
    name is checked as ``__init__`` checks it, in the same order, but the
    request id when ``id_checked`` (default False): for a reader whose
    pattern admits only valid ids. Values are not checked, since neither
    reading admits a character :func:`check_text` refuses: expat refuses
    every one of them, and the canonical reading's pattern admits none
    (tests hold both to that).
    """
    if not _CHECKED_NAMES.issuperset(params):
        for key in params:
            check_name(key, "parameter name in request")
    if target.__class__ is not str or target not in _CHECKED_NAMES:
        check_name(target, "target")
    if name.__class__ is not str or name not in _CHECKED_NAMES:
        check_name(name, "operation name")
    if request_id is not None and not id_checked and not _NAME_RE.match(request_id):
        _check_new_name(request_id, "request id")  # raises, naming it
    return _assembled(target, name, request_id, MappingProxyType(params))


def _to_requests(requests: Sequence[Request]) -> tuple[Request, ...]:
    out = tuple(requests)
    for request in out:
        if not isinstance(request, Request):
            raise InvalidRequest(f"a batch holds Request objects, not {type(request).__name__}")
    return out


def _check_session(value: str | None) -> str | None:
    if value is not None:
        if not isinstance(value, str) or not value:
            raise InvalidRequest("session id must be a non-empty string")
        check_text(value, "session id")
    return value


def _freeze_options(options: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(options))


@attrs.frozen(repr=False)
class Batch:
    """The requests of one POST, in order, and the ``SessionId`` sent before them.

    ``session_id`` defaults to None (no ``<SessionId>``). ``options``
    (default none) carries per-call settings for middlewares (for example
    ``{"retry": False}``); it is not part of the envelope and not compared.
    """

    requests: tuple[Request, ...] = attrs.field(converter=_to_requests)
    session_id: str | None = attrs.field(default=None, converter=_check_session)
    options: Mapping[str, Any] = attrs.field(factory=dict, converter=_freeze_options, eq=False)

    def _copy(self, requests: Any, session_id: Any, options: Any) -> Batch:
        # Every middleware makes copies on every call: build them through the
        # slots, converting only the field that changed (attrs.evolve would
        # run every converter again, and costs several microseconds a copy).
        if self.__class__ is not Batch:
            return attrs.evolve(self, requests=requests, session_id=session_id, options=options)
        copy: Batch = _new_object(Batch)
        _set_batch_requests(copy, requests)
        _set_batch_session_id(copy, session_id)
        _set_batch_options(copy, options)
        return copy

    def with_requests(self, requests: Sequence[Request]) -> Batch:
        """A copy holding other requests."""
        return self._copy(_to_requests(requests), self.session_id, self.options)

    def with_session(self, session_id: str | None) -> Batch:
        """A copy sent under another session (None: no ``SessionId``)."""
        return self._copy(self.requests, _check_session(session_id), self.options)

    def with_options(self, **options: Any) -> Batch:
        """A copy with per-call options added or replaced."""
        # The merged dict is new and ours: wrapped as it is, not copied again.
        return self._copy(
            self.requests, self.session_id, MappingProxyType({**self.options, **options})
        )

    def with_defaults(self, **options: Any) -> Batch:
        """A copy with per-call options added where the batch does not set them already."""
        # options is a new dict, ours to wrap; merging in a mappingproxy costs
        # a lookup per key, and most batches (all the client's own) have none.
        own = self.options
        return self._copy(
            self.requests, self.session_id, MappingProxyType({**options, **own} if own else options)
        )

    @property
    def ids(self) -> tuple[str | None, ...]:
        """The request ids, in order."""
        return tuple(request.id for request in self.requests)

    def __repr__(self) -> str:
        session = None if self.session_id is None else MASK
        return f"Batch(requests={list(self.requests)!r}, session_id={session!r})"


def _code_only(element: Element | None) -> Element:
    return element if element is not None else Element("Response")


# Slot writes for Batch._copy (a quarter cheaper than object.__setattr__).
_set_batch_requests = vars(Batch)["requests"].__set__
_set_batch_session_id = vars(Batch)["session_id"].__set__
_set_batch_options = vars(Batch)["options"].__set__


# Not slotted: a decoder builds thousands of these at a time, and handing a
# new instance its whole __dict__ in one call is a quarter cheaper than six
# slot writes (see _decoded_responses).
@attrs.frozen(repr=False, eq=False, slots=False)
class Response(Mapping[str, Any]):
    """One ``<Response>``: its wire attributes and a lossless, read-only view of its content.

    ``response['SessionId']`` reads a child (see :mod:`ttnc_pipeline._content`
    for the rules); ``response['@attributes']`` is the ``Response`` element's
    own attributes. ``missing`` is True for a placeholder made when the
    server sent no response for a request.
    """

    target: str | None
    name: str | None
    code: int
    request_id: str | None
    element: Element = attrs.field(converter=_code_only, default=None)
    missing: bool = False

    @classmethod
    def build(
        cls,
        target: str | None,
        name: str | None,
        code: int,
        request_id: str | None,
        data: Mapping[str, Any] | None = None,
        *,
        message: str | None = None,
    ) -> Response:
        """Make a response from plain data (what the sandbox and mocks answer with).

        ``data`` follows the parameter rules, plus ``'@attributes'`` (a dict)
        and ``'#text'`` keys for elements that carry them (default None: no
        content). ``message`` (default None) adds a ``<ResponseMessage>`` child.
        """
        from ttnc_pipeline.codec import build_element

        attributes: dict[str, str] = {}
        if target is not None:
            attributes["target"] = target
        if name is not None:
            attributes["name"] = name
        attributes["Code"] = str(code)
        if request_id is not None:
            attributes["RequestId"] = request_id
        content = dict(data or {})
        if message is not None:
            content["ResponseMessage"] = message
        element = build_element("Response", content, attributes)
        return cls(target, name, code, request_id, element)

    @classmethod
    def placeholder(cls, request: Request) -> Response:
        """The not-ok stand-in for a request the server did not answer."""
        element = Element("Response")
        message = Element("ResponseMessage")
        message.text = "the server sent no response for this request"
        element.append(message)
        return cls(request.target, request.name, 0, request.id, element, missing=True)

    @property
    def ok(self) -> bool:
        """True when TTNC answered ``Code="200"``."""
        return self.code == 200

    @property
    def message(self) -> str | None:
        """The ``ResponseMessage`` text (falling back to ``Success``), or None."""
        for tag in ("ResponseMessage", "Success"):
            found = self.element.find(tag)
            if found is not None:
                return found.text or ""
        return None

    @property
    def operation(self) -> str:
        """``target/name`` as answered."""
        return f"{self.target}/{self.name}"

    def _view(self) -> ContentView:
        return ContentView(self.element)

    def __getitem__(self, key: str) -> Any:
        if key == ATTRIBUTES_KEY:
            return self._attributes()
        return self._view()[key]

    def _attributes(self) -> dict[str, str]:
        # The fields win over the element's own attributes, so a response
        # made by hand or changed with attrs.evolve reads and encodes as it says.
        attributes = dict(self.element.attrib)
        for key, value in (
            ("target", self.target),
            ("name", self.name),
            ("Code", str(self.code)),
            ("RequestId", self.request_id),
        ):
            if value is None:
                attributes.pop(key, None)
            else:
                attributes[key] = value
        return attributes

    def __iter__(self) -> Iterator[str]:
        yield ATTRIBUTES_KEY
        for key in self._view():
            if key != ATTRIBUTES_KEY:
                yield key

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def __bool__(self) -> bool:
        # Never empty ('@attributes' is always a key): say so without the
        # Mapping default, len(), which reads the content to count its keys.
        return True

    def all(self, path: str) -> list[Any]:
        """Every element at a ``/`` path (``'Numbers/Number'``), always a list."""
        return self._view().all(path)

    def first(self, path: str, default: Any = None) -> Any:
        """The first element at ``path``, or ``default``."""
        return self._view().first(path, default)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-serialisable data, ``'@attributes'`` included."""
        return {key: plain(self[key]) for key in self}

    def raise_for_error(self) -> Response:
        """Return self when ok, else raise :class:`APIError`."""
        if not self.ok:
            raise APIError(
                self.message,
                code=self.code,
                target=self.target,
                name=self.name,
                request_id=self.request_id,
            )
        return self

    def with_request_id(self, request_id: str | None) -> Response:
        """A copy answering another request id (the element is copied, not shared)."""
        element = Element(self.element.tag, dict(self.element.attrib))
        element.text = self.element.text
        element.extend(list(self.element))
        if request_id is None:
            element.attrib.pop("RequestId", None)
        else:
            element.set("RequestId", request_id)
        return attrs.evolve(self, request_id=request_id, element=element)

    def _key(self) -> tuple[Any, ...]:
        content = canonical(self.element)
        return (tuple(sorted(self._attributes().items())), content[2], content[3])

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Response):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash((self.target, self.name, self.code, self.request_id))

    def __repr__(self) -> str:
        content = redact_mapping({k: v for k, v in self.to_dict().items() if k != ATTRIBUTES_KEY})
        return (
            f"Response(target={self.target!r}, name={self.name!r}, code={self.code}, "
            f"request_id={self.request_id!r}, content={content!r})"
        )


def dict_writer(cls: type, *fields: str) -> Callable[[Any, dict[str, Any]], None]:
    """The writer of a frozen, unslotted attrs class's instance ``__dict__``.

    For code that builds many instances: handing a new instance its whole
    ``__dict__`` in one call costs about two thirds of attrs' frozen
    ``__init__``, which calls ``object.__setattr__`` once per field.
    ``fields`` are the names that code writes (checked by :func:`expect_fields`).
    """
    expect_fields(cls, *fields)
    writer: Callable[[Any, dict[str, Any]], None] = vars(cls)["__dict__"].__set__
    return writer


_set_response_dict = dict_writer(
    Response, "target", "name", "code", "request_id", "element", "missing"
)


_WIRE_ATTRIBUTES = itemgetter("target", "name", "Code", "RequestId")
_CODE = attrgetter("code")


def _decoded_responses(
    document: Element, usual_codes: Mapping[str, int], read_code: Callable[[str | None], int]
) -> list[Response]:
    """A :class:`Response` for every ``<Response>`` child of ``document``, for the decoder.

    The usual case (all four wire attributes, a code in ``usual_codes``) is
    read in one C call and built inline, with no Python function call per
    response; anything else goes through ``read_code``, which raises for a
    code that is not an integer.
    """
    responses: list[Response] = []
    append = responses.append
    new, wire, set_dict = _new_object, _WIRE_ATTRIBUTES, _set_response_dict
    for element in document:
        if element.tag != "Response":
            continue
        try:
            target, name, raw_code, request_id = wire(element.attrib)
            code = usual_codes[raw_code]
        except KeyError:
            get = element.get
            target, name, raw_code = get("target"), get("name"), get("Code")
            request_id = get("RequestId")
            code = read_code(raw_code)
        # Response(target, name, code, request_id, element), its whole
        # __dict__ handed over in one call: attrs' __init__ sets the fields
        # one by one, which counts when one reply holds 10,000 of them.
        response = new(Response)
        set_dict(
            response,
            {
                "target": target,
                "name": name,
                "code": code,
                "request_id": request_id,
                "element": element,
                "missing": False,
            },
        )
        append(response)
    return responses


def _to_responses(responses: Sequence[Response]) -> tuple[Response, ...]:
    return tuple(responses)


@attrs.frozen
class Reply:
    """The responses of one POST, in order.

    Per-request API errors do not raise: check each response's ``.ok``, or
    call :meth:`raise_for_errors`. ``status`` (default 200), ``headers``
    (default none), ``attempts`` (POSTs it took, default 1) and
    ``session_id`` (the SessionId the answers came under, when one was sent;
    default None) describe how it arrived and are not compared.
    """

    responses: tuple[Response, ...] = attrs.field(converter=_to_responses)
    status: int = attrs.field(default=200, eq=False)
    headers: Mapping[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    attempts: int = attrs.field(default=1, eq=False)
    session_id: str | None = attrs.field(default=None, eq=False, repr=False)

    def __iter__(self) -> Iterator[Response]:
        return iter(self.responses)

    def __len__(self) -> int:
        return len(self.responses)

    def __getitem__(self, index: int) -> Response:
        return self.responses[index]

    def by_id(self, request_id: str) -> Response | None:
        """The response answering ``request_id``, or None."""
        for response in self.responses:
            if response.request_id == request_id:
                return response
        return None

    @property
    def ok(self) -> bool:
        """True when every response is ok."""
        # Every code is 200 (what Response.ok checks), counted in C: checked
        # after every batch, and a generator costs twice as much.
        codes = list(map(_CODE, self.responses))
        return codes.count(200) == len(codes)

    def raise_for_errors(self) -> Reply:
        """Return self when every response is ok, else raise :class:`APIError` for the first."""
        for response in self.responses:
            response.raise_for_error()
        return self

    def _copy(
        self,
        responses: tuple[Response, ...],
        status: int,
        headers: Mapping[str, str],
        attempts: int,
        session_id: str | None,
    ) -> Reply:
        # As Batch._copy: through the slots, without attrs.evolve's cost.
        if self.__class__ is not Reply:
            return attrs.evolve(
                self,
                responses=responses,
                status=status,
                headers=headers,
                attempts=attempts,
                session_id=session_id,
            )
        copy: Reply = _new_object(Reply)
        _set_reply_responses(copy, responses)
        _set_reply_status(copy, status)
        _set_reply_headers(copy, headers)
        _set_reply_attempts(copy, attempts)
        _set_reply_session_id(copy, session_id)
        return copy

    def with_responses(self, responses: Sequence[Response]) -> Reply:
        """A copy holding other responses (self, when they are its own tuple)."""
        if responses is self.responses:
            return self
        return self._copy(
            _to_responses(responses), self.status, self.headers, self.attempts, self.session_id
        )

    def with_attempts(self, attempts: int) -> Reply:
        """A copy recording how many POSTs it took."""
        return self._copy(self.responses, self.status, self.headers, attempts, self.session_id)

    def with_session_id(self, session_id: str | None) -> Reply:
        """A copy saying which SessionId the answers came under."""
        return self._copy(self.responses, self.status, self.headers, self.attempts, session_id)


# Slot writes for Reply._copy.
_set_reply_responses = vars(Reply)["responses"].__set__
_set_reply_status = vars(Reply)["status"].__set__
_set_reply_headers = vars(Reply)["headers"].__set__
_set_reply_attempts = vars(Reply)["attempts"].__set__
_set_reply_session_id = vars(Reply)["session_id"].__set__


CallNext: TypeAlias = Callable[[Batch], Reply]
"""The rest of the pipeline, as seen from one middleware."""

Middleware: TypeAlias = Callable[[Batch, CallNext], Reply]
"""Any callable ``mw(batch, call_next) -> reply``."""


@attrs.frozen(repr=False, init=False)
class HTTPRequest:
    """One POST as a transport sends it.

    ``headers`` default to none; ``timeout`` is the time left for the whole
    exchange, in seconds (default None: only the transport's own timeouts
    apply).
    """

    body: bytes
    headers: Mapping[str, str] = attrs.field(factory=dict)  # what an attrs subclass defaults to
    timeout: float | None = None

    def __init__(
        self,
        body: bytes,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> None:
        # By hand, through the slots: one is built for every POST.
        _set_http_body(self, body)
        _set_http_headers(self, {} if headers is None else headers)
        _set_http_timeout(self, timeout)

    def __repr__(self) -> str:
        return f"HTTPRequest(body=<{len(self.body)} bytes>, timeout={self.timeout!r})"


_set_http_body = vars(HTTPRequest)["body"].__set__
_set_http_headers = vars(HTTPRequest)["headers"].__set__
_set_http_timeout = vars(HTTPRequest)["timeout"].__set__


def _lower_keys(headers: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType({key.lower(): value for key, value in headers.items()})


@attrs.frozen(repr=False)
class HTTPResponse:
    """What a transport got back: status, headers (lower-cased names) and body."""

    status: int
    headers: Mapping[str, str] = attrs.field(factory=dict, converter=_lower_keys)
    body: bytes = b""

    def __repr__(self) -> str:
        return f"HTTPResponse(status={self.status}, body=<{len(self.body)} bytes>)"


@runtime_checkable
class Transport(Protocol):
    """Sends one HTTP POST. Raises RequestNotSent or OutcomeUnknown on failure."""

    def send(self, request: HTTPRequest) -> HTTPResponse:
        """Send one POST and return the whole answer."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...
