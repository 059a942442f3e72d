"""``watch --backend udev`` on the live-host path, driven for real under umockdev: its
testbed holds a fake tree and sends ``add``/``change``/``remove`` uevents, which the
watch's pyudev monitor receives (``tests/udevenv.py``); a port state that changes
without a uevent is found by the poll at the interval."""

from __future__ import annotations

import pytest
from udevenv import run_under_umockdev, umockdev_unavailable

pytestmark = pytest.mark.skipif(
    umockdev_unavailable() is not None, reason=str(umockdev_unavailable())
)

# Runs under umockdev-wrapper, with ``testbed`` made (see run_under_umockdev).
DRIVE = r'''
import queue, subprocess, threading, time
from pathlib import Path
from test_watch import Host
from udevenv import complete_class_devices

root = Path(testbed.get_root_dir())
host = Host(root)
complete_class_devices(root)


def sys_path(p):
    return "/sys/" + str(Path(p).relative_to(root / "sys"))


def start(interval):
    p = subprocess.Popen(
        [sys.executable, "-m", "nodedev_xml", "--backend", "udev", "watch",
         "--interval", str(interval)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    q = queue.Queue()
    threading.Thread(target=lambda: [q.put(x.rstrip("\n")) for x in p.stdout],
                     daemon=True).start()
    return p, q


def synced(q, with_uevent):
    state = "Online"
    for _ in range(60):
        state = "Linkdown" if state == "Online" else "Online"
        host.port_state(host.probe, state)
        if with_uevent:
            testbed.uevent(sys_path(host.probe.path / "fc_host" / host.probe.name), "change")
        try:
            q.get(timeout=1.0)
            break
        except queue.Empty:
            pass
    else:
        raise SystemExit("the watch reported nothing")
    drain(q, 1.5)


def drain(q, seconds):
    got, end = [], time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            got.append(q.get(timeout=left))
        except queue.Empty:
            break
    return got


def lines(q, n, timeout):
    t0 = time.monotonic()
    got = {q.get(timeout=timeout) for _ in range(n)}
    return got, time.monotonic() - t0


result = {}
# Uevents: a long interval, so that only the monitor can explain a prompt report.
p, q = start(60)
synced(q, with_uevent=True)
vport = host.add_vhba()
complete_class_devices(root)
testbed.uevent(sys_path(vport.host.path), "add")
result["add"] = lines(q, 2, 10)
result["add_extra"] = drain(q, 1.5)
host.remove_vhba(vport)
testbed.uevent(sys_path(host.hba.path), "change")
result["remove"] = lines(q, 2, 10)
result["remove_extra"] = drain(q, 1.5)
# A LUN found behind the HBA: its target, the LUN and its SCSI generic node come with it.
rport = host.b.add_rport(host.hba, node_name=0x2000000000000C00, port_name=0x2100000000000C00,
                         port_id=0x010400)
lun = host.b.add_lun(rport, 3, sg=4)
complete_class_devices(root)
testbed.uevent(sys_path(lun / "scsi_generic" / "sg4"), "add")
result["lun"] = lines(q, 3, 10)
result["lun_extra"] = drain(q, 1.5)
p.terminate()
result["a_exit"] = (p.wait(10), p.stderr.read())

# No uevent: the port state poll at the interval.
p, q = start(0.5)
synced(q, with_uevent=False)
host.port_state(host.hba, "Linkdown")
result["linkdown"] = lines(q, 1, 5)
result["linkdown_extra"] = drain(q, 1.5)
p.terminate()
result["b_exit"] = (p.wait(10), p.stderr.read())
'''


@pytest.fixture(scope="module")
def seen() -> dict[str, object]:
    result: dict[str, object] = run_under_umockdev(DRIVE)
    return result


def test_a_vhba_added_is_reported_on_its_uevent(seen: dict[str, object]) -> None:
    got, seconds = seen["add"]  # type: ignore[misc]
    assert got == {"added scsi_host7",
                   "changed scsi_host5: vport_ops.vports 0 -> 1; vports +scsi_host7"}  # fmt: skip
    assert seconds < 5  # the interval is 60 s: the uevent brought the scan
    assert seen["add_extra"] == []


def test_a_vhba_removed_is_reported_on_a_uevent(seen: dict[str, object]) -> None:
    got, seconds = seen["remove"]  # type: ignore[misc]
    assert got == {"removed scsi_host7",
                   "changed scsi_host5: vport_ops.vports 1 -> 0; vports -scsi_host7"}  # fmt: skip
    assert seconds < 5
    assert seen["remove_extra"] == []
    assert seen["a_exit"] == (0, "")


def test_a_lun_found_brings_its_generic_node(seen: dict[str, object]) -> None:
    """The generic node's uevent names the HBA; its re-read finds the new target and
    LUN and the node below it (no disk: the fake root has no udev database to type it)."""
    got, seconds = seen["lun"]  # type: ignore[misc]
    assert got == {"added scsi_target5_0_0", "added scsi_5_0_0_3", "added scsi_generic_sg4"}
    assert seconds < 5
    assert seen["lun_extra"] == []


def test_a_port_going_down_without_a_uevent_is_polled(seen: dict[str, object]) -> None:
    got, seconds = seen["linkdown"]  # type: ignore[misc]
    assert got == {"changed scsi_host5: port_state Online -> Linkdown"}
    assert seconds < 0.5 + 1.5
    assert seen["linkdown_extra"] == []
    assert seen["b_exit"] == (0, "")
