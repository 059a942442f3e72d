"""SCSI devices (LUNs) under the targets and hosts in the scan."""

from __future__ import annotations

import errno
import re
from dataclasses import dataclass, field

from ...model import Device, Parent, ScsiDevice
from ...vocabulary import SCSI_TYPES, scsi_host_name, scsi_name
from ...wwn import WWN
from .. import values
from ..discovery import LunInfo, Topology, luns, scsi_bus
from ..lunid import serial_from_vpd80, wwid_from_vpd83
from ..policy import ReadPolicy
from ..session import DeviceScope, ReadSession
from ..source import errname

#: A SCSI block device's kernel name (``sdc``, ``sdaa``, ``sr0``).
_BLOCK = re.compile(r"[a-z][a-z0-9_-]{0,31}")
#: A ``/dev/disk/by-id`` link name the document can carry (the grammar's device path).
_BY_ID = re.compile(r"[a-zA-Z0-9_+%-]{1,200}")
#: By-id links in the order of preference: the NAA WWN, then udev's SCSI serial forms.
_BY_ID_ORDER = ("wwn-", "scsi-3", "scsi-2", "scsi-", "")
#: What reading ``wwid`` says when the kernel has no usable page 0x83 (not a fault).
_NO_WWID = frozenset({errno.ENOENT, errno.ENXIO, errno.EINVAL})


@dataclass(slots=True)
class _Disks:
    """The disks of class ``block`` (one listing) and the ``/dev/disk/by-id`` links
    (one listing), for the LUNs' identity."""

    under: dict[str, tuple[str, str]] = field(default_factory=dict)  # LUN handle -> (sdX, handle)
    named: dict[str, str] = field(default_factory=dict)  # sdX, dm-N -> handle
    by_id: dict[str, str] = field(default_factory=dict)  # sdX -> /dev/disk/by-id/...


def lun_devices(
    session: ReadSession, topology: Topology, policy: ReadPolicy, targets: list[Device]
) -> list[Device]:
    """The LUNs of the hosts still in ``topology``, each under its target among
    ``targets`` (the targets built) or under its host.  A LUN whose target is not
    among them is left out with it.

    As libvirt does, a LUN numbered beyond 32 bits, or whose ``type`` is no
    number, is left out (with a warning); a type libvirt has no word for gives no
    ``type``.  ``type`` is read under every policy (it decides whether the LUN
    is listed); the inquiry data, the driver and the block device only with
    ``policy.details``."""
    src = session.source
    target_of: dict[str | None, tuple[str, WWN | None]] = {}
    for d in targets:
        cap = d.scsi_target
        rport = cap.fc_remote_port if cap is not None else None
        target_of[d.path] = (d.name, rport.wwpn if rport is not None else None)
    disks = _disks(session) if policy.details else None
    out: list[Device] = []
    for u in luns(session, topology.hosts, scsi_bus(session, topology)):
        remote: WWN | None = None
        if u.above == topology.hosts[u.host].dev:
            parent = scsi_host_name(u.host)
        else:
            found = target_of.get(src.devpath(u.above))
            if found is None:
                continue  # its target is not in the scan: gone, or left out with a warning
            parent, remote = found
        device = _lun(session, u, parent, disks, remote)
        if device is not None:
            out.append(device)
    return out


def _disks(session: ReadSession) -> _Disks:
    """The disks of class ``block`` laid out as a SCSI device's (``<lun>/block/sdX``)
    by the handle of the device above them, every block device by name (dm maps
    too), and each disk's preferred ``/dev/disk/by-id`` link."""
    src = session.source
    disks = _Disks()
    for name, dev in src.class_devices("block", session.warn):
        disks.named[name] = dev
        above = src.parent(dev)
        if src.name(above) == "block" and src.name(dev) == name:
            disks.under.setdefault(src.parent(above), (name, dev))
    ranked: dict[str, tuple[int, str]] = {}
    for link, target in src.dev_links("disk/by-id"):
        disk = target.rpartition("/")[2]
        if "-part" in link or not _BY_ID.fullmatch(link) or not _BLOCK.fullmatch(disk):
            continue
        if link.startswith(("dm-name-", "dm-uuid-")):
            continue
        rank = next(i for i, p in enumerate(_BY_ID_ORDER) if link.startswith(p))
        if disk not in ranked or (rank, link) < ranked[disk]:
            ranked[disk] = (rank, link)
    disks.by_id = {disk: f"/dev/disk/by-id/{link}" for disk, (_, link) in ranked.items()}
    return disks


