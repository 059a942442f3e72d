"""Hypothesis strategies: node-device documents (lxml trees) and mutations of them.

``devices(profile)`` draws documents that are valid under the profile's grammar:
mostly scsi_host (fc_host, vport_ops and, in the enriched profile, vports,
phys_hba and adapter), pci (SR-IOV included) and scsi_target (fc_remote_port),
and now and then every other capability type of libvirt's vocabulary.

``mutated_devices(profile)`` draws such a document and breaks (or not) one thing:
drops an element, adds an unknown or misplaced one, breaks a WWN, reorders
children, puts an awkward value in a text or attribute, changes a type, duplicates
an element, drops or adds an attribute. The result may be valid or not; the tests
only ask that two validators agree on it.
"""

from __future__ import annotations

import copy
import re
import string
from typing import Literal

from hypothesis import strategies as st
from lxml import etree

Profile = Literal["enriched", "libvirt"]
#: Both profiles, typed for ``st.sampled_from(...).flatmap(devices)``.
PROFILE_NAMES: tuple[Profile, ...] = ("enriched", "libvirt")

# ---------------------------------------------------------------------------- values

_HEX = "0123456789abcdef"
_TEXT_ALPHABET = string.ascii_letters + string.digits + " -_.:/()"


def _hex(n: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=_HEX, min_size=n, max_size=n)


#: WWNs as libvirt's schema accepts them: mostly 16 lower-case digits.
wwns: st.SearchStrategy[str] = st.one_of(
    _hex(16),
    _hex(16),
    _hex(16),
    _hex(16).map(lambda s: "0x" + s),
    _hex(16).map(str.upper),
)
numbers: st.SearchStrategy[str] = st.integers(min_value=0, max_value=70000).map(str)
small_numbers: st.SearchStrategy[str] = st.integers(min_value=0, max_value=255).map(str)
texts: st.SearchStrategy[str] = st.text(alphabet=_TEXT_ALPHABET, max_size=24)
hexuints: st.SearchStrategy[str] = st.integers(min_value=0, max_value=0xFFFF).flatmap(
    lambda v: st.sampled_from([f"0x{v:04x}", f"0x{v:x}", f"{v:x}"])
)
pci_ids: st.SearchStrategy[str] = st.integers(min_value=0, max_value=0xFFFF).map(
    lambda v: f"0x{v:04x}"
)
host_names: st.SearchStrategy[str] = st.integers(min_value=0, max_value=9999).map(
    lambda n: f"scsi_host{n}"
)
uuids: st.SearchStrategy[str] = st.uuids().flatmap(
    lambda u: st.sampled_from([str(u), u.hex, str(u).upper()])
)
_PORT_STATES = ["Online", "Linkdown", "Offline", "Blocked", "Unknown", "Not Present"]
_PORT_TYPES = ["NPort (fabric via point-to-point)", "NPIV VPORT", "Unknown", "LPort (private loop)"]
_SPEEDS = ["8 Gbit", "16 Gbit", "32 Gbit", "unknown", "4 Gbit"]
_VPORT_STATES = ["Active", "Initializing", "Linkdown", "Fabric Rejected WWN", "No Fabric Support"]


# ---------------------------------------------------------------------------- trees


def _el(tag: str, text: str | None = None, attrs: dict[str, str] | None = None) -> etree._Element:
    el = etree.Element(tag, attrs or {})
    if text is not None:
        el.text = text
    return el


def _sub(
    parent: etree._Element, tag: str, text: str | None = None, attrs: dict[str, str] | None = None
) -> etree._Element:
    el: etree._Element = etree.SubElement(parent, tag, attrs or {})
    if text is not None:
        el.text = text
    return el


def _cap(type_: str) -> etree._Element:
    return _el("capability", attrs={"type": type_})


def _maybe(draw: st.DrawFn) -> bool:
    return draw(st.booleans())


def _pci_address(draw: st.DrawFn, parent: etree._Element, tag: str = "address") -> None:
    _sub(
        parent,
        tag,
        attrs={
            "domain": draw(hexuints),
            "bus": draw(hexuints),
            "slot": draw(hexuints),
            "function": draw(hexuints),
        },
    )


# --- scsi_host and its nested capabilities


