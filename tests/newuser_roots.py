"""Hand-built roots as a new user meets them: hosts numbered from 1000 (and not in
call order), a qla2xxx card in PCI domain 0002 behind bridges, an lpfc card with
upper-case WWNs and a symbolic name holding ``&<>"'`` and ``ü``."""

from __future__ import annotations

from pathlib import Path

from nodedev_xml.testing import FCHostSpec, SysfsBuilder

#: The lpfc port's symbolic name: XML's special characters and a non-ASCII letter.
SYMBOLIC = "Emulex LPe12002 & <Ports> \"A\" 'B' Grüße FV2.02X11"

QLA_WWNN, QLA_WWPN = 0x2000001B32B6C1F0, 0x2100001B32B6C1F0
LPFC_WWNN, LPFC_WWPN = "20:00:00:00:C9:A1:B2:C3", "10:00:00:00:C9:A1:B2:C3"
VHBA_WWNN, VHBA_WWPN = 0x5001A4A7D2E1C093, 0x5001A4A3B8F6D125


def build(root: Path, *, renumber: int = 0, port_state: str = "Online",
          extra_vport: bool = False) -> dict[str, FCHostSpec]:  # fmt: skip
    """Write the root; ``renumber`` shifts every host number (a reboot), ``port_state``
    is the qla2xxx port's, ``extra_vport`` gives it a second vHBA.  Returns the hosts
    by role: ``qla``, ``vhba`` (the qla port's first vHBA), ``lpfc``."""
    b = SysfsBuilder(root)
    top = b.add_bridge("0002:00:02.0")
    mid = b.add_bridge("0002:10:00.0", parent=top)
    low = b.add_bridge("0002:11:01.0", parent=mid)
    qcard = b.add_pci_function("0002:12:00.0", vendor=0x1077, device=0x2532,
                               parent=low, driver="qla2xxx")  # fmt: skip
    ecard = b.add_pci_function("0002:20:00.0", vendor=0x10DF, device=0xF100,
                               parent=top, driver="lpfc")  # fmt: skip
    n = 1000 + renumber
    lpfc = b.add_fc_host(ecard, "lpfc", node_name=LPFC_WWNN, port_name=LPFC_WWPN, host=n + 3,
                         fc_host={"symbolic_name": SYMBOLIC})  # fmt: skip
    qla = b.add_fc_host(qcard, "qla2xxx", node_name=QLA_WWNN, port_name=QLA_WWPN, host=n,
                        port_state=port_state)  # fmt: skip
    vp = b.add_vport(qla, node_name=VHBA_WWNN, port_name=VHBA_WWPN, host=n + 1)
    if extra_vport:
        b.add_vport(qla, node_name=0x5001A4A0C5E9A7F4, port_name=0x5001A4AE1D3B8062, host=n + 2)
    b.write_pci_ids()
    assert vp.host is not None
    return {"qla": qla, "vhba": vp.host, "lpfc": lpfc}


def scsi_name(host: FCHostSpec) -> str:
    return f"scsi_{host.name}"
