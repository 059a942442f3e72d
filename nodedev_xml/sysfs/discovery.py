"""Discovery: which hosts, vports, vHBAs, PCI functions, targets and LUNs exist, and where.

Discovery lists the classes and the SCSI bus of a :class:`~.source.Source`, keeps
only what is spelled and laid out as the kernel spells and lays it out, and links
it into a :class:`Topology`: each Scsi_Host with its ``fc_host``, each vHBA with
its vport and HBA; :func:`pci_functions` lists every function of the PCI bus.  The
builders (:mod:`.builders`) turn what it found into models.

Every name is matched against the kernel's own spelling (``hostN``,
``vport-H:C-N``, ``targetH:C:T``, PCI addresses; numbers without leading zeros)
before anything is built from it, so that no two spellings name one device and
no path is made of a name the kernel would not write.

Two things are read here, not only listed: a vport's names and state, as it is
found (a vport deleted while it is read takes its vHBA out of the topology with
one warning for both), and the SCSI targets and devices (LUNs), which
:func:`targets` and :func:`luns` find only once the hosts are read (a host that
vanished takes its targets and LUNs with it).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from ..pciaddr import PCIAddress
from ..vocabulary import scsi_host_name
from ..wwn import WWN
from . import values
from .policy import ReadPolicy
from .session import ReadSession

# Numbers as the kernel prints them (%u): no sign, no leading zero, so that no two
# spellings ("host5", "host05") name one device.
KERNEL_NUMBER = r"(0|[1-9][0-9]{0,8})"
HOST = re.compile(rf"host{KERNEL_NUMBER}")
VPORT = re.compile(rf"vport-{KERNEL_NUMBER}:{KERNEL_NUMBER}-{KERNEL_NUMBER}")
RPORT = re.compile(rf"rport-{KERNEL_NUMBER}:{KERNEL_NUMBER}-{KERNEL_NUMBER}")
TARGET = re.compile(rf"target{KERNEL_NUMBER}:{KERNEL_NUMBER}:{KERNEL_NUMBER}")
# A SCSI device H:C:T:L; the LUN is 64 bits wide (%llu).
LUN = re.compile(rf"{KERNEL_NUMBER}:{KERNEL_NUMBER}:{KERNEL_NUMBER}:(0|[1-9][0-9]{{0,19}})")


@dataclass(slots=True)
class HostInfo:
    """One Scsi_Host found: where it is and what it hangs from."""

    number: int
    dev: str  # the hostN device
    sh_dev: str = ""  # its scsi_host class device, hostN/scsi_host/hostN
    vport_dev: str | None = None  # the vport-P:C-N device a vHBA sits under
    parent_host: int | None = None
    fc_dev: str | None = None  # its fc_host class device, hostN/fc_host/hostN


@dataclass(slots=True)
class VportInfo:
    """One vport of an HBA: its names and state as read, and its vHBA's number."""

    parent_host: int
    number: int
    wwnn: WWN | None
    wwpn: WWN | None
    state: str | None
    host: int | None = None
    name: str | None = None  # vport-H:C-N, when it has a device of its own
    listed: bool = True  # False: no fc_vports entry, known from its vHBA's place only


@dataclass(slots=True)
class Topology:
    """What discovery found, linked up.  ``hosts`` loses the hosts the builder
    finds gone, so that what is built later (targets) leaves them out too."""

    hosts: dict[int, HostInfo]
    vports: dict[str, VportInfo]  # by the vport's device
    by_parent: dict[int, list[VportInfo]]  # each HBA's vports, by number
    scsi_entries: list[str] | None = None  # bus/scsi's entries, once listed (scsi_bus)


@dataclass(slots=True)
class TargetInfo:
    """One SCSI target of a host in the scan, with its FC remote port if it has one."""

    entry: str  # targetH:C:T
    host: int
    channel: int
    target: int
    dev: str
    rport: str  # the name of the directory above it (rport-H:C-R when it is one)
    rport_dev: str | None  # its fc_remote_ports class device, when laid out as the kernel does


@dataclass(slots=True)
class LunInfo:
    """One SCSI device (LUN) of a host in the scan, under its target or its host."""

    entry: str  # H:C:T:L
    host: int
    channel: int
    target: int
    lun: int
    dev: str
    above: str  # its parent directory: targetH:C:T, or (a device the host holds itself) hostH


def discover(session: ReadSession, policy: ReadPolicy) -> Topology:
    """The hosts and vports of ``session``'s source, linked up (the PCI functions
    are listed by :func:`pci_functions`, for the scans that build them)."""
    session.source.require()
    hosts = _hosts(session)
    if policy.hbas is not None:
        hbas = policy.hbas
        hosts = {n: h for n, h in hosts.items() if (h.parent_host is None and n in hbas)
                 or (h.parent_host is not None and h.parent_host in hbas)}  # fmt: skip
    vports = _vports(session, hosts, policy)
    _link_fc_hosts(session, hosts)
    return Topology(hosts, vports, _group_by_parent(vports))


