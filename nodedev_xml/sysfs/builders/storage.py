"""Block devices, as libvirt lists them (``storage``): disks, CD-ROM and floppy
drives, SD cards, DASDs.

Every entry of ``/sys/class/block`` whose ``uevent`` says ``DEVTYPE=disk`` and
names its node (``DEVNAME``), and whose drive type libvirt can tell
(``udevProcessStorage``): udev's ``ID_TYPE`` (from udev's database,
``b<major>:<minor>``); when udev gives none, or ``generic``, ``floppy``, ``cd``
or ``sd`` when udev's ``ID_DRIVE_FLOPPY``, ``ID_CDROM`` or ``ID_DRIVE_FLASH_SD``
is there (whatever its value), else libvirt's guess from the node: ``disk`` for
``/dev/vd*`` and ``/dev/nvme*``, ``dasd`` for ``/dev/dasd*``.  A drive whose type
cannot be told (a fake root's ``sdX`` without a udev database), or is none of
``cd``, ``cd/dvd``, ``disk``, ``floppy``, ``sd`` and ``dasd``, is no device, as in
libvirt.  A USB card reader is a ``disk`` (udev's ``usb_id`` gives it
``ID_TYPE``); an SD card on an MMC host, which udev gives none, is ``sd``.

What each holds, as libvirt reads it:

* ``disk``, ``sd``, ``dasd``: the size (``size``, 512-byte sectors, times
  ``queue/logical_block_size``), the block size and the number of blocks; a
  DASD's serial is its ``device/uid``, not udev's ``ID_SERIAL``.
* ``cd``, ``cd/dvd`` (printed ``cdrom``) and ``floppy``: removable media.  A
  drive the kernel calls ``removable`` (``1``) holds a
  :class:`~nodedev_xml.model.Removable`; a medium is in a CD-ROM drive when
  udev's ``ID_CDROM_MEDIA`` is there and not 0, in a floppy drive when udev
  found a file system label on it (``ID_FS_LABEL``); with a medium, its label,
  size and geometry, without one, nothing.  A drive that is not ``removable``
  has size 0 and its medium's geometry.

Numbers are read as libvirt reads them (C's ``strtol``/``strtoull``, base 0, on
the attribute without its trailing newline, a missing file 0); one it cannot
read (``removable``, ``size``, ``logical_block_size``, ``ID_CDROM_MEDIA``) leaves
the device out, with a warning, as libvirt leaves it out.  Named
``block_<name>_<serial>`` (``block_sr0_AMI_Virtual_CDROM0_…``); parents are set
by :func:`~.parents.with_parents` (a LUN's disk or ``sr0`` hangs from the LUN).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from ...model import Device, Removable, Storage
from .. import values
from ..session import DeviceScope, ReadSession
from ..udevdb import UdevDatabase
from .parents import devnodes, udev_name

__all__ = ["drive_type", "storage_devices"]

#: udev's drive type (``ID_TYPE``, or one guessed below) -> libvirt's, for the types
#: libvirt lists; libvirt prints ``cdrom`` for udev's ``cd`` (HAL's word).
DRIVE_TYPES = {"cd": "cdrom", "cd/dvd": "cdrom", "disk": "disk", "floppy": "floppy",
               "sd": "sd", "dasd": "dasd"}  # fmt: skip
#: Without ``ID_TYPE`` (or with ``generic``): the first of these udev properties there.
_BY_PROPERTY = (("ID_DRIVE_FLOPPY", "floppy"), ("ID_CDROM", "cd"), ("ID_DRIVE_FLASH_SD", "sd"))
#: Else libvirt's guess from the node's name (``udevKludgeStorageType``).
_BY_NODE = (("/dev/vd", "disk"), ("/dev/dasd", "dasd"), ("/dev/nvme", "disk"))
#: The drive types whose media come and go.
_REMOVABLE = frozenset({"cdrom", "floppy"})
_BLANKS = " \t\n\v\f\r"  # C's isspace(), which libvirt trims off the end of a string


def drive_type(props: dict[str, str], node: str) -> str | None:
    """libvirt's drive type for a block device with udev properties ``props`` and
    node ``node`` (``/dev/sr0``), ``None`` when libvirt makes no device of it."""
    kind = props.get("ID_TYPE")
    if kind is None or kind == "generic":
        kind = next((word for prop, word in _BY_PROPERTY if prop in props), None)
    if kind is None:
        kind = next((word for prefix, word in _BY_NODE if node.startswith(prefix)), None)
    return DRIVE_TYPES.get(kind) if kind is not None else None


def storage_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every block device libvirt lists, by name; ``details`` ``False`` leaves out
    the vendor and model, which do not decide that."""
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
        kind = drive_type(props, node)
        if kind is None:
            continue
        serial = _string(scope, dev, "device/uid") if kind == "dasd" else props.get("ID_SERIAL")
        scope.name = udev_name("block", name, serial)
        base = Storage(node, props.get("ID_BUS"), kind, serial=serial)
        if kind in _REMOVABLE:
            cap = _removable(scope, dev, base, props)
        else:
            cap = _fixed(scope, dev, base)
        if cap is None or scope.lost(dev) is not None:
            continue
        if details:
            cap = replace(cap, vendor=_trimmed(scope, dev, "device/vendor"),
                          model=_trimmed(scope, dev, "device/model"))  # fmt: skip
        out.append(Device(scope.name, (cap,), path=src.devpath(dev),
                          devnodes=devnodes(event, db)))  # fmt: skip
    return out


