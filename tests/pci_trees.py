"""PCI trees for the tests: PCI numbered and laid out as real machines do it."""

from __future__ import annotations

from pathlib import Path

from nodedev_xml.testing import (
    PCIE_RC_INTEGRATED_ENDPOINT,
    DeviceDir,
    PCIeLink,
    SysfsBuilder,
)


def pci_odd_numbering(root: Path) -> None:
    """PCI as real machines number it, away from 0000:0x: domain 0001 with buses and
    slots in hex letters, an SR-IOV PF whose VFs start at an odd function and spill
    onto the next bus, a function
    with no driver, an IOMMU group of three, a conventional PCI bridge with a PCI card
    behind it, a root-complex integrated endpoint (PCI Express, no link), a CardBus
    bridge, NUMA node 1, a link trained down; and domain ffff."""
    b = SysfsBuilder(root, first_host=0)
    port = b.add_bridge("0001:00:1c.4", device=0x2F04, iommu_group=1000, numa_node=1,
                        pcie=PCIeLink("16.0", 16, port=4))  # fmt: skip
    link = PCIeLink("8.0", 8, speed="5.0", width=4)
    pf = b.add_pci_function("0001:3b:00.0", vendor=0x10DF, device=0xE200, driver="lpfc",
                            parent=port, numa_node=1, sriov_totalvfs=8, pcie=link,
                            iommu_group=7)  # fmt: skip
    b.add_pci_function("0001:3b:00.1", vendor=0x10DF, device=0xE200, parent=port,
                       numa_node=1, sriov_totalvfs=8, pcie=link, iommu_group=7)  # fmt: skip
    b.add_pci_function("0001:3b:00.2", vendor=0x10DF, device=0xE200, driver="lpfc",
                       parent=port, numa_node=1, pcie=link, iommu_group=7)  # fmt: skip
    # The last VF spills onto the next bus, which has no bridge of its own (as SR-IOV
    # numbers many VFs): its directory is beside the PF's all the same.
    for n, address in enumerate(("0001:3b:0a.3", "0001:3b:0a.4", "0001:3b:0b.0", "0001:3c:00.0")):
        vf = b.add_pci_function(address, vendor=0x10DF, device=0xE208, driver="lpfc",
                                physfn=pf, numa_node=1, pcie=link, iommu_group=8 + n)  # fmt: skip
        if n == 1:
            b.add_fc_host(vf, "lpfc", node_name=0x20000090FA000001, port_name=0x10000090FA000001)
    b.add_fc_host(pf, "lpfc", node_name=0x20000090FA000000, port_name=0x10000090FA000000)
    legacy = b.add_bridge("0001:00:1e.0", device=0x244E, pcie=None)
    b.add_pci_function("0001:05:02.0", vendor=0x1077, device=0x2312, driver="qla2xxx",
                       parent=legacy, numa_node=1)  # fmt: skip
    b.add_pci_function("0001:00:1f.3", vendor=0x8086, device=0x8C22, pci_class=0x0C0500,
                       pcie=PCIeLink(), port_type=PCIE_RC_INTEGRATED_ENDPOINT)  # fmt: skip
    b.add_pci_function("0001:00:1f.5", vendor=0x1180, device=0x0476, pci_class=0x060700,
                       driver="yenta_cardbus")  # fmt: skip
    b.add_pci_function("ffff:00:00.0", vendor=0x8086, device=0x10C9, pci_class=0x020000,
                       pcie=PCIeLink("2.5", 1), numa_node=0, iommu_group=0)  # fmt: skip
    b.write_pci_ids()


def fcoe_over_net(root: Path) -> None:
    """FCoE as bnx2fc and the software initiator lay it out: the SCSI host hangs below
    the interface's FCoE controller, ``<nic>/net/eth2/ctlr_0/host5``, and below a
    VLAN's virtual interface, ``devices/virtual/net/eth2.100/ctlr_1/host6``; a LUN
    behind the first.  libvirt lists the interfaces (``net_eth2_<mac>``) as the hosts'
    parents."""
    b = SysfsBuilder(root, first_host=5)
    nic = b.add_pci_function("0000:05:00.2", vendor=0x14E4, device=0x16A1, pci_class=0x020000,
                             driver="bnx2x", pcie=PCIeLink("8.0", 8),
                             parent="0000:00:03.0")  # fmt: skip
    hosts = []
    for n, (where, iface) in enumerate(((f"{nic.rel}/net", "eth2"),
                                        ("devices/virtual/net", "eth2.100"))):  # fmt: skip
        b.tree.ensure_dir(where)
        net = f"{where}/{iface}"
        files = {"uevent": f"INTERFACE={iface}\nIFINDEX={4 + n}\n", "ifindex": f"{4 + n}\n",
                 "address": "00:10:18:aa:bb:cc\n", "operstate": "up\n", "type": "1\n",
                 "mtu": "1500\n", "speed": "10000\n", "carrier": "1\n"}  # fmt: skip
        b.tree.device(net, {k: v.encode() for k, v in files.items()}, subsystem="class/net")
        b.tree.ensure_dir("class/net")
        b.tree.link(f"class/net/{iface}", net)
        ctlr = f"{net}/ctlr_{n}"
        b.tree.device(ctlr, {"uevent": b""}, subsystem="bus/fcoe")
        b.tree.bus_entry("fcoe", f"ctlr_{n}", ctlr)
        hosts.append(b.add_fc_host(DeviceDir(b.sys / ctlr, ctlr), "qedf",
                                   node_name=0x1000001018AABB00 + n,
                                   port_name=0x2000001018AABB00 + n))  # fmt: skip
    rport = b.add_rport(hosts[0], node_name=0x2FF70002AC000010, port_name=0x20110002AC000010,
                        port_id=0x010700)  # fmt: skip
    b.add_lun(rport, 0)
    b.write_pci_ids()
