"""The lock two nodedev-xml processes take before they create a vHBA on one root.

Held from the checks (parent, room, names) through the write until the kernel
has counted the new vport, so that two creates never overfill a port or take
the same names.  It is an ``flock`` on a file: in the state directory
(``/run/nodedev-xml``, else ``/var/lib/nodedev-xml``) on the live host, beside
the fake sysfs (``ROOT/.nodedev-xml.lock``) on a fake root.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from ..errors import VHBAError
from ..vocabulary import RUN_DIR, STATE_DIR

LOCK_NAME = "vhba.lock"
STATE_DIRS = (RUN_DIR, STATE_DIR)


def lock_path(root: str, lock_dir: str | None = None) -> str:
    """Where the lock of ``root`` lives (``lock_dir`` wins when given)."""
    if lock_dir is not None:
        return os.path.join(lock_dir, LOCK_NAME)
    if os.path.abspath(root) != "/":
        return os.path.join(os.path.abspath(root), ".nodedev-xml.lock")
    for state in STATE_DIRS:
        try:
            os.makedirs(state, mode=0o700, exist_ok=True)
        except OSError:
            continue
        return os.path.join(state, LOCK_NAME)
    return os.path.join(STATE_DIRS[0], LOCK_NAME)


@contextmanager
def vhba_lock(root: str, deadline: float, lock_dir: str | None = None) -> Iterator[str]:
    """Hold the lock of ``root`` (yields its path); waits until ``deadline``
    (``time.monotonic()``), then raises :class:`VHBAError`."""
    path = lock_path(root, lock_dir)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    except OSError as e:
        raise VHBAError(f"cannot open the vHBA lock {path}: {e.strerror}") from None
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise VHBAError(
                        f"another nodedev-xml holds the vHBA lock {path}; gave up waiting"
                    ) from None
                time.sleep(0.01)
        yield path
    finally:
        os.close(fd)  # closing the descriptor releases the lock