def _fixed(scope: DeviceScope, dev: str, cap: Storage) -> Storage | None:
    """A disk, SD card or DASD: its size, block size and number of blocks."""
    geometry = _geometry(scope, dev)
    if geometry is None:
        return None
    blocks, block_size = geometry
    return replace(cap, size=blocks * block_size % 2**64, logical_block_size=block_size or None,
                   num_blocks=blocks if block_size else None)  # fmt: skip


def _removable(
    scope: DeviceScope, dev: str, cap: Storage, props: dict[str, str]
) -> Storage | None:
    """A CD-ROM or floppy drive: whether the kernel calls it ``removable``, whether a
    medium is in it, and the medium's label, size and geometry."""
    flag = _number(scope, dev, "removable", values.c_int)
    if flag is None:
        return None
    if cap.drive_type == "cdrom":
        media = _property(scope, props, "ID_CDROM_MEDIA")
        if media is None:
            return None
    else:
        media = int("ID_FS_LABEL" in props)
    if not media:
        return replace(cap, removable=Removable()) if flag == 1 else cap
    geometry = _geometry(scope, dev)
    if geometry is None:
        return None
    blocks, block_size = geometry
    if flag != 1:  # libvirt prints no size then, only the medium's geometry
        return replace(cap, logical_block_size=block_size or None,
                       num_blocks=blocks if block_size else None)  # fmt: skip
    return replace(cap, removable=Removable(
        True, blocks * block_size % 2**64, props.get("ID_FS_LABEL"), block_size or None,
        blocks if block_size else None))  # fmt: skip


def _geometry(scope: DeviceScope, dev: str) -> tuple[int, int] | None:
    """``size`` (512-byte sectors) and ``queue/logical_block_size``, 0 when missing;
    ``None`` when one is no number."""
    blocks = _number(scope, dev, "size", values.c_ull)
    block_size = _number(scope, dev, "queue/logical_block_size", values.c_ull)
    return None if blocks is None or block_size is None else (blocks, block_size)


def _number(scope: DeviceScope, dev: str, attr: str, convert: Callable[[str], int]) -> int | None:
    """A number libvirt reads through libudev (the trailing newline cut, nothing
    else): 0 when the file is missing or unreadable, ``None`` (with a warning)
    when it holds no number."""
    raw = scope.raw(dev, attr, may_lack=True)
    if raw is None:
        return 0
    text = raw.decode("utf-8", "replace").rstrip("\n\r")
    try:
        return convert(text)
    except ValueError as e:
        shown = text if len(text) <= 40 else text[:37] + "..."
        scope.warn(attr, f"{shown!r}: {e}")
        return None


def _property(scope: DeviceScope, props: dict[str, str], key: str) -> int | None:
    """udev's property ``key`` as libvirt reads an int from it: 0 when it is not
    there, ``None`` (with a warning) when it is no number."""
    text = props.get(key)
    if text is None:
        return 0
    try:
        return values.c_int(text)
    except ValueError as e:
        shown = text if len(text) <= 40 else text[:37] + "..."
        scope.warn(f"udev {key}", f"{shown!r}: {e}")
        return None


def _string(scope: DeviceScope, dev: str, attr: str) -> str | None:
    raw = scope.raw(dev, attr, may_lack=True)
    return values.udev_text(raw) if raw is not None else None


def _trimmed(scope: DeviceScope, dev: str, attr: str) -> str | None:
    """A vendor or model string: trailing blanks trimmed (libvirt's ``virTrimSpaces``;
    leading ones stay, and one all blanks is empty, not missing)."""
    text = _string(scope, dev, attr)
    return text.rstrip(_BLANKS) if text is not None else None
