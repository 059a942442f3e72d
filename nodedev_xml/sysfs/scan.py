"""The one way to scan a root into an :class:`~nodedev_xml.model.Inventory`.

Every caller (the API, the vHBA lifecycle, the definitions, the watch) comes
here: :func:`scan` picks the source for the backend (``sysfs``: the class
directories under any root; ``udev``: libudev on the live host), runs the
pipeline and hands back the devices with the warnings.  :func:`list_names` is
the names-only listing behind ``list --cap``, through the same sources.
:func:`rescan` is the live watch's partial re-read: some HBAs' families read
again and spliced into an earlier scan, in the pipeline's order;
:func:`hbas_named` says which HBAs a uevent's paths name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..model import Device, Inventory, NameEntry, ScanWarning
from ..vocabulary import BACKENDS, Backend, default_root, scsi_host_name
from .access import FileAccess
from .builders.computer import computer_device
from .discovery import HOST
from .pipeline import host_of, read_devices, read_families, read_names, scan_order
from .policy import membership
from .session import ReadSession
from .source import SysfsSource

if TYPE_CHECKING:
    from .pciids import PCIIds

__all__ = ["hbas_named", "list_names", "open_session", "rescan", "scan"]


def open_session(
    root: str, backend: Backend = "sysfs", fs: FileAccess | None = None
) -> ReadSession:
    """A read session on ``root`` through ``backend``'s source.  Raises
    :class:`ValueError` for an unknown backend and, for ``udev``,
    :class:`~nodedev_xml.errors.SysfsError` when ``root`` is not ``/`` or
    libudev cannot be used."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if backend == "udev":
        from .udev import udev_session

        return udev_session(root, fs)
    return ReadSession(SysfsSource(root, fs))


def scan(
    root: str | None = None,
    *,
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
    pci_ids: PCIIds | None = None,
) -> Inventory:
    """Scan ``root`` (a directory holding ``sys/``; ``None``: :func:`default_root`)
    through ``backend``.  Problems with single devices or attributes become
    ``inventory.warnings``; raises :class:`~nodedev_xml.errors.SysfsError` only
    when ``root`` holds no sysfs at all (or, for ``udev``, as
    :func:`open_session`).  ``pci_ids`` names vendors and products (by default
    the root's pci.ids; with ``udev``, udev's hardware database first)."""
    where = root if root is not None else default_root()
    session = open_session(where, backend, fs)
    if pci_ids is None and backend == "udev":
        from .udev import UdevSource

        assert isinstance(session.source, UdevSource)
        pci_ids = session.source.hwdb_names()
    devices = read_devices(session, pci_ids)
    computer = computer_device(session)
    return Inventory(devices, root=where, warnings=session.warnings, computer=computer)


def list_names(
    root: str | None = None,
    caps: frozenset[str] | None = None,
    *,
    all_devices: bool = False,
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
) -> tuple[list[NameEntry], list[ScanWarning]]:
    """The devices :func:`scan` finds, as ``(name, parent, capability names)``
    in the same order, reading only what decides membership; and the warnings.

    With ``caps`` ``None``: every device with all its capability names.  Else the
    devices with at least one of ``caps``, their names limited to ``caps``; with
    ``all_devices`` every device all the same (the tree needs their ancestors).
    The attributes read: ``scsi_host`` needs none; ``vports`` looks for
    ``vport_create`` in a host with an fc_host, as libvirt does, and reads its
    ``node_name`` and ``port_name`` and then its two vport counters when it has one
    (libvirt gives a port without them no vport operations, even when it has vports
    of its own); ``fc_host`` reads ``node_name`` and ``port_name``; ``scsi`` each LUN's
    ``type`` (libvirt leaves out a LUN whose type is no number); ``pci`` (and
    ``all_devices`` or ``caps=None``) the PCI ids. A device whose directory cannot be
    reached is read as the full scan reads it, so that it is left out with the same
    warning. Other warnings the full scan gives for attributes read here are given too;
    those for attributes not read are not."""
    session = open_session(root if root is not None else default_root(), backend, fs)
    return read_names(session, membership(caps, all_devices)), session.warnings


def hbas_named(paths: list[str]) -> frozenset[int] | None:
    """The HBAs whose directories hold the devices at ``paths`` (``/sys/devices/…``):
    for each path, the number of its first ``hostN`` (a vHBA, its vport, a target
    and a remote port all sit below their HBA's).  ``None`` when a path holds no
    Scsi_Host: only a full scan answers it."""
    found: set[int] = set()
    for path in paths:
        number = next((int(m[1]) for part in path.split("/")
                       if (m := HOST.fullmatch(part))), None)  # fmt: skip
        if number is None:
            return None
        found.add(number)
    return frozenset(found)


def rescan(
    base: Inventory,
    hbas: frozenset[int],
    *,
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
) -> Inventory:
    """``base`` with the HBAs ``hbas`` (host numbers), their vHBAs, their targets
    and their LUNs read again and nothing else read: the inventory a full scan
    gives when nothing else changed.  The other devices (the PCI functions among
    them) are ``base``'s.  vHBAs, targets and LUNs of those HBAs that are gone
    leave; new ones take their places in the scan's order; so do the warnings
    about those hosts (:attr:`ScanWarning.host`).  When one of the HBAs came or
    went (a card's function bound or unbound), the whole root is scanned, through
    ``backend`` (``base``'s).  Raises as :func:`scan`."""
    others = {n: d for n, d in base.items() if host_of(d) is None}
    # Through the class directories even for the udev backend: the same devices,
    # without libudev's enumeration of every host (seconds on a large host); what
    # udev adds (hardware-database names) sits on the PCI functions, kept from base.
    session = ReadSession(SysfsSource(base.root, fs))
    devices = read_families(session, hbas, others)
    hba_names = {scsi_host_name(n) for n in hbas}
    if {n for n in hba_names if n in base} != hba_names & {d.name for d in devices}:
        return scan(base.root, fs=fs, backend=backend)

    # The hosts of the family: the HBAs and their vHBAs, then and now.
    hosts = set(hbas)
    for d in (*base.values(), *devices):
        if d.scsi_host is not None and d.parent_name in hba_names:
            hosts.add(d.scsi_host.host)

    def of_family(d: Device) -> bool:
        return host_of(d) in hosts

    kept = [d for d in base.values() if not of_family(d)]
    order = {name: i for i, name in enumerate(base)}
    merged = sorted([*kept, *devices], key=lambda d: scan_order(d, order))
    old_warnings = [w for w in base.warnings if w.host not in hosts]
    new_warnings = [w for w in session.warnings if w not in old_warnings]
    warnings = [*old_warnings, *new_warnings]
    return Inventory(merged, root=base.root, warnings=warnings, computer=base.computer)
