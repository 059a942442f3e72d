"""The driver presets: what each low-level FC driver makes its Scsi_Hosts show.

A :class:`DriverPreset` is one driver's kernel knowledge: the ``fc_host``
attributes its ``fc_function_template`` creates for a physical port and for a
vHBA, its own ``scsi_host`` attributes, how it numbers ``unique_id``, what
``fabric_name`` a port off the fabric shows, its queue depths and its NPIV
limit.  :data:`DRIVERS` holds qla2xxx, lpfc, bfa, fnic, qedf and zfcp (libata hosts
such as ahci have no ``fc_host`` and no preset; see
:meth:`~nodedev_xml.testing.SysfsBuilder.add_ata_host`).  :data:`MODELS` names
the cards: their description and ``supported_speeds``.

A new driver is one more :data:`DRIVERS` entry (and its cards in :data:`MODELS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from .values import MAX_WWN

__all__ = [
    "COMMON_FC",
    "DEFAULT_FABRIC",
    "DRIVERS",
    "MODELS",
    "VPORT_OPS",
    "CardModel",
    "DriverPreset",
    "fastest",
]

#: The fabric an Online port is on unless told otherwise (a Cisco MDS switch's WWN).
DEFAULT_FABRIC = 0x2001000DEC9877C1


class CardModel(NamedTuple):
    """A card's ``model_desc`` and its ``supported_speeds``, which is in the
    kernel's bit order (10 Gbit before 4 Gbit), not numeric order."""

    desc: str
    supported_speeds: str


@dataclass(frozen=True)
class DriverPreset:
    """What a low-level driver makes a Scsi_Host show.

    ``fc_attrs`` and ``vport_fc_attrs`` are the ``fc_host`` attributes created
    by the driver's ``fc_function_template`` for a physical port and for a vHBA
    (``statistics`` stands for the ``statistics/`` group); on a vport-capable
    driver's physical port the transport adds ``max_npiv_vports``,
    ``npiv_vports_inuse``, ``vport_create`` and ``vport_delete``.  The
    ``scsi_host`` mappings are the driver's own ``scsi_host`` attributes and the
    ``fc_host`` mappings the transport's FDMI strings the driver fills in
    (``model``, ``manufacturer``, ...); they and ``symbolic_name`` are
    :meth:`str.format` templates over ``model``, ``desc``, ``instance``,
    ``max_vports``, ``totalvfs``, ``vpi`` and ``node_name`` (as the kernel prints it).
    """

    proc_name: str
    vport_capable: bool
    vport_disable: bool
    unique_id: str  # "host": the host number; "instance": the driver's counter; else 0
    no_fabric_name: int  # fabric_name of a port that is not on a fabric
    max_npiv_vports: int
    model: str  # default model, a key of MODELS
    pci: tuple[int, int, int, int]  # vendor, device, subsystem vendor, subsystem device
    symbolic_name: str
    fc_attrs: frozenset[str]
    vport_fc_attrs: frozenset[str]
    scsi_host: Mapping[str, str]
    vport_scsi_host: Mapping[str, str]
    queue: tuple[str, str, str]  # can_queue, cmd_per_lun, sg_tablesize
    port_type: str = "NPort (fabric via point-to-point)"
    supported_classes: str = "Class 3"
    maxframe_size: str = "2048 bytes"
    dev_loss_tmo: str = "30"
    serial_number: str = ""
    fc_host: Mapping[str, str] = field(default_factory=dict)
    vport_fc_host: Mapping[str, str] = field(default_factory=dict)

    def card(self, model: str) -> CardModel:
        """The card ``model`` names, or the driver's default card for a model unknown here."""
        return MODELS.get(model, MODELS[self.model])


COMMON_FC = frozenset(
    {
        "node_name",
        "port_name",
        "supported_classes",
        "port_id",
        "port_type",
        "port_state",
        "speed",
        "fabric_name",
        "symbolic_name",
        "dev_loss_tmo",
        "tgtid_bind_type",
        "statistics",
    }
)
FCOE_FC = COMMON_FC | {
    "supported_fc4s",
    "active_fc4s",
    "supported_speeds",
    "maxframe_size",
    "issue_lip",
}
VPORT_OPS = frozenset({"max_npiv_vports", "npiv_vports_inuse", "vport_create", "vport_delete"})
QLA_VPORT_FC = COMMON_FC | {"system_hostname", "issue_lip"}
LPFC_VPORT_FC = FCOE_FC - {"issue_lip"}

