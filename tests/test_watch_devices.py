"""The live watch's partial re-read of the devices around the hosts and below the LUNs:
disks (``storage``), SCSI generic nodes (``scsi_generic``), network interfaces (``net``).

The kernel emulator and its fabric make the changes (vHBAs created and deleted, LUNs
found by scans and LIPs, each with its disk and SCSI generic node) and hand over the
uevents the kernel would send; the test changes the rest by hand (a disk resized, an
interface's link, a virtio disk, a veth pair) and names what a uevent or an rtnetlink
message would name.  After any sequence of them the watch's inventory, kept up to date
by partial re-reads, is the full scan's."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from test_watch import INTERVAL, Host, started
from test_watch_rescan import RecordingAccess, same, under

import nodedev_xml as nx
from nodedev_xml.events import Part, Watcher, part_named, rescan
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.testing.emulator import KernelEmulator
from nodedev_xml.testing.fabric import Fabric, FabricLun
from nodedev_xml.testing.specs import DeviceDir, FCHostSpec, PCIFunctionSpec

HBA_WWPN = 0x2100001B32A9DA4E
#: The WWPNs the vHBAs are made with: each sees the array, some of its LUNs masked.
POOL = (0x5001A4A000000001, 0x5001A4A000000003, 0x5001A4A000000005)
ARRAY = 0x20110002AC000001


def _fabric() -> Fabric:
    fabric = Fabric(udev=True, generic=True)
    array = fabric.add_target(ARRAY, [
        FabricLun(0, "naa.600a0b80001234560000000000000a00"),
        FabricLun(1, "naa.600a0b80001234560000000000000a01"),
        FabricLun(2, "naa.600a0b80001234560000000000000a02", type=1, model="ULTRIUM"),
        FabricLun(3, "naa.600a0b80001234560000000000000a03", after_lip=True),
    ])  # fmt: skip
    fabric.zone(HBA_WWPN, array, [0])
    fabric.zone(POOL[0], array)
    fabric.zone(POOL[1], array, [1, 2])
    fabric.zone(POOL[2], array, [3])
    return fabric


@dataclass
class San:
    """A root with an HBA (host5) the fabric serves, an Ethernet port with its
    interface, the kernel emulator playing vport_create and vport_delete, and the
    paths the uevents since the last look named."""

    root: Path
    b: SysfsBuilder
    hba: FCHostSpec
    nic: PCIFunctionSpec
    virtio: PCIFunctionSpec
    kernel: KernelEmulator
    named: list[str] = field(default_factory=list)

    def sent(self, action: str, rel: str) -> None:
        self.named.append(f"/sys/{rel}")

    def take(self) -> list[str]:
        named, self.named = self.named, []
        return named

    def fc_class(self, wwpn: int) -> Path | None:
        """The fc_host class directory of the host with port name ``wwpn``."""
        for d in sorted((self.root / "sys/class/fc_host").iterdir()):
            if int((d / "port_name").read_text(), 16) == wwpn:
                return d
        return None

    def write(self, path: Path, data: str) -> None:
        with contextlib.suppress(OSError):  # refused, as the kernel refuses it: no change
            self.kernel.write(str(path), data)

    def sys_path(self, path: Path) -> str:
        sysdir = os.path.realpath(self.root / "sys")
        return "/sys/" + os.path.relpath(os.path.realpath(path), sysdir)


@contextmanager
def san() -> Iterator[San]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        b = SysfsBuilder(root, first_host=5)
        card = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                                  parent="0000:00:03.0", driver="qla2xxx")  # fmt: skip
        hba = b.add_fc_host(card, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=HBA_WWPN)
        nic = b.add_pci_function("0000:05:00.0", vendor=0x8086, device=0x10FB,
                                 parent="0000:00:03.0", driver="ixgbe")  # fmt: skip
        b.add_net_interface(nic, "eth2", address="00:1b:21:aa:bb:cc")
        virtio = b.add_pci_function("0000:00:04.0", vendor=0x1AF4, device=0x1042,
                                    driver="virtio-pci")  # fmt: skip
        fabric = _fabric()
        fabric.attach(b, hba)
        s = San(root, b, hba, nic, virtio, KernelEmulator(root))
        s.kernel = KernelEmulator(root, fabric=fabric, uevent=s.sent)
        with s.kernel:
            yield s


# -- what each change does ------------------------------------------------------------------


def _vport_names(i: int) -> str:
    return f"{POOL[i]:016x}:{POOL[i] - 1:016x}\n"


def create(s: San, i: int) -> None:
    s.write(s.root / f"sys/class/fc_host/{s.hba.name}/vport_create", _vport_names(i))


def delete(s: San, i: int) -> None:
    s.write(s.root / f"sys/class/fc_host/{s.hba.name}/vport_delete", _vport_names(i))


def scan_host(s: San, i: int) -> None:
    fc = s.fc_class(POOL[i])
    if fc is not None:
        s.write(s.root / "sys/class/scsi_host" / fc.name / "scan", "- - -\n")


def lip(s: San, i: int) -> None:
    fc = s.fc_class(POOL[i])
    if fc is not None:
        s.write(fc / "issue_lip", "1\n")


def resize(s: San, i: int) -> None:
    """A disk grows (a LUN extended on the array, rescanned): its ``change`` uevent."""
    disks = sorted((s.root / "sys/class/block").glob("sd*"))
    if disks:
        disk = disks[i % len(disks)]
        size = disk / "size"
        size.write_text(f"{int(size.read_text()) + 2048}\n")
        s.named.append(s.sys_path(disk))


def link(s: San, i: int) -> None:
    """eth2's link goes down or comes up: no uevent; rtnetlink names the interface."""
    eth = s.root / "sys/class/net/eth2"
    state = eth / "operstate"
    state.write_text("down\n" if state.read_text().strip() == "up" else "up\n")
    (eth / "speed").write_text("-1\n" if i % 2 else "10000\n")
    s.named.append(s.sys_path(eth))


