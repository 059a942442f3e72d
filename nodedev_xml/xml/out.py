"""Where the emitters of ``codec.py`` write: an element tree, or the printed text.

An emitter opens, fills and closes elements in document order on an
:class:`Out`.  :class:`TreeOut` builds lxml elements (for ``to_element`` and
the enrichment of libvirt's documents); :class:`TextOut` writes the indented
text ``to_xml`` prints directly, byte for byte what lxml would serialize, about
twice as fast as building and serializing a tree (``docs/performance.md``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Protocol

from lxml import etree

El = etree._Element
Attrs = Mapping[str, str] | None


class Out(Protocol):
    """Where emitters write: elements opened, filled and closed in document order."""

    def leaf(self, tag: str, text: str | None = None, attrs: Attrs = None) -> None:
        """An element without children: ``<tag attrs>text</tag>``, or ``<tag attrs/>``."""

    def open(self, tag: str, attrs: Attrs = None) -> None:
        """Start an element; what follows until :meth:`close` goes inside it."""

    def cap(self, type_: str, attrs: Attrs = None) -> None:
        """Start ``<capability type='TYPE' attrs>``, like :meth:`open`."""

    def close(self) -> None:
        """End the element last opened."""

    def raw(self, xml: str) -> None:
        """Append a verbatim element (an unmodelled capability), given as XML text."""


class TreeOut:
    """An :class:`Out` that builds lxml elements, under ``parent`` if given."""

    __slots__ = ("_stack", "root")

    def __init__(self, parent: El | None = None) -> None:
        self._stack: list[El] = [] if parent is None else [parent]
        self.root: El | None = parent

    def _new(self, tag: str, attrs: Attrs) -> El:
        if self._stack:
            child: El = etree.SubElement(self._stack[-1], tag, attrs or {})
            return child
        el = etree.Element(tag, attrs or {})
        self.root = el
        return el

    def leaf(self, tag: str, text: str | None = None, attrs: Attrs = None) -> None:
        el = self._new(tag, attrs)
        if text is not None:
            el.text = text

    def open(self, tag: str, attrs: Attrs = None) -> None:
        self._stack.append(self._new(tag, attrs))

    def cap(self, type_: str, attrs: Attrs = None) -> None:
        self._stack.append(self._new("capability", {"type": type_, **(attrs or {})}))

    def close(self) -> None:
        self._stack.pop()

    def raw(self, xml: str) -> None:
        self._stack[-1].append(etree.fromstring(xml, _RAW_PARSER))


class NeedsTree(Exception):
    """Raised by :class:`TextOut` for what only lxml can lay out (verbatim XML)."""


#: ``<capability type="…"`` by type, for :meth:`TextOut.cap`.
_CAP_START: dict[str, str] = {}
#: Text lxml serializes unchanged: printable ASCII but ``"&<>``.  Anything else
#: (markup characters, white space other than blanks, control or non-ASCII
#: characters) goes through lxml itself, so escaping and refusals stay lxml's.
_PLAIN = re.compile(r"[ !#-%'-;=?-~]*").fullmatch


def _text(value: str) -> str:
    if _PLAIN(value):
        return value
    el = etree.Element("x")
    el.text = value  # lxml's checks: ValueError for control characters, as when building
    return etree.tostring(el, encoding="unicode")[3:-4]  # <x>...</x>


def _attrs(attrs: Mapping[str, str]) -> str:
    out = ""
    for name, value in attrs.items():
        if not _PLAIN(value):
            el = etree.Element("x", {"a": value})
            value = etree.tostring(el, encoding="unicode")[6:-3]  # <x a="..."/>
        out += f' {name}="{value}"'
    return out


class TextOut:
    """An :class:`Out` that writes the document as ``etree.indent(space="  ")`` and
    ``etree.tostring(encoding="unicode")`` would print it; :meth:`raw` raises
    :class:`NeedsTree`."""

    __slots__ = ("_indent", "_open", "parts")

    def __init__(self) -> None:
        self.parts: list[str] = []
        # Open elements: tag, index of the start tag in parts, the start tag's indentation.
        self._open: list[tuple[str, int, str]] = []
        self._indent = ""  # before the next start tag: none for the root element

    def leaf(self, tag: str, text: str | None = None, attrs: Attrs = None) -> None:
        start = f"{self._indent}<{tag}{_attrs(attrs)}" if attrs else f"{self._indent}<{tag}"
        if text is None:
            self.parts.append(start + "/>")
        else:
            self.parts.append(f"{start}>{text if _PLAIN(text) else _text(text)}</{tag}>")

    def open(self, tag: str, attrs: Attrs = None) -> None:
        indent = self._indent
        self._open.append((tag, len(self.parts), indent))
        self.parts.append(f"{indent}<{tag}{_attrs(attrs)}" if attrs else f"{indent}<{tag}")
        self._indent = (indent or "\n") + "  "

    def cap(self, type_: str, attrs: Attrs = None) -> None:
        start = _CAP_START.get(type_)
        if start is None:
            start = _CAP_START[type_] = "<capability" + _attrs({"type": type_})
        indent = self._indent
        self._open.append(("capability", len(self.parts), indent))
        self.parts.append(f"{indent}{start}{_attrs(attrs)}" if attrs else indent + start)
        self._indent = (indent or "\n") + "  "

    def close(self) -> None:
        tag, index, indent = self._open.pop()
        self._indent = indent
        parts = self.parts
        if len(parts) == index + 1:  # nothing inside: <tag/>
            parts[index] += "/>"
        else:
            parts[index] += ">"
            end = indent or "\n"  # the root's end tag goes on a line of its own
            parts.append(f"{end}</{tag}>")

    def raw(self, xml: str) -> None:
        raise NeedsTree

    def getvalue(self) -> str:
        """The document, with the final newline ``to_xml`` adds."""
        return "".join(self.parts) + "\n"


#: For verbatim elements (unmodelled capabilities): no entities, no network, no DTD.
_RAW_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
