"""SCSI devices (LUNs): found under their targets, typed as libvirt types them, left
out as libvirt leaves them out, and safe on a spoiled tree.

What libvirt itself lists and prints for LUNs is checked against libvirtd in
``tests/test_libvirt_oracle.py``; this file covers the cases that are not
kernel trees (garbage, misplaced links, failing reads) and the round trips.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import shutil
from pathlib import Path

import pytest
from hostile import HostileAccess, check_all, lines, replace_file
from invariants import check_inventory

import nodedev_xml as nx
from nodedev_xml.events import Change, diff
from nodedev_xml.model import ScsiDevice
from nodedev_xml.sysfs.scan import list_names
from nodedev_xml.testing import SysfsBuilder
from nodedev_xml.xml.enrich import enrich_document, strip_document


class Array:
    """host5 on a QLogic port, seeing a 3PAR array (target5:0:0) with LUNs 0 and 1
    and a tape drive (target5:0:1, LUN 0)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.b = SysfsBuilder(root, first_host=5)
        fn = self.b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                                     driver="qla2xxx")  # fmt: skip
        self.hba = self.b.add_fc_host(fn, "qla2xxx", node_name=0x2000001B32A9DA4E,
                                      port_name=0x2100001B32A9DA4E)  # fmt: skip
        self.disks = self.b.add_rport(self.hba, node_name=0x2FF70002AC0123F0,
                                      port_name=0x21010002AC0123F0, port_id=0x010400)  # fmt: skip
        self.lun0 = self.b.add_lun(self.disks, 0)
        self.lun1 = self.b.add_lun(self.disks, 1)
        self.tapes = self.b.add_rport(self.hba, node_name=0x2001000E1E09F7A0,
                                      port_name=0x2002000E1E09F7A0, port_id=0x010500)  # fmt: skip
        self.tape = self.b.add_lun(self.tapes, 0, type=1, vendor="IBM", model="ULT3580-TD8")
        self.b.write_pci_ids()

    @property
    def sys(self) -> Path:
        return self.root / "sys"

    def scan(self, fs: HostileAccess | None = None) -> nx.Inventory:
        return nx.scan(str(self.root), fs=fs)


@pytest.fixture
def array(tmp_path: Path) -> Array:
    return Array(tmp_path / "root")


def bus_link(array: Array, name: str, target: Path) -> None:
    """``bus/scsi/devices/<name>``, relative as sysfs writes it."""
    bus = array.sys / "bus/scsi/devices"
    (bus / name).symlink_to(os.path.relpath(target, bus))


def inquiry(cap: ScsiDevice | None) -> ScsiDevice | None:
    """The LUN's capability without the remote port it is reached through."""
    return dataclasses.replace(cap, remote_wwpn=None) if cap is not None else None


def luns(inv: nx.Inventory) -> list[str]:
    return [n for n, d in inv.items() if d.scsi is not None]


def test_luns_under_their_targets(array: Array) -> None:
    inv = array.scan()
    assert inv.warnings == ()
    assert luns(inv) == ["scsi_5_0_0_0", "scsi_5_0_0_1", "scsi_5_0_1_0"]
    tape = inv["scsi_5_0_1_0"]
    assert tape.parent_name == "scsi_target5_0_1"
    assert tape.driver == "st"
    assert inquiry(tape.scsi) == ScsiDevice(5, 0, 1, 0, "tape", "IBM", "ULT3580-TD8", "3310")
    assert tape.cap_names() == {"scsi"}
    check_all(inv)


def test_list_cap_scsi_and_scsi_target(array: Array) -> None:
    names = [e[0] for e in list_names(str(array.root), frozenset({"scsi"}))[0]]
    assert names == luns(array.scan())
    targets = [e[0] for e in list_names(str(array.root), frozenset({"scsi_target"}))[0]]
    assert targets == ["scsi_target5_0_0", "scsi_target5_0_1"]


@pytest.mark.parametrize(
    ("text", "word"),
    [("0", "disk"), ("1", "tape"), ("2", None), ("5", "cdrom"), ("8", "changer"),
     ("12", "raid"), ("13", "enclosure"), ("31", None), ("127", None), ("-1", None)],
)  # fmt: skip
def test_type_words_are_libvirts(array: Array, text: str, word: str | None) -> None:
    replace_file(array.lun1 / "type", f"{text}\n".encode())
    inv = array.scan()
    assert inv.warnings == ()
    assert inquiry(inv["scsi_5_0_0_1"].scsi) == ScsiDevice(
        5, 0, 0, 1, word, "3PARdata", "VV", "3310")


