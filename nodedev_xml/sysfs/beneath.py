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

Attribute files (opened ``O_NOFOLLOW``) are opened by name in their directory's
descriptor: the directory is resolved beneath the root once and kept while the
next attributes are read in it, so a scan pays one resolution per directory, not
one per file.  The live host's root ``/`` needs none of this: nothing leads out
of it, and its readers and writer open paths as they are.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType

__all__ = ["Beneath", "openat2_available"]

_DIR = os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC
#: Whatever is at a path, a link itself included (``lstat``'s view).
_ENTRY = os.O_PATH | os.O_NOFOLLOW | os.O_CLOEXEC
#: How often a resolution the kernel saw race with a rename (EAGAIN) is tried again.
_TRIES = 3
#: How many directories a :class:`Beneath` keeps open for the next look in them.
_KEPT = 4
#: Whether the kernel has ``openat2`` (``None``: not asked yet); learned on first use.
_state: dict[str, bool | None] = {"openat2": None}


def _kernel() -> ModuleType | None:
    """:mod:`.openat2` when the kernel has the call (imported on first use), else ``None``."""
    if _state["openat2"] is False:
        return None
    from . import openat2

    if openat2.SYSCALL is None:
        _state["openat2"] = False
        return None
    return openat2


def openat2_available() -> bool:
    """Whether paths are resolved by ``openat2`` (else by the resolved-path check):
    the answer of the kernel's first call, if one was made."""
    return _kernel() is not None


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

    __slots__ = ("_dirs", "_fd", "_lock", "_openers", "_prefix", "_real", "root")

    def __init__(self, root: str) -> None:
        self.root = os.path.abspath(root)
        self._prefix = self.root.rstrip("/") + "/"
        self._fd: int | None = None
        self._real: str | None = None
        self._openers: dict[tuple[int, int], Callable[[str], int]] = {}
        # The directories last opened in, kept open (resolved beneath the root once):
        # a device's attributes are read one after another in one directory.
        self._dirs: dict[str, int] = {}
        self._lock = threading.Lock()

    def __del__(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
        for fd in self._dirs.values():
            os.close(fd)

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

    def _dir_fd(self, parent: str) -> int:
        """A descriptor of the directory ``parent``, resolved beneath the root, one of
        the last :data:`_KEPT` kept open.  The caller holds the lock."""
        dirs = self._dirs
        fd = dirs.get(parent)
        if fd is None:
            fd = self._open_slowly(parent, _DIR, 0)
            if len(dirs) >= _KEPT:
                os.close(dirs.pop(next(iter(dirs))))
            dirs[parent] = fd
        return fd

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
        made once per scan and then called for every attribute.  With
        ``O_NOFOLLOW`` the file is opened by its name in its directory's descriptor
        (the directory resolved beneath the root once, then kept: a name that is no
        ``..`` and is not followed cannot lead out of it); without, the whole path
        is resolved beneath the root."""
        if not flags & os.O_NOFOLLOW:
            return lambda path: self._open_slowly(path, flags, mode)
        lock, dirs, os_open, close, audit = self._lock, self._dirs, os.open, os.close, sys.audit
        slowly, prefix, cut = self._open_slowly, self._prefix, len(self._prefix)
        # A directory not kept yet: openat2 straight away (the common case), else the
        # slow way (errors, races, kernels without openat2).
        kernel = _kernel()
        call = kernel.SYSCALL if kernel is not None else None
        if kernel is not None:
            nr, how, size = kernel.NR, kernel.how(_DIR, 0), kernel.HOW_SIZE
            root_fd = kernel.int_arg(-1)  # the root opened on first use

        def open_beneath(path: str) -> int:
            parent, _, name = path.rpartition("/")
            if not name or name == "." or name == "..":
                return slowly(path, flags, mode)
            with lock:
                fd = dirs.get(parent)
                if fd is None:
                    audit("open", parent, None, _DIR)  # for audit hooks: os.open's sees the name
                    fd = -1
                    if call is not None and parent.startswith(prefix):
                        if root_fd.value < 0:
                            root_fd.value = self._root_fd()
                        rel = parent[cut:].encode("utf-8", "surrogateescape")
                        fd = call(nr, root_fd, rel, how, size)
                    if fd < 0:
                        fd = slowly(parent, _DIR, 0)
                    if len(dirs) >= _KEPT:
                        close(dirs.pop(next(iter(dirs))))
                    dirs[parent] = fd
                return os_open(name, flags, mode, dir_fd=fd)

        return open_beneath

    def _open_slowly(self, path: str, flags: int, mode: int) -> int:
        """What :meth:`opener`'s quick call leaves: a path spelled outside the root or
        the root itself, a failed call (its errno, tried again after a race), the
        kernels without ``openat2``."""
        rel = self._relative(path)
        kernel = _kernel()
        if kernel is None or kernel.SYSCALL is None:
            return self._checked_open(rel, flags, mode, path)
        how, root_fd = kernel.how(flags, mode), kernel.int_arg(self._root_fd())
        name = rel.encode("utf-8", "surrogateescape")
        sys.audit("open", path, None, flags)
        err = errno.EAGAIN
        for _ in range(_TRIES):
            fd: int = kernel.SYSCALL(kernel.NR, root_fd, name, how, kernel.HOW_SIZE)
            if fd >= 0:
                _state["openat2"] = True
                return fd
            err = int(kernel.get_errno())
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
        """The target of the link ``path`` (its directory resolved beneath the root)."""
        parent, _, name = path.rstrip("/").rpartition("/")
        with self._lock:
            fd = self._dirs.get(parent)
            return os.readlink(name, dir_fd=self._dir_fd(parent) if fd is None else fd)

    def exists(self, path: str) -> bool:
        """``lstat`` beneath the root: a link is there, followed or not; a path that
        ends with a separator is there when it is a directory reachable beneath the
        root.  Never raises."""
        try:
            if path.endswith("/"):
                os.close(self._open_slowly(path, _DIR, 0))
                return True
            parent, _, name = path.rpartition("/")
            if not name or name == "." or name == "..":
                os.close(self._open_slowly(path, _ENTRY, 0))
                return True
            with self._lock:
                fd = self._dirs.get(parent)
                os.lstat(name, dir_fd=self._dir_fd(parent) if fd is None else fd)
            return True
        except OSError:
            return False
