"""The file writer: directories, attribute files and relative links of a fake sysfs tree.

:class:`TreeWriter` knows nothing of devices' contents, only how sysfs lays
files out: paths are relative to ``<root>/sys``; links are relative, the way
sysfs writes them; a device directory gets its attribute files and its
``subsystem`` link; a class device sits in ``<device>/<class>/<name>/`` with a
``device`` link back and an entry in ``class/<class>/``.

Two switches say how faithful the tree is.  ``complete``: every device
directory gets the ``uevent`` file the kernel gives it and every class device
its ``subsystem`` link too (off, the checked-in fixtures' layout: only the
devices on a bus, PCI functions, hosts, targets and LUNs, have them;
:func:`nodedev_xml.testing.udevview.complete_class_devices` adds the rest for
libudev).  ``whole``: each file is written beside its place and renamed into
it, so that a reader of a tree that changes under it (the kernel emulator's)
sees the old contents or the new, never the empty file a truncating write
shows for a moment.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

__all__ = ["TreeWriter", "relative_link"]


def relative_link(from_dir: str, target: str) -> str:
    """The relative path sysfs writes in a link in ``from_dir`` to ``target``: up to
    the deepest common ancestor of the two that is not ``target`` itself, then down
    (so a class device's ``device`` link reads ``../../../host5``)."""
    a, b = from_dir.split("/"), target.split("/")
    common = 0
    while common < min(len(a), len(b) - 1) and a[common] == b[common]:
        common += 1
    return "/".join([".."] * (len(a) - common) + b[common:])


class TreeWriter:
    """Writes below ``sys`` (a ``<root>/sys`` directory that exists); every ``rel`` is a
    path below it.  OSError propagates: a directory or file that exists already is an
    error, except for the shared folders made with :meth:`ensure_dir`.  ``complete``
    and ``whole``: see the module."""

    def __init__(self, sys: Path, *, complete: bool = False, whole: bool = False) -> None:
        self.sys = sys
        self.complete = complete
        self.whole = whole
        self._prefix = str(sys)
        self._dirs: set[str] = set()

    def path(self, rel: str) -> Path:
        return self.sys / rel

    def mkdir(self, rel: str) -> None:
        """A new directory; its parent must exist."""
        os.mkdir(f"{self._prefix}/{rel}")

    def ensure_dir(self, rel: str) -> None:
        """A directory and its parents, which may exist already (``class/<cls>``, ...)."""
        if rel not in self._dirs:
            os.makedirs(f"{self._prefix}/{rel}", exist_ok=True)
            self._dirs.add(rel)

    def write(self, rel: str, data: bytes) -> None:
        """A file holding ``data``, created or replaced (``whole``: renamed into place)."""
        path = f"{self._prefix}/{rel}"
        if self.whole:
            head, _, name = path.rpartition("/")
            scratch = f"{head}/.{name}.new"
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
            fd = os.open(scratch, flags, 0o644)
        else:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        if self.whole:
            os.replace(scratch, path)

    def write_attrs(self, rel: str, files: Mapping[str, bytes]) -> None:
        """Attribute files in the directory ``rel``; a key ``group/name`` makes the
        attribute group ``group/`` first."""
        made: set[str] = set()
        for key, data in files.items():
            sub = key.rpartition("/")[0]
            if sub and sub not in made:
                os.makedirs(f"{self._prefix}/{rel}/{sub}", exist_ok=True)
                made.add(sub)
            self.write(f"{rel}/{key}", data)

    def link(self, rel: str, target: str) -> None:
        """A symlink at ``rel`` to ``target``, relative as sysfs makes it."""
        os.symlink(relative_link(rel.rpartition("/")[0], target), f"{self._prefix}/{rel}")

    def device(self, rel: str, files: Mapping[str, bytes], *, subsystem: str | None) -> None:
        """A device directory ``rel`` with its attribute files and its ``subsystem`` link
        to ``subsystem`` (``bus/pci``, ``bus/scsi``; ``None`` for a device of no bus
        nor class, such as an NPIV vport, which has no such link); ``complete``: with
        an empty ``uevent`` unless ``files`` has one.

        The one place a device directory is made, so that what every device carries
        (``uevent``, ``subsystem``) is added for all of them here.
        """
        self.mkdir(rel)
        if self.complete and "uevent" not in files:
            files = {"uevent": b"", **files}
        self.write_attrs(rel, files)
        if subsystem is not None:
            self.link(f"{rel}/subsystem", subsystem)

    def bus_entry(self, bus: str, name: str, rel: str) -> None:
        """``bus/<bus>/devices/<name>``, a link to the device directory ``rel``."""
        self.ensure_dir(f"bus/{bus}/devices")
        self.link(f"bus/{bus}/devices/{name}", rel)

    def class_device(
        self, dev: str, cls: str, name: str, files: Mapping[str, bytes], *, listed: bool = True
    ) -> str:
        """``<dev>/<cls>/<name>/`` with ``files`` and a ``device`` link (``complete``:
        also an empty ``uevent`` and a ``subsystem`` link to ``class/<cls>``), plus its
        entry ``class/<cls>/<name>`` unless ``listed`` is false (then
        :meth:`class_entry` adds it later); returns the class device's path."""
        self.mkdir(f"{dev}/{cls}")
        rel = f"{dev}/{cls}/{name}"
        self.mkdir(rel)
        self.write_attrs(rel, files)
        if self.complete:
            self.write(f"{rel}/uevent", b"")
            self.ensure_dir(f"class/{cls}")
            self.link(f"{rel}/subsystem", f"class/{cls}")
        self.link(f"{rel}/device", dev)
        if listed:
            self.class_entry(cls, name, rel)
        return rel

    def class_entry(self, cls: str, name: str, rel: str) -> None:
        """``class/<cls>/<name>``, a link to the class device ``rel``."""
        self.ensure_dir(f"class/{cls}")
        self.link(f"class/{cls}/{name}", rel)
