"""Which fields each source gives: the one home of the README's table.

A sysfs scan (either backend) reads everything the models hold.  A libvirt
connection gives what libvirt's documents carry, and the links between them;
:data:`SYSFS_ONLY` names what it cannot give, and :func:`as_libvirt_sees`
drops exactly that from a device a sysfs scan built, so that a test can require
the connection's device to equal it.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from ..model import Device, FCHost, ScsiDevice, ScsiHost, Vports

__all__ = ["SOURCE_TABLE", "SYSFS_ONLY", "as_libvirt_sees"]

#: The fields a libvirt connection does not give, by capability, with why.
SYSFS_ONLY: Final = {
    "fc_host": ("port_state", "port_type", "port_id", "speed", "symbolic_name"),
    "scsi_host": ("adapter",),
    "vports": (
        "vport state",
        "vports whose Scsi_Host has not appeared",
        "the vports of a host libvirt gives no vport_ops",
    ),
    "scsi": (
        "vendor",
        "model",
        "revision",
        "block",
        "size",
        "wwid",
        "serial",
        "by_id",
        "multipath",
        "multipath_uuid",
        "remote_wwpn",
    ),
}

#: (field, sysfs scan, libvirt connection): the README's table, in its order.
SOURCE_TABLE: Final = (
    ("names, parents, paths, PCI functions (libvirt's documents)", "yes", "yes"),
    ("fc_host wwnn, wwpn, fabric_wwn; vport_ops", "yes", "yes"),
    ("fc_host port_state, port_type, port_id, speed, symbolic_name", "yes", "no"),
    ("vports on an HBA (name, wwnn, wwpn) and its maxCount", "yes", "yes, from the parent links"),
    ("a vport's state; a vport whose Scsi_Host has not appeared", "yes", "no"),
    ("phys_hba on a vHBA", "yes", "yes, from the parent link"),
    ("adapter (vendor, product, model, PCI address)", "yes", "no"),
    ("LUNs (scsi_H_B_T_L) and their type", "yes", "yes"),
    ("a LUN's vendor, model, revision, block device, size", "yes", "no"),
    ("a LUN's identity: WWID, serial, by-id name, multipath map, remote port", "yes", "no"),
)


def _fc(fc: FCHost) -> FCHost:
    return FCHost(wwnn=fc.wwnn, wwpn=fc.wwpn, fabric_wwn=fc.fabric_wwn)


def _host(cap: ScsiHost) -> ScsiHost:
    vports = cap.vports if cap.vport_ops is not None else None  # libvirt: no vport_ops, no vports
    if vports is not None:
        entries = tuple(replace(v, state=None) for v in vports.vports if v.name is not None)
        vports = Vports(max_count=vports.max_count, vports=entries)
    fc = _fc(cap.fc_host) if cap.fc_host is not None else None
    return replace(cap, fc_host=fc, vports=vports, adapter=None)


def _lun(cap: ScsiDevice) -> ScsiDevice:
    return ScsiDevice(cap.host, cap.bus, cap.target, cap.lun, type=cap.type)


def as_libvirt_sees(device: Device) -> Device:
    """``device`` (from a sysfs scan) without the fields of :data:`SYSFS_ONLY`."""
    caps = tuple(
        _host(c) if isinstance(c, ScsiHost) else _lun(c) if isinstance(c, ScsiDevice) else c
        for c in device.capabilities
    )
    return replace(device, capabilities=caps)
