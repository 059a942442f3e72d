"""Waiting for LUNs with the udev backend: between looks it listens to uevents, for real.

As in ``tests/test_udev_vhba.py``: the lifecycle runs under ``umockdev-wrapper``,
whose testbed holds the fake root as ``/sys`` and sends each uevent the kernel
emulator (and its fabric: the targets, LUNs and disks it adds) hands it over
netlink, where the waiter's pyudev monitor hears it.
"""

from __future__ import annotations

import pytest
from udevenv import run_under_umockdev, umockdev_unavailable

pytestmark = pytest.mark.skipif(
    umockdev_unavailable() is not None, reason=str(umockdev_unavailable())
)

WAIT = r"""
import io, logging, tempfile, threading, time
from pathlib import Path
from udevenv import complete_class_devices
from vhba_trees import build_san
import nodedev_xml as nx
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.testing.emulator import KernelEmulator
from nodedev_xml.testing.fabric import Fabric, FabricLun
from nodedev_xml.vhba import luns, uevents
from nodedev_xml.wwn import WWN

root = Path(testbed.get_root_dir())
build_san(root)
complete_class_devices(root)
sent, heard = [], []


def send(action, rel):
    sent.append((action, rel.rpartition("/")[2]))
    testbed.uevent("/sys/" + rel, action)


class Heard(logging.Handler):
    def emit(self, record):
        if record.getMessage().startswith("uevent: "):
            heard.append(record.getMessage().split()[2].rpartition("/")[2])


logging.getLogger("nodedev_xml.vhba").addHandler(Heard())
logging.getLogger("nodedev_xml.vhba").setLevel(logging.DEBUG)
fabric = Fabric()
wwids = ["naa.600a0b80001234560000000000000a00", "naa.600a0b80001234560000000000000a01"]
array = fabric.add_target(0x20110002AC000001, [FabricLun(0, wwids[0]),
                                               FabricLun(1, wwids[1], delay=0.5)])
fabric.zone("5001a4a000000002", array)
emu = KernelEmulator(root, uevent=send, fabric=fabric)
stop, out = threading.Event(), io.StringIO()
thread = threading.Thread(target=emu.serve, kwargs={"stop": stop, "out": out}, daemon=True)
thread.start()
while not out.getvalue().startswith("ready"):
    time.sleep(0.01)
request = CreateRequest(Parent(name="scsi_host8"), WWN.parse("5001a4a000000001"),
                        WWN.parse("5001a4a000000002"))
made = nx.create_vhba(request, root="/", backend="udev", lock_dir=tempfile.mkdtemp(),
                      timeout=20)
heard.clear()
# The waiter's own rescans come too late to find LUN 1 (mapped 0.5 s after the login):
# another rescan, 1 s on (an administrator's, say), does; its uevent must wake the wait.
# Without uevents a pause would last 30 s: only a uevent ends one sooner.
luns.RESCAN_SECONDS = 60
uevents.LOOK_AGAIN_SECONDS = 30
looks = []
real_scan = luns.scan
luns.scan = lambda *a, **k: looks.append(time.monotonic()) or real_scan(*a, **k)
scan = str(root / "sys/class/scsi_host" / made.name.removeprefix("scsi_") / "scan")
other = threading.Timer(2.0, lambda: emu.write(scan, "0 0 1\n"))
other.start()
t0 = time.monotonic()
waited = nx.wait_for_luns(made.name, frozenset(wwids), root="/", backend="udev", timeout=20)
took = time.monotonic() - t0
stop.set()
thread.join(10)
result = {"met": waited.met, "seen": [u.wwid for u in waited.seen], "took": took,
          "looks": len(looks),
          "heard": list(heard), "sent": list(sent),
          "writes": [(w.path.rpartition("/")[2], w.data) for w in emu.writes]}
"""


def test_the_wait_for_luns_runs_on_uevents() -> None:
    seen: dict[str, object] = run_under_umockdev(WAIT)
    assert seen["met"] is True
    assert seen["seen"] == ["naa.600a0b80001234560000000000000a00",
                            "naa.600a0b80001234560000000000000a01"]  # fmt: skip
    # The other rescan (at 2 s) found LUN 1 and its uevent (the SCSI device's) was sent.
    # A pause lasts 30 s without a uevent and the waiter's own next rescan comes at 60 s,
    # so a second look before 10 s was woken by that uevent (only a first look still
    # running at 2 s, on a busy machine, could find the LUN by itself).
    assert 1.9 < seen["took"] < 10  # type: ignore[operator]
    assert ("add", "10:0:0:1") in seen["sent"]  # type: ignore[operator]
    assert seen["looks"] == 1 or "10:0:0:1" in seen["heard"]  # type: ignore[operator]
    writes = seen["writes"]
    assert isinstance(writes, list)
    assert [d for f, d in writes if f == "scan"] == ["0 0 -\n", "0 0 1\n"]
