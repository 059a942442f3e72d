"""Waiting for the kernel: until a vport is counted, its vHBA has appeared, or it
is gone.

All the waiting of the lifecycle is here.  Each function takes the root, the
parent's device directory and the vport's names, a ``deadline`` on
``time.monotonic()`` and a ``pause``: what to do between two looks at sysfs.
:func:`sleep_pause` sleeps :data:`POLL_SECONDS` (the sysfs backend);
:class:`~.uevents.UeventPause` waits for the next uevent (the udev backend).
Either way the same condition, read from sysfs, ends the wait.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..sysfs.access import FileAccess, OSFileAccess
from ..wwn import WWN

#: How often sysfs is looked at.
POLL_SECONDS = 0.02
#: ``vport_state`` values that end a vport's life without a usable vHBA (the kernel's list).
FAILED_STATES = (
    "Disabled",
    "Linkdown",
    "No Fabric Support",
    "No Fabric Resources",
    "Fabric Logout",
    "Fabric Rejected WWN",
    "VPort Failed",
)
#: The states a vport passes through on its way to Active.
TRANSIENT_STATES = frozenset({"Unknown", "Initializing"})

#: Waits until the next look at sysfs, never past the deadline it is given.
Pause = Callable[[float], None]


def sleep_pause(deadline: float) -> None:
    """Sleep :data:`POLL_SECONDS`, or until ``deadline`` if that comes first."""
    time.sleep(max(0.0, min(POLL_SECONDS, deadline - time.monotonic())))


_HOST = re.compile(r"host(0|[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class VportStatus:
    """What sysfs shows of one vport: its name, ``vport_state`` and the number of
    its vHBA's Scsi_Host once that is complete (``fc_host`` and class links)."""

    vport: str
    state: str | None
    host: int | None


def _read(fs: FileAccess, path: str) -> str | None:
    try:
        return fs.read(path).decode("ascii", "replace").rstrip("\n")
    except OSError:
        return None


def _wwn(fs: FileAccess, path: str) -> WWN | None:
    text = _read(fs, path)
    try:
        return WWN.parse(text) if text is not None else None
    except ValueError:
        return None


def find_vport(root: str, parent_dir: str, wwnn: WWN, wwpn: WWN) -> VportStatus | None:
    """The vport with these names below ``parent_dir`` (the HBA's device directory,
    absolute), or ``None``.  Everything is read beneath ``root``."""
    fs = OSFileAccess(beneath=root)
    host = os.path.basename(parent_dir)
    try:
        entries = fs.listdir(parent_dir)
    except OSError:
        return None
    for entry in entries:
        if not entry.startswith(f"vport-{host[4:]}:"):
            continue
        cls = f"{parent_dir}/{entry}/fc_vports/{entry}"
        if _wwn(fs, f"{cls}/port_name") != wwpn or _wwn(fs, f"{cls}/node_name") != wwnn:
            continue
        state = _read(fs, f"{cls}/vport_state")
        return VportStatus(entry, state, _vhba(fs, root, f"{parent_dir}/{entry}"))
    return None


def _vhba(fs: FileAccess, root: str, vport_dir: str) -> int | None:
    try:
        entries = fs.listdir(vport_dir)
    except OSError:
        return None
    sys_class = os.path.join(os.path.abspath(root), "sys", "class")
    for entry in entries:
        m = _HOST.fullmatch(entry)
        if m is None:
            continue
        if all(
            fs.exists(p)
            for p in (
                f"{vport_dir}/{entry}/fc_host/{entry}/port_name",
                f"{sys_class}/scsi_host/{entry}",
                f"{sys_class}/fc_host/{entry}",
            )
        ):
            return int(m[1])
    return None


def wait_counted(
    root: str, parent_dir: str, wwnn: WWN, wwpn: WWN, deadline: float,
    pause: Pause = sleep_pause,
) -> VportStatus | None:  # fmt: skip
    """The vport once the kernel has made (and counted) it; ``None`` at the deadline."""
    while True:
        status = find_vport(root, parent_dir, wwnn, wwpn)
        if status is not None or time.monotonic() >= deadline:
            return status
        pause(deadline)


def wait_settled(
    root: str, parent_dir: str, wwnn: WWN, wwpn: WWN, deadline: float,
    pause: Pause = sleep_pause,
) -> VportStatus | None:  # fmt: skip
    """The vport once its vHBA is complete and its state is no longer transient, or
    once it has failed (:data:`FAILED_STATES`); at the deadline, what there is
    then (``None``: the vport is gone)."""
    while True:
        status = find_vport(root, parent_dir, wwnn, wwpn)
        if status is None or status.state in FAILED_STATES:
            return status
        if status.host is not None and status.state not in TRANSIENT_STATES:
            return status
        if time.monotonic() >= deadline:
            return status
        pause(deadline)


def wait_gone(
    root: str, parent_dir: str, wwnn: WWN, wwpn: WWN, deadline: float,
    pause: Pause = sleep_pause,
) -> bool:  # fmt: skip
    """True once the vport is gone; False if it is still there at the deadline."""
    while True:
        if find_vport(root, parent_dir, wwnn, wwpn) is None:
            return True
        if time.monotonic() >= deadline:
            return False
        pause(deadline)
