"""Block-device trees for the tests: drives of every type libvirt lists, and the odd
values of udev's database and sysfs that decide what it prints of them."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from nodedev_xml.testing import DeviceDir, SysfsBuilder

#: name -> (udev properties, or None for no database entry; attribute files over the
#: builder's; the parent's inquiry strings).  The comments say what libvirt 9.0 does.
Drive = tuple[Mapping[str, str] | None, Mapping[str, str | None], Mapping[str, str]]
_MEDIUM = {"ID_TYPE": "cd", "ID_CDROM": "1", "ID_CDROM_MEDIA": "1"}
ODD_DRIVES: dict[str, Drive] = {
    # CD-ROM drives: the medium's label, size and geometry, or nothing without one
    "sr0": ({**_MEDIUM, "ID_FS_LABEL": "A&B<c>", "ID_SERIAL": "AMI_Virtual CDROM0-0:0",
             "ID_BUS": "usb"}, {"size": "1234"},
            {"vendor": "AMI     ", "model": "Virtual CDROM0  "}),
    "sr1": ({"ID_TYPE": "cd", "ID_CDROM": "1"}, {"size": "0"}, {}),  # no medium
    "sr2": ({"ID_TYPE": "cd/dvd", "ID_CDROM_MEDIA": "1"}, {}, {}),  # cd/dvd: cdrom too
    "sr3": ({"ID_TYPE": "cd", "ID_CDROM_MEDIA": "0x2"}, {}, {}),  # C's int, base 0: media
    "sr4": ({"ID_TYPE": "cd", "ID_CDROM_MEDIA": "yes"}, {}, {}),  # no number: no device
    "sr5": ({"ID_TYPE": "cd", "ID_CDROM_MEDIA": ""}, {}, {}),  # empty: not there
    "sr6": ({"ID_TYPE": "cd", "ID_CDROM_MEDIA": " -1"}, {}, {}),  # not 0: media
    "sr7": ({"ID_TYPE": "cd", "ID_CDROM_MEDIA": "08"}, {}, {}),  # no octal number
    "sr8": ({"ID_TYPE": "cd", "ID_CDROM_MEDIA": "1 "}, {}, {}),  # trailing blank: none
    "sr9": ({"ID_CDROM": "0", "ID_CDROM_MEDIA": "1"}, {}, {}),  # ID_CDROM there: a cd
    "sr10": ({"ID_TYPE": "optical"}, {}, {}),  # no type libvirt knows: no device
    "sr11": ({"ID_TYPE": "CD"}, {}, {}),  # nor in capitals
    "sr12": ({"ID_TYPE": "generic"}, {}, {}),  # generic, nothing else: no device
    "sr13": ({"ID_TYPE": "disk"}, {}, {}),  # a disk, removable or not
    # the kernel's removable flag: 1 (C's int) gives the removable capability
    "sr14": (_MEDIUM, {"removable": "0"}, {}),  # size 0, the medium's geometry
    "sr15": (_MEDIUM, {"removable": None}, {}),  # missing: 0
    "sr16": ({"ID_TYPE": "cd"}, {"removable": "01"}, {}),
    "sr17": (_MEDIUM, {"removable": "2"}, {}),
    "sr18": ({"ID_TYPE": "cd"}, {"removable": "1 "}, {}),  # no number: no device
    "sr19": ({"ID_TYPE": "cd"}, {"removable": ""}, {}),
    # sizes: a blank disc, a size missing, spelt as C reads it, or no number
    "sr20": ({**_MEDIUM, "ID_FS_LABEL": "BLANK"}, {"size": "0"}, {}),
    "sr21": (_MEDIUM, {"size": None}, {}),
    "sr22": (_MEDIUM, {"size": " 800"}, {}),
    "sr23": (_MEDIUM, {"size": "0x10"}, {}),
    "sr24": ({"ID_TYPE": "disk"}, {"size": "800 "}, {}),
    "sr25": (_MEDIUM, {"queue/logical_block_size": "x"}, {}),
    # inquiry strings: trailing blanks trimmed, leading kept, all blanks empty
    "sr26": ({"ID_TYPE": "cd"}, {}, {"vendor": "        ", "model": " \t X Y \t"}),
    # floppies: a medium when udev found a label
    "fd0": ({"ID_DRIVE_FLOPPY": "1", "ID_FS_LABEL": "FLOPPY"}, {"size": "2880"}, {}),
    "fd1": ({"ID_DRIVE_FLOPPY": "1"}, {}, {}),
    "sdd": ({"ID_TYPE": "floppy", "ID_BUS": "usb"}, {}, {}),
    # SD cards: udev's ID_DRIVE_FLASH_SD (whatever its value) without ID_TYPE
    "sde": ({"ID_DRIVE_FLASH_SD": "1", "ID_SERIAL": "Generic-SD_MMC_123-0:0"}, {"size": "0"}, {}),
    "sdf": ({"ID_TYPE": "generic", "ID_DRIVE_FLASH_SD": "0"}, {"size": "62333952"}, {}),
    "sdg": ({"ID_TYPE": "sd"}, {}, {}),
    "sdh": ({"ID_TYPE": "disk", "ID_DRIVE_FLASH_SD": "1"}, {}, {}),  # ID_TYPE first: a disk
    "sdi": (None, {}, {}),  # no database entry: no type, no device
    # libvirt's guesses by the node: virtio and NVMe disks, DASDs (their serial is uid)
    "vdb": (None, {}, {}),
    "nvme0n1": ({"ID_SERIAL": "Samsung SSD 980 PRO 1TB_S5GXNX0R123456"}, {}, {}),
    "dasda": ({"ID_SERIAL": "0X1234"}, {}, {"uid": "IBM.7500000092461.e900.8a"}),
    "dasdb": ({"ID_SERIAL": "0X1235"}, {}, {}),
}


def odd_drives(root: Path) -> None:
    """Each of :data:`ODD_DRIVES` on a platform device of its own (no node device,
    so each hangs from ``computer``), and a partition, which is no drive."""
    b = SysfsBuilder(root)
    b.tree.ensure_dir("devices/platform")
    for n, (name, (udev, files, inquiry)) in enumerate(ODD_DRIVES.items()):
        rel = f"devices/platform/drive.{n}"
        parent = DeviceDir(root / "sys" / rel, rel)
        b.tree.device(parent.rel, {k: f"{v}\n".encode() for k, v in inquiry.items()},
                      subsystem=None)  # fmt: skip
        disk = b.add_block_device(parent, name, sectors=800, udev=udev, files=files)
        if name == "sdf":
            major, minor = (disk.path / "dev").read_text().strip().split(":")
            number = f"{major}:{int(minor) + 1}"
            event = f"MAJOR={major}\nMINOR={int(minor) + 1}\nDEVNAME=sdf1\nDEVTYPE=partition\n"
            b.tree.device(f"{disk.rel}/sdf1", {"uevent": event.encode(),
                                               "dev": f"{number}\n".encode()},
                          subsystem="class/block")  # fmt: skip
            b.tree.link("class/block/sdf1", f"{disk.rel}/sdf1")
            b.write_udev_data(f"b{number}", {"ID_TYPE": "disk", "DEVTYPE": "partition"})
