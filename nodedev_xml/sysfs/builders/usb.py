"""USB devices and their interfaces, as libvirt lists them (``usb_device``, ``usb``).

Every entry of the USB bus (``/sys/bus/usb/devices``) whose ``uevent`` says
``DEVTYPE=usb_device`` (``usb2``, ``2-1``) or ``DEVTYPE=usb_interface``
(``2-1:1.0``).  A device's bus and device numbers come from its ``uevent``
(``BUSNUM``, ``DEVNUM``), its ids from udev's database (``ID_VENDOR_ID``,
``ID_MODEL_ID``: without them libvirt lists no USB device, so neither does
this), its names from udev's hardware database, else its own ``manufacturer``
and ``product`` strings, which keep their trailing blanks as libvirt prints
them.  An interface's capability is its ``bInterface*`` attributes.  Parents
are set by :func:`~.parents.with_parents`.
"""

from __future__ import annotations

from ...model import Device, UsbDevice, UsbInterface
from .. import values
from ..session import DeviceScope, ReadSession
from ..udevdb import UdevDatabase
from .parents import devnodes, udev_name

__all__ = ["usb_devices"]

_INTERFACE_ATTRS = ("bInterfaceNumber", "bInterfaceClass", "bInterfaceSubClass",
                    "bInterfaceProtocol")  # fmt: skip


def _hex_byte(text: str) -> int:
    return int(text, 16)


def usb_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every USB device and interface libvirt lists, by bus entry name; ``details``
    ``False`` reads only what decides that."""
    src = session.source
    db = UdevDatabase(src.root)
    out: list[Device] = []
    for entry in sorted(src.bus_entries("usb", session.warn)):
        dev = src.bus_device("usb", entry, session.warn)
        if dev is None:
            continue
        scope = session.device(udev_name("usb", entry))
        event = scope.attr(dev, "uevent", values.uevent, optional=False) or {}
        kind = event.get("DEVTYPE")
        cap: UsbDevice | UsbInterface | None = None
        if kind == "usb_device":
            cap = _usb_device(scope, dev, event, db, details)
        elif kind == "usb_interface":
            cap = _usb_interface(scope, dev)
        if cap is None or scope.lost(dev) is not None:
            continue
        nodes = devnodes(event, db) if kind == "usb_device" else ()
        out.append(Device(scope.name, (cap,), path=src.devpath(dev), devnodes=nodes,
                          driver=scope.driver(dev)))  # fmt: skip
    return out


def _usb_device(
    scope: DeviceScope, dev: str, event: dict[str, str], db: UdevDatabase, details: bool
) -> UsbDevice | None:
    props = db.properties(f"c{event.get('MAJOR', '')}:{event.get('MINOR', '')}")
    try:
        bus, number = int(event["BUSNUM"], 10), int(event["DEVNUM"], 10)
        vendor, product = int(props["ID_VENDOR_ID"], 16), int(props["ID_MODEL_ID"], 16)
    except (KeyError, ValueError):
        return None  # as in libvirt: no USB device without its numbers and ids
    vendor_name = props.get("ID_VENDOR_FROM_DATABASE")
    product_name = props.get("ID_MODEL_FROM_DATABASE")
    if details and vendor_name is None:
        vendor_name = _string(scope, dev, "manufacturer")
    if details and product_name is None:
        product_name = _string(scope, dev, "product")
    return UsbDevice(bus, number, product, vendor, product_name or None, vendor_name or None)


def _string(scope: DeviceScope, dev: str, attr: str) -> str | None:
    raw = scope.raw(dev, attr, may_lack=True)
    return values.udev_text(raw) if raw is not None else None


def _usb_interface(scope: DeviceScope, dev: str) -> UsbInterface | None:
    found = [scope.attr(dev, a, _hex_byte, optional=False) for a in _INTERFACE_ATTRS]
    if None in found:
        return None  # libvirt leaves out an interface it cannot read
    number, klass, subclass, protocol = (n for n in found if n is not None)
    return UsbInterface(number, klass, subclass, protocol)
