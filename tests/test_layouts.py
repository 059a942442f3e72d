"""sysfs layouts other than today's: the scan must not depend on the one the
fixture builder writes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from invariants import check_inventory

import nodedev_xml as nx
from nodedev_xml.testing import SysfsBuilder


def qla_host(root: Path) -> tuple[str, str]:
    b = SysfsBuilder(root, first_host=5)
    card = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")  # fmt: skip
    hba = b.add_fc_host(card, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=0x2100001B32A9DA4E)
    vp = b.add_vport(hba, node_name=0x2001001B32A9DA4E, port_name=0x2101001B32A9DA4E)
    assert vp.host is not None
    return str(root / "sys" / hba.rel), f"scsi_{vp.host.name}"


def relink(link: Path, target: Path) -> None:
    link.unlink()
    link.symlink_to(os.path.relpath(target, link.parent))


def test_fc_vports_entry_naming_the_vport_device_itself(tmp_path: Path) -> None:
    hba_dir, vhba = qla_host(tmp_path)
    vdir = Path(hba_dir) / "vport-5:0-0"
    classdev = vdir / "fc_vports" / "vport-5:0-0"
    for f in classdev.iterdir():
        shutil.move(str(f), vdir / f.name)
    shutil.rmtree(vdir / "fc_vports")
    relink(tmp_path / "sys/class/fc_vports/vport-5:0-0", vdir)
    inv = nx.scan(str(tmp_path))
    assert inv.warnings == ()
    check_inventory(inv)
    hba = inv["scsi_host5"].scsi_host
    assert hba is not None and hba.vports is not None
    [entry] = hba.vports.vports
    assert (entry.name, str(entry.wwpn), entry.state) == (vhba, "2101001b32a9da4e", "Active")


def test_old_kernels_put_the_vhba_host_straight_under_its_hba(tmp_path: Path) -> None:
    hba_dir, vhba = qla_host(tmp_path)
    number = vhba.removeprefix("scsi_host")
    vdir = Path(hba_dir) / "vport-5:0-0"
    moved = Path(hba_dir) / f"host{number}"
    shutil.move(str(vdir / f"host{number}"), moved)
    shutil.rmtree(vdir)
    (tmp_path / "sys/class/fc_vports/vport-5:0-0").unlink()
    for cls in ("scsi_host", "fc_host"):
        relink(tmp_path / f"sys/class/{cls}/host{number}", moved / cls / f"host{number}")
    inv = nx.scan(str(tmp_path))
    check_inventory(inv)
    assert inv[vhba].parent_name == "scsi_host5"
    cap = inv[vhba].scsi_host
    assert cap is not None and cap.phys_hba is not None and cap.phys_hba.name == "scsi_host5"
    hba = inv["scsi_host5"].scsi_host
    assert hba is not None and hba.vports is not None
    assert [v.name for v in hba.vports.vports] == [vhba]
    for dev in inv.values():
        nx.validate(nx.to_xml(dev, "enriched"))


def test_absolute_class_links_are_taken_inside_the_root(tmp_path: Path) -> None:
    """A fake root made with absolute links (ln -s /sys/devices/...) reads as a chroot would."""
    qla_host(tmp_path)
    before = nx.scan(str(tmp_path))
    for cls in ("scsi_host", "fc_host", "fc_vports"):
        for link in (tmp_path / "sys" / "class" / cls).iterdir():
            target = (link.parent / os.readlink(link)).resolve()
            link.unlink()
            link.symlink_to("/" + str(target.relative_to(tmp_path)))
    after = nx.scan(str(tmp_path))
    assert after.warnings == ()
    assert dict(after) == dict(before)