@pytest.mark.parametrize("text", ["abc", "", "0x5", "05", "1e3", "99999999999"])
def test_a_type_that_is_no_number_leaves_the_lun_out(array: Array, text: str) -> None:
    """libvirt drops such a device ("abc", ""); the spellings the kernel never
    writes (hex, leading zeros) are refused the same way."""
    replace_file(array.lun1 / "type", f"{text}\n".encode())
    inv = array.scan()
    assert "scsi_5_0_0_1" not in inv
    assert len(inv.warnings) == 1
    assert str(inv.warnings[0]).startswith("scsi_5_0_0_1: type: ")
    assert str(inv.warnings[0]).endswith("the device is left out, as libvirt does")
    names = list_names(str(array.root), frozenset({"scsi"}))
    assert [e[0] for e in names[0]] == ["scsi_5_0_0_0", "scsi_5_0_1_0"]
    assert names[1] == list(inv.warnings)
    check_all(inv)


def test_no_type_file_no_type(array: Array) -> None:
    (array.lun1 / "type").unlink()
    inv = array.scan()
    assert inv.warnings == ()
    assert inquiry(inv["scsi_5_0_0_1"].scsi) == ScsiDevice(
        5, 0, 0, 1, None, "3PARdata", "VV", "3310"
    )


@pytest.mark.parametrize("code", [errno.EACCES, errno.EIO])
def test_an_unreadable_type_is_no_type(array: Array, code: int) -> None:
    """libvirt reads no value and prints no type; the LUN stays, with a warning."""
    fs = HostileAccess().fail(array.lun1 / "type", code)
    inv = array.scan(fs)
    assert inquiry(inv["scsi_5_0_0_1"].scsi) == ScsiDevice(
        5, 0, 0, 1, None, "3PARdata", "VV", "3310"
    )
    assert lines(inv) == [f"scsi_5_0_0_1: type: unreadable ({errno.errorcode[code]})"]
    check_all(inv)


def test_a_lun_that_vanishes_while_read(array: Array) -> None:
    fs = HostileAccess().before(array.lun1 / "type", lambda: shutil.rmtree(array.lun1))
    inv = array.scan(fs)
    assert "scsi_5_0_0_1" not in inv
    assert lines(inv) == ["scsi_5_0_0_1: vanished during the scan"]
    check_all(inv)


def test_a_lun_of_a_target_left_out_is_left_out(array: Array) -> None:
    """The tape's remote port is gone while its target is read: the LUN goes with it."""
    rport_name = array.tapes.path / "fc_remote_ports" / array.tapes.name / "port_name"
    fs = HostileAccess().before(rport_name, lambda: shutil.rmtree(array.tapes.path))
    inv = array.scan(fs)
    assert luns(inv) == ["scsi_5_0_0_0", "scsi_5_0_0_1"]
    assert lines(inv) == ["scsi_target5_0_1: vanished during the scan"]
    check_all(inv)


def test_a_lun_not_under_its_target(array: Array) -> None:
    """A bus entry H:C:T:L whose directory sits under another target, or whose link
    names another directory, is no device of that address."""
    moved = array.disks.path / "target5:0:0" / "5:0:1:7"
    shutil.copytree(array.lun1, moved, symlinks=True)
    bus_link(array, "5:0:1:7", moved)
    bus_link(array, "5:0:0:9", array.lun0)
    inv = array.scan()
    assert luns(inv) == ["scsi_5_0_0_0", "scsi_5_0_0_1", "scsi_5_0_1_0"]
    assert lines(inv) == [
        "/sys/bus/scsi/devices/5:0:0:9: link does not point to its SCSI device's directory",
        "/sys/bus/scsi/devices/5:0:1:7: not under target5:0:1 or host5",
    ]
    check_all(inv)


def test_a_lun_its_host_holds_itself(array: Array) -> None:
    """No target directory in between: libvirt hangs it under the host."""
    lun = array.hba.path / "5:0:3:0"
    shutil.copytree(array.lun0, lun, symlinks=True)
    bus_link(array, "5:0:3:0", lun)
    inv = array.scan()
    assert inv["scsi_5_0_3_0"].parent_name == "scsi_host5"
    check_inventory(inv)


def test_lun_numbers_past_32_bits_are_left_out(array: Array) -> None:
    array.b.add_lun(array.disks, 0x1_0000_0000)
    array.b.add_lun(array.disks, 0xFFFF_FFFF)
    inv = array.scan()
    assert "scsi_5_0_0_4294967295" in inv
    assert lines(inv) == [
        "scsi_5_0_0_4294967296: left out: a LUN number beyond 32 bits, as libvirt does"
    ]


