"""The XML mapping of each capability, both directions side by side.

Every ``emit_*`` has its ``parse_*`` right below it, so a field added to one is
visibly missing from the other.  Emitters take the profile: the ``libvirt``
profile is what libvirt's node-device driver prints, ``enriched`` adds the RFC's
enrichment.  Parsers raise :class:`XMLInputError` naming the line.

:data:`CAPABILITIES`, at the end, is the one table of the capabilities (model
class, and through it the type name; emit; parse), as libvirt's
``VIR_ENUM_IMPL(virNodeDevCap, ...)``: the document's capabilities
(:func:`emit_capability`, :func:`parse_capability`) and the ones nested in them
(:func:`emit_all_nested`, :func:`emit_nested`, :func:`nested_row`) are chosen
there, once each way.

Emitters write to an :class:`~nodedev_xml.xml.out.Out` (``xml/out.py``): lxml
elements or the printed text directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args

from lxml import etree

from ..errors import NodedevXmlError, XMLInputError
from ..model import (
    CCW,
    CSS,
    DRM,
    PCI,
    Adapter,
    APCard,
    APMatrix,
    APQueue,
    Capability,
    CCWAddress,
    FCHost,
    FCRemotePort,
    IOMMUGroup,
    Mdev,
    MdevType,
    MdevTypes,
    Net,
    NetLink,
    PCIELink,
    PCIExpress,
    PCIVpd,
    PhysHBA,
    RawCapability,
    Removable,
    ScsiDevice,
    ScsiGeneric,
    ScsiHost,
    ScsiTarget,
    Storage,
    System,
    UsbDevice,
    UsbInterface,
    VirtFunctions,
    VpdField,
    VpdReadOnly,
    VpdReadWrite,
    Vport,
    VportOps,
    Vports,
)
from ..pciaddr import PCIAddress
from ..vocabulary import PROFILES, Profile
from ..wwn import WWN
from .out import El, Out, TreeOut

T = TypeVar("T")
C = TypeVar("C")

# -- shared helpers ----------------------------------------------------------


def tag_of(el: El) -> str:
    """The element's name (comments and PIs have none: empty string)."""
    return el.tag if isinstance(el.tag, str) else ""


def source_of(el: El) -> str:
    url = el.getroottree().docinfo.URL
    return url if url else "<string>"


def fail(el: El, message: str) -> XMLInputError:
    return XMLInputError(message, source=source_of(el), line=el.sourceline)


def convert(el: El, text: str | None, conv: Callable[[str], T], what: str) -> T:
    if text is None:
        raise fail(el, f"<{tag_of(el)}> is empty; expected {what}")
    try:
        return conv(text.strip())
    except (ValueError, NodedevXmlError):
        raise fail(el, f"<{tag_of(el)}> has {text.strip()!r}; expected {what}") from None


def child_text(el: El, tag: str) -> tuple[El, str] | None:
    c = el.find(tag)
    if c is None:
        return None
    return c, (c.text or "").strip()


def opt_value(el: El, tag: str, conv: Callable[[str], T], what: str) -> T | None:
    found = child_text(el, tag)
    if found is None:
        return None
    return convert(found[0], found[1], conv, what)


def req_value(el: El, tag: str, conv: Callable[[str], T], what: str) -> T:
    found = child_text(el, tag)
    if found is None:
        raise fail(el, f"<{tag_of(el)}> lacks <{tag}>; expected {what}")
    return convert(found[0], found[1], conv, what)


def opt_attr(el: El, name: str, conv: Callable[[str], T], what: str) -> T | None:
    raw = el.get(name)
    if raw is None:
        return None
    try:
        return conv(raw.strip())
    except (ValueError, NodedevXmlError):
        raise fail(el, f"{name}={raw!r} on <{tag_of(el)}>; expected {what}") from None


def opt_text(el: El, tag: str) -> str | None:
    found = child_text(el, tag)
    return found[1] if found is not None and found[1] else None


# The parse_*_text converters read XML text (already stripped); they are
# lenient where libvirt's parser is, unlike the sysfs converters of the same
# quantities (nodedev_xml/sysfs/values.py), which check the kernel's format.


def parse_uint_text(text: str) -> int:
    """Decimal digits, any number of them; :class:`ValueError` for anything else."""
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def parse_number_text(text: str) -> int:
    """Decimal, or hexadecimal with ``0x``, or bare hex digits that are no decimal
    number (libvirt's PCI address types allow all three); :class:`ValueError` else."""
    if text[:2] in ("0x", "0X") or (not text.isdigit() and _HEX_DIGITS.fullmatch(text)):
        return parse_hex_text(text)
    return parse_uint_text(text)


def parse_hex_text(text: str) -> int:
    """Up to 16 hexadecimal digits, ``0x`` optional (libvirt's ``hexuint``);
    :class:`ValueError` for anything else."""
    digits = text[2:] if text[:2] in ("0x", "0X") else text
    if not _HEX_DIGITS.fullmatch(digits):
        raise ValueError(text)
    return int(digits, 16)


WWN_WHAT = "a WWN of 16 hex digits"
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]{1,16}")

# -- fc_host -----------------------------------------------------------------


def _text_or_none(text: str) -> str | None:
    """Free text; an empty element is no value."""
    return text or None


@dataclass(frozen=True, slots=True)
class Field(Generic[T]):
    """How one optional child element of a capability maps to a model field.

    ``tag`` is the element and the model attribute; ``to_text`` prints a
    value (``None``: leave the element out); ``from_text`` reads the element's
    stripped text (``None``: no value), raising :class:`ValueError` for text
    that is not ``what``; ``profile`` is the one profile that prints the
    element, ``None`` for both.  A missing element, or a ``None`` in the
    model, is no element and no value.
    """

    tag: str
    to_text: Callable[[T], str | None] = str
    from_text: Callable[[str], T | None] = _text_or_none  # type: ignore[assignment]
    what: str = "text"
    profile: Profile | None = None

    def emit(self, out: Out, cap: object) -> None:
        """Write the element of ``cap``'s value, if it has one (whatever the profile)."""
        value = getattr(cap, self.tag)
        text = None if value is None else self.to_text(value)
        if text is not None:
            out.leaf(self.tag, text)

    def parse(self, el: El) -> T | None:
        """The value of the ``tag`` child of ``el``; :class:`XMLInputError` naming the line."""
        return opt_value(el, self.tag, self.from_text, self.what)


def _fabric_text(wwn: WWN) -> str | None:
    return str(wwn) if wwn.is_fabric else None


def _fabric_wwn(text: str) -> WWN | None:
    return _on_fabric(WWN.parse_strict(text))