def veth(s: San, i: int) -> None:
    """A veth interface made or removed (its uevent, and an rtnetlink message)."""
    name = f"veth{i}"
    entry = s.root / "sys/class/net" / name
    if entry.is_symlink():
        path = s.sys_path(entry)
        shutil.rmtree(os.path.realpath(entry))
        entry.unlink()
        s.named += [path, path]
    else:
        made = s.b.add_net_interface(None, name, address=f"ae:20:9c:00:00:{i:02x}")
        s.named += [f"/sys/{made.rel}"] * 2


def virtio(s: San, i: int) -> None:
    """A virtio disk (``vda``, a block device under no Scsi_Host) comes or goes."""
    rel = f"{s.virtio.rel}/virtio1/block/vda"
    entry = s.root / "sys/class/block/vda"
    if entry.is_symlink():
        shutil.rmtree(s.root / "sys" / rel)
        entry.unlink()
    else:
        s.b.tree.ensure_dir(f"{s.virtio.rel}/virtio1/block")
        uevent = b"MAJOR=252\nMINOR=0\nDEVNAME=vda\nDEVTYPE=disk\n"
        files = {"uevent": uevent, "dev": b"252:0\n", "size": f"{2048 << i}\n".encode(),
                 "queue/logical_block_size": b"512\n"}  # fmt: skip
        s.b.tree.device(rel, files, subsystem="class/block")
        s.b.tree.ensure_dir("class/block")
        s.b.tree.link("class/block/vda", rel)
    s.named.append(f"/sys/{rel}")


def port(s: San, i: int) -> None:
    """The HBA's port state (polled: the watch names its fc_host class device)."""
    fc = s.hba.path / "fc_host" / s.hba.name
    state = fc / "port_state"
    state.write_text("Linkdown\n" if state.read_text().strip() == "Online" else "Online\n")
    s.named.append(s.sys_path(fc))


CHANGES = {f.__name__: f for f in (create, delete, scan_host, lip, resize, link, veth, virtio,
                                   port)}  # fmt: skip


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(CHANGES)), st.integers(0, 2)), max_size=10))
def test_after_any_changes_the_partial_rereads_are_the_full_scan(
    changes: list[tuple[str, int]],
) -> None:
    with san() as s:
        watcher = Watcher(lambda: nx.scan(str(s.root)), settle=0.0)
        for what, i in changes:
            CHANGES[what](s, i)
            named = s.take()
            if named:
                watcher.reread(named)
            assert same(watcher.inventory, nx.scan(str(s.root))), (what, i, named)


# -- what is re-read, and the events -------------------------------------------------------------


