"""File access for the sysfs reader: one small, injectable interface.

Every read the scanner makes goes through a :class:`FileAccess`, so tests can
count reads or raise real errno values, and so that reads are bounded: a sysfs
attribute is at most one page, anything longer is refused.

Attribute files are opened with ``O_NOFOLLOW``: in sysfs an attribute is never a
symbolic link, so one that is (a link out of the root, a loop, a dangling link)
is refused with ``ELOOP`` instead of being followed.  ``O_NONBLOCK`` keeps a
FIFO planted in a fake root from blocking the scan.

A directory on the way may be a link too (``hostN/fc_host`` pointing out of a
fake root, at the live ``/sys`` say).  So an :class:`OSFileAccess` bound to a
root resolves every path beneath it (:mod:`.beneath`: ``openat2(2)`` with
``RESOLVE_BENEATH``, or a check of the resolved path on kernels before 5.6),
and refuses one that leads out with ``OSError(EXDEV)``.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from typing import Protocol

from .beneath import Beneath

#: sysfs attributes are at most PAGE_SIZE; larger files are refused, not read whole.
MAX_ATTR_BYTES = 4096


class FileAccess(Protocol):
    """What the scanner needs from the file system.  Errors are ``OSError``
    with a real ``errno``; ``read`` raises ``OSError(EFBIG)`` past ``limit``
    and refuses a symbolic link (``ELOOP``).  ``exists`` never raises: it is
    ``lstat`` (a link is there, followed or not), and a path that ends with a
    separator is there only when it is a directory that can be reached."""

    def read(self, path: str, limit: int = MAX_ATTR_BYTES) -> bytes: ...
    def listdir(self, path: str) -> list[str]: ...
    def readlink(self, path: str) -> str: ...
    def exists(self, path: str) -> bool: ...


_READ_FLAGS = os.O_RDONLY | os.O_CLOEXEC | os.O_NONBLOCK | os.O_NOFOLLOW


class OSFileAccess:
    """The real file system, through the thinnest calls Python has.  ``read``
    reads at most ``limit + 1`` bytes, whatever the file's size: in one call for
    a page (a text attribute), else until the end, as sysfs hands a binary
    attribute (``vpd``) out a page per call.

    With ``beneath`` (a root directory other than ``/``), every path must lie
    inside it and is resolved beneath it: a path that leads out, through a link
    anywhere on the way, raises ``OSError(EXDEV)`` and nothing outside is read,
    listed or looked at (:class:`~.beneath.Beneath`)."""

    #: The root paths are resolved beneath; ``None``: the whole file system.
    confined: Beneath | None = None
    _open_read: Callable[[str], int] | None = None

    def __init__(self, beneath: str | None = None) -> None:
        if beneath is not None and os.path.abspath(beneath) != "/":
            self.confined = Beneath(beneath)
            self._open_read = self.confined.opener(_READ_FLAGS)

    def read(self, path: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        opener = self._open_read
        fd = os.open(path, _READ_FLAGS) if opener is None else opener(path)
        try:
            data = os.read(fd, limit + 1)
            if limit > MAX_ATTR_BYTES:
                while len(data) <= limit and (more := os.read(fd, limit + 1 - len(data))):
                    data += more
        finally:
            os.close(fd)
        if len(data) > limit:
            raise OSError(errno.EFBIG, f"larger than {limit} bytes", path)
        return data

    def listdir(self, path: str) -> list[str]:
        if self.confined is None:
            return os.listdir(path)
        return self.confined.listdir(path)

    def readlink(self, path: str) -> str:
        if self.confined is None:
            return os.readlink(path)
        return self.confined.readlink(path)

    def exists(self, path: str) -> bool:
        # lstat: a link counts as present; a trailing separator asks for a reachable directory.
        if self.confined is None:
            return os.path.lexists(path)
        return self.confined.exists(path)


class CountingFileAccess:
    """Wraps another access and counts calls per kind (for linearity tests)."""

    def __init__(self, inner: FileAccess | None = None) -> None:
        self.inner: FileAccess = inner or OSFileAccess()
        self.counts: dict[str, int] = {"read": 0, "listdir": 0, "readlink": 0, "exists": 0}

    def read(self, path: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        self.counts["read"] += 1
        return self.inner.read(path, limit)

    def listdir(self, path: str) -> list[str]:
        self.counts["listdir"] += 1
        return self.inner.listdir(path)

    def readlink(self, path: str) -> str:
        self.counts["readlink"] += 1
        return self.inner.readlink(path)

    def exists(self, path: str) -> bool:
        self.counts["exists"] += 1
        return self.inner.exists(path)