#: ``fc_host``'s children after ``wwnn`` and ``wwpn``, in document order: one
#: declaration each serves :func:`emit_fc_host` and :func:`parse_fc_host`, and the
#: enrichment (``enrich``/``strip``) copies or removes the ``enriched`` ones.
FC_HOST_FIELDS: tuple[Field[Any], ...] = (
    Field("fabric_wwn", _fabric_text, _fabric_wwn, WWN_WHAT),
    Field("port_state", profile="enriched"),
    Field("port_type", profile="enriched"),
    Field("port_id", "0x{:06x}".format, parse_hex_text, "a port id like 0x010200", "enriched"),
    Field("speed", profile="enriched"),
    Field("symbolic_name", profile="enriched"),
)
#: The ``fc_host`` children only the ``enriched`` profile prints, in document order.
ENRICHED_FC_HOST_FIELDS = tuple(f.tag for f in FC_HOST_FIELDS if f.profile == "enriched")
_FC_HOST_PRINTED: dict[str, tuple[Field[Any], ...]] = {
    p: tuple(f for f in FC_HOST_FIELDS if f.profile in (None, p)) for p in PROFILES
}


def emit_fc_host(out: Out, cap: FCHost, profile: Profile) -> None:
    out.cap("fc_host")
    out.leaf("wwnn", str(cap.wwnn))
    out.leaf("wwpn", str(cap.wwpn))
    for field in _FC_HOST_PRINTED[profile]:
        field.emit(out, cap)
    out.close()


def parse_fc_host(el: El) -> FCHost:
    wwnn = opt_value(el, "wwnn", WWN.parse_strict, WWN_WHAT)
    wwpn = opt_value(el, "wwpn", WWN.parse_strict, WWN_WHAT)
    if wwnn is None and wwpn is None:
        # libvirt's parser would make names up here; only a create document may leave them out
        raise fail(el, "fc_host lacks <wwnn> and <wwpn>; expected both in a device document")
    if wwnn is None or wwpn is None:
        raise fail(el, "fc_host has only one of <wwnn> and <wwpn>; expected both")
    return FCHost(wwnn=wwnn, wwpn=wwpn, **{f.tag: f.parse(el) for f in FC_HOST_FIELDS})


# -- vport_ops ---------------------------------------------------------------


def emit_vport_ops(out: Out, cap: VportOps, profile: Profile) -> None:
    out.cap("vport_ops")
    out.leaf("max_vports", str(cap.max_vports))
    out.leaf("vports", str(cap.vports))
    out.close()


def parse_vport_ops(el: El) -> VportOps:
    return VportOps(
        max_vports=opt_value(el, "max_vports", parse_uint_text, "a number") or 0,
        vports=opt_value(el, "vports", parse_uint_text, "a number") or 0,
    )


# -- vports (enriched) -------------------------------------------------------


def emit_vports(out: Out, cap: Vports, profile: Profile) -> None:
    if profile != "enriched":
        return
    out.cap("vports", None if cap.max_count is None else {"maxCount": str(cap.max_count)})
    for v in cap.vports:
        a: dict[str, str] = {}
        if v.name is not None:
            a["name"] = v.name
        if v.wwnn is not None:
            a["wwnn"] = str(v.wwnn)
        if v.wwpn is not None:
            a["wwpn"] = str(v.wwpn)
        if v.state is not None:
            a["state"] = v.state
        out.leaf("vport", None, a)
    out.close()


def parse_vports(el: El) -> Vports:
    entries = []
    for v in el.iterfind("vport"):
        entries.append(
            Vport(
                name=v.get("name"),
                wwnn=opt_attr(v, "wwnn", WWN.parse_strict, WWN_WHAT),
                wwpn=opt_attr(v, "wwpn", WWN.parse_strict, WWN_WHAT),
                state=v.get("state"),
            )
        )
    max_count = opt_attr(el, "maxCount", parse_uint_text, "a number")
    return Vports(max_count=max_count, vports=tuple(entries))


# -- phys_hba (enriched) -----------------------------------------------------


def emit_phys_hba(out: Out, cap: PhysHBA, profile: Profile) -> None:
    if profile != "enriched":
        return
    out.cap("phys_hba")
    a = {"name": cap.name}
    if cap.wwnn is not None:
        a["wwnn"] = str(cap.wwnn)
    if cap.wwpn is not None:
        a["wwpn"] = str(cap.wwpn)
    out.leaf("hba", None, a)
    out.close()


def parse_phys_hba(el: El) -> PhysHBA:
    hba = el.find("hba")
    if hba is None or not hba.get("name"):
        raise fail(el, "phys_hba lacks <hba name='…'>")
    return PhysHBA(
        name=hba.get("name", ""),
        wwnn=opt_attr(hba, "wwnn", WWN.parse_strict, WWN_WHAT),
        wwpn=opt_attr(hba, "wwpn", WWN.parse_strict, WWN_WHAT),
    )


# -- adapter (enriched) ------------------------------------------------------


def emit_adapter(out: Out, cap: Adapter, profile: Profile) -> None:
    if profile != "enriched" or cap.is_empty():
        return
    out.open("adapter")
    if cap.vendor_id is not None:
        out.leaf("vendor", cap.vendor_name, {"id": f"0x{cap.vendor_id:04x}"})
    if cap.product_id is not None:
        out.leaf("product", cap.product_name, {"id": f"0x{cap.product_id:04x}"})
    if cap.model is not None:
        out.leaf("model", cap.model)
    if cap.address is not None:
        out.leaf("address", None, cap.address.attrs())
    out.close()


def parse_adapter(el: El) -> Adapter:
    vendor = el.find("vendor")
    product = el.find("product")
    address = el.find("address")
    return Adapter(
        vendor_id=_id_of(vendor),
        vendor_name=_name_of(vendor),
        product_id=_id_of(product),
        product_name=_name_of(product),
        model=opt_text(el, "model"),
        address=parse_address(address) if address is not None else None,
    )


def _on_fabric(wwn: WWN | None) -> WWN | None:
    """The drivers' "no fabric" values (0, all ones) are no fabric name."""
    return wwn if wwn is not None and wwn.is_fabric else None


def _nonempty(adapter: Adapter) -> Adapter | None:
    return None if adapter.is_empty() else adapter


def _id_of(el: El | None) -> int | None:
    return opt_attr(el, "id", parse_hex_text, "an id like 0x1077") if el is not None else None


def _name_of(el: El | None) -> str | None:
    return (el.text or "").strip() or None if el is not None else None


