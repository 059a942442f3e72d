"""Canonical XML for comparing documents in tests.

Two documents are the same here when their canonical forms are equal bytes:
C14N 2.0 (attribute order and quoting, empty-element spelling and the XML
declaration no longer matter) after whitespace-only text and tails, which are
just indentation in node-device XML, are removed.  Comments are dropped.
Text with content is kept exactly, surrounding spaces included.
"""

from __future__ import annotations

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def canonical(xml: str | bytes | etree._Element) -> bytes:
    """The canonical bytes of ``xml`` (a document or an element)."""
    if isinstance(xml, etree._Element):
        root = etree.fromstring(etree.tostring(xml), _PARSER)
    else:
        data = xml.encode("utf-8") if isinstance(xml, str) else xml
        root = etree.fromstring(data, _PARSER)
    for el in root.iter():
        if el.text is not None and not el.text.strip():
            el.text = None
        if el.tail is not None and not el.tail.strip():
            el.tail = None
    return etree.tostring(root, method="c14n2", with_comments=False)
