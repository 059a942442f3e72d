"""Fake sysfs roots, laid out the way the Linux kernel lays them out.

A *root* is a directory holding ``sys/`` (and optionally
``usr/share/misc/pci.ids``): what :func:`nodedev_xml.scan` reads in place of
``/``.  :class:`SysfsBuilder` writes one piece by piece: PCI functions (with
their bridges and SR-IOV links), Fibre Channel ports with the attribute set of
their driver's ``fc_function_template``, NPIV vports with or without their
vHBA's ``Scsi_Host``, remote ports and targets, SATA hosts and s390 zfcp
hosts.  Directories and attribute files are real; class and bus entries are
relative symlinks, as in sysfs::

    b = SysfsBuilder(tmp_path, first_host=5)
    card = b.add_pci_function("0000:04:00.0", vendor=0x1077, device=0x2532,
                              parent="0000:00:03.0", driver="qla2xxx")
    hba = b.add_fc_host(card, "qla2xxx", node_name=0x2000001B32A9DA4E,
                        port_name="21:00:00:1b:32:a9:da:4e", fabric_name=0x2001000DEC9877C1)
    b.add_vport(hba, node_name=0x2001001B32A9DA4E, port_name=0x2101001B32A9DA4E)
    b.write_pci_ids()

Every readable value ends with a newline; write-only attributes
(``vport_create``, ``scan``, ...) are empty files.  WWNs are written the
kernel's way, ``0x%llx``: lower case and not zero-padded.  Everything is
deterministic, so trees can be checked in and compared.

:func:`build_benchmark_host` writes the large benchmark host;
:func:`write_pci_ids` a small ``pci.ids`` with the real names of the devices
used here.  Only the standard library is used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "DRIVERS",
    "DeviceDir",
    "DriverPreset",
    "FcHost",
    "Overrides",
    "PciFunction",
    "RemotePort",
    "ScsiHost",
    "SysfsBuilder",
    "Vport",
    "build_benchmark_host",
    "write_pci_ids",
]

#: Attribute overrides: a value replaces the attribute (a newline is added to a
#: ``str`` that lacks one; ``bytes`` are written as they are, ``b""`` makes a
#: write-only file); ``None`` removes it (``"statistics": None`` removes the
#: whole ``statistics/`` group).  Keys may name new attributes.
Overrides = Mapping[str, str | bytes | None]

#: A WWN: an ``int``, or a string in any usual spelling (``0x``-prefixed,
#: unpadded, upper case, colon-separated).
WWNLike = int | str

_WO = b""  # a write-only attribute: an empty file
_FC4S = "".join(f"0x{b:02x} " for b in [0, 0, 1] + [0] * 29)  # FCP (type 8) only
_STATISTICS = {
    "statistics/seconds_since_last_reset": "0x1c2f",
    "statistics/tx_frames": "0x2b8e",
    "statistics/rx_frames": "0x3d1a",
    "statistics/lip_count": "0x0",
    "statistics/link_failure_count": "0x1",
    "statistics/invalid_crc_count": "0x0",
}
_DEFAULT_FABRIC = 0x2001000DEC9877C1
_PCI_ADDRESS = re.compile(r"[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]")
_MAX_WWN = (1 << 64) - 1


@dataclass(frozen=True)
class DriverPreset:
    """What a low-level driver makes a Scsi_Host show.

    ``fc_attrs`` and ``vport_fc_attrs`` are the ``fc_host`` attributes created
    by the driver's ``fc_function_template`` for a physical port and for a vHBA
    (``statistics`` stands for the ``statistics/`` group); on a vport-capable
    driver's physical port the transport adds ``max_npiv_vports``,
    ``npiv_vports_inuse``, ``vport_create`` and ``vport_delete``.  The
    ``scsi_host`` mappings are the driver's own ``scsi_host`` attributes; they
    and ``symbolic_name`` are :meth:`str.format` templates over ``model``,
    ``desc``, ``instance``, ``max_vports``, ``totalvfs`` and ``vpi``.
    """

    proc_name: str
    vport_capable: bool
    vport_disable: bool
    unique_id: str  # "host": the host number; "instance": the driver's counter; else 0
    no_fabric_name: int  # fabric_name of a port that is not on a fabric
    max_npiv_vports: int
    model: str  # default model, a key of _MODELS
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


_COMMON_FC = frozenset(
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
_FCOE_FC = _COMMON_FC | {
    "supported_fc4s",
    "active_fc4s",
    "supported_speeds",
    "maxframe_size",
    "issue_lip",
}
_VPORT_OPS = frozenset({"max_npiv_vports", "npiv_vports_inuse", "vport_create", "vport_delete"})
_QLA_VPORT_FC = _COMMON_FC | {"system_hostname", "issue_lip"}
_LPFC_VPORT_FC = _FCOE_FC - {"issue_lip"}

#: Model name -> (description, supported_speeds).  supported_speeds is in the
#: kernel's bit order (10 Gbit before 4 Gbit), not numeric order.
_MODELS: dict[str, tuple[str, str]] = {
    "QLE2562": ("PCI-Express Dual Channel 8Gb Fibre Channel HBA", "1 Gbit, 2 Gbit, 4 Gbit, 8 Gbit"),
    "QLE2670": ("PCI-Express Single Channel 16Gb Fibre Channel HBA", "4 Gbit, 8 Gbit, 16 Gbit"),
    "LPe12002-M8": (
        "Emulex LPe12002-M8 8Gb 2-port PCIe Fibre Channel Adapter",
        "1 Gbit, 2 Gbit, 4 Gbit, 8 Gbit",
    ),
    "LPe12000-M8": (
        "Emulex LPe12000-M8 8Gb 1-port PCIe Fibre Channel Adapter",
        "1 Gbit, 2 Gbit, 4 Gbit, 8 Gbit",
    ),
    "LPe16002B-M6": (
        "Emulex LPe16002B-M6 16Gb 2-port PCIe Fibre Channel Adapter",
        "4 Gbit, 8 Gbit, 16 Gbit",
    ),
    "VIC 1340": ("Cisco VIC 1340 MLOM FCoE HBA", "10 Gbit"),
    "QL41262": ("QLogic FastLinQ QL41262 25GbE FCoE Adapter", "10 Gbit, 25 Gbit"),
    "zfcp": ("FICON Express16S", "4 Gbit, 8 Gbit, 16 Gbit"),
}

#: The drivers the builder knows, by ``proc_name``.
DRIVERS: dict[str, DriverPreset] = {
    "qla2xxx": DriverPreset(
        proc_name="qla2xxx",
        vport_capable=True,
        vport_disable=True,
        unique_id="host",
        no_fabric_name=_MAX_WWN,
        max_npiv_vports=127,
        model="QLE2562",
        pci=(0x1077, 0x2532, 0x1077, 0x015D),
        symbolic_name="{model} FW:v8.07.00 DVR:v10.02.00.106-k",
        fc_attrs=_QLA_VPORT_FC | {"supported_speeds"},
        # qla2xxx_transport_vport_functions: no supported_speeds before Linux 5.10
        vport_fc_attrs=_QLA_VPORT_FC,
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
        fc_attrs=_FCOE_FC,
        vport_fc_attrs=_LPFC_VPORT_FC,
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
        fc_attrs=_FCOE_FC,
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
        fc_attrs=_FCOE_FC,
        vport_fc_attrs=_FCOE_FC - {"issue_lip"},
        scsi_host={"fcoe_mac": "00:0e:1e:d1:7a:41", "fka_period": "8"},
        vport_scsi_host={},
        queue=("1024", "32", "255"),
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
        fc_attrs=(_COMMON_FC - {"fabric_name"})
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

# Real names from the pci.ids database (version 2023.04.10).
_PCI_VENDORS = {
    0x1077: "QLogic Corp.",
    0x10DF: "Emulex Corporation",
    0x1137: "Cisco Systems Inc",
    0x8086: "Intel Corporation",
}
_PCI_DEVICES = {
    (0x1077, 0x2031): "ISP8324-based 16Gb Fibre Channel to PCI Express Adapter",
    (0x1077, 0x2532): "ISP2532-based 8Gb Fibre Channel to PCI Express HBA",
    (0x1077, 0x8080): "FastLinQ QL41000 Series 10/25/40/50GbE Controller (FCoE)",
    (0x10DF, 0xE200): "LPe15000/LPe16000 Series 8Gb/16Gb Fibre Channel Adapter",
    (0x10DF, 0xE208): "LightPulse 16Gb Fibre Channel Host Adapter (Lancer-VF)",
    (0x10DF, 0xF100): "LPe12000 Series 8Gb Fibre Channel Adapter",
    (0x1137, 0x0045): "VIC FCoE HBA",
    (0x8086, 0x2F04): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 2",
    (0x8086, 0x2F08): "Xeon E7 v3/Xeon E5 v3/Core i7 PCI Express Root Port 3",
    (0x8086, 0x8C02): "8 Series/C220 Series Chipset Family 6-port SATA Controller 1 [AHCI mode]",
}
_PCI_SUBSYSTEMS = {
    (0x1077, 0x2031, 0x1077, 0x0241): "QLE2670 16Gb Single Port Fibre Channel Adapter",
    (0x1077, 0x2532, 0x1077, 0x015D): "QLE2562 PCI Express to 8Gb FC Dual Channel",
    (0x1077, 0x8080, 0x1077, 0x000D): "FastLinQ QL41262H 25GbE FCoE Adapter",
    (0x10DF, 0xE200, 0x10DF, 0xE280): "LPe16002B-M6 2-Port 16Gb Fibre Channel Adapter",
    (0x1137, 0x0045, 0x1137, 0x012C): "VIC 1340 MLOM FCoE HBA",
}


def _wwn(value: WWNLike) -> int:
    """A WWN as an int; strings may be ``0x``-prefixed, unpadded or colon-separated."""
    if isinstance(value, int):
        number = value
    else:
        text = value.strip().lower().removeprefix("0x").replace(":", "")
        if not re.fullmatch(r"[0-9a-f]{1,16}", text):
            raise ValueError(f"not a WWN: {value!r}")
        number = int(text, 16)
    if not 0 <= number <= _MAX_WWN:
        raise ValueError(f"WWN out of the 64-bit range: {value!r}")
    return number


def _kernel_wwn(value: int) -> str:
    """``0x%llx``: how the FC transport prints a name."""
    return f"0x{value:x}"


def _fastest(speeds: str) -> str:
    """The fastest speed of a ``supported_speeds`` list (``"unknown"`` if none)."""
    rates = [s for s in speeds.split(", ") if s.endswith(" Gbit")]
    return max(rates, key=lambda s: int(s.split()[0]), default="unknown")


def _relative(from_dir: str, target: str) -> str:
    """The relative path sysfs writes in a link in ``from_dir`` to ``target``: up to
    the deepest common ancestor of the two that is not ``target`` itself, then down
    (so a class device's ``device`` link reads ``../../../host5``)."""
    a, b = from_dir.split("/"), target.split("/")
    common = 0
    while common < min(len(a), len(b) - 1) and a[common] == b[common]:
        common += 1
    return "/".join([".."] * (len(a) - common) + b[common:])


def _group(key: str) -> str:
    """The template entry of an attribute: ``statistics/tx_frames`` belongs to ``statistics``."""
    return key.partition("/")[0]


def _text(attrs: Mapping[str, str | bytes]) -> dict[str, bytes]:
    """Attribute values as file contents: text gets its newline, bytes stay."""
    return {k: v if isinstance(v, bytes) else f"{v}\n".encode() for k, v in attrs.items()}


def _apply(attrs: dict[str, bytes], overrides: Overrides | None) -> dict[str, bytes]:
    for key, value in (overrides or {}).items():
        if value is None:
            attrs.pop(key, None)
            for sub in [k for k in attrs if k.startswith(key + "/")]:
                del attrs[sub]
        elif isinstance(value, bytes):
            attrs[key] = value
        else:
            attrs[key] = (value if value.endswith("\n") else value + "\n").encode()
    return attrs


@dataclass(eq=False)
class DeviceDir:
    """A device directory that hosts hang below: ``path``, and ``rel`` below sys/."""

    path: Path
    rel: str = field(repr=False)


@dataclass(eq=False)
class PciFunction(DeviceDir):
    """A PCI function directory and what was written into it."""

    address: str
    vendor: int
    device: int
    driver: str | None
    sriov_totalvfs: int | None = None
    virtfns: list[str] = field(default_factory=list)
    physfn: str | None = None


@dataclass(eq=False)
class ScsiHost:
    """A ``hostN`` device directory (``path``)."""

    number: int
    unique_id: int
    proc_name: str
    path: Path
    rel: str = field(repr=False)  # path below sys/

    @property
    def name(self) -> str:
        return f"host{self.number}"


@dataclass(eq=False)
class FcHost(ScsiHost):
    """A Scsi_Host with an ``fc_host``: a physical port, or a vHBA (``vport`` set)."""

    preset: DriverPreset = field(repr=False)
    model: str
    node_name: int
    port_name: int
    fabric_name: int | None  # None: no fabric_name attribute
    port_id: int
    port_state: str
    speed: str
    pci: PciFunction | None = field(repr=False)
    vport_capable: bool
    vport: Vport | None = field(default=None, repr=False)
    vports: list[Vport] = field(default_factory=list, repr=False)
    next_vport: int = field(default=0, repr=False)
    next_rport: int = field(default=0, repr=False)
    next_target: int = field(default=0, repr=False)
    inuse_files: list[str] = field(default_factory=list, repr=False)


@dataclass(eq=False)
class Vport:
    """A ``vport-H:0-N`` device directory (``path``) and its vHBA, if it has appeared."""

    name: str
    number: int
    parent: FcHost = field(repr=False)
    node_name: int
    port_name: int
    state: str
    path: Path
    rel: str = field(repr=False)  # path below sys/
    host: FcHost | None = field(default=None, repr=False)


@dataclass(eq=False)
class RemotePort:
    """An ``rport-H:0-R`` device directory (``path``) and its target, if any."""

    name: str
    path: Path
    node_name: int
    port_name: int
    port_id: int
    roles: str
    target: str | None


class SysfsBuilder:
    """Writes a fake sysfs tree under ``<root>/sys``.

    Host numbers are handed out in call order from ``first_host`` unless given;
    ``unique_id`` follows the driver (qla2xxx: the host number; lpfc: the
    driver's instance counter from 0, vHBAs included; libata: the ATA port
    number; zfcp: the device number; others: 0, the kernel default).
    """

    def __init__(self, root: str | os.PathLike[str], *, first_host: int = 0) -> None:
        self.root = Path(root)
        self.sys = self.root / "sys"
        self.sys.mkdir(parents=True, exist_ok=True)
        self._sys = str(self.sys)
        self._dirs: set[str] = set()
        self._next_host = first_host
        self._next_ata = 1
        self._fabric_ports = 0
        self._instances: dict[str, int] = {}
        self.hosts: dict[int, ScsiHost] = {}
        self.pci: dict[str, PciFunction] = {}
        self.pci_ids: set[tuple[int, int]] = set()

    # -- low-level writers (paths are relative to sys/) --------------------------------------

    def _mkdir(self, rel: str) -> None:
        os.mkdir(f"{self._sys}/{rel}")

    def _ensure_dir(self, rel: str) -> None:
        if rel not in self._dirs:
            os.makedirs(f"{self._sys}/{rel}", exist_ok=True)
            self._dirs.add(rel)

    def _write(self, rel: str, data: bytes) -> None:
        fd = os.open(f"{self._sys}/{rel}", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)

    def _write_attrs(self, rel: str, attrs: Mapping[str, bytes]) -> None:
        made: set[str] = set()
        for key, data in attrs.items():
            sub = key.rpartition("/")[0]
            if sub and sub not in made:
                os.makedirs(f"{self._sys}/{rel}/{sub}", exist_ok=True)
                made.add(sub)
            self._write(f"{rel}/{key}", data)

    def _link(self, rel: str, target: str) -> None:
        """A symlink at ``rel`` to ``target`` (both below sys/), relative as sysfs makes it."""
        os.symlink(_relative(rel.rpartition("/")[0], target), f"{self._sys}/{rel}")

    def _class_device(self, dev: str, cls: str, name: str, attrs: Mapping[str, bytes]) -> None:
        """``<dev>/<cls>/<name>/`` with ``attrs`` and a ``device`` link, plus its class link."""
        self._mkdir(f"{dev}/{cls}")
        rel = f"{dev}/{cls}/{name}"
        self._mkdir(rel)
        self._write_attrs(rel, attrs)
        self._link(f"{rel}/device", dev)
        self._ensure_dir(f"class/{cls}")
        self._link(f"class/{cls}/{name}", rel)

    # -- PCI -----------------------------------------------------------------------------------

    def add_pci_function(
        self,
        address: str,
        *,
        vendor: int,
        device: int,
        pci_class: int = 0x0C0400,
        subsystem: tuple[int, int] | None = None,
        driver: str | None = None,
        parent: PciFunction | str | None = None,
        numa_node: int = -1,
        sriov_totalvfs: int | None = None,
        physfn: PciFunction | str | None = None,
        attrs: Overrides | None = None,
    ) -> PciFunction:
        """Write the PCI function directory ``devices/pciDDDD:BB/[bridges/]<address>/``.

        It holds ``vendor``, ``device``, ``class``, ``subsystem_vendor``,
        ``subsystem_device`` (default: vendor and device), ``numa_node``,
        ``uevent``, a ``subsystem`` link to ``bus/pci`` and, when bound, a
        ``driver`` link to ``bus/pci/drivers/<driver>`` (which links back).
        ``parent`` is the bridge above it (added with :meth:`add_bridge`
        defaults if new); without one the function sits on its root bus, or
        beside its physical function.  ``sriov_totalvfs`` makes it an SR-IOV
        physical function (``sriov_totalvfs``, ``sriov_numvfs`` = 0); with
        ``physfn`` it is a virtual function of that PF: it gets a ``physfn``
        link, and the PF a ``virtfnN`` link and a higher ``sriov_numvfs``.
        ``bus/pci/devices/<address>`` links to it.
        """
        address = address.lower()
        if not _PCI_ADDRESS.fullmatch(address):
            raise ValueError(f"not a PCI address: {address!r}")
        if address in self.pci:
            raise ValueError(f"PCI function {address} already exists")
        pf = self.pci[physfn] if isinstance(physfn, str) else physfn
        if isinstance(parent, str):
            parent = self.pci.get(parent.lower()) or self.add_bridge(parent)
        if parent is not None:
            parent_rel = parent.rel
        elif pf is not None:
            parent_rel = pf.rel.rpartition("/")[0]
        else:
            parent_rel = f"devices/pci{address[:7]}"
            self._ensure_dir(parent_rel)
        rel = f"{parent_rel}/{address}"
        self._mkdir(rel)
        sub_vendor, sub_device = subsystem or (vendor, device)
        uevent = [f"DRIVER={driver}"] if driver else []
        uevent += [
            f"PCI_CLASS={pci_class:X}",
            f"PCI_ID={vendor:04X}:{device:04X}",
            f"PCI_SUBSYS_ID={sub_vendor:04X}:{sub_device:04X}",
            f"PCI_SLOT_NAME={address}",
            f"MODALIAS=pci:v{vendor:08X}d{device:08X}sv{sub_vendor:08X}sd{sub_device:08X}"
            f"bc{pci_class >> 16:02X}sc{(pci_class >> 8) & 0xFF:02X}i{pci_class & 0xFF:02X}",
        ]
        values: dict[str, str | bytes] = {
            "vendor": f"0x{vendor:04x}",
            "device": f"0x{device:04x}",
            "class": f"0x{pci_class:06x}",
            "subsystem_vendor": f"0x{sub_vendor:04x}",
            "subsystem_device": f"0x{sub_device:04x}",
            "numa_node": str(numa_node),
            "uevent": "\n".join(uevent),
        }
        if sriov_totalvfs is not None:
            values.update(sriov_totalvfs=str(sriov_totalvfs), sriov_numvfs="0")
        self._write_attrs(rel, _apply(_text(values), attrs))
        self._link(f"{rel}/subsystem", "bus/pci")
        self._ensure_dir("bus/pci/devices")
        self._link(f"bus/pci/devices/{address}", rel)
        if driver:
            self._ensure_dir(f"bus/pci/drivers/{driver}")
            self._link(f"{rel}/driver", f"bus/pci/drivers/{driver}")
            self._link(f"bus/pci/drivers/{driver}/{address}", rel)
        fn = PciFunction(self.sys / rel, rel, address, vendor, device, driver, sriov_totalvfs)
        if pf is not None:
            fn.physfn = pf.address
            self._link(f"{rel}/physfn", pf.rel)
            self._link(f"{pf.rel}/virtfn{len(pf.virtfns)}", rel)
            pf.virtfns.append(address)
            self._write(f"{pf.rel}/sriov_numvfs", f"{len(pf.virtfns)}\n".encode())
        self.pci[address] = fn
        self.pci_ids.add((vendor, device))
        return fn

    def add_bridge(
        self,
        address: str,
        *,
        parent: PciFunction | str | None = None,
        vendor: int = 0x8086,
        device: int = 0x2F08,
    ) -> PciFunction:
        """Write a PCI Express port (class ``0x060400``, driver ``pcieport``) for functions
        below it; the default ids are an Intel Xeon E5 v3 root port."""
        return self.add_pci_function(
            address,
            vendor=vendor,
            device=device,
            pci_class=0x060400,
            driver="pcieport",
            parent=parent,
        )

    # -- SCSI hosts ----------------------------------------------------------------------------

    def _host_ids(
        self, proc_name: str, rule: str, host: int | None, unique_id: int | None
    ) -> tuple[int, int, int]:
        """The host number, driver instance and ``unique_id`` of a new Scsi_Host."""
        if host is None:
            host = self._next_host
            while host in self.hosts:
                host += 1
        elif host in self.hosts:
            raise ValueError(f"host{host} already exists")
        self._next_host = max(self._next_host, host + 1)
        instance = self._instances.get(proc_name, 0)
        self._instances[proc_name] = instance + 1
        if unique_id is None:
            unique_id = {"host": host, "instance": instance}.get(rule, 0)
        return host, instance, unique_id

    def _add_host(
        self,
        parent_rel: str,
        number: int,
        scsi_attrs: Mapping[str, bytes],
        fc_attrs: Mapping[str, bytes] | None,
    ) -> str:
        """``<parent>/hostN/`` with ``uevent``, its ``scsi_host`` (and ``fc_host``) class
        devices, the class links and ``bus/scsi/devices/hostN``."""
        name = f"host{number}"
        rel = f"{parent_rel}/{name}"
        self._mkdir(rel)
        self._write(f"{rel}/uevent", b"DEVTYPE=scsi_host\n")
        self._link(f"{rel}/subsystem", "bus/scsi")
        self._class_device(rel, "scsi_host", name, scsi_attrs)
        if fc_attrs is not None:
            self._class_device(rel, "fc_host", name, fc_attrs)
        self._ensure_dir("bus/scsi/devices")
        self._link(f"bus/scsi/devices/{name}", rel)
        return rel

    @staticmethod
    def _scsi_attrs(
        proc_name: str,
        queue: tuple[str, str, str],
        unique_id: int,
        extra: Mapping[str, str],
        fields: Mapping[str, object],
    ) -> dict[str, bytes]:
        """The generic ``scsi_host`` attributes plus the driver's own (``extra``)."""
        can_queue, cmd_per_lun, sg_tablesize = queue
        values: dict[str, str | bytes] = {
            "unique_id": str(unique_id),
            "proc_name": proc_name,
            "state": "running",
            "active_mode": "Initiator",
            "supported_mode": "Initiator",
            "host_busy": "0",
            "can_queue": can_queue,
            "cmd_per_lun": cmd_per_lun,
            "sg_tablesize": sg_tablesize,
            "scan": _WO,
            "host_reset": _WO,
        }
        values.update({k: v.format_map(fields) for k, v in extra.items()})
        return _text(values)

    def _add_fc_host(
        self,
        parent_rel: str,
        preset: DriverPreset,
        *,
        physical: bool,
        pci: PciFunction | None,
        model: str,
        node_name: int,
        port_name: int,
        fabric_name: int,
        port_id: int,
        port_state: str,
        port_type: str,
        speed: str,
        max_npiv_vports: int,
        host: int | None,
        unique_id: int | None,
        fields: Mapping[str, object],
        fc_host: Overrides | None,
        scsi_host: Overrides | None,
    ) -> FcHost:
        """A Scsi_Host with an ``fc_host``, physical or vHBA (``physical=False``), with the
        attribute set of the matching template; ``fields`` fill the driver's templates."""
        number, instance, unique_id = self._host_ids(
            preset.proc_name, preset.unique_id, host, unique_id
        )
        desc, supported_speeds = _MODELS.get(model, _MODELS[preset.model])
        fields = {
            "model": model,
            "desc": desc,
            "instance": instance,
            "max_vports": max_npiv_vports,
            "totalvfs": (pci.sriov_totalvfs or 0) if pci else 0,
            **fields,
        }
        values: dict[str, str | bytes] = {
            "node_name": _kernel_wwn(node_name),
            "port_name": _kernel_wwn(port_name),
            "permanent_port_name": _kernel_wwn(port_name),
            "fabric_name": _kernel_wwn(fabric_name),
            "port_id": f"0x{port_id:06x}",
            "port_state": port_state,
            "port_type": port_type,
            "speed": speed,
            "supported_speeds": supported_speeds,
            "supported_classes": preset.supported_classes,
            "supported_fc4s": _FC4S,
            "active_fc4s": _FC4S,
            "maxframe_size": preset.maxframe_size,
            "symbolic_name": preset.symbolic_name.format_map(fields),
            "system_hostname": "",
            "serial_number": preset.serial_number,
            "dev_loss_tmo": preset.dev_loss_tmo,
            "tgtid_bind_type": "wwpn (World Wide Port Name)",
            "issue_lip": _WO,
            "max_npiv_vports": str(max_npiv_vports),
            "npiv_vports_inuse": "0",
            "vport_create": _WO,
            "vport_delete": _WO,
            **_STATISTICS,
            "statistics/reset_statistics": _WO,
        }
        names = preset.fc_attrs if physical else preset.vport_fc_attrs
        if physical and preset.vport_capable:
            names |= _VPORT_OPS
        fc = _apply(_text({k: v for k, v in values.items() if _group(k) in names}), fc_host)
        extra = preset.scsi_host if physical else preset.vport_scsi_host
        scsi = self._scsi_attrs(preset.proc_name, preset.queue, unique_id, extra, fields)
        scsi = _apply(scsi, scsi_host)
        rel = self._add_host(parent_rel, number, scsi, fc)
        result = FcHost(
            number,
            unique_id,
            preset.proc_name,
            self.sys / rel,
            rel,
            preset=preset,
            model=model,
            node_name=node_name,
            port_name=port_name,
            fabric_name=fabric_name if "fabric_name" in fc else None,
            port_id=port_id,
            port_state=port_state,
            speed=speed,
            pci=pci,
            vport_capable="vport_create" in fc,
        )
        # The counters the kernel keeps equal to the number of vports, unless overridden.
        for attrs, cls, key, given in (
            (fc, "fc_host", "npiv_vports_inuse", fc_host),
            (scsi, "scsi_host", "used_vpi", scsi_host),
        ):
            if key in attrs and key not in (given or {}):
                result.inuse_files.append(f"{rel}/{cls}/host{number}/{key}")
        self.hosts[number] = result
        return result

    def add_fc_host(
        self,
        parent: DeviceDir | str,
        driver: str = "qla2xxx",
        *,
        node_name: WWNLike,
        port_name: WWNLike,
        port_state: str = "Online",
        fabric_name: WWNLike | None = None,
        port_id: int | None = None,
        port_type: str | None = None,
        speed: str | None = None,
        model: str | None = None,
        max_npiv_vports: int | None = None,
        host: int | None = None,
        unique_id: int | None = None,
        fc_host: Overrides | None = None,
        scsi_host: Overrides | None = None,
    ) -> FcHost:
        """Write a physical FC port: ``<parent>/hostN/`` (``parent`` is a PCI function or
        its address) with ``scsi_host/hostN/`` and ``fc_host/hostN/`` holding the
        attributes ``driver``'s template creates.

        A port whose ``port_state`` is not ``Online`` is off the fabric by
        default: ``fabric_name`` the driver's no-fabric value
        (``0xffffffffffffffff`` for qla2xxx, ``0x0`` for lpfc), ``speed``
        ``unknown``, ``port_type`` ``Unknown``, ``port_id`` ``0x000000``.
        Online ports default to fabric ``0x2001000dec9877c1``, the model's
        fastest speed and port ids ``0x010100``, ``0x010200``, ... in call order.
        ``model`` picks the card (``QLE2562``, ``QLE2670``, ``LPe12002-M8``,
        ``LPe12000-M8``, ``LPe16002B-M6``, ...): the driver's model attributes,
        ``supported_speeds`` and ``symbolic_name`` follow it.  ``fc_host`` and
        ``scsi_host`` override or remove attributes last.
        """
        if isinstance(parent, str):
            parent = self.pci[parent.lower()]
        preset = DRIVERS[driver]
        model = model or preset.model
        online = port_state == "Online"
        if fabric_name is None:
            fabric_name = _DEFAULT_FABRIC if online else preset.no_fabric_name
        if port_id is None and online:
            self._fabric_ports += 1
            port_id = (0x010000 + (self._fabric_ports << 8)) & 0xFFFF00
        if speed is None:
            supported = _MODELS.get(model, _MODELS[preset.model])[1]
            speed = _fastest(supported) if online else "unknown"
        return self._add_fc_host(
            parent.rel,
            preset,
            physical=True,
            pci=parent if isinstance(parent, PciFunction) else None,
            model=model,
            node_name=_wwn(node_name),
            port_name=_wwn(port_name),
            fabric_name=_wwn(fabric_name),
            port_id=port_id or 0,
            port_state=port_state,
            port_type=port_type or (preset.port_type if online else "Unknown"),
            speed=speed,
            max_npiv_vports=(
                preset.max_npiv_vports if max_npiv_vports is None else max_npiv_vports
            ),
            host=host,
            unique_id=unique_id,
            fields={},
            fc_host=fc_host,
            scsi_host=scsi_host,
        )

    def add_zfcp_host(
        self,
        *,
        node_name: WWNLike,
        port_name: WWNLike,
        permanent_port_name: WWNLike | None = None,
        port_id: int = 0x0ECFD3,
        port_state: str = "Online",
        subchannel: str = "0.0.0010",
        bus_id: str = "0.0.1900",
        host: int | None = None,
        fc_host: Overrides | None = None,
        scsi_host: Overrides | None = None,
    ) -> FcHost:
        """Write an s390 zfcp port: ``devices/css0/<subchannel>/<bus_id>/hostN/`` (the CCW
        device gets ``online``, ``cutype``, ``devtype``; ``bus/ccw/devices/<bus_id>`` links
        to it).  Its ``fc_host`` has ``permanent_port_name`` (default: the port name)
        and ``serial_number`` and no ``fabric_name``; ``port_type`` is ``NPIV VPORT``;
        it is not vport-capable; ``unique_id`` is the device number (0x1900: 6400)."""
        ccw = f"devices/css0/{subchannel}/{bus_id}"
        if ccw not in self._dirs:
            self._ensure_dir(ccw)
            ccw_attrs = {"online": "1", "cutype": "1731/03", "devtype": "1732/03"}
            self._write_attrs(ccw, _text(ccw_attrs))
            self._ensure_dir("bus/ccw/devices")
            self._link(f"bus/ccw/devices/{bus_id}", ccw)
        symbolic_name = f"{DRIVERS['zfcp'].symbolic_name}   DEVNO: {bus_id} NAME: s390host"
        fc: dict[str, str | bytes | None] = {"symbolic_name": symbolic_name}
        if permanent_port_name is not None:
            fc["permanent_port_name"] = _kernel_wwn(_wwn(permanent_port_name))
        return self.add_fc_host(
            DeviceDir(self.sys / ccw, ccw),
            "zfcp",
            node_name=node_name,
            port_name=port_name,
            port_state=port_state,
            port_id=port_id,
            host=host,
            unique_id=int(bus_id.rpartition(".")[2], 16),
            fc_host={**fc, **(fc_host or {})},
            scsi_host=scsi_host,
        )

    def add_vport(
        self,
        parent: FcHost,
        *,
        node_name: WWNLike,
        port_name: WWNLike,
        state: str = "Active",
        with_host: bool = True,
        last_state: str | None = None,
        number: int | None = None,
        host: int | None = None,
        unique_id: int | None = None,
        vport: Overrides | None = None,
        fc_host: Overrides | None = None,
        scsi_host: Overrides | None = None,
    ) -> Vport:
        """Write an NPIV vport of ``parent`` as ``vport_create`` leaves it.

        ``<parent>/vport-H:0-N/fc_vports/vport-H:0-N/`` holds ``node_name``,
        ``port_name``, ``roles`` (``FCP Initiator``), ``vport_type`` (``NPIV
        VPORT``), ``vport_state``, ``vport_last_state`` (default: what the
        transport leaves after Unknown -> Initializing -> ``state``),
        ``symbolic_name`` (empty), ``vport_delete`` and ``vport_disable``;
        ``class/fc_vports/vport-H:0-N`` links to it.  With ``with_host`` the
        vHBA's Scsi_Host sits under the vport, ``<vport>/hostM/``, with the
        driver's vport template (``port_type`` ``NPIV VPORT``, no vport
        operations); its port state and speed are the parent's, its fabric
        name and port id are the fabric's only when ``state`` is ``Active``.
        The parent's ``npiv_vports_inuse`` (and lpfc's ``used_vpi``) count
        every vport, with a Scsi_Host or not.
        """
        preset = parent.preset
        if not parent.vport_capable:
            raise ValueError(f"{parent.name} is not a vport-capable physical port")
        if number is None:
            number = parent.next_vport
        parent.next_vport = max(parent.next_vport, number + 1)
        name = f"vport-{parent.number}:0-{number}"
        rel = f"{parent.rel}/{name}"
        node, port = _wwn(node_name), _wwn(port_name)
        if last_state is None:
            last_state = "Unknown" if state == "Initializing" else "Initializing"
        values: dict[str, str | bytes] = {
            "node_name": _kernel_wwn(node),
            "port_name": _kernel_wwn(port),
            "roles": "FCP Initiator",
            "vport_type": "NPIV VPORT",
            "vport_state": state,
            "vport_last_state": last_state,
            "symbolic_name": "",
            "vport_delete": _WO,
        }
        if preset.vport_disable:
            values["vport_disable"] = _WO
        self._mkdir(rel)
        self._class_device(rel, "fc_vports", name, _apply(_text(values), vport))
        vp = Vport(name, number, parent, node, port, state, self.sys / rel, rel)
        parent.vports.append(vp)
        for counter in parent.inuse_files:
            self._write(counter, f"{len(parent.vports)}\n".encode())
        if with_host:
            active = state == "Active"
            fabric = parent.fabric_name if active else None
            vp.host = self._add_fc_host(
                rel,
                preset,
                physical=False,
                pci=parent.pci,
                model=parent.model,
                node_name=node,
                port_name=port,
                fabric_name=preset.no_fabric_name if fabric is None else fabric,
                port_id=(parent.port_id + 1 + number) & 0xFFFFFF if active else 0,
                port_state=parent.port_state,
                port_type="NPIV VPORT",
                speed=parent.speed,
                max_npiv_vports=0,
                host=host,
                unique_id=unique_id,
                fields={"vpi": len(parent.vports)},
                fc_host=fc_host,
                scsi_host=scsi_host,
            )
            vp.host.vport = vp
        return vp

    def add_rport(
        self,
        host: FcHost,
        *,
        node_name: WWNLike,
        port_name: WWNLike,
        port_id: int,
        roles: str = "FCP Target",
        port_state: str = "Online",
        number: int | None = None,
        lun: bool = False,
        rport: Overrides | None = None,
    ) -> RemotePort:
        """Write a remote port ``<host>/rport-H:0-R/`` with ``fc_remote_ports/rport-H:0-R/``
        (``node_name``, ``port_name``, ``port_id``, ``roles``, ``port_state``,
        ``scsi_target_id``, ``dev_loss_tmo``, ``fast_io_fail_tmo``,
        ``supported_classes``, ``maxframe_size``) and its class link.  An ``FCP
        Target`` also gets ``targetH:0:T/`` (``uevent``, ``fc_transport/``,
        ``bus/scsi/devices`` and ``class/fc_transport`` links) and, with ``lun``,
        the LUN ``H:0:T:0/`` below it."""
        if number is None:
            number = host.next_rport
        host.next_rport = max(host.next_rport, number + 1)
        name = f"rport-{host.number}:0-{number}"
        rel = f"{host.rel}/{name}"
        node, port = _wwn(node_name), _wwn(port_name)
        is_target = "FCP Target" in roles
        target_id = host.next_target if is_target else -1
        values: dict[str, str | bytes] = {
            "node_name": _kernel_wwn(node),
            "port_name": _kernel_wwn(port),
            "port_id": f"0x{port_id:06x}",
            "roles": roles,
            "port_state": port_state,
            "scsi_target_id": str(target_id),
            "dev_loss_tmo": host.preset.dev_loss_tmo,
            "fast_io_fail_tmo": "5",
            "supported_classes": "Class 3",
            "maxframe_size": "2048 bytes",
        }
        self._mkdir(rel)
        self._class_device(rel, "fc_remote_ports", name, _apply(_text(values), rport))
        target = None
        if is_target:
            host.next_target += 1
            target = f"target{host.number}:0:{target_id}"
            trel = f"{rel}/{target}"
            self._mkdir(trel)
            self._write(f"{trel}/uevent", b"DEVTYPE=scsi_target\n")
            self._link(f"{trel}/subsystem", "bus/scsi")
            self._class_device(
                trel,
                "fc_transport",
                target,
                _text({k: values[k] for k in ("node_name", "port_name", "port_id")}),
            )
            self._ensure_dir("bus/scsi/devices")
            self._link(f"bus/scsi/devices/{target}", trel)
            if lun:
                lname = f"{host.number}:0:{target_id}:0"
                lrel = f"{trel}/{lname}"
                self._mkdir(lrel)
                self._write_attrs(
                    lrel,
                    _text(
                        {
                            "uevent": "DEVTYPE=scsi_device",
                            "type": "0",
                            "vendor": "3PARdata",
                            "model": "VV              ",
                            "rev": "3310",
                            "state": "running",
                        }
                    ),
                )
                self._link(f"{lrel}/subsystem", "bus/scsi")
                self._link(f"bus/scsi/devices/{lname}", lrel)
        return RemotePort(name, self.sys / rel, node, port, port_id, roles, target)

    def add_ata_host(
        self,
        pci: PciFunction | str,
        *,
        port: int | None = None,
        proc_name: str = "ahci",
        host: int | None = None,
        unique_id: int | None = None,
        scsi_host: Overrides | None = None,
    ) -> ScsiHost:
        """Write a libata host, no ``fc_host``: ``<pci>/ata<port>/hostN/scsi_host/hostN/``
        with the generic ``scsi_host`` attributes and ``link_power_management_policy``;
        ``unique_id`` is the ATA port number (ports count from 1 across controllers)."""
        fn = self.pci[pci.lower()] if isinstance(pci, str) else pci
        if port is None:
            port = self._next_ata
        self._next_ata = max(self._next_ata, port + 1)
        number, _, unique_id = self._host_ids(
            proc_name, "", host, port if unique_id is None else unique_id
        )
        ata = f"{fn.rel}/ata{port}"
        self._mkdir(ata)
        lpm = {"link_power_management_policy": "max_performance"}
        scsi = _apply(
            self._scsi_attrs(proc_name, ("31", "1", "168"), unique_id, lpm, {}), scsi_host
        )
        rel = self._add_host(ata, number, scsi, None)
        result = ScsiHost(number, unique_id, proc_name, self.sys / rel, rel)
        self.hosts[number] = result
        return result

    def write_pci_ids(self) -> Path:
        """Write ``<root>/usr/share/misc/pci.ids`` naming the PCI devices added so far."""
        return write_pci_ids(self.root, self.pci_ids)


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
    """Write the benchmark host: ``cards`` cards (function ``0000:BB:00.P`` behind root
    port ``0000:00:SS.0``) of ``ports_per_card`` Online ports each, every port with
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
        bridge = builder.add_bridge(f"0000:00:{card + 2:02x}.0")
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
