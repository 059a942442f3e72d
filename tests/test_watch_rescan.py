"""The live watch's partial scan: :func:`nodedev_xml.events.rescan` reads only the HBA a
uevent names, with its vHBAs, targets and LUNs, and splices them into the last inventory;
the result is the full scan's.  Reads are recorded through a real ``FileAccess``."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_watch import Host

import nodedev_xml as nx
from nodedev_xml.events import Watcher, hbas_named, rescan
from nodedev_xml.sysfs.access import MAX_ATTR_BYTES, OSFileAccess


class RecordingAccess(OSFileAccess):
    """The files read, in order (listings and links are not attribute reads)."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def read(self, path: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        self.reads.append(path)
        return super().read(path, limit)


@pytest.fixture
def host(tmp_path: Path) -> Host:
    h = Host(tmp_path / "root")
    for n in range(3):
        h.b.add_rport(h.hba, node_name=0x2000000000000A00 + n, port_name=0x2100000000000A00 + n,
                      port_id=0x010200 + n)  # fmt: skip
    h.b.add_rport(h.probe, node_name=0x2000000000000B00, port_name=0x2100000000000B00,
                  port_id=0x010300)  # fmt: skip
    h.vhba = h.add_vhba()  # type: ignore[attr-defined]
    return h


def full(host: Host) -> nx.Inventory:
    return nx.scan(str(host.root))


def same(a: nx.Inventory, b: nx.Inventory) -> bool:
    return list(a.items()) == list(b.items()) and set(a.warnings) == set(b.warnings)


def under(paths: list[str], directory: Path) -> bool:
    top = os.path.realpath(directory) + os.sep
    return all(os.path.realpath(p).startswith(top) for p in paths)


def test_only_the_named_hba_and_its_vhbas_are_read(host: Host) -> None:
    base = full(host)
    host.port_state(host.hba, "Linkdown")
    host.add_vhba(1)
    fs = RecordingAccess()
    new = rescan(base, frozenset({5}), fs=fs)
    assert same(new, full(host))
    assert "scsi_host8" in new and not same(new, base)
    assert fs.reads and under(fs.reads, host.hba.path)  # host5's directory holds its vHBAs
    assert not any("host6" in p for p in fs.reads)  # the other HBA: not read
    everything = RecordingAccess()
    nx.scan(str(host.root), fs=everything)
    assert len(fs.reads) < len(everything.reads)
    # What was read is what the full scan reads of those devices, nothing more.
    assert sorted(fs.reads) == sorted(p for p in everything.reads if under([p], host.hba.path))


def test_a_vhba_that_went_leaves_and_the_other_hba_is_kept(host: Host) -> None:
    base = full(host)
    host.remove_vhba(host.vhba)  # type: ignore[attr-defined]
    host.port_state(host.probe, "Linkdown")  # not named: the partial scan keeps the old probe
    new = rescan(base, frozenset({5}))
    assert "scsi_host7" not in new
    assert new["scsi_host6"] == base["scsi_host6"]
    assert same(rescan(new, frozenset({6})), full(host))


def test_an_hba_that_went_brings_the_full_scan(host: Host) -> None:
    """Its PCI function may leave the scan with it (a scan lists those above an HBA)."""
    base = full(host)
    targets = [n for n, d in base.items() if d.parent_name == "scsi_host5" and d.scsi_target]
    assert len(targets) == 3
    for link in (host.root / "sys" / "class" / "scsi_host").iterdir():
        if link.name in ("host5", "host7"):
            link.unlink()
    new = rescan(base, frozenset({5}))
    assert same(new, full(host))
    assert not {"scsi_host5", "scsi_host7", *targets} & set(new)


def test_the_watcher_reports_a_partial_scan_once(host: Host) -> None:
    watcher = Watcher(lambda: full(host), settle=0.01)
    host.add_vhba(1)
    events = watcher.poll(lambda: rescan(watcher.inventory, frozenset({5})))
    assert [str(e) for e in events] == [
        "changed scsi_host5: vport_ops.vports 1 -> 2; vports +scsi_host8",
        "added scsi_host8",
    ]
    assert same(watcher.inventory, full(host))
    assert watcher.poll(lambda: rescan(watcher.inventory, frozenset({5}))) == []


def test_the_hbas_a_uevent_names() -> None:
    pci = "/sys/devices/pci0000:00/0000:00:03.0/0000:04:00.0"
    assert hbas_named([f"{pci}/host5/vport-5:0-0/host7/fc_host/host7"]) == {5}
    assert hbas_named([f"{pci}/host5/rport-5:0-1/target5:0:1", f"{pci}/host6"]) == {5, 6}
    assert hbas_named([f"{pci}/host5", pci]) is None  # a PCI function: the full scan
    assert hbas_named([f"{pci}/host05"]) is None  # not the kernel's spelling


def test_luns_that_come_and_go_are_spliced_as_the_full_scan_orders_them(
    tmp_path: Path,
) -> None:
    """A LUN is read again with its host: one that went leaves (with its target when
    the target went too), a new one takes its place after the targets."""
    h = Host(tmp_path / "root")
    rport = h.b.add_rport(h.hba, node_name=0x2000000000000C00, port_name=0x2100000000000C00,
                          port_id=0x010400)  # fmt: skip
    other = h.b.add_rport(h.probe, node_name=0x2000000000000D00, port_name=0x2100000000000D00,
                          port_id=0x010500)  # fmt: skip
    first = h.b.add_lun(rport, 0)
    h.b.add_lun(other, 0, type=1)
    base = full(h)
    assert "scsi_5_0_0_0" in base and "scsi_6_0_0_0" in base
    shutil.rmtree(first)
    os.unlink(h.root / "sys" / "bus" / "scsi" / "devices" / "5:0:0:0")
    h.b.add_lun(rport, 7, type=13)
    new = rescan(base, frozenset({5}))
    assert "scsi_5_0_0_0" not in new and "scsi_5_0_0_7" in new
    assert new["scsi_6_0_0_0"] == base["scsi_6_0_0_0"]
    assert same(new, full(h))


def test_the_warnings_about_the_named_hosts_are_read_again(tmp_path: Path) -> None:
    """Each warning says which Scsi_Host it is about; the partial scan replaces those
    of the hosts it reads (a vHBA's among them) and keeps the others."""
    h = Host(tmp_path / "root")
    vport = h.add_vhba()
    rport = h.b.add_rport(h.hba, node_name=0x2000000000000E00, port_name=0x2100000000000E00,
                          port_id=0x010600)  # fmt: skip
    other = h.b.add_rport(h.probe, node_name=0x2000000000000F00, port_name=0x2100000000000F00,
                          port_id=0x010700)  # fmt: skip
    lun5, lun6 = h.b.add_lun(rport, 0), h.b.add_lun(other, 0)
    for lun in (lun5, lun6):
        (lun / "type").write_text("bogus\n")
    h.vport_state(vport, "Bogus")
    base = full(h)
    hosts = {w.device: w.host for w in base.warnings}
    assert hosts == {"scsi_5_0_0_0": 5, "scsi_6_0_0_0": 6, vport.name: 5}, base.warnings
    (lun5 / "type").write_text("0\n")
    h.vport_state(vport, "Active")
    new = rescan(base, frozenset({5}))
    assert [w.device for w in new.warnings] == ["scsi_6_0_0_0"]
    assert same(new, full(h))
    assert new.computer == base.computer
