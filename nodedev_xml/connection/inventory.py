"""A libvirt connection's node devices as an :class:`~nodedev_xml.model.Inventory`.

:func:`read_inventory` lists the devices (``listAllDevices``), reads each one's
document (``XMLDesc``) and hands them to :func:`inventory_of`, which parses them
into the same models a sysfs scan builds and enriches them with what libvirt's
documents allow: ``vports`` on each vport-capable HBA (one with ``vport_ops``) and
``phys_hba`` on each vHBA (from the parent links: a vHBA is a ``scsi_host`` whose parent is a
``scsi_host``), the vport limit from ``vport_ops``.  What only sysfs knows is
absent (:mod:`.fields` lists it).

Only the kinds nodedev-xml models are kept (PCI functions, SCSI hosts, targets
and LUNs); a device below one that is not (an FCoE host below a network
interface) hangs from the nearest ancestor that is kept, as in a sysfs scan.
libvirt's own quirks are mended as ``enrich`` mends them: WWNs padded to 16
digits, no ``fabric_wwn`` for "no fabric", and a LUN number from 2**31 up,
which libvirt prints as a negative 32-bit integer, read as the number it is.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from ..errors import XMLInputError
from ..model import (
    Device,
    Inventory,
    MdevTypes,
    Parent,
    PhysHBA,
    RawCapability,
    ScanWarning,
    ScsiHost,
    System,
    Vport,
    Vports,
)
from ..vocabulary import COMPUTER
from .session import calling, libvirt_module, uri_of

__all__ = ["inventory_of", "read_documents", "read_inventory"]


def read_documents(conn: Any) -> tuple[dict[str, str], list[ScanWarning]]:
    """Every node device's document on ``conn``, by name, in libvirt's order; a
    device that went between the listing and its document is a warning.  Raises
    :class:`~nodedev_xml.errors.LibvirtConnectionError` when the connection fails."""
    libvirt = libvirt_module()
    where = uri_of(conn)
    docs: dict[str, str] = {}
    warnings: list[ScanWarning] = []
    with calling(where, "listing node devices"):
        handles = conn.listAllDevices(0)
    for handle in handles:
        with calling(where, "reading a node device"):
            name = str(handle.name())
        try:
            docs[name] = str(handle.XMLDesc(0))
        except libvirt.libvirtError as e:
            if e.get_error_code() != libvirt.VIR_ERR_NO_NODE_DEVICE:
                with calling(where, f"reading {name}"):
                    raise
            warnings.append(ScanWarning(name, None, "vanished while the list was read"))
    return docs, warnings


def read_inventory(conn: Any) -> Inventory:
    """The devices ``conn`` lists, as an Inventory whose ``root`` is the
    connection's URI and whose ``computer`` is libvirt's.  Raises
    :class:`~nodedev_xml.errors.LibvirtConnectionError`."""
    docs, warnings = read_documents(conn)
    return inventory_of(docs, source=uri_of(conn), warnings=warnings)


def _mended(text: str, name: str, source: str) -> Device:
    from ..xml.document import from_element
    from ..xml.enrich import mend_wwns
    from ..xml.safe import parse_xml

    root = parse_xml(text.encode("utf-8"), source=f"{source} {name}")
    mend_wwns(root)
    for lun in root.iterfind("capability[@type='scsi']/lun"):
        value = (lun.text or "").strip()
        if value.startswith("-") and value[1:].isdigit() and int(value) >= -(2**31):
            lun.text = str(int(value) + 2**32)
    return from_element(root)


def _modelled(dev: Device) -> bool:
    """A device the sysfs scan models too (a device of a kind it does not model is
    left out, its children hung from the nearest ancestor it keeps)."""
    return any(not isinstance(c, RawCapability | System) for c in dev.capabilities)


def inventory_of(
    documents: Mapping[str, str], *, source: str, warnings: Iterable[ScanWarning] = ()
) -> Inventory:
    """The Inventory of libvirt's node-device documents (name -> XML), enriched as
    the module says; ``computer``'s document is the Inventory's ``computer``.  A
    document that cannot be read is left out with a warning."""
    notes = list(warnings)
    parsed: dict[str, Device] = {}
    parents: dict[str, str | None] = {}
    computer = None
    for name, text in documents.items():
        try:
            dev = _mended(text, name, source)
        except XMLInputError as e:
            notes.append(ScanWarning(name, None, f"left out: {e}"))
            continue
        parents[dev.name] = dev.parent_name
        if dev.name == COMPUTER:
            computer = dev
        elif _modelled(dev):
            parsed[dev.name] = dev
    kept = {n: _by_id(_reparented(d, parents, parsed)) for n, d in parsed.items()}
    return Inventory(_ordered(_linked(kept)), root=source, warnings=notes, computer=computer)


def _by_id(dev: Device) -> Device:
    """``dev`` with its mediated-device types by id, as a sysfs scan gives them
    (libvirt prints them in directory order)."""
    caps = []
    for cap in dev.capabilities:
        mdev = getattr(cap, "mdev_types", None)
        if mdev is not None:
            ordered = MdevTypes(tuple(sorted(mdev.types, key=lambda t: t.id)))
            cap = replace(cap, mdev_types=ordered)  # type: ignore[arg-type]
        caps.append(cap)
    return replace(dev, capabilities=tuple(caps))


def _reparented(
    dev: Device, parents: Mapping[str, str | None], kept: Mapping[str, Device]
) -> Device:
    """``dev`` hanging from its nearest kept ancestor (``computer`` if none)."""
    up = dev.parent_name
    seen = {dev.name}
    while up is not None and up not in kept and up != COMPUTER and up not in seen:
        seen.add(up)
        up = parents.get(up)
    target = up if up is not None and up in kept else COMPUTER
    if target == dev.parent_name:
        return dev
    return replace(dev, parent=Parent(name=target))


def _linked(devices: Mapping[str, Device]) -> dict[str, Device]:
    """``phys_hba`` on each vHBA, ``vports`` on each vport-capable HBA."""
    vhbas: dict[str, list[Device]] = {}
    out = dict(devices)
    for dev in devices.values():
        cap = dev.scsi_host
        parent = devices.get(dev.parent_name or "")
        pcap = parent.scsi_host if parent is not None else None
        if cap is None or cap.fc_host is None or pcap is None:
            continue
        pfc = pcap.fc_host
        phys = PhysHBA(name=parent.name, wwnn=pfc.wwnn if pfc else None,  # type: ignore[union-attr]
                       wwpn=pfc.wwpn if pfc else None)  # fmt: skip
        out[dev.name] = replace(dev, capabilities=_with(dev, replace(cap, phys_hba=phys)))
        vhbas.setdefault(parent.name, []).append(out[dev.name])  # type: ignore[union-attr]
    for name in devices:
        cap = out[name].scsi_host
        mine = sorted(vhbas.get(name, ()), key=_host_number)
        if cap is None or cap.vport_ops is None:
            continue  # to libvirt, a host without vport_ops has no vports
        entries = tuple(
            Vport(name=v.name, wwnn=f.wwnn, wwpn=f.wwpn)
            for v in mine
            if (f := v.scsi_host.fc_host if v.scsi_host else None) is not None
        )
        vports = Vports(max_count=cap.vport_ops.max_vports, vports=entries)
        out[name] = replace(out[name], capabilities=_with(out[name], replace(cap, vports=vports)))
    return out


def _with(dev: Device, new: ScsiHost) -> tuple[Any, ...]:
    return tuple(new if isinstance(c, ScsiHost) else c for c in dev.capabilities)


def _host_number(dev: Device) -> int:
    cap = dev.scsi_host
    return cap.host if cap is not None else -1


#: Where a sysfs scan puts the devices that are no PCI function, host, target or
#: LUN (``sysfs/pipeline.py``): (group, rank) by capability type.
_AROUND: dict[str, tuple[int, int]] = {
    "usb_device": (1, 0), "usb": (1, 0), "css": (1, 1), "ccw": (1, 2), "net": (1, 3),
    "drm": (1, 4), "mdev": (1, 5), "ap_card": (1, 6), "ap_queue": (1, 6), "ap_matrix": (1, 7),
    "storage": (2, 0), "scsi_generic": (2, 1),
}  # fmt: skip


def _ordered(devices: Mapping[str, Device]) -> list[Device]:
    """A sysfs scan's order: PCI functions by address, the devices around the
    hosts (USB, s390 channels, interfaces) and mediated devices, AP cards and
    queues, the AP matrix, disks, HBAs then vHBAs by host number, targets, then LUNs
    by address."""

    def key(dev: Device) -> tuple[Any, ...]:
        if (pci := dev.pci) is not None:
            a = pci.address
            return (0, a.domain, a.bus, a.slot, a.function)
        if (host := dev.scsi_host) is not None:
            return (3 if host.phys_hba is None else 4, host.host)
        if (lun := dev.scsi) is not None:
            return (6, lun.host, lun.bus, lun.target, lun.lun)
        if dev.scsi_target is not None:
            return (5, *_target_numbers(dev.name))
        kind = dev.capabilities[0].cap_type if dev.capabilities else ""
        # The devices around the hosts, then the disks, each kind by its sysfs name.
        group, rank = _AROUND.get(kind, (7, 0))
        return (group, rank, posixpath.basename(dev.path or ""), dev.name)

    return sorted(devices.values(), key=key)


def _target_numbers(name: str) -> tuple[int, ...]:
    """``scsi_target5_0_1`` -> (5, 0, 1)."""
    digits = name.removeprefix("scsi_target").split("_")
    return tuple(int(d) if d.isdigit() else -1 for d in digits)