@st.composite
def fc_host_caps(draw: st.DrawFn, profile: Profile = "enriched") -> etree._Element:
    cap = _cap("fc_host")
    _sub(cap, "wwnn", draw(wwns))
    _sub(cap, "wwpn", draw(wwns))
    if _maybe(draw):
        _sub(cap, "fabric_wwn", draw(wwns))
    if profile == "enriched":
        if _maybe(draw):
            _sub(cap, "port_state", draw(st.sampled_from(_PORT_STATES)))
        if _maybe(draw):
            _sub(cap, "port_type", draw(st.sampled_from(_PORT_TYPES)))
        if _maybe(draw):
            _sub(cap, "port_id", f"0x{draw(st.integers(0, 0xFFFFFF)):06x}")
        if _maybe(draw):
            _sub(cap, "speed", draw(st.sampled_from(_SPEEDS)))
        if _maybe(draw):
            _sub(cap, "symbolic_name", draw(texts))
    return cap


@st.composite
def vport_ops_caps(draw: st.DrawFn) -> etree._Element:
    cap = _cap("vport_ops")
    _sub(cap, "max_vports", draw(small_numbers))
    _sub(cap, "vports", draw(small_numbers))
    return cap


@st.composite
def vports_caps(draw: st.DrawFn) -> etree._Element:
    cap = _cap("vports")
    if _maybe(draw):
        cap.set("maxCount", draw(small_numbers))
    for _ in range(draw(st.integers(0, 3))):
        vport = _sub(cap, "vport")
        if _maybe(draw):
            vport.set("name", draw(host_names))
        if _maybe(draw):
            vport.set("wwnn", draw(wwns))
        if _maybe(draw):
            vport.set("wwpn", draw(wwns))
        if _maybe(draw):
            vport.set("state", draw(st.sampled_from(_VPORT_STATES)))
    return cap


@st.composite
def phys_hba_caps(draw: st.DrawFn) -> etree._Element:
    cap = _cap("phys_hba")
    hba = _sub(cap, "hba", attrs={"name": draw(host_names)})
    if _maybe(draw):
        hba.set("wwnn", draw(wwns))
    if _maybe(draw):
        hba.set("wwpn", draw(wwns))
    return cap


@st.composite
def adapters(draw: st.DrawFn) -> etree._Element:
    adapter = _el("adapter")
    if _maybe(draw):
        _sub(adapter, "vendor", draw(st.sampled_from(["QLogic Corp.", "Emulex Corporation", ""])),
             {"id": draw(pci_ids)})  # fmt: skip
    if _maybe(draw):
        _sub(adapter, "product", draw(texts), {"id": draw(pci_ids)})
    if _maybe(draw):
        _sub(adapter, "model", draw(st.sampled_from(["QLE2562", "LPe12002-M8", "QMH2572"])))
    if _maybe(draw):
        _pci_address(draw, adapter)
    return adapter


@st.composite
def scsi_host_caps(draw: st.DrawFn, profile: Profile = "enriched") -> etree._Element:
    cap = _cap("scsi_host")
    _sub(cap, "host", draw(numbers))
    if _maybe(draw):
        _sub(cap, "unique_id", draw(numbers))
    nested: list[st.SearchStrategy[etree._Element]] = [fc_host_caps(profile), vport_ops_caps()]
    if profile == "enriched":
        nested += [vports_caps(), phys_hba_caps()]
    for child in draw(st.lists(st.one_of(nested), max_size=4)):
        cap.append(child)
    if profile == "enriched" and _maybe(draw):
        cap.append(draw(adapters()))
    return cap


# --- pci


@st.composite
def mdev_types_caps(draw: st.DrawFn) -> etree._Element:
    cap = _cap("mdev_types")
    for _ in range(draw(st.integers(1, 2))):
        entry = _sub(cap, "type", attrs={"id": draw(texts)})
        if _maybe(draw):
            _sub(entry, "name", draw(texts))
        _sub(entry, "deviceAPI", draw(st.sampled_from(["vfio-pci", "vfio-ccw", "vfio-ap"])))
        _sub(entry, "availableInstances", draw(numbers))
    return cap


