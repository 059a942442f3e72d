"""Run inside ``unshare -m -n`` by :func:`oracle.serve_libvirtd_with_kernel`: libvirtd's
node-device driver on a fake root whose ``vport_create``/``vport_delete`` are served
by the kernel emulator, the emulator's uevents sent on netlink as udevd sends them.

libvirt hears new devices only from udev's netlink group (after udevd ran its
rules); on a fake root no udevd runs, so the emulator's ``uevent`` callback sends
each in udevd's own format (the ``libudev`` header, magic ``0xfeedcafe``, then
``KEY=value`` properties: ``ACTION``, ``DEVPATH``, ``SUBSYSTEM``, ``SEQNUM`` and
the device's ``uevent`` file) to group 2.  The private network namespace keeps
these messages from every other listener on the machine.  (umockdev's preload
cannot host libvirtd: libvirtd's own netlink socket fails under it, and that is
fatal to the daemon.)

For libvirt's storage driver (``scsi`` pools with an ``fc_host`` adapter, which
libvirt starts by creating the vport) the namespace also gets private
``/etc/libvirt``, ``/var/lib/libvirt`` and ``/var/cache/libvirt``; a ``udevadm``
(over ``/usr/bin`` through an overlay) whose ``settle`` waits the moment the
emulator takes to answer a ``vport_create`` write (a FIFO write returns at once;
the kernel's returns with the Scsi_Host made, and libvirt looks for it right after
``udevadm settle``); and, for the qemu driver that carries the storage and
node-device drivers on one connection, a private ``/etc/passwd`` and
``/etc/group`` with Debian's ``libvirt-qemu`` user, which the driver looks up
before reading its configuration.

Arguments: the fake root, the work directory (``libvirtd.conf``, ``drivers/``,
``sysfsmagic.so``).  Prints ``ready`` once libvirtd listens, serves until stdin
closes; ``uevents`` and ``emulator.log`` in the work directory say what happened.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

from nodedev_xml.testing.emulator import KernelEmulator

NETLINK_KOBJECT_UEVENT = 15
UDEV_GROUP = 2
UDEV_MAGIC = 0xFEEDCAFE


class UdevSender:
    """Sends a device's uevent as udevd would, read from the tree under ``root``."""

    def __init__(self, root: Path, record: Path) -> None:
        self.root = root
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_KOBJECT_UEVENT)
        self.sock.bind((0, 0))
        self.seqnum = 1000
        self.record = record

    def __call__(self, action: str, rel: str) -> None:
        dev = self.root / "sys" / rel
        props = {"ACTION": action, "DEVPATH": "/" + rel}
        if os.path.islink(dev / "subsystem"):
            props["SUBSYSTEM"] = os.path.basename(os.readlink(dev / "subsystem"))
        try:
            lines = (dev / "uevent").read_text().splitlines()
        except OSError:
            lines = []
        props.update(line.split("=", 1) for line in lines if "=" in line)  # type: ignore[misc]
        self.seqnum += 1
        props["SEQNUM"] = str(self.seqnum)
        body = b"".join(f"{k}={v}".encode() + b"\0" for k, v in props.items())
        # prefix, magic (big-endian), header size, properties offset and length, filters
        header = struct.pack("=8sIIIIIIII", b"libudev\0", socket.htonl(UDEV_MAGIC), 40, 40,
                             len(body), 0, 0, 0, 0)  # fmt: skip
        self.sock.sendto(header + body, (0, UDEV_GROUP))
        with self.record.open("a") as f:
            f.write(f"{action} {props.get('SUBSYSTEM', '-')} {rel}\n")


def main() -> None:
    root, work = Path(sys.argv[1]), Path(sys.argv[2])
    subprocess.run(["mount", "--bind", str(root / "sys"), "/sys"], check=True)
    # libvirtd's state, its drivers' configuration (pools) and caches: private (Debian's
    # libvirt-daemon makes these directories)
    for private in ("/run/libvirt", "/etc/libvirt", "/var/lib/libvirt", "/var/cache/libvirt"):
        subprocess.run(["mount", "-t", "tmpfs", "tmpfs", private], check=True)
    # the qemu driver (which carries the storage and node-device drivers on one
    # connection) runs guests as root here: Debian's libvirt-qemu user may not exist
    Path("/etc/libvirt/qemu.conf").write_text('user = "root"\ngroup = "root"\n')
    # libvirt waits for the kernel with 'udevadm settle' after writing vport_create; the
    # emulator answers the write a moment after it (a FIFO write returns at once):
    # a settle that waits that moment, put on /usr/bin through an overlay
    up, scratch = work / "bin-up", work / "bin-work"
    up.mkdir()
    scratch.mkdir()
    settle = up / "udevadm"
    settle.write_text("#!/bin/sh\nsleep 0.5\n")
    settle.chmod(0o755)
    subprocess.run(["mount", "-t", "overlay", "overlay", "-o",
                    f"lowerdir=/usr/bin,upperdir={up},workdir={scratch}", "/usr/bin"],
                   check=True)  # fmt: skip
    # ... and it looks up its compiled-in user before reading that: a private passwd
    for name, line in (("passwd", "libvirt-qemu:x:64055:64055::/nonexistent:/usr/sbin/nologin\n"),
                       ("group", "libvirt-qemu:x:64055:\nkvm:x:64056:\n")):  # fmt: skip
        copy = work / name
        copy.write_text(Path(f"/etc/{name}").read_text() + line)
        subprocess.run(["mount", "--bind", str(copy), f"/etc/{name}"], check=True)
    emulator = KernelEmulator(root, uevent=UdevSender(root, work / "uevents"), host_delay=0.2)
    stop = threading.Event()
    log = (work / "emulator.log").open("w")
    thread = threading.Thread(target=emulator.serve, kwargs={"stop": stop, "out": log},
                              daemon=True)  # fmt: skip
    thread.start()
    while not (work / "emulator.log").read_text().startswith("ready"):
        time.sleep(0.01)
    env = {**os.environ, "LIBVIRT_DRIVER_DIR": str(work / "drivers"),
           "LD_PRELOAD": str(work / "sysfsmagic.so")}  # fmt: skip
    with (work / "libvirtd.log").open("w") as out:
        daemon = subprocess.Popen(
            ["libvirtd", "-f", str(work / "libvirtd.conf"), "-p", str(work / "libvirtd.pid")],
            env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            sock = work / "run" / "libvirt-sock"
            deadline = time.monotonic() + 60
            while not sock.exists() and time.monotonic() < deadline and daemon.poll() is None:
                time.sleep(0.05)
            uri = f"nodedev:///system?socket={sock}"
            subprocess.run(["virsh", "-q", "-c", uri, "nodedev-list"], capture_output=True,
                           check=False, timeout=60)  # fmt: skip
            print("ready" if sock.exists() else "libvirtd did not start", flush=True)
            sys.stdin.read()
        finally:
            daemon.terminate()
            daemon.wait(30)
            stop.set()
            thread.join(10)


if __name__ == "__main__":
    main()
