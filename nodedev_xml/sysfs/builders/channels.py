"""s390 channel devices, as libvirt lists them: subchannels (``css``) and CCW devices (``ccw``).

The entries of the ``css`` bus (``/sys/bus/css/devices/0.0.0010``) bound to
``io_subchannel`` or ``vfio_ccw`` (libvirt leaves out the others, and one whose
mdev types it cannot all read), with the address of the CCW device on them from
``dev_busid``; and of the ``ccw`` bus
(``0.0.1900``, below its subchannel) that are ``online`` (libvirt lists only
those).  The addresses are the entries' names, ``cssid.ssid.devno``.  Parents
are set by :func:`~.parents.with_parents`: a CCW device's is its subchannel,
and a zfcp Scsi_Host's its CCW device.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from ...model import CCW, CSS, CCWAddress, Device
from .. import values
from ..session import DeviceScope, ReadSession
from .mdev import TYPES_UNREADABLE, read_mdev_types
from .parents import udev_name

__all__ = ["ccw_address", "ccw_devices", "css_devices"]

#: An s390 bus id as the kernel prints it (``%x.%x.%04x``).
BUS_ID = re.compile(r"([0-9a-f])\.([0-9a-f])\.([0-9a-f]{4})")
#: The subchannel drivers whose subchannels libvirt lists.
_SUBCHANNEL_DRIVERS = ("io_subchannel", "vfio_ccw")


def ccw_address(text: str) -> CCWAddress:
    """``0.0.1900`` as an address; :class:`ValueError` for any other spelling."""
    m = BUS_ID.fullmatch(text)
    if m is None:
        raise ValueError("expected a bus id cssid.ssid.devno")
    return CCWAddress(int(m[1], 16), int(m[2], 16), int(m[3], 16))


def _bus_devices(session: ReadSession, bus: str) -> Iterator[tuple[str, Any, DeviceScope]]:
    """The devices of ``bus`` named by a bus id, in bus id order: each entry, its
    device and its scope."""
    src = session.source
    for entry in sorted(src.bus_entries(bus, session.warn)):
        dev = src.bus_device(bus, entry, session.warn)
        if dev is not None and BUS_ID.fullmatch(entry) is not None:
            yield entry, dev, session.device(udev_name(bus, entry))


def css_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every I/O (or vfio-ccw) subchannel, by bus id."""
    src = session.source
    out: list[Device] = []
    for entry, dev, scope in _bus_devices(session, "css"):
        driver = scope.driver(dev)
        if driver not in _SUBCHANNEL_DRIVERS:
            continue
        busid = scope.attr(dev, "dev_busid", ccw_address) if details else None
        types, whole = read_mdev_types(scope, dev)  # decides list --cap mdev_types too
        if scope.lost(dev) is not None:
            continue
        if not whole:
            scope.warn(None, TYPES_UNREADABLE)
            continue
        cap = CSS(ccw_address(entry), busid, types)
        out.append(Device(scope.name, (cap,), path=src.devpath(dev), driver=driver))
    return out


def ccw_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every online CCW device, by bus id."""
    src = session.source
    out: list[Device] = []
    for entry, dev, scope in _bus_devices(session, "ccw"):
        if scope.attr(dev, "online", values.uint) != 1:
            continue
        driver = scope.driver(dev)
        if scope.lost(dev) is not None:
            continue
        out.append(Device(scope.name, (CCW(ccw_address(entry)),), path=src.devpath(dev),
                          driver=driver))  # fmt: skip
    return out