@st.composite
def vpd_caps(draw: st.DrawFn) -> etree._Element:
    vpd_text = st.text(alphabet=string.ascii_uppercase + string.digits + " -,.:;=", max_size=16)
    cap = _cap("vpd")
    _sub(cap, "name", draw(vpd_text))
    if _maybe(draw):
        ro = _sub(cap, "fields", attrs={"access": "readonly"})
        for tag in ("change_level", "manufacture_id", "part_number", "serial_number"):
            if _maybe(draw):
                _sub(ro, tag, draw(vpd_text))
        for _ in range(draw(st.integers(0, 2))):
            _sub(ro, "vendor_field", draw(vpd_text), {"index": draw(st.sampled_from("0A9Z"))})
    if _maybe(draw):
        rw = _sub(cap, "fields", attrs={"access": "readwrite"})
        if _maybe(draw):
            _sub(rw, "asset_tag", draw(vpd_text))
        for _ in range(draw(st.integers(0, 2))):
            _sub(rw, "vendor_field", draw(vpd_text), {"index": draw(st.sampled_from("1B"))})
        for _ in range(draw(st.integers(0, 2))):
            _sub(rw, "system_field", draw(vpd_text), {"index": draw(st.sampled_from("0BZ"))})
    return cap


@st.composite
def pci_caps(draw: st.DrawFn) -> etree._Element:
    cap = _cap("pci")
    if _maybe(draw):
        _sub(cap, "class", f"0x{draw(st.integers(0, 0xFFFFFF)):06x}")
    for tag in ("domain", "bus", "slot", "function"):
        _sub(cap, tag, draw(small_numbers))
    _sub(cap, "product", draw(st.one_of(st.none(), texts)), {"id": draw(hexuints)})
    _sub(cap, "vendor", draw(st.one_of(st.none(), texts)), {"id": draw(hexuints)})
    # A VF has phys_function, a PF virt_functions (maybe empty with maxCount).
    if _maybe(draw):
        pf = _sub(cap, "capability", attrs={"type": "phys_function"})
        if draw(st.integers(0, 4)):
            _pci_address(draw, pf)
    if _maybe(draw):
        vfs = _sub(cap, "capability", attrs={"type": "virt_functions"})
        if _maybe(draw):
            vfs.set("maxCount", draw(small_numbers))
        for _ in range(draw(st.integers(0, 3))):
            _pci_address(draw, vfs)
    if draw(st.integers(0, 3)) == 0:
        _sub(
            cap,
            "capability",
            attrs={"type": draw(st.sampled_from(["pci-bridge", "cardbus-bridge"]))},
        )
    if draw(st.integers(0, 3)) == 0:
        cap.append(draw(mdev_types_caps()))
    if draw(st.integers(0, 3)) == 0:
        cap.append(draw(vpd_caps()))
    if _maybe(draw):
        group = _sub(cap, "iommuGroup", attrs={"number": draw(numbers)})
        for _ in range(draw(st.integers(1, 3))):
            _pci_address(draw, group)
    if _maybe(draw):
        numa = _sub(cap, "numa")
        if _maybe(draw):
            numa.set("node", str(draw(st.integers(-1, 7))))
    if _maybe(draw):
        express = _sub(cap, "pci-express")
        for validity in draw(st.lists(st.sampled_from(["cap", "sta"]), max_size=2)):
            link = _sub(express, "link", attrs={"validity": validity, "width": draw(small_numbers)})
            if _maybe(draw):
                link.set("port", draw(small_numbers))
            if _maybe(draw):
                link.set("speed", draw(st.sampled_from(["2.5", "5", "8", "16"])))
    return cap


# --- scsi_target


@st.composite
def scsi_target_caps(draw: st.DrawFn) -> etree._Element:
    cap = _cap("scsi_target")
    h, t = draw(st.integers(0, 99)), draw(st.integers(0, 9))
    _sub(cap, "target", f"target{h}:0:{t}")
    if _maybe(draw):
        rport = _sub(cap, "capability", attrs={"type": "fc_remote_port"})
        _sub(rport, "rport", f"rport-{h}:0-{draw(st.integers(0, 9))}")
        _sub(rport, "wwpn", "0x" + draw(_hex(16)))
    return cap


@st.composite
def scsi_caps(draw: st.DrawFn, profile: Profile = "enriched") -> etree._Element:
    """A LUN; in the enriched profile with its inquiry data, disk and identity, any of them."""
    cap = _cap("scsi")
    for tag in ("host", "bus", "target", "lun"):
        _sub(cap, tag, draw(small_numbers))
    if _maybe(draw):
        _sub(cap, "type", draw(st.sampled_from(["disk", "tape", "enclosure"])))
    if profile == "enriched":
        for tag in ("vendor", "model", "revision"):
            if _maybe(draw):
                _sub(cap, tag, draw(texts))
        if _maybe(draw):
            _sub(cap, "block", draw(st.sampled_from(["/dev/sdc", "/dev/sr0"])))
        if _maybe(draw):
            _sub(cap, "size", draw(numbers))
        identity = {
            "wwid": ["naa.600a0b80001234560000000000000a01", "t10.ATA     QEMU HARDDISK",
                     "eui.0025385b71b0a123"],
            "serial": ["0000000000000a01", "QM00001"],
            "by_id": ["/dev/disk/by-id/wwn-0x600a0b8000123456"],
            "multipath": ["mpatha", "3600a0b80001234560000000000000a01"],
            "multipath_uuid": ["mpath-3600a0b80001234560000000000000a01"],
            "remote_wwpn": ["20110002ac000001", "0x20110002AC000001"],
        }
        for tag, choices in identity.items():
            if _maybe(draw):
                _sub(cap, tag, draw(st.sampled_from(choices)))
    return cap


