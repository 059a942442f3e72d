"""The XML mapping of each capability, both directions side by side.

Every ``emit_*`` has its ``parse_*`` right below it, so a field added to one is
visibly missing from the other.  Emitters take the profile: the ``libvirt``
profile is what libvirt's node-device driver prints, ``enriched`` adds the RFC's
enrichment.  Parsers raise :class:`XMLInputError` naming the line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal, TypeVar

from lxml import etree

from ..errors import NodedevXmlError, XMLInputError
from ..model import (
    PCI,
    Adapter,
    FCHost,
    FCRemotePort,
    PhysHBA,
    RawCapability,
    ScsiHost,
    ScsiTarget,
    VirtFunctions,
    Vport,
    VportOps,
    Vports,
)
from ..pciaddr import PCIAddress
from ..wwn import WWN

Profile = Literal["libvirt", "enriched"]
PROFILES: tuple[Profile, ...] = ("enriched", "libvirt")
T = TypeVar("T")
El = etree._Element

# -- shared helpers ----------------------------------------------------------


def tag_of(el: El) -> str:
    """The element's name (comments and PIs have none: empty string)."""
    return el.tag if isinstance(el.tag, str) else ""


def sub(parent: El, tag: str, text: str | None = None, **attrs: str) -> El:
    el: El = etree.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def cap_el(parent: El, type_: str, **attrs: str) -> El:
    return sub(parent, "capability", type=type_, **attrs)


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


def uint(text: str) -> int:
    if not text.isdigit():
        raise ValueError(text)
    return int(text)


def number(text: str) -> int:
    """Decimal, or hexadecimal with ``0x`` (libvirt's PCI schema types allow both)."""
    return int(text, 16) if text[:2] in ("0x", "0X") else uint(text)


def hex_id(text: str) -> int:
    if text[:2] not in ("0x", "0X"):
        raise ValueError(text)
    return int(text, 16)


WWN_WHAT = "a WWN of 16 hex digits"

#: What the ``enriched`` profile adds to libvirt's vocabulary, by place.
ENRICHED_FC_HOST_FIELDS = ("port_state", "port_type", "port_id", "speed", "symbolic_name")
ENRICHED_SCSI_HOST_CAPS = ("vports", "phys_hba")
ENRICHED_SCSI_HOST_ELEMENTS = ("adapter",)

# -- fc_host -----------------------------------------------------------------


def emit_fc_host(parent: El, cap: FCHost, profile: Profile) -> None:
    el = cap_el(parent, "fc_host")
    sub(el, "wwnn", str(cap.wwnn))
    sub(el, "wwpn", str(cap.wwpn))
    if cap.fabric_wwn is not None and cap.fabric_wwn.is_fabric:
        sub(el, "fabric_wwn", str(cap.fabric_wwn))
    if profile == "enriched":
        port_id = None if cap.port_id is None else f"0x{cap.port_id:06x}"
        fields = (cap.port_state, cap.port_type, port_id, cap.speed, cap.symbolic_name)
        for tag, value in zip(ENRICHED_FC_HOST_FIELDS, fields, strict=True):
            if value is not None:
                sub(el, tag, value)


def parse_fc_host(el: El) -> FCHost | None:
    """``None`` for a create document's bare ``<capability type='fc_host'/>``."""
    wwnn = opt_value(el, "wwnn", WWN.parse_strict, WWN_WHAT)
    wwpn = opt_value(el, "wwpn", WWN.parse_strict, WWN_WHAT)
    if wwnn is None and wwpn is None:
        return None
    if wwnn is None or wwpn is None:
        raise fail(el, "fc_host has only one of <wwnn> and <wwpn>; expected both")
    return FCHost(
        wwnn=wwnn,
        wwpn=wwpn,
        fabric_wwn=opt_value(el, "fabric_wwn", WWN.parse_strict, WWN_WHAT),
        port_state=opt_text(el, "port_state"),
        port_type=opt_text(el, "port_type"),
        port_id=opt_value(el, "port_id", hex_id, "a port id like 0x010200"),
        speed=opt_text(el, "speed"),
        symbolic_name=opt_text(el, "symbolic_name"),
    )


# -- vport_ops ---------------------------------------------------------------


def emit_vport_ops(parent: El, cap: VportOps, profile: Profile) -> None:
    el = cap_el(parent, "vport_ops")
    sub(el, "max_vports", str(cap.max_vports))
    sub(el, "vports", str(cap.vports))


