"""The card's model in ``<adapter>``, wherever each FC driver keeps it: qla2xxx's
``scsi_host/model_name``, lpfc's ``scsi_host/modelname``, bfa's ``scsi_host/model``,
the FC transport's ``fc_host/model`` (qedf, the libfc drivers, zfcp)."""

from __future__ import annotations

from pathlib import Path

from conftest import FIXTURES

import nodedev_xml as nx
from nodedev_xml.testing import SysfsBuilder


def model_of(root: Path, name: str) -> str | None:
    cap = nx.scan(str(root))[name].scsi_host
    assert cap is not None
    return cap.adapter.model if cap.adapter is not None else None


def test_bfa_model_is_read_from_its_scsi_host_attribute(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1657, device=0x0022,
                              parent="0000:00:01.0", driver="bfa")  # fmt: skip
    hba = b.add_fc_host(port, "bfa", node_name=0x20000005334A1C80, port_name=0x10000005334A1C80)
    b.add_vport(hba, node_name=0x5001A4A2C8E7F301, port_name=0x5001A4A9D0B6E302)
    sh = tmp_path / "sys" / hba.rel / "scsi_host" / hba.name
    assert (sh / "model").read_text() == "QLogic-1860\n"
    assert not (tmp_path / "sys" / hba.rel / "fc_host" / hba.name / "model").exists()
    assert model_of(tmp_path, "scsi_host0") == "QLogic-1860"
    assert model_of(tmp_path, "scsi_host1") == "QLogic-1860"  # the vHBA: its HBA's card
    assert "<model>QLogic-1860</model>" in nx.to_xml(nx.scan(str(tmp_path))["scsi_host0"],
                                                     "enriched")  # fmt: skip


def test_older_bfa_drivers_name_the_card_brocade(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1657, device=0x0013,
                              parent="0000:00:01.0", driver="bfa")  # fmt: skip
    b.add_fc_host(port, "bfa", model="Brocade-825", node_name=0x20000005331E0A01,
                  port_name=0x10000005331E0A01)  # fmt: skip
    b.write_pci_ids()
    cap = nx.scan(str(tmp_path))["scsi_host0"].scsi_host
    assert cap is not None and cap.adapter is not None
    assert cap.adapter.model == "Brocade-825"
    assert cap.adapter.product_name == "425/825/42B/82B 4Gbps/8Gbps PCIe dual port FC HBA"
    assert cap.fc_host is not None and cap.fc_host.symbolic_name is not None
    assert cap.fc_host.symbolic_name.startswith("Brocade-825 | ")


def test_bfa_fixture_port_off_the_fabric_keeps_its_model() -> None:
    inv = nx.scan(str(FIXTURES / "bfa"))
    for name in ("scsi_host3", "scsi_host4", "scsi_host5"):
        cap = inv[name].scsi_host
        assert cap is not None and cap.adapter is not None, name
        assert cap.adapter.model == "QLogic-1860"
        assert cap.adapter.vendor_name == "Cavium QLogic"
        assert cap.adapter.product_name == "BR-1860 Fabric Adapter"
    down = inv["scsi_host4"].scsi_host
    assert down is not None and down.fc_host is not None
    assert down.fc_host.port_state == "Linkdown" and down.fc_host.fabric_wwn is None


def test_qedf_model_is_the_transports_fc_host_model(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1077, device=0x8080,
                              parent="0000:00:01.0", driver="qedf")  # fmt: skip
    hba = b.add_fc_host(port, "qedf", node_name=0x2000000E1E000001, port_name=0x2001000E1E000001)
    fc = tmp_path / "sys" / hba.rel / "fc_host" / hba.name
    assert (fc / "manufacturer").read_text() == "Marvell Semiconductor Inc.\n"
    assert model_of(tmp_path, "scsi_host0") == "QL41xxx"


def test_zfcp_adapter_type_is_its_model(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    b.add_zfcp_host(node_name=0x5005076400C7E24D, port_name=0xC05076FFE5005611,
                    fc_host={"model": "0x0003"})  # fmt: skip
    assert model_of(tmp_path, "scsi_host0") == "0x0003"


def test_fcoe_fdmi_model_in_fc_host(tmp_path: Path) -> None:
    # fcoe and bnx2fc (libfc) copy the netdev's FDMI strings into fc_host.
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1077, device=0x8080,
                              parent="0000:00:01.0", driver="qedf")  # fmt: skip
    b.add_fc_host(port, "qedf", node_name=0x2000000E1E000001, port_name=0x2001000E1E000001,
                  fc_host={"model": "BCM57810"})  # fmt: skip
    assert model_of(tmp_path, "scsi_host0") == "BCM57810"


def test_the_drivers_own_attribute_wins_over_the_transports(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1657, device=0x0022,
                              parent="0000:00:01.0", driver="bfa")  # fmt: skip
    b.add_fc_host(port, "bfa", node_name=0x20000005334A1C80, port_name=0x10000005334A1C80,
                  fc_host={"model": "from-fdmi"})  # fmt: skip
    assert model_of(tmp_path, "scsi_host0") == "QLogic-1860"


def test_qla2xxx_model_name_wins_over_a_plain_model(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:01.0", driver="qla2xxx")  # fmt: skip
    b.add_fc_host(port, "qla2xxx", node_name=0x2000001B32A9DA4E, port_name=0x2100001B32A9DA4E,
                  scsi_host={"model": "generic"})  # fmt: skip
    assert model_of(tmp_path, "scsi_host0") == "QLE2562"


def test_empty_bfa_model_falls_back_to_the_transport(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path)
    port = b.add_pci_function("0000:05:00.0", vendor=0x1657, device=0x0022,
                              parent="0000:00:01.0", driver="bfa")  # fmt: skip
    b.add_fc_host(port, "bfa", node_name=0x20000005334A1C80, port_name=0x10000005334A1C80,
                  scsi_host={"model": ""}, fc_host={"model": "QLogic-1860"})  # fmt: skip
    assert model_of(tmp_path, "scsi_host0") == "QLogic-1860"
