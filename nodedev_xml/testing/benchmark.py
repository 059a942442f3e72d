"""The benchmark host: thousands of vHBAs on a handful of cards, for ``bench/run.py``."""

from __future__ import annotations

import os

from .builder import SysfsBuilder
from .presets import DRIVERS
from .specs import PCIeLink

__all__ = ["build_benchmark_host"]

# WWN bases of physical ports in the benchmark host: (node name, port name).
_BENCH_WWNS = {
    "qla2xxx": (0x2000001B32000000, 0x2100001B32000000),
    "lpfc": (0x20000000C9000000, 0x10000000C9000000),
    "qedf": (0x2000000E1E000000, 0x2001000E1E000000),
}


def _libvirt_wwn(kind: int, port: int, vport: int) -> int:
    """An NAA type 5 name with the QEMU OUI ``001a4a``, as libvirt generates them."""
    return (0x5 << 60) | (0x001A4A << 36) | (kind << 32) | (port << 16) | vport


def build_benchmark_host(
    root: str | os.PathLike[str],
    cards: int = 8,
    ports_per_card: int = 2,
    vports_per_port: int = 255,
    driver: str = "qla2xxx",
) -> SysfsBuilder:
    """Write the benchmark host: ``cards`` PCI Express cards (function ``0000:BB:00.P``
    behind root port ``0000:00:SS.0``, card and port each in an IOMMU group) of
    ``ports_per_card`` Online ports each, every port with
    ``vports_per_port`` Active vHBAs, and a ``pci.ids``.  The defaults give 16 HBAs and
    4,080 vHBAs: 4,096 Scsi_Hosts.  Physical ports take hosts 0.., the vHBAs follow,
    port after port.  All WWNs are distinct: the driver's OUI for ports, libvirt-style
    ``5001a4a...`` names for vports.  Returns the builder.

    It writes about 60 files, directories and links per vHBA (some 250,000 for the
    defaults): a few seconds on tmpfs, more on a slow disk."""
    preset = DRIVERS[driver]
    if driver not in _BENCH_WWNS or not preset.vport_capable:
        raise ValueError(f"driver {driver!r} is not a vport-capable preset")
    if not 0 < ports_per_card <= 8 or not 0 < cards <= 30:
        raise ValueError("1-30 cards of 1-8 ports")
    if vports_per_port > 0xFFFF:
        raise ValueError("at most 65535 vports per port")
    builder = SysfsBuilder(root)
    vendor, device, sub_vendor, sub_device = preset.pci
    node_base, port_base = _BENCH_WWNS[driver]
    hosts = []
    for card in range(cards):
        bridge = builder.add_bridge(f"0000:00:{card + 2:02x}.0", iommu_group=2 * card)
        for function in range(ports_per_card):
            index = card * ports_per_card + function
            fn = builder.add_pci_function(
                f"0000:{card + 0x10:02x}:00.{function}",
                vendor=vendor,
                device=device,
                subsystem=(sub_vendor, sub_device),
                driver=driver,
                parent=bridge,
                numa_node=card % 2,
                pcie=PCIeLink("8.0", 8),
                iommu_group=2 * card + 1,
            )
            serial = 0xA90000 + index
            hosts.append(
                builder.add_fc_host(
                    fn,
                    driver,
                    node_name=node_base | serial,
                    port_name=port_base | serial,
                    port_id=(0x010000 + (index << 8)) & 0xFFFF00,
                    max_npiv_vports=max(preset.max_npiv_vports, vports_per_port),
                )
            )
    for index, hba in enumerate(hosts):
        for number in range(vports_per_port):
            builder.add_vport(
                hba,
                node_name=_libvirt_wwn(2, index, number),
                port_name=_libvirt_wwn(1, index, number),
            )
    builder.write_pci_ids()
    return builder