def parse_address(el: El) -> PCIAddress:
    try:
        return PCIAddress(*(parse_number_text((el.get(k) or "").strip()) for k in _ADDR_KEYS))
    except (ValueError, NodedevXmlError):
        raise fail(el, "<address> expected domain, bus, slot and function numbers") from None


_ADDR_KEYS = ("domain", "bus", "slot", "function")

# -- scsi_host ---------------------------------------------------------------


def emit_scsi_host(out: Out, cap: ScsiHost, profile: Profile) -> None:
    out.cap("scsi_host")
    out.leaf("host", str(cap.host))
    if cap.unique_id is not None:
        out.leaf("unique_id", str(cap.unique_id))
    emit_all_nested(out, cap, profile)
    if cap.adapter is not None:
        emit_adapter(out, cap.adapter, profile)
    out.close()


def parse_scsi_host(el: El) -> ScsiHost:
    if el.find("host") is None:  # libvirt's parser wants it too, but in a create document
        raise fail(el, "scsi_host lacks <host>; expected its host number")
    nested: dict[str, Any] = {}
    for c in el.iterfind("capability"):
        kind = c.get("type")
        row = nested_row(ScsiHost, kind)
        if row is None:
            expected = ", ".join(ScsiHost.nested[:-1]) + " or " + ScsiHost.nested[-1]
            raise fail(c, f"unknown scsi_host capability type {kind!r}; expected {expected}")
        nested[row.type] = row.parse(c)
    adapter = el.find("adapter")
    return ScsiHost(
        host=req_value(el, "host", parse_uint_text, "a host number"),
        unique_id=opt_value(el, "unique_id", parse_uint_text, "a number"),
        adapter=_nonempty(parse_adapter(adapter)) if adapter is not None else None,
        **nested,
    )


# -- scsi_target -------------------------------------------------------------


def emit_scsi_target(out: Out, cap: ScsiTarget, profile: Profile) -> None:
    out.cap("scsi_target")
    out.leaf("target", cap.target)
    emit_all_nested(out, cap, profile)
    out.close()


def parse_scsi_target(el: El) -> ScsiTarget:
    target = opt_text(el, "target")
    if target is None:
        raise fail(el, "scsi_target lacks <target>")
    nested: dict[str, Any] = {}
    for c in el.iterfind("capability"):
        row = nested_row(ScsiTarget, c.get("type"))
        if row is None:
            raise fail(c, f"unknown scsi_target capability type {c.get('type')!r}")
        nested[row.type] = row.parse(c)
    return ScsiTarget(target=target, **nested)


# -- fc_remote_port (inside scsi_target) -------------------------------------


def emit_fc_remote_port(out: Out, cap: FCRemotePort, profile: Profile) -> None:
    out.cap("fc_remote_port")
    out.leaf("rport", cap.rport)
    out.leaf("wwpn", "0x" + str(cap.wwpn))
    out.close()


def parse_fc_remote_port(el: El) -> FCRemotePort:
    name = opt_text(el, "rport")
    if name is None:
        raise fail(el, "fc_remote_port lacks <rport>")
    return FCRemotePort(rport=name, wwpn=req_value(el, "wwpn", WWN.parse_strict, WWN_WHAT))


# -- scsi (a LUN) ------------------------------------------------------------

_SCSI_ADDRESS = ("host", "bus", "target", "lun")
#: ``scsi``'s children after its address, in document order: libvirt's ``type``,
#: then the device's inquiry data, block device and identity (WWID, serial,
#: by-id link, multipath map, remote port), which only the ``enriched`` profile
#: prints.
SCSI_FIELDS: tuple[Field[Any], ...] = (
    Field("type"),
    Field("vendor", profile="enriched"),
    Field("model", profile="enriched"),
    Field("revision", profile="enriched"),
    Field("block", profile="enriched"),
    Field("size", str, parse_uint_text, "a size in bytes", "enriched"),
    Field("wwid", profile="enriched"),
    Field("serial", profile="enriched"),
    Field("by_id", profile="enriched"),
    Field("multipath", profile="enriched"),
    Field("multipath_uuid", profile="enriched"),
    Field("remote_wwpn", str, WWN.parse_strict, WWN_WHAT, "enriched"),
)
#: The ``scsi`` children only the ``enriched`` profile prints, in document order.
ENRICHED_SCSI_FIELDS = tuple(f.tag for f in SCSI_FIELDS if f.profile == "enriched")
_SCSI_PRINTED: dict[str, tuple[Field[Any], ...]] = {
    p: tuple(f for f in SCSI_FIELDS if f.profile in (None, p)) for p in PROFILES
}


def emit_scsi(out: Out, cap: ScsiDevice, profile: Profile) -> None:
    out.cap("scsi")
    for tag in _SCSI_ADDRESS:
        out.leaf(tag, str(getattr(cap, tag)))
    for field in _SCSI_PRINTED[profile]:
        field.emit(out, cap)
    out.close()


def parse_scsi(el: El) -> ScsiDevice:
    host, bus, target, lun = (req_value(el, tag, parse_uint_text, "a number")
                              for tag in _SCSI_ADDRESS)  # fmt: skip
    return ScsiDevice(host, bus, target, lun, **{f.tag: f.parse(el) for f in SCSI_FIELDS})


# -- pci ---------------------------------------------------------------------


def emit_pci(out: Out, cap: PCI, profile: Profile) -> None:
    out.cap("pci")
    if cap.class_code is not None:
        out.leaf("class", f"0x{cap.class_code:06x}")
    a = cap.address
    for tag, value in (("domain", a.domain), ("bus", a.bus), ("slot", a.slot),
                       ("function", a.function)):  # fmt: skip
        out.leaf(tag, str(value))
    if cap.product_id is not None:
        out.leaf("product", cap.product_name, {"id": f"0x{cap.product_id:04x}"})
    if cap.vendor_id is not None:
        out.leaf("vendor", cap.vendor_name, {"id": f"0x{cap.vendor_id:04x}"})
    if cap.phys_function is not None:
        out.cap("phys_function")
        out.leaf("address", None, cap.phys_function.attrs())
        out.close()
    # Printed whenever the model has it, as libvirt does; the scanner is what
    # keeps it off virtual functions (they have no sriov_totalvfs).
    emit_nested(out, cap, "virt_functions", profile)
    if cap.bridge is not None:
        out.cap(cap.bridge)
        out.close()
    emit_nested(out, cap, "mdev_types", profile)
    for raw in cap.extra:
        out.raw(raw)
    emit_nested(out, cap, "vpd", profile)
    if cap.iommu_group is not None:
        out.open("iommuGroup", {"number": str(cap.iommu_group.number)})
        for addr in cap.iommu_group.addresses:
            out.leaf("address", None, addr.attrs())
        out.close()
    if cap.numa_node is not None:
        out.leaf("numa", None, {"node": str(cap.numa_node)})
    if cap.pci_express is not None:
        out.open("pci-express")
        for link in cap.pci_express.links:
            attrs = {"validity": link.validity}
            if link.port is not None:
                attrs["port"] = str(link.port)
            if link.speed is not None:
                attrs["speed"] = link.speed
            attrs["width"] = str(link.width)
            out.leaf("link", None, attrs)
        out.close()
    out.close()


