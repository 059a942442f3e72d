"""SCSI devices (LUNs) under the targets and hosts in the scan."""

from __future__ import annotations

import re

from ...model import Device, Parent, ScsiDevice
from ...vocabulary import SCSI_TYPES, scsi_host_name, scsi_name
from .. import values
from ..discovery import LunInfo, Topology, luns, scsi_bus
from ..policy import ReadPolicy
from ..session import DeviceScope, ReadSession

#: A SCSI block device's kernel name (``sdc``, ``sdaa``, ``sr0``).
_BLOCK = re.compile(r"[a-z][a-z0-9_-]{0,31}")


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
    target_names = {d.path: d.name for d in targets}
    blocks = _block_devices(session) if policy.details else {}
    out: list[Device] = []
    for u in luns(session, topology.hosts, scsi_bus(session, topology)):
        if u.above == topology.hosts[u.host].dev:
            parent = scsi_host_name(u.host)
        else:
            found = target_names.get(src.devpath(u.above))
            if found is None:
                continue  # its target is not in the scan: gone, or left out with a warning
            parent = found
        device = _lun(session, u, parent, policy.details, blocks.get(u.dev))
        if device is not None:
            out.append(device)
    return out


def _block_devices(session: ReadSession) -> dict[str, tuple[str, str]]:
    """The disks of class ``block`` laid out as a SCSI device's (``<lun>/block/sdX``):
    ``(name, handle)`` by the handle of the device above them (one listing)."""
    src = session.source
    found: dict[str, tuple[str, str]] = {}
    for name, dev in src.class_devices("block", session.warn):
        above = src.parent(dev)
        if src.name(above) == "block" and src.name(dev) == name:
            found.setdefault(src.parent(above), (name, dev))
    return found


def _lun(
    session: ReadSession, u: LunInfo, parent: str, details: bool, block: tuple[str, str] | None
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
    if details:
        vendor = scope.attr(u.dev, "vendor", values.text_value)
        model = scope.attr(u.dev, "model", values.text_value)
        revision = scope.attr(u.dev, "rev", values.text_value)
        driver = scope.driver(u.dev)
        if block is not None:
            node, size = _block(scope, *block)
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