def test_a_vhba_with_luns_adds_its_disks_and_generic_nodes() -> None:
    with san() as s:
        watcher = Watcher(lambda: nx.scan(str(s.root)), settle=0.0)
        base = watcher.inventory
        create(s, 0)
        named = s.take()
        assert part_named(named) == Part(frozenset({5}))
        events = watcher.reread(named)
        added = [e.name for e in events if e.kind == "added"]
        disks = sorted(n for n in added if n.startswith(("block_", "scsi_generic_")))
        # LUNs 0, 1 (disks) and 2 (a tape: a generic node alone); LUN 3 waits for a LIP.
        assert disks == ["block_sdb_3600a0b80001234560000000000000a00",
                         "block_sdc_3600a0b80001234560000000000000a01",
                         "scsi_generic_sg1", "scsi_generic_sg2", "scsi_generic_sg3"]  # fmt: skip
        assert watcher.inventory[disks[0]].parent_name == "scsi_6_0_0_0"
        assert watcher.inventory["scsi_generic_sg3"].parent_name == "scsi_6_0_0_2"
        assert same(watcher.inventory, nx.scan(str(s.root)))
        # The disks and generic nodes go with the vHBA, each said once.
        delete(s, 0)
        events = watcher.reread(s.take())
        removed = sorted(e.name for e in events if e.kind == "removed")
        assert set(disks) <= set(removed)
        assert list(watcher.inventory) == list(base)
        assert same(watcher.inventory, nx.scan(str(s.root)))


def test_only_the_hba_and_what_is_below_it_is_read() -> None:
    with san() as s:
        base = nx.scan(str(s.root))
        create(s, 1)
        named = s.take()
        fs = RecordingAccess()
        new = rescan(base, part_named(named).hbas, fs=fs)  # type: ignore[union-attr]
        assert same(new, nx.scan(str(s.root)))
        assert {"scsi_generic_sg1", "scsi_generic_sg2"} <= set(new) - set(base)
        assert fs.reads and under(fs.reads, s.hba.path)
        everything = RecordingAccess()
        nx.scan(str(s.root), fs=everything)
        assert sorted(fs.reads) == sorted(p for p in everything.reads if under([p], s.hba.path))


def test_a_link_change_rereads_that_interface_alone() -> None:
    with san() as s:
        watcher = Watcher(lambda: nx.scan(str(s.root)), settle=0.0)
        link(s, 1)
        named = s.take()
        assert part_named(named) == Part(devices=frozenset(named))
        fs = RecordingAccess()
        new = rescan(watcher.inventory, frozenset(), devices=frozenset(named), fs=fs)
        eth = s.root / "sys/class/net/eth2"
        assert fs.reads and under(fs.reads, Path(os.path.realpath(eth)))
        assert same(new, nx.scan(str(s.root)))
        events = watcher.reread(named)
        assert [str(e) for e in events] == [
            "changed net_eth2_00_1b_21_aa_bb_cc: link.state up -> down; link.speed 10000 -> (none)"]


def test_a_disk_resized_is_a_change_of_the_disk_and_its_lun() -> None:
    with san() as s:
        watcher = Watcher(lambda: nx.scan(str(s.root)), settle=0.0)
        resize(s, 0)
        assert sorted(str(e).partition(":")[0] for e in watcher.reread(s.take())) == [
            "changed block_sda_3600a0b80001234560000000000000a00", "changed scsi_5_0_0_0"]


@pytest.mark.parametrize(
    ("paths", "part"),
    [
        (["/sys/devices/virtual/net/veth0"],
         Part(devices=frozenset({"/sys/devices/virtual/net/veth0"}))),
        (["/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda/vda1"],
         Part(devices=frozenset({"/sys/devices/pci0000:00/0000:00:04.0/virtio1/block/vda"}))),
        (["/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/scsi_generic/sg0",
          "/sys/devices/pci0000:00/0000:00:04.0/net/eth0"],
         Part(frozenset({0}), frozenset({"/sys/devices/pci0000:00/0000:00:04.0/net/eth0"}))),
        (["/sys/devices/virtual/block/dm-0"], None),  # a multipath map: a LUN's identity
        (["/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1"], None),
        (["/sys/class/net"], None),  # link changes were lost: every interface
        (["/sys/devices/virtual/net/.."], None),
    ],
)  # fmt: skip
def test_what_a_uevent_names(paths: list[str], part: Part | None) -> None:
    assert part_named(paths) == part