def parse_pci(el: El) -> PCI:
    address = PCIAddress(
        *(req_value(el, k, parse_number_text, "a number") for k in _ADDR_KEYS)
    )  # fmt: skip
    phys_function = bridge = iommu_group = numa_node = pci_express = None
    nested: dict[str, Any] = {}
    extra: list[str] = []
    for c in el:
        if not isinstance(c.tag, str) or c.tag in (*_ADDR_KEYS, "class", "product", "vendor"):
            continue
        kind = c.get("type") if c.tag == "capability" else None
        row = nested_row(PCI, kind)
        parsed = row.parse(c) if row is not None else None
        if isinstance(parsed, RawCapability):
            extra.append(parsed.xml)  # a layout the model does not hold
        elif row is not None:
            nested[row.type] = parsed
        elif kind in _BRIDGES:
            bridge = kind
        elif c.tag == "iommuGroup":
            number = opt_attr(c, "number", parse_uint_text, "a group number")
            if number is None:
                raise fail(c, "<iommuGroup> lacks number; expected the IOMMU group number")
            iommu_group = IOMMUGroup(number, tuple(parse_address(a) for a in c.iterfind("address")))
        elif c.tag == "numa":
            # libvirt's parser takes a missing node as -1, which it does not print
            numa_node = opt_attr(c, "node", _parse_int_text, "a NUMA node number")
        elif c.tag == "pci-express":
            pci_express = PCIExpress(tuple(_parse_link(link) for link in c.iterfind("link")))
        elif kind == "phys_function":
            addr = c.find("address")
            if addr is None:  # libvirt's parser refuses this too
                raise fail(c, "phys_function lacks the <address> of the physical function")
            phys_function = parse_address(addr)
        else:
            extra.append(verbatim(c))
    product = el.find("product")
    vendor = el.find("vendor")
    return PCI(
        address=address,
        class_code=opt_value(el, "class", parse_hex_text, "a class code like 0x0c0400"),
        product_id=_id_of(product),
        product_name=_name_of(product),
        vendor_id=_id_of(vendor),
        vendor_name=_name_of(vendor),
        phys_function=phys_function,
        bridge=bridge,
        iommu_group=iommu_group,
        numa_node=numa_node if numa_node is None or numa_node >= 0 else None,
        pci_express=pci_express,
        extra=tuple(extra),
        **nested,
    )


# -- mdev_types (inside pci) -------------------------------------------------


def emit_mdev_types(out: Out, cap: MdevTypes, profile: Profile) -> None:
    out.cap("mdev_types")
    for t in cap.types:
        out.open("type", {"id": t.id})
        if t.name is not None:
            out.leaf("name", t.name)
        out.leaf("deviceAPI", t.device_api)
        out.leaf("availableInstances", str(t.available_instances))
        out.close()
    out.close()


def parse_mdev_types(el: El) -> MdevTypes | RawCapability:
    return modelled_or_raw(el, _parse_mdev_types, emit_mdev_types)


def _parse_mdev_types(el: El) -> MdevTypes:
    types = []
    for t in el.iterfind("type"):
        api = opt_text(t, "deviceAPI")
        if api is None or not t.get("id"):
            raise fail(t, "an mdev type lacks its id or <deviceAPI>")
        count = req_value(t, "availableInstances", parse_uint_text, "a number")
        types.append(MdevType(str(t.get("id")), api, count, opt_text(t, "name")))
    return MdevTypes(tuple(types))


# -- virt_functions (inside pci) ---------------------------------------------


def emit_virt_functions(out: Out, cap: VirtFunctions, profile: Profile) -> None:
    out.cap("virt_functions", {"maxCount": str(cap.max_count)} if cap.max_count else None)
    for addr in cap.addresses:
        out.leaf("address", None, addr.attrs())
    out.close()


def parse_virt_functions(el: El) -> VirtFunctions:
    return VirtFunctions(
        # 0: not printed
        max_count=opt_attr(el, "maxCount", parse_uint_text, "a number") or None,
        addresses=tuple(parse_address(a) for a in el.iterfind("address")),
    )


# -- vpd (inside pci) --------------------------------------------------------


def emit_vpd(out: Out, vpd: PCIVpd, profile: Profile) -> None:
    out.cap("vpd")
    out.leaf("name", vpd.name)
    if vpd.readonly is not None:
        ro = vpd.readonly
        out.open("fields", {"access": "readonly"})
        for tag in _VPD_READ_ONLY:
            value = getattr(ro, tag)
            if value is not None:
                out.leaf(tag, value)
        _emit_vpd_fields(out, "vendor_field", ro.vendor_fields)
        out.close()
    if vpd.readwrite is not None:
        rw = vpd.readwrite
        out.open("fields", {"access": "readwrite"})
        if rw.asset_tag is not None:
            out.leaf("asset_tag", rw.asset_tag)
        _emit_vpd_fields(out, "vendor_field", rw.vendor_fields)
        _emit_vpd_fields(out, "system_field", rw.system_fields)
        out.close()
    out.close()


def parse_vpd(el: El) -> PCIVpd:
    name = el.find("name")
    if name is None:
        raise fail(el, "vpd lacks <name>; expected the VPD's identifier string")
    readonly = readwrite = None
    for f in el.iterfind("fields"):
        access = f.get("access")
        if access == "readonly":
            readonly = VpdReadOnly(
                **{tag: _vpd_text(c) for tag in _VPD_READ_ONLY if (c := f.find(tag)) is not None},
                vendor_fields=_parse_vpd_fields(f, "vendor_field"),
            )
        elif access == "readwrite":
            asset = f.find("asset_tag")
            readwrite = VpdReadWrite(
                asset_tag=_vpd_text(asset) if asset is not None else None,
                vendor_fields=_parse_vpd_fields(f, "vendor_field"),
                system_fields=_parse_vpd_fields(f, "system_field"),
            )
        else:
            raise fail(f, f"<fields> has access={access!r}; expected readonly or readwrite")
    return PCIVpd(name=_vpd_text(name), readonly=readonly, readwrite=readwrite)


