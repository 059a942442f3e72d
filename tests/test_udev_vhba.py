"""``create_vhba`` and ``delete_vhba`` with the udev backend wait on uevents, for real.

Where the uevents come from: the kernel emulator answers ``vport_create`` on a
fake root, but files cannot send uevents and, in a private mount namespace,
nothing sends them for a fake tree (the kernel sends uevents of its own devices
only, udevd relays what the kernel sent).  So the lifecycle runs under
``umockdev-wrapper`` (``tests/udevenv.py``): umockdev's testbed holds the tree
as ``/sys`` and sends a uevent over netlink when asked, which the lifecycle's
pyudev monitor receives as it would the kernel's.  The emulator, serving the
root's ``vport_*`` files as FIFOs in a thread, hands each uevent the kernel
would send (the vport's ``fc_vports`` device, the vHBA's host, its
``scsi_host`` and ``fc_host``) to ``testbed.uevent``.
"""

from __future__ import annotations

import pytest
from udevenv import run_under_umockdev, umockdev_unavailable

pytestmark = pytest.mark.skipif(
    umockdev_unavailable() is not None, reason=str(umockdev_unavailable())
)

# Runs under umockdev-wrapper, with ``testbed`` made (see run_under_umockdev).
SETUP = r"""
import io, logging, tempfile, threading, time
from pathlib import Path
from udevenv import complete_class_devices
from vhba_trees import HBA_WWNN, HBA_WWPN, build_san
import nodedev_xml as nx
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.errors import VHBAError
from nodedev_xml.testing.emulator import KernelEmulator
from nodedev_xml.vhba import uevents

root = Path(testbed.get_root_dir())
build_san(root)
complete_class_devices(root)
sent = []


def send(action, rel):
    sent.append((action, rel.rpartition("/")[2]))
    testbed.uevent("/sys/" + rel, action)


heard = []


class Heard(logging.Handler):
    def emit(self, record):
        heard.append(record.getMessage())


logging.getLogger("nodedev_xml.vhba").addHandler(Heard())
logging.getLogger("nodedev_xml.vhba").setLevel(logging.DEBUG)
lock_dir = tempfile.mkdtemp()


def served(**options):
    emu = KernelEmulator(root, uevent=send, **options)
    stop, out = threading.Event(), io.StringIO()
    thread = threading.Thread(target=emu.serve, kwargs={"stop": stop, "out": out}, daemon=True)
    thread.start()
    while not out.getvalue().startswith("ready"):
        time.sleep(0.01)
    return emu, stop, thread


def stopped(stop, thread):
    stop.set()
    thread.join(10)


def uevents_heard():
    return [(m.split()[1], m.split()[2].rpartition("/")[2]) for m in heard
            if m.startswith("uevent: ")]
"""

CREATE_DELETE = SETUP + r"""
emu, stop, thread = served(host_delay=0.3)
request = CreateRequest(parent=Parent(name="scsi_host8"))
t0 = time.monotonic()
made = nx.create_vhba(request, root="/", backend="udev", lock_dir=lock_dir, timeout=20)
took = time.monotonic() - t0
created = (made.name, made.parent, made.vport_state, uevents_heard(), list(sent), took)
inv = nx.scan("/", backend="udev")
listed = [v.name for v in inv["scsi_host8"].scsi_host.vports.vports]
heard.clear(); sent.clear()
nx.delete_vhba(made.name, root="/", backend="udev", timeout=20)
deleted = (uevents_heard(), list(sent), made.name in nx.scan("/", backend="udev"))
stopped(stop, thread)
result = {"created": created, "listed": listed, "deleted": deleted, "writes": [
    (w.path.rpartition("/")[2], w.result) for w in emu.writes]}
"""

TIMEOUT = SETUP + r"""
emu, stop, thread = served(host_appears=False)
request = CreateRequest(parent=Parent(name="scsi_host8"))
t0 = time.monotonic()
try:
    nx.create_vhba(request, root="/", backend="udev", lock_dir=lock_dir, timeout=1.0)
    error = None
except VHBAError as e:
    error = str(e)
took = time.monotonic() - t0
time.sleep(0.2)  # the rollback's write is in the FIFO: let the emulator answer it
stopped(stop, thread)
inv = nx.scan("/", backend="udev")
result = {"error": error, "took": took, "sent": list(sent),
          "writes": [(w.path.rpartition("/")[2], w.result) for w in emu.writes],
          "vports": inv["scsi_host8"].scsi_host.vports.vports,
          "hosts": sorted(n for n in inv if n.startswith("scsi_host"))}
"""


