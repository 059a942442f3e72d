"""``watch`` on fake roots: the diff of two scans in words, and the command run for real
in a subprocess while the test changes the tree under it by hand."""

from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from lxml import etree

import nodedev_xml as nx
from nodedev_xml.events import Change, Watcher, diff
from nodedev_xml.testing import FCHostSpec, SysfsBuilder, VportSpec

REPO = Path(__file__).resolve().parent.parent
INTERVAL = 0.4
#: Room for a loaded machine beyond the one interval an event may take.
SLACK = 1.5


class Host:
    """A fake root with two vport-capable HBAs: scsi_host5 (watched) and scsi_host6 (the
    probe the tests toggle to learn that the watcher has taken its first scan)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.b = SysfsBuilder(root, first_host=5)
        card = self.b.add_pci_function(
            "0000:04:00.0", vendor=0x1077, device=0x2532, parent="0000:00:03.0",
            driver="qla2xxx",
        )  # fmt: skip
        self.hba = self.b.add_fc_host(card, "qla2xxx", node_name=0x2000001B32A9DA4E,
                                      port_name=0x2100001B32A9DA4E)  # fmt: skip
        card2 = self.b.add_pci_function(
            "0000:04:00.1", vendor=0x1077, device=0x2532, parent="0000:00:03.0",
            driver="qla2xxx",
        )  # fmt: skip
        self.probe = self.b.add_fc_host(card2, "qla2xxx", node_name=0x2000001B32A9DA4F,
                                        port_name=0x2100001B32A9DA4F)  # fmt: skip

    def port_state(self, host: FCHostSpec, state: str) -> None:
        (host.path / "fc_host" / host.name / "port_state").write_text(state + "\n")

    def vport_state(self, vport: VportSpec, state: str) -> None:
        (vport.path / "fc_vports" / vport.name / "vport_state").write_text(state + "\n")

    def add_vhba(self, n: int = 0) -> VportSpec:
        return self.b.add_vport(
            self.hba, node_name=0x2001001B32A9DA4E + n, port_name=0x2101001B32A9DA4E + n
        )

    def remove_vhba(self, vport: VportSpec) -> None:
        """What ``vport_delete`` leaves: the class and bus links into the vport gone, its
        directories gone, the HBA's count of vports in use one less."""
        sysdir = self.root / "sys"
        inside = str(vport.path.resolve())
        for links in [*sysdir.glob("class/*"), *sysdir.glob("bus/*/devices")]:
            for link in links.iterdir():
                if link.is_symlink() and str(link.resolve()).startswith(inside + "/"):
                    link.unlink()
        shutil.rmtree(vport.path)
        vport.parent.vports.remove(vport)
        for counter in vport.parent.inuse_files:
            (sysdir / counter).write_text(f"{len(vport.parent.vports)}\n")


@pytest.fixture
def host(tmp_path: Path) -> Host:
    return Host(tmp_path / "root")


# -- the diff, in process ------------------------------------------------------------------


def test_no_change_no_event(host: Host) -> None:
    assert diff(nx.scan(str(host.root)), nx.scan(str(host.root))) == []


def test_port_state_change_in_words(host: Host) -> None:
    before = nx.scan(str(host.root))
    host.port_state(host.hba, "Linkdown")
    events = diff(before, nx.scan(str(host.root)))
    assert [str(e) for e in events] == ["changed scsi_host5: port_state Online -> Linkdown"]
    assert events[0].changes == (Change("port_state", "Online", "Linkdown"),)


def test_vhba_appearing_and_going(host: Host) -> None:
    before = nx.scan(str(host.root))
    vport = host.add_vhba()
    during = nx.scan(str(host.root))
    events = diff(before, during)
    assert [(e.kind, e.name) for e in events] == [
        ("changed", "scsi_host5"),
        ("added", "scsi_host7"),
    ]
    assert Change("vports", None, "scsi_host7") in events[0].changes
    assert "vports +scsi_host7" in str(events[0])
    assert events[1].device.scsi_host is not None and events[1].device.scsi_host.is_vhba

    host.vport_state(vport, "Fabric Rejected WWN")
    events = diff(during, nx.scan(str(host.root)))
    assert "vport scsi_host7 state Active -> Fabric Rejected WWN" in [
        str(c) for c in events[0].changes
    ]

    host.remove_vhba(vport)
    after = nx.scan(str(host.root))
    events = diff(during, after)
    assert [(e.kind, e.name) for e in events] == [
        ("changed", "scsi_host5"),
        ("removed", "scsi_host7"),
    ]
    assert Change("vports", "scsi_host7", None) in events[0].changes
    assert events[1].device == during["scsi_host7"]  # as it was last seen
    assert diff(before, after) == []


