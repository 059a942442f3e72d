"""Block devices of every drive type libvirt lists (``storage``): which are devices,
what each holds, and their XML both ways.

What libvirt 9.0 itself prints for the same trees is the oracle's to judge
(``test_libvirt_oracle.py`` runs libvirtd on ``fixtures/sysfs/removable`` and on
``drive_trees.odd_drives``); these tests pin the cases down where libvirtd cannot
run, and say what each case is.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import FIXTURES
from drive_trees import ODD_DRIVES, odd_drives
from lxml import etree
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.cli.main import main
from nodedev_xml.model import RawCapability, Removable, Storage
from nodedev_xml.sysfs import values
from nodedev_xml.sysfs.builders.storage import drive_type


@pytest.fixture(scope="module")
def odd_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("drives") / "odd"
    odd_drives(root)
    return root


@pytest.fixture(scope="module")
def odd(odd_root: Path) -> nx.Inventory:
    return nx.scan(str(odd_root))


def _storage(inv: nx.Inventory, name: str) -> Storage:
    cap = inv[name].capabilities[0]
    assert isinstance(cap, Storage)
    return cap


@pytest.mark.parametrize(("props", "node", "expected"), [
    ({"ID_TYPE": "cd"}, "/dev/sr0", "cdrom"),
    ({"ID_TYPE": "cd/dvd"}, "/dev/sr0", "cdrom"),
    ({"ID_TYPE": "disk", "ID_DRIVE_FLASH_SD": "1"}, "/dev/sdb", "disk"),
    ({"ID_TYPE": "generic", "ID_DRIVE_FLASH_SD": "0"}, "/dev/sdb", "sd"),
    ({"ID_CDROM": "0", "ID_DRIVE_FLASH_SD": "1"}, "/dev/sdb", "cdrom"),
    ({"ID_DRIVE_FLOPPY": "1", "ID_CDROM": "1"}, "/dev/sdb", "floppy"),
    ({"ID_TYPE": "floppy"}, "/dev/sdb", "floppy"),
    ({"ID_TYPE": "dasd"}, "/dev/sdb", "dasd"),
    ({}, "/dev/vdb", "disk"),
    ({}, "/dev/nvme0n1", "disk"),
    ({}, "/dev/dasda", "dasd"),
    ({"ID_TYPE": "generic"}, "/dev/nvme0n1", "disk"),
    ({}, "/dev/sdb", None),
    ({"ID_TYPE": "generic"}, "/dev/sr0", None),
    ({"ID_TYPE": "optical"}, "/dev/sr0", None),
    ({"ID_TYPE": "CD"}, "/dev/sr0", None),
    ({"ID_TYPE": "cdrom"}, "/dev/sr0", None),  # HAL's word is libvirt's, not udev's
    ({"ID_TYPE": "tape"}, "/dev/vdb", None),  # a type given is not guessed over
])  # fmt: skip
def test_drive_types_are_libvirts(props: dict[str, str], node: str, expected: str | None) -> None:
    assert drive_type(props, node) == expected


@pytest.mark.parametrize(("text", "value"), [
    ("1", 1), ("0", 0), ("01", 1), ("010", 8), ("0x2", 2), ("0X1f", 31), (" 1", 1),
    ("\t+7", 7), ("-1", -1), ("2147483647", 2**31 - 1), ("-2147483648", -(2**31)),
])  # fmt: skip
def test_c_int_reads_as_strtol_base_0(text: str, value: int) -> None:
    assert values.c_int(text) == value


@pytest.mark.parametrize("text", ["", " ", "1 ", "08", "0x", "yes", "1.0", "2147483648",
                                  "1_0", "--1", "0b1", "\u0661"])  # fmt: skip
def test_c_int_refuses_what_strtol_does_not_read_whole(text: str) -> None:
    with pytest.raises(ValueError):
        values.c_int(text)


def test_c_ull_wraps_as_c_does() -> None:
    assert values.c_ull("0x10") == 16
    assert values.c_ull(" 800") == 800
    assert values.c_ull("-1") == 2**64 - 1
    assert values.c_ull("18446744073709551615") == 2**64 - 1
    for bad in ("18446744073709551616", "800 ", ""):
        with pytest.raises(ValueError):
            values.c_ull(bad)


#: The drives of ODD_DRIVES libvirt lists (by kernel name); the others it leaves out.
LISTED = {"sr0", "sr1", "sr2", "sr3", "sr5", "sr6", "sr9", "sr13", "sr14", "sr15", "sr16",
          "sr17", "sr20", "sr21", "sr22", "sr23", "sr26", "fd0", "fd1", "sdd", "sde", "sdf",
          "sdg", "sdh", "vdb", "nvme0n1", "dasda", "dasdb"}  # fmt: skip


def test_the_drives_listed_are_libvirts(odd: nx.Inventory) -> None:
    kernel = {n.split("_")[1]: n for n in odd if n.startswith("block_")}
    assert set(kernel) == LISTED
    assert set(ODD_DRIVES) - LISTED == {"sr4", "sr7", "sr8", "sr10", "sr11", "sr12", "sr18",
                                        "sr19", "sr24", "sr25", "sdi"}  # fmt: skip
    assert "block_sdf1" not in odd  # a partition is no drive
    assert kernel["sr0"] == "block_sr0_AMI_Virtual_CDROM0_0_0"
    assert kernel["nvme0n1"] == "block_nvme0n1_Samsung_SSD_980_PRO_1TB_S5GXNX0R123456"
    assert kernel["dasda"] == "block_dasda_IBM_7500000092461_e900_8a"  # its uid, not ID_SERIAL
    assert kernel["dasdb"] == "block_dasdb"
    # Numbers libvirt cannot read leave the device out, each with one warning.
    assert sorted((w.device, w.attribute) for w in odd.warnings) == [
        ("block_sr18", "removable"), ("block_sr19", "removable"), ("block_sr24", "size"),
        ("block_sr25", "queue/logical_block_size"), ("block_sr4", "udev ID_CDROM_MEDIA"),
        ("block_sr7", "udev ID_CDROM_MEDIA"), ("block_sr8", "udev ID_CDROM_MEDIA")]  # fmt: skip


def test_what_each_drive_holds(odd: nx.Inventory) -> None:
    sr0 = _storage(odd, "block_sr0_AMI_Virtual_CDROM0_0_0")
    assert (sr0.drive_type, sr0.bus, sr0.vendor, sr0.model) == ("cdrom", "usb", "AMI",
                                                                  "Virtual CDROM0")  # fmt: skip
    # libvirt's size of a medium: 512-byte sectors times the 2048-byte blocks
    assert sr0.removable == Removable(True, 1234 * 2048, "A&B<c>", 2048, 1234)
    assert _storage(odd, "block_sr1").removable == Removable()  # no medium: nothing more
    assert _storage(odd, "block_sr3").removable == Removable(True, 800 * 2048, None, 2048, 800)
    assert _storage(odd, "block_sr5").removable == Removable()  # an empty property is none
    # not removable to the kernel: size 0 and the medium's geometry, no capability
    sr14 = _storage(odd, "block_sr14")
    assert (sr14.removable, sr14.size, sr14.logical_block_size, sr14.num_blocks) == (
        None, 0, 2048, 800)  # fmt: skip
    assert _storage(odd, "block_sr16").removable == Removable()  # "01": 1
    assert _storage(odd, "block_sr17").removable is None  # "2" is not 1
    assert _storage(odd, "block_sr20").removable == Removable(True, 0, "BLANK", 2048, 0)
    assert _storage(odd, "block_sr21").removable == Removable(True, 0, None, 2048, 0)
    assert _storage(odd, "block_sr23").removable == Removable(True, 16 * 2048, None, 2048, 16)
    sr26 = _storage(odd, "block_sr26")
    assert (sr26.vendor, sr26.model) == ("", " \t X Y")
    assert _storage(odd, "block_fd0").removable == Removable(True, 2880 * 512, "FLOPPY", 512, 2880)
    assert _storage(odd, "block_fd1").removable == Removable()
    sde = _storage(odd, "block_sde_Generic_SD_MMC_123_0_0")
    assert (sde.drive_type, sde.size, sde.logical_block_size, sde.num_blocks) == ("sd", 0, 512, 0)
    assert _storage(odd, "block_sdh").drive_type == "disk"
    dasda = _storage(odd, "block_dasda_IBM_7500000092461_e900_8a")
    assert (dasda.drive_type, dasda.serial, dasda.size) == (
        "dasd", "IBM.7500000092461.e900.8a", 800 * 4096)  # fmt: skip


def test_an_empty_drive_shows_its_zero_blocks(odd: nx.Inventory) -> None:
    """libvirt prints an empty drive's block size without its 0 blocks, which its own
    schema refuses; the document here has both (the README's correction) and is
    valid in both profiles; libvirt's own document reads as the 0 blocks it means."""
    for name in ("block_sde_Generic_SD_MMC_123_0_0", "block_sr21"):
        doc = nx.to_xml(odd[name], "libvirt")
        geometry = etree.fromstring(doc.encode()).find(".//logical_block_size")
        assert geometry is not None and geometry.getnext() is not None
        assert (geometry.getnext().tag, geometry.getnext().text) == ("num_blocks", "0")
        nx.validate(doc, profile="libvirt")
        nx.validate(doc, profile="enriched")
        libvirts = doc.replace("<num_blocks>0</num_blocks>", "")
        assert nx.from_xml(libvirts) == odd[name]
    # libvirt's spelling of what the model does not hold is kept as it is
    odd_one = nx.to_xml(odd["block_sr21"], "libvirt").replace("<num_blocks>0</num_blocks>",
                                                              "<num_blocks>0x0</num_blocks>")
    kept = nx.from_xml(odd_one)
    assert isinstance(kept.capabilities[0], RawCapability)
    assert canonical(nx.to_xml(kept, "libvirt")) == canonical(odd_one)


def test_documents_read_back_as_they_were(odd: nx.Inventory) -> None:
    for dev in odd.values():
        for profile in ("libvirt", "enriched"):
            assert nx.from_xml(nx.to_xml(dev, profile)) == dev, dev.name


def test_names_only_listing_is_the_scan_s(
    odd_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``list --cap storage`` reads only what decides which drives are devices, and
    finds the ones the scan finds; ``list --tree`` hangs them where the scan does."""
    for root in (FIXTURES / "removable", odd_root):
        inv = nx.scan(str(root))
        assert main(["-q", "--root", str(root), "list", "--cap", "storage"]) == 0
        listed = capsys.readouterr().out.split()
        assert sorted(listed) == sorted(n for n in inv if n.startswith("block_"))
        assert main(["-q", "--root", str(root), "list", "--json"]) == 0
        entries = json.loads(capsys.readouterr().out)
        assert {e["name"]: e["parent"] for e in entries if e["name"].startswith("block_")} == {
            n: d.parent_name for n, d in inv.items() if n.startswith("block_")}  # fmt: skip


def test_a_cd_rom_lun_names_its_drive_in_the_enriched_profile() -> None:
    """A LUN of type 5 (CD-ROM) holds its drive's node and size in the enriched
    profile, as a disk's LUN does; the drive itself is a device below it."""
    inv = nx.scan(str(FIXTURES / "removable"))
    lun = inv["scsi_0_0_0_0"].scsi
    assert lun is not None and (lun.type, lun.block, lun.size) == ("cdrom", "/dev/sr0",
                                                                    1292288 * 512)  # fmt: skip
    assert inv["block_sr0_AMI_Virtual_CDROM0_AAAABBBBCCCC1_0_0"].parent_name == "scsi_0_0_0_0"
    assert inv["block_mmcblk0_SD32G_0x1a2b3c4d"].parent_name == "pci_0000_00_14_5"
    assert inv["block_fd0"].parent_name == "computer"
