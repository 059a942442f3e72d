"""``watch --backend udev`` hears network links change, for real: a link's ``operstate``
and ``speed`` change without a uevent, and the kernel announces it on rtnetlink
(``RTM_NEWLINK``), where the live watch listens.

The test runs in a network namespace of its own (``unshare --net --mount``, sysfs
mounted again so that ``/sys/class/net`` shows that namespace's interfaces) with a
veth pair: taking one end down makes the kernel change both ends' links and send the
messages.  The watch's interval is a minute, and nothing polls an interface between
scans: only rtnetlink can explain a prompt report.  It needs root (or the rights to
make namespaces), util-linux's ``unshare``, iproute2's ``ip`` and a kernel with veth.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from nodedev_xml.sysfs.rtnetlink import (
    IFLA_IFNAME,
    NLMSG_OVERRUN,
    RTM_DELLINK,
    RTM_NEWLINK,
    link_names,
)

REPO = Path(__file__).resolve().parent.parent


@functools.cache
def netns_unavailable() -> str | None:
    """Why a network namespace with a veth pair cannot be made here, or ``None``."""
    for tool, package in (("unshare", "util-linux"), ("ip", "iproute2")):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: {package})"
    try:
        import pyudev  # noqa: F401
    except ImportError:
        return "pyudev is not installed (pip install pyudev)"
    probe = "mount -t sysfs sysfs /sys && ip link add nxprobe0 type veth peer name nxprobe1"
    try:
        done = subprocess.run(["unshare", "--net", "--mount", "sh", "-c", probe],
                              capture_output=True, text=True, timeout=30)  # fmt: skip
    except subprocess.TimeoutExpired:
        return "making a network namespace took over 30 s"
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        return f"cannot make a network namespace with a veth pair here (root needed): {last}"
    return None


needs_netns = pytest.mark.skipif(netns_unavailable() is not None,
                                 reason=str(netns_unavailable()))  # fmt: skip

# Runs as root in a fresh network and mount namespace; prints its answer as JSON.
DRIVE = r"""
import json, queue, subprocess, sys, threading, time

def sh(*args):
    subprocess.run(args, check=True, capture_output=True)

def read(path):
    with open(path) as f:
        return f.read().strip()

def name(ifname):
    return "net_" + ifname + "_" + read(f"/sys/class/net/{ifname}/address").replace(":", "_")

sh("mount", "-t", "sysfs", "sysfs", "/sys")
sh("ip", "link", "add", "v0", "type", "veth", "peer", "name", "v1")
sh("ip", "link", "set", "v0", "up")
sh("ip", "link", "set", "v1", "up")
for _ in range(100):
    if read("/sys/class/net/v0/operstate") == "up":
        break
    time.sleep(0.05)

