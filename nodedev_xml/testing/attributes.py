"""What the attribute files of each kind of device hold.

One function per directory kind returns its files (name -> contents) before
the caller's overrides: a PCI function, a CCW device, a Scsi_Host's
``scsi_host`` and ``fc_host`` class devices, an NPIV vport's ``fc_vports``, a
remote port's ``fc_remote_ports``, a SCSI target's ``fc_transport`` and a LUN.
Where the files go is :mod:`nodedev_xml.testing.builder`'s business; which
``fc_host`` attributes a driver has is its :class:`~.presets.DriverPreset`'s.
A new attribute of a kind of device is a line here.
"""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass

from .presets import VPORT_OPS, DriverPreset
from .specs import PCIE_SPEEDS, PCIeLink
from .values import WRITE_ONLY, as_files, kernel_wwn, template_entry

__all__ = [
    "PCIE_DOWNSTREAM_PORT",
    "PCIE_ENDPOINT",
    "PCIE_RC_INTEGRATED_ENDPOINT",
    "PCIE_ROOT_PORT",
    "PCIE_UPSTREAM_PORT",
    "VPORT_TYPE",
    "FCPortValues",
    "ap_card_files",
    "ap_queue_files",
    "ccw_device_files",
    "fc_host_files",
    "fc_remote_port_files",
    "fc_transport_files",
    "fc_vport_files",
    "pci_config_space",
    "pci_function_files",
    "scsi_device_files",
    "scsi_host_files",
    "subchannel_files",
]

#: The ``vport_type`` of an NPIV vport, and the ``port_type`` of its vHBA.
VPORT_TYPE = "NPIV VPORT"
#: ``supported_fc4s`` / ``active_fc4s``: a 32-byte FC-4 type bitmap, FCP (type 8) only.
FC4S = "".join(f"0x{b:02x} " for b in [0, 0, 1] + [0] * 29)
#: The ``statistics/`` group of an ``fc_host`` (a few of its counters).
STATISTICS = {
    "statistics/seconds_since_last_reset": "0x1c2f",
    "statistics/tx_frames": "0x2b8e",
    "statistics/rx_frames": "0x3d1a",
    "statistics/lip_count": "0x0",
    "statistics/link_failure_count": "0x1",
    "statistics/invalid_crc_count": "0x0",
}


def pci_uevent(
    address: str,
    vendor: int,
    device: int,
    pci_class: int,
    subsystem: tuple[int, int],
    driver: str | None,
) -> str:
    """A PCI function's ``uevent``: ``DRIVER`` (when bound), ids, slot and modalias."""
    sub_vendor, sub_device = subsystem
    lines = [f"DRIVER={driver}"] if driver else []
    lines += [
        f"PCI_CLASS={pci_class:X}",
        f"PCI_ID={vendor:04X}:{device:04X}",
        f"PCI_SUBSYS_ID={sub_vendor:04X}:{sub_device:04X}",
        f"PCI_SLOT_NAME={address}",
        f"MODALIAS=pci:v{vendor:08X}d{device:08X}sv{sub_vendor:08X}sd{sub_device:08X}"
        f"bc{pci_class >> 16:02X}sc{(pci_class >> 8) & 0xFF:02X}i{pci_class & 0xFF:02X}",
    ]
    return "\n".join(lines)


#: PCI class code of a PCI-to-PCI bridge (base class 06, subclass 04), without prog-if.
PCI_BRIDGE_CLASS = 0x0604
#: PCI class code of a CardBus bridge.
CARDBUS_BRIDGE_CLASS = 0x0607
#: The header type of each bridge class (1: PCI-to-PCI, 2: CardBus); 0 for the others.
_HEADER_TYPES = {PCI_BRIDGE_CLASS: 1, CARDBUS_BRIDGE_CLASS: 2}
#: Command register: memory space and bus master enabled, as a bound driver leaves it.
COMMAND_ENABLED = 0x0006


#: PCI Express device/port types (PCI Express Capabilities register, bits 7:4).
PCIE_ENDPOINT = 0x0
PCIE_ROOT_PORT = 0x4
PCIE_UPSTREAM_PORT = 0x5
PCIE_DOWNSTREAM_PORT = 0x6
PCIE_RC_INTEGRATED_ENDPOINT = 0x9  # has no link
#: Where the capabilities go: power management at 0x40, then PCI Express at 0x60.
_PM_CAP, _EXP_CAP = 0x40, 0x60
_STATUS_CAP_LIST = 0x10
#: The size of a PCI Express function's configuration space (conventional PCI: 256).
EXTENDED_CONFIG_SIZE = 4096


