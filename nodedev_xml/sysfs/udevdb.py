"""udev's database: the properties udev's rules gave a device (``/run/udev/data``).

libvirt takes a few facts from there rather than from sysfs: a USB device's ids
(``ID_VENDOR_ID``, ``ID_MODEL_ID``) and udev's hardware-database names.  The
database of a root is ``ROOT/run/udev/data``; a device's file is named
``c<major>:<minor>`` (a character device), ``b<major>:<minor>`` (a block
device), ``n<ifindex>`` (a network interface) or ``+<subsystem>:<sysname>``;
each ``E:KEY=value`` line is a property.  A root without a database (a fake root,
a host where udevd does not run) has no properties: what libvirt needs from them
is missing, as it is for libvirt there.
"""

from __future__ import annotations

import os

__all__ = ["UdevDatabase"]

#: Larger database files than this are not read (a real one holds a few KiB).
MAX_BYTES = 1 << 16


class UdevDatabase:
    """The udev database under ``root`` (``root/run/udev/data``)."""

    __slots__ = ("_dir",)

    def __init__(self, root: str) -> None:
        self._dir = os.path.join(root, "run", "udev", "data")

    def properties(self, device_id: str) -> dict[str, str]:
        """The properties of the device whose database file is ``device_id``
        (``c189:1``); none when it has no readable file (never raises).  A property
        with an empty value is none, as for libudev."""
        if "/" in device_id or device_id in ("", ".", ".."):
            return {}
        try:
            with open(os.path.join(self._dir, device_id), "rb") as f:
                data = f.read(MAX_BYTES)
        except OSError:
            return {}
        out: dict[str, str] = {}
        for line in data.decode("utf-8", "replace").splitlines():
            if line.startswith("E:"):
                key, sep, value = line[2:].partition("=")
                if sep and value:
                    out[key] = value
        return out

    def links(self, device_id: str) -> list[str]:
        """The device's ``/dev`` links (``S:`` lines), as absolute paths, in order."""
        try:
            with open(os.path.join(self._dir, device_id), "rb") as f:
                data = f.read(MAX_BYTES)
        except OSError:
            return []
        return ["/dev/" + line[2:] for line in data.decode("utf-8", "replace").splitlines()
                if line.startswith("S:") and len(line) > 2]  # fmt: skip