#: bfa's Scsi_Host attributes (bfad_attr.c) on a physical port and a vHBA; the
#: physical port also has ``number_of_ports``.
BFA_SCSI_HOST = {
    "serial_number": "BUK0427K0AH",
    "model": "{model}",
    "model_description": "{desc}",
    "node_name": "{node_name}",
    "symbolic_name": "{model} | 3.2.25.1 | kvmhost | Linux",
    "hardware_version": "Rev-C",
    "driver_version": "3.2.25.1",
    "option_rom_version": "3.2.25.1",
    "fw_version": "3.2.25.1",
    "driver_name": "bfa",
}

#: The cards the builder knows, by model name.
MODELS: dict[str, CardModel] = {
    "QLE2562": CardModel(
        "PCI-Express Dual Channel 8Gb Fibre Channel HBA", "1 Gbit, 2 Gbit, 4 Gbit, 8 Gbit"
    ),
    "QLE2670": CardModel(
        "PCI-Express Single Channel 16Gb Fibre Channel HBA", "4 Gbit, 8 Gbit, 16 Gbit"
    ),
    "LPe12002-M8": CardModel(
        "Emulex LPe12002-M8 8Gb 2-port PCIe Fibre Channel Adapter",
        "1 Gbit, 2 Gbit, 4 Gbit, 8 Gbit",
    ),
    "LPe12000-M8": CardModel(
        "Emulex LPe12000-M8 8Gb 1-port PCIe Fibre Channel Adapter",
        "1 Gbit, 2 Gbit, 4 Gbit, 8 Gbit",
    ),
    "LPe16002B-M6": CardModel(
        "Emulex LPe16002B-M6 16Gb 2-port PCIe Fibre Channel Adapter",
        "4 Gbit, 8 Gbit, 16 Gbit",
    ),
    "VIC 1340": CardModel("Cisco VIC 1340 MLOM FCoE HBA", "10 Gbit"),
    # bfa: the model as bfad_attr.c prints it, "<vendor>-<card>" ("Brocade-" on old drivers)
    "QLogic-1860": CardModel(
        "QLogic BR-series 16Gbps PCIe dual port FC HBA", "4 Gbit, 8 Gbit, 16 Gbit"
    ),
    "Brocade-825": CardModel("Brocade 8Gbps PCIe dual port FC HBA", "2 Gbit, 4 Gbit, 8 Gbit"),
    "QL41262": CardModel("QLogic FastLinQ QL41262 25GbE FCoE Adapter", "10 Gbit, 25 Gbit"),
    "zfcp": CardModel("FICON Express16S", "4 Gbit, 8 Gbit, 16 Gbit"),
}