def pci_config_space(
    vendor: int,
    device: int,
    pci_class: int,
    subsystem: tuple[int, int],
    *,
    enabled: bool,
    pcie: PCIeLink | None = None,
    port_type: int = PCIE_ENDPOINT,
) -> bytes:
    """A function's ``config``, little endian.  Header type 1 for a PCI-to-PCI
    bridge, 2 for a CardBus bridge, else 0 (with the subsystem ids at 0x2C).  A
    conventional PCI function (no ``pcie``) has the 256 bytes and no capability
    list; a PCI Express one the 4096 bytes and
    a capability list: power management at 0x40, then the PCI Express capability
    at 0x60 of ``port_type`` whose Link Capabilities and Link Status registers
    hold ``pcie``'s speeds, widths and port number."""
    header_type = _HEADER_TYPES.get(pci_class >> 8, 0)
    space = bytearray(256 if pcie is None else EXTENDED_CONFIG_SIZE)
    command = COMMAND_ENABLED if enabled else 0
    status = 0 if pcie is None else _STATUS_CAP_LIST
    # vendor, device, command, status, revision 1, class code
    struct.pack_into("<HHHHB", space, 0x00, vendor, device, command, status, 1)
    space[0x09:0x0C] = pci_class.to_bytes(3, "little")
    space[0x0E] = header_type
    if header_type == 0:
        struct.pack_into("<HH", space, 0x2C, *subsystem)
    if pcie is not None:
        space[0x34] = _PM_CAP
        # power management, version 3, next: PCI Express
        struct.pack_into("<BBH", space, _PM_CAP, 0x01, _EXP_CAP, 0x0003)
        link_cap = PCIE_SPEEDS[pcie.max_speed] | pcie.max_width << 4 | pcie.port << 24
        link_sta = PCIE_SPEEDS[pcie.current_speed] | pcie.current_width << 4
        # PCI Express, the last capability: version 2 and the port type
        struct.pack_into("<BBH", space, _EXP_CAP, 0x10, 0, 0x0002 | port_type << 4)
        struct.pack_into("<I", space, _EXP_CAP + 0x0C, link_cap)
        struct.pack_into("<H", space, _EXP_CAP + 0x12, link_sta)
    return bytes(space)


def pci_function_files(
    address: str,
    *,
    vendor: int,
    device: int,
    pci_class: int,
    subsystem: tuple[int, int],
    driver: str | None,
    numa_node: int,
    sriov_totalvfs: int | None,
    pcie: PCIeLink | None = None,
    port_type: int = PCIE_ENDPOINT,
) -> dict[str, bytes]:
    """A PCI function's ids, ``class``, ``numa_node``, ``uevent`` and binary ``config``
    space (:func:`pci_config_space`); an SR-IOV physical function also has
    ``sriov_totalvfs`` and ``sriov_numvfs`` (0); a PCI Express function (``pcie``)
    its link attributes, as the kernel prints them."""
    sub_vendor, sub_device = subsystem
    values: dict[str, str | bytes] = {
        "vendor": f"0x{vendor:04x}",
        "device": f"0x{device:04x}",
        "class": f"0x{pci_class:06x}",
        "subsystem_vendor": f"0x{sub_vendor:04x}",
        "subsystem_device": f"0x{sub_device:04x}",
        "numa_node": str(numa_node),
        "uevent": pci_uevent(address, vendor, device, pci_class, subsystem, driver),
        "config": pci_config_space(
            vendor, device, pci_class, subsystem, enabled=driver is not None,
            pcie=pcie, port_type=port_type,
        ),
    }  # fmt: skip
    if pcie is not None:
        values.update(
            max_link_speed=f"{pcie.max_speed} GT/s PCIe",
            max_link_width=str(pcie.max_width),
            current_link_speed=f"{pcie.current_speed} GT/s PCIe",
            current_link_width=str(pcie.current_width),
        )
    if sriov_totalvfs is not None:
        values.update(sriov_totalvfs=str(sriov_totalvfs), sriov_numvfs="0")
    return as_files(values)


def ccw_device_files(driver: str = "zfcp", online: bool = True) -> dict[str, bytes]:
    """An s390 CCW device of an FCP channel: ``uevent``, ``online``, ``cutype``,
    ``devtype``, ``availability``, ``modalias``."""
    modalias = "ccw:t1731m03dt1732dm03dtm"
    uevent = (f"DRIVER={driver}\n" if online else "") + (
        f"CU_TYPE=1731\nCU_MODEL=03\nDEV_TYPE=1732\nDEV_MODEL=03\nMODALIAS={modalias}")
    return as_files({"uevent": uevent, "online": "1" if online else "0",
                     "cutype": "1731/03", "devtype": "1732/03", "availability": "good",
                     "modalias": modalias})  # fmt: skip


