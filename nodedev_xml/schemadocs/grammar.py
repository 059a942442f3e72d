"""The grammar index: a RelaxNG grammar's defines, and what text a pattern allows.

:class:`GrammarIndex` answers what the walk and the variant finder ask of the
grammar: the content of a define, its documentation, whether it belongs to the
enrichment, whether it is a value type (values only, no element or attribute),
and the text forms a content allows.  The helpers below read single RelaxNG
nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from lxml import etree

from ..xml.safe import parse_file
from .text import code, collapse

RNG_NS: Final = "http://relaxng.org/ns/structure/1.0"
ANNOTATION_NS: Final = "http://relaxng.org/ns/compatibility/annotations/1.0"
NX_NS: Final = "urn:nodedev-xml:schema-doc"
XSD_DATATYPES: Final = "http://www.w3.org/2001/XMLSchema-datatypes"

GRAMMAR: Final = "nodedev.rng"
LIBVIRT_GRAMMAR: Final = "nodedev-libvirt.rng"
#: Defines whose name starts with this are the enrichment (``docs/schema.md``).
ENRICHED_PREFIX: Final = "enriched."

DOC: Final = f"{{{ANNOTATION_NS}}}documentation"
PROFILE: Final = f"{{{NX_NS}}}profile"
EXAMPLE: Final = f"{{{NX_NS}}}example"


# --------------------------------------------------------------------------- nodes


def local(node: etree._Element) -> str:
    """The RelaxNG pattern name of ``node`` (``element``, ``ref`` …); empty for anything else."""
    tag = node.tag
    if not isinstance(tag, str) or not tag.startswith(f"{{{RNG_NS}}}"):
        return ""
    return tag[len(RNG_NS) + 2 :]


def patterns(node: etree._Element) -> list[etree._Element]:
    """The RelaxNG children of a pattern (annotations, comments left out)."""
    return [c for c in node if local(c)]


def doc(node: etree._Element) -> str:
    """The ``<a:documentation>`` of a pattern, white space collapsed."""
    parts = [collapse(d.text or "") for d in node if d.tag == DOC]
    return " ".join(p for p in parts if p)


def attr(node: etree._Element, name: str) -> str | None:
    value = node.get(name)
    return None if value is None else str(value)


def _datatype_library(node: etree._Element) -> str:
    for n in (node, *node.iterancestors()):
        lib = attr(n, "datatypeLibrary")
        if lib is not None:
            return lib
    return ""


def _data_text(node: etree._Element) -> str:
    lib = _datatype_library(node)
    name = node.get("type", "")
    base = code(f"xsd:{name}" if lib == XSD_DATATYPES else name)
    params = [
        f"{p.get('name', '')} {code(p.text or '')}" for p in patterns(node) if local(p) == "param"
    ]
    return f"{base} ({', '.join(params)})" if params else base


def enrichment_overrides(path: Path) -> dict[str, str]:
    """The defines the libvirt grammar removes (notAllowed), with what it says of them."""
    root = parse_file(str(path))
    out: dict[str, str] = {}
    for include in root.iter(f"{{{RNG_NS}}}include"):
        for d in include.iter(f"{{{RNG_NS}}}define"):
            if [local(p) for p in patterns(d)] == ["notAllowed"]:
                out[d.get("name", "")] = doc(d)
    return out


# --------------------------------------------------------------------------- the index


class GrammarIndex:
    """The defines of ``grammar`` by name, and the ``enrichment`` defines' names.

    :meth:`forms` notes every value type it meets in :attr:`value_types`, in
    the order met: the order the reference lists them in.
    """

    def __init__(self, grammar: etree._Element, enrichment: Iterable[str]) -> None:
        self.defines: dict[str, list[etree._Element]] = {}
        for d in grammar.iter(f"{{{RNG_NS}}}define"):
            self.defines.setdefault(d.get("name", ""), []).append(d)
        self.enrichment = set(enrichment)
        self.value_types: list[str] = []
        self._type_define: dict[str, bool] = {}

    def content(self, name: str) -> list[etree._Element]:
        """The patterns of define ``name``; ``ValueError`` for an undefined one."""
        if name not in self.defines:
            raise ValueError(f"{GRAMMAR}: reference to undefined define {name!r}")
        return [p for d in self.defines[name] for p in patterns(d)]

    def define_doc(self, name: str) -> str:
        return " ".join(filter(None, (doc(d) for d in self.defines.get(name, []))))

    def is_enrichment(self, name: str) -> bool:
        return name in self.enrichment or name.startswith(ENRICHED_PREFIX)

    def is_type_define(self, name: str) -> bool:
        """True for a define of values only: no element or attribute reachable."""
        if name not in self._type_define:
            self._type_define[name] = True  # provisional, against cycles
            self._type_define[name] = not any(
                self._structural(p, set()) for p in self.content(name)
            )
        return self._type_define[name]

    def _structural(self, node: etree._Element, seen: set[str]) -> bool:
        kind = local(node)
        if kind in {"element", "attribute"}:
            return True
        if kind == "ref":
            name = node.get("name", "")
            if name in seen:
                return False
            seen.add(name)
            return any(self._structural(p, seen) for p in self.content(name))
        return any(self._structural(p, seen) for p in patterns(node))

    def has_elements(self, content: Iterable[etree._Element], seen: tuple[str, ...] = ()) -> bool:
        """True if ``content`` allows a child element, through refs."""
        for p in content:
            kind = local(p)
            if kind == "element":
                return True
            if kind == "ref":
                name = p.get("name", "")
                if name not in seen and self.has_elements(self.content(name), (*seen, name)):
                    return True
            elif kind != "attribute" and self.has_elements(patterns(p), seen):
                return True
        return False

    # -- value types

    def forms(self, content: Iterable[etree._Element], seen: tuple[str, ...] = ()) -> list[str]:
        """What text a content allows, in Markdown; element and attribute patterns skipped.

        ``text``, a datatype, ``=VALUE`` for a literal, ``@NAME`` for a value
        type; ``empty`` stands for a choice branch that allows no text.
        """
        out: list[str] = []
        for p in content:
            kind = local(p)
            if kind == "text":
                found = ["text"]
            elif kind == "data":
                found = [_data_text(p)]
            elif kind == "value":
                found = [f"={p.text or ''}"]
            elif kind == "ref":
                name = p.get("name", "")
                if name in seen:
                    found = []
                elif self.is_type_define(name):
                    self.note_value_type(name)
                    found = [f"@{name}"]
                else:
                    found = self.forms(self.content(name), (*seen, name))
            elif kind == "choice":
                found = []
                for branch in patterns(p):
                    found.extend(self.forms([branch], seen) or ["empty"])
            elif kind in {"element", "attribute", "empty", "notAllowed"}:
                found = []
            else:
                found = self.forms(patterns(p), seen)
            out.extend(f for f in found if f not in out)
        return out

    def note_value_type(self, name: str) -> None:
        """Note value type ``name`` in :attr:`value_types`, then the ones it refers to."""
        if name not in self.value_types:
            self.value_types.append(name)
            self.forms(self.content(name))  # value types it refers to, in order