_VPD_READ_ONLY = ("change_level", "manufacture_id", "part_number", "serial_number")


def _emit_vpd_fields(out: Out, tag: str, fields: tuple[VpdField, ...]) -> None:
    for f in fields:
        out.leaf(tag, f.value, {"index": f.index})


def _parse_vpd_fields(el: El, tag: str) -> tuple[VpdField, ...]:
    out = []
    for c in el.iterfind(tag):
        index = c.get("index")
        if index is None or len(index.strip()) != 1:
            raise fail(c, f"<{tag}> has index={index!r}; expected one character")
        out.append(VpdField(index.strip(), _vpd_text(c)))
    return tuple(out)


def _vpd_text(el: El) -> str:
    """VPD text never has blanks around it (the scan strips them, as libvirt does);
    an empty element is an empty value."""
    return (el.text or "").strip()


_BRIDGES = ("pci-bridge", "cardbus-bridge")
_LINK_VALIDITY = ("cap", "sta")
_LINK_SPEED = re.compile(r"[0-9]+(.[0-9]+)?")  # the grammar's pattern, its dot unescaped


def _parse_link(el: El) -> PCIELink:
    validity = el.get("validity")
    if validity not in _LINK_VALIDITY:
        raise fail(el, f"<link> has validity={validity!r}; expected 'cap' or 'sta'")
    width = opt_attr(el, "width", parse_uint_text, "a number of lanes")
    if width is None:
        raise fail(el, "<link> lacks width; expected the number of lanes")
    return PCIELink(
        validity=validity,
        width=width,
        speed=opt_attr(el, "speed", _parse_speed_text, "a speed in GT/s like 2.5 or 8"),
        port=opt_attr(el, "port", parse_uint_text, "a port number"),
    )


def _parse_speed_text(text: str) -> str:
    if not _LINK_SPEED.fullmatch(text):
        raise ValueError(text)
    return text


def _parse_int_text(text: str) -> int:
    """A decimal int, sign allowed (libvirt's ``numa node`` is an int)."""
    digits = text[1:] if text[:1] in ("-", "+") else text
    if not digits.isdigit():
        raise ValueError(text)
    return int(text)


# -- system (the computer) ----------------------------------------------------

#: ``hardware`` and ``firmware`` of a ``system`` capability: (element, field), in order.
_SYSTEM_GROUPS: dict[str, tuple[tuple[str, str], ...]] = {
    "hardware": (("vendor", "hardware_vendor"), ("version", "hardware_version"),
                 ("serial", "hardware_serial"), ("uuid", "uuid")),
    "firmware": (("vendor", "firmware_vendor"), ("version", "firmware_version"),
                 ("release_date", "firmware_release_date")),
}  # fmt: skip


def emit_system(out: Out, cap: System, profile: Profile) -> None:
    """``product``, then ``hardware`` and ``firmware`` (both always, as libvirt prints)."""
    out.cap("system")
    if cap.product is not None:
        out.leaf("product", cap.product)
    for group, fields in _SYSTEM_GROUPS.items():
        out.open(group)
        for tag, name in fields:
            value = getattr(cap, name)
            if value is not None:
                out.leaf(tag, value)
        out.close()
    out.close()


def parse_system(el: El) -> System | RawCapability:
    """The :class:`System` of a ``system`` capability laid out as :func:`emit_system`
    prints one; any other layout (more elements, attributes, no ``uuid``) is kept
    verbatim, as a :class:`RawCapability`, so that nothing of it is lost."""
    found: dict[str, str | None] = {}
    groups = [c for c in el if isinstance(c.tag, str)]
    product = groups.pop(0) if groups and groups[0].tag == "product" else None
    if product is not None:
        found["product"] = _system_text(product)
    shape_ok = [g.tag for g in groups] == list(_SYSTEM_GROUPS) and len(el.attrib) == 1
    for group in groups if shape_ok else ():
        known = dict(_SYSTEM_GROUPS[str(group.tag)])
        for child in group:
            if not isinstance(child.tag, str):
                continue
            name = known.get(str(child.tag))
            if name is None or name in found or child.attrib or len(child):
                shape_ok = False
                break
            found[name] = _system_text(child)
        shape_ok = shape_ok and not group.attrib and not (group.text or "").strip()
    uuid = found.pop("uuid", None)
    if not shape_ok or uuid is None or None in found.values() or (
        product is not None and (product.attrib or len(product))
    ):
        return RawCapability(type="system", xml=verbatim(el))
    return System(uuid=uuid, **found)


def _system_text(el: El) -> str | None:
    # as printed: a DMI string keeps its padding
    return el.text or None


# -- usb_device, usb ---------------------------------------------------------


def modelled_or_raw(
    el: El, parse: Callable[[El], C], emit: Callable[[Out, C, Profile], None]
) -> C | RawCapability:
    """``parse(el)`` when printing it gives ``el`` back (canonically, indentation
    aside); else ``el`` kept verbatim, so that nothing of a layout the model does
    not hold (an element more, a value spelled otherwise) is lost."""
    try:
        cap = parse(el)
    except XMLInputError:
        return RawCapability(type=el.get("type", ""), xml=verbatim(el))
    out = TreeOut()
    emit(out, cap, "libvirt")
    assert out.root is not None
    if _canonical(out.root) != _canonical(el):
        return RawCapability(type=el.get("type", ""), xml=verbatim(el))
    return cap


def _canonical(el: El) -> bytes:
    copy = etree.fromstring(verbatim(el))
    for n in copy.iter():
        # indentation; a capability holds no text (an empty one, ap_matrix's, may be
        # printed open and closed on two lines)
        if n.text is not None and not n.text.strip() and (len(n) or n.tag == "capability"):
            n.text = None
    return etree.tostring(copy, method="c14n")


def _raw_text(el: El, tag: str) -> str | None:
    """The text of ``tag`` as it is (a USB string keeps its trailing blanks)."""
    c = el.find(tag)
    return (c.text or None) if c is not None else None


def emit_usb_device(out: Out, cap: UsbDevice, profile: Profile) -> None:
    out.cap("usb_device")
    out.leaf("bus", str(cap.bus))
    out.leaf("device", str(cap.device))
    out.leaf("product", cap.product_name, {"id": f"0x{cap.product_id:04x}"})
    out.leaf("vendor", cap.vendor_name, {"id": f"0x{cap.vendor_id:04x}"})
    out.close()


def parse_usb_device(el: El) -> UsbDevice | RawCapability:
    return modelled_or_raw(el, _parse_usb_device, emit_usb_device)


