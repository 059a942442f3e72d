"""The one way to scan a root into an :class:`~nodedev_xml.model.Inventory`.

Every caller (the API, the vHBA lifecycle, the definitions, the watch) comes
here: :func:`scan` picks the source for the backend (``sysfs``: the class
directories under any root; ``udev``: libudev on the live host), runs the
pipeline and hands back the devices with the warnings.  :func:`list_names` is
the names-only listing behind ``list --cap``, through the same sources.
:func:`rescan` is the live watch's partial re-read: some HBAs' families (with
the disks and SCSI generic nodes below them) and some network interfaces, disks
and SCSI generic nodes read again and spliced into an earlier scan, in the
pipeline's order; :func:`part_named` says which a uevent's paths name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..model import Device, Inventory, NameEntry, ScanWarning
from ..vocabulary import BACKENDS, Backend, default_root, scsi_host_name
from .access import FileAccess
from .builders.computer import computer_device
from .builders.parents import udev_name
from .discovery import HOST
from .pipeline import (
    LEAF_CLASSES,
    host_of,
    leaf_class,
    read_devices,
    read_families,
    read_leaves,
    read_names,
    scan_order,
)
from .policy import membership
from .session import ReadSession
from .source import SysfsSource, Warn

if TYPE_CHECKING:
    from .pciids import PCIIds

__all__ = ["Part", "hbas_named", "list_names", "open_session", "part_named", "rescan", "scan"]


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


@dataclass(frozen=True, slots=True)
class Part:
    """What a partial re-read reads (:func:`rescan`): the HBAs ``hbas`` (Scsi_Host
    numbers) with their vHBAs, targets and LUNs and the disks and SCSI generic nodes
    below them; and the network interfaces, disks and SCSI generic nodes at
    ``devices`` (``/sys/devices/…`` paths under no Scsi_Host)."""

    hbas: frozenset[int] = frozenset()
    devices: frozenset[str] = frozenset()


def part_named(paths: Iterable[str]) -> Part | None:
    """What :func:`rescan` reads for a uevent of the devices at ``paths``
    (``/sys/devices/…``): the HBA of each path below a Scsi_Host (its first ``hostN``:
    a vHBA, its vport, a target, a LUN, its disk all sit below their HBA's directory);
    a network interface, disk (a partition: its disk) or SCSI generic node under no
    Scsi_Host by itself.  ``None`` when a path names anything else (a PCI function, a
    USB device, a multipath map under ``devices/virtual/block``, whose slaves make a
    LUN's identity): only a full scan answers it."""
    hbas: set[int] = set()
    devices: set[str] = set()
    for path in paths:
        parts = path.split("/")
        number = next((int(m[1]) for part in parts if (m := HOST.fullmatch(part))), None)
        if number is not None:
            hbas.add(number)
            continue
        leaf = _leaf(parts)
        if leaf is None:
            return None
        devices.add(leaf)
    return Part(frozenset(hbas), frozenset(devices))


def _leaf(parts: list[str]) -> str | None:
    """The class device of a :data:`~.pipeline.LEAF_CLASSES` kind ``parts`` (a path
    split at ``/``) names, or ``None``."""
    if parts[:3] != ["", "sys", "devices"] or len(parts) < 6 or "" in parts[3:]:
        return None
    if parts[-3] == "block" and parts[-2] != "block":
        parts = parts[:-1]  # a partition: its disk
    if parts[-2] not in LEAF_CLASSES.values() or parts[-1] in (".", ".."):
        return None
    if parts[-2] == "block" and parts[3] == "virtual":
        return None
    return "/".join(parts)


def hbas_named(paths: list[str]) -> frozenset[int] | None:
    """The HBAs whose directories hold the devices at ``paths`` (``/sys/devices/…``):
    for each path, the number of its first ``hostN`` (a vHBA, its vport, a target
    and a remote port all sit below their HBA's).  ``None`` when a path holds no
    Scsi_Host (:func:`part_named` says what else a partial re-read can answer)."""
    part = part_named(paths)
    return None if part is None or part.devices else part.hbas


def rescan(
    base: Inventory,
    hbas: frozenset[int],
    *,
    devices: frozenset[str] = frozenset(),
    backend: Backend = "sysfs",
    fs: FileAccess | None = None,
) -> Inventory:
    """``base`` with the HBAs ``hbas`` (host numbers), their vHBAs, their targets,
    their LUNs and the disks and SCSI generic nodes below them read again, and the
    network interfaces, disks and SCSI generic nodes at ``devices`` (``/sys/devices/…``
    paths, :class:`Part`) too; nothing else is read: the inventory a full scan gives
    when nothing else changed.  The other devices (the PCI functions among them) are
    ``base``'s.  Devices of those that are gone leave (so does an interface, disk or
    SCSI generic node whose class entry is gone); new ones take their places in the
    scan's order; so do the warnings about them (those about the hosts by
    :attr:`ScanWarning.host`).  When one of the HBAs came or went (a card's function
    bound or unbound), or an interface, disk or SCSI generic node that other devices
    hang below came, went or changed its name, the whole root is scanned, through
    ``backend`` (``base``'s).  Raises as :func:`scan`."""
    others = {n: d for n, d in base.items() if host_of(d) is None}
    # Through the class directories even for the udev backend: the same devices,
    # without libudev's enumeration of every host (seconds on a large host); what
    # udev adds (hardware-database names) sits on the PCI functions, kept from base.
    session = ReadSession(SysfsSource(base.root, fs))
    family = read_families(session, hbas, others) if hbas else []
    hba_names = {scsi_host_name(n) for n in hbas}
    if {n for n in hba_names if n in base} != hba_names & {d.name for d in family}:
        return scan(base.root, fs=fs, backend=backend)

    # The hosts of the family: the HBAs and their vHBAs, then and now.
    hosts = set(hbas)
    for d in (*base.values(), *family):
        if d.scsi_host is not None and d.parent_name in hba_names:
            hosts.add(d.scsi_host.host)

    # The leaves: those below the HBAs' directories, those named, those whose entry went.
    tops = tuple(f"{d.path}/" for d in family if d.name in hba_names and d.path is not None)
    region = _Region(base.root, fs, tops, devices)
    leaf_session = ReadSession(region)
    fresh = read_leaves(leaf_session, [*others.values(), *family])
    stale = [d for d in others.values() if region.holds(d)]
    before = {d.path: d.name for d in stale}
    after = {d.path: d.name for d in fresh}
    moved = tuple(f"{p}/" for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if moved and any(d.path is not None and d.path.startswith(moved) for d in base.values()):
        return scan(base.root, fs=fs, backend=backend)

    gone = {d.name for d in stale}
    kept_others = _splice([d for d in others.values() if d.name not in gone], fresh)
    order = {d.name: i for i, d in enumerate(kept_others)}
    kept = [d for d in base.values() if host_of(d) is not None and host_of(d) not in hosts]
    merged = sorted([*kept_others, *kept, *family], key=lambda d: scan_order(d, order))

    about = {*gone, *(d.name for d in fresh), *region.entry_names()}
    old_warnings = [w for w in base.warnings if w.host not in hosts and w.device not in about]
    new_warnings = [w for w in (*session.warnings, *leaf_session.warnings)
                    if w not in old_warnings]  # fmt: skip
    warnings = [*old_warnings, *dict.fromkeys(new_warnings)]
    return Inventory(merged, root=base.root, warnings=warnings, computer=base.computer)


def _splice(others: list[Device], fresh: list[Device]) -> list[Device]:
    """``others`` (in the scan's order) with the ``fresh`` leaves (in :func:`read_leaves`'
    order) where the scan puts them: each kind's devices by entry name where that
    kind's devices were (before the next kind's when there were none, else after the
    previous kind's, else last)."""
    kinds = list(LEAF_CLASSES.values())
    rest: list[Device] = []
    blocks: dict[str, list[Device]] = {k: [] for k in kinds}
    at: dict[str, int] = {}
    for d in others:
        cls = leaf_class(d)
        if cls is None:
            rest.append(d)
        else:
            at.setdefault(cls, len(rest))
            blocks[cls].append(d)
    for d in fresh:
        cls = leaf_class(d)
        if cls is not None:
            blocks[cls].append(d)
    for i, cls in enumerate(kinds):
        if cls not in at:
            later = [at[k] for k in kinds[i + 1 :] if k in at]
            earlier = [at[k] for k in kinds[:i] if k in at]
            at[cls] = later[0] if later else earlier[-1] if earlier else len(rest)
    out: list[Device] = []
    done = 0
    for cls in sorted(kinds, key=lambda k: (at[k], kinds.index(k))):
        out += rest[done : at[cls]]
        done = max(done, at[cls])
        out += sorted(blocks[cls], key=_entry)
    return out + rest[done:]


def _entry(d: Device) -> str:
    """The name of a leaf's class entry (its directory's name)."""
    return (d.path or "").rpartition("/")[2]


class _Region(SysfsSource):
    """A root whose class directories list only the devices below ``tops`` (paths
    ending in ``/``) or at ``exact`` (``/sys/devices/…``); what each listing held
    whole is kept, so that a device whose entry is gone can be told."""

    __slots__ = ("_exact", "_listed", "_tops")

    def __init__(
        self, root: str, fs: FileAccess | None, tops: tuple[str, ...], exact: frozenset[str]
    ) -> None:
        super().__init__(root, fs)
        self._tops = tops
        self._exact = exact
        self._listed: dict[str, tuple[set[str], set[str]]] = {}

    def class_devices(self, cls: str, warn: Warn) -> list[tuple[str, str]]:
        found = super().class_devices(cls, warn)
        paths = {self.devpath(dev): name for name, dev in found}
        picked = [(n, d) for n, d in found if self._picks(self.devpath(d))]
        self._listed[cls] = (set(paths), {n for n, _ in picked})
        return picked

    def _picks(self, path: str) -> bool:
        return path in self._exact or path.startswith(self._tops)

    def holds(self, d: Device) -> bool:
        """``d`` (of an earlier scan) is one this source lists, or its entry is gone."""
        cls = leaf_class(d)
        if cls is None or d.path is None or cls not in self._listed:
            return False
        return self._picks(d.path) or d.path not in self._listed[cls][0]

    def entry_names(self) -> set[str]:
        """The names a warning about a device listed here may give (``block_sdb``)."""
        names = {udev_name(cls, n) for cls, (_, picked) in self._listed.items() for n in picked}
        names |= {udev_name(cls, p.rpartition("/")[2]) for p in self._exact
                  for cls in LEAF_CLASSES.values()}  # fmt: skip
        return names