def test_a_vhba_that_took_a_deleted_ones_number_is_removed_and_added(tmp_path: Path) -> None:
    """Between two scans a vHBA went and another took its host number: other WWNs, so
    another device (removed, then added), not a changed one.  (Two roots, the same
    but for the vHBA's WWNs, stand for the two scans.)"""
    then, now = Host(tmp_path / "then"), Host(tmp_path / "now")
    then.add_vhba(0)
    now.add_vhba(1)
    before, after = nx.scan(str(then.root)), nx.scan(str(now.root))
    events = diff(before, after)
    assert [(e.kind, e.name) for e in events] == [
        ("changed", "scsi_host5"),
        ("removed", "scsi_host7"),
        ("added", "scsi_host7"),
    ]
    assert events[1].device == before["scsi_host7"] and events[2].device == after["scsi_host7"]
    fc_only = diff(before, after, frozenset({"fc_host"}))
    assert [(e.kind, e.name) for e in fc_only] == [(e.kind, e.name) for e in events]
    # The same vHBA in another state is still one device, changed.
    now.port_state(now.hba, "Linkdown")
    assert [(e.kind, e.name) for e in diff(after, nx.scan(str(now.root)))] == [
        ("changed", "scsi_host5")
    ]


def test_caps_limit_the_events(host: Host) -> None:
    before = nx.scan(str(host.root))
    host.add_vhba()
    after = nx.scan(str(host.root))
    assert diff(before, after, frozenset({"pci"})) == []
    assert [e.name for e in diff(before, after, frozenset({"vports"}))] == ["scsi_host5"]


def test_json_of_an_event(host: Host) -> None:
    before = nx.scan(str(host.root))
    host.port_state(host.hba, "Linkdown")
    (event,) = diff(before, nx.scan(str(host.root)))
    data = json.loads(json.dumps(event.as_json()))
    assert data["event"] == "changed" and data["name"] == "scsi_host5"
    assert data["changes"] == [{"what": "port_state", "old": "Online", "new": "Linkdown"}]
    doc = etree.fromstring(data["document"].encode())
    assert doc.findtext("name") == "scsi_host5"
    assert doc.findtext(".//port_state") == "Linkdown"


def test_watcher_reports_once(host: Host) -> None:
    w = Watcher(lambda: nx.scan(str(host.root)), settle=0.0)
    assert w.poll() == []
    host.port_state(host.hba, "Linkdown")
    assert [str(e) for e in w.poll()] == ["changed scsi_host5: port_state Online -> Linkdown"]
    assert w.poll() == []


def test_watcher_waits_for_the_tree_to_settle(host: Host) -> None:
    """A scan between two steps of a change is taken again: the half-made state is
    never reported."""
    scans = 0

    def scan() -> nx.Inventory:
        nonlocal scans
        scans += 1
        if scans == 3:  # the scan after the first change: make a second one
            host.port_state(host.hba, "Offline")
        return nx.scan(str(host.root))

    w = Watcher(scan, settle=0.0)
    host.port_state(host.hba, "Linkdown")
    assert [str(e) for e in w.poll()] == ["changed scsi_host5: port_state Online -> Offline"]


def test_bad_arguments(host: Host) -> None:
    with pytest.raises(ValueError, match="unknown capability 'nope'"):
        next(nx.watch(str(host.root), frozenset({"nope"})))
    with pytest.raises(ValueError, match="positive"):
        nx.watch(str(host.root), interval=0)


# -- the command, in a subprocess -------------------------------------------------------------


class WatchProcess:
    """``nodedev-xml watch`` running on a root, its output lines read in a thread."""

    def __init__(self, root: Path, *args: str) -> None:
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "nodedev_xml", "--root", str(root), "watch",
             "--interval", str(INTERVAL), *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def line(self, timeout: float = INTERVAL + SLACK) -> str:
        return self.lines.get(timeout=timeout)

    def quiet_for(self, seconds: float) -> list[str]:
        """Every line that arrives within ``seconds``."""
        end, got = time.monotonic() + seconds, []
        while (left := end - time.monotonic()) > 0:
            try:
                got.append(self.lines.get(timeout=left))
            except queue.Empty:
                break
        return got

    def stop(self, sig: int = signal.SIGTERM) -> tuple[int, str]:
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=10)
        assert self.proc.stderr is not None
        return rc, self.proc.stderr.read()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def started(host: Host, *args: str) -> WatchProcess:
    """A running watch that has taken its first scan: the probe port is toggled until
    the watch reports it, then the output is let run dry."""
    w = WatchProcess(host.root, *args)
    deadline = time.monotonic() + 30
    state = "Online"
    while time.monotonic() < deadline:
        state = "Linkdown" if state == "Online" else "Online"
        host.port_state(host.probe, state)
        try:
            w.line(timeout=INTERVAL * 2)
            break
        except queue.Empty:
            assert w.proc.poll() is None, w.proc.stderr.read() if w.proc.stderr else ""
    else:
        w.kill()
        pytest.fail("watch reported nothing for 30 s")
    w.quiet_for(INTERVAL * 3)
    return w


