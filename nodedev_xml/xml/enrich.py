"""Enrich the XML libvirt printed with what sysfs says today, and strip it back.

A document whose device is found among the scanned ones (by name, or by its
fc_host WWNN/WWPN: host numbers change across reboots, port names do not) and
that has a ``scsi_host`` or ``scsi`` capability, the enrichment's homes, comes out
as the scan prints that device now: stale enrichment (another port state, another
vports list) is replaced, not kept, and a renumbered host gets its current
name, path and parent.  Any other document keeps its own tree, with only
libvirt's WWN quirks mended; with nothing to mend it comes back byte for byte.
``strip`` removes the enrichment's elements and leaves every other element,
attribute and value as written.

Nothing here validates: the front door (:mod:`nodedev_xml.api`) checks the
documents against the schema before they get here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..model import Device
from ..vocabulary import ENRICHED_CAPABILITIES, ENRICHED_ELEMENTS
from ..wwn import WWN
from . import codec
from .document import serialize, to_xml
from .out import El
from .safe import parse_xml


@dataclass(frozen=True)
class Match:
    """Which scanned device a document was matched with.

    ``device`` is ``None`` when none was; ``wanted`` says in words what was
    looked for (``device named 'scsi_host9'``, ``device with WWNN … WWPN …``);
    ``renamed_from`` is the document's own name when the device matched by its
    WWNs now has another one."""

    device: Device | None
    wanted: str
    renamed_from: str | None = None


def enrich_document(
    xml: str | bytes,
    devices: Mapping[str, Device],
    *,
    source: str = "<string>",
    first_line: int = 1,
) -> str:
    """libvirt's document, refreshed from the matching scanned device (see the
    module documentation).  Raises :class:`XMLInputError` for input the hardened
    parser refuses; ``first_line`` is where the document starts in a stream."""
    return enrich_matching(xml, devices, source=source, first_line=first_line)[0]


def enrich_matching(
    xml: str | bytes,
    devices: Mapping[str, Device],
    *,
    source: str = "<string>",
    first_line: int = 1,
) -> tuple[str, Match]:
    """:func:`enrich_document`, and the :class:`Match` it made."""
    # Refuses bad bytes before they are decoded.
    root = parse_xml(xml, source=source, first_line=first_line)
    text = xml.decode("utf-8-sig") if isinstance(xml, bytes) else xml
    return enrich_tree(root, text, devices, mended=mend_wwns(root))


def enrich_tree(
    root: El, text: str, devices: Mapping[str, Device], *, mended: bool = False
) -> tuple[str, Match]:
    """The enriched document of the parsed ``root`` (whose text is ``text``;
    ``mended``: :func:`mend_wwns` changed the tree), and the match."""
    match = find_device(root, devices)
    found = match.device
    if found is not None and (found.scsi_host is not None or found.scsi is not None):
        return to_xml(found, "enriched"), match
    return (serialize(root) if mended else text), match


def find_device(root: El, devices: Mapping[str, Device]) -> Match:
    """The scanned device of a document: by its fc_host WWNN/WWPN when it has
    them (a renumbered host is found under its new name), else by name."""
    name = (root.findtext("name") or "").strip()
    wwns = _fc_wwns(root)
    if wwns is None:
        return Match(devices.get(name) if name else None, f"device named {name!r}")
    wanted = f"device with WWNN {wwns[0]} WWPN {wwns[1]}"
    dev = devices.get(name) if name else None
    if dev is not None and _same_port(dev, wwns):
        return Match(dev, wanted)
    for candidate in devices.values():
        if _same_port(candidate, wwns):
            return Match(candidate, wanted, renamed_from=name or None)
    return Match(None, wanted)


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


def mend_wwns(root: El) -> bool:
    """Mend, in place, what libvirt prints against its own schema: WWNs the
    kernel printed with fewer than 16 digits, and a fabric name that means "no
    fabric".  True when anything changed."""
    changed = False
    for fc in root.iterfind("capability[@type='scsi_host']/capability[@type='fc_host']"):
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


def strip_document(xml: str | bytes, *, source: str = "<string>", first_line: int = 1) -> str:
    """The document without the enrichment: what libvirt prints and accepts.
    Raises :class:`XMLInputError` for input the hardened parser refuses;
    ``first_line`` is where the document starts in a stream."""
    root = parse_xml(xml, source=source, first_line=first_line)
    text = xml.decode("utf-8-sig") if isinstance(xml, bytes) else xml
    return serialize(root) if strip_tree(root) else text


def strip_tree(root: El) -> bool:
    """Remove the enrichment from the parsed document, in place; True if anything."""
    removed = False
    for scsi in root.iterfind("capability[@type='scsi_host']"):
        doomed = [c for c in scsi.iterfind("capability")
                  if c.get("type") in ENRICHED_CAPABILITIES]  # fmt: skip
        doomed += [c for tag in ENRICHED_ELEMENTS for c in scsi.iterfind(tag)]
        for fc in scsi.iterfind("capability[@type='fc_host']"):
            doomed += [c for tag in codec.ENRICHED_FC_HOST_FIELDS for c in fc.iterfind(tag)]
        for el in doomed:
            _remove(el)
            removed = True
    for lun in root.iterfind("capability[@type='scsi']"):
        for el in [c for tag in codec.ENRICHED_SCSI_FIELDS for c in lun.iterfind(tag)]:
            _remove(el)
            removed = True
    return removed


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
