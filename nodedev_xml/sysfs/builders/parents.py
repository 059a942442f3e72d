"""What the builders of the devices around the SCSI hosts share: libvirt's names
for them, their ``/dev`` nodes, and their parents.

libvirt names a device it knows by no rule of its own ``<subsystem>_<sysname>``
(with a suffix for a network interface, its MAC address), every character that
is no ASCII letter or digit made ``_`` (``udevGenerateDeviceName``); its parent
is the nearest directory above it that is a node device, else ``computer``.
"""

from __future__ import annotations

from collections.abc import Container, Iterable
from dataclasses import replace

from ...model import Device, Parent
from ...pciaddr import PCIAddress
from ...vocabulary import COMPUTER, scsi_name
from ..discovery import LUN
from ..udevdb import UdevDatabase

__all__ = ["devnodes", "udev_name", "with_parents"]


def udev_name(subsystem: str, sysname: str, suffix: str | None = None) -> str:
    """libvirt's name for the device ``sysname`` of ``subsystem`` (``usb``, ``2-1:1.0``
    gives ``usb_2_1_1_0``)."""
    name = f"{subsystem}_{sysname}" + (f"_{suffix}" if suffix is not None else "")
    return "".join(c if c.isascii() and c.isalnum() else "_" for c in name)


def devnodes(event: dict[str, str], db: UdevDatabase) -> tuple[tuple[str, str], ...]:
    """A device's ``<devnode>``\\ s as libvirt prints them: its node (``DEVNAME`` of its
    ``uevent``) then the links udev made to it, from udev's database, sorted (libudev
    hands its link list out sorted, whatever the database's order)."""
    name = event.get("DEVNAME")
    if not name:
        return ()
    node = name if name.startswith("/") else f"/dev/{name}"
    major, minor = event.get("MAJOR"), event.get("MINOR")
    kind = "b" if event.get("DEVTYPE") in ("disk", "partition") else "c"
    links = sorted(db.links(f"{kind}{major}:{minor}")) if major and minor else []
    return (("dev", node), *(("link", link) for link in links))


def with_parents(
    devices: list[Device], above: Iterable[Device], pci: Container[str] | None = None
) -> list[Device]:
    """``devices`` with their parents: the nearest device above each, among
    ``devices`` and ``above`` (by sysfs path), else ``computer``.  ``pci``: the
    PCI functions listed, when they were read; else a function above is named by
    its address (a names-only read's best guess: libvirt lists nearly every one)."""
    by_path: dict[str, str] = {d.path: d.name for d in (*above, *devices) if d.path is not None}
    out = []
    for d in devices:
        parent = nearest(d.path, by_path, pci) if d.path is not None else None
        out.append(replace(d, parent=Parent(parent or COMPUTER)))
    return out


def nearest(path: str, by_path: dict[str, str], pci: Container[str] | None = None) -> str | None:
    """The name of the nearest device above the sysfs path ``path`` in ``by_path``
    (``pci`` as for :func:`with_parents`)."""
    up = path.rpartition("/")[0]
    while up.startswith("/sys/devices/"):
        name = by_path.get(up)
        if name is not None:
            return name
        base = up.rpartition("/")[2]
        addr = PCIAddress.match(base)
        if addr is not None and (pci is None or addr.node_name in pci):
            return addr.node_name
        if (m := LUN.fullmatch(base)) is not None:  # a LUN's disk, listed by name only
            return scsi_name(*(int(n) for n in m.groups()))
        up = up.rpartition("/")[0]
    return None
