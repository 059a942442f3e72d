"""libudev on a fake root for the tests: the namespace harness and umockdev.

The private mount namespace where a fake root's ``sys/`` is ``/sys`` under
libudev (:func:`run_in_udev_view`, :func:`udev_ready_copy`, ...) lives in
:mod:`nodedev_xml.testing.udevview`, which ``bench/run.py`` uses too; its names
are re-exported here.

A pyudev ``Monitor`` hears uevents only from the kernel or from udevd over
netlink; in the namespace none can be made for a fake tree without a daemon
sending them.  Debian's umockdev can: :func:`run_under_umockdev` runs code under
``umockdev-wrapper`` (its preload sends ``/sys`` to a testbed and netlink to
the testbed's sockets), with umockdev's GObject binding (``python3-gi``,
``gir1.2-umockdev-1.0``, taken from Debian's ``dist-packages``: the same
CPython 3.11 ABI) so that the code builds the tree in the testbed and sends
``add``/``change``/``remove`` uevents that a pyudev monitor, in this or a child
process, receives.  :func:`unavailable` and :func:`umockdev_unavailable` say
what is missing for a test to skip with that reason.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from nodedev_xml.testing.udevview import (
    complete_class_devices,
    run_in_udev_view,
    udev_ready_copy,
    unavailable,
)

__all__ = [
    "complete_class_devices",
    "run_in_udev_view",
    "run_under_umockdev",
    "udev_ready_copy",
    "umockdev_unavailable",
    "unavailable",
]

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

#: Where Debian installs python3-gi; its extension is built for CPython 3.11.
DEBIAN_GI = "/usr/lib/python3/dist-packages"


@functools.cache
def umockdev_unavailable() -> str | None:
    """Why umockdev's testbed cannot be driven from this Python, or ``None``."""
    if shutil.which("umockdev-wrapper") is None:
        return "umockdev is not installed (Debian: umockdev)"
    if importlib.util.find_spec("pyudev") is None:
        return "pyudev is not installed (pip install pyudev)"
    probe = (
        f"import sys; sys.path.append({DEBIAN_GI!r}); import gi; "
        "gi.require_version('UMockdev', '1.0'); from gi.repository import UMockdev"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return (
            f"umockdev's Python binding cannot be loaded ({last}); Debian: python3-gi, "
            "gir1.2-umockdev-1.0"
        )
    return None


def run_under_umockdev(code: str) -> Any:
    """Run ``code`` under ``umockdev-wrapper`` with ``testbed`` (a fresh
    ``UMockdev.Testbed``, its root ``testbed.get_root_dir()`` holding ``sys/``)
    and ``UMockdev`` defined; it assigns its answer to ``result``, which is returned
    (pickled across).  Raises :class:`RuntimeError` with the stderr when it fails."""
    why = umockdev_unavailable()
    if why is not None:
        raise RuntimeError(why)
    program = (
        f"import pickle, sys\nsys.path.append({DEBIAN_GI!r})\nimport gi\n"
        "gi.require_version('UMockdev', '1.0')\nfrom gi.repository import UMockdev\n"
        "testbed = UMockdev.Testbed.new()\n"
        f"{code}\nsys.stdout.buffer.write(pickle.dumps(result))\n"
    )
    env = {**os.environ, "PYTHONPATH": f"{REPO}{os.pathsep}{HERE}"}
    done = subprocess.run(
        ["umockdev-wrapper", sys.executable, "-c", program],
        capture_output=True, env=env, timeout=120, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"umockdev run failed: {done.stderr.decode(errors='replace')}")
    return pickle.loads(done.stdout)