#: The AP functions an adapter in each mode has (``ap_functions``: bit 0 is the
#: top bit): 4K modular exponentiation and CRT, extended addressing, and the mode's.
AP_MODE_FUNCTIONS = {"cca": 0x72000000, "accel": 0x6A000000, "ep11": 0x66000000}
#: What zcrypt calls a card of each hardware type in each mode (``type``).
_AP_CARD_TYPES = {"cca": "CEX{}C", "accel": "CEX{}A", "ep11": "CEX{}P"}


def ap_card_files(adapter: int, hwtype: int, mode: str, driver: str | None) -> dict[str, bytes]:
    """An s390 AP card (``cardNN``) of hardware type ``hwtype`` (13: CEX7) in ``mode``
    (``cca``, ``accel``, ``ep11``): the AP bus's attributes and ``uevent``
    (``DEVTYPE=ap_card``, ``DEV_TYPE``, ``MODALIAS``, ``MODE``), and zcrypt's
    (``type``, ``online``, ``load``) when its driver is bound."""
    bound = f"DRIVER={driver}\n" if driver else ""
    values: dict[str, str | bytes] = {
        "uevent": f"DEVTYPE=ap_card\n{bound}DEV_TYPE={hwtype:04X}\nMODALIAS=ap:t{hwtype:02X}\n"
                  f"MODE={mode}",
        "hwtype": str(hwtype), "raw_hwtype": str(hwtype), "depth": "8",
        "ap_functions": f"0x{AP_MODE_FUNCTIONS[mode]:08X}", "request_count": "0",
        "requestq_count": "0", "pendingq_count": "0", "modalias": f"ap:t{hwtype:02X}",
        "config": "1", "chkstop": "0", "max_msg_size": "12288",
    }  # fmt: skip
    if driver:
        values.update(type=_AP_CARD_TYPES[mode].format(hwtype - 6), online="1", load="0")
    return as_files(values)


def ap_queue_files(mode: str, driver: str | None) -> dict[str, bytes]:
    """An s390 AP queue (``NN.DDDD``) of a card in ``mode``: the AP bus's attributes
    and ``uevent`` (``DEVTYPE=ap_queue``, ``MODE``); zcrypt's ``online`` and ``load``
    when ``cex4queue`` drives it (``vfio_ap`` holds it for a guest)."""
    bound = f"DRIVER={driver}\n" if driver else ""
    values: dict[str, str | bytes] = {
        "uevent": f"DEVTYPE=ap_queue\n{bound}MODE={mode}", "request_count": "0",
        "requestq_count": "0", "pendingq_count": "0", "reset": "No Reset Timer set.",
        "interrupt": "Interrupts enabled.", "config": "1", "chkstop": "0",
        "ap_functions": f"0x{AP_MODE_FUNCTIONS[mode]:08X}",
    }  # fmt: skip
    if driver == "cex4queue":
        values.update(online="1", load="0")
    return as_files(values)


def subchannel_files(bus_id: str) -> dict[str, bytes]:
    """An s390 I/O subchannel (bound to ``io_subchannel``) holding the CCW device ``bus_id``."""
    return as_files({"uevent": "DRIVER=io_subchannel\nST=0\nMODALIAS=css:t0", "type": "0",
                     "dev_busid": bus_id, "chpids": "50 00 00 00 00 00 00 00",
                     "pimpampom": "80 80 ff", "modalias": "css:t0"})  # fmt: skip


def scsi_host_files(
    proc_name: str,
    queue: tuple[str, str, str],
    unique_id: int,
    extra: Mapping[str, str],
    fields: Mapping[str, object],
) -> dict[str, bytes]:
    """The generic ``scsi_host`` attributes plus the driver's own: ``extra``, templates
    filled from ``fields`` (see :class:`~.presets.DriverPreset`)."""
    can_queue, cmd_per_lun, sg_tablesize = queue
    values: dict[str, str | bytes] = {
        "unique_id": str(unique_id),
        "proc_name": proc_name,
        "state": "running",
        "active_mode": "Initiator",
        "supported_mode": "Initiator",
        "host_busy": "0",
        "can_queue": can_queue,
        "cmd_per_lun": cmd_per_lun,
        "sg_tablesize": sg_tablesize,
        "scan": WRITE_ONLY,
        "host_reset": WRITE_ONLY,
    }
    values.update({k: v.format_map(fields) for k, v in extra.items()})
    return as_files(values)


@dataclass(frozen=True)
class FCPortValues:
    """What one FC port shows in its ``fc_host``: its names, its fabric login and link."""

    node_name: int
    port_name: int
    fabric_name: int
    port_id: int
    port_state: str
    port_type: str
    speed: str
    max_npiv_vports: int