def _lun(
    session: ReadSession, u: LunInfo, parent: str, disks: _Disks | None, remote: WWN | None
) -> Device | None:
    name = scsi_name(u.host, u.channel, u.target, u.lun)
    if u.lun > values.UINT32_MAX:
        message = "left out: a LUN number beyond 32 bits, as libvirt does"
        session.warn(name, None, message, u.host)
        return None
    scope = session.device(name, u.host)
    refused: list[str] = []

    def peripheral_type(text: str) -> int:
        try:
            return values.scsi_type(text)
        except ValueError:
            refused.append(text)
            raise

    ptype = scope.attr(u.dev, "type", peripheral_type)
    vendor = model = revision = driver = node = size = None
    identity = _Identity()
    if disks is not None:
        vendor = scope.attr(u.dev, "vendor", values.text_value)
        model = scope.attr(u.dev, "model", values.text_value)
        revision = scope.attr(u.dev, "rev", values.text_value)
        driver = scope.driver(u.dev)
        identity = _identity(scope, u.dev)
        block = disks.under.get(u.dev)
        if block is not None:
            node, size = _block(scope, *block)
            if node is not None:
                holder, identity.multipath, identity.multipath_uuid = _multipath(
                    scope, disks, *block
                )
                # udev moves a multipathed disk's by-id links to its map
                identity.by_id = disks.by_id.get(block[0]) or disks.by_id.get(holder or "")
    why = scope.lost(u.dev)
    if why is not None:
        session.warn(name, None, why, u.host)
        return None
    if refused:
        scope.amend(("type",), "; the device is left out, as libvirt does")
        return None
    cap = ScsiDevice(
        host=u.host,
        bus=u.channel,
        target=u.target,
        lun=u.lun,
        type=SCSI_TYPES.get(ptype) if ptype is not None else None,
        vendor=vendor,
        model=model,
        revision=revision,
        block=node,
        size=size,
        wwid=identity.wwid,
        serial=identity.serial,
        by_id=identity.by_id,
        multipath=identity.multipath,
        multipath_uuid=identity.multipath_uuid,
        remote_wwpn=remote if disks is not None else None,
    )
    return Device(name=name, path=session.source.devpath(u.dev), parent=Parent(parent),
                  driver=driver, capabilities=(cap,))  # fmt: skip


def _block(scope: DeviceScope, name: str, dev: str) -> tuple[str | None, int | None]:
    """The block device's node (``/dev/sdc``: devtmpfs names it after the kernel)
    and its size in bytes; a block device that goes while it is read is none."""
    if not _BLOCK.fullmatch(name):
        scope.warn("block", f"{name[:40]!r}: expected a block device name like sdc")
        return None, None
    part = scope.part()
    sectors = part.attr(dev, "size", values.sectors, label=f"block/{name}/size")
    if part.lost(dev) is not None:
        return None, None  # gone with the disk (its reads said nothing of the LUN)
    scope.absorb(part)
    return f"/dev/{name}", sectors * 512 if sectors is not None else None



@dataclass(slots=True)
class _Identity:
    wwid: str | None = None
    serial: str | None = None
    by_id: str | None = None
    multipath: str | None = None
    multipath_uuid: str | None = None


def _identity(scope: DeviceScope, dev: str) -> _Identity:
    """The LUN's ``wwid`` (else the designator the kernel would pick from
    ``vpd_pg83``) and its serial (``vpd_pg80``).  A kernel without ``wwid``, or a
    device without page 0x83 (``ENXIO``, ``EINVAL`` from the read), is no fault;
    neither is a page that is not there."""
    found = _Identity()
    try:
        raw: bytes | None = scope.session.source.read(dev, "wwid")
    except OSError as e:
        raw = None
        if e.errno not in _NO_WWID:
            scope.failed_with(e)
            scope.warn("wwid", f"unreadable ({errname(e)})")
    if raw is not None:
        found.wwid = _checked(scope, "wwid", raw.decode("latin-1").strip("\n"))
    else:
        page = scope.raw(dev, "vpd_pg83", may_lack=True)
        if page is not None:
            found.wwid = _checked(scope, "vpd_pg83", wwid_from_vpd83(page) or "")
    page = scope.raw(dev, "vpd_pg80", may_lack=True)
    if page is not None:
        found.serial = serial_from_vpd80(page)
    return found


def _checked(scope: DeviceScope, attr: str, text: str) -> str | None:
    try:
        return values.ascii_text(text)
    except ValueError as e:
        scope.warn(attr, f"{text[:40]!r}: {e}")
        return None


def _multipath(
    scope: DeviceScope, disks: _Disks, name: str, dev: str
) -> tuple[str | None, str | None, str | None]:
    """The dm-multipath map holding the disk (``holders/dm-N`` whose ``dm/uuid``
    starts ``mpath-``): ``dm-N``, its name and uuid; ``None`` each when none holds it."""
    try:
        holders = sorted(scope.session.source.entries(dev, "holders"))
    except OSError:
        return None, None, None  # no holders directory (or the disk went): no map
    for holder in holders:
        handle = disks.named.get(holder)
        if handle is None:
            continue
        part = scope.part()
        uuid = part.attr(handle, "dm/uuid", values.ascii_text, label=f"{holder}/dm/uuid")
        if uuid is None or not uuid.startswith("mpath-"):
            continue
        label = f"{holder}/dm/name"
        return holder, part.attr(handle, "dm/name", values.ascii_text, label=label), uuid
    return None, None, None
