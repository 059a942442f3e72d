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

``docs/schema.md`` is this package's output (``nodedev-xml schema-docs >
docs/schema.md``); a test fails when it is stale.

The package: ``grammar`` indexes the grammar (its defines, the text a pattern
allows), ``variants`` finds the kinds of an element told apart by a fixed
attribute value, ``reference`` walks the grammar into a :class:`Reference`,
``markdown`` prints it, ``text`` has the Markdown text helpers.
"""

from __future__ import annotations

from .markdown import REGENERATE, render_markdown
from .reference import Item, Reference, ValueType, build_reference

__all__ = [
    "REGENERATE",
    "Item",
    "Reference",
    "ValueType",
    "build_reference",
    "generate_markdown",
    "render_markdown",
]


def generate_markdown() -> str:
    """The schema reference (``docs/schema.md``) as Markdown; deterministic."""
    return render_markdown(build_reference())
