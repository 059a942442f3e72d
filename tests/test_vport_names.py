"""A vport the kernel lists nowhere but under its vHBA still gets its WWNs: from the
vHBA's fc_host, never over the names its fc_vports entry gives."""

from __future__ import annotations

import shutil
from pathlib import Path

from invariants import check_inventory

import nodedev_xml as nx
from nodedev_xml.model import Vport
from nodedev_xml.testing import SysfsBuilder

VPORT_NODE, VPORT_PORT = "2001001b32a9da4e", "2101001b32a9da4e"


def qla_host(root: Path) -> tuple[Path, int]:
    """host5 with one vport, vport-5:0-0, whose vHBA is host6; returns the HBA's directory
    and the vHBA's number."""
    b = SysfsBuilder(root, first_host=5)
    card = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")  # fmt: skip
    hba = b.add_fc_host(card, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=0x2100001B32A9DA4E)
    vp = b.add_vport(hba, node_name=int(VPORT_NODE, 16), port_name=int(VPORT_PORT, 16))
    assert vp.host is not None
    return root / "sys" / hba.rel, vp.host.number


def hba_vports(root: Path, *, consistent: bool = True) -> tuple[Vport, ...]:
    inv = nx.scan(str(root))
    if consistent:
        check_inventory(inv)
    cap = inv["scsi_host5"].scsi_host
    assert cap is not None and cap.vports is not None
    for dev in inv.values():
        nx.validate(nx.to_xml(dev, "enriched"))
    return cap.vports.vports


def names(entry: Vport) -> tuple[str | None, str | None, str | None]:
    wwnn, wwpn = entry.wwnn, entry.wwpn
    return entry.name, str(wwnn) if wwnn else None, str(wwpn) if wwpn else None


def test_no_fc_vports_class_link_names_come_from_the_vhba(tmp_path: Path) -> None:
    _, vhba = qla_host(tmp_path)
    (tmp_path / "sys/class/fc_vports/vport-5:0-0").unlink()
    [entry] = hba_vports(tmp_path)
    assert names(entry) == (f"scsi_host{vhba}", VPORT_NODE, VPORT_PORT)
    assert entry.state is None  # only fc_vports says it; nothing made up
    xml = nx.to_xml(nx.scan(str(tmp_path))["scsi_host5"], "enriched")
    assert f'wwnn="{VPORT_NODE}" wwpn="{VPORT_PORT}"' in xml


def test_old_layout_host_straight_under_its_hba_gets_names(tmp_path: Path) -> None:
    hba_dir, vhba = qla_host(tmp_path)
    vdir = hba_dir / "vport-5:0-0"
    moved = hba_dir / f"host{vhba}"
    shutil.move(str(vdir / f"host{vhba}"), moved)
    shutil.rmtree(vdir)
    (tmp_path / "sys/class/fc_vports/vport-5:0-0").unlink()
    for cls in ("scsi_host", "fc_host"):
        link = tmp_path / f"sys/class/{cls}/host{vhba}"
        link.unlink()
        link.symlink_to(Path("../../devices") / moved.relative_to(tmp_path / "sys/devices")
                        / cls / f"host{vhba}")  # fmt: skip
    [entry] = hba_vports(tmp_path)
    assert names(entry) == (f"scsi_host{vhba}", VPORT_NODE, VPORT_PORT)


def test_vhba_without_both_names_leaves_the_entry_without_names(tmp_path: Path) -> None:
    hba_dir, vhba = qla_host(tmp_path)
    (tmp_path / "sys/class/fc_vports/vport-5:0-0").unlink()
    (hba_dir / f"vport-5:0-0/host{vhba}/fc_host/host{vhba}/port_name").unlink()
    [entry] = hba_vports(tmp_path)
    assert names(entry) == (f"scsi_host{vhba}", None, None)


def test_names_in_fc_vports_win_over_the_vhba(tmp_path: Path) -> None:
    # The vHBA's fc_host says otherwise (a driver that renamed the port): the vport's
    # own entry is what the HBA lists.
    hba_dir, vhba = qla_host(tmp_path)
    fc = hba_dir / f"vport-5:0-0/host{vhba}/fc_host/host{vhba}"
    (fc / "node_name").write_text("0x2009001b32a9da4e\n")
    (fc / "port_name").write_text("0x2109001b32a9da4e\n")
    [entry] = hba_vports(tmp_path, consistent=False)
    assert names(entry) == (f"scsi_host{vhba}", VPORT_NODE, VPORT_PORT)
    assert entry.state == "Active"
