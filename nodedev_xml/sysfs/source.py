"""Where the scan reads devices from: the :class:`Source` interface, and sysfs under a root.

A device is named by a *handle* the source gives out: for sysfs (and for udev,
whose devices carry the same ``syspath``) it is the device's absolute sysfs
path.  Discovery and the builders only pass handles back to the source, compare
them, and take them apart through :meth:`Source.parent` and :meth:`Source.name`;
they never open anything themselves.  :class:`SysfsSource` is the one source
today; a pyudev-backed one can implement the same methods.

The sysfs source keeps every defence against a hostile tree (``docs/design.md``):

- class and bus links are resolved as text and must land inside ``sys/devices``
  of the root, in printable text; nothing else is followed;
- attribute files are read through a :class:`~.access.FileAccess`, which opens
  them ``O_NOFOLLOW`` and reads at most one page (:class:`~.access.OSFileAccess`);
- every path read, listed or looked up is resolved beneath the root
  (:mod:`.beneath`): a directory on the way that links out of the root is not
  followed (``EXDEV``), so the device it belongs to is left out with a warning.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from typing import Protocol

from ..errors import SysfsError
from .access import MAX_ATTR_BYTES, FileAccess, OSFileAccess

#: Where a source says what it could not use: ``(device or entry, attribute, message)``.
Warn = Callable[[str, str | None, str], None]


class Source(Protocol):
    """What discovery and the builders read: devices by class or bus, a device's
    attributes and links, and where a device sits in the device tree.

    ``read`` and ``link`` raise ``OSError`` with a real ``errno``
    (``FileNotFoundError`` when the attribute or link is absent); the listings
    report what they cannot use through ``warn`` and leave it out."""

    #: The root the source reads (``/`` for the live host); pci.ids is looked for under it.
    root: str

    def require(self) -> None:
        """Raise :class:`~nodedev_xml.errors.SysfsError` unless there is a device tree to read."""
        ...

    def class_devices(self, cls: str, warn: Warn) -> list[tuple[str, str]]:
        """``(entry name, handle)`` of each device of class ``cls``, by name."""
        ...

    def bus_entries(self, bus: str, warn: Warn) -> list[str]:
        """The names of the entries of ``bus``, unsorted (resolved one by one:
        :meth:`bus_device`)."""
        ...

    def bus_device(self, bus: str, name: str, warn: Warn) -> str | None:
        """The handle of the device the bus entry ``name`` stands for; ``None`` when
        it is gone or cannot be used (said through ``warn``)."""
        ...

    def read(self, dev: str, attr: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        """The raw value of attribute ``attr`` of ``dev`` (at most ``limit`` bytes: one
        page, unless a binary attribute asks for more)."""
        ...

    def link(self, dev: str, name: str) -> str:
        """The target of ``dev``'s link ``name``, as text; never followed."""
        ...

    def has(self, dev: str, attr: str) -> bool:
        """``dev`` has an attribute ``attr`` (readable or not).  Never raises."""
        ...

    def entries(self, dev: str, name: str) -> list[str]:
        """The names in ``dev``'s directory ``name`` (a disk's ``holders``), unsorted;
        ``OSError`` when it cannot be listed (``FileNotFoundError``: there is none)."""
        ...

    def dev_links(self, directory: str) -> list[tuple[str, str]]:
        """``(name, link text)`` of the symbolic links in ``/dev/<directory>`` of the
        root (``disk/by-id``), never followed; none when it cannot be listed."""
        ...

    def reachable(self, dev: str) -> bool:
        """``dev`` is still there and can be entered.  Never raises."""
        ...

    def name(self, dev: str) -> str:
        """The device's own name (its last path component: ``host5``)."""
        ...

    def parent(self, dev: str) -> str:
        """The handle just above ``dev`` (whether or not it is a device)."""
        ...

    def child(self, dev: str, *names: str) -> str:
        """The handle below ``dev`` by names: ``child(host, "fc_host", "host5")``."""
        ...

    def owner(self, class_dev: str, cls: str, name: str) -> str | None:
        """The device named ``name`` whose class device of ``cls`` ``class_dev`` is, when
        laid out as the kernel lays it out (``<name>/<cls>/<name>``); else ``None``."""
        ...

    def ancestors(self, dev: str) -> Iterator[str]:
        """The handles above ``dev`` inside the device tree, nearest first."""
        ...

    def iommu_group(self, dev: str) -> str:
        """The name of the IOMMU group ``dev``'s ``iommu_group`` link leads to, read
        as text and never followed; ``FileNotFoundError`` without the link,
        ``ValueError`` when it leads anywhere but ``/sys/kernel/iommu_groups/<name>``."""
        ...

    def iommu_group_members(self, group: str) -> list[str]:
        """The entry names of ``/sys/kernel/iommu_groups/<group>/devices``, unsorted
        (``OSError`` when it cannot be listed)."""
        ...

    def devpath(self, dev: str) -> str:
        """``dev`` as libvirt prints its ``<path>``: ``/sys/devices/…`` of the root."""
        ...