def parse_vport_ops(el: El) -> VportOps:
    return VportOps(
        max_vports=opt_value(el, "max_vports", uint, "a number") or 0,
        vports=opt_value(el, "vports", uint, "a number") or 0,
    )


# -- vports (enriched) -------------------------------------------------------


def emit_vports(parent: El, cap: Vports, profile: Profile) -> None:
    if profile != "enriched":
        return
    attrs = {} if cap.max_count is None else {"maxCount": str(cap.max_count)}
    el = cap_el(parent, "vports", **attrs)
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
        sub(el, "vport", **a)


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
    return Vports(max_count=opt_attr(el, "maxCount", uint, "a number"), vports=tuple(entries))


# -- phys_hba (enriched) -----------------------------------------------------


def emit_phys_hba(parent: El, cap: PhysHBA, profile: Profile) -> None:
    if profile != "enriched":
        return
    el = cap_el(parent, "phys_hba")
    a = {"name": cap.name}
    if cap.wwnn is not None:
        a["wwnn"] = str(cap.wwnn)
    if cap.wwpn is not None:
        a["wwpn"] = str(cap.wwpn)
    sub(el, "hba", **a)


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


def emit_adapter(parent: El, cap: Adapter, profile: Profile) -> None:
    if profile != "enriched" or cap.is_empty():
        return
    el = sub(parent, "adapter")
    if cap.vendor_id is not None:
        sub(el, "vendor", cap.vendor_name, id=f"0x{cap.vendor_id:04x}")
    if cap.product_id is not None:
        sub(el, "product", cap.product_name, id=f"0x{cap.product_id:04x}")
    if cap.model is not None:
        sub(el, "model", cap.model)
    if cap.address is not None:
        sub(el, "address", **cap.address.attrs())


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


def _id_of(el: El | None) -> int | None:
    return opt_attr(el, "id", hex_id, "an id like 0x1077") if el is not None else None


def _name_of(el: El | None) -> str | None:
    return (el.text or "").strip() or None if el is not None else None


def parse_address(el: El) -> PCIAddress:
    try:
        return PCIAddress(*(number((el.get(k) or "").strip()) for k in _ADDR_KEYS))
    except (ValueError, NodedevXmlError):
        raise fail(el, "<address> expected domain, bus, slot and function numbers") from None


_ADDR_KEYS = ("domain", "bus", "slot", "function")

# -- scsi_host ---------------------------------------------------------------


def emit_scsi_host(parent: El, cap: ScsiHost, profile: Profile) -> None:
    el = cap_el(parent, "scsi_host")
    if cap.host is not None:
        sub(el, "host", str(cap.host))
    if cap.unique_id is not None:
        sub(el, "unique_id", str(cap.unique_id))
    if cap.fc_host is not None:
        emit_fc_host(el, cap.fc_host, profile)
    elif cap.fc_host_requested:
        cap_el(el, "fc_host")
    if cap.vport_ops is not None:
        emit_vport_ops(el, cap.vport_ops, profile)
    if cap.vports is not None:
        emit_vports(el, cap.vports, profile)
    if cap.phys_hba is not None:
        emit_phys_hba(el, cap.phys_hba, profile)
    if cap.adapter is not None:
        emit_adapter(el, cap.adapter, profile)


def parse_scsi_host(el: El) -> ScsiHost:
    fc_host = vport_ops = vports = phys_hba = None
    requested = False
    for c in el.iterfind("capability"):
        kind = c.get("type")
        if kind == "fc_host":
            fc_host = parse_fc_host(c)
            requested = fc_host is None
        elif kind == "vport_ops":
            vport_ops = parse_vport_ops(c)
        elif kind == "vports":
            vports = parse_vports(c)
        elif kind == "phys_hba":
            phys_hba = parse_phys_hba(c)
        else:
            raise fail(c, f"unknown scsi_host capability type {kind!r}; expected fc_host, "
                          "vport_ops, vports or phys_hba")  # fmt: skip
    adapter = el.find("adapter")
    return ScsiHost(
        host=opt_value(el, "host", uint, "a host number"),
        unique_id=opt_value(el, "unique_id", uint, "a number"),
        fc_host=fc_host,
        vport_ops=vport_ops,
        vports=vports,
        phys_hba=phys_hba,
        adapter=parse_adapter(adapter) if adapter is not None else None,
        fc_host_requested=requested,
    )


