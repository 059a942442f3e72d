"""Mediated devices and the types a device offers.

``mdev_types``: the mediated-device types a device offers, a PCI function (GVT-g,
vGPU), an s390 subchannel bound to ``vfio_ccw`` or vfio_ap's matrix device
(:func:`read_mdev_types` also says whether every type could be read: libvirt 9.0
lists no PCI function, subchannel or matrix of which one cannot).

``mdev`` (:func:`mdev_devices`): the mediated devices themselves, the entries of
the ``mdev`` bus (``/sys/bus/mdev/devices/<uuid>``, the device
``<parent>/<uuid>``), as libvirt 9.0 lists them: named ``mdev_<uuid>_<parent>``
(``mdev_4b20d080_…_0000_00_02_0``), with the type their ``mdev_type`` link leads
to, the name of the device above them (``parent_addr``) and their IOMMU group.
libvirt lists none without a ``uevent`` (libudev's test of a device), without an
``mdev_type`` link to a type that is there, without an ``iommu_group`` link to a
group that is there and has a number, or without a device above it; nor do we,
each with a warning.  Parents are set by :func:`~.parents.with_parents` (the
nearest device listed above, whatever its kind).
"""

from __future__ import annotations

import posixpath
import re

from ...model import Device, Mdev, MdevType, MdevTypes
from .. import values
from ..session import DeviceScope, ReadSession
from ..source import errname
from .parents import udev_name

__all__ = ["TYPES_UNREADABLE", "mdev_devices", "read_mdev_types"]

SUPPORTED_TYPES = "mdev_supported_types"
#: The warning for a device libvirt 9.0 does not list: one of its types cannot be read.
TYPES_UNREADABLE = "left out, as libvirt does: an mdev type cannot be read"
#: A UUID as libvirt's grammar takes it (the kernel names mediated devices ``%pUl``).
_UUID = re.compile(r"[0-9a-fA-F]{32}|[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
#: libvirt reads the IOMMU group's number into an int: a larger one is no group.
_INT_MAX = 2**31 - 1


def read_mdev_types(scope: DeviceScope, dev: str) -> tuple[MdevTypes | None, bool]:
    """The types ``dev`` offers (``mdev_supported_types/<id>/``: ``name``,
    ``device_api``, ``available_instances``, read now), by id, and whether every
    type could be read: one without ``device_api`` or a readable count is left out
    with a warning, and libvirt 9.0 lists no device of which one cannot (a PCI
    function, a subchannel, the AP matrix: :data:`TYPES_UNREADABLE`)."""
    src = scope.session.source
    try:
        ids = src.entries(dev, SUPPORTED_TYPES)
    except FileNotFoundError:
        return None, True
    except OSError as e:
        scope.warn(SUPPORTED_TYPES, f"cannot list ({errname(e)})")
        return None, False
    found = []
    whole = True
    for type_id in sorted(ids):
        where = src.child(dev, SUPPORTED_TYPES, type_id)
        label = f"{SUPPORTED_TYPES}/{type_id}"
        api = scope.attr(where, "device_api", values.text_value, label=f"{label}/device_api",
                         optional=False, may_lack=True)  # fmt: skip
        count = scope.attr(where, "available_instances", values.uint, may_lack=True,
                           label=f"{label}/available_instances", optional=False)  # fmt: skip
        if api is None or count is None:
            whole = False
            continue
        raw = scope.raw(where, "name", may_lack=True)
        name = values.udev_text(raw) if raw is not None else None
        found.append(MdevType(type_id, api, count, name))
    return (MdevTypes(tuple(found)) if found else None), whole


def mdev_devices(session: ReadSession) -> list[Device]:
    """Every mediated device libvirt lists, by uuid, without its parent."""
    src = session.source
    out: list[Device] = []
    for entry in sorted(src.bus_entries("mdev", session.warn)):
        dev = src.bus_device("mdev", entry, session.warn)
        if dev is None:
            continue
        sysname = src.name(dev)
        above = _udev_parent(session, dev)
        if above is None:
            session.warn(f"/sys/bus/mdev/devices/{entry}", None,
                         "no device above it (no uevent); not listed")  # fmt: skip
            continue
        scope = session.device(udev_name("mdev", sysname, above))
        if not src.has(dev, "uevent"):
            scope.warn("uevent", "missing (to udev no device); not listed")
            continue
        type_id = _linked_name(scope, dev, "mdev_type")
        group = _linked_name(scope, dev, "iommu_group")
        number = _group_number(scope, group) if group is not None else None
        driver = scope.driver(dev)
        if type_id is None or number is None or scope.lost(dev) is not None:
            continue
        uuid: str | None = sysname
        if _UUID.fullmatch(sysname) is None:
            scope.warn(None, "its name is no UUID: <uuid> left out (libvirt prints the name)")
            uuid = None
        cap = Mdev(type_id, uuid, above, number)
        out.append(Device(scope.name, (cap,), path=src.devpath(dev), driver=driver))
    return out


def _udev_parent(session: ReadSession, dev: str) -> str | None:
    """The name of the device libudev takes for ``dev``'s parent (libvirt's
    ``parent_addr``): the nearest directory above it with a ``uevent``."""
    src = session.source
    for up in src.ancestors(dev):
        if src.has(up, "uevent"):
            return src.name(up)
    return None


def _linked_name(scope: DeviceScope, dev: str, link: str) -> str | None:
    """The last name of where ``dev``'s link ``link`` leads (read as text), when it
    leads to a directory that is there; else ``None`` and a warning."""
    src = scope.session.source
    try:
        target = src.link(dev, link)
    except FileNotFoundError:
        scope.warn(link, "missing; not listed")
        return None
    except OSError as e:
        scope.failed_with(e)
        scope.warn(link, f"not a link ({errname(e)}); not listed")
        return None
    name = posixpath.basename(posixpath.normpath(target))
    if not name.isprintable() or name in ("", ".", "..", "/"):
        scope.warn(link, f"{target[:60]!r}: leads to no name; not listed")
        return None
    if not src.reachable(src.child(dev, link)):
        scope.warn(link, f"{target[:60]!r}: leads nowhere; not listed")
        return None
    return name


def _group_number(scope: DeviceScope, group: str) -> int | None:
    """The IOMMU group ``group``'s number, as libvirt reads it (decimal, an int)."""
    try:
        number = values.uint(group)
    except ValueError as e:
        scope.warn("iommu_group", f"{group[:40]!r}: {e}; not listed")
        return None
    if number > _INT_MAX:
        scope.warn("iommu_group", f"{number}: more than libvirt reads; not listed")
        return None
    return number
