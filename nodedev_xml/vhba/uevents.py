"""Waiting on uevents: the lifecycle's pause between two looks when the udev
backend is in use (:mod:`.wait` holds the conditions).

The monitor is opened before the write to ``vport_create`` or ``vport_delete``,
so that no uevent of the new vport or its vHBA is missed.  A uevent of one of
:data:`SUBSYSTEMS` (the vport's ``fc_vports`` class device, the vHBA's
Scsi_Host on the ``scsi`` bus, its ``scsi_host`` and ``fc_host`` class devices)
ends the pause at once.

Two changes come without a uevent of their own, so the pause also ends after
:data:`LOOK_AGAIN_SECONDS` without one: ``vport_state`` (the driver sets it when
the fabric answers, after the vHBA's host is added, and sysfs attribute
changes send no uevent), and the last step of a removal (the kernel sends
``remove`` before it takes the device's directory away).
"""

from __future__ import annotations

import logging
import time
from types import TracebackType
from typing import Any

from ..errors import SysfsError

log = logging.getLogger("nodedev_xml.vhba")

#: The subsystems whose uevents tell of a vport and its vHBA.
SUBSYSTEMS = ("fc_vports", "scsi", "scsi_host", "fc_host")
#: The longest pause without a uevent: what changes without one is looked at this often.
LOOK_AGAIN_SECONDS = 0.25


class UeventPause:
    """A pause that ends at the next uevent of :data:`SUBSYSTEMS` (or after
    :data:`LOOK_AGAIN_SECONDS`, or at the deadline).  ``heard`` counts the uevents
    taken.  Raises :class:`SysfsError` when the monitor cannot be opened."""

    def __init__(self, *, context: Any = None) -> None:
        from ..sysfs.udev import open_monitor

        self._monitor: Any = open_monitor(SUBSYSTEMS, context=context)
        self.heard = 0

    def __call__(self, deadline: float) -> None:
        timeout = max(0.0, min(LOOK_AGAIN_SECONDS, deadline - time.monotonic()))
        try:
            device = self._monitor.poll(timeout=timeout)
            while device is not None:  # take the ones queued behind it too: one look serves all
                self.heard += 1
                log.debug("uevent: %s %s", device.action, device.sys_path)
                device = self._monitor.poll(timeout=0)
        except OSError as e:
            raise SysfsError(f"udev: reading uevents failed ({e})") from None

    def close(self) -> None:
        self._monitor = None

    def __enter__(self) -> UeventPause:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
