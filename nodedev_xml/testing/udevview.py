"""libudev on a fake root: a private mount namespace where the root's ``sys/`` is ``/sys``.

libudev reads only ``/sys``, and refuses a device directory that does not lie
on sysfs (``fstatfs`` must report ``SYSFS_MAGIC``).  :func:`run_in_udev_view`
runs Python code in a private mount namespace (``unshare -m``, so root only)
where the root's ``sys/`` is bind-mounted on ``/sys``, with the preload
``sysfsmagic.c`` beside this file (compiled on first use, :func:`preload`)
reporting the magic for paths under ``/sys``; pyudev's ``Context()`` and
``list_devices()`` then see the fake tree, and ``nodedev_xml.scan("/",
backend="udev")`` scans it.

libudev also wants a ``uevent`` file and a ``subsystem`` link in every device
directory it lists, class devices included; the fake-sysfs builder writes them
on hosts, PCI functions and targets only, unless told to write a ``complete``
tree (the kernel emulator always does).  :func:`udev_ready_copy` adds them
to the class devices (``fc_host/hostN``, ``scsi_host/hostN``,
``fc_vports/vport-…``, ``fc_remote_ports/rport-…``) of a copy, which the sysfs
backend reads exactly as it reads the original.  :func:`unavailable` says what
is missing, for a caller to skip with that reason.  Used by the tests and by
``bench/run.py``; only the standard library is imported.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .tree import TreeWriter

__all__ = [
    "complete_class_devices",
    "preload",
    "run_in_udev_view",
    "udev_ready_copy",
    "unavailable",
]

PRELOAD_SOURCE = Path(__file__).resolve().parent / "sysfsmagic.c"
#: The directory holding the ``nodedev_xml`` package, for the child's ``PYTHONPATH``.
PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent.parent)


def unavailable() -> str | None:
    """Why libudev cannot be run on a fake root here, or ``None`` when it can."""
    if os.geteuid() != 0:
        return "libudev on a fake root needs root (a private mount namespace)"
    for tool in ("unshare", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: util-linux, mount)"
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        return "no C compiler for the sysfs-magic preload (Debian: gcc)"
    if importlib.util.find_spec("pyudev") is None:
        return "pyudev is not installed (pip install pyudev)"
    return None


@functools.cache
def preload() -> Path:
    """The sysfs-magic preload, compiled once per process into a temporary directory."""
    out = Path(tempfile.mkdtemp(prefix="nodedev-xml-udev-")) / "sysfsmagic.so"
    cc = shutil.which("cc") or "gcc"
    subprocess.run(
        [cc, "-shared", "-fPIC", "-O2", "-o", str(out), str(PRELOAD_SOURCE), "-ldl"],
        check=True,
        capture_output=True,
    )
    return out


def complete_class_devices(root: str | os.PathLike[str]) -> None:
    """Give the class devices under ``root/sys`` the ``uevent`` file and ``subsystem``
    link libudev needs to list them (in place), as a tree written ``complete`` has
    them (:class:`~nodedev_xml.testing.tree.TreeWriter`)."""
    sysdir = Path(root) / "sys"
    tree = TreeWriter(sysdir)
    for cls_dir in sorted((sysdir / "class").glob("*")):
        for entry in sorted(cls_dir.iterdir()):
            dev = Path(os.path.normpath(cls_dir / os.readlink(entry)))
            if not dev.is_dir() or not dev.is_relative_to(sysdir):
                continue
            rel = str(dev.relative_to(sysdir))
            if not (dev / "uevent").exists():
                tree.write(f"{rel}/uevent", b"")
            if not os.path.lexists(dev / "subsystem"):
                tree.link(f"{rel}/subsystem", f"class/{cls_dir.name}")


def udev_ready_copy(root: str | os.PathLike[str], dest: str | os.PathLike[str]) -> Path:
    """A copy of ``root`` at ``dest`` whose class devices have the ``uevent`` file and
    ``subsystem`` link libudev needs to list them."""
    dest = Path(dest)
    shutil.copytree(root, dest, symlinks=True)
    complete_class_devices(dest)
    return dest


_RUN = r"""
set -eu
mount --bind "$1/sys" /sys
if [ -n "$2" ]; then  # udev's database: a private /run holding it
    mount -t tmpfs nodedev-xml-run /run
    mkdir -p /run/udev
    cp -r "$2" /run/udev/data
fi
shift 2
exec "$@"
"""


def run_in_udev_view(
    root: str | os.PathLike[str],
    code: str,
    udev_data: Mapping[str, Mapping[str, str]] | None = None,
    *,
    timeout: float = 120.0,
) -> Any:
    """Run ``code`` (Python that assigns its answer to ``result``) with ``root``'s
    ``sys/`` as ``/sys`` under libudev; return ``result`` (pickled across).
    ``udev_data`` is udev's database (``/run/udev/data``), as the properties of each
    device by its udev id (``+pci:0000:04:00.0``); without it the root's own
    (``run/udev/data``) when it has one, else there is none.  Raises
    :class:`RuntimeError` with the reason (:func:`unavailable`) or the child's
    stderr when it fails."""
    why = unavailable()
    if why is not None:
        raise RuntimeError(why)
    with tempfile.TemporaryDirectory(prefix="nodedev-xml-udevdb-") as tmp:
        own = Path(root, "run", "udev", "data")
        db = str(own.resolve()) if own.is_dir() else ""
        if udev_data is not None:
            db = os.path.join(tmp, "data")
            os.mkdir(db)
            for dev_id, props in udev_data.items():
                lines = "".join(f"E:{k}={v}\n" for k, v in props.items())
                Path(db, dev_id).write_text(f"I:1\n{lines}")
        return _run(root, code, db, timeout)


def _run(root: str | os.PathLike[str], code: str, db: str, timeout: float) -> Any:
    program = f"import pickle, sys\n{code}\nsys.stdout.buffer.write(pickle.dumps(result))\n"
    path = os.pathsep.join(filter(None, (PACKAGE_PARENT, os.environ.get("PYTHONPATH"))))
    env = {**os.environ, "LD_PRELOAD": str(preload()), "PYTHONPATH": path}
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", _RUN, "udev",
         os.path.abspath(root), db, sys.executable, "-c", program],
        capture_output=True, env=env, timeout=timeout, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"udev view of {root} failed: {done.stderr.decode(errors='replace')}")
    return pickle.loads(done.stdout)
