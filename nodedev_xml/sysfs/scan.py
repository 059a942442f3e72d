"""Scan a sysfs root into node-device models.

The scan is linear: each class directory is listed once, each class entry's
link read once, each needed attribute file read once.  Nothing is looked up by
rescanning the tree.  A device that cannot be read is left out, an attribute
that cannot be trusted is left out, and each problem becomes one
:class:`ScanWarning`; the scan itself only fails when the root holds no sysfs.

Hostile trees (see SPEC section 7) are met this way:

- every name found in sysfs is matched against the kernel's own spelling
  (``hostN``, ``vport-H:C-N``, ``targetH:C:T``, PCI addresses; numbers without
  leading zeros) before anything is built from it;
- class and bus links are resolved as text and must land inside ``sys/devices``
  of the root, in printable text; nothing else is followed (attribute files are
  opened ``O_NOFOLLOW`` by :class:`~.access.OSFileAccess`);
- a device whose reads fail because its directory is gone or cannot be reached
  (vanished mid-scan, a symlink loop) is left out with one warning, not one per
  file; checking that costs one ``lstat``, made only after a read has failed;
- a vHBA that vanished with its vport leaves its HBA's ``vports`` list too.

The parts: :mod:`.reading` (attribute files, class links, warnings), :mod:`.hosts`
(Scsi_Hosts, fc_host, vports), :mod:`.pci` (PCI functions), :mod:`.targets` (SCSI
targets), :mod:`.names` (the names-only listing); :class:`Scanner` combines them.
"""

from __future__ import annotations

from ..model import Device, NameEntry, ScanWarning
from .access import FileAccess, OSFileAccess
from .hosts import group_by_parent, host_order
from .names import NameLister
from .pciids import PCIIds

__all__ = ["Scanner", "list_names", "scan_devices"]


class Scanner(NameLister):
    """One scan of one root.  Use :func:`scan_devices`; this class holds its state."""

    def run(self) -> list[Device]:
        self.require_sysfs()
        hosts = self._find_hosts()
        vports = self._find_vports(hosts)
        self._link_fc_hosts(hosts)
        by_parent = group_by_parent(vports)
        pci_devices = self._pci_devices(hosts)
        devices: list[Device] = list(pci_devices.values())
        host_devices: list[Device] = []
        for h in host_order(hosts):
            dev = self._host_or_drop(h, hosts, vports, by_parent, pci_devices)
            if dev is not None:
                host_devices.append(dev)
        devices.extend(self._link_up(host_devices, by_parent))
        devices.extend(self._targets(hosts))
        return devices


def scan_devices(
    root: str = "/", *, fs: FileAccess | None = None, pci_ids: PCIIds | None = None
) -> tuple[list[Device], list[ScanWarning]]:
    """Scan ``root`` (a directory holding ``sys/``); return the devices and the warnings."""
    scanner = Scanner(root=root, fs=fs or OSFileAccess(), pci_ids=pci_ids)
    devices = scanner.run()
    return devices, scanner.warnings


def list_names(
    root: str = "/",
    caps: frozenset[str] | None = None,
    *,
    all_devices: bool = False,
    fs: FileAccess | None = None,
) -> tuple[list[NameEntry], list[ScanWarning]]:
    """The devices :func:`scan_devices` finds, as ``(name, parent, capability names)``
    in the same order, reading only what decides membership; and the warnings.

    With ``caps`` ``None``: every device with all its capability names.  Else the
    devices with at least one of ``caps``, their names limited to ``caps``; with
    ``all_devices`` every device all the same (the tree needs their ancestors).
    The attributes read: ``vports`` and ``scsi_host`` need none (``vport_create``
    is looked for, as libvirt does); ``fc_host`` reads ``node_name`` and
    ``port_name``; ``pci`` (and ``all_devices`` or ``caps=None``) the PCI ids.  A
    device whose directory cannot be reached is read as the full scan reads it, so
    that it is left out with the same warning.  Other warnings the full scan gives
    for attributes read here are given too; those for attributes not read are not."""
    scanner = Scanner(root=root, fs=fs or OSFileAccess())
    entries = scanner.names(caps, all_devices)
    return entries, scanner.warnings
