"""libvirt's own node-device driver, run on a fake root: the judge of the ``libvirt`` profile.

:func:`run_libvirtd` starts Debian's ``libvirtd`` with only its node-device
driver, in a private mount namespace where the fake root's ``sys/`` is
bind-mounted on ``/sys``, and asks it (through ``virsh``) for the device list,
the tree and every device's document.  libudev checks that a device directory
lies on sysfs (``fstatfs`` must report ``SYSFS_MAGIC``), which a directory on
ext4 or tmpfs does not; the small preload of
:mod:`nodedev_xml.testing.udevview` (``sysfsmagic.c``), compiled on first use,
reports the magic for paths under ``/sys``.

Everything it needs (root, ``unshare``, ``libvirtd`` with the node-device
driver, ``virsh``, a C compiler) is checked first: :func:`unavailable` says
what is missing, for a test to skip with that reason.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NODEDEV_DRIVER = Path(
    "/usr/lib/x86_64-linux-gnu/libvirt/connection-driver/libvirt_driver_nodedev.so"
)
STORAGE_DRIVER = NODEDEV_DRIVER.with_name("libvirt_driver_storage.so")
QEMU_DRIVER = NODEDEV_DRIVER.with_name("libvirt_driver_qemu.so")
#: How long libvirtd may take to enumerate a tree (it does so in a thread after start-up).
SETTLE_SECONDS = 60.0


@dataclass(frozen=True)
class LibvirtView:
    """What libvirt's node-device driver printed for one root."""

    names: list[str]  # ``virsh nodedev-list``, in virsh's order
    tree: str  # ``virsh nodedev-list --tree``
    documents: dict[str, str]  # name -> ``virsh nodedev-dumpxml NAME``
    log: str  # libvirtd's own log


def unavailable() -> str | None:
    """Why the oracle cannot run on this machine, or ``None`` when it can."""
    if os.geteuid() != 0:
        return "libvirtd on a fake root needs root (a private mount namespace)"
    for tool in ("libvirtd", "virsh", "unshare", "mount"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: libvirt-daemon, libvirt-clients)"
    if not NODEDEV_DRIVER.exists():
        return f"{NODEDEV_DRIVER} is missing (Debian: libvirt-daemon)"
    if shutil.which("cc") is None and shutil.which("gcc") is None:
        return "no C compiler for the sysfs-magic preload (Debian: gcc)"
    return None


def _preload() -> Path:
    from nodedev_xml.testing.udevview import preload

    return preload()


# Runs inside a private mount namespace: mount the root's sys/ (and udev database),
# start libvirtd, wait for its device list to settle.  Each user adds its ending.
_START = textwrap.dedent(
    r"""
    set -eu
    work=$1; root=$2; settle=$3
    mount --bind "$root/sys" /sys
    # libvirtd keeps driver state (pid files) under /run/libvirt: a private one per run.
    mkdir -p /run/libvirt && mount -t tmpfs tmpfs /run/libvirt
    # The root's udev database, when it has one, is udev's (libvirt takes USB ids
    # and a disk's ID_TYPE from it); else an empty one hides the host's.
    mkdir -p /run/udev && mount -t tmpfs tmpfs /run/udev
    if [ -d "$root/run/udev" ]; then mount --bind "$root/run/udev" /run/udev; fi
    LIBVIRT_DRIVER_DIR="$work/drivers" LD_PRELOAD="$work/sysfsmagic.so" \
        libvirtd -f "$work/libvirtd.conf" -p "$work/libvirtd.pid" >"$work/libvirtd.log" 2>&1 &
    pid=$!
    trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null || true' EXIT
    uri="nodedev:///system?socket=$work/run/libvirt-sock"
    end=$(( $(date +%s) + ${settle%.*} ))
    until virsh -q -c "$uri" nodedev-list >/dev/null 2>&1; do
        [ "$(date +%s)" -lt "$end" ] || { echo "libvirtd did not start" >&2; exit 3; }
        sleep 0.1
    done
    # Enumeration runs in a thread: wait until the count holds still for a second.
    last=-1; still=0
    while [ $still -lt 10 ]; do
        n=$(virsh -q -c "$uri" nodedev-list | wc -l)
        if [ "$n" = "$last" ]; then still=$((still + 1)); else still=0; last=$n; fi
        [ "$(date +%s)" -lt "$end" ] || break
        sleep 0.1
    done
    """
)

# Then write the list, the tree and every document into the work directory, and stop.
_SCRIPT = _START + textwrap.dedent(
    r"""
    virsh -q -c "$uri" nodedev-list > "$work/names"
    virsh -q -c "$uri" nodedev-list --tree > "$work/tree"
    mkdir -p "$work/xml"
    while read -r name; do
        [ -n "$name" ] && virsh -q -c "$uri" nodedev-dumpxml "$name" > "$work/xml/$name.xml"
    done < "$work/names"
    """
)


