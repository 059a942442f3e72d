"""The variant finder: the kinds of one element told apart by a fixed attribute value.

``<capability>`` is one element name with many contents; each content fixes
the value of its ``type`` attribute.  :class:`VariantFinder` finds those
values, either as the branches of a choice that each fix their own value, or
as the values of one attribute pattern, so that the reference can give each
kind a path of its own (``capability[@type='fc_host']``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Final

from lxml import etree

from .grammar import PROFILE, GrammarIndex, attr, doc, local, patterns

#: Attributes that tell elements of one name apart, in order of preference.
PREFERRED_DISCRIMINATOR: Final = "type"

#: A required attribute with fixed values: its pattern, the values, whether an
#: enrichment define was passed through to reach it.
Fixed = tuple[etree._Element, list[str], bool]


@dataclass(frozen=True)
class Variant:
    """One kind of an element: ``attr`` fixed to ``value``, with its content."""

    attr: str
    value: str
    patterns: list[etree._Element]
    chain: tuple[str, ...]  #: defines passed through to reach the branch
    doc: str
    enriched: bool


class VariantFinder:
    """Finds variants in the grammar ``index`` indexes."""

    def __init__(self, index: GrammarIndex) -> None:
        self.index = index

    def fixed_attributes(
        self, content: Iterable[etree._Element], seen: tuple[str, ...] = ()
    ) -> Iterator[Fixed]:
        """Required attributes at the top of a content whose values are fixed."""
        index = self.index
        for p in content:
            kind = local(p)
            if kind == "attribute":
                values = index.forms(patterns(p), seen)
                if values and all(v.startswith("=") for v in values):
                    yield p, [v[1:] for v in values], any(map(index.is_enrichment, seen))
            elif kind in {"group", "interleave"}:
                yield from self.fixed_attributes(patterns(p), seen)
            elif kind == "ref":
                name = p.get("name", "")
                if name not in seen and not index.is_type_define(name):
                    yield from self.fixed_attributes(index.content(name), (*seen, name))

    def discriminator(
        self, content: list[etree._Element], seen: tuple[str, ...] = ()
    ) -> Fixed | None:
        """The attribute that tells this element apart from others of its name.

        ``type`` with one or more fixed values, else the first other required
        attribute with exactly one fixed value.
        """
        candidates = list(self.fixed_attributes(content, seen))
        for cand in candidates:
            if cand[0].get("name") == PREFERRED_DISCRIMINATOR:
                return cand
        for cand in candidates:
            if len(cand[1]) == 1:
                return cand
        return None

    def branches(
        self, content: list[etree._Element], chain: tuple[str, ...] = ()
    ) -> list[tuple[list[etree._Element], tuple[str, ...]]] | None:
        """The branches of a content that is one choice (through refs), else None."""
        if len(content) != 1:
            return None
        (p,) = content
        kind = local(p)
        if kind == "ref":
            name = p.get("name", "")
            if name in chain or self.index.is_type_define(name):
                return None
            return self.branches(self.index.content(name), (*chain, name))
        if kind != "choice":
            return None
        out: list[tuple[list[etree._Element], tuple[str, ...]]] = []
        for b in patterns(p):
            sub = self.branches([b], chain)
            out.extend(sub if sub is not None else [([b], chain)])
        return out

    def variants(
        self, node: etree._Element, content: list[etree._Element]
    ) -> tuple[list[Variant], bool]:
        """The kinds of an element told apart by a fixed attribute value.

        Returns the variants (empty: one plain element) and whether they are the
        branches of a choice (each branch fixes its own value) rather than the
        values of one attribute pattern.
        """
        index = self.index
        branches = self.branches(content)
        if branches is not None and len(branches) > 1:
            found: list[Variant] = []
            for branch, chain in branches:
                disc = self.discriminator(branch, chain)
                if disc is None or len(disc[1]) != 1:
                    break
                fixed, values, enriched = disc
                refs = [p.get("name", "") for p in branch if local(p) == "ref"]
                text = next((index.define_doc(r) for r in refs if index.define_doc(r)), "")
                found.append(
                    Variant(
                        attr=fixed.get("name", ""),
                        value=values[0],
                        patterns=branch,
                        chain=chain,
                        doc=text or doc(fixed),
                        enriched=enriched
                        or attr(fixed, PROFILE) == "enriched"
                        or any(map(index.is_enrichment, (*chain, *refs))),
                    )
                )
            else:
                if len({v.attr for v in found}) == 1:
                    return found, True
        disc = self.discriminator(content)
        if disc is None:
            return [], False
        fixed, values, enriched = disc
        variants = [
            Variant(fixed.get("name", ""), v, content, (), doc(node), enriched) for v in values
        ]
        return variants, False
