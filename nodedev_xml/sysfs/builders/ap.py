"""s390 AP (crypto) devices, as libvirt lists them: cards (``ap_card``), queues
(``ap_queue``) and vfio_ap's matrix device (``ap_matrix``).

The entries of the ``ap`` bus (``/sys/bus/ap/devices``) whose ``uevent`` says
``DEVTYPE=ap_card`` (``card07``, at ``/sys/devices/ap/card07``) or
``DEVTYPE=ap_queue`` (``07.0003``, below its card), whatever driver they are
bound to (``cex4card``, ``cex4queue``, ``vfio_ap``) or none; libvirt takes the
adapter and domain numbers from the names (hex) and names them
``ap_card07``, ``ap_07_0003``.  The entry of the ``matrix`` bus
(``/sys/devices/vfio_ap/matrix``, whose ``uevent`` has no ``DEVTYPE``) is
``ap_matrix``, with the mediated-device types it offers; libvirt lists no matrix
one of whose types it cannot read.  A device without a ``uevent`` is no device
to libudev, nor to libvirt.  Parents are set by :func:`~.parents.with_parents`: a
queue's is its card; a card's (``/sys/devices/ap`` is no device libvirt lists)
and the matrix's are ``computer``.
"""

from __future__ import annotations

import re

from ...model import APCard, APMatrix, APQueue, Device
from ...vocabulary import AP_MATRIX
from .. import values
from ..session import ReadSession
from .mdev import TYPES_UNREADABLE, read_mdev_types
from .parents import udev_name

__all__ = ["ap_devices", "ap_matrix_devices"]

#: A card's name as the kernel prints it (``card%02x``) and as libvirt reads it (hex).
CARD = re.compile(r"card([0-9a-fA-F]{1,8})")
#: A queue's name (``%02x.%04x``: adapter, domain).
QUEUE = re.compile(r"([0-9a-fA-F]{1,8})\.([0-9a-fA-F]{1,8})")


def ap_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every AP card and queue libvirt lists, by bus entry name (so a card's queues
    come before it: ``07.0003`` sorts before ``card07``); ``details`` ``False``
    reads only what decides that (no driver)."""
    src = session.source
    out: list[Device] = []
    for entry in sorted(src.bus_entries("ap", session.warn)):
        dev = src.bus_device("ap", entry, session.warn)
        if dev is None:
            continue
        scope = session.device(udev_name("ap", entry))
        event = scope.attr(dev, "uevent", values.uevent, optional=False)
        kind = (event or {}).get("DEVTYPE")
        cap: APCard | APQueue | None = None
        if kind == "ap_card" and (m := CARD.fullmatch(entry)) is not None:
            cap = APCard(int(m[1], 16))
        elif kind == "ap_queue" and (q := QUEUE.fullmatch(entry)) is not None:
            cap = APQueue(int(q[1], 16), int(q[2], 16))
        elif kind in ("ap_card", "ap_queue"):
            scope.warn(None, f"not an AP {kind[3:]}'s name; left out, as libvirt does")
        driver = scope.driver(dev) if cap is not None and details else None
        why = scope.lost(dev)
        if why is not None:
            session.warn(scope.name, None, why)
            continue
        if cap is None:
            continue
        out.append(Device(scope.name, (cap,), path=src.devpath(dev), driver=driver))
    return out


def ap_matrix_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """vfio_ap's matrix device, when the kernel has one (the ``vfio_ap`` module
    loaded), with its mediated-device types (read whatever ``details`` says: they
    decide ``list --cap mdev_types``, and whether libvirt lists the device)."""
    src = session.source
    for entry in sorted(src.bus_entries("matrix", session.warn)):
        dev = src.bus_device("matrix", entry, session.warn)
        if dev is None:
            continue
        scope = session.device(AP_MATRIX)
        event = scope.attr(dev, "uevent", values.uevent, optional=False)
        listed = event is not None and "DEVTYPE" not in event
        types, whole = read_mdev_types(scope, dev) if listed else (None, True)
        driver = scope.driver(dev) if listed and details else None
        why = scope.lost(dev)
        if why is not None:
            session.warn(scope.name, None, why)
            continue
        if not listed:
            continue
        if not whole:
            scope.warn(None, TYPES_UNREADABLE)
            continue
        return [Device(scope.name, (APMatrix(types),), path=src.devpath(dev), driver=driver)]
    return []
