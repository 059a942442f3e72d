"""DRM (graphics) device nodes, as libvirt lists them (``drm``).

Every entry of ``/sys/class/drm`` whose ``uevent`` says ``DEVTYPE=drm_minor`` (a
card's connectors, ``card0-HDMI-A-1``, are ``drm_connector``: no device):
``drm_card0``, ``drm_renderD128``, below their GPU's PCI function
(:func:`~.parents.with_parents`).  The node's kind comes from its ``MINOR``, as
libvirt tells it: ``MINOR >> 6`` is 0 (``primary``), 1 (``control``) or 2
(``render``); any other minor, or none, is no device.
"""

from __future__ import annotations

from ...model import DRM, Device
from .. import values
from ..session import ReadSession
from ..udevdb import UdevDatabase
from .parents import devnodes, udev_name

__all__ = ["drm_devices"]

#: libvirt's DRM node kinds by ``MINOR >> 6``.
KINDS = ("primary", "control", "render")


def drm_devices(session: ReadSession) -> list[Device]:
    """Every DRM node libvirt lists, by name."""
    src = session.source
    db = UdevDatabase(src.root)
    out: list[Device] = []
    for name, dev in src.class_devices("drm", session.warn):
        scope = session.device(udev_name("drm", name))
        event = scope.attr(dev, "uevent", values.uevent, optional=False) or {}
        kind = _kind(event.get("MINOR")) if event.get("DEVTYPE") == "drm_minor" else None
        if kind is None or scope.lost(dev) is not None:
            continue
        out.append(Device(scope.name, (DRM(kind),), path=src.devpath(dev),
                          devnodes=devnodes(event, db)))  # fmt: skip
    return out


def _kind(minor: str | None) -> str | None:
    """The node's kind from its ``MINOR`` (libvirt reads it as a decimal int)."""
    try:
        number = int(minor or "", 10)
    except ValueError:
        return None
    if not 0 <= number < 2**31:
        return None
    return KINDS[number >> 6] if number >> 6 < len(KINDS) else None
