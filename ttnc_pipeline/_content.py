"""Read-only views over the XML content of a response.

TTNC's own clients turn a response into a dict and lose data on the way
(only the last of repeated siblings survives; attributes of children are
dropped). These views keep everything and stay cheap: nothing is converted
until it is read, so a 100,000-number listing costs one small object per
number that is actually touched.

Rules, shared by every view:

- a child with only text reads as ``str`` (``''`` when empty);
- a child with children or attributes reads as a nested :class:`ContentView`,
  its attributes under ``'@attributes'`` and its text under ``'#text'``;
- repeated siblings read as a list, in document order;
- the plural-wrapper rule: children named ``X`` of an element named ``Xs``
  (``Numbers/Number``, ``BandCounts/BandCount``) are always a list.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from xml.etree.ElementTree import Element

from ttnc_pipeline.redaction import redact_mapping

ATTRIBUTES_KEY = "@attributes"
TEXT_KEY = "#text"


def value_of(element: Element) -> str | ContentView:
    """The reading of one element: its text, or a view when it has structure."""
    # Children first, then keys(): reading .attrib would give every bare
    # element a dict of its own (100,000 of them in a large listing).
    if len(element) or element.keys():
        return ContentView(element)
    return element.text or ""


# ElementPath gives these characters a meaning; a step without any of them is
# a plain child name, which Element.findall matches in C exactly as
# ``child.tag == step`` would.
_PATH_CHARS = frozenset("*[@.{}/")


def _step(nodes: list[Element], step: str) -> list[Element]:
    if _PATH_CHARS.isdisjoint(step):
        if len(nodes) == 1:  # the usual path, one node at each step: the list findall makes
            return nodes[0].findall(step)
        return [found for node in nodes for found in node.findall(step)]
    return [child for node in nodes for child in node if child.tag == step]


def _is_list_key(parent_tag: str, key: str) -> bool:
    return parent_tag == key + "s"


class ContentView(Mapping[str, Any]):
    """A read-only mapping over one element's attributes, text and children."""

    __slots__ = ("_element", "_groups")

    _groups: dict[str, list[Element]]  # built on the first read by name

    def __init__(self, element: Element) -> None:
        # Only the element: a listing builds one view per number, and most
        # are never read by name.
        self._element = element

    def _index(self) -> dict[str, list[Element]]:
        try:
            return self._groups
        except AttributeError:
            groups: dict[str, list[Element]] = {}
            for child in self._element:
                tag = child.tag
                if tag in groups:
                    groups[tag].append(child)
                else:
                    groups[tag] = [child]
            self._groups = groups
            return groups

    def _text(self) -> str | None:
        text = self._element.text
        if not text or (len(self._element) and text.isspace()):
            return None  # whitespace before children is indentation, not content
        return text

    def __getitem__(self, key: str) -> Any:
        if key == ATTRIBUTES_KEY:
            if self._element.attrib:
                return dict(self._element.attrib)
            raise KeyError(key)
        if key == TEXT_KEY:
            text = self._text()
            if text is None:
                raise KeyError(key)
            return text
        children = self._index()[key]
        if len(children) == 1 and not _is_list_key(self._element.tag, key):
            return value_of(children[0])
        return [value_of(child) for child in children]

    def __iter__(self) -> Iterator[str]:
        if self._element.attrib:
            yield ATTRIBUTES_KEY
        if self._text() is not None:
            yield TEXT_KEY
        yield from self._index()

    def __len__(self) -> int:
        return sum(1 for _ in self)

    def all(self, path: str) -> list[Any]:
        """Every element at a ``/``-separated path of child names, always as a list."""
        nodes = [self._element]
        for step in path.split("/"):
            nodes = _step(nodes, step)
        if all(map(len, nodes)):  # every one has children (a listing's numbers): views only
            return list(map(ContentView, nodes))
        # value_of, inlined: this runs once per element found.
        return [
            ContentView(node) if len(node) or node.keys() else node.text or "" for node in nodes
        ]

    def first(self, path: str, default: Any = None) -> Any:
        """The first element at ``path``, or ``default`` when there is none."""
        nodes = [self._element]
        for step in path.split("/"):
            nodes = _step(nodes, step)
            if not nodes:
                return default
        return value_of(nodes[0])

    def to_dict(self) -> dict[str, Any]:
        """Plain, JSON-serialisable data: dicts, lists and strings."""
        return {key: plain(value) for key, value in self.items()}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({redact_mapping(self.to_dict())!r})"


def plain(value: Any) -> Any:
    """Turn a value read from a view into plain data."""
    if isinstance(value, ContentView):
        return value.to_dict()
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value


def canonical(element: Element) -> tuple[Any, ...]:
    """A comparable form of an element: tag, sorted attributes, text, children."""
    text = element.text or ""
    if len(element) and not text.strip():
        text = ""  # indentation between children is not content
    return (
        element.tag,
        tuple(sorted(element.attrib.items())),
        text,
        tuple(canonical(child) for child in element),
    )
