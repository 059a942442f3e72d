"""A LUN's identity: the WWID the kernel picks from VPD page 0x83, the serial, the
disk's by-id link and multipath map, read from roots the fabric writes; WWIDs
compared in any spelling; the emulator's ``scan`` and ``issue_lip`` in-process."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest
from hostile import HostileAccess, check_all

import nodedev_xml as nx
from nodedev_xml.model import CreateRequest, Parent
from nodedev_xml.sysfs.lunid import serial_from_vpd80, wwid_from_vpd83
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.testing.emulator import KernelEmulator
from nodedev_xml.testing.fabric import Fabric, FabricLun, parse_scan, vpd_pg80, vpd_pg83
from nodedev_xml.vhba.luns import compare_wwids, parse_expected, wwid_key
from nodedev_xml.wwn import WWN

NAA6 = "naa.600a0b80001234560000000000000a01"


def _designator(kind: int, data: bytes, *, assoc: int = 0, code_set: int = 1) -> bytes:
    return bytes([code_set, (assoc << 4) | kind, 0, len(data)]) + data


def _page83(*designators: bytes) -> bytes:
    body = b"".join(designators)
    return bytes([0, 0x83]) + len(body).to_bytes(2, "big") + body


NAA5 = _designator(3, bytes.fromhex("5000c500a1b2c3d4"))
NAA6_D = _designator(3, bytes.fromhex(NAA6[4:]))
EUI16 = _designator(2, bytes.fromhex("0025385b71b0a1230025385b71b0a123"))
T10 = _designator(1, b"ATA     QEMU HARDDISK   QM00001", code_set=2)
PORT = _designator(3, bytes.fromhex("6" + "1" * 31), assoc=1)


@pytest.mark.parametrize(
    ("designators", "wwid"),
    [
        ((NAA5,), "naa.5000c500a1b2c3d4"),
        ((NAA5, NAA6_D), NAA6),  # NAA 6 outranks NAA 5, whatever the order
        ((NAA6_D, NAA5), NAA6),
        ((EUI16, NAA5), "eui.0025385b71b0a1230025385b71b0a123"),  # EUI-64 16 bytes: prio 7
        ((T10,), "t10.ATA     QEMU HARDDISK   QM00001"),
        ((T10, NAA5), "naa.5000c500a1b2c3d4"),  # T10 is the last resort
        ((PORT,), None),  # a target port's designator is not the unit's
        ((PORT, NAA5), "naa.5000c500a1b2c3d4"),
        ((_designator(3, bytes.fromhex("2000001b32a9da4e")),), None),  # NAA 2: ignored
        ((_designator(1, b"A\x01B", code_set=2),), "t10.A\\001B"),  # %*pE escapes
        ((), None),
    ],
)
def test_the_kernels_designator_is_picked(designators: tuple[bytes, ...], wwid: str | None) -> None:
    assert wwid_from_vpd83(_page83(*designators)) == wwid


def test_a_cut_or_foreign_page_is_read_as_far_as_it_goes() -> None:
    page = _page83(NAA5, NAA6_D)
    assert wwid_from_vpd83(page[:-3]) == "naa.5000c500a1b2c3d4"  # the NAA 6 one is cut short
    assert wwid_from_vpd83(page[:3]) is None
    assert wwid_from_vpd83(b"\x00\x80" + page[2:]) is None  # page 0x80's header
    assert serial_from_vpd80(bytes([0, 0x80, 0, 12]) + b"  QM00001   ") == "QM00001"
    assert serial_from_vpd80(bytes([0, 0x80, 0, 4]) + b"\xff\xfe\x00\x01") is None
    assert serial_from_vpd80(page) is None


def test_the_fabrics_pages_give_its_wwids() -> None:
    lun = FabricLun(3, NAA6, serial="SN0003")
    target = Fabric().add_target(0x20110002AC000001, [lun])
    assert wwid_from_vpd83(vpd_pg83(lun, target)) == NAA6
    assert serial_from_vpd80(vpd_pg80(lun)) == "SN0003"


@pytest.mark.parametrize(
    "spelling",
    [NAA6, NAA6.upper(), "3" + NAA6[4:], "mpath-3" + NAA6[4:], "wwn-0x" + NAA6[4:],
     "/dev/disk/by-id/wwn-0x" + NAA6[4:], "scsi-3" + NAA6[4:], " 0x" + NAA6[4:].upper()],
)  # fmt: skip
def test_wwids_compare_in_any_spelling(spelling: str) -> None:
    assert wwid_key(spelling) == NAA6
    assert compare_wwids([NAA6], [spelling]).same()


def test_other_wwids_are_kept_as_given_and_comparisons_say_both_ways() -> None:
    assert wwid_key("2" + "0025385b71b0a123") == "eui.0025385b71b0a123"
    assert wwid_key(" t10.ATA QEMU ") == "t10.ATA QEMU"
    result = compare_wwids([NAA6, "naa.5000c500a1b2c3d4"], [NAA6, "eui.0025385b71b0a123"])
    assert (result.missing, result.extra) == (("naa.5000c500a1b2c3d4",), ("eui.0025385b71b0a123",))
    assert not result.same() and not result.same(allow_extra=True)
    assert parse_expected("3") == 3
    assert parse_expected(f"3{NAA6[4:]}, wwn-0x5000c500a1b2c3d4") == {NAA6, "naa.5000c500a1b2c3d4"}
    for bad in ("0", "", " , "):
        with pytest.raises(ValueError):
            parse_expected(bad)


@pytest.mark.parametrize(
    ("data", "parsed"),
    [("- - -", (None, None, None)), ("- - -\0", (None, None, None)), ("0 1 -\n", (0, 1, None)),
     ("0 0x10 010", (0, 16, 8)), ("0\t2  3", (0, 2, 3))],
)  # fmt: skip
def test_scan_is_parsed_as_the_kernel_parses_it(data: str, parsed: tuple[int | None, ...]) -> None:
    assert parse_scan(data) == parsed


@pytest.mark.parametrize("data", ["- -", "- - - -", "0 1 x", "0 1 2x", "", "0 -1 0"])
def test_a_scan_the_kernel_refuses(data: str) -> None:
    with pytest.raises(OSError) as e:
        parse_scan(data)
    assert e.value.errno == errno.EINVAL


# -- roots the fabric writes ----------------------------------------------------------


def _san(root: Path, fabric: Fabric) -> SysfsBuilder:
    """An HBA (host5) with two vHBAs (host6, host7) that the fabric serves."""
    b = SysfsBuilder(root, first_host=5)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    hba = b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=0x2100001B32A9DA4E)
    for n in (1, 2):
        vport = b.add_vport(hba, node_name=0x5001A4A000000000 + 2 * n,
                            port_name=0x5001A4A000000001 + 2 * n)  # fmt: skip
        assert vport.host is not None
        fabric.attach(b, vport.host)
    return b


def _fabric(**options: bool) -> Fabric:
    fabric = Fabric(**options)
    array = fabric.add_target(0x20110002AC000001, [
        FabricLun(0, NAA6), FabricLun(1, "naa.5000c500a1b2c3d4", alias="data"),
        FabricLun(7, "eui.0025385b71b0a123", type=13, model="SES")])  # fmt: skip
    fabric.zone(0x5001A4A000000003, array)
    fabric.zone(0x5001A4A000000005, array, [0, 1])
    return fabric


def test_two_vhbas_share_a_multipath_map_and_its_by_id_links(tmp_path: Path) -> None:
    _san(tmp_path, _fabric(multipath=True))
    inv = nx.scan(root=str(tmp_path))
    assert inv.warnings == ()
    check_all(inv)
    first, second = inv["scsi_6_0_0_0"].scsi, inv["scsi_7_0_0_0"].scsi
    assert first is not None and second is not None
    assert (first.block, second.block) == ("/dev/sda", "/dev/sdc")
    assert first.wwid == second.wwid == NAA6
    assert first.multipath == second.multipath == "3" + NAA6[4:]
    assert first.multipath_uuid == "mpath-3" + NAA6[4:]
    assert first.by_id == f"/dev/disk/by-id/wwn-0x{NAA6[4:]}"
    assert str(first.remote_wwpn) == "20110002ac000001"
    data = inv["scsi_6_0_0_1"].scsi
    assert data is not None and data.multipath == "data"
    slaves = tmp_path / "sys/devices/virtual/block/dm-0/slaves"
    assert sorted(os.listdir(slaves)) == ["sda", "sdc"]
    enclosure = inv["scsi_6_0_0_7"].scsi
    assert enclosure is not None
    assert (enclosure.wwid, enclosure.block, enclosure.multipath) == (
        "eui.0025385b71b0a123", None, None)  # fmt: skip
    assert [d.name for d in inv.luns("scsi_host7")] == ["scsi_7_0_0_0", "scsi_7_0_0_1"]
    assert [u.wwid for u in nx.host_luns(inv, "scsi_host6")] == [
        NAA6, "naa.5000c500a1b2c3d4", "eui.0025385b71b0a123"]  # fmt: skip
    libvirt = nx.to_xml(inv["scsi_6_0_0_0"], profile="libvirt")
    assert "wwid" not in libvirt and "multipath" not in libvirt
    assert nx.strip(nx.to_xml(inv["scsi_6_0_0_0"])) == libvirt


def test_without_a_wwid_attribute_the_pages_give_the_same(tmp_path: Path) -> None:
    _san(tmp_path / "old", _fabric(kernel_wwid=False))
    _san(tmp_path / "new", _fabric())
    old, new = nx.scan(root=str(tmp_path / "old")), nx.scan(root=str(tmp_path / "new"))
    assert old.warnings == ()
    assert not list((tmp_path / "old/sys/devices").glob("**/wwid"))
    assert list((tmp_path / "new/sys/devices").glob("**/wwid"))
    assert [nx.to_xml(d) for d in old.values()] == [nx.to_xml(d) for d in new.values()]


@pytest.mark.parametrize("code", [errno.ENXIO, errno.EINVAL])
def test_a_wwid_the_kernel_cannot_give_is_no_fault(tmp_path: Path, code: int) -> None:
    """``wwid`` fails with ENXIO (no page 0x83 cached) or EINVAL (no usable designator):
    the page is looked at instead, quietly."""
    _san(tmp_path, _fabric())
    lun = next(tmp_path.glob("sys/devices/**/6:0:0:0"))
    inv = nx.scan(root=str(tmp_path), fs=HostileAccess().fail(lun / "wwid", code))
    assert inv.warnings == ()
    assert inv["scsi_6_0_0_0"].scsi is not None and inv["scsi_6_0_0_0"].scsi.wwid == NAA6
    (lun / "vpd_pg83").unlink()
    inv = nx.scan(root=str(tmp_path), fs=HostileAccess().fail(lun / "wwid", code))
    assert inv.warnings == () and inv["scsi_6_0_0_0"].scsi.wwid is None  # type: ignore[union-attr]


def test_an_unreadable_or_garbage_wwid_is_one_warning(tmp_path: Path) -> None:
    _san(tmp_path, _fabric())
    lun = next(tmp_path.glob("sys/devices/**/6:0:0:0"))
    inv = nx.scan(root=str(tmp_path), fs=HostileAccess().fail(lun / "wwid", errno.EIO))
    assert [str(w) for w in inv.warnings] == ["scsi_6_0_0_0: wwid: unreadable (EIO)"]
    (lun / "wwid").write_bytes(b"naa.\xe9\n")
    inv = nx.scan(root=str(tmp_path))
    assert [str(w).split(":")[:2] for w in inv.warnings] == [["scsi_6_0_0_0", " wwid"]]
    assert inv["scsi_6_0_0_0"].scsi.wwid is None  # type: ignore[union-attr]
    check_all(inv)


def test_the_emulator_answers_scan_and_issue_lip(tmp_path: Path) -> None:
    """In-process: a malformed scan is EINVAL; a LUN seen only after a LIP comes with
    the LIP's rediscovery; a vHBA that goes takes its paths out of the map."""
    b = SysfsBuilder(tmp_path, first_host=5)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532, driver="qla2xxx")
    b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=0x2100001B32A9DA4E)
    fabric = Fabric(multipath=True)
    array = fabric.add_target(0x20110002AC000001, [FabricLun(0, NAA6),
                                                   FabricLun(1, "naa.5000c500a1b2c3d4",
                                                             after_lip=True)])  # fmt: skip
    fabric.zone("5001a4a000000001", array)
    heard: list[tuple[str, str]] = []
    with KernelEmulator(tmp_path, fabric=fabric, uevent=lambda a, p: heard.append((a, p))) as k:
        names = WWN.parse("5001a4a000000002"), WWN.parse("5001a4a000000001")
        request = CreateRequest(Parent(name="scsi_host5"), *names)
        made = nx.create_vhba(request, root=str(tmp_path), writer=k)
        host = made.name.removeprefix("scsi_")
        scan = str(tmp_path / f"sys/class/scsi_host/{host}/scan")
        with pytest.raises(OSError) as e:
            k.write(scan, "- - - -")
        assert e.value.errno == errno.EINVAL
        assert [d.name for d in nx.scan(root=str(tmp_path)).luns(made.name)] == ["scsi_6_0_0_0"]
        assert ("add", next(p for a, p in heard if p.endswith("/6:0:0:0"))) in heard
        k.write(scan, "- - -\0")  # libvirt's spelling: the LIP is still missing
        assert len(nx.scan(root=str(tmp_path)).luns(made.name)) == 1
        rescan = nx.rescan_host(made.name, root=str(tmp_path), writer=k, lip=True)
        assert rescan.lines == ("0 0 -",)
        assert len(nx.scan(root=str(tmp_path)).luns(made.name)) == 2
        assert [w.path.rpartition("/")[2] for w in k.writes[-2:]] == ["issue_lip", "scan"]
        with pytest.raises(nx.VHBAError, match="sda is held by dm-0"):  # the multipath map
            nx.delete_vhba(made.name, root=str(tmp_path), writer=k)
        nx.delete_vhba(made.name, root=str(tmp_path), writer=k, force=True)
    assert not (tmp_path / "sys/devices/virtual/block/dm-0").exists()
    assert os.listdir(tmp_path / "dev/disk/by-id") == []
    assert os.listdir(tmp_path / "dev/mapper") == []