Start = Callable[..., WatchProcess]


@pytest.fixture
def watching(host: Host) -> Iterator[Start]:
    procs: list[WatchProcess] = []

    def start(*args: str) -> WatchProcess:
        procs.append(started(host, *args))
        return procs[-1]

    yield start
    for p in procs:
        p.kill()


def test_watch_reports_a_port_going_down_once(host: Host, watching: Start) -> None:
    w = watching()
    host.port_state(host.hba, "Linkdown")
    assert w.line() == "changed scsi_host5: port_state Online -> Linkdown"
    assert w.quiet_for(INTERVAL * 3) == []
    rc, err = w.stop(signal.SIGTERM)
    assert (rc, err) == (0, "")


def test_watch_reports_a_vhba_added_and_removed(host: Host, watching: Start) -> None:
    w = watching()
    vport = host.add_vhba()
    got = {w.line(), w.line()}
    assert got == {"added scsi_host7",
                   "changed scsi_host5: vport_ops.vports 0 -> 1; vports +scsi_host7"}  # fmt: skip
    assert w.quiet_for(INTERVAL * 3) == []
    host.remove_vhba(vport)
    got = {w.line(), w.line()}
    assert got == {"removed scsi_host7",
                   "changed scsi_host5: vport_ops.vports 1 -> 0; vports -scsi_host7"}  # fmt: skip
    assert w.quiet_for(INTERVAL * 3) == []
    rc, err = w.stop(signal.SIGINT)
    assert (rc, err) == (0, "")


def test_watch_json_lines_parse(host: Host, watching: Start) -> None:
    w = watching("--json", "--cap", "scsi_host")
    host.add_vhba()
    events = {(d := json.loads(w.line()))["name"]: d for _ in range(2)}
    assert events["scsi_host7"]["event"] == "added"
    assert events["scsi_host7"]["changes"] == []
    doc = etree.fromstring(events["scsi_host7"]["document"].encode())
    assert doc.findtext("parent") == "scsi_host5"
    assert doc.find(".//capability[@type='phys_hba']") is not None
    assert {"what": "vports", "old": None, "new": "scsi_host7"} in events["scsi_host5"]["changes"]
    assert w.stop()[0] == 0


def test_watch_cap_filter(host: Host, watching: Start) -> None:
    w = watching("--cap", "vports")  # the probe is vport-capable too
    host.add_vhba()
    assert w.line() == "changed scsi_host5: vport_ops.vports 0 -> 1; vports +scsi_host7"
    assert w.quiet_for(INTERVAL * 3) == []
    assert w.stop()[0] == 0


def test_watch_ends_quietly_when_the_reader_goes(host: Host, tmp_path: Path) -> None:
    """``watch | head -1``: the first write after head has gone ends the watch, exit 0."""
    err = tmp_path / "stderr"
    cmd = (f"{sys.executable} -m nodedev_xml --root {host.root} watch --interval {INTERVAL} "
           f"2>{err} | head -1; echo rc=${{PIPESTATUS[0]}}")  # fmt: skip
    proc = subprocess.Popen(["bash", "-c", cmd], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    try:
        assert proc.stdout is not None
        lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout], daemon=True).start()
        state, deadline = "Online", time.monotonic() + 30
        while time.monotonic() < deadline:  # until head has printed its one line
            state = "Linkdown" if state == "Online" else "Online"
            host.port_state(host.probe, state)
            try:
                first = lines.get(timeout=INTERVAL * 2)
                break
            except queue.Empty:
                pass
        assert first.startswith("changed scsi_host6: port_state")
        host.port_state(host.hba, "Linkdown")  # the next line meets the closed pipe
        assert lines.get(timeout=INTERVAL + SLACK + 5) == "rc=0\n"
        assert err.read_text() == ""
    finally:
        proc.kill()
        proc.wait()


def test_watch_bad_interval(host: Host) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "nodedev_xml", "--root", str(host.root), "watch", "--interval", "0"],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(REPO)},
    )  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "nodedev-xml: error: --interval must be a positive number of seconds, not 0.0 "
        "(see 'nodedev-xml --help')"
    ]