# --- the rest of libvirt's vocabulary, simpler


@st.composite
def other_caps(draw: st.DrawFn) -> etree._Element:
    kind = draw(
        st.sampled_from(
            [
                "system", "usb_device", "usb", "net", "scsi_generic", "scsi", "storage",
                "drm", "mdev", "ccw", "css", "vdpa", "ap_card", "ap_queue", "ap_matrix",
            ]
        )
    )  # fmt: skip
    cap = _cap(kind)
    if kind == "system":
        if _maybe(draw):
            _sub(cap, "product", draw(texts))
        hw = _sub(cap, "hardware")
        for tag in ("vendor", "version", "serial"):
            if _maybe(draw):
                _sub(hw, tag, draw(texts))
        _sub(hw, "uuid", draw(uuids))
        fw = _sub(cap, "firmware")
        for tag in ("vendor", "version", "release_date"):
            if _maybe(draw):
                _sub(fw, tag, draw(texts))
    elif kind == "usb_device":
        _sub(cap, "bus", draw(small_numbers))
        _sub(cap, "device", draw(small_numbers))
        _sub(cap, "product", draw(texts), {"id": draw(hexuints)})
        _sub(cap, "vendor", draw(texts), {"id": draw(hexuints)})
    elif kind == "usb":
        for tag in ("number", "class", "subclass", "protocol"):
            _sub(cap, tag, draw(small_numbers))
        if _maybe(draw):
            _sub(cap, "description", draw(texts))
    elif kind == "net":
        _sub(cap, "interface", draw(st.sampled_from(["eth0", "eno1", "wlan0"])))
        if _maybe(draw):
            _sub(cap, "address", ":".join(draw(_hex(2)) for _ in range(6)))
        if _maybe(draw):
            _sub(cap, "link", attrs={"state": draw(st.sampled_from(["up", "down", "unknown"]))})
        for name in draw(st.lists(st.sampled_from(["rx", "tx", "sg", "rx-vlan"]), max_size=2)):
            _sub(cap, "feature", attrs={"name": name})
        for sub in draw(st.lists(st.sampled_from(["80203", "80211"]), max_size=2)):
            _sub(cap, "capability", attrs={"type": sub})
    elif kind == "scsi_generic":
        _sub(cap, "char", "/dev/sg0")
    elif kind == "scsi":
        for tag in ("host", "bus", "target", "lun"):
            _sub(cap, tag, draw(small_numbers))
        if _maybe(draw):
            _sub(cap, "type", draw(st.sampled_from(["disk", "tape", "cdrom"])))
    elif kind == "storage":
        _sub(cap, "block", draw(st.sampled_from(["/dev/sda", "/dev/sr0", "/dev/nvme0n1"])))
        for tag in ("bus", "drive_type", "model", "vendor", "serial"):
            if _maybe(draw):
                _sub(cap, tag, draw(texts))
        if _maybe(draw):
            removable = _sub(cap, "capability", attrs={"type": "removable"})
            _sub(removable, "media_available", draw(st.sampled_from(["0", "1"])))
            _sub(removable, "media_size", draw(numbers))
            if _maybe(draw):
                _sub(removable, "media_label", draw(texts))
            geometry = removable
        else:
            _sub(cap, "size", draw(numbers))
            geometry = cap
        if _maybe(draw):
            _sub(geometry, "logical_block_size", "512")
            _sub(geometry, "num_blocks", draw(numbers))
        if _maybe(draw):
            _sub(cap, "capability", attrs={"type": "hotpluggable"})
    elif kind == "drm":
        _sub(cap, "type", draw(st.sampled_from(["primary", "control", "render"])))
    elif kind == "mdev":
        children = [_el("type", attrs={"id": draw(texts)})]
        if _maybe(draw):
            children.append(_el("uuid", draw(uuids)))
        if _maybe(draw):
            children.append(_el("iommuGroup", attrs={"number": draw(numbers)}))
        if _maybe(draw):
            children.append(_el("parent_addr", "0000:00:02.0"))
        for _ in range(draw(st.integers(0, 2))):
            children.append(_el("attr", attrs={"name": draw(texts), "value": draw(texts)}))
        for child in draw(st.permutations(children)):
            cap.append(child)
    elif kind in ("ccw", "css"):
        for tag, value in (("cssid", "0xfe"), ("ssid", "0x0"), ("devno", "0xffff")):
            _sub(cap, tag, value)
        if kind == "css":
            if _maybe(draw):
                addr = _sub(cap, "channel_dev_addr")
                for tag, value in (("cssid", "0"), ("ssid", "3"), ("devno", "65535")):
                    _sub(addr, tag, value)
            if _maybe(draw):
                cap.append(draw(mdev_types_caps()))
    elif kind == "vdpa":
        _sub(cap, "chardev", "/dev/vhost-vdpa-0")
    elif kind in ("ap_card", "ap_queue"):
        _sub(cap, "ap-adapter", draw(st.sampled_from(["0x07", "7", "0xff", "255"])))
        if kind == "ap_queue":
            _sub(cap, "ap-domain", draw(st.sampled_from(["0x0038", "56", "0xffff", "0"])))
    elif kind == "ap_matrix" and _maybe(draw):
        cap.append(draw(mdev_types_caps()))
    return cap