# -- scsi_target -------------------------------------------------------------


def emit_scsi_target(parent: El, cap: ScsiTarget, profile: Profile) -> None:
    el = cap_el(parent, "scsi_target")
    sub(el, "target", cap.target)
    if cap.fc_remote_port is not None:
        rp = cap_el(el, "fc_remote_port")
        sub(rp, "rport", cap.fc_remote_port.rport)
        sub(rp, "wwpn", "0x" + str(cap.fc_remote_port.wwpn))


def parse_scsi_target(el: El) -> ScsiTarget:
    target = opt_text(el, "target")
    if target is None:
        raise fail(el, "scsi_target lacks <target>")
    rport = None
    for c in el.iterfind("capability"):
        if c.get("type") != "fc_remote_port":
            raise fail(c, f"unknown scsi_target capability type {c.get('type')!r}")
        name = opt_text(c, "rport")
        if name is None:
            raise fail(c, "fc_remote_port lacks <rport>")
        rport = FCRemotePort(rport=name, wwpn=req_value(c, "wwpn", WWN.parse_strict, WWN_WHAT))
    return ScsiTarget(target=target, fc_remote_port=rport)


# -- pci ---------------------------------------------------------------------


def emit_pci(parent: El, cap: PCI, profile: Profile) -> None:
    el = cap_el(parent, "pci")
    if cap.class_code is not None:
        sub(el, "class", f"0x{cap.class_code:06x}")
    a = cap.address
    for tag, value in (("domain", a.domain), ("bus", a.bus), ("slot", a.slot),
                       ("function", a.function)):  # fmt: skip
        sub(el, tag, str(value))
    if cap.product_id is not None:
        sub(el, "product", cap.product_name, id=f"0x{cap.product_id:04x}")
    if cap.vendor_id is not None:
        sub(el, "vendor", cap.vendor_name, id=f"0x{cap.vendor_id:04x}")
    if cap.phys_function is not None:
        pf = cap_el(el, "phys_function")
        sub(pf, "address", **cap.phys_function.attrs())
    # A virtual function never carries virt_functions, whatever the model says.
    if cap.virt_functions is not None and cap.phys_function is None:
        vf = cap.virt_functions
        attrs = {"maxCount": str(vf.max_count)} if vf.max_count else {}
        vel = cap_el(el, "virt_functions", **attrs)
        for addr in vf.addresses:
            sub(vel, "address", **addr.attrs())
    for raw in cap.extra:
        el.append(etree.fromstring(raw, _RAW_PARSER))


def parse_pci(el: El) -> PCI:
    address = PCIAddress(
        *(req_value(el, k, number, "a number") for k in _ADDR_KEYS)
    )  # fmt: skip
    phys_function = None
    virt_functions = None
    extra: list[str] = []
    for c in el:
        if not isinstance(c.tag, str) or c.tag in (*_ADDR_KEYS, "class", "product", "vendor"):
            continue
        kind = c.get("type") if c.tag == "capability" else None
        if kind == "phys_function":
            addr = c.find("address")
            phys_function = parse_address(addr) if addr is not None else None
            if phys_function is None:
                extra.append(_raw(c))
        elif kind == "virt_functions":
            virt_functions = VirtFunctions(
                max_count=opt_attr(c, "maxCount", uint, "a number"),
                addresses=tuple(parse_address(a) for a in c.iterfind("address")),
            )
        else:
            extra.append(_raw(c))
    product = el.find("product")
    vendor = el.find("vendor")
    return PCI(
        address=address,
        class_code=opt_value(el, "class", hex_id, "a class code like 0x0c0400"),
        product_id=_id_of(product),
        product_name=_name_of(product),
        vendor_id=_id_of(vendor),
        vendor_name=_name_of(vendor),
        phys_function=phys_function,
        virt_functions=virt_functions,
        extra=tuple(extra),
    )


# -- anything else, verbatim -------------------------------------------------

_RAW_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def _raw(el: El) -> str:
    return etree.tostring(el, encoding="unicode", with_tail=False)


def emit_raw(parent: El, cap: RawCapability, profile: Profile) -> None:
    parent.append(etree.fromstring(cap.xml, _RAW_PARSER))


def parse_raw(el: El) -> RawCapability:
    return RawCapability(type=el.get("type", ""), xml=_raw(el))
