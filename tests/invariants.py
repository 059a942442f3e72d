"""Facts every inventory must satisfy, whatever the host: used by the fixture
tests and by the property tests over generated hosts."""

from __future__ import annotations

from collections import Counter

from nodedev_xml import Inventory
from nodedev_xml.vocabulary import COMPUTER


def check_inventory(inv: Inventory) -> None:
    listed: Counter[str] = Counter()
    for dev in inv.values():
        parent = dev.parent_name
        assert parent is not None, f"{dev.name} has no parent"
        left_out = {w.device for w in inv.warnings}
        assert parent in (COMPUTER, *inv, *left_out), f"{dev.name}: parent {parent} not scanned"
        lun = dev.scsi
        if lun is not None:  # under the target of its address, or under its host
            assert dev.name == f"scsi_{lun.host}_{lun.bus}_{lun.target}_{lun.lun}", dev.name
            assert parent in (f"scsi_target{lun.host}_{lun.bus}_{lun.target}",
                              f"scsi_host{lun.host}"), f"{dev.name}: parent {parent}"  # fmt: skip
        cap = dev.scsi_host
        if cap is None:
            continue
        if cap.vports is not None:
            assert cap.phys_hba is None, f"{dev.name} is both an HBA with vports and a vHBA"
            for v in cap.vports.vports:
                if v.name is None:
                    continue
                listed[v.name] += 1
                vhba = inv[v.name].scsi_host
                assert vhba is not None and vhba.phys_hba is not None, f"{v.name} is no vHBA"
                assert vhba.phys_hba.name == dev.name, f"{v.name} names another HBA"
                if vhba.fc_host is not None and v.wwpn is not None:
                    assert vhba.fc_host.wwpn == v.wwpn
        if cap.phys_hba is not None:
            assert dev.parent_name == cap.phys_hba.name, f"{dev.name}: parent is not its HBA"
            hba = inv[cap.phys_hba.name].scsi_host
            assert hba is not None and hba.vports is not None, f"{dev.name}: HBA lists no vports"
            names = [v.name for v in hba.vports.vports]
            assert names.count(dev.name) == 1, f"{dev.name} listed {names.count(dev.name)} times"
            assert cap.vport_ops is None and cap.vports is None
    assert all(n == 1 for n in listed.values()), f"vHBAs listed twice: {listed}"