@pytest.mark.parametrize("profile", ["enriched", "libvirt"])
def test_lun_documents_round_trip(array: Array, profile: str) -> None:
    dev = array.scan()["scsi_5_0_1_0"]
    back = nx.from_xml(nx.to_xml(dev, profile))
    if profile == "enriched":
        assert back == dev
    else:
        assert inquiry(back.scsi) == ScsiDevice(5, 0, 1, 0, "tape")


def test_strip_and_enrich_a_lun_document(array: Array) -> None:
    inv = array.scan()
    dev = inv["scsi_5_0_1_0"]
    enriched, plain = nx.to_xml(dev, "enriched"), nx.to_xml(dev, "libvirt")
    assert strip_document(enriched) == plain
    assert enrich_document(plain, inv) == enriched


def test_a_bad_lun_document_names_the_line() -> None:
    doc = ("<device>\n<name>scsi_1_0_0_0</name>\n<capability type='scsi'>\n<host>1</host>\n"
           "<bus>x</bus>\n<target>0</target><lun>0</lun>\n</capability>\n</device>\n")  # fmt: skip
    with pytest.raises(nx.XMLInputError, match=r"^<string>:5: <bus> has 'x'; expected a number$"):
        nx.from_xml(doc)


def test_luns_appearing_changing_and_going_are_events(array: Array) -> None:
    before = array.scan()
    lun = array.b.add_lun(array.disks, 2)
    during = array.scan()
    assert [(e.kind, e.name) for e in diff(before, during)] == [("added", "scsi_5_0_0_2")]
    replace_file(lun / "type", b"5\n")
    events = diff(during, array.scan())
    assert [str(e) for e in events] == ["changed scsi_5_0_0_2: type disk -> cdrom"]
    assert events[0].changes == (Change("type", "disk", "cdrom"),)
    assert [(e.kind, e.name) for e in diff(during, before)] == [("removed", "scsi_5_0_0_2")]



def test_the_block_device_of_a_lun(array: Array) -> None:
    """Enriched: the disk's node and size; the libvirt profile has neither."""
    array.b.add_lun(array.disks, 2, block="sdc", sectors=4294967296 * 2)
    inv = array.scan()
    assert inv.warnings == ()
    lun = inv["scsi_5_0_0_2"].scsi
    assert lun is not None and (lun.block, lun.size) == ("/dev/sdc", 4 * 2**40)
    assert "<block>/dev/sdc</block>" in nx.to_xml(inv["scsi_5_0_0_2"], "enriched")
    assert "block" not in nx.to_xml(inv["scsi_5_0_0_2"], "libvirt")
    names = list_names(str(array.root), frozenset({"scsi"}), all_devices=True)[0]
    assert [e[0] for e in names] == list(inv)  # a disk is no node device here
    check_all(inv)


@pytest.mark.parametrize(("content", "warning"), [
    (b"lots\n", "scsi_5_0_0_2: block/sdc/size: 'lots': expected a number of 512-byte sectors"),
    (b"-1\n", "scsi_5_0_0_2: block/sdc/size: '-1': expected a number of 512-byte sectors"),
])  # fmt: skip
def test_a_bad_disk_size(array: Array, content: bytes, warning: str) -> None:
    disk = array.b.add_lun(array.disks, 2, block="sdc") / "block" / "sdc"
    replace_file(disk / "size", content)
    inv = array.scan()
    lun = inv["scsi_5_0_0_2"].scsi
    assert lun is not None and (lun.block, lun.size) == ("/dev/sdc", None)
    assert lines(inv) == [warning]
    check_all(inv)


def test_a_disk_that_vanishes_while_read(array: Array) -> None:
    disk = array.b.add_lun(array.disks, 2, block="sdc") / "block" / "sdc"
    fs = HostileAccess().before(disk / "size", lambda: shutil.rmtree(disk))
    inv = array.scan(fs)
    lun = inv["scsi_5_0_0_2"].scsi
    assert lun is not None and (lun.block, lun.size) == (None, None)
    assert inv.warnings == ()
    check_all(inv)


def test_the_readme_shows_what_the_command_prints(capsys: pytest.CaptureFixture[str]) -> None:
    """The README's LUN example is the command's output on the bundled root."""
    from conftest import FIXTURES, REPO

    from nodedev_xml.cli.main import main

    readme = (REPO / "README.md").read_text()
    section = readme.split("### Which LUNs does this vHBA see", 1)[1]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    commands = block.split("$ nodedev-xml --root fixtures/sysfs/luns ")[1:]
    assert [c.splitlines()[0] for c in commands] == [
        "list --tree", "vhba luns scsi_host4", "dumpxml scsi_4_0_0_1"]  # fmt: skip
    for command in commands:
        line, _, shown = command.partition("\n")
        assert main(["--root", str(FIXTURES / "luns"), *line.split()]) == 0
        assert capsys.readouterr().out == shown
