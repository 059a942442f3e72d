"""The udev backend: the live host's devices as libudev enumerates them (through pyudev).

:class:`UdevSource` is a second :class:`~.source.Source`.  The devices of a class
or a bus come from udev's enumeration, by subsystem; a device's attributes and
links are read from its ``syspath`` through the same
:class:`~.access.FileAccess` the sysfs source uses (``O_NOFOLLOW``, one page,
the real ``errno``), as libvirt's own udev backend reads the FC attributes from
the files.  So both backends read the same bytes and build the same Inventory.
What udev adds is its hardware database: a PCI function's
``ID_VENDOR_FROM_DATABASE`` and ``ID_MODEL_FROM_DATABASE``, preferred to
pci.ids where udev has them (:class:`HwdbNames`).

libudev only reads the live ``/sys`` (a fake root is seen through a private
mount namespace; see the README).  pyudev is imported here only, so that the
sysfs backend and ``--version`` never load it.
"""

from __future__ import annotations

import os
import select
from typing import Any

from ..errors import SysfsError
from .access import FileAccess
from .pciids import PCIIds, find_pci_ids
from .session import ReadSession
from .source import SysfsSource, Warn

__all__ = [
    "ALL_LINKS",
    "HwdbNames",
    "LiveSignals",
    "UdevSource",
    "open_monitor",
    "udev_session",
]


def _context() -> Any:
    """A pyudev context; raises :class:`SysfsError` (one line) when there is none."""
    try:
        import pyudev
    except ImportError as e:
        raise SysfsError(f"the udev backend needs pyudev ({e}); pip install pyudev") from None
    try:
        return pyudev.Context()
    except (ImportError, OSError) as e:  # no libudev, or it cannot start
        raise SysfsError(f"udev: cannot open libudev ({e})") from None


class UdevSource(SysfsSource):
    """The live host's ``/sys``, with devices listed by libudev."""

    __slots__ = ("_bus", "_context")

    def __init__(self, fs: FileAccess | None = None, *, context: Any = None) -> None:
        super().__init__("/", fs)
        self._context = context if context is not None else _context()
        self._bus: dict[str, dict[str, str]] = {}

    def _enumerate(self, subsystem: str) -> list[Any]:
        try:
            return list(self._context.list_devices(subsystem=subsystem))
        except OSError as e:
            raise SysfsError(f"udev: cannot list the {subsystem} devices ({e})") from None

    def _usable(self, where: str, path: str, warn: Warn) -> bool:
        if not path.startswith(self._devices):
            warn(where, None, "udev names a device outside /sys/devices; not used")
            return False
        if not path.isprintable():
            warn(where, None, f"udev's device path {path!r} is not printable text")
            return False
        return True

    def class_devices(self, cls: str, warn: Warn) -> list[tuple[str, str]]:
        out = []
        for d in self._enumerate(cls):
            name, path = str(d.sys_name), os.path.normpath(str(d.sys_path))
            if self._usable(f"/sys/class/{cls}/{name}", path, warn):
                out.append((name, path))
        return sorted(out)

    def bus_entries(self, bus: str, warn: Warn) -> list[str]:
        found = {str(d.sys_name): os.path.normpath(str(d.sys_path)) for d in self._enumerate(bus)}
        self._bus[bus] = found
        return list(found)

    def bus_device(self, bus: str, name: str, warn: Warn) -> str | None:
        path = self._bus.get(bus, {}).get(name)
        if path is None:
            return None
        return path if self._usable(f"/sys/bus/{bus}/devices/{name}", path, warn) else None

    def hwdb_names(self) -> HwdbNames:
        """pci.ids names, with udev's hardware-database names first where it has them."""
        vendors: dict[int, str] = {}
        products: dict[tuple[int, int], str] = {}
        for d in self._enumerate("pci"):
            props = d.properties
            ids = str(props.get("PCI_ID", "")).split(":")
            try:
                vendor, product = int(ids[0], 16), int(ids[1], 16)
            except (IndexError, ValueError):
                continue
            if v := props.get("ID_VENDOR_FROM_DATABASE"):
                vendors[vendor] = str(v)
            if m := props.get("ID_MODEL_FROM_DATABASE"):
                products[vendor, product] = str(m)
        return HwdbNames(find_pci_ids(self.root), vendors, products)


class HwdbNames(PCIIds):
    """Vendor and product names from udev's hardware database, else from pci.ids."""

    def __init__(
        self,
        path: str | None,
        vendors: dict[int, str],
        products: dict[tuple[int, int], str],
    ) -> None:
        super().__init__(path)
        self._vendors = vendors
        self._products = products

    def vendor(self, vendor_id: int) -> str | None:
        return self._vendors.get(vendor_id) or super().vendor(vendor_id)

    def product(self, vendor_id: int, product_id: int) -> str | None:
        return self._products.get((vendor_id, product_id)) or super().product(vendor_id, product_id)


def udev_session(root: str, fs: FileAccess | None = None) -> ReadSession:
    """A read session through libudev.  Raises :class:`SysfsError` for a ``root``
    other than ``/`` (libudev reads only the live ``/sys``), without pyudev or
    libudev, or when udev cannot list devices."""
    if os.path.abspath(root) != "/":
        raise SysfsError(
            f"{root}: the udev backend reads only the live host (/sys); "
            "use the sysfs backend for a fake root"
        )
    source = UdevSource(fs)
    source.require()
    return ReadSession(source)