def fc_host_files(
    preset: DriverPreset,
    port: FCPortValues,
    *,
    physical: bool,
    supported_speeds: str,
    symbolic_name: str,
    fields: Mapping[str, object] | None = None,
) -> dict[str, bytes]:
    """An ``fc_host``'s attributes: those of the driver's template for a physical port
    or a vHBA, the transport's vport operations on a vport-capable physical port, and
    the FDMI strings the driver fills in (its templates filled from ``fields``)."""
    values: dict[str, str | bytes] = {
        "node_name": kernel_wwn(port.node_name),
        "port_name": kernel_wwn(port.port_name),
        "permanent_port_name": kernel_wwn(port.port_name),
        "fabric_name": kernel_wwn(port.fabric_name),
        "port_id": f"0x{port.port_id:06x}",
        "port_state": port.port_state,
        "port_type": port.port_type,
        "speed": port.speed,
        "supported_speeds": supported_speeds,
        "supported_classes": preset.supported_classes,
        "supported_fc4s": FC4S,
        "active_fc4s": FC4S,
        "maxframe_size": preset.maxframe_size,
        "symbolic_name": symbolic_name,
        "system_hostname": "",
        "serial_number": preset.serial_number,
        "dev_loss_tmo": preset.dev_loss_tmo,
        "tgtid_bind_type": "wwpn (World Wide Port Name)",
        "issue_lip": WRITE_ONLY,
        "max_npiv_vports": str(port.max_npiv_vports),
        "npiv_vports_inuse": "0",
        "vport_create": WRITE_ONLY,
        "vport_delete": WRITE_ONLY,
        **STATISTICS,
        "statistics/reset_statistics": WRITE_ONLY,
    }
    names = preset.fc_attrs if physical else preset.vport_fc_attrs
    if physical and preset.vport_capable:
        names |= VPORT_OPS
    kept = {k: v for k, v in values.items() if template_entry(k) in names}
    fdmi = preset.fc_host if physical else preset.vport_fc_host
    kept.update({k: v.format_map(fields or {}) for k, v in fdmi.items()})
    return as_files(kept)


def fc_vport_files(
    node_name: int, port_name: int, state: str, last_state: str, *, vport_disable: bool
) -> dict[str, bytes]:
    """An NPIV vport's ``fc_vports`` attributes, as ``vport_create`` leaves them."""
    values: dict[str, str | bytes] = {
        "node_name": kernel_wwn(node_name),
        "port_name": kernel_wwn(port_name),
        "roles": "FCP Initiator",
        "vport_type": VPORT_TYPE,
        "vport_state": state,
        "vport_last_state": last_state,
        "symbolic_name": "",
        "vport_delete": WRITE_ONLY,
    }
    if vport_disable:
        values["vport_disable"] = WRITE_ONLY
    return as_files(values)


def fc_remote_port_files(
    node_name: int,
    port_name: int,
    port_id: int,
    *,
    roles: str,
    port_state: str,
    target_id: int,
    dev_loss_tmo: str,
) -> dict[str, bytes]:
    """A remote port's ``fc_remote_ports`` attributes (``scsi_target_id`` -1: no target)."""
    return as_files(
        {
            "node_name": kernel_wwn(node_name),
            "port_name": kernel_wwn(port_name),
            "port_id": f"0x{port_id:06x}",
            "roles": roles,
            "port_state": port_state,
            "scsi_target_id": str(target_id),
            "dev_loss_tmo": dev_loss_tmo,
            "fast_io_fail_tmo": "5",
            "supported_classes": "Class 3",
            "maxframe_size": "2048 bytes",
        }
    )


def fc_transport_files(node_name: int, port_name: int, port_id: int) -> dict[str, bytes]:
    """A SCSI target's ``fc_transport`` attributes: its remote port's names and id."""
    return as_files(
        {
            "node_name": kernel_wwn(node_name),
            "port_name": kernel_wwn(port_name),
            "port_id": f"0x{port_id:06x}",
        }
    )


#: The upper-level driver the kernel binds to a SCSI device of each peripheral type.
SCSI_DRIVERS = {0: "sd", 1: "st", 5: "sr", 8: "ch", 13: "ses"}


def scsi_device_files(
    type: int = 0,
    vendor: str = "3PARdata",
    model: str = "VV",
    rev: str = "3310",
    driver: str | None = "sd",
) -> dict[str, bytes]:
    """A SCSI device (a LUN; by default a 3PAR virtual volume, disk type 0): its
    inquiry strings space-padded to their field widths (8, 16, 4), as the kernel
    prints them."""
    uevent = "DEVTYPE=scsi_device\n" + (f"DRIVER={driver}\n" if driver else "")
    return as_files(
        {
            "uevent": uevent + f"MODALIAS=scsi:t-0x{type:02x}",
            "type": str(type),
            "scsi_level": "6",
            "vendor": f"{vendor:<8.8}",
            "model": f"{model:<16.16}",
            "rev": f"{rev:<4.4}",
            "state": "running",
            "device_blocked": "0",
            "queue_depth": "64",
            "timeout": "30",
        }
    )
