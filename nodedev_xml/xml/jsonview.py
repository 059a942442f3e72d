"""Node-device documents as typed JSON, decoded through the project's XSD.

The shape is xmlschema's default one: an element is an object of its
children by name, attributes are keys with a leading ``@``, the text of an
element that also has attributes is ``$``, and an element that may repeat is
a list.  Values keep the schema's lexical form (WWNs as 16-digit strings, PCI
and port ids as ``0x…`` strings), except that numbers the schema types as
unsigned integers become JSON numbers.
"""

from __future__ import annotations

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


def to_json_data(root: etree._Element, profile: str = "enriched") -> dict[str, Any]:
    """The decoded document (a JSON-ready dict); the document must be valid.
    :class:`ValueError` for an unknown profile."""
    tree: Any = root  # xmlschema reads lxml trees; its stubs name only ElementTree's
    data = compiled_xsd(profile).decode(tree, value_hook=_typed, use_location_hints=False)
    if not isinstance(data, dict):  # pragma: no cover - a valid <device> decodes to a dict
        raise TypeError("unexpected decoding")
    return data
