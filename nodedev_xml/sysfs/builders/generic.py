"""SCSI generic nodes, as libvirt lists them (``scsi_generic``).

Every entry of ``/sys/class/scsi_generic`` (``sg0``, a LUN's
``<lun>/scsi_generic/sg0``) whose ``uevent`` names its node (``DEVNAME``):
``scsi_generic_sg0``, below its LUN (:func:`~.parents.with_parents`).
"""

from __future__ import annotations

from ...model import Device, ScsiGeneric
from .. import values
from ..session import ReadSession
from ..udevdb import UdevDatabase
from .parents import devnodes, udev_name

__all__ = ["generic_devices"]


def generic_devices(session: ReadSession, details: bool = True) -> list[Device]:
    """Every SCSI generic node with its node name, by name."""
    src = session.source
    db = UdevDatabase(src.root)
    out: list[Device] = []
    for name, dev in src.class_devices("scsi_generic", session.warn):
        scope = session.device(udev_name("scsi_generic", name))
        event = scope.attr(dev, "uevent", values.uevent) or {}
        nodes = devnodes(event, db)
        if not nodes or scope.lost(dev) is not None:
            continue
        out.append(Device(scope.name, (ScsiGeneric(nodes[0][1]),), path=src.devpath(dev),
                          devnodes=nodes))  # fmt: skip
    return out