def _hosts(session: ReadSession) -> dict[int, HostInfo]:
    src = session.source
    parent, name_of = src.parent, src.name  # bound once: called for every host
    hosts: dict[int, HostInfo] = {}
    for name, sh_dev in src.class_devices("scsi_host", session.warn):
        m = HOST.fullmatch(name)
        dev = src.owner(sh_dev, "scsi_host", name)
        if m is None or dev is None:
            where = f"/sys/class/scsi_host/{name}"
            session.warn(where, None, "not laid out as hostN/scsi_host/hostN")
            continue
        h = HostInfo(number=int(m[1]), dev=dev, sh_dev=sh_dev)
        above = parent(dev)
        vm = VPORT.fullmatch(name_of(above))
        if vm is not None:
            pm = HOST.fullmatch(name_of(parent(above)))
            if pm is not None and pm[1] == vm[1]:
                h.vport_dev = above
                h.parent_host = int(pm[1])
        elif (pm := HOST.fullmatch(name_of(above))) is not None:
            # Kernels before the vport device (RHEL 5 era) put the vHBA's host
            # straight under the physical one: hostP/hostM.
            h.parent_host = int(pm[1])
        hosts[h.number] = h
    return hosts


def _vports(
    session: ReadSession, hosts: dict[int, HostInfo], policy: ReadPolicy
) -> dict[str, VportInfo]:
    """Every vport by its device: from ``fc_vports``, and from the vHBAs' own
    places where a class entry is missing.  A vport deleted while it is read takes
    its vHBA with it (one warning for both)."""
    src = session.source
    parent, name_of = src.parent, src.name  # bound once: called for every vport
    details = policy.details
    found: dict[str, VportInfo] = {}
    gone: set[str] = set()
    for name, class_dev in src.class_devices("fc_vports", session.warn):
        m = VPORT.fullmatch(name)
        vdev: str | None = None
        if m is not None:
            vdev = src.owner(class_dev, "fc_vports", name)  # vport-H:C-N/fc_vports/vport-H:C-N
            named = vdev is None and name_of(class_dev) == name
            if named and name_of(parent(class_dev)) == f"host{m[1]}":
                vdev = class_dev  # the entry names the vport device itself, attributes and all
        if m is None or vdev is None:
            session.warn(f"/sys/class/fc_vports/{name}", None, "not laid out as vport-H:C-N")
            continue
        hba = hosts.get(int(m[1]))
        if hba is None:
            continue  # its HBA is not in the scan: a vport of no node device
        if parent(vdev) != hba.dev:
            session.warn(name, None, "vport is not under its parent host", int(m[1]))
            continue
        if not details and src.reachable(class_dev):
            # Reachable, so never lost: its names and state are not needed.
            found[vdev] = VportInfo(int(m[1]), int(m[3]), None, None, None, name=name)
            continue
        scope = session.device(name, int(m[1]))
        info = VportInfo(
            parent_host=int(m[1]),
            number=int(m[3]),
            wwnn=scope.attr(class_dev, "node_name", values.wwn, optional=False),
            wwpn=scope.attr(class_dev, "port_name", values.wwn, optional=False),
            state=scope.attr(class_dev, "vport_state", values.vport_state, optional=False),
            name=name,
        )
        why = scope.lost(class_dev) if scope.failed is not None else None
        if why is not None:
            vhbas = [scsi_host_name(h.number) for h in hosts.values() if h.vport_dev == vdev]
            if vhbas:
                why += f", with its vHBA {vhbas[0]}"
            session.warn(name, None, why, int(m[1]))
            session.vanished.add(name)
            gone.add(vdev)
            continue
        found[vdev] = info
    for h in list(hosts.values()):
        if h.parent_host is None:
            continue
        # The vport's device; a host straight under its HBA (old layout) stands for it.
        vport_dev = h.vport_dev or h.dev
        if vport_dev in gone:
            del hosts[h.number]  # under a vport that is gone: gone too, already said
            continue
        hba = hosts.get(h.parent_host)
        if hba is not None and parent(vport_dev) != hba.dev:
            # Under a directory named like its HBA, not its HBA's: no vHBA of it.
            name = scsi_host_name(h.number)
            session.warn(name, None, "left out: not under its HBA's directory", h.number)
            del hosts[h.number]
            continue
        known = found.get(vport_dev)
        if known is None:  # no fc_vports entry: known from the vHBA's own place only
            m = VPORT.fullmatch(name_of(vport_dev))
            number = int(m[3]) if m else h.number
            known = VportInfo(h.parent_host, number, None, None, None, listed=False)
            if h.vport_dev is not None:
                known.name = name_of(vport_dev)
            found[vport_dev] = known
        known.host = h.number
    return found


def _link_fc_hosts(session: ReadSession, hosts: dict[int, HostInfo]) -> None:
    src = session.source
    for name, fc_dev in src.class_devices("fc_host", session.warn):
        m = HOST.fullmatch(name)
        h = hosts.get(int(m[1])) if m is not None else None
        if h is None:
            continue  # an fc_host without its Scsi_Host: no node device
        if fc_dev != src.child(h.dev, "fc_host", name):
            session.warn(f"/sys/class/fc_host/{name}", None, "not laid out as hostN/fc_host/hostN")
            continue
        h.fc_dev = fc_dev


