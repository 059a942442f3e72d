"""A small ``pci.ids``: the real names of the PCI devices the builder writes.

A root with PCI devices carries ``usr/share/misc/pci.ids``, so what a scan
reads from it does not depend on the machine it runs on.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_pci_ids"]

# Real names from the pci.ids database (version 2023.04.10).
_PCI_VENDORS = {
    0x1077: "QLogic Corp.",
    0x10B5: "PLX Technology, Inc.",
    0x10DF: "Emulex Corporation",
    0x10DE: "NVIDIA Corporation",
    0x1137: "Cisco Systems Inc",
    0x1657: "Cavium QLogic",  # nee Brocade Communications Systems, Inc.
    0x8086: "Intel Corporation",
}
_PCI_DEVICES = {
    (0x1077, 0x2031): "ISP8324-based 16Gb Fibre Channel to PCI Express Adapter",
    (0x1077, 0x2532): "ISP2532-based 8Gb Fibre Channel to PCI Express HBA",
    (0x1077, 0x8080): "FastLinQ QL41000 Series 10/25/40/50GbE Controller (FCoE)",
    (0x10B5, 0x8747): "PEX 8747 48-Lane, 5-Port PCI Express Gen 3 (8.0 GT/s) Switch",
    (0x10DF, 0xE200): "LPe15000/LPe16000 Series 8Gb/16Gb Fibre Channel Adapter",
    (0x10DF, 0xE208): "LightPulse 16Gb Fibre Channel Host Adapter (Lancer-VF)",
    (0x10DF, 0xF100): "LPe12000 Series 8Gb Fibre Channel Adapter",
    (0x1137, 0x0045): "VIC FCoE HBA",
    (0x1657, 0x0013): "425/825/42B/82B 4Gbps/8Gbps PCIe dual port FC HBA",
    (0x1657, 0x0022): "BR-1860 Fabric Adapter",
    (0x8086, 0x10C9): "82576 Gigabit Network Connection",
    (0x8086, 0x10CA): "82576 Virtual Function",
    (0x8086, 0x2F02): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 1",
    (0x8086, 0x2F04): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 2",
    (0x8086, 0x2F08): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 3",
    (0x8086, 0xA36D): "Cannon Lake PCH USB 3.1 xHCI Host Controller",
    (0x8086, 0x9DC4): "Cannon Point-LP SD Host Controller",
    (0x8086, 0x3E92): "CoffeeLake-S GT2 [UHD Graphics 630]",
    (0x10DE, 0x13F2): "GM204GL [Tesla M60]",
    (0x8086, 0x8C02): "8 Series/C220 Series Chipset Family 6-port SATA Controller 1 [AHCI mode]",
}
_PCI_SUBSYSTEMS = {
    (0x1077, 0x2031, 0x1077, 0x0241): "QLE2670 16Gb Single Port Fibre Channel Adapter",
    (0x1077, 0x2532, 0x1077, 0x015D): "QLE2562 PCI Express to 8Gb FC Dual Channel",
    (0x1077, 0x8080, 0x1077, 0x000D): "FastLinQ QL41262H 25GbE FCoE Adapter",
    (0x10DF, 0xE200, 0x10DF, 0xE280): "LPe16002B-M6 2-Port 16Gb Fibre Channel Adapter",
    (0x1137, 0x0045, 0x1137, 0x012C): "VIC 1340 MLOM FCoE HBA",
    (0x1657, 0x0013, 0x1657, 0x0014): "425/825 4Gbps/8Gbps PCIe dual port FC HBA",
    (0x1657, 0x0022, 0x1657, 0x0024): "16Gbps FC HBA",
}


def write_pci_ids(
    root: str | os.PathLike[str], devices: Iterable[tuple[int, int]] | None = None
) -> Path:
    """Write ``<root>/usr/share/misc/pci.ids`` in the pci.ids format (vendor lines
    ``vvvv  Name``, device lines ``<TAB>dddd  Name``, subsystem lines
    ``<TAB><TAB>ssss ssss  Name``) holding the real names of the given
    ``(vendor, device)`` pairs and their known subsystems; ``None`` writes every
    device this module knows.  Pairs whose names it does not know are left out.
    Returns the file's path."""
    wanted = set(_PCI_DEVICES) if devices is None else set(devices) & set(_PCI_DEVICES)
    lines = [
        "#",
        "#\tList of PCI ID's (an excerpt, written by nodedev_xml.testing)",
        "#",
        "",
    ]
    for vendor in sorted({v for v, _ in wanted}):
        lines.append(f"{vendor:04x}  {_PCI_VENDORS[vendor]}")
        for v, d in sorted(wanted):
            if v != vendor:
                continue
            lines.append(f"\t{d:04x}  {_PCI_DEVICES[v, d]}")
            for (sv, sd, ssv, ssd), name in sorted(_PCI_SUBSYSTEMS.items()):
                if (sv, sd) == (v, d):
                    lines.append(f"\t\t{ssv:04x} {ssd:04x}  {name}")
    path = Path(root) / "usr" / "share" / "misc" / "pci.ids"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path
