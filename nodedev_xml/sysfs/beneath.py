"""Paths resolved beneath a root: nothing a fake root holds can lead a read or a
write out of it.

A path inside the root, as text, may still lead out: a directory on the way may
be a symbolic link (``sys/devices/…/host5/fc_host`` pointing at a directory of
the live ``/sys``, say).  :class:`Beneath` opens every path relative to a
descriptor of the root:

- with ``openat2(2)`` and ``RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS`` (Linux 5.6
  and later, called through ``ctypes``: Python has no binding), where the kernel
  itself refuses, atomically, any step out of the root (``..``, an absolute link,
  a relative link that climbs out) and the ``/proc`` magic links;
- else (an older kernel, or a sandbox that hides the system call) by resolving
  the path (``realpath``: every component, links and all) and refusing it unless
  it is still inside the root, then opening it.  This check and the open are two
  steps: a tree that changes in between is not caught, which ``openat2`` has no
  gap for.

A path that leads out raises ``OSError(EXDEV)`` ("leads outside the root").
"""

from __future__ import annotations

import ctypes
import errno
import os
import sys
import threading
from collections.abc import Callable
from typing import Final

__all__ = ["Beneath", "openat2_available"]

#: ``openat2``'s number: the same on every architecture (the numbers from 424 on are shared).
SYS_OPENAT2: Final = 437
RESOLVE_NO_MAGICLINKS: Final = 0x02
RESOLVE_BENEATH: Final = 0x08
_RESOLVE = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS
_DIR = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
#: Whatever is at a path, a link itself included (``lstat``'s view).
_ENTRY = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
#: How often a resolution the kernel saw race with a rename (EAGAIN) is tried again.
_TRIES = 3


class _OpenHow(ctypes.Structure):
    """``struct open_how`` (linux/openat2.h)."""

    _fields_ = (("flags", ctypes.c_uint64), ("mode", ctypes.c_uint64),
                ("resolve", ctypes.c_uint64))  # fmt: skip


def _syscall() -> Callable[..., int] | None:
    # No argtypes: every argument but the path is passed as a ctypes object made once
    # (of the width the system call takes), the cheapest call ctypes has.
    try:
        call: Callable[..., int] = ctypes.CDLL(None, use_errno=True).syscall
    except (OSError, AttributeError):
        return None
    return call


_SYSCALL = _syscall()
_NR = ctypes.c_long(SYS_OPENAT2)
_HOW_SIZE = ctypes.c_size_t(ctypes.sizeof(_OpenHow))
#: ``struct open_how`` for each (flags, mode) asked for, and its address: made once.
_HOWS: dict[tuple[int, int], tuple[_OpenHow, ctypes.c_void_p]] = {}
#: Whether the kernel has ``openat2``; learned from the first call.
_state = {"openat2": _SYSCALL is not None}


def _how(flags: int, mode: int) -> ctypes.c_void_p:
    """The address of the ``open_how`` for ``flags`` and ``mode``, made once."""
    made = _HOWS.get((flags, mode))
    if made is None:
        how = _OpenHow(flags, mode, _RESOLVE)
        made = _HOWS[flags, mode] = (how, ctypes.c_void_p(ctypes.addressof(how)))
    return made[1]


def openat2_available() -> bool:
    """Whether paths are resolved by ``openat2`` (else by the resolved-path check)."""
    return _state["openat2"]


def _error(err: int, path: str) -> OSError:
    """``OSError`` as ``os.open`` raises it (``FileNotFoundError`` for ``ENOENT``…)."""
    return OSError(err, os.strerror(err), path)


def _escape(path: str) -> OSError:
    return OSError(errno.EXDEV, "leads outside the root; not followed", path)