def _parse_usb_device(el: El) -> UsbDevice:
    product, vendor = el.find("product"), el.find("vendor")
    if product is None or vendor is None:
        raise fail(el, "usb_device lacks <product> or <vendor>")
    return UsbDevice(
        bus=req_value(el, "bus", parse_uint_text, "a number"),
        device=req_value(el, "device", parse_uint_text, "a number"),
        product_id=_required_id(product),
        vendor_id=_required_id(vendor),
        product_name=_raw_text(el, "product"),
        vendor_name=_raw_text(el, "vendor"),
    )


def _required_id(el: El) -> int:
    found = opt_attr(el, "id", parse_hex_text, "a hex id")
    if found is None:
        raise fail(el, f"<{tag_of(el)}> lacks its id")
    return found


_USB_INTERFACE = (("number", "number"), ("class", "klass"), ("subclass", "subclass"),
                  ("protocol", "protocol"))  # fmt: skip


def emit_usb(out: Out, cap: UsbInterface, profile: Profile) -> None:
    out.cap("usb")
    for tag, name in _USB_INTERFACE:
        out.leaf(tag, str(getattr(cap, name)))
    out.close()


def parse_usb(el: El) -> UsbInterface | RawCapability:
    return modelled_or_raw(el, _parse_usb, emit_usb)


def _parse_usb(el: El) -> UsbInterface:
    return UsbInterface(**{name: req_value(el, tag, parse_uint_text, "a number")
                           for tag, name in _USB_INTERFACE})  # fmt: skip


# -- net ---------------------------------------------------------------------

NET_SUBTYPES = ("80203", "80211")


def emit_net(out: Out, cap: Net, profile: Profile) -> None:
    out.cap("net")
    out.leaf("interface", cap.interface)
    if cap.address is not None:
        out.leaf("address", cap.address)
    link = cap.link
    if link is not None and (link.speed or link.state):
        attrs = {}
        if link.speed:
            attrs["speed"] = str(link.speed)
        if link.state:
            attrs["state"] = link.state
        out.leaf("link", None, attrs)
    for feature in cap.features:
        out.leaf("feature", None, {"name": feature})
    out.leaf("capability", None, {"type": cap.subtype})
    out.close()


def parse_net(el: El) -> Net | RawCapability:
    return modelled_or_raw(el, _parse_net, emit_net)


def _parse_net(el: El) -> Net:
    interface = opt_text(el, "interface")
    if interface is None:
        raise fail(el, "net lacks <interface>")
    link_el = el.find("link")
    link = None
    if link_el is not None:
        speed = opt_attr(link_el, "speed", parse_uint_text, "a speed in Mb/s")
        link = NetLink(state=link_el.get("state"), speed=speed)
    subtypes = [c.get("type") for c in el.iterfind("capability")]
    if len(subtypes) != 1 or subtypes[0] not in NET_SUBTYPES:
        raise fail(el, "net needs one <capability type='80203'> or '80211'")
    return Net(
        interface=interface,
        address=opt_text(el, "address"),
        link=link,
        features=tuple(f.get("name", "") for f in el.iterfind("feature")),
        subtype=str(subtypes[0]),
    )


# -- ccw, css ----------------------------------------------------------------


def _emit_ccw_address(out: Out, a: CCWAddress) -> None:
    out.leaf("cssid", f"0x{a.cssid:x}")
    out.leaf("ssid", f"0x{a.ssid:x}")
    out.leaf("devno", f"0x{a.devno:04x}")


def _parse_ccw_address(el: El) -> CCWAddress:
    return CCWAddress(*(req_value(el, tag, parse_hex_text, "a hex number")
                        for tag in ("cssid", "ssid", "devno")))  # fmt: skip


def emit_ccw(out: Out, cap: CCW, profile: Profile) -> None:
    out.cap("ccw")
    _emit_ccw_address(out, cap.address)
    out.close()


def parse_ccw(el: El) -> CCW | RawCapability:
    return modelled_or_raw(el, _parse_ccw, emit_ccw)


def _parse_ccw(el: El) -> CCW:
    return CCW(_parse_ccw_address(el))


def emit_css(out: Out, cap: CSS, profile: Profile) -> None:
    out.cap("css")
    _emit_ccw_address(out, cap.address)
    if cap.channel_dev_addr is not None:
        out.open("channel_dev_addr")
        _emit_ccw_address(out, cap.channel_dev_addr)
        out.close()
    emit_nested(out, cap, "mdev_types", profile)
    out.close()


def parse_css(el: El) -> CSS | RawCapability:
    return modelled_or_raw(el, _parse_css, emit_css)


def _parse_css(el: El) -> CSS:
    dev = el.find("channel_dev_addr")
    types = el.find("capability[@type='mdev_types']")
    parsed = _parse_mdev_types(types) if types is not None else None
    return CSS(_parse_ccw_address(el), _parse_ccw_address(dev) if dev is not None else None,
               parsed)  # fmt: skip


# -- ap_card, ap_queue, ap_matrix --------------------------------------------


def emit_ap_card(out: Out, cap: APCard, profile: Profile) -> None:
    out.cap("ap_card")
    out.leaf("ap-adapter", f"0x{cap.adapter:02x}")
    out.close()


def parse_ap_card(el: El) -> APCard | RawCapability:
    return modelled_or_raw(el, _parse_ap_card, emit_ap_card)


def _parse_ap_card(el: El) -> APCard:
    return APCard(req_value(el, "ap-adapter", parse_hex_text, "a hex adapter number"))


def emit_ap_queue(out: Out, cap: APQueue, profile: Profile) -> None:
    out.cap("ap_queue")
    out.leaf("ap-adapter", f"0x{cap.adapter:02x}")
    out.leaf("ap-domain", f"0x{cap.domain:04x}")
    out.close()


def parse_ap_queue(el: El) -> APQueue | RawCapability:
    return modelled_or_raw(el, _parse_ap_queue, emit_ap_queue)


def _parse_ap_queue(el: El) -> APQueue:
    return APQueue(req_value(el, "ap-adapter", parse_hex_text, "a hex adapter number"),
                   req_value(el, "ap-domain", parse_hex_text, "a hex domain number"))  # fmt: skip


def emit_ap_matrix(out: Out, cap: APMatrix, profile: Profile) -> None:
    out.cap("ap_matrix")
    emit_nested(out, cap, "mdev_types", profile)
    out.close()


def parse_ap_matrix(el: El) -> APMatrix | RawCapability:
    return modelled_or_raw(el, _parse_ap_matrix, emit_ap_matrix)


