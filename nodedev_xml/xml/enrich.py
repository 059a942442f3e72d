"""Enrich the XML libvirt printed with what sysfs says, and strip it back.

Both work on the document's own tree: they add or remove the enrichment's
elements and leave every other element, attribute and value as libvirt wrote
it.  A document with nothing to add or remove comes back byte for byte.
"""

from __future__ import annotations

from lxml import etree

from ..model import Device, Inventory, ScsiHost
from ..wwn import WWN
from . import codec
from .document import serialize
from .out import El, TreeOut
from .safe import parse_xml


def enrich_document(xml: str | bytes, inventory: Inventory, *, source: str = "<string>") -> str:
    """libvirt's document plus the enrichment of the matching scanned device.

    The device is matched by name, or failing that by its fc_host WWNN/WWPN
    (host numbers are not stable across reboots; names of ports are).  A
    document whose device is not found, or has nothing to add, is returned as is.
    """
    return enrich_matching(xml, inventory, source=source)[0]


def enrich_matching(
    xml: str | bytes, inventory: Inventory, *, source: str = "<string>"
) -> tuple[str, Device | None]:
    """:func:`enrich_document`, and the scanned device it matched (``None``: none)."""
    root = parse_xml(xml, source=source)  # refuses bad bytes before we decode them
    text = xml.decode("utf-8-sig") if isinstance(xml, bytes) else xml
    found = find_device(root, inventory)
    scsi = root.find("capability[@type='scsi_host']")
    if found is None or scsi is None or found.scsi_host is None:
        return text, found
    fixed = _normalize_wwns(scsi)
    if not _add_enrichment(scsi, found.scsi_host) and not fixed:
        return text, found
    return serialize(root), found


def find_device(root: El, inventory: Inventory) -> Device | None:
    name = (root.findtext("name") or "").strip()
    wwns = _fc_wwns(root)
    dev = inventory.get(name) if name else None
    if dev is not None and (wwns is None or _same_port(dev, wwns)):
        return dev
    if wwns is not None:
        for candidate in inventory.with_cap("fc_host"):
            if _same_port(candidate, wwns):
                return candidate
    return None


def _fc_wwns(root: El) -> tuple[WWN, WWN] | None:
    fc = root.find("capability[@type='scsi_host']/capability[@type='fc_host']")
    if fc is None:
        return None
    try:
        return WWN.parse(fc.findtext("wwnn") or ""), WWN.parse(fc.findtext("wwpn") or "")
    except ValueError:
        return None


def _same_port(dev: Device, wwns: tuple[WWN, WWN]) -> bool:
    cap = dev.scsi_host
    fc = cap.fc_host if cap is not None else None
    return fc is not None and (fc.wwnn, fc.wwpn) == wwns


def _normalize_wwns(scsi: El) -> bool:
    """Mend what libvirt prints against its own schema: WWNs the kernel printed
    with fewer than 16 digits, and a fabric name that means "no fabric"."""
    changed = False
    fc = scsi.find("capability[@type='fc_host']")
    if fc is None:
        return False
    for tag in ("wwnn", "wwpn", "fabric_wwn"):
        el = fc.find(tag)
        if el is None:
            continue
        try:
            wwn = WWN.parse(el.text or "")
        except ValueError:
            continue  # not ours to guess; validation will say what is wrong
        if tag == "fabric_wwn" and not wwn.is_fabric:
            _remove(el)
            changed = True
        elif el.text != str(wwn):
            el.text = str(wwn)
            changed = True
    return changed


def _add_enrichment(scsi: El, cap: ScsiHost) -> bool:
    """Insert what ``cap`` enriches into libvirt's scsi_host element; True if anything."""
    scratch = etree.Element("device")
    codec.emit_scsi_host(TreeOut(scratch), cap, "enriched")
    ours = scratch[0]
    added = False
    fc = scsi.find("capability[@type='fc_host']")
    our_fc = ours.find("capability[@type='fc_host']")
    if fc is not None and our_fc is not None:
        for tag in codec.ENRICHED_FC_HOST_FIELDS:
            el = our_fc.find(tag)
            if el is not None and fc.find(tag) is None:
                fc.append(el)
                added = True
    # Nested capabilities go after the last nested capability libvirt printed.
    nested = scsi.findall("capability")
    anchor = nested[-1] if nested else None
    for kind in codec.ENRICHED_SCSI_HOST_CAPS:
        el = ours.find(f"capability[@type='{kind}']")
        if el is None or scsi.find(f"capability[@type='{kind}']") is not None:
            continue
        if anchor is None:
            scsi.append(el)
        else:
            anchor.addnext(el)
        anchor = el
        added = True
    for tag in codec.ENRICHED_SCSI_HOST_ELEMENTS:
        el = ours.find(tag)
        if el is not None and scsi.find(tag) is None:
            scsi.append(el)
            added = True
    return added


def strip_document(xml: str | bytes, *, source: str = "<string>") -> str:
    """The document without the enrichment: what libvirt prints and accepts."""
    root = parse_xml(xml, source=source)
    text = xml.decode("utf-8-sig") if isinstance(xml, bytes) else xml
    removed = False
    for scsi in root.iterfind("capability[@type='scsi_host']"):
        doomed = [c for c in scsi.iterfind("capability")
                  if c.get("type") in codec.ENRICHED_SCSI_HOST_CAPS]  # fmt: skip
        doomed += [c for tag in codec.ENRICHED_SCSI_HOST_ELEMENTS for c in scsi.iterfind(tag)]
        for fc in scsi.iterfind("capability[@type='fc_host']"):
            doomed += [c for tag in codec.ENRICHED_FC_HOST_FIELDS for c in fc.iterfind(tag)]
        for el in doomed:
            _remove(el)
            removed = True
    if not removed:
        return text
    return serialize(root)


def _remove(el: El) -> None:
    """Remove an element, keeping the text that followed it."""
    parent = el.getparent()
    if parent is None:
        return
    prev = el.getprevious()
    if el.tail and el.tail.strip():
        if prev is not None:
            prev.tail = (prev.tail or "") + el.tail
        else:
            parent.text = (parent.text or "") + el.tail
    parent.remove(el)
