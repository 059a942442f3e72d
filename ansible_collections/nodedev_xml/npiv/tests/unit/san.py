# Copyright: nodedev-xml contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fake host for the unit tests, written by the library's nodedev_xml.testing."""

from __future__ import annotations

from nodedev_xml.testing import SysfsBuilder

#: host8's names: an Online QLogic port with room for vports.
HBA_WWNN, HBA_WWPN = "2000001b32a9da4e", "2100001b32a9da4e"
#: The vHBA already running on host8 (host10).
VHBA_WWNN, VHBA_WWPN = "5001a4a13c963d58", "5001a4a85020b011"
ARRAY_WWPN = "21010002ac0123f0"


class San:
    """host5: a QLogic port that is Linkdown; host8: an Online QLogic port, with the
    vHBA host10 that sees LUN 0 of an array, with the disk sdc."""

    def __init__(self, root):
        self.root = root
        self.b = SysfsBuilder(root, first_host=5)
        down = self.b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                                       parent="0000:00:03.0", driver="qla2xxx")
        self.b.add_fc_host(down, "qla2xxx", node_name=0x2000001B32A90001,
                           port_name=0x2100001B32A90001, port_state="Linkdown")
        card = self.b.add_pci_function("0000:06:00.0", vendor=0x1077, device=0x2532,
                                       parent="0000:00:03.0", driver="qla2xxx")
        self.hba = self.b.add_fc_host(card, "qla2xxx", node_name=int(HBA_WWNN, 16),
                                      port_name=int(HBA_WWPN, 16), host=8)
        self.vport = self.b.add_vport(self.hba, node_name=int(VHBA_WWNN, 16),
                                      port_name=int(VHBA_WWPN, 16), host=10)
        self.array = self.b.add_rport(self.vport.host, node_name=0x2FF70002AC0123F0,
                                      port_name=int(ARRAY_WWPN, 16), port_id=0x010400)
        self.b.add_lun(self.array, 0, block="sdc")

    def add_lun(self, lun):
        self.b.add_lun(self.array, lun)
