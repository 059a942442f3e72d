"""Whole ``<device>`` documents: models to XML and back.

A document is read as one of the kinds of :data:`~nodedev_xml.vocabulary.DOCUMENT_KINDS`,
named by the caller as libvirt's parser is told whether it reads a device or a
create request: ``device`` gives a :class:`~nodedev_xml.model.Device`,
``create`` a :class:`~nodedev_xml.model.CreateRequest` (``xml/create.py``).
"""

from __future__ import annotations

from typing import Literal, overload

from lxml import etree

from ..errors import XMLInputError
from ..model import (
    PCI,
    Capability,
    CreateRequest,
    Device,
    Parent,
    RawCapability,
    ScsiDevice,
    ScsiHost,
    ScsiTarget,
)
from ..vocabulary import DOCUMENT_KINDS, Profile
from ..vocabulary import check_profile as _check_profile
from ..wwn import WWN
from . import codec
from .out import El, NeedsTree, Out, TextOut, TreeOut


def to_element(device: Device, profile: Profile = "enriched") -> El:
    """The ``<device>`` element of ``device`` in ``profile``."""
    prof = _check_profile(profile)
    out = TreeOut()
    _emit_device(out, device, prof)
    assert out.root is not None
    return out.root


def to_xml(device: Device, profile: Profile = "enriched") -> str:
    """The device as libvirt node-device XML (indented, no XML declaration)."""
    prof = _check_profile(profile)
    out = TextOut()
    try:
        _emit_device(out, device, prof)
    except NeedsTree:
        # Verbatim XML inside: lay the tree out with lxml itself.
        return serialize(to_element(device, prof))
    return out.getvalue()


def emit_device(out: Out, device: Device, profile: Profile = "enriched") -> None:
    """Write ``device`` in ``profile`` to ``out``, as ``to_element`` and ``to_xml`` do (the
    JSON view builds its objects from the same calls)."""
    _emit_device(out, device, _check_profile(profile))


def serialize(root: El) -> str:
    """An element as this library prints documents: indented two spaces, a final newline."""
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


def _emit_device(out: Out, device: Device, profile: Profile) -> None:
    out.open("device")
    if device.name:
        out.leaf("name", device.name)
    if device.path is not None:
        out.leaf("path", device.path)
    for kind, node in device.devnodes:
        out.leaf("devnode", node, {"type": kind})
    if device.parent is not None:
        emit_parent(out, device.parent)
    if device.driver is not None:
        out.open("driver")
        out.leaf("name", device.driver)
        out.close()
    for cap in device.capabilities:
        _emit_cap(out, cap, profile)
    for raw in device.extra:
        out.raw(raw)
    out.close()


def emit_parent(out: Out, p: Parent) -> None:
    """``<parent>``: the name as text, the WWNs as attributes."""
    attrs: dict[str, str] = {}
    if p.wwnn is not None:
        attrs["wwnn"] = str(p.wwnn)
    if p.wwpn is not None:
        attrs["wwpn"] = str(p.wwpn)
    if p.fabric_wwn is not None:
        attrs["fabric_wwn"] = str(p.fabric_wwn)
    out.leaf("parent", p.name, attrs)


def _emit_cap(out: Out, cap: Capability, profile: Profile) -> None:
    if isinstance(cap, ScsiHost):
        codec.emit_scsi_host(out, cap, profile)
    elif isinstance(cap, ScsiTarget):
        codec.emit_scsi_target(out, cap, profile)
    elif isinstance(cap, ScsiDevice):
        codec.emit_scsi(out, cap, profile)
    elif isinstance(cap, PCI):
        codec.emit_pci(out, cap, profile)
    else:
        codec.emit_raw(out, cap, profile)