# --- the device


@st.composite
def devices(draw: st.DrawFn, profile: Profile = "enriched") -> etree._Element:
    """A node-device document valid under ``profile``'s grammar."""
    device = _el("device")
    _sub(device, "name", draw(st.sampled_from(["scsi_host5", "pci_0000_04_00_0", "new device"])))
    if _maybe(draw):
        _sub(device, "path", "/sys/devices/pci0000:00/0000:00:03.0/0000:04:00.0/host5")
    if draw(st.integers(0, 3)) == 0:
        _sub(device, "devnode", "/dev/sdb", {"type": "dev"})
    for _ in range(draw(st.integers(0, 1))):
        _sub(device, "devnode", "/dev/disk/by-id/x", {"type": "link"})
    parent_form = draw(st.sampled_from(["none", "name", "wwns", "fabric"]))
    if parent_form == "name":
        _sub(device, "parent", draw(st.sampled_from(["pci_0000_04_00_0", "scsi_host5", ""])))
    elif parent_form == "wwns":
        _sub(device, "parent", attrs={"wwnn": draw(wwns), "wwpn": draw(wwns)})
    elif parent_form == "fabric":
        _sub(device, "parent", attrs={"fabric_wwn": draw(wwns)})
    if draw(st.integers(0, 3)) == 0:
        _sub(_sub(device, "driver"), "name", draw(st.sampled_from(["qla2xxx", "lpfc"])))
    capability = st.one_of(
        scsi_host_caps(profile),
        scsi_host_caps(profile),
        scsi_host_caps(profile),
        pci_caps(),
        pci_caps(),
        scsi_target_caps(),
        scsi_caps(profile),
        other_caps(),
    )
    for cap in draw(st.lists(capability, min_size=1, max_size=2)):
        device.append(cap)
    return device


# ---------------------------------------------------------------------------- mutations

_WWN_LIKE = re.compile(r"(0x)?[0-9a-fA-F]{16}")
_ODD_VALUES = [
    "", " 5 ", "+5", "-1", "5.0", "0x1F", "0xff", "0x0A", "0xABCD", "abc", "00042",
    "4294967295", "4294967296", "18446744073709551615", "18446744073709551616",
    "0x010200", "0x10200", "scsi_host", "host7", "Active", "\t\n", "0x", "ffffffffffffffff",
]  # fmt: skip
_TYPE_NAMES = [
    "system", "pci", "usb_device", "usb", "net", "scsi_generic", "scsi_host", "scsi_target",
    "scsi", "storage", "drm", "mdev", "ccw", "css", "vdpa", "ap_card", "ap_queue",
    "ap_matrix", "fc_host", "vport_ops", "vports", "phys_hba", "fc_remote_port",
    "phys_function", "virt_functions", "pci-bridge", "mdev_types", "vpd", "removable",
    "hotpluggable", " scsi_host ", "80203", "SCSI_HOST", "",
]  # fmt: skip
_MISPLACED = [
    ("bogus", {}),
    ("adapter", {}),
    ("port_id", {}),
    ("name", {}),
    ("host", {}),
    ("wwnn", {}),
    ("capability", {"type": "vports"}),
    ("capability", {"type": "phys_hba"}),
    ("capability", {"type": "fc_host"}),
    ("capability", {"type": "vport_ops"}),
    ("capability", {"type": "virt_functions"}),
    ("address", {"domain": "0x0000", "bus": "0x04", "slot": "0x00", "function": "0x0"}),
]