p = subprocess.Popen([sys.executable, "-m", "nodedev_xml", "--backend", "udev", "watch",
                      "--interval", "60", "--cap", "net"],
                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
q = queue.Queue()
threading.Thread(target=lambda: [q.put(x.rstrip("\n")) for x in p.stdout], daemon=True).start()

def drain(seconds):
    got, end = [], time.monotonic() + seconds
    while (left := end - time.monotonic()) > 0:
        try:
            got.append(q.get(timeout=left))
        except queue.Empty:
            break
    return got

def lines(n, timeout=10):
    t0 = time.monotonic()
    got = sorted(q.get(timeout=timeout) for _ in range(n))
    return got, time.monotonic() - t0

# The watch has taken its first scan once it reports v1 going down (retried until then).
for _ in range(30):
    sh("ip", "link", "set", "v1", "down")
    try:
        q.get(timeout=1.0)
        break
    except queue.Empty:
        sh("ip", "link", "set", "v1", "up")
        time.sleep(0.5)
else:
    raise SystemExit("the watch reported nothing: " + p.stderr.read())
drain(1.5)
sh("ip", "link", "set", "v1", "up")
drain(2.0)

result = {"names": [name("v0"), name("v1")]}
sh("ip", "link", "set", "v1", "down")
result["down"] = lines(2)
result["down_states"] = [read("/sys/class/net/v0/operstate"),
                         read("/sys/class/net/v1/operstate")]
result["down_extra"] = drain(1.5)
sh("ip", "link", "set", "v1", "up")
result["up"] = lines(2)
result["up_extra"] = drain(1.5)
sh("ip", "link", "add", "v2", "type", "veth", "peer", "name", "v3")
result["added_names"] = [name("v2"), name("v3")]
result["added"] = lines(2)
result["added_extra"] = drain(1.5)
sh("ip", "link", "del", "v2")
result["removed"] = lines(2)
result["removed_extra"] = drain(1.5)
p.terminate()
result["exit"] = [p.wait(10), p.stderr.read()]
print(json.dumps(result))
"""


@pytest.fixture(scope="module")
def seen() -> dict[str, object]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run(["unshare", "--net", "--mount", sys.executable, "-c", DRIVE],
                          capture_output=True, text=True, env=env, timeout=180)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


@needs_netns
def test_a_link_going_down_is_reported_at_once(seen: dict[str, object]) -> None:
    v0, v1 = seen["names"]  # type: ignore[misc]
    got, seconds = seen["down"]  # type: ignore[misc]
    v0_state, v1_state = seen["down_states"]  # type: ignore[misc]
    assert v1_state == "down"
    assert v0_state in ("lowerlayerdown", "down")  # its peer went down: no carrier
    assert got == sorted([
        f"changed {v0}: link.state up -> {v0_state}; link.speed 10000 -> (none)",
        f"changed {v1}: link.state up -> down; link.speed 10000 -> (none)",
    ])  # fmt: skip
    assert seconds < 5  # the interval is 60 s: rtnetlink brought the scan
    assert seen["down_extra"] == []


@needs_netns
def test_a_link_coming_up_is_reported_with_its_speed(seen: dict[str, object]) -> None:
    v0, v1 = seen["names"]  # type: ignore[misc]
    v0_state, _ = seen["down_states"]  # type: ignore[misc]
    got, seconds = seen["up"]  # type: ignore[misc]
    assert got == sorted([
        f"changed {v0}: link.state {v0_state} -> up; link.speed (none) -> 10000",
        f"changed {v1}: link.state down -> up; link.speed (none) -> 10000",
    ])  # fmt: skip
    assert seconds < 5
    assert seen["up_extra"] == []


@needs_netns
def test_interfaces_made_and_deleted_are_added_and_removed(seen: dict[str, object]) -> None:
    """Heard on rtnetlink whether or not their uevents reach the namespace (udevd's do
    not: it sends them in its own)."""
    v2, v3 = seen["added_names"]  # type: ignore[misc]
    got, seconds = seen["added"]  # type: ignore[misc]
    assert got == [f"added {v2}", f"added {v3}"]
    assert seconds < 5
    assert seen["added_extra"] == []
    got, seconds = seen["removed"]  # type: ignore[misc]
    assert got == [f"removed {v2}", f"removed {v3}"]
    assert seconds < 5
    assert seen["removed_extra"] == []
    assert seen["exit"] == [0, ""]


# -- the messages, as the kernel lays them out --------------------------------------------------


def _attr(kind: int, data: bytes) -> bytes:
    length = 4 + len(data)
    return struct.pack("=HH", length, kind) + data + b"\0" * (-length % 4)


def _message(kind: int, *attrs: bytes, index: int = 3) -> bytes:
    body = struct.pack("=BxHiII", socket.AF_UNSPEC, 1, index, 0x1043, 0) + b"".join(attrs)
    return struct.pack("=IHHII", 16 + len(body), kind, 0, 0, 0) + body


def test_the_interfaces_the_link_messages_name() -> None:
    mtu = _attr(4, struct.pack("=I", 1500))  # IFLA_MTU, before the name as the kernel puts it
    data = (_message(RTM_NEWLINK, mtu, _attr(IFLA_IFNAME, b"eth2\0"))
            + _message(RTM_NEWLINK, _attr(IFLA_IFNAME, b"v0\0"))
            + _message(RTM_DELLINK, _attr(IFLA_IFNAME, b"eth2\0"))
            + _message(20, _attr(IFLA_IFNAME, b"lo\0")))  # RTM_NEWADDR: not a link  # fmt: skip
    assert link_names(data) == ["eth2", "v0"]


def test_link_messages_cut_short_or_badly_named_are_skipped() -> None:
    whole = _message(RTM_NEWLINK, _attr(IFLA_IFNAME, b"eth2\0"))
    assert link_names(whole[:-3]) == []  # the datagram ends inside the message
    for bad in (b"\0", b"../x\0", b"\xff\xfe\0", b"a\nb\0"):
        assert link_names(_message(RTM_NEWLINK, _attr(IFLA_IFNAME, bad))) == []
    assert link_names(_message(RTM_NEWLINK)) == []  # no name at all


def test_lost_link_messages_say_so() -> None:
    """The kernel's overrun notice: any link may have changed (the watch scans all)."""
    overrun = struct.pack("=IHHII", 16, NLMSG_OVERRUN, 0, 0, 0)
    assert link_names(_message(RTM_NEWLINK, _attr(IFLA_IFNAME, b"v0\0")) + overrun) is None