def from_element(root: El) -> Device:
    """The Device of a parsed ``<device>`` element."""
    if root.tag != "device":
        raise codec.fail(root, f"root element is <{codec.tag_of(root)}>; expected <device>")
    name = ""
    path = None
    parent = None
    driver = None
    devnodes: list[tuple[str, str]] = []
    caps: list[Capability] = []
    extra: list[str] = []
    for el in root:
        if not isinstance(el.tag, str):
            continue  # comments, processing instructions
        text = (el.text or "").strip()
        if el.tag == "name":
            name = text
        elif el.tag == "path":
            path = text
        elif el.tag == "devnode":
            devnodes.append((el.get("type", ""), text))
        elif el.tag == "parent":
            parent = parse_parent(el)
        elif el.tag == "driver":
            if len(el) == 1 and el[0].tag == "name":
                driver = (el[0].text or "").strip()
            else:
                extra.append(codec._raw(el))
        elif el.tag == "capability":
            caps.append(_parse_cap(el))
        else:
            extra.append(codec._raw(el))
    if not name:  # libvirt's parser refuses it too ("no device name"); a create request has none
        raise codec.fail(root, "<device> lacks <name>; expected the node-device name")
    if not caps:
        raise codec.fail(root, "<device> has no <capability>; expected at least one")
    return Device(name=name, capabilities=tuple(caps), path=path, parent=parent,
                  driver=driver, devnodes=tuple(devnodes), extra=tuple(extra))  # fmt: skip


def parse_parent(el: El) -> Parent:
    """The :class:`Parent` of a ``<parent>`` element; :class:`XMLInputError` for a
    malformed WWN or half a WWNN/WWPN pair."""
    text = (el.text or "").strip()

    def wwn(attr: str) -> WWN | None:
        return codec.opt_attr(el, attr, WWN.parse_strict, codec.WWN_WHAT)

    wwnn, wwpn = wwn("wwnn"), wwn("wwpn")
    if (wwnn is None) != (wwpn is None):
        raise codec.fail(el, "<parent> has only one of wwnn and wwpn; expected both")
    return Parent(name=text or None, wwnn=wwnn, wwpn=wwpn, fabric_wwn=wwn("fabric_wwn"))


def _parse_cap(el: El) -> Capability:
    kind = el.get("type")
    if not kind:
        raise codec.fail(el, "<capability> lacks its type attribute")
    if kind == "scsi_host":
        return codec.parse_scsi_host(el)
    if kind == "scsi_target":
        return codec.parse_scsi_target(el)
    if kind == "scsi":
        return codec.parse_scsi(el)
    if kind == "pci":
        return codec.parse_pci(el)
    return RawCapability(type=kind, xml=codec._raw(el))


@overload
def from_xml(
    data: str | bytes, *, kind: Literal["device"] = "device", source: str = "<string>"
) -> Device: ...
@overload
def from_xml(
    data: str | bytes, *, kind: Literal["create"], source: str = "<string>"
) -> CreateRequest: ...
@overload
def from_xml(
    data: str | bytes, *, kind: str, source: str = "<string>"
) -> Device | CreateRequest: ...
def from_xml(
    data: str | bytes, *, kind: str = "device", source: str = "<string>"
) -> Device | CreateRequest:
    """Parse a node-device document of ``kind`` (one of ``DOCUMENT_KINDS``).

    ``device`` (the default): a node device as libvirt prints or accepts it, or
    as this library prints it; a document without ``<name>`` or a ``scsi_host``
    without ``<host>`` is refused, as libvirt refuses them for an existing
    device.  ``create``: the document ``virsh nodedev-create`` takes, read as a
    :class:`CreateRequest` (see :func:`~nodedev_xml.xml.create.create_request_from_xml`).

    Raises :class:`XMLInputError` naming ``source`` and the line, and
    ``ValueError`` for an unknown ``kind``.
    """
    from .safe import parse_xml

    if kind not in DOCUMENT_KINDS:
        expected = " or ".join(repr(k) for k in DOCUMENT_KINDS)
        raise ValueError(f"unknown document kind {kind!r}: expected {expected}")
    root = parse_xml(data, source=source)
    try:
        if kind == "create":
            from .create import create_request_from_element

            return create_request_from_element(root)
        return from_element(root)
    except XMLInputError as e:
        if e.source == "<string>" and source != "<string>":
            raise XMLInputError(e.message, source=source, line=e.line) from None
        raise