def _parse_ap_matrix(el: El) -> APMatrix:
    types = el.find("capability[@type='mdev_types']")
    return APMatrix(_parse_mdev_types(types) if types is not None else None)


# -- storage -----------------------------------------------------------------

_STORAGE_TEXT = ("block", "bus", "drive_type", "model", "vendor", "serial")


def emit_storage(out: Out, cap: Storage, profile: Profile) -> None:
    out.cap("storage")
    for tag in _STORAGE_TEXT:
        value = getattr(cap, tag)
        if value is not None:
            out.leaf(tag, value)
    if cap.removable is not None:
        emit_nested(out, cap, "removable", profile)
    else:
        out.leaf("size", str(cap.size))
        _emit_geometry(out, cap.logical_block_size, cap.num_blocks)
    out.close()


def parse_storage(el: El) -> Storage | RawCapability:
    """``storage``; libvirt's own document of an empty drive, its block size without
    its 0 blocks (:func:`_emit_geometry`), is read as the 0 blocks it means."""
    cap = modelled_or_raw(_with_zero_blocks(el), _parse_storage, emit_storage)
    return parse_raw(el) if isinstance(cap, RawCapability) else cap


def _with_zero_blocks(el: El) -> El:
    """``el``, or a copy of it with ``<num_blocks>0</num_blocks>`` after each
    ``logical_block_size`` that has none after it."""

    def lone(size: El) -> bool:
        after = size.getnext()
        return after is None or after.tag != "num_blocks"

    if not any(lone(size) for size in el.iter("logical_block_size")):
        return el
    copy = deepcopy(el)
    for size in [s for s in copy.iter("logical_block_size") if lone(s)]:
        zero = etree.Element("num_blocks")
        zero.text = "0"
        size.addnext(zero)
    return copy


def _parse_storage(el: El) -> Storage:
    block = opt_text(el, "block")
    if block is None:
        raise fail(el, "storage lacks <block>")
    nested: dict[str, Any] = {}
    for c in el.iterfind("capability"):
        row = nested_row(Storage, c.get("type"))
        if row is None:
            raise fail(c, f"unmodelled storage capability type {c.get('type')!r}")
        nested[row.type] = row.parse(c)
    block_size, blocks = _parse_geometry(el)
    bus, kind, model, vendor, serial = (_storage_text(el, tag) for tag in _STORAGE_TEXT[1:])
    return Storage(
        block, bus, kind, model, vendor, serial,
        size=opt_value(el, "size", parse_uint_text, "a number") or 0,
        logical_block_size=block_size,
        num_blocks=blocks,
        **nested,
    )


def _storage_text(el: El, tag: str) -> str | None:
    """A text of ``storage`` as it is: libvirt keeps a model's leading blanks, and
    prints a vendor of blanks only as an empty ``<vendor>``."""
    c = el.find(tag)
    return None if c is None else c.text or ""


def _emit_geometry(out: Out, block_size: int | None, blocks: int | None) -> None:
    """A block device's logical block size and number of blocks, together (libvirt's
    schema wants both or neither): libvirt prints each that is not 0, so an empty
    drive (0 blocks) shows its block size alone, which its schema refuses; here it
    shows ``<num_blocks>0</num_blocks>`` too (a documented correction)."""
    if block_size:
        out.leaf("logical_block_size", str(block_size))
        out.leaf("num_blocks", str(blocks or 0))


def _parse_geometry(el: El) -> tuple[int | None, int | None]:
    """``logical_block_size`` and ``num_blocks``, each ``None`` when not there."""
    block_size = opt_value(el, "logical_block_size", parse_uint_text, "a number")
    return block_size, opt_value(el, "num_blocks", parse_uint_text, "a number")


def emit_removable(out: Out, cap: Removable, profile: Profile) -> None:
    out.cap("removable")
    out.leaf("media_available", "1" if cap.media_available else "0")
    out.leaf("media_size", str(cap.media_size))
    if cap.media_label is not None:
        out.leaf("media_label", cap.media_label)
    _emit_geometry(out, cap.logical_block_size, cap.num_blocks)
    out.close()


def parse_removable(el: El) -> Removable:
    available = opt_text(el, "media_available")
    if available not in ("0", "1"):
        raise fail(el, f"removable has media_available {available!r}; expected 1 or 0")
    return Removable(
        available == "1",
        req_value(el, "media_size", parse_uint_text, "a number of bytes"),
        opt_text(el, "media_label"),
        *_parse_geometry(el),
    )


# -- scsi_generic ------------------------------------------------------------


def emit_scsi_generic(out: Out, cap: ScsiGeneric, profile: Profile) -> None:
    out.cap("scsi_generic")
    out.leaf("char", cap.char)
    out.close()


def parse_scsi_generic(el: El) -> ScsiGeneric | RawCapability:
    return modelled_or_raw(el, _parse_scsi_generic, emit_scsi_generic)


def _parse_scsi_generic(el: El) -> ScsiGeneric:
    char = opt_text(el, "char")
    if char is None:
        raise fail(el, "scsi_generic lacks <char>")
    return ScsiGeneric(char)


# -- drm ---------------------------------------------------------------------

_DRM_KINDS = ("primary", "control", "render")


def emit_drm(out: Out, cap: DRM, profile: Profile) -> None:
    out.cap("drm")
    out.leaf("type", cap.kind)
    out.close()


def parse_drm(el: El) -> DRM | RawCapability:
    return modelled_or_raw(el, _parse_drm, emit_drm)


def _parse_drm(el: El) -> DRM:
    kind = opt_text(el, "type")
    if kind not in _DRM_KINDS:
        raise fail(el, "drm lacks a <type> of primary, control or render")
    return DRM(kind)


# -- mdev --------------------------------------------------------------------


def emit_mdev(out: Out, cap: Mdev, profile: Profile) -> None:
    out.cap("mdev")
    out.leaf("type", None, {"id": cap.type_id})
    if cap.uuid is not None:
        out.leaf("uuid", cap.uuid)
    if cap.parent_addr is not None:
        out.leaf("parent_addr", cap.parent_addr)
    if cap.iommu_group is not None:
        out.leaf("iommuGroup", None, {"number": str(cap.iommu_group)})
    for name, value in cap.attrs:
        out.leaf("attr", None, {"name": name, "value": value})
    out.close()


def parse_mdev(el: El) -> Mdev | RawCapability:
    return modelled_or_raw(el, _parse_mdev, emit_mdev)