#: The drivers the builder knows, by ``proc_name``.
DRIVERS: dict[str, DriverPreset] = {
    "qla2xxx": DriverPreset(
        proc_name="qla2xxx",
        vport_capable=True,
        vport_disable=True,
        unique_id="host",
        no_fabric_name=MAX_WWN,
        max_npiv_vports=127,
        model="QLE2562",
        pci=(0x1077, 0x2532, 0x1077, 0x015D),
        symbolic_name="{model} FW:v8.07.00 DVR:v10.02.00.106-k",
        fc_attrs=QLA_VPORT_FC | {"supported_speeds"},
        # qla2xxx_transport_vport_functions: no supported_speeds before Linux 5.10
        vport_fc_attrs=QLA_VPORT_FC,
        scsi_host={
            "model_name": "{model}",
            "model_desc": "{desc}",
            "fw_version": "8.07.00 (d0d5)",
            "driver_version": "10.02.00.106-k",
            "serial_num": "RFD1234K56789",
        },
        vport_scsi_host={
            "model_name": "{model}",
            "model_desc": "{desc}",
            "fw_version": "8.07.00 (d0d5)",
            "driver_version": "10.02.00.106-k",
            "serial_num": "RFD1234K56789",
        },
        queue=("2048", "3", "1024"),
    ),
    "lpfc": DriverPreset(
        proc_name="lpfc",
        vport_capable=True,
        vport_disable=True,
        unique_id="instance",
        no_fabric_name=0,
        max_npiv_vports=255,
        model="LPe12002-M8",
        pci=(0x10DF, 0xF100, 0x10DF, 0xF100),
        symbolic_name="Emulex {model} FV2.02X11 DV12.0.0.10 HN:kvmhost OS:Linux",
        fc_attrs=FCOE_FC,
        vport_fc_attrs=LPFC_VPORT_FC,
        scsi_host={
            "modelname": "{model}",
            "modeldesc": "{desc}",
            "fwrev": "2.02X11 (U3D2.02X11), sli-3",
            "max_vpi": "{max_vports}",
            "used_vpi": "0",
            "npiv_info": "NPIV Physical",
            "lpfc_enable_npiv": "1",
            "lpfc_drvr_version": "Emulex LightPulse Fibre Channel SCSI driver 12.0.0.10",
            "lpfc_sriov_hw_max_virtfn": "{totalvfs}",
        },
        vport_scsi_host={
            "npiv_info": "NPIV Virtual (VPI {vpi})",
            "lpfc_drvr_version": "Emulex LightPulse Fibre Channel SCSI driver 12.0.0.10",
        },
        queue=("4096", "3", "64"),
    ),
    "bfa": DriverPreset(
        proc_name="bfa",
        vport_capable=True,
        vport_disable=True,
        unique_id="zero",
        no_fabric_name=0,
        max_npiv_vports=190,
        model="QLogic-1860",
        pci=(0x1657, 0x0022, 0x1657, 0x0024),
        symbolic_name="{model} | 3.2.25.1 | kvmhost | Linux",
        fc_attrs=FCOE_FC,
        vport_fc_attrs=FCOE_FC - {"issue_lip"},
        # bfad_attr.c: the model and its kin are Scsi_Host attributes, not fc_host ones
        scsi_host=BFA_SCSI_HOST | {"number_of_ports": "2"},
        vport_scsi_host=BFA_SCSI_HOST,
        queue=("2000", "32", "255"),
        maxframe_size="2112 bytes",
    ),
    "fnic": DriverPreset(
        proc_name="fnic",
        vport_capable=False,
        vport_disable=False,
        unique_id="zero",
        no_fabric_name=0,
        max_npiv_vports=0,
        model="VIC 1340",
        pci=(0x1137, 0x0045, 0x1137, 0x012C),
        symbolic_name="fnic v1.6.0.47 over fnic{instance}",
        fc_attrs=FCOE_FC,
        vport_fc_attrs=frozenset(),
        scsi_host={"fnic_state": "FNIC_IN_FC_MODE", "drv_version": "1.6.0.47"},
        vport_scsi_host={},
        queue=("2048", "3", "256"),
        maxframe_size="2112 bytes",
    ),
    "qedf": DriverPreset(
        proc_name="qedf",
        vport_capable=True,
        vport_disable=True,
        unique_id="zero",
        no_fabric_name=0,
        max_npiv_vports=64,
        model="QL41262",
        pci=(0x1077, 0x8080, 0x1077, 0x000D),
        symbolic_name="QLogic qedf v8.42.3.0",
        fc_attrs=FCOE_FC,
        vport_fc_attrs=FCOE_FC - {"issue_lip"},
        scsi_host={"fcoe_mac": "00:0e:1e:d1:7a:41", "fka_period": "8"},
        vport_scsi_host={},
        queue=("1024", "32", "255"),
        # qedf_setup_fdmi: the FDMI strings in the transport's fc_host; the model is the
        # chip family of the PCI device (QL41xxx for 0x8080, QL45xxx for 0x1656)
        fc_host={
            "manufacturer": "Marvell Semiconductor Inc.",
            "model": "QL41xxx",
            "model_description": "Marvell FastLinQ QL41xxx FCoE Adapter",
            "serial_number": "REE1834F09071",
            "hardware_version": "Rev 2",
            "driver_version": "8.42.3.0",
            "firmware_version": "8.42.2.0",
            "optionrom_version": "8.37.7.0",
        },
    ),
    "zfcp": DriverPreset(
        proc_name="zfcp",
        vport_capable=False,
        vport_disable=False,
        unique_id="devno",
        no_fabric_name=0,
        max_npiv_vports=0,
        model="zfcp",
        pci=(0, 0, 0, 0),
        # add_zfcp_host appends "   DEVNO: <bus id> NAME: <host name>"
        symbolic_name="IBM     3906            0200000001B2B8  PCHID: 011D NPIV UlpId: 004C0308",
        fc_attrs=(COMMON_FC - {"fabric_name"})
        | {
            "permanent_port_name",
            "supported_fc4s",
            "active_fc4s",
            "supported_speeds",
            "maxframe_size",
            "serial_number",
        },
        vport_fc_attrs=frozenset(),
        scsi_host={},
        vport_scsi_host={},
        queue=("4096", "1", "256"),
        port_type="NPIV VPORT",
        supported_classes="Class 2, Class 3",
        maxframe_size="2112 bytes",
        dev_loss_tmo="60",
        serial_number="IBM0200000001B2B8",
    ),
}


def fastest(speeds: str) -> str:
    """The fastest speed of a ``supported_speeds`` list (``"unknown"`` if none)."""
    rates = [s for s in speeds.split(", ") if s.endswith(" Gbit")]
    return max(rates, key=lambda s: int(s.split()[0]), default="unknown")
