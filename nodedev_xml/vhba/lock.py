"""The locks two nodedev-xml processes take: before they create a vHBA on one
root, and before they change the definitions of one state directory.

The vHBA lock is held from the checks (parent, room, names) through the write
until the kernel has counted the new vport, so that two creates never
overfill a port or take the same names.  It is an ``flock`` on a file: in the
run directory (``/run/nodedev-xml``, else ``/var/lib/nodedev-xml``) on the
live host, beside the fake sysfs (``ROOT/.nodedev-xml.lock``) on a fake root;
every spelling of a root (``/``, ``//``, ``/.``) takes the same one.

Every lock file is opened ``O_NOFOLLOW`` (a planted symbolic link is refused,
never followed) and created ``0600``; the holder writes its pid into it, so
that one who gives up waiting can say who holds it.  Waiting is bounded by a
deadline on ``time.monotonic()``.
"""

from __future__ import annotations

import errno
import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

from ..errors import Refusal, VHBAError
from ..vocabulary import RUN_DIR, STATE_DIR

LOCK_NAME = "vhba.lock"
STATE_DIRS = (RUN_DIR, STATE_DIR)
#: How often a held lock is tried again.
RETRY_SECONDS = 0.01


class LockTimeout(Exception):
    """The lock stayed held until the deadline; ``holder`` describes who holds it."""

    def __init__(self, path: str, holder: str | None) -> None:
        super().__init__(path)
        self.path = path
        self.holder = holder

    def describe(self) -> str:
        """``held by pid N (COMMAND)``, or ``held by another process``."""
        return f"held by {self.holder}" if self.holder else "held by another process"


def canonical_root(root: str) -> str:
    """``root`` as one spelling: absolute, resolved (``//`` and ``/.`` are ``/``)."""
    return os.path.realpath(root)


def run_dir(root: str, lock_dir: str | None = None) -> str:
    """The directory of ``root``'s lock and intent records: ``lock_dir`` when given,
    the root itself for a fake root, else the first of :data:`STATE_DIRS` that can
    be made (``0700``)."""
    if lock_dir is not None:
        return os.path.abspath(lock_dir)
    real = canonical_root(root)
    if real != "/":
        return real
    for state in STATE_DIRS:
        try:
            os.makedirs(state, mode=0o700, exist_ok=True)
        except OSError:
            continue
        return state
    return STATE_DIRS[0]


def lock_path(root: str, lock_dir: str | None = None) -> str:
    """Where the lock of ``root`` lives (``lock_dir`` wins when given)."""
    if lock_dir is None and canonical_root(root) != "/":
        return os.path.join(canonical_root(root), ".nodedev-xml.lock")
    return os.path.join(run_dir(root, lock_dir), LOCK_NAME)


def _holder(fd: int) -> str | None:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", "replace").strip()
    except OSError:
        return None
    if not text.isdigit():
        return None
    try:
        with open(f"/proc/{text}/comm", encoding="utf-8", errors="replace") as f:
            return f"pid {text} ({f.read().strip()})"
    except OSError:
        return f"pid {text}"


@contextmanager
def hold(path: str, deadline: float | None) -> Iterator[int]:
    """Hold the ``flock`` on ``path`` (created ``0600``, never through a link); yields
    its descriptor.  Waits until ``deadline`` (``None``: for ever), then raises
    :class:`LockTimeout`; ``OSError`` when the file cannot be opened (``ELOOP``: a
    symbolic link)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW, 0o600)
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockTimeout(path, _holder(fd)) from None
                time.sleep(RETRY_SECONDS)
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # who holds it is a courtesy, not the lock
        yield fd
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def vhba_lock(root: str, deadline: float, lock_dir: str | None = None) -> Iterator[str]:
    """Hold the vHBA lock of ``root`` (yields its path); waits until ``deadline``
    (``time.monotonic()``), then raises :class:`VHBAError` (reason ``locked``)."""
    path = lock_path(root, lock_dir)
    held = ExitStack()
    try:
        held.enter_context(hold(path, deadline))
    except LockTimeout as e:
        raise VHBAError(
            f"another nodedev-xml holds the vHBA lock {path} ({e.describe()}); gave up waiting"
            " (nothing written)",
            reason=Refusal.LOCKED,
        ) from None
    except OSError as e:
        why = "a symbolic link (refused)" if e.errno == errno.ELOOP else e.strerror
        raise VHBAError(f"cannot open the vHBA lock {path}: {why}") from None
    with held:
        yield path