def _parse_mdev(el: El) -> Mdev:
    kind = el.find("type")
    if kind is None or kind.get("id") is None:
        raise fail(el, "mdev lacks <type id=...>")
    group = el.find("iommuGroup")
    number = None
    if group is not None:
        number = opt_attr(group, "number", parse_uint_text, "the IOMMU group number")
    attrs = []
    for a in el.iterfind("attr"):
        name, value = a.get("name"), a.get("value")
        if name is None or value is None:
            raise fail(a, "<attr> lacks its name or value")
        attrs.append((name, value))
    return Mdev(str(kind.get("id")), opt_text(el, "uuid"), opt_text(el, "parent_addr"), number,
                tuple(attrs))  # fmt: skip


# -- anything else, verbatim -------------------------------------------------


def verbatim(el: El) -> str:
    """An unmodelled element as XML text, verbatim but for indentation (which
    printing redoes)."""

    def indentation(n: El) -> bool:
        return bool((n.text and not n.text.strip() and len(n)) or
                    (n is not el and n.tail and not n.tail.strip()))  # fmt: skip

    if any(indentation(n) for n in el.iter()):
        el = deepcopy(el)
        for n in el.iter():
            if n.text and not n.text.strip() and len(n):
                n.text = None
            if n is not el and n.tail and not n.tail.strip():
                n.tail = None
    return etree.tostring(el, encoding="unicode", with_tail=False)


def emit_raw(out: Out, cap: RawCapability, profile: Profile) -> None:
    out.raw(cap.xml)


def parse_raw(el: El) -> RawCapability:
    return RawCapability(type=el.get("type", ""), xml=verbatim(el))


# -- the capability table ----------------------------------------------------



@dataclass(frozen=True, slots=True)
class CapRow(Generic[C]):
    """One capability: its model class (whose ``cap_type`` is the element's
    ``type``), how it is written and how it is read back."""

    model: type[C]
    emit: Callable[[Out, C, Profile], None]
    parse: Callable[[El], C]

    @property
    def type(self) -> str:
        """The ``type`` of the capability's element."""
        return str(self.model.cap_type)  # type: ignore[attr-defined]


#: Every modelled capability, a document's own and the ones nested in them
#: (where each may sit is the model's: :data:`~nodedev_xml.model.Capability`
#: and each holder's ``nested``).  A capability not named here is read and
#: written verbatim (:data:`RAW`).
CAPABILITIES: tuple[CapRow[Any], ...] = (
    CapRow(ScsiHost, emit_scsi_host, parse_scsi_host),
    CapRow(FCHost, emit_fc_host, parse_fc_host),
    CapRow(VportOps, emit_vport_ops, parse_vport_ops),
    CapRow(Vports, emit_vports, parse_vports),
    CapRow(PhysHBA, emit_phys_hba, parse_phys_hba),
    CapRow(ScsiTarget, emit_scsi_target, parse_scsi_target),
    CapRow(FCRemotePort, emit_fc_remote_port, parse_fc_remote_port),
    CapRow(ScsiDevice, emit_scsi, parse_scsi),
    CapRow(PCI, emit_pci, parse_pci),
    CapRow(VirtFunctions, emit_virt_functions, parse_virt_functions),
    CapRow(MdevTypes, emit_mdev_types, parse_mdev_types),
    CapRow(PCIVpd, emit_vpd, parse_vpd),
    CapRow(System, emit_system, parse_system),
    CapRow(UsbDevice, emit_usb_device, parse_usb_device),
    CapRow(UsbInterface, emit_usb, parse_usb),
    CapRow(Net, emit_net, parse_net),
    CapRow(CCW, emit_ccw, parse_ccw),
    CapRow(CSS, emit_css, parse_css),
    CapRow(Storage, emit_storage, parse_storage),
    CapRow(Removable, emit_removable, parse_removable),
    CapRow(ScsiGeneric, emit_scsi_generic, parse_scsi_generic),
    CapRow(DRM, emit_drm, parse_drm),
    CapRow(APCard, emit_ap_card, parse_ap_card),
    CapRow(APQueue, emit_ap_queue, parse_ap_queue),
    CapRow(APMatrix, emit_ap_matrix, parse_ap_matrix),
    CapRow(Mdev, emit_mdev, parse_mdev),
)
#: Any capability the table does not name: kept verbatim, its type its own.
RAW: CapRow[RawCapability] = CapRow(RawCapability, emit_raw, parse_raw)

_BY_TYPE: dict[str, CapRow[Any]] = {row.type: row for row in CAPABILITIES}
_BY_CLASS: dict[type, CapRow[Any]] = {row.model: row for row in (*CAPABILITIES, RAW)}
#: The capabilities a ``<device>`` holds directly, by type.
_DEVICE_CAPS: dict[str, CapRow[Any]] = {
    cls.cap_type: _BY_CLASS[cls] for cls in get_args(Capability) if cls is not RawCapability
}


#: What each of a device's capabilities holds: (type, emit) in document order.
_NESTED_EMIT: dict[type, tuple[tuple[str, Callable[[Out, Any, Profile], None]], ...]] = {
    cls: tuple((kind, _BY_TYPE[kind].emit) for kind in cls.nested) for cls in _BY_CLASS
    if cls is not RawCapability and hasattr(cls, "nested")
}  # fmt: skip


def emit_capability(out: Out, cap: Capability, profile: Profile) -> None:
    """Write one of a device's capabilities."""
    _BY_CLASS[type(cap)].emit(out, cap, profile)


def parse_capability(el: El) -> Capability:
    """One of a device's ``<capability>`` elements; an unmodelled type is kept
    verbatim.  Raises :class:`XMLInputError` naming the line."""
    kind = el.get("type")
    if not kind:
        raise fail(el, "<capability> lacks its type attribute")
    row = _DEVICE_CAPS.get(kind)
    return row.parse(el) if row is not None else parse_raw(el)


def emit_nested(out: Out, holder: object, kind: str, profile: Profile) -> None:
    """Write the capability of type ``kind`` that ``holder`` holds, if it holds one."""
    cap = getattr(holder, kind)
    if cap is not None:
        _BY_TYPE[kind].emit(out, cap, profile)


def emit_all_nested(out: Out, holder: ScsiHost | ScsiTarget, profile: Profile) -> None:
    """Write the capabilities ``holder`` holds, in its ``nested`` order (for a holder
    that writes them together)."""
    for kind, emit in _NESTED_EMIT[type(holder)]:
        cap = getattr(holder, kind)
        if cap is not None:
            emit(out, cap, profile)


def nested_row(holder: type[Any], kind: str | None) -> CapRow[Any] | None:
    """The row of a capability of type ``kind`` nested in a ``holder`` capability,
    ``None`` when ``holder`` holds no such capability."""
    if kind is None or kind not in holder.nested:
        return None
    return _BY_TYPE[kind]
