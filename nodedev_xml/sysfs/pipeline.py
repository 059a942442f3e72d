"""The scan: a source's devices through discovery and the builders, into models.

    source ──▶ discovery ──▶ builders (pci, hosts, targets, luns) ──▶ Device models
                 (topology)      read through one ReadSession, under a ReadPolicy

:func:`read_devices` reads everything (:data:`~.policy.FULL`); :func:`read_names`
runs the same discovery and builders under :func:`~.policy.membership`, reading
only what decides which devices are listed.  :mod:`.scan` is the entry point
that opens a session on a root and runs them.

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

from ..model import Device, NameEntry
from .builders.hosts import HostBuilder
from .builders.parents import with_parents
from .discovery import TARGET, discover
from .policy import FULL, ReadPolicy, families
from .session import ReadSession

if TYPE_CHECKING:
    from .pciids import PCIIds

#: The capabilities of the devices :func:`around_hosts` builds.
AROUND_CAPS = frozenset({"usb_device", "usb", "css", "ccw", "net"})
#: What the names-only listing reads of them: what decides which are devices.
AROUND_NAMES = ReadPolicy(details=False, caps=AROUND_CAPS, every_device=False)

# The PCI and target builders are imported where they are used: ``list --cap
# vports`` (a process of its own, timed start-up included) needs neither.

__all__ = [
    "LEAF_CLASSES",
    "host_of",
    "leaf_class",
    "read_devices",
    "read_families",
    "read_leaves",
    "read_names",
    "scan_order",
]

#: The kinds of device the live watch re-reads one by one, with the class directory each
#: is listed from, in :func:`read_devices`' order: network interfaces, then disks, then
#: SCSI generic nodes (a kind's devices in the order of their class entries' names).
LEAF_CLASSES = {"net": "net", "storage": "block", "scsi_generic": "scsi_generic"}


def read_devices(session: ReadSession, pci_ids: PCIIds | None = None) -> list[Device]:
    """Every device of ``session``'s source: PCI functions, then hosts (HBAs,
    then vHBAs), then targets, then LUNs.  ``pci_ids`` names vendors and products
    (by default the pci.ids under the source's root)."""
    from .builders.drm import drm_devices
    from .builders.generic import generic_devices
    from .builders.luns import lun_devices
    from .builders.mdev import mdev_devices
    from .builders.pci import PCIBuilder
    from .builders.storage import storage_devices
    from .builders.targets import target_devices
    from .pciids import PCIIds

    topology = discover(session, FULL)
    ids = pci_ids if pci_ids is not None else PCIIds.for_root(session.source.root)
    pci = PCIBuilder(session).devices(ids)
    around = with_parents(around_hosts(session, FULL), pci.values(), pci)
    drm = with_parents(drm_devices(session), pci.values(), pci)
    ap = with_parents(ap_devices(session, FULL), ())
    hosts = HostBuilder(session, topology, FULL).devices({**pci, **{d.name: d for d in around}})
    targets = target_devices(session, topology, FULL)
    luns = lun_devices(session, topology, FULL, targets)
    disks = with_parents([*storage_devices(session), *generic_devices(session)],
                         [*pci.values(), *around, *luns], pci)  # fmt: skip
    built = [*pci.values(), *around, *drm, *ap, *disks, *hosts, *targets, *luns]
    mdevs = with_parents(mdev_devices(session), built, pci)  # below any kind of device
    return [*pci.values(), *around, *drm, *mdevs, *ap, *disks, *hosts, *targets, *luns]


def ap_devices(session: ReadSession, policy: ReadPolicy) -> list[Device]:
    """s390 AP cards and queues, then vfio_ap's matrix device (those ``policy``
    reads, and the matrix whenever mediated devices are read: it is their parent),
    without their parents."""
    from .builders.ap import ap_devices as cards_and_queues
    from .builders.ap import ap_matrix_devices

    out: list[Device] = []
    if policy.reads_kind("ap_card") or policy.reads_kind("ap_queue"):
        out.extend(cards_and_queues(session, policy.details))
    if any(policy.reads_kind(k) for k in ("ap_matrix", "mdev_types", "mdev")):
        out.extend(ap_matrix_devices(session, policy.details))
    return out


def around_hosts(session: ReadSession, policy: ReadPolicy) -> list[Device]:
    """The devices of the kinds a SCSI host may hang below that are no PCI function,
    without their parents: USB devices and interfaces, s390 subchannels and CCW
    devices, network interfaces (those ``policy`` reads)."""
    from .builders.channels import ccw_devices, css_devices
    from .builders.net import net_devices
    from .builders.usb import usb_devices

    out: list[Device] = []
    for kinds, build in ((("usb_device", "usb"), usb_devices), (("css",), css_devices),
                         (("ccw",), ccw_devices), (("net",), net_devices)):  # fmt: skip
        if any(policy.reads_kind(k) for k in kinds):
            out.extend(build(session, policy.details))
    return out


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


def read_leaves(session: ReadSession, above: list[Device]) -> list[Device]:
    """The network interfaces, disks and SCSI generic nodes of ``session``'s source
    (:data:`LEAF_CLASSES`), as :func:`read_devices` builds them, in its order; their
    parents among themselves and ``above`` (the devices an earlier scan built)."""
    from .builders.generic import generic_devices
    from .builders.net import net_devices
    from .builders.storage import storage_devices

    leaves = [*net_devices(session), *storage_devices(session), *generic_devices(session)]
    return with_parents(leaves, above, {d.name for d in above if d.pci is not None})


def leaf_class(d: Device) -> str | None:
    """The class directory ``d`` is listed from when it is of a :data:`LEAF_CLASSES` kind."""
    return LEAF_CLASSES.get(d.capabilities[0].cap_type) if d.capabilities else None


def read_names(session: ReadSession, policy: ReadPolicy) -> list[NameEntry]:
    """What :func:`read_devices` finds, as ``(name, parent, capability names)`` in
    the same order, limited to ``policy.caps``; reading what ``policy`` reads."""
    topology = discover(session, policy)
    out: list[NameEntry] = []
    pci: set[str] | None = None  # the functions listed, once read
    if policy.reads_kind("pci") or policy.reads_kind("mdev_types"):
        from .builders.pci import PCIBuilder

        out.extend(PCIBuilder(session).names(policy))
        pci = {e[0] for e in out}
    hosts = HostBuilder(session, topology, policy)
    hosts.pci = pci
    # All of them, whatever is asked for: they are one another's and the hosts' parents.
    around = with_parents(around_hosts(session, AROUND_NAMES), (), pci)
    hosts.hang_below(around)
    out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in around)
    if policy.reads_kind("drm"):  # a GPU's nodes: nothing hangs below them
        from .builders.drm import drm_devices

        drm = with_parents(drm_devices(session), (), pci)
        out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in drm)
    ap = with_parents(ap_devices(session, policy), ())
    if policy.reads_kind("mdev"):  # below PCI functions, the devices around the hosts, the matrix
        from .builders.mdev import mdev_devices

        mdevs = with_parents(mdev_devices(session), [*around, *ap], pci)
        out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in mdevs)
    out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in ap)
    mark = len(out)  # where read_devices puts the disks
    out.extend(hosts.names())
    if policy.reads_kind("scsi_target") or policy.reads_kind("scsi"):
        from .builders.targets import target_devices

        targets = target_devices(session, topology, policy)
        out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in targets)
        if policy.reads_kind("scsi"):  # a LUN's parent is a target: they are read first
            from .builders.luns import lun_devices

            luns = lun_devices(session, topology, policy, targets)
            out.extend((d.name, d.parent_name, d.cap_names() & policy.caps) for d in luns)
    if policy.reads_kind("storage") or policy.reads_kind("scsi_generic"):
        from .builders.generic import generic_devices
        from .builders.storage import storage_devices

        below = [*storage_devices(session, details=False), *generic_devices(session)]
        disks = with_parents(below, around, pci)
        out[mark:mark] = [
            (d.name, d.parent_name, d.cap_names() & policy.caps) for d in disks]
    if not policy.every_device:
        out = [e for e in out if e[2]]
    return out



def scan_order(d: Device, others: dict[str, int]) -> tuple[int, ...]:
    """Where :func:`read_devices` puts ``d``: the devices that are no host, target
    or LUN first (in ``others``' order, by name), then the hosts (HBAs, then vHBAs,
    by number), then the targets by host, channel and target, then the LUNs by host,
    bus, target and LUN.  What splices a :func:`read_families` into a full scan."""
    host, target, lun = d.scsi_host, d.scsi_target, d.scsi
    if host is not None and host.host is not None:
        return (1, host.phys_hba is not None, host.host)
    if target is not None and (m := TARGET.fullmatch(target.target)) is not None:
        return (2, *(int(n) for n in m.groups()))
    if lun is not None:
        return (3, lun.host, lun.bus, lun.target, lun.lun)
    return (0, others.get(d.name, len(others)))


def host_of(d: Device) -> int | None:
    """The number of the Scsi_Host a host, target or LUN belongs to; ``None`` for
    the other devices (what :func:`read_families` leaves to an earlier scan)."""
    host, target, lun = d.scsi_host, d.scsi_target, d.scsi
    if host is not None:
        return host.host
    if target is not None and (m := TARGET.fullmatch(target.target)) is not None:
        return int(m[1])
    return lun.host if lun is not None else None
