"""The scan: a source's devices through discovery and the builders, into models.

    source ──▶ discovery ──▶ builders (pci, hosts, targets, luns) ──▶ Device models
                 (topology)      read through one ReadSession, under a ReadPolicy

:func:`scan_devices` reads everything (:data:`~.policy.FULL`); :func:`list_names`
runs the same discovery and builders under :func:`~.policy.membership`, reading
only what decides which devices are listed.

The scan is linear: each class directory is listed once, each class entry's
link read once, each needed attribute read once; nothing is looked up by
rescanning the tree.  A device that cannot be read is left out, an attribute
that cannot be trusted is left out, and each problem becomes one
:class:`~nodedev_xml.model.ScanWarning`; the scan itself only fails (with
:class:`~nodedev_xml.errors.SysfsError`) when the root holds no sysfs.  A device
whose reads fail because it is gone or cannot be reached is left out with one
warning, not one per attribute; checking that costs one look-up, made only
after a read has failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Device, NameEntry, ScanWarning
from .access import FileAccess
from .builders.hosts import HostBuilder
from .discovery import discover
from .policy import FULL, ReadPolicy, families, membership
from .session import ReadSession
from .source import SysfsSource

if TYPE_CHECKING:
    from .pciids import PCIIds

# The PCI and target builders are imported where they are used: ``list --cap
# vports`` (a process of its own, timed start-up included) needs neither.

__all__ = [
    "list_names",
    "read_devices",
    "read_families",
    "read_names",
    "scan_devices",
    "scan_families",
]


def read_devices(session: ReadSession, pci_ids: PCIIds | None = None) -> list[Device]:
    """Every device of ``session``'s source: PCI functions, then hosts (HBAs,
    then vHBAs), then targets, then LUNs.  ``pci_ids`` names vendors and products
    (by default the pci.ids under the source's root)."""
    from .builders.luns import lun_devices
    from .builders.pci import PCIBuilder
    from .builders.targets import target_devices
    from .pciids import PCIIds

    topology = discover(session, FULL)
    ids = pci_ids if pci_ids is not None else PCIIds.for_root(session.source.root)
    pci = PCIBuilder(session).devices(ids)
    hosts = HostBuilder(session, topology, FULL).devices(pci)
    targets = target_devices(session, topology, FULL)
    luns = lun_devices(session, topology, FULL, targets)
    return [*pci.values(), *hosts, *targets, *luns]


def read_families(
    session: ReadSession, hbas: frozenset[int], pci: dict[str, Device]
) -> list[Device]:
    """The HBAs ``hbas`` (Scsi_Host numbers), their vHBAs, their targets and their
    LUNs, as :func:`read_devices` builds them, in its order; no other device is
    read.  The PCI functions are not read again: ``pci`` (by name) are the ones an
    earlier scan built, for the HBAs' parents and adapters.  An HBA that is gone
    is simply not there."""
    from .builders.luns import lun_devices
    from .builders.targets import target_devices

    policy = families(hbas)
    topology = discover(session, policy)
    hosts = HostBuilder(session, topology, policy).devices(pci)
    targets = target_devices(session, topology, policy)
    return [*hosts, *targets, *lun_devices(session, topology, policy, targets)]


def read_names(session: ReadSession, policy: ReadPolicy) -> list[NameEntry]:
    """What :func:`read_devices` finds, as ``(name, parent, capability names)`` in
    the same order, limited to ``policy.caps``; reading what ``policy`` reads."""
    topology = discover(session, policy)
    out: list[NameEntry] = []
    if policy.reads_kind("pci"):
        from .builders.pci import PCIBuilder

        out.extend(PCIBuilder(session).names(policy))
    out.extend(HostBuilder(session, topology, policy).names())
    if policy.reads_kind("scsi_target") or policy.reads_kind("scsi"):
        from .builders.targets import target_devices

        targets = target_devices(session, topology, policy)
        out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in targets)
        if policy.reads_kind("scsi"):  # a LUN's parent is a target: they are read first
            from .builders.luns import lun_devices

            luns = lun_devices(session, topology, policy, targets)
            out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in luns)
    if not policy.every_device:
        out = [e for e in out if e[2]]
    return out


def scan_devices(
    root: str = "/", *, fs: FileAccess | None = None, pci_ids: PCIIds | None = None
) -> tuple[list[Device], list[ScanWarning]]:
    """Scan ``root`` (a directory holding ``sys/``); return the devices and the warnings."""
    session = ReadSession(SysfsSource(root, fs))
    devices = read_devices(session, pci_ids)
    return devices, session.warnings


def scan_families(
    root: str,
    hbas: frozenset[int],
    pci: dict[str, Device],
    *,
    fs: FileAccess | None = None,
) -> tuple[list[Device], list[ScanWarning]]:
    """:func:`read_families` of ``root``; the devices and the warnings."""
    session = ReadSession(SysfsSource(root, fs))
    return read_families(session, hbas, pci), session.warnings


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
    The attributes read: ``scsi_host`` needs none; ``vports`` looks for
    ``vport_create``, as libvirt does, and reads a host's ``node_name`` and
    ``port_name`` when it has one (libvirt gives a port without its names no vport
    operations); ``fc_host`` reads ``node_name`` and ``port_name``; ``scsi`` each LUN's
    ``type`` (libvirt leaves out a LUN whose type is no number); ``pci`` (and
    ``all_devices`` or ``caps=None``) the PCI ids. A device whose directory cannot be
    reached is read as the full scan reads it, so that it is left out with the same
    warning. Other warnings the full scan gives for attributes read here are given too;
    those for attributes not read are not."""
    session = ReadSession(SysfsSource(root, fs))
    entries = read_names(session, membership(caps, all_devices))
    return entries, session.warnings
