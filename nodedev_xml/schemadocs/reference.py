"""The reference: every element and attribute of the grammar, walked from ``<start>``.

:func:`build_reference` walks the grammar in document order, asking the
:class:`~.grammar.GrammarIndex` about defines and values and the
:class:`~.variants.VariantFinder` about the kinds of an element, and records
one :class:`Item` per element or attribute: its path, value type, occurrence,
profile, documentation and example.  A define met a second time is not
described again; its items refer back (``see``) to where it was met first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

from lxml import etree

from ..schemas import schema_path
from ..xml.safe import parse_file
from .grammar import (
    EXAMPLE,
    GRAMMAR,
    LIBVIRT_GRAMMAR,
    PROFILE,
    RNG_NS,
    GrammarIndex,
    attr,
    doc,
    enrichment_overrides,
    local,
    patterns,
)
from .text import code, prose
from .variants import VariantFinder


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
    """Everything :func:`~nodedev_xml.schemadocs.generate_markdown` prints."""

    title: str  #: the grammar's own documentation
    items: list[Item]
    value_types: list[ValueType]
    #: define name -> what nodedev-libvirt.rng says when it removes it
    enrichment: dict[str, str]


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


def type_text(index: GrammarIndex, forms: list[str], *, named_docs: bool = True) -> str:
    """Markdown for what :meth:`GrammarIndex.forms` found; ``named_docs``: a value
    type's name is followed by its documentation."""
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
            text = index.define_doc(f[1:]) if named_docs else ""
            parts.append(f"{code(f[1:])}: {prose(text)}" if text else code(f[1:]))
        else:
            parts.append(f)
    return " or ".join(parts)


class _Walker:
    """Walks patterns in document order and records their :class:`Item` s."""

    def __init__(self, index: GrammarIndex) -> None:
        self.index = index
        self.finder = VariantFinder(index)
        self.items: list[Item] = []
        self.by_path: dict[str, Item] = {}
        self.walked: dict[str, str] = {}  # define -> prefix of its full documentation

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
        declared = attr(node, PROFILE) or "libvirt"
        return "enriched" if ctx.enriched else declared

    def walk(self, content: Iterable[etree._Element], ctx: _Ctx) -> None:
        for p in content:
            kind = local(p)
            if kind == "element":
                self.element(p, ctx)
            elif kind == "attribute":
                self.attribute(p, ctx)
            elif kind == "optional":
                self.walk(patterns(p), replace(ctx, optional=True))
            elif kind == "zeroOrMore":
                self.walk(patterns(p), replace(ctx, optional=True, repeated=True))
            elif kind == "oneOrMore":
                self.walk(patterns(p), replace(ctx, repeated=True))
            elif kind == "choice":
                self.walk(patterns(p), replace(ctx, choice=True))
            elif kind in {"group", "interleave", "mixed"}:
                self.walk(patterns(p), ctx)
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
            enriched=ctx.enriched or (mark and any(map(self.index.is_enrichment, names))),
            brief=brief,
        )

    def ref(self, name: str, ctx: _Ctx) -> None:
        if self.index.is_type_define(name):
            self.index.note_value_type(name)
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
            self.walk(self.index.content(name), inner)

    def element_type(self, content: list[etree._Element]) -> str:
        forms = self.index.forms(content)
        if self.index.has_elements(content):
            text = type_text(self.index, [f for f in forms if f != "empty"])
            return f"element content and {text}" if text else "element content"
        if not forms:
            return "empty"
        if "empty" in forms:  # "text or empty" reads better than the other way round
            forms = [f for f in forms if f != "empty"] + ["empty"]
        return type_text(self.index, forms)

    def element(self, node: etree._Element, ctx: _Ctx) -> None:
        name = node.get("name", "*")
        base = f"{ctx.prefix}/{name}" if ctx.prefix else name
        content = patterns(node)
        example = attr(node, EXAMPLE)
        variants, chosen = self.finder.variants(node, content)
        occurs = ctx.occurs()
        define = ctx.stack[-1] if ctx.stack else None
        if not variants:
            self.emit(ctx, Item(kind="element", path=base, type=self.element_type(content),
                                occurs=occurs, profile=self.profile(node, ctx), doc=doc(node),
                                example=example, define=define))  # fmt: skip
            self.walk(content, ctx.child(base))
            return
        outer = ctx
        if chosen:
            # The generic element, then one entry per branch of its choice.
            listing = ", ".join(code(v.value) for v in variants)
            selects = f"element content; {code('@' + variants[0].attr)} selects which: {listing}"
            self.emit(ctx, Item(kind="element", path=base, type=selects, occurs=occurs,
                                profile=self.profile(node, ctx), doc=doc(node),
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
                            occurs=occurs, profile=self.profile(node, ctx), doc=doc(node),
                            example=example, define=define)  # fmt: skip
            self.emit(outer, item)
            self.walk(v.patterns, replace(inner.child(path), fixed=(v.attr, v.value)))

    def attribute(self, node: etree._Element, ctx: _Ctx) -> None:
        name = node.get("name", "*")
        content = patterns(node)
        if ctx.fixed is not None and ctx.fixed[0] == name:
            type_ = f"fixed {code(ctx.fixed[1])}"
        else:
            type_ = type_text(self.index, self.index.forms(content)) if content else "text"
        self.emit(ctx, Item(kind="attribute", path=f"{ctx.prefix}/@{name}", type=type_,
                            occurs=ctx.occurs(), profile=self.profile(node, ctx),
                            doc=doc(node), example=attr(node, EXAMPLE),
                            define=ctx.stack[-1] if ctx.stack else None))  # fmt: skip


# --------------------------------------------------------------------------- public


def build_reference(
    grammar_file: str | Path | None = None, libvirt_file: str | Path | None = None
) -> Reference:
    """Walk a grammar (default: the installed ``nodedev.rng``) in document order.

    ``libvirt_file`` is the grammar that removes the enrichment (default: the
    installed ``nodedev-libvirt.rng`` with the default grammar, none with another).
    Raises ``ValueError`` for a reference to an undefined define or two
    patterns documenting one path, :class:`XMLInputError` for an unreadable file.
    """
    if grammar_file is None:
        grammar_file = schema_path(GRAMMAR)
        libvirt_file = schema_path(LIBVIRT_GRAMMAR) if libvirt_file is None else libvirt_file
    grammar = parse_file(str(grammar_file))
    enrichment = {} if libvirt_file is None else enrichment_overrides(Path(libvirt_file))
    index = GrammarIndex(grammar, enrichment)
    walker = _Walker(index)
    for start in grammar.iter(f"{{{RNG_NS}}}start"):
        walker.walk(patterns(start), _Ctx())
    for item in walker.items:  # a shared define's paths point at the full documentation
        seen = {item.path}
        while item.see is not None and item.see in walker.by_path:
            target = walker.by_path[item.see]
            if target.see is None or target.see in seen:
                break
            seen.add(target.see)
            item.see = target.see
    value_types = [
        ValueType(name, index.define_doc(name),
                  type_text(index, index.forms(index.content(name)), named_docs=False))
        for name in index.value_types
    ]  # fmt: skip
    return Reference(
        title=doc(grammar),
        items=walker.items,
        value_types=value_types,
        enrichment={n: enrichment[n] for n in [*walker.walked, *enrichment] if n in enrichment},
    )
