"""Node-device documents as typed JSON, decoded through the project's XSD.

The shape is xmlschema's default one: an element is an object of its
children by name, attributes are keys with a leading ``@``, the text of an
element that also has attributes is ``$``.  An element whose name may repeat
anywhere in the grammar is a list everywhere (``capability`` is a list under
``scsi_target`` as under ``scsi_host``), so a name has one shape in every
document.  Values keep the schema's lexical form (WWNs as 16-digit strings, PCI
and port ids as ``0x…`` strings), except that numbers the schema types as
unsigned integers become JSON numbers.
"""

from __future__ import annotations

import functools
from collections import Counter
from typing import Any, Final

from lxml import etree

from ..schemas import compiled_xsd

#: Simple types of nodedev.xsd whose decimal values are JSON numbers.
NUMERIC_TYPES: Final = frozenset({"UnsignedInt", "UnsignedLong", "Uint8", "Uint32"})


def _typed(value: Any, xsd_type: Any) -> Any:
    names = set()
    t = xsd_type
    while t is not None:  # the type and its bases: a restriction of UnsignedInt is a number
        names.add(getattr(t, "local_name", None))
        t = getattr(t, "base_type", None)
    if isinstance(value, str) and value.isdigit() and names & NUMERIC_TYPES:
        return int(value)
    return value


def _may_repeat(particle: Any) -> bool:
    """True when the particle, or a group around it, allows more than one occurrence."""
    from xmlschema.validators import XsdGroup

    node = particle
    while node is particle or isinstance(node, XsdGroup):
        if node.max_occurs is None or node.max_occurs > 1:
            return True
        node = node.parent
    return False


@functools.cache
def repeating_names() -> frozenset[str]:
    """Names of the elements that may occur more than once under one parent somewhere in
    the grammar: a repeatable particle, or two particles of one content model.  Taken
    from the enriched grammar (the libvirt one only leaves parts out), so that both
    profiles give a name the same shape."""
    from xmlschema.validators import XsdElement, XsdGroup

    from ..schemas import compiled_xsd

    schema: Any = compiled_xsd("enriched")  # xmlschema's stubs type components loosely
    names = {
        e.local_name for e in schema.iter_components(XsdElement) if e.parent and _may_repeat(e)
    }
    for group in schema.iter_components(XsdGroup):
        if group.parent is None or isinstance(group.parent, XsdGroup):
            continue  # count each content model once, from its outermost group
        seen = Counter(e.local_name for e in group.iter_elements() if isinstance(e, XsdElement))
        names.update(name for name, count in seen.items() if count > 1)
    return frozenset(n for n in names if n)


def _listed(data: Any, names: frozenset[str]) -> Any:
    if isinstance(data, list):
        return [_listed(item, names) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        value = _listed(value, names)
        if key in names and not isinstance(value, list):
            value = [value]
        out[key] = value
    return out


def to_json_data(root: etree._Element, profile: str = "enriched") -> dict[str, Any]:
    """The decoded document (a JSON-ready dict); the document must be valid.
    :class:`ValueError` for an unknown profile."""
    tree: Any = root  # xmlschema reads lxml trees; its stubs name only ElementTree's
    data = compiled_xsd(profile).decode(tree, value_hook=_typed, use_location_hints=False)
    if not isinstance(data, dict):  # pragma: no cover - a valid <device> decodes to a dict
        raise TypeError("unexpected decoding")
    listed: dict[str, Any] = _listed(data, repeating_names())
    return listed