class SysfsSource:
    """The sysfs under ``root`` (a directory holding ``sys/``), read through ``fs``."""

    __slots__ = (
        "_devices", "_exists", "_iommu_groups", "_root_slash", "_sys", "fs", "read_file", "root"
    )  # fmt: skip

    def __init__(self, root: str = "/", fs: FileAccess | None = None) -> None:
        self.root = os.path.abspath(root)
        # Every path resolved beneath the root: nothing outside it is read or listed.
        self.fs: FileAccess = fs or OSFileAccess(beneath=self.root)
        self.read_file = self.fs.read  # bound once: the scan's hottest calls
        self._exists = self.fs.exists
        self._sys = os.path.join(self.root, "sys")
        self._devices = os.path.join(self._sys, "devices") + os.sep
        self._iommu_groups = os.path.join(self._sys, "kernel", "iommu_groups")
        self._root_slash = self.root.rstrip(os.sep) + os.sep

    def require(self) -> None:
        """Raise :class:`SysfsError` unless the root holds a ``sys/`` directory."""
        if not os.path.isdir(self._sys):
            raise SysfsError(f"{self.root}: no sys/ directory here (not a sysfs root)")
        if not self._exists(self._sys + "/"):
            raise SysfsError(f"{self.root}: sys/ leads outside the root (a link); not read")

    # -- attributes and links ------------------------------------------------

    def read(self, dev: str, attr: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        return self.read_file(f"{dev}/{attr}", limit)

    def link(self, dev: str, name: str) -> str:
        return self.fs.readlink(f"{dev}/{name}")

    def has(self, dev: str, attr: str) -> bool:
        return self._exists(f"{dev}/{attr}")

    def entries(self, dev: str, name: str) -> list[str]:
        return self.fs.listdir(f"{dev}/{name}")

    def dev_links(self, directory: str) -> list[tuple[str, str]]:
        where = os.path.join(self.root, "dev", directory)
        try:
            names = self.fs.listdir(where)
        except OSError:
            return []
        out: list[tuple[str, str]] = []
        for name in names:
            try:
                out.append((name, self.fs.readlink(f"{where}/{name}")))
            except OSError:
                continue  # not a link, or gone
        return out

    def reachable(self, dev: str) -> bool:
        return self._exists(dev + "/")  # lstat through a trailing separator

    # -- where a device sits -------------------------------------------------

    def name(self, dev: str) -> str:
        return dev.rpartition("/")[2]

    def parent(self, dev: str) -> str:
        return dev.rpartition("/")[0]

    def child(self, dev: str, *names: str) -> str:
        return "/".join((dev, *names))

    def owner(self, class_dev: str, cls: str, name: str) -> str | None:
        # Handles are normalized and names hold no "/": the layout is checked as text.
        if class_dev.endswith(f"/{name}/{cls}/{name}"):
            return class_dev[: -len(cls) - len(name) - 2]
        return None

    def ancestors(self, dev: str) -> Iterator[str]:
        d = os.path.dirname(dev)
        while d.startswith(self._devices):
            yield d
            d = os.path.dirname(d)

    def iommu_group(self, dev: str) -> str:
        target = self.fs.readlink(f"{dev}/iommu_group")
        if target.startswith("/"):
            resolved = os.path.normpath(os.path.join(self.root, target.lstrip("/")))
        else:
            resolved = os.path.normpath(os.path.join(dev, target))
        groups, _, name = resolved.rpartition("/")
        if groups != self._iommu_groups or not name.isprintable():
            raise ValueError(f"{target[:60]!r}: expected a link to /sys/kernel/iommu_groups/N")
        return name

    def iommu_group_members(self, group: str) -> list[str]:
        return self.fs.listdir(f"{self._iommu_groups}/{group}/devices")

    def devpath(self, dev: str) -> str:
        if dev.startswith(self._root_slash):  # normalized paths inside the root
            return dev[len(self._root_slash) - 1 :]
        return "/" + os.path.relpath(dev, self.root)

    # -- listings ------------------------------------------------------------

    def class_devices(self, cls: str, warn: Warn) -> list[tuple[str, str]]:
        """``(entry name, resolved absolute target)`` of ``/sys/class/<cls>``, by name.

        Links are resolved textually and must stay inside ``sys/devices`` of the
        root: a link pointing anywhere else is reported and never followed.
        """
        cdir = os.path.join(self._sys, "class", cls)
        try:
            names = self.fs.listdir(cdir)
        except FileNotFoundError:
            return []
        except OSError as e:
            warn(f"/sys/class/{cls}", None, f"cannot list ({errname(e)})")
            return []
        devices = self._devices
        out: list[tuple[str, str]] = []
        readlink = self.fs.readlink
        for name in sorted(names):
            try:
                target = readlink(f"{cdir}/{name}")
            except FileNotFoundError:  # removed while we listed
                warn(f"/sys/class/{cls}/{name}", None, "vanished during the scan")
                continue
            except OSError as e:
                warn(f"/sys/class/{cls}/{name}", None, f"not a class link ({errname(e)})")
                continue
            resolved: str | None = _join_link(cdir, target)
            if not (resolved and resolved.startswith(devices) and resolved.isprintable()):
                where = f"/sys/class/{cls}/{name}"
                resolved = self._resolve(where, cdir, target, warn)  # absolute, or says why not
            if resolved is not None:
                out.append((name, resolved))
        return out

    def bus_device(self, bus: str, name: str, warn: Warn) -> str | None:
        """The device a bus entry names; ``None`` (with a warning unless it is gone)
        when it cannot be used."""
        bdir = os.path.join(self._sys, "bus", bus, "devices")
        where = f"/sys/bus/{bus}/devices/{name}"
        try:
            link = self.fs.readlink(os.path.join(bdir, name))
        except FileNotFoundError:
            return None  # removed while we listed
        except OSError as e:
            warn(where, None, f"not a bus link ({errname(e)})")
            return None
        return self._resolve(where, bdir, link, warn)

    def bus_entries(self, bus: str, warn: Warn) -> list[str]:
        """The entry names of ``/sys/bus/<bus>/devices``, unsorted; none when it
        cannot be listed."""
        bdir = os.path.join(self._sys, "bus", bus, "devices")
        try:
            return self.fs.listdir(bdir)
        except FileNotFoundError:
            return []
        except OSError as e:
            warn(f"/sys/bus/{bus}/devices", None, f"cannot list ({errname(e)})")
            return []

    def _resolve(self, where: str, link_dir: str, target: str, warn: Warn) -> str | None:
        """A link's target as text, if it stays inside ``sys/devices`` and is printable
        (it becomes a ``<path>``); else a warning and ``None``.  Nothing is followed.
        An absolute target is taken inside the root, as a chroot would take it."""
        if target.startswith("/"):
            resolved = os.path.normpath(os.path.join(self.root, target.lstrip("/")))
        else:
            resolved = _join_link(link_dir, target)
        if not resolved.startswith(self._devices):
            warn(where, None, "link points outside sys/devices; not followed")
            return None
        if not resolved.isprintable():
            warn(where, None, f"link target {target!r} is not printable text")
            return None
        return resolved


def _join_link(link_dir: str, target: str) -> str:
    """``normpath(join(link_dir, target))`` for a normalized ``link_dir``.  The kernel's
    own class links, ``../../devices/…`` with no ``.`` or empty component, are joined
    as text, which gives normpath's result without its cost; anything else goes
    through normpath."""
    rest = target[5:]  # "/devices/…" after "../.."
    if (
        target.startswith("../../")
        and len(rest) > 1
        and "/." not in rest
        and "//" not in rest
        and not rest.endswith("/")
    ):
        return link_dir.rsplit("/", 2)[0] + rest
    return os.path.normpath(os.path.join(link_dir, target))


def errname(e: OSError) -> str:
    """The errno's symbolic name (``ELOOP``), for a warning."""
    return errno.errorcode.get(e.errno or 0, str(e.errno)) if e.errno else str(e)