def _group_by_parent(vports: dict[str, VportInfo]) -> dict[int, list[VportInfo]]:
    by_parent: dict[int, list[VportInfo]] = {}
    for v in sorted(vports.values(), key=lambda v: (v.parent_host, v.number)):
        by_parent.setdefault(v.parent_host, []).append(v)
    return by_parent


def pci_functions(session: ReadSession) -> dict[str, str]:
    """Every PCI function of the PCI bus (``/sys/bus/pci/devices``), by name: each
    entry spelled as the kernel spells an address, its link inside ``sys/devices``
    and landing on the function's own directory."""
    src = session.source
    found: dict[str, str] = {}
    for entry in src.bus_entries("pci", session.warn):
        where = f"/sys/bus/pci/devices/{entry}"
        addr = PCIAddress.match(entry)
        if addr is None or str(addr) != entry:
            session.warn(where, None, "not a PCI address as the kernel spells it")
            continue
        dev = src.bus_device("pci", entry, session.warn)
        if dev is None:
            continue
        if src.name(dev) != entry:
            session.warn(where, None, "link does not point to its function's directory")
            continue
        found[addr.node_name] = dev
    return found


def host_order(hosts: dict[int, HostInfo]) -> list[HostInfo]:
    """Physical hosts first, then vHBAs; by number."""
    return sorted(hosts.values(), key=lambda h: (h.parent_host is not None, h.number))


def scsi_bus(session: ReadSession, topology: Topology) -> list[str]:
    """The entries of ``/sys/bus/scsi/devices`` (targets and LUNs), listed once a scan."""
    if topology.scsi_entries is None:
        topology.scsi_entries = session.source.bus_entries("scsi", session.warn)
    return topology.scsi_entries


def targets(
    session: ReadSession, hosts: dict[int, HostInfo], entries: list[str]
) -> Iterator[TargetInfo]:
    """The SCSI targets of ``hosts`` among the scsi bus's ``entries``, by number;
    each found as it is needed (the builder reads one before the next is looked up)."""
    src = session.source
    rports = dict(src.class_devices("fc_remote_ports", session.warn))
    for entry, m, dev in _scsi_bus_devices(session, hosts, entries, TARGET, "target"):
        above = src.parent(dev)
        rport = src.name(above)
        rport_dev = rports.get(rport) if RPORT.fullmatch(rport) else None
        if rport_dev is not None and rport_dev != src.child(above, "fc_remote_ports", rport):
            where = f"/sys/class/fc_remote_ports/{rport}"
            session.warn(where, None, "not laid out as rport-H:C-R/fc_remote_ports/rport-H:C-R")
            rport_dev = None
        yield TargetInfo(entry, int(m[1]), int(m[2]), int(m[3]), dev, rport, rport_dev)


def _scsi_bus_devices(
    session: ReadSession,
    hosts: dict[int, HostInfo],
    entries: list[str],
    pattern: re.Pattern[str],
    kind: str,
) -> Iterator[tuple[str, re.Match[str], str]]:
    """The entries of the scsi bus named as ``pattern`` says (host number first)
    for one of ``hosts``, in number order, with their devices: each link must
    land on a directory of the entry's own name."""
    src = session.source

    def key(entry: str) -> tuple[int, ...]:
        m = pattern.fullmatch(entry)
        return tuple(int(n) for n in m.groups()) if m else (-1,)

    for entry in sorted(entries, key=key):
        m = pattern.fullmatch(entry)
        if m is None or int(m[1]) not in hosts:
            continue
        dev = src.bus_device("scsi", entry, session.warn)
        if dev is None:
            continue
        if src.name(dev) != entry:
            where = f"/sys/bus/scsi/devices/{entry}"
            message = f"link does not point to its {kind}'s directory"
            session.warn(where, None, message, int(m[1]))
            continue
        yield entry, m, dev


def luns(
    session: ReadSession, hosts: dict[int, HostInfo], entries: list[str]
) -> Iterator[LunInfo]:
    """The SCSI devices of ``hosts`` among the scsi bus's ``entries``, by number,
    each under the target its name says (``H:C:T:L`` in ``targetH:C:T``) or under
    its host."""
    src = session.source
    for entry, m, dev in _scsi_bus_devices(session, hosts, entries, LUN, "SCSI device"):
        above = src.parent(dev)
        target = f"target{m[1]}:{m[2]}:{m[3]}"
        if above != hosts[int(m[1])].dev and src.name(above) != target:
            where = f"/sys/bus/scsi/devices/{entry}"
            session.warn(where, None, f"not under {target} or host{m[1]}", int(m[1]))
            continue
        yield LunInfo(entry, int(m[1]), int(m[2]), int(m[3]), int(m[4]), dev, above)