# -- the command on a fake root: the poll at the interval --------------------------------------


@pytest.fixture
def nic_host(tmp_path: Path) -> Host:
    h = Host(tmp_path / "root")
    nic = h.b.add_pci_function("0000:05:00.0", vendor=0x8086, device=0x10FB,
                               parent="0000:00:03.0", driver="ixgbe")  # fmt: skip
    h.b.add_net_interface(nic, "eth2", address="00:1b:21:aa:bb:cc")
    return h


def test_a_link_change_on_a_fake_root_is_polled(nic_host: Host) -> None:
    """No uevent and no rtnetlink on a fake root: the scan at each interval sees the
    link change; ``--cap fc_host,net`` tells it and not the disk added below a LUN."""
    w = started(nic_host, "--cap", "fc_host,net")
    try:
        rport = nic_host.b.add_rport(nic_host.hba, node_name=0x2000000000000B00,
                                     port_name=0x2100000000000B00, port_id=0x010300)  # fmt: skip
        nic_host.b.add_lun(rport, 1, block="sdb", serial="3600a0b80001234560000000000000b00",
                           sg=7)  # fmt: skip
        assert w.quiet_for(INTERVAL * 3) == []
        (nic_host.root / "sys/class/net/eth2/operstate").write_text("lowerlayerdown\n")
        assert w.line() == ("changed net_eth2_00_1b_21_aa_bb_cc: link.state up -> "
                            "lowerlayerdown; link.speed 10000 -> (none)")  # fmt: skip
        assert w.quiet_for(INTERVAL * 3) == []
        assert w.stop() == (0, "")
    finally:
        w.kill()


@pytest.mark.parametrize(
    ("cap", "told"),
    [("storage", ["added block_sdb_3600a0b80001234560000000000000b00"]),
     ("scsi_generic", ["added scsi_generic_sg7"]),
     ("scsi", ["added scsi_5_0_0_1"]),
     ("net", [])],
)  # fmt: skip
def test_the_cap_filter_of_the_new_kinds(nic_host: Host, cap: str, told: list[str]) -> None:
    before = nx.scan(str(nic_host.root))
    rport = nic_host.b.add_rport(nic_host.hba, node_name=0x2000000000000B00,
                                 port_name=0x2100000000000B00, port_id=0x010300)  # fmt: skip
    nic_host.b.add_lun(rport, 1, block="sdb", serial="3600a0b80001234560000000000000b00", sg=7)
    events = nx.events.diff(before, nx.scan(str(nic_host.root)), frozenset({cap}))
    assert [str(e) for e in events] == told


def test_a_usb_stick_plugged_in_brings_a_full_scan(tmp_path: Path) -> None:
    """A USB device may be a host's parent: its uevent is answered by a full scan, which
    lists it, its interface and the usb-storage host below it; the host's own uevent,
    in the same batch, names an HBA that came (a full scan too)."""
    b = SysfsBuilder(tmp_path / "root", first_host=0)
    xhci = b.add_pci_function("0000:00:14.0", vendor=0x8086, device=0xA36D,
                              pci_class=0x0C0330, driver="xhci_hcd")  # fmt: skip
    b.add_usb_device(xhci, "usb2", vendor=0x1D6B, product=0x0003, manufacturer="Linux",
                     product_name="xHCI Host Controller",
                     interfaces=((9, 0, 0, "hub"),))  # fmt: skip
    watcher = Watcher(lambda: nx.scan(str(b.root)), settle=0.0)
    hub = DeviceDir(b.sys / xhci.rel / "usb2", f"{xhci.rel}/usb2")
    stick = b.add_usb_device(hub, "2-1", vendor=0x0781, product=0x5583, manufacturer="SanDisk",
                             product_name="Ultra Fit",
                             interfaces=((8, 6, 80, "usb-storage"),))  # fmt: skip
    host = b.add_usb_storage_host(stick[0])
    named = [f"/sys/{hub.rel}/2-1", f"/sys/{stick[0].rel}", f"/sys/{host.rel}"]
    assert part_named(named) is None
    assert [str(e) for e in watcher.reread(named)] == [
        "added usb_2_1", "added usb_2_1_1_0", f"added scsi_host{host.number}"]
    assert same(watcher.inventory, nx.scan(str(b.root)))