def _lay_out(work: Path) -> None:
    """libvirtd's work directory: the node-device driver, the socket directory, the
    statfs preload and a configuration without authentication."""
    (work / "drivers").mkdir()
    (work / "drivers" / NODEDEV_DRIVER.name).symlink_to(NODEDEV_DRIVER)
    (work / "run").mkdir()
    shutil.copy(_preload(), work / "sysfsmagic.so")
    (work / "libvirtd.conf").write_text(
        f'unix_sock_dir = "{work}/run"\nauth_unix_rw = "none"\nauth_unix_ro = "none"\n'
    )


def run_libvirtd(root: str | os.PathLike[str]) -> LibvirtView:
    """libvirt's node-device driver's view of the fake root ``root`` (a directory holding
    ``sys/``).  Raises :class:`RuntimeError` with libvirtd's log when it fails."""
    why = unavailable()
    if why is not None:
        raise RuntimeError(why)
    root = os.path.abspath(root)
    with tempfile.TemporaryDirectory(prefix="nodedev-xml-libvirtd-") as tmp:
        work = Path(tmp)
        _lay_out(work)
        done = subprocess.run(
            [
                *("unshare", "-m", "--propagation", "private", "bash", "-c", _SCRIPT),
                *("oracle", str(work), root, str(int(SETTLE_SECONDS))),
            ],
            capture_output=True,
            text=True,
            timeout=SETTLE_SECONDS + 60,
            stdin=subprocess.DEVNULL,
        )
        log = (work / "libvirtd.log").read_text() if (work / "libvirtd.log").exists() else ""
        if done.returncode != 0:
            raise RuntimeError(f"libvirtd on {root} failed: {done.stderr.strip()}\n{log}")
        names = [n for n in (work / "names").read_text().splitlines() if n.strip()]
        documents = {n: (work / "xml" / f"{n}.xml").read_text() for n in names}
        return LibvirtView(names, (work / "tree").read_text(), documents, log)


# Or say "ready", then serve until the caller closes stdin.
_SERVE = _START + textwrap.dedent(
    r"""
    echo ready
    cat >/dev/null
    """
)


@contextlib.contextmanager
def serve_libvirtd(root: str | os.PathLike[str]) -> Iterator[str]:
    """libvirt's node-device driver serving the fake root ``root`` until the block
    ends: the URI of its socket (``nodedev:///system?socket=...``), for any client
    of this machine (``--connect``).  Raises :class:`RuntimeError` with libvirtd's
    log when it does not start."""
    why = unavailable()
    if why is not None:
        raise RuntimeError(why)
    root = os.path.abspath(root)
    with tempfile.TemporaryDirectory(prefix="nodedev-xml-libvirtd-") as tmp:
        work = Path(tmp)
        _lay_out(work)
        proc = subprocess.Popen(
            [
                *("unshare", "-m", "--propagation", "private", "bash", "-c", _SERVE),
                *("oracle", str(work), root, str(int(SETTLE_SECONDS))),
            ],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                proc.wait(timeout=10)
                logfile = work / "libvirtd.log"
                log = logfile.read_text() if logfile.exists() else ""
                err = proc.stderr.read() if proc.stderr else ""
                raise RuntimeError(f"libvirtd on {root} failed: {err.strip()}\n{log}")
            yield f"nodedev:///system?socket={work}/run/libvirt-sock"
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@contextlib.contextmanager
def serve_libvirtd_with_kernel(
    root: str | os.PathLike[str], *, storage: bool = False
) -> Iterator[tuple[str, Path]]:
    """As :func:`serve_libvirtd`, with the root's vport files served by the kernel
    emulator and its uevents sent to libvirtd as udevd would send them, in a private
    network namespace (:mod:`oracle.kernel_ns`): libvirtd can create and destroy
    vHBAs on the fake root.  The URI, and the work directory (its ``uevents`` and
    ``emulator.log`` say what was sent and written).  With ``storage``, libvirt's
    storage and qemu drivers too, so that ``scsi`` pools with an ``fc_host`` adapter
    work (libvirt makes their vports); the URI is then ``qemu:///system``'s, the
    connection that carries every driver."""
    why = unavailable()
    if why is not None:
        raise RuntimeError(why)
    root = os.path.abspath(root)
    with tempfile.TemporaryDirectory(prefix="nodedev-xml-libvirtd-") as tmp:
        work = Path(tmp)
        _lay_out(work)
        if storage:
            for driver in (STORAGE_DRIVER, QEMU_DRIVER):
                (work / "drivers" / driver.name).symlink_to(driver)
        import sys

        env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent)}
        proc = subprocess.Popen(
            ["unshare", "-m", "-n", "--propagation", "private", sys.executable,
             str(HERE / "kernel_ns.py"), root, str(work)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        try:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                logfile = work / "libvirtd.log"
                log = logfile.read_text() if logfile.exists() else ""
                raise RuntimeError(f"libvirtd with the emulator on {root} failed:\n{log}")
            scheme = "qemu" if storage else "nodedev"
            yield f"{scheme}:///system?socket={work}/run/libvirt-sock", work
        finally:
            if proc.stdin is not None:
                proc.stdin.close()
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
