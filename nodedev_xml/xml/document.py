"""Whole ``<device>`` documents: models to XML and back.

A document is read as one of the kinds of :data:`~nodedev_xml.vocabulary.DOCUMENT_KINDS`,
named by the caller as libvirt's parser is told whether it reads a device or a
create request: ``device`` gives a :class:`~nodedev_xml.model.Device`,
``create`` a :class:`~nodedev_xml.model.CreateRequest` (``xml/create.py``).
"""

from __future__ import annotations

from typing import Literal, overload

from lxml import etree

from ..model import Capability, CreateRequest, Device
from ..vocabulary import DOCUMENT_KINDS, Profile
from ..vocabulary import check_profile as _check_profile
from . import codec
from .create import create_request_from_element
from .out import El, NeedsTree, Out, TextOut, TreeOut
from .parent import emit_parent, parse_parent
from .safe import parse_with


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
        codec.emit_capability(out, cap, profile)
    for raw in device.extra:
        out.raw(raw)
    out.close()


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
                extra.append(codec.verbatim(el))
        elif el.tag == "capability":
            caps.append(codec.parse_capability(el))
        else:
            extra.append(codec.verbatim(el))
    if not name:  # libvirt's parser refuses it too ("no device name"); a create request has none
        raise codec.fail(root, "<device> lacks <name>; expected the node-device name")
    if not caps:
        raise codec.fail(root, "<device> has no <capability>; expected at least one")
    return Device(name=name, capabilities=tuple(caps), path=path, parent=parent,
                  driver=driver, devnodes=tuple(devnodes), extra=tuple(extra))  # fmt: skip


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
    if kind not in DOCUMENT_KINDS:
        expected = " or ".join(repr(k) for k in DOCUMENT_KINDS)
        raise ValueError(f"unknown document kind {kind!r}: expected {expected}")
    if kind == "create":
        return parse_with(data, create_request_from_element, source=source)
    return parse_with(data, from_element, source=source)