class Beneath:
    """Opens, lists, reads links and looks up paths inside ``root`` (an absolute
    path, given as the caller spells its paths), resolved beneath it.  A path not
    spelled inside the root, or that leads out of it, raises ``OSError(EXDEV)``;
    other failures are the file system's ``OSError``.  The root's own descriptor is
    opened on first use and closed with the object."""

    __slots__ = ("_dir", "_dir_lock", "_fd", "_openers", "_prefix", "_real", "root")

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self._prefix = self.root.rstrip("/") + "/"
        self._fd: int | None = None
        self._real: str | None = None
        self._openers: dict[tuple[int, int], Callable[[str], int]] = {}
        # The directory a link was last read in, kept open (see readlink).
        self._dir: tuple[str, int] | None = None
        self._dir_lock = threading.Lock()

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        if self._dir is not None:
            os.close(self._dir[1])

    def _root_fd(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.root, _DIR)
        return self._fd

    def _relative(self, path: str) -> str:
        if path.startswith(self._prefix):
            return path[len(self._prefix) :].rstrip("/") or "."
        if path.rstrip("/") == self.root:
            return "."
        raise _escape(path)

    def open(self, path: str, flags: int, mode: int = 0) -> int:
        """A descriptor of ``path`` opened with ``flags`` (give ``O_CLOEXEC``), resolved
        beneath the root.  ``O_NOFOLLOW`` keeps its meaning: the last component is
        not followed."""
        opener = self._openers.get((flags, mode))
        if opener is None:
            opener = self._openers[flags, mode] = self.opener(flags, mode)
        return opener(path)

    def opener(self, flags: int, mode: int = 0) -> Callable[[str], int]:
        """:meth:`open` with ``flags`` and ``mode`` bound: the scan's hottest call,
        made once per scan and then called for every attribute."""
        if _state["openat2"] and _SYSCALL is not None:
            call, how, prefix, cut = _SYSCALL, _how(flags, mode), self._prefix, len(self._prefix)
            get_errno, audit = ctypes.get_errno, sys.audit
            root_fd = ctypes.c_int(self._root_fd())

            def open_beneath(path: str) -> int:
                if path.startswith(prefix):
                    audit("open", path, None, flags)  # as os.open does: audit hooks see it
                    fd = call(_NR, root_fd, path[cut:].encode("utf-8", "surrogateescape"),
                              how, _HOW_SIZE)  # fmt: skip
                    if fd >= 0:
                        return fd
                    err = get_errno()
                    if err not in (errno.EAGAIN, errno.ENOSYS):
                        raise _escape(path) if err == errno.EXDEV else _error(err, path)
                return self._open_slowly(path, flags, mode)

            return open_beneath
        return lambda path: self._open_slowly(path, flags, mode)

    def _open_slowly(self, path: str, flags: int, mode: int) -> int:
        """What :meth:`opener`'s quick call leaves: a path spelled outside the root or
        the root itself, a failed call (its errno, tried again after a race), the
        kernels without ``openat2``."""
        rel = self._relative(path)
        if not _state["openat2"] or _SYSCALL is None:
            return self._checked_open(rel, flags, mode, path)
        how, root_fd = _how(flags, mode), ctypes.c_int(self._root_fd())
        name = rel.encode("utf-8", "surrogateescape")
        sys.audit("open", path, None, flags)
        err = errno.EAGAIN
        for _ in range(_TRIES):
            fd = _SYSCALL(_NR, root_fd, name, how, _HOW_SIZE)
            if fd >= 0:
                return fd
            err = ctypes.get_errno()
            if err != errno.EAGAIN:
                break
        if err == errno.ENOSYS:
            _state["openat2"] = False  # an older kernel: the resolved-path check from now on
            return self._checked_open(rel, flags, mode, path)
        raise _escape(path) if err == errno.EXDEV else _error(err, path)

    def _checked_open(self, rel: str, flags: int, mode: int, path: str) -> int:
        """The fallback: ``path`` resolved (all but its last component under
        ``O_NOFOLLOW``) must still be inside the root; then it is opened."""
        full = os.path.join(self.root, rel)
        if self._real is None:
            self._real = os.path.realpath(self.root)
        real_root = self._real
        resolved = os.path.realpath(os.path.dirname(full) if flags & os.O_NOFOLLOW else full)
        if resolved != real_root and not resolved.startswith(real_root.rstrip("/") + "/"):
            raise _escape(path)
        return os.open(full, flags, mode)

    def listdir(self, path: str) -> list[str]:
        """The names in the directory ``path``."""
        fd = self.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            return os.listdir(fd)
        finally:
            os.close(fd)

    def readlink(self, path: str) -> str:
        """The target of the link ``path`` (its directory resolved beneath the root).
        The directory is kept open for the next link: a class's links are read one
        after another in one directory."""
        parent, _, name = path.rstrip("/").rpartition("/")
        with self._dir_lock:
            kept = self._dir
            if kept is None or kept[0] != parent:
                fd = self.open(parent or "/", _DIR)
                if kept is not None:
                    os.close(kept[1])
                self._dir = kept = (parent, fd)
            return os.readlink(name, dir_fd=kept[1])

    def exists(self, path: str) -> bool:
        """``lstat`` beneath the root: a link is there, followed or not; a path that
        ends with a separator is there when it is a directory reachable beneath the
        root.  Never raises."""
        try:
            os.close(self.open(path, _DIR if path.endswith("/") else _ENTRY))
            return True
        except OSError:
            return False
