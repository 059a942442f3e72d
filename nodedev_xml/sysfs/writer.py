"""Writes to the kernel: one small, injectable interface beside :mod:`.access`
and :mod:`.source` (a :class:`~.source.SysfsSource` handle is the absolute path a
writer takes: ``writer.write(source.child(host, "fc_host", name, "vport_create"), …)``).

Every write nodedev-xml makes to sysfs (``vport_create``, ``vport_delete``,
later a host's ``scan``) goes through a :class:`Writer`, so that tests point it
at a fake root or at the kernel emulator of :mod:`nodedev_xml.testing`, and so
that a write is confined exactly as reads are: the path must lie inside the
root's ``sys/``, spelled without ``.``/``..`` or doubled separators, it is
resolved beneath the root (:mod:`.beneath`: a directory on the way that links
out of the root, at the live ``/sys`` say, is refused with ``EXDEV`` before
anything is written), and the attribute file is opened ``O_NOFOLLOW`` (in sysfs
an attribute is never a symbolic link) and never created; like ``echo >`` it
truncates.  Errors are ``OSError`` with the kernel's ``errno`` kept, for the
caller to word.
"""

from __future__ import annotations

import errno
import os
from typing import Protocol

from .beneath import Beneath

_WRITE_FLAGS = os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW


class Writer(Protocol):
    """What writing to the kernel needs: one attribute file, one string.

    ``path`` is absolute and inside the root the writer serves.  Raises
    ``OSError`` with the ``errno`` the kernel (or the file system) gave; a path
    outside the root is refused with ``EPERM``, one that leads out of it through
    a link with ``EXDEV``, a link in the attribute's place with ``ELOOP``, before
    anything is written."""

    root: str

    def write(self, path: str, data: str) -> None: ...


class _Whole:
    """The live host's root, ``/``: every path is beneath it."""

    __slots__ = ()

    def open(self, path: str, flags: int, mode: int = 0) -> int:
        return os.open(path, flags, mode)


class SysfsWriter:
    """Writes attribute files under ``root`` (``/`` for the live host)."""

    __slots__ = ("_beneath", "_sys", "root")

    def __init__(self, root: str = "/") -> None:
        self.root = os.path.abspath(root)
        self._sys = os.path.join(self.root, "sys") + os.sep
        self._beneath = _Whole() if self.root == "/" else Beneath(self.root)

    def confine(self, path: str) -> str:
        """``path`` when it names a file inside the root's ``sys/`` in plain
        spelling; else ``OSError(EPERM)``."""
        if not os.path.isabs(path) or os.path.normpath(path) != path or not path.startswith(
            self._sys
        ):
            raise OSError(errno.EPERM, "outside the root's sys/; not written", path)
        return path

    def write(self, path: str, data: str) -> None:
        fd = self._beneath.open(self.confine(path), _WRITE_FLAGS)
        try:
            os.write(fd, data.encode("ascii"))
        finally:
            os.close(fd)
