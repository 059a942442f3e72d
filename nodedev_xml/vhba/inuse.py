"""Whether a vHBA's LUNs are in use: a mounted filesystem, a holder (device mapper,
md) or a process that has one open.  Deleting the vHBA then pulls a disk from
under them, so ``vhba delete`` asks for ``--force``.

Everything is read under the root, so a fake root answers as the live host
does: ``sys/class/block/DISK`` (and its partitions) for ``dev`` and
``holders/``, ``proc/self/mountinfo`` for mounts (by ``major:minor``), and
``proc/PID/fd/*`` links for open devices (``/dev/DISK`` or a partition).
"""

from __future__ import annotations

import os

from ..model import Inventory

__all__ = ["luns_in_use"]


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read(65536)
    except OSError:
        return None


def _listdir(path: str) -> list[str]:
    try:
        return sorted(os.listdir(path))
    except OSError:
        return []


def _disk_parts(sys_block: str, disk: str) -> dict[str, str | None]:
    """The disk and its partitions: name -> ``major:minor``."""
    base = os.path.join(sys_block, disk)
    found = {disk: (_read(os.path.join(base, "dev")) or "").strip() or None}
    for entry in _listdir(base):
        if entry.startswith(disk) and os.path.isfile(os.path.join(base, entry, "partition")):
            found[entry] = (_read(os.path.join(base, entry, "dev")) or "").strip() or None
    return found


def _mounted(root: str) -> dict[str, str]:
    """``major:minor`` -> mount point, from the root's ``proc/self/mountinfo``."""
    text = _read(os.path.join(root, "proc/self/mountinfo")) or ""
    mounts: dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) > 4:
            mounts.setdefault(fields[2], fields[4])
    return mounts


def _open_by(root: str, nodes: set[str]) -> dict[str, str]:
    """``/dev/NAME`` -> ``pid N`` for each node some process has open."""
    proc = os.path.join(root, "proc")
    found: dict[str, str] = {}
    for pid in _listdir(proc):
        if not pid.isdigit():
            continue
        fd_dir = os.path.join(proc, pid, "fd")
        for fd in _listdir(fd_dir):
            try:
                target = os.readlink(os.path.join(fd_dir, fd))
            except OSError:
                continue
            if target in nodes:
                found.setdefault(target, f"pid {pid}")
    return found


def luns_in_use(inv: Inventory, vhba: str, root: str) -> list[str]:
    """One phrase for each use of a LUN of the vHBA ``vhba`` (``sdc1 is mounted on
    /srv``, ``sdc is held by dm-0``, ``sdc is open (pid 42)``); empty when none."""
    cap = inv[vhba].scsi_host if vhba in inv else None
    if cap is None or cap.host is None:
        return []
    disks = sorted(
        os.path.basename(lun.block)
        for d in inv.values()
        if (lun := d.scsi) is not None and lun.host == cap.host and lun.block
    )
    if not disks:
        return []
    sys_block = os.path.join(root, "sys/class/block")
    mounts = _mounted(root)
    uses: list[str] = []
    parts = {name: dev for disk in disks for name, dev in _disk_parts(sys_block, disk).items()}
    for name, dev in parts.items():
        if dev is not None and dev in mounts:
            uses.append(f"{name} is mounted on {mounts[dev]}")
        base = os.path.join(sys_block, name)
        holders = _listdir(os.path.join(base, "holders"))
        if holders:
            uses.append(f"{name} is held by {', '.join(holders)}")
    opened = _open_by(root, {f"/dev/{name}" for name in parts})
    uses += [f"{node[5:]} is open ({who})" for node, who in sorted(opened.items())]
    return uses
