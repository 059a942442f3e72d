"""Block devices, as libvirt lists them (``storage``): a LUN's disk, a virtio disk.

Every entry of ``/sys/class/block`` whose ``uevent`` says ``DEVTYPE=disk`` and
names its node (``DEVNAME``), and whose drive type libvirt can tell: udev's
``ID_TYPE`` (from udev's database, ``b<major>:<minor>``), else ``floppy``,
``cd`` or ``sd`` from udev's ``ID_DRIVE_FLOPPY``, ``ID_CDROM``,
``ID_DRIVE_FLASH_SD``, else ``disk`` for a ``/dev/vd*`` node (libvirt's guess);
a disk whose type cannot be told (a fake root's ``sdX`` without a udev
database) is no device, as in libvirt.  Only disks (``ID_TYPE=disk``) are
listed here: libvirt's removable-media drives (CD-ROMs, floppies, SD cards) are
not modelled.  Named ``block_<name>_<ID_SERIAL>``; parents are set by
:func:`~.parents.with_parents` (a LUN's disk hangs from the LUN).
"""

from __future__ import annotations

from ...model import Device, Storage
from .. import values
from ..session import DeviceScope, ReadSession
from ..udevdb import UdevDatabase
from .parents import devnodes, udev_name

__all__ = ["storage_devices"]


def storage_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every disk libvirt lists, by name."""
    src = session.source
    db = UdevDatabase(src.root)
    out: list[Device] = []
    for name, dev in src.class_devices("block", session.warn):
        scope = session.device(udev_name("block", name))
        event = scope.attr(dev, "uevent", values.uevent) or {}
        devname = event.get("DEVNAME")
        if event.get("DEVTYPE") != "disk" or not devname:
            continue
        node = devname if devname.startswith("/") else f"/dev/{devname}"
        props = db.properties(f"b{event.get('MAJOR', '')}:{event.get('MINOR', '')}")
        if _drive_type(props, node) != "disk":
            continue
        serial = props.get("ID_SERIAL")
        scope.name = udev_name("block", name, serial)
        cap = Storage(node, props.get("ID_BUS"), "disk", serial=serial)
        if details:
            cap = _details(scope, dev, cap)
        if scope.lost(dev) is not None:
            continue
        out.append(Device(scope.name, (cap,), path=src.devpath(dev),
                          devnodes=devnodes(event, db)))  # fmt: skip
    return out


def _drive_type(props: dict[str, str], node: str) -> str | None:
    kind = props.get("ID_TYPE")
    if kind and kind != "generic":
        return kind
    for prop, word in (("ID_DRIVE_FLOPPY", "floppy"), ("ID_CDROM", "cd"),
                       ("ID_DRIVE_FLASH_SD", "sd")):  # fmt: skip
        if props.get(prop) == "1":
            return word
    return "disk" if node.startswith("/dev/vd") else None


def _details(scope: DeviceScope, dev: str, cap: Storage) -> Storage:
    """The disk's vendor, model, size, logical block size and number of blocks."""
    vendor = _trimmed(scope, dev, "device/vendor")
    model = _trimmed(scope, dev, "device/model")
    blocks = scope.attr(dev, "size", values.uint, optional=False) or 0
    block_size = scope.attr(dev, "queue/logical_block_size", values.uint, optional=False) or 0
    return Storage(cap.block, cap.bus, cap.drive_type, model, vendor, cap.serial,
                   blocks * block_size, block_size or None, blocks or None)  # fmt: skip


def _trimmed(scope: DeviceScope, dev: str, attr: str) -> str | None:
    raw = scope.raw(dev, attr, may_lack=True)
    text = values.udev_text(raw) if raw is not None else None
    return text.strip() or None if text is not None else None