@pytest.fixture(scope="module")
def lifecycle() -> dict[str, object]:
    result: dict[str, object] = run_under_umockdev(CREATE_DELETE)
    return result


def test_create_waits_on_the_uevents_of_the_vport_and_its_vhba(
    lifecycle: dict[str, object],
) -> None:
    name, parent, state, heard, sent, took = lifecycle["created"]  # type: ignore[misc]
    assert (name, parent, state) == ("scsi_host10", "scsi_host8", "Active")
    # The emulator sent the vport's uevent, then the vHBA's three, and the monitor
    # heard them in that order (a polling wait would have heard none).  The last may
    # come after the wait is over: the vport's state turns Active without a uevent,
    # after the vHBA's, and a look at the files may find it done first.
    assert sent == [("add", "vport-8:0-0"), ("add", "host10"), ("add", "host10"),
                    ("add", "host10")]  # fmt: skip
    assert heard and heard == sent[: len(heard)]
    assert took < 5  # host_delay 0.3 s; the timeout (20 s) was not reached
    assert lifecycle["listed"] == ["scsi_host10"]


def test_delete_waits_on_the_removal_uevents(lifecycle: dict[str, object]) -> None:
    heard, sent, still_there = lifecycle["deleted"]  # type: ignore[misc]
    assert [a for a, _ in sent] == ["remove"] * 4
    assert {n for _, n in sent} == {"host10", "vport-8:0-0"}
    assert heard and set(heard) <= set(sent)  # the wait was woken by them
    assert not still_there
    assert lifecycle["writes"] == [("vport_create", "ok"), ("vport_delete", "ok")]


def test_a_vhba_that_never_comes_is_rolled_back_at_the_deadline() -> None:
    seen: dict[str, object] = run_under_umockdev(TIMEOUT)
    assert seen["error"] == (
        "no Scsi_Host appeared for the vport vport-8:0-0 of scsi_host8 within 1 s; "
        "deleted it again"
    )
    assert 1.0 <= seen["took"] < 3  # type: ignore[operator]
    assert seen["sent"] == [("add", "vport-8:0-0"), ("remove", "vport-8:0-0")]
    assert seen["writes"] == [("vport_create", "ok"), ("vport_delete", "ok")]
    assert seen["vports"] == ()
    assert seen["hosts"] == ["scsi_host5", "scsi_host6", "scsi_host7", "scsi_host8",
                             "scsi_host9"]  # fmt: skip


START_STOP = SETUP + r"""
from nodedev_xml.model.definition import DefinitionDraft
from nodedev_xml.vhba.persistent import start_definition, stop_definition
from nodedev_xml.vhba.store import DefinitionStore
store = DefinitionStore(tempfile.mkdtemp())
store.define(DefinitionDraft("web1", Parent(name="scsi_host8")))
emu, stop, thread = served(host_delay=0.3)
started = start_definition(store, "web1", root="/", backend="udev", lock_dir=lock_dir,
                           timeout=20)
on_start = uevents_heard()
heard.clear()
stopped_as = stop_definition(store, "web1", root="/", backend="udev")
on_stop = uevents_heard()
stopped(stop, thread)
result = {"started": (started.device, started.already_running), "on_start": on_start,
          "stopped": stopped_as, "on_stop": on_stop}
"""


def test_saved_definitions_start_and_stop_on_uevents_too() -> None:
    """``vhba start`` / ``stop`` of a saved definition take the lifecycle's backend."""
    seen: dict[str, object] = run_under_umockdev(START_STOP)
    assert seen["started"] == ("scsi_host10", False)
    on_start = seen["on_start"]
    assert isinstance(on_start, list) and on_start  # heard, in the kernel's order:
    assert on_start == [("add", "vport-8:0-0"), *[("add", "host10")] * 3][: len(on_start)]
    assert seen["stopped"] == "scsi_host10"
    assert seen["on_stop"] and {a for a, _ in seen["on_stop"]} == {"remove"}  # type: ignore[union-attr]