MUTATIONS = (
    "drop_element",
    "add_element",
    "break_wwn",
    "reorder_children",
    "odd_value",
    "change_type",
    "duplicate_element",
    "drop_attribute",
    "add_attribute",
)


def _pick(draw: st.DrawFn, items: list[etree._Element]) -> etree._Element | None:
    if not items:
        return None
    return items[draw(st.integers(0, len(items) - 1))]


def mutate(draw: st.DrawFn, root: etree._Element, kind: str) -> None:
    """Apply one mutation of ``kind`` to ``root`` in place (a no-op when it cannot apply)."""
    elements = list(root.iter(etree.Element))
    below_root = elements[1:]
    if kind == "drop_element":
        victim = _pick(draw, below_root)
        if victim is not None and (parent := victim.getparent()) is not None:
            parent.remove(victim)
    elif kind == "add_element":
        host = _pick(draw, elements)
        if host is not None:
            tag, attrs = draw(st.sampled_from(_MISPLACED))
            host.insert(draw(st.integers(0, len(host))), _el(tag, attrs=dict(attrs)))
    elif kind == "break_wwn":
        spots: list[tuple[etree._Element, str | None]] = []
        for el in elements:
            if el.text is not None and _WWN_LIKE.fullmatch(el.text):
                spots.append((el, None))
            spots.extend((el, k) for k, v in el.attrib.items() if _WWN_LIKE.fullmatch(v))
        if spots:
            el, attr = spots[draw(st.integers(0, len(spots) - 1))]
            value = el.text if attr is None else el.get(attr)
            assert value is not None
            broken = draw(
                st.sampled_from(
                    [
                        value[:-1],
                        value + "0",
                        value[:-1] + "g",
                        "0",
                        " " + value,
                        "0X" + value[-16:],
                    ]
                )
            )
            if attr is None:
                el.text = broken
            else:
                el.set(attr, broken)
    elif kind == "reorder_children":
        parent = _pick(draw, [el for el in elements if len(el) >= 2])
        if parent is not None:
            i = draw(st.integers(0, len(parent) - 1))
            j = draw(st.integers(0, len(parent) - 1))
            children = list(parent)
            children[i], children[j] = children[j], children[i]
            parent[:] = children
    elif kind == "odd_value":
        target = _pick(draw, below_root)
        if target is not None:
            value = draw(st.sampled_from(_ODD_VALUES))
            names = list(target.attrib.keys())
            if names and _maybe(draw):
                target.set(names[draw(st.integers(0, len(names) - 1))], value)
            elif len(target) == 0:
                target.text = value
    elif kind == "change_type":
        typed = _pick(draw, [el for el in elements if el.get("type") is not None])
        if typed is not None:
            typed.set("type", draw(st.sampled_from(_TYPE_NAMES)))
    elif kind == "duplicate_element":
        original = _pick(draw, below_root)
        if original is not None:
            original.addnext(copy.deepcopy(original))
    elif kind == "drop_attribute":
        carrier = _pick(draw, [el for el in elements if len(el.attrib)])
        if carrier is not None:
            names = list(carrier.attrib.keys())
            del carrier.attrib[names[draw(st.integers(0, len(names) - 1))]]
    elif kind == "add_attribute":
        carrier = _pick(draw, elements)
        if carrier is not None:
            name = draw(st.sampled_from(["bogus", "name", "wwnn", "maxCount", "id", "type"]))
            carrier.set(name, draw(st.sampled_from(["1", "scsi_host5", "2000001b32a9da4e"])))
    else:  # pragma: no cover - a typo in a test
        raise ValueError(f"unknown mutation {kind!r}")


@st.composite
def mutated_devices(draw: st.DrawFn, profile: Profile = "enriched") -> etree._Element:
    """A document of ``profile`` with one mutation applied (valid or not)."""
    root = draw(devices(profile))
    mutate(draw, root, draw(st.sampled_from(MUTATIONS)))
    return root
