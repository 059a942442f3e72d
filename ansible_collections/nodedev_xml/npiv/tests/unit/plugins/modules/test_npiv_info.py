# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""npiv_info on a fake root: HBAs, vHBAs with their LUNs, definitions; unknown fields absent."""

from __future__ import annotations

from ansible_collections.nodedev_xml.npiv.plugins.modules import npiv_info, vhba
from ansible_collections.nodedev_xml.npiv.tests.unit.san import (
    ARRAY_WWPN,
    HBA_WWNN,
    HBA_WWPN,
    VHBA_WWNN,
    VHBA_WWPN,
)


def test_hbas_vhbas_luns_and_definitions(san, state_dir, run_module):
    where = {"root": str(san.root), "state_dir": str(state_dir)}
    run_module(vhba.main, dict(where, name="web1", wwnn=VHBA_WWNN, wwpn=VHBA_WWPN,
                               parent_wwnn=HBA_WWNN, parent_wwpn=HBA_WWPN, autostart=True))
    run_module(vhba.main, dict(where, name="db1", parent="scsi_host5"))
    code, facts = run_module(npiv_info.main, dict(where, _ansible_check_mode=True))
    assert code == 0 and facts["changed"] is False

    hbas = {h["name"]: h for h in facts["hbas"]}
    assert sorted(hbas) == ["scsi_host5", "scsi_host8"]
    online = hbas["scsi_host8"]
    assert (online["wwnn"], online["wwpn"], online["port_state"]) == (HBA_WWNN, HBA_WWPN,
                                                                      "Online")
    assert online["vport_capable"] is True and online["vhbas"] == ["scsi_host10"]
    assert online["vports_in_use"] == 1 and online["max_vports"] > 1
    assert online["vports"] == [{"name": "scsi_host10", "wwnn": VHBA_WWNN, "wwpn": VHBA_WWPN,
                                 "state": "Active"}]
    assert online["parent"] == "pci_0000_06_00_0" and "fabric_wwn" in online
    # off the fabric: no fabric name, none invented
    assert hbas["scsi_host5"]["port_state"] == "Linkdown"
    assert "fabric_wwn" not in hbas["scsi_host5"] and hbas["scsi_host5"]["vhbas"] == []

    (vhba_facts,) = facts["vhbas"]
    assert vhba_facts["name"] == "scsi_host10" and vhba_facts["parent"] == "scsi_host8"
    assert (vhba_facts["wwnn"], vhba_facts["wwpn"]) == (VHBA_WWNN, VHBA_WWPN)
    assert vhba_facts["vport_state"] == "Active"
    (lun,) = vhba_facts["luns"]
    assert lun["name"] == "scsi_10_0_0_0" and lun["hctl"] == "10:0:0:0"
    assert lun["remote_wwpn"] == ARRAY_WWPN and lun["type"] == "disk"
    assert lun["block"] == "/dev/sdc" and lun["vendor"] == "3PARdata"
    assert all(value not in ("", None) for value in lun.values())

    definitions = {d["name"]: d for d in facts["definitions"]}
    assert definitions["web1"] == {
        "name": "web1", "autostart": True, "wwnn": VHBA_WWNN, "wwpn": VHBA_WWPN,
        "state": "running", "device": "scsi_host10", "parent_device": "scsi_host8",
        "parent": {"wwnn": HBA_WWNN, "wwpn": HBA_WWPN}}
    assert definitions["db1"]["state"] == "stopped"
    assert definitions["db1"]["parent"] == {"name": "scsi_host5"}
    assert "device" not in definitions["db1"]


def test_a_root_without_sysfs_fails_in_one_line(tmp_path, run_module):
    code, result = run_module(npiv_info.main, {"root": str(tmp_path / "nothing")})
    assert code == 1 and result["failed"] is True
    assert result["error"] == "SysfsError" and "\n" not in result["msg"]
