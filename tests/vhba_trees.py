"""Fake roots for the vHBA lifecycle tests, and a snapshot to tell that nothing changed."""

from __future__ import annotations

import os
from pathlib import Path

from nodedev_xml.testing import SysfsBuilder

#: The usable HBA of :func:`build_san`: Online, on a fabric, with room.
HBA_WWNN, HBA_WWPN = 0x2000001B32A9DA4E, 0x2100001B32A9DA4E
FABRIC = 0x2001000DEC9877C1
#: The vport already on the full lpfc port.
FULL_VPORT_WWNN, FULL_VPORT_WWPN = 0x20000000C9831B4B, 0x10000000C9831B4B


def build_san(root: Path, *, room: int = 127) -> SysfsBuilder:
    """host5: a qla2xxx port that is Linkdown; host6: an lpfc port that is full (one
    vport of one, its vHBA host7); host8: a qla2xxx port with ``room`` vports left;
    host9: an fnic port (not vport-capable).  Host numbers are chosen so that a
    parent picked without care (the first vport-capable host) is a wrong one."""
    b = SysfsBuilder(root, first_host=5)
    down = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")  # fmt: skip
    b.add_fc_host(down, "qla2xxx", node_name=0x2000001B32A90001, port_name=0x2100001B32A90001,
                  port_state="Linkdown")  # fmt: skip
    emulex = b.add_pci_function("0000:05:00.0", vendor=0x10DF, device=0xF100,
                                parent="0000:00:02.0", driver="lpfc")  # fmt: skip
    full = b.add_fc_host(emulex, "lpfc", node_name=0x20000000C9A1B2C3,
                         port_name=0x10000000C9A1B2C3, max_npiv_vports=1)  # fmt: skip
    b.add_vport(full, node_name=FULL_VPORT_WWNN, port_name=FULL_VPORT_WWPN)
    card = b.add_pci_function("0000:06:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")  # fmt: skip
    b.add_fc_host(card, "qla2xxx", node_name=HBA_WWNN, port_name=HBA_WWPN, host=8,
                  max_npiv_vports=room)  # fmt: skip
    cisco = b.add_pci_function("0000:07:00.0", vendor=0x1137, device=0x0045,
                               parent="0000:00:01.0", driver="fnic")  # fmt: skip
    b.add_fc_host(cisco, "fnic", node_name=0x20000025B5000001, port_name=0x20000025B5000002)
    return b


def snapshot(root: Path) -> dict[str, str]:
    """Every entry below ``root/sys``: a file's content, a link's target, a directory."""
    out: dict[str, str] = {}
    sys_dir = root / "sys"
    for dirpath, dirnames, filenames in os.walk(sys_dir):
        for name in dirnames + filenames:
            path = Path(dirpath) / name
            rel = str(path.relative_to(sys_dir))
            if path.is_symlink():
                out[rel] = "-> " + os.readlink(path)
            elif path.is_dir():
                out[rel] = "dir"
            elif path.is_file():
                out[rel] = path.read_bytes().decode("latin-1")
            else:
                out[rel] = "fifo"
    return out