#: The subsystems whose uevents can change what a scan finds (``block``: a LUN's
#: disk appearing or changing size; ``usb``, ``ccw``, ``css``, ``net``,
#: ``scsi_generic``: the devices around the hosts; ``ap``, ``matrix``: s390 crypto).
WATCHED_SUBSYSTEMS = (
    "scsi_host", "fc_host", "fc_vports", "fc_remote_ports", "scsi", "block", "pci",
    "usb", "ccw", "css", "net", "scsi_generic", "ap", "matrix", "drm",
)  # fmt: skip
#: What :meth:`LiveSignals.uevents` gives when link changes were lost: a path that names
#: no one device (every interface may have changed: a full scan answers it).
ALL_LINKS = "/sys/class/net"
#: The attributes that change without a uevent of their own: polled at the interval.
POLLED_STATES = (("fc_host", "port_state"), ("fc_vports", "vport_state"))


def open_monitor(subsystems: tuple[str, ...], *, context: Any = None) -> Any:
    """A started pyudev ``Monitor`` of the uevents of ``subsystems``: udevd's when it
    runs, else the kernel's.  Raises :class:`SysfsError` (one line) without pyudev,
    libudev or a netlink socket."""
    ctx = context if context is not None else _context()  # says when pyudev is missing
    import pyudev

    source = "udev" if os.path.exists("/run/udev/control") else "kernel"
    try:
        monitor = pyudev.Monitor.from_netlink(ctx, source=source)
        for subsystem in subsystems:
            monitor.filter_by(subsystem)
        monitor.start()
    except OSError as e:
        raise SysfsError(f"udev: cannot listen to {source} uevents ({e})") from None
    return monitor


class LiveSignals:
    """What tells a live watch to scan again: a uevent of a watched subsystem (from
    udevd's monitor, or the kernel's when no udevd runs), a network link the kernel
    announces on rtnetlink (:class:`~.rtnetlink.LinkMonitor`: ``operstate`` and
    ``speed`` change without a uevent), or a port's ``port_state`` or a vport's
    ``vport_state`` that changed since the last look.  Make it before the first
    scan, so that no event between the two is missed.  Raises :class:`SysfsError`
    when the monitor or the rtnetlink socket cannot be opened."""

    def __init__(self, fs: FileAccess | None = None, *, context: Any = None) -> None:
        from .rtnetlink import LinkMonitor

        self._monitor = open_monitor(WATCHED_SUBSYSTEMS, context=context)
        self._links = LinkMonitor()
        self._source = SysfsSource("/", fs)
        self._states = self._read_states()

    def uevents(self, timeout: float) -> list[str]:
        """Wait up to ``timeout`` seconds for a uevent or a link change; the device
        paths (``/sys/…``) of those that came and of those queued behind them (one
        scan answers them all); empty when none came.  A changed link is its
        interface's device; :data:`ALL_LINKS` when link changes were lost."""
        try:
            ready, _, _ = select.select([self._monitor, self._links], [], [], max(timeout, 0.0))
        except OSError as e:
            raise SysfsError(f"udev: waiting for uevents failed ({e})") from None
        if not ready:
            return []
        paths: list[str] = []
        try:
            device = self._monitor.poll(timeout=0)
            while device is not None:
                paths.append(str(device.sys_path))
                device = self._monitor.poll(timeout=0)
        except OSError as e:
            raise SysfsError(f"udev: reading uevents failed ({e})") from None
        links = self._links.changed()
        if links is None:
            paths.append(ALL_LINKS)
        else:
            paths += [p for name in links if (p := self._interface(name)) is not None]
        return paths

    def _interface(self, name: str) -> str | None:
        """The device path of the interface ``name`` (``/sys/class/net/<name>``'s
        target).  For one that is gone, ``/sys/devices/virtual/net/<name>``: a re-read
        of an interface lists them all and drops those whose entry went, wherever
        they were (its uevent may not come: udevd's do not reach another network
        namespace).  ``None`` when the link leads outside ``/sys/devices``."""
        where = f"/sys/class/net/{name}"
        try:
            target = self._source.fs.readlink(where)
        except FileNotFoundError:
            return f"/sys/devices/virtual/net/{name}"
        except OSError:
            return None
        path = os.path.normpath(os.path.join("/sys/class/net", target))
        return path if path.startswith("/sys/devices/") and path.isprintable() else None

    def close(self) -> None:
        """Stop listening for link changes (the udev monitor closes with its object)."""
        self._links.close()

    def states_changed(self) -> list[str]:
        """The class devices (``/sys/…``) whose port or vport state changed since the
        last call, or that came or went."""
        before, states = dict(self._states), self._read_states()
        self._states = states
        after = dict(states)
        return sorted(d for d in before.keys() | after.keys() if before.get(d) != after.get(d))

    def _read_states(self) -> tuple[tuple[str, bytes], ...]:
        out: list[tuple[str, bytes]] = []
        for cls, attr in POLLED_STATES:
            for _name, dev in self._source.class_devices(cls, _ignore):
                try:
                    out.append((dev, self._source.read(dev, attr)))
                except OSError:
                    out.append((dev, b""))
        return tuple(out)


def _ignore(device: str, attribute: str | None, message: str) -> None:
    """Warnings of the state poll: the scan that follows gives them."""
