"""The ``<vhba>`` definition document: parse and emit, checked against its grammar.

A definition keeps one vHBA across reboots (README, "Persistent vHBAs")::

    <vhba name='web1' autostart='yes'>
      <parent wwnn='2000001b32a9da4e' wwpn='2100001b32a9da4e'/>
      <wwnn>5001a4a3c2e9b010</wwnn>
      <wwpn>5001a4a3c2e9b011</wwpn>
    </vhba>

The grammar is ``schemas/vhba-definition.rng`` (with its XSD twin), served by
the schema registry (:mod:`nodedev_xml.schemas`) like every other grammar.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import DefinitionError
from ..model import Parent
from ..model.definition import Definition, DefinitionDraft, check_name
from ..schemas import relaxng_with_lock
from ..vocabulary import DEFAULT_PROFILE
from ..wwn import WWN

if TYPE_CHECKING:
    from lxml import etree

__all__ = ["definition_xml", "parse_definition", "read_draft"]


_WWN_WORDS = "expected 16 hex digits, optionally 0x-prefixed"


def _bad_value(root: etree._Element) -> tuple[etree._Element, str] | None:
    """The first WWN or flag of the document that is malformed, in words (libxml2's
    RelaxNG says only "Error validating datatype string")."""
    for el in (root.find("wwnn"), root.find("wwpn")):
        if el is not None and not _is_wwn(el.text or ""):
            return el, f"<{el.tag!s}>: {_WWN_WORDS}, got {(el.text or '')!r}"
    parent = root.find("parent")
    if parent is not None:
        for attr in ("wwnn", "wwpn", "fabric_wwn"):
            value = parent.get(attr)
            if value is not None and not _is_wwn(value):
                return parent, f"<parent> attribute {attr}: {_WWN_WORDS}, got {value!r}"
    autostart = root.get("autostart")
    if autostart is not None and autostart.strip() not in ("yes", "no"):
        return root, f"<vhba> attribute autostart: expected 'yes' or 'no', got {autostart!r}"
    return None


def _is_wwn(text: str) -> bool:
    try:
        WWN.parse_strict(text)
    except ValueError:
        return False
    return True


def _check_grammar(root: etree._Element, source: str) -> None:
    grammar, lock = relaxng_with_lock(DEFAULT_PROFILE, "definition")
    with lock:  # the validator keeps its error log on itself
        if grammar.validate(root):
            return
        entry = next(iter(grammar.error_log), None)
        line = entry.line if entry is not None and entry.line else root.sourceline
        message = entry.message if entry is not None else "not a valid definition"
    bad = _bad_value(root)
    if bad is not None:
        line, message = bad[0].sourceline or line, bad[1]
    raise DefinitionError(
        f"not a vHBA definition: {message} (grammar vhba-definition.rng)", source=source, line=line
    )


def parse_definition(data: str | bytes, *, source: str = "<string>") -> DefinitionDraft:
    """Read a ``<vhba>`` definition document (hardened parser, then the grammar).

    Raises :class:`~nodedev_xml.errors.XMLInputError` for input that is not safe,
    well-formed XML and :class:`DefinitionError` (file and line) for a document the
    grammar refuses."""
    from .safe import parse_xml

    return _draft_of(parse_xml(data, source=source), source)


def read_draft(
    data: str | bytes, *, source: str = "<string>", name: str | None = None
) -> DefinitionDraft:
    """What ``vhba define`` takes: a ``<vhba>`` definition, or the create document
    ``virsh nodedev-create`` takes (``<device>``) together with a ``name`` for it.

    Raises :class:`DefinitionError` for a create document without ``name``, a
    definition whose name is not ``name``, or a document of neither kind, and
    :class:`~nodedev_xml.errors.XMLInputError` for a create document libvirt
    would refuse or input that is not safe XML."""
    from .safe import parse_xml

    root = parse_xml(data, source=source)
    if root.tag == "device":
        if name is None:
            raise DefinitionError(
                "a create document (<device>) names no definition: give it one with --name NAME",
                source=source,
                line=root.sourceline,
            )
        from .create import create_request_from_element

        req = create_request_from_element(root)
        return DefinitionDraft(check_name(name), req.parent, req.wwnn, req.wwpn)
    draft = _draft_of(root, source)
    if name is not None and name != draft.name:
        raise DefinitionError(
            f"the definition is named {draft.name!r}, not {name!r}", source=source, line=1
        )
    return draft


def _draft_of(root: etree._Element, source: str) -> DefinitionDraft:
    _check_grammar(root, source)
    parent_el = root.find("parent")
    parent = None
    if parent_el is not None:
        attrs = parent_el.attrib
        if "wwnn" in attrs:
            parent = Parent(
                wwnn=WWN.parse_strict(attrs["wwnn"]), wwpn=WWN.parse_strict(attrs["wwpn"])
            )
        elif "fabric_wwn" in attrs:
            parent = Parent(fabric_wwn=WWN.parse_strict(attrs["fabric_wwn"]))
        else:
            parent = Parent(name=parent_el.text)
    wwnn_el, wwpn_el = root.find("wwnn"), root.find("wwpn")
    autostart = root.get("autostart")
    return DefinitionDraft(
        name=root.get("name", ""),
        parent=parent,
        wwnn=WWN.parse_strict(wwnn_el.text or "") if wwnn_el is not None else None,
        wwpn=WWN.parse_strict(wwpn_el.text or "") if wwpn_el is not None else None,
        autostart=None if autostart is None else autostart.strip() == "yes",
        luns=tuple((el.get("wwid") or "").strip() for el in root.iterfind("lun")),
    )


def definition_xml(definition: Definition) -> str:
    """The ``<vhba>`` document of ``definition`` as it is saved (WWNs in 16 hex digits)."""
    from lxml import etree

    root = etree.Element("vhba", name=definition.name)
    root.set("autostart", "yes" if definition.autostart else "no")
    parent = definition.parent
    if parent is not None:
        el = etree.SubElement(root, "parent")
        if parent.wwnn is not None and parent.wwpn is not None:
            el.set("wwnn", str(parent.wwnn))
            el.set("wwpn", str(parent.wwpn))
        elif parent.fabric_wwn is not None:
            el.set("fabric_wwn", str(parent.fabric_wwn))
        else:
            el.text = parent.name
    etree.SubElement(root, "wwnn").text = str(definition.wwnn)
    etree.SubElement(root, "wwpn").text = str(definition.wwpn)
    for wwid in definition.luns:
        etree.SubElement(root, "lun", wwid=wwid)
    text: str = etree.tostring(root, encoding="unicode", pretty_print=True)
    return text
