"""The schema reference: Markdown generated from the RelaxNG grammar's annotations.

``nodedev_xml/schemas/nodedev.rng`` annotates every ``<element>`` and
``<attribute>`` pattern with an ``<a:documentation>``, an ``nx:profile``
(``libvirt``: libvirt's own vocabulary; ``enriched``: added by nodedev-xml) and
an ``nx:example``.  :func:`generate_markdown` walks the grammar from
``<start>`` in document order and describes every element and attribute: its
path in a document, its value type, whether it is required, optional or
repeated, which profile has it, its documentation and its example.

Paths name each step from the root element; ``@name`` is an attribute.  An
element whose content fixes the value of its ``type`` attribute (or of another
required attribute) is told apart by that value, the way the capabilities are:
``device/capability[@type='scsi_host']/capability[@type='fc_host']/wwnn``.

A define referenced from several places is documented in full once, where the
walk meets it first; every later place lists its paths and refers back.  A
define that contains itself (none does today) is not followed a second time.

``docs/schema.md`` is this module's output (``nodedev-xml schema-docs >
docs/schema.md``); a test fails when it is stale.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from lxml import etree

from nodedev_xml.validation import schema_path
from nodedev_xml.xml.safe import parse_file

__all__ = [
    "REGENERATE",
    "Item",
    "Reference",
    "ValueType",
    "build_reference",
    "generate_markdown",
    "render_markdown",
]

RNG_NS: Final = "http://relaxng.org/ns/structure/1.0"
ANNOTATION_NS: Final = "http://relaxng.org/ns/compatibility/annotations/1.0"
NX_NS: Final = "urn:nodedev-xml:schema-doc"
XSD_DATATYPES: Final = "http://www.w3.org/2001/XMLSchema-datatypes"

GRAMMAR: Final = "nodedev.rng"
LIBVIRT_GRAMMAR: Final = "nodedev-libvirt.rng"
#: Defines whose name starts with this are the enrichment (SPEC 4.2).
ENRICHED_PREFIX: Final = "enriched."
#: The command that regenerates ``docs/schema.md``.
REGENERATE: Final = "nodedev-xml schema-docs > docs/schema.md"

_DOC: Final = f"{{{ANNOTATION_NS}}}documentation"
_PROFILE: Final = f"{{{NX_NS}}}profile"
_EXAMPLE: Final = f"{{{NX_NS}}}example"
#: Attributes that tell elements of one name apart, in order of preference.
_PREFERRED_DISCRIMINATOR: Final = "type"


@dataclass
class Item:
    """One element or attribute of the reference."""

    kind: str  #: ``element`` or ``attribute``
    path: str  #: e.g. ``device/capability[@type='scsi_host']/host``
    type: str  #: Markdown: the value type
    occurs: str  #: ``required``, ``optional``, ``zero or more``, ``one or more`` (+ choice)
    profile: str  #: ``libvirt`` (both profiles) or ``enriched`` (enriched profile only)
    doc: str  #: the documentation text (whitespace collapsed)
    example: str | None
    define: str | None  #: the define the pattern sits in (None: inline in <start>)
    see: str | None = None  #: documented in full at this path (shared define)
    shared: str | None = None  #: the shared define that makes it refer to ``see``
    notes: list[str] = field(default_factory=list)

    @property
    def section(self) -> str:
        """The capability the item belongs to (``device`` for the device's own items)."""
        steps = self.path.split("/")
        if len(steps) > 1:
            m = _CAPABILITY_STEP.fullmatch(steps[1])
            if m:
                return m.group(1)
        return steps[0]


_CAPABILITY_STEP: Final = re.compile(r"capability\[@type='([^']*)'\]")


@dataclass(frozen=True)
class ValueType:
    """A named value define (``value.wwn``): a datatype, no elements or attributes."""

    name: str
    doc: str
    lexical: str  #: Markdown: the datatypes and facets


@dataclass(frozen=True)
class Reference:
    """Everything :func:`generate_markdown` prints."""

    title: str  #: the grammar's own documentation
    items: list[Item]
    value_types: list[ValueType]
    #: define name -> what nodedev-libvirt.rng says when it removes it
    enrichment: dict[str, str]


# --------------------------------------------------------------------------- helpers


def _local(node: etree._Element) -> str:
    tag = node.tag
    if not isinstance(tag, str) or not tag.startswith(f"{{{RNG_NS}}}"):
        return ""
    return tag[len(RNG_NS) + 2 :]


def _patterns(node: etree._Element) -> list[etree._Element]:
    """The RelaxNG children of a pattern (annotations, comments left out)."""
    return [c for c in node if _local(c)]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _doc(node: etree._Element) -> str:
    parts = [_collapse(d.text or "") for d in node if d.tag == _DOC]
    return " ".join(p for p in parts if p)


def _attr(node: etree._Element, name: str) -> str | None:
    value = node.get(name)
    return None if value is None else str(value)


def _datatype_library(node: etree._Element) -> str:
    for n in (node, *node.iterancestors()):
        lib = _attr(n, "datatypeLibrary")
        if lib is not None:
            return lib
    return ""


def _data_text(node: etree._Element) -> str:
    lib = _datatype_library(node)
    name = node.get("type", "")
    base = code(f"xsd:{name}" if lib == XSD_DATATYPES else name)
    params = [
        f"{p.get('name', '')} {code(p.text or '')}" for p in _patterns(node) if _local(p) == "param"
    ]
    return f"{base} ({', '.join(params)})" if params else base


def code(text: str) -> str:
    """``text`` as a Markdown code span, whatever backticks it holds."""
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith(("`", " ")) or text.endswith(("`", " ")) else ""
    return f"{fence}{pad}{text}{pad}{fence}"


_MD_SPECIAL: Final = re.compile(r"([\\*\[\]<>])")


def prose(text: str) -> str:
    """Documentation text as Markdown: code spans kept, other markup characters escaped."""
    out: list[str] = []
    for i, part in enumerate(re.split(r"(`[^`]*`)", _collapse(text))):
        out.append(part if i % 2 else _MD_SPECIAL.sub(r"\\\1", part))
    return "".join(out)


def _slug(heading: str) -> str:
    """The anchor GitHub gives a heading."""
    text = heading.lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


# --------------------------------------------------------------------------- the walk


@dataclass(frozen=True)
class _Brief:
    """Re-walking a shared define: paths under ``new`` mirror the full ones under ``old``."""

    old: str
    new: str
    define: str


@dataclass(frozen=True)
class _Ctx:
    prefix: str = ""
    optional: bool = False
    repeated: bool = False
    choice: bool = False
    enriched: bool = False
    stack: tuple[str, ...] = ()
    brief: _Brief | None = None
    fixed: tuple[str, str] | None = None

    def child(self, path: str) -> _Ctx:
        """The context of an element's content: occurrence is relative to the element."""
        return replace(self, prefix=path, optional=False, repeated=False, choice=False, fixed=None)

    def occurs(self) -> str:
        if self.repeated:
            base = "zero or more" if self.optional else "one or more"
        elif self.optional:
            base = "optional"
        else:
            base = "required"
        return f"{base} (in one branch of a choice)" if self.choice else base


@dataclass(frozen=True)
class _Variant:
    attr: str
    value: str
    patterns: list[etree._Element]
    chain: tuple[str, ...]  #: defines passed through to reach the branch
    doc: str
    enriched: bool


class _Walker:
    def __init__(self, grammar: etree._Element, enrichment: Iterable[str]) -> None:
        self.defines: dict[str, list[etree._Element]] = {}
        for d in grammar.iter(f"{{{RNG_NS}}}define"):
            self.defines.setdefault(d.get("name", ""), []).append(d)
        self.enrichment = set(enrichment)
        self.items: list[Item] = []
        self.by_path: dict[str, Item] = {}
        self.walked: dict[str, str] = {}  # define -> prefix of its full documentation
        self.value_types: list[str] = []
        self._type_define: dict[str, bool] = {}

    # -- defines

    def content(self, name: str) -> list[etree._Element]:
        if name not in self.defines:
            raise ValueError(f"{GRAMMAR}: reference to undefined define {name!r}")
        return [p for d in self.defines[name] for p in _patterns(d)]

    def define_doc(self, name: str) -> str:
        return " ".join(filter(None, (_doc(d) for d in self.defines.get(name, []))))

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
        kind = _local(node)
        if kind in {"element", "attribute"}:
            return True
        if kind == "ref":
            name = node.get("name", "")
            if name in seen:
                return False
            seen.add(name)
            return any(self._structural(p, seen) for p in self.content(name))
        return any(self._structural(p, seen) for p in _patterns(node))

    # -- value types

    def forms(self, patterns: Iterable[etree._Element], seen: tuple[str, ...] = ()) -> list[str]:
        """What text a content allows, in Markdown; element and attribute patterns skipped.

        ``empty`` stands for a choice branch that allows no text.
        """
        out: list[str] = []
        for p in patterns:
            kind = _local(p)
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
                for branch in _patterns(p):
                    found.extend(self.forms([branch], seen) or ["empty"])
            elif kind in {"element", "attribute", "empty", "notAllowed"}:
                found = []
            else:
                found = self.forms(_patterns(p), seen)
            out.extend(f for f in found if f not in out)
        return out

    def note_value_type(self, name: str) -> None:
        if name not in self.value_types:
            self.value_types.append(name)
            self.forms(self.content(name))  # value types it refers to, in order

    def type_text(self, forms: list[str], *, named_docs: bool = True) -> str:
        literals = [f[1:] for f in forms if f.startswith("=")]
        parts: list[str] = []
        literal_done = False
        for f in forms:
            if f.startswith("="):
                if not literal_done:
                    literal_done = True
                    if len(literals) == 1:
                        parts.append(f"fixed {code(literals[0])}")
                    else:
                        parts.append("one of " + ", ".join(code(v) for v in literals))
            elif f.startswith("@"):
                doc = self.define_doc(f[1:]) if named_docs else ""
                parts.append(f"{code(f[1:])}: {prose(doc)}" if doc else code(f[1:]))
            else:
                parts.append(f)
        return " or ".join(parts)

    # -- discriminators and variants

    def fixed_attributes(
        self, patterns: Iterable[etree._Element], seen: tuple[str, ...] = ()
    ) -> Iterator[tuple[etree._Element, list[str], bool]]:
        """Required attributes at the top of a content whose values are fixed.

        Yields (attribute pattern, its values, reached through an enrichment define).
        """
        for p in patterns:
            kind = _local(p)
            if kind == "attribute":
                values = self.forms(_patterns(p), seen)
                if values and all(v.startswith("=") for v in values):
                    yield p, [v[1:] for v in values], any(map(self.is_enrichment, seen))
            elif kind in {"group", "interleave"}:
                yield from self.fixed_attributes(_patterns(p), seen)
            elif kind == "ref":
                name = p.get("name", "")
                if name not in seen and not self.is_type_define(name):
                    yield from self.fixed_attributes(self.content(name), (*seen, name))

    def discriminator(
        self, patterns: list[etree._Element], seen: tuple[str, ...] = ()
    ) -> tuple[etree._Element, list[str], bool] | None:
        """The attribute that tells this element apart from others of its name.

        ``type`` with one or more fixed values, else the first other required
        attribute with exactly one fixed value.
        """
        candidates = list(self.fixed_attributes(patterns, seen))
        for cand in candidates:
            if cand[0].get("name") == _PREFERRED_DISCRIMINATOR:
                return cand
        for cand in candidates:
            if len(cand[1]) == 1:
                return cand
        return None

    def branches(
        self, patterns: list[etree._Element], chain: tuple[str, ...] = ()
    ) -> list[tuple[list[etree._Element], tuple[str, ...]]] | None:
        """The branches of a content that is one choice (through refs), else None."""
        if len(patterns) != 1:
            return None
        (p,) = patterns
        kind = _local(p)
        if kind == "ref":
            name = p.get("name", "")
            if name in chain or self.is_type_define(name):
                return None
            return self.branches(self.content(name), (*chain, name))
        if kind != "choice":
            return None
        out: list[tuple[list[etree._Element], tuple[str, ...]]] = []
        for b in _patterns(p):
            sub = self.branches([b], chain)
            out.extend(sub if sub is not None else [([b], chain)])
        return out

    def variants(
        self, node: etree._Element, content: list[etree._Element]
    ) -> tuple[list[_Variant], bool]:
        """The kinds of an element told apart by a fixed attribute value.

        Returns the variants (empty: one plain element) and whether they are the
        branches of a choice (each branch fixes its own value) rather than the
        values of one attribute pattern.
        """
        branches = self.branches(content)
        if branches is not None and len(branches) > 1:
            found: list[_Variant] = []
            for patterns, chain in branches:
                disc = self.discriminator(patterns, chain)
                if disc is None or len(disc[1]) != 1:
                    break
                attr, values, enriched = disc
                refs = [p.get("name", "") for p in patterns if _local(p) == "ref"]
                doc = next((self.define_doc(r) for r in refs if self.define_doc(r)), "")
                found.append(
                    _Variant(
                        attr=attr.get("name", ""),
                        value=values[0],
                        patterns=patterns,
                        chain=chain,
                        doc=doc or _doc(attr),
                        enriched=enriched
                        or _attr(attr, _PROFILE) == "enriched"
                        or any(map(self.is_enrichment, (*chain, *refs))),
                    )
                )
            else:
                if len({v.attr for v in found}) == 1:
                    return found, True
        disc = self.discriminator(content)
        if disc is None:
            return [], False
        attr, values, enriched = disc
        variants = [
            _Variant(attr.get("name", ""), v, content, (), _doc(node), enriched) for v in values
        ]
        return variants, False

    # -- emitting

    def emit(self, ctx: _Ctx, item: Item) -> None:
        if item.path in self.by_path:
            raise ValueError(f"{GRAMMAR}: two patterns document the same path {item.path!r}")
        if ctx.brief is not None:
            if not item.path.startswith(ctx.brief.new):
                raise AssertionError(f"{item.path!r} outside {ctx.brief.new!r}")
            item.see = ctx.brief.old + item.path[len(ctx.brief.new) :]
            item.shared = ctx.brief.define
        self.items.append(item)
        self.by_path[item.path] = item

    def profile(self, node: etree._Element, ctx: _Ctx) -> str:
        declared = _attr(node, _PROFILE) or "libvirt"
        return "enriched" if ctx.enriched else declared

    def walk(self, patterns: Iterable[etree._Element], ctx: _Ctx) -> None:
        for p in patterns:
            kind = _local(p)
            if kind == "element":
                self.element(p, ctx)
            elif kind == "attribute":
                self.attribute(p, ctx)
            elif kind == "optional":
                self.walk(_patterns(p), replace(ctx, optional=True))
            elif kind == "zeroOrMore":
                self.walk(_patterns(p), replace(ctx, optional=True, repeated=True))
            elif kind == "oneOrMore":
                self.walk(_patterns(p), replace(ctx, repeated=True))
            elif kind == "choice":
                self.walk(_patterns(p), replace(ctx, choice=True))
            elif kind in {"group", "interleave", "mixed"}:
                self.walk(_patterns(p), ctx)
            elif kind == "ref":
                self.ref(p.get("name", ""), ctx)
            # text, data, value, empty, notAllowed, list: values, described by forms()

    def enter(
        self, names: Iterable[str], ctx: _Ctx, prefix: str, *, mark: bool = True
    ) -> _Ctx | None:
        """The context inside the defines ``names``, referenced from ``prefix``.

        None when one of them is already being walked (recursion).  The first
        walk of a define documents it in full; a later one, and everything under
        it, refers back to that (``brief``).  ``mark``: entering an enrichment
        define makes everything inside it ``enriched``.
        """
        names = tuple(names)
        if any(n in ctx.stack for n in names):
            return None
        brief = ctx.brief
        for name in names:
            if brief is None and name in self.walked:
                brief = _Brief(self.walked[name], prefix, name)
        if brief is None:
            for name in names:
                self.walked[name] = prefix
        return replace(
            ctx,
            stack=(*ctx.stack, *names),
            enriched=ctx.enriched or (mark and any(map(self.is_enrichment, names))),
            brief=brief,
        )

    def ref(self, name: str, ctx: _Ctx) -> None:
        if self.is_type_define(name):
            self.note_value_type(name)
            return
        if name in ctx.stack:
            owner = self.by_path.get(ctx.prefix)
            if owner is not None:
                owner.notes.append(
                    f"Contains define {code(name)} again (recursion); its content is "
                    f"described at {code(self.walked.get(name, ctx.prefix))}."
                )
            return
        inner = self.enter([name], ctx, ctx.prefix)
        if inner is not None:
            self.walk(self.content(name), inner)

    def element_type(self, content: list[etree._Element]) -> str:
        forms = self.forms(content)
        if self.has_elements(content):
            text = self.type_text([f for f in forms if f != "empty"])
            return f"element content and {text}" if text else "element content"
        if not forms:
            return "empty"
        if "empty" in forms:  # "text or empty" reads better than the other way round
            forms = [f for f in forms if f != "empty"] + ["empty"]
        return self.type_text(forms)

    def has_elements(self, patterns: Iterable[etree._Element], seen: tuple[str, ...] = ()) -> bool:
        for p in patterns:
            kind = _local(p)
            if kind == "element":
                return True
            if kind == "ref":
                name = p.get("name", "")
                if name not in seen and self.has_elements(self.content(name), (*seen, name)):
                    return True
            elif kind != "attribute" and self.has_elements(_patterns(p), seen):
                return True
        return False

    def element(self, node: etree._Element, ctx: _Ctx) -> None:
        name = node.get("name", "*")
        base = f"{ctx.prefix}/{name}" if ctx.prefix else name
        content = _patterns(node)
        example = _attr(node, _EXAMPLE)
        variants, chosen = self.variants(node, content)
        occurs = ctx.occurs()
        define = ctx.stack[-1] if ctx.stack else None
        if not variants:
            self.emit(ctx, Item(kind="element", path=base, type=self.element_type(content),
                                occurs=occurs, profile=self.profile(node, ctx), doc=_doc(node),
                                example=example, define=define))  # fmt: skip
            self.walk(content, ctx.child(base))
            return
        outer = ctx
        if chosen:
            # The generic element, then one entry per branch of its choice.
            listing = ", ".join(code(v.value) for v in variants)
            selects = f"element content; {code('@' + variants[0].attr)} selects which: {listing}"
            self.emit(ctx, Item(kind="element", path=base, type=selects, occurs=occurs,
                                profile=self.profile(node, ctx), doc=_doc(node),
                                example=example, define=define))  # fmt: skip
            chains = dict.fromkeys(n for v in variants for n in v.chain)
            entered = self.enter(chains, ctx, base, mark=False)  # each variant: v.enriched
            if entered is None:
                return
            outer = entered
        for v in variants:
            path = f"{base}[@{v.attr}='{v.value}']"
            if chosen:
                inner = replace(outer, enriched=outer.enriched or v.enriched)
                item = Item(kind="element", path=path, type=self.element_type(v.patterns),
                            occurs=occurs, profile=self.profile(node, inner), doc=v.doc,
                            example=f"<{name} {v.attr}='{v.value}'>", define=define)  # fmt: skip
            else:
                inner = ctx
                item = Item(kind="element", path=path, type=self.element_type(content),
                            occurs=occurs, profile=self.profile(node, ctx), doc=_doc(node),
                            example=example, define=define)  # fmt: skip
            self.emit(outer, item)
            self.walk(v.patterns, replace(inner.child(path), fixed=(v.attr, v.value)))

    def attribute(self, node: etree._Element, ctx: _Ctx) -> None:
        name = node.get("name", "*")
        content = _patterns(node)
        if ctx.fixed is not None and ctx.fixed[0] == name:
            type_ = f"fixed {code(ctx.fixed[1])}"
        else:
            type_ = self.type_text(self.forms(content)) if content else "text"
        self.emit(ctx, Item(kind="attribute", path=f"{ctx.prefix}/@{name}", type=type_,
                            occurs=ctx.occurs(), profile=self.profile(node, ctx),
                            doc=_doc(node), example=_attr(node, _EXAMPLE),
                            define=ctx.stack[-1] if ctx.stack else None))  # fmt: skip


# --------------------------------------------------------------------------- public


def _enrichment_overrides(path: Path) -> dict[str, str]:
    """The defines the libvirt grammar removes (notAllowed), with what it says of them."""
    root = parse_file(str(path))
    out: dict[str, str] = {}
    for include in root.iter(f"{{{RNG_NS}}}include"):
        for d in include.iter(f"{{{RNG_NS}}}define"):
            if [_local(p) for p in _patterns(d)] == ["notAllowed"]:
                out[d.get("name", "")] = _doc(d)
    return out


def build_reference(
    grammar_file: str | Path | None = None, libvirt_file: str | Path | None = None
) -> Reference:
    """Walk a grammar (default: the installed ``nodedev.rng``) in document order.

    ``libvirt_file`` is the grammar that removes the enrichment (default: the
    installed ``nodedev-libvirt.rng`` with the default grammar, none with another).
    """
    if grammar_file is None:
        grammar_file = schema_path(GRAMMAR)
        libvirt_file = schema_path(LIBVIRT_GRAMMAR) if libvirt_file is None else libvirt_file
    grammar = parse_file(str(grammar_file))
    enrichment = {} if libvirt_file is None else _enrichment_overrides(Path(libvirt_file))
    walker = _Walker(grammar, enrichment)
    for start in grammar.iter(f"{{{RNG_NS}}}start"):
        walker.walk(_patterns(start), _Ctx())
    for item in walker.items:  # a shared define's paths point at the full documentation
        seen = {item.path}
        while item.see is not None and item.see in walker.by_path:
            target = walker.by_path[item.see]
            if target.see is None or target.see in seen:
                break
            seen.add(target.see)
            item.see = target.see
    value_types = [
        ValueType(name, walker.define_doc(name),
                  walker.type_text(walker.forms(walker.content(name)), named_docs=False))
        for name in walker.value_types
    ]  # fmt: skip
    return Reference(
        title=_doc(grammar),
        items=walker.items,
        value_types=value_types,
        enrichment={n: enrichment[n] for n in [*walker.walked, *enrichment] if n in enrichment},
    )


def _section_title(section: str) -> str:
    return "The device" if section == "device" else f"Capability {code(section)}"


def _render_item(item: Item) -> list[str]:
    lines = [f"### {code(item.path)}", ""]
    lines.append(f"- {item.kind.capitalize()}, {item.occurs}, profile {code(item.profile)}")
    lines.append(f"- Type: {item.type}")
    if item.see is not None:
        lines.append(f"- Shared define {code(item.shared or '')}: described at {code(item.see)}")
        lines.extend(f"- {note}" for note in item.notes)
        return [*lines, ""]
    if item.example is not None:
        lines.append(f"- Example: {code(item.example)}")
    lines.extend(f"- {note}" for note in item.notes)
    lines.append("")
    lines.append(prose(item.doc) if item.doc else "(undocumented)")
    return [*lines, ""]


def render_markdown(ref: Reference) -> str:
    """The reference as Markdown."""
    sections: dict[str, list[Item]] = {}
    for item in ref.items:
        sections.setdefault(item.section, []).append(item)
    out = [
        "# Node-device XML: schema reference",
        "",
        "<!-- Generated by `nodedev-xml schema-docs`: do not edit. -->",
        "",
        "This file is generated by `nodedev-xml schema-docs` from the annotations of the",
        f"RelaxNG grammar `nodedev_xml/schemas/{GRAMMAR}` (and `{LIBVIRT_GRAMMAR}`, which",
        "includes it). Do not edit it by hand: change the grammar, then regenerate it with",
        "",
        "```sh",
        REGENERATE,
        "```",
        "",
        "A test fails while this file differs from what the command prints.",
        "",
        prose(ref.title),
        "",
        "## How to read it",
        "",
        "- Every element and attribute has a heading with its path from the root element;",
        "  `@name` is an attribute. An element whose content fixes the value of its `type`",
        "  attribute (or of another required attribute) is told apart by that value:",
        "  `device/capability[@type='scsi_host']/capability[@type='fc_host']/wwnn`.",
        "- Occurrence is relative to the parent element: required, optional, zero or more,",
        '  one or more; "in one branch of a choice" where the grammar offers alternatives.',
        "- Profile `libvirt`: libvirt's own vocabulary, in documents of both profiles",
        f"  (`{LIBVIRT_GRAMMAR}`). Profile `enriched`: added by nodedev-xml, only in the",
        f"  `enriched` profile (`{GRAMMAR}`); `nodedev-xml strip` removes it.",
        "- Type: the text an element or attribute holds; named value types are listed",
        "  under [Value types](#value-types). `element content`: child elements only;",
        "  `empty`: no text (attributes only, if any).",
        "- Content shared by several places (a define referenced more than once) is",
        "  described where it appears first; later places name that path.",
        "",
    ]
    if ref.enrichment:
        out += [
            f"The enrichment lives in the defines of `{GRAMMAR}` whose names start with",
            f"`{ENRICHED_PREFIX}`; `{LIBVIRT_GRAMMAR}` overrides these with `<notAllowed/>`:",
            "",
        ]
        out += [f"- {code(n)}: {prose(text or 'not in the libvirt profile.')}"
                for n, text in ref.enrichment.items()]  # fmt: skip
        out.append("")
    out += ["## Contents", ""]
    titles = [_section_title(s) for s in sections] + ["Value types"]
    out += [f"- [{t}](#{_slug(t)})" for t in titles]
    out.append("")
    for section, items in sections.items():
        out += [f"## {_section_title(section)}", ""]
        for item in items:
            out += _render_item(item)
    out += [
        "## Value types",
        "",
        "The named value types (defines of values only) the items above refer to.",
        "",
    ]
    for vt in ref.value_types:
        out += [f"### {code(vt.name)}", "", f"- Lexical form: {vt.lexical}", ""]
        if vt.doc:
            out += [prose(vt.doc), ""]
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


def generate_markdown() -> str:
    """The schema reference (``docs/schema.md``) as Markdown; deterministic."""
    return render_markdown(build_reference())
