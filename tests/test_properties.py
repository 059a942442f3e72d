"""Property tests over generated hosts: any number of cards, ports and vports,
any link state, attributes missing at random.  Whatever the host, the scan
never raises, every document validates in both profiles, and each HBA's vport
list agrees with its vHBAs' phys_hba."""

from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass

from conftest import LIBVIRT_NODEDEV_RNG
from hypothesis import given
from hypothesis import strategies as st
from invariants import check_inventory
from lxml import etree

import nodedev_xml as nx
from nodedev_xml.testing import PCIeLink, SysfsBuilder
from nodedev_xml.testing.specs import PCIE_SPEEDS

VPORT_STATES = ("Active", "Initializing", "Linkdown", "Fabric Rejected WWN", "No Fabric Support")
PORT_STATES = ("Online", "Linkdown", "Offline", "Blocked")
# Attributes a driver may lack, or that may be unreadable: removing one must
# only remove what depends on it.
OPTIONAL_FC = ("fabric_name", "port_id", "port_type", "speed", "symbolic_name", "port_state",
               "node_name", "max_npiv_vports")  # fmt: skip
wwns = st.integers(min_value=1, max_value=(1 << 64) - 2)


@dataclass
class VportSpec:
    state: str
    with_host: bool
    wwnn: int
    wwpn: int


@dataclass
class PortSpec:
    state: str
    wwnn: int
    wwpn: int
    fabric: int | None
    drop: tuple[str, ...]
    vports: list[VportSpec]
    luns: list[int]  # the peripheral types of the LUNs of one target the port sees


@dataclass
class CardSpec:
    driver: str
    ports: list[PortSpec]
    link: PCIeLink | None  # None: conventional PCI
    numa_node: int
    iommu: bool  # the card's functions in one IOMMU group


vport_specs = st.builds(VportSpec, st.sampled_from(VPORT_STATES), st.booleans(), wwns, wwns)
port_specs = st.builds(
    PortSpec,
    st.sampled_from(PORT_STATES),
    wwns,
    wwns,
    st.one_of(st.none(), st.sampled_from([0, (1 << 64) - 1]), wwns),
    st.lists(st.sampled_from(OPTIONAL_FC), max_size=2, unique=True).map(tuple),
    st.lists(vport_specs, max_size=4),
    st.lists(st.integers(min_value=0, max_value=31), max_size=3),
)
speeds = st.sampled_from(sorted(PCIE_SPEEDS))
links = st.builds(PCIeLink, speeds, st.integers(0, 32), st.one_of(st.none(), speeds),
                  st.one_of(st.none(), st.integers(0, 32)), st.integers(0, 255))  # fmt: skip
card_specs = st.builds(
    CardSpec,
    st.sampled_from(("qla2xxx", "lpfc", "fnic", "qedf")),
    st.lists(port_specs, min_size=1, max_size=2),
    st.one_of(st.none(), links),
    st.integers(-1, 3),
    st.booleans(),
)


def build(root: str, first_host: int, cards: list[CardSpec], ahci: bool) -> None:
    b = SysfsBuilder(root, first_host=first_host)
    b.add_bridge("0000:00:03.0")
    for i, card in enumerate(cards):
        for fn, port in enumerate(card.ports):
            pci = b.add_pci_function(
                f"0000:{0x10 + i:02x}:00.{fn}",
                vendor=0x1077 if card.driver in ("qla2xxx", "qedf") else 0x10DF,
                device=0x2532,
                parent="0000:00:03.0",
                driver=card.driver,
                pcie=card.link,
                numa_node=card.numa_node,
                iommu_group=i if card.iommu else None,
            )
            hba = b.add_fc_host(
                pci,
                card.driver,
                node_name=port.wwnn,
                port_name=port.wwpn,
                port_state=port.state,
                fabric_name=port.fabric,
                fc_host={attr: None for attr in port.drop},
            )
            if port.luns:
                rport = b.add_rport(hba, node_name=0x2FF70002AC000000 + fn,
                                    port_name=0x21010002AC000000 + fn,
                                    port_id=0x010400)  # fmt: skip
                for lun, peripheral_type in enumerate(port.luns):
                    b.add_lun(rport, lun, type=peripheral_type)
            if not hba.vport_capable:
                continue
            for v in port.vports:
                b.add_vport(hba, node_name=v.wwnn, port_name=v.wwpn, state=v.state,
                            with_host=v.with_host)  # fmt: skip
    if ahci:
        sata = b.add_pci_function("0000:00:1f.2", vendor=0x8086, device=0x8C02, pci_class=0x010601,
                                  driver="ahci")  # fmt: skip
        b.add_ata_disk(b.add_ata_host(sata))
    b.write_pci_ids()


@functools.cache
def libvirt_schema() -> etree.RelaxNG | None:
    if not LIBVIRT_NODEDEV_RNG.exists():
        return None
    return etree.RelaxNG(etree.parse(str(LIBVIRT_NODEDEV_RNG)))


@given(
    cards=st.lists(card_specs, max_size=3),
    first_host=st.integers(min_value=0, max_value=40),
    ahci=st.booleans(),
)
def test_any_host_scans_into_valid_agreeing_documents(
    cards: list[CardSpec], first_host: int, ahci: bool
) -> None:
    with tempfile.TemporaryDirectory() as root:
        build(root, first_host, cards, ahci)
        inv = nx.scan(root)
    check_inventory(inv)
    schema = libvirt_schema()
    for dev in inv.values():
        enriched = nx.to_xml(dev, "enriched")
        nx.validate(enriched, profile="enriched")
        plain = nx.to_xml(dev, "libvirt")
        nx.validate(plain, profile="libvirt")
        if schema is not None:
            assert schema.validate(etree.fromstring(plain)), schema.error_log.last_error
        assert nx.from_xml(enriched) == dev
    # Each card's functions carry the link, NUMA node and IOMMU group it was given.
    for i, card in enumerate(cards):
        for fn in range(len(card.ports)):
            pci = inv[f"pci_0000_{0x10 + i:02x}_00_{fn}"].pci
            assert pci is not None
            assert pci.numa_node == (card.numa_node if card.numa_node >= 0 else None)
            assert (pci.iommu_group is not None) == card.iommu
            if card.link is None or pci.pci_express is None:
                assert card.link is None and pci.pci_express is None
                continue
            cap, sta = pci.pci_express.links
            assert (cap.speed, cap.width, cap.port) == (
                card.link.max_speed.removesuffix(".0"), card.link.max_width, card.link.port
            )
            assert (sta.speed, sta.width) == (
                card.link.current_speed.removesuffix(".0"), card.link.current_width
            )
    # Every vport-capable physical port lists exactly the vports it was given.
    given_vports = sum(len(p.vports) for c in cards if c.driver != "fnic" for p in c.ports)
    listed = sum(
        len(cap.vports.vports)
        for d in inv.values()
        if (cap := d.scsi_host) is not None and cap.vports is not None
    )
    assert listed == given_vports
    given_luns = sum(len(p.luns) for c in cards for p in c.ports) + ahci
    assert sum(d.scsi is not None for d in inv.values()) == given_luns
