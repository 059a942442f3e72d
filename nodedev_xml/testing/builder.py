"""The layout builder: where the kernel puts each device of a fake sysfs tree.

:class:`SysfsBuilder` adds PCI functions (with their bridges and SR-IOV
links), Fibre Channel ports, NPIV vports with or without their vHBA, remote
ports with their targets and LUNs, SATA hosts and s390 zfcp hosts, each in its
kernel place with its class and bus entries.  What the files hold comes from
:mod:`~nodedev_xml.testing.attributes` and the driver's
:mod:`~nodedev_xml.testing.presets`; the files themselves are written by
:class:`~nodedev_xml.testing.tree.TreeWriter`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path

from .attributes import (
    PCIE_DOWNSTREAM_PORT,
    PCIE_ENDPOINT,
    PCIE_ROOT_PORT,
    SCSI_DRIVERS,
    FCPortValues,
    ap_card_files,
    ap_queue_files,
    ccw_device_files,
    fc_remote_port_files,
    fc_transport_files,
    fc_vport_files,
    pci_function_files,
    scsi_device_files,
    scsi_host_files,
    subchannel_files,
)
from .pciids import write_pci_ids
from .presets import DEFAULT_FABRIC, DRIVERS, DriverPreset, fastest
from .specs import (
    APCardSpec,
    DeviceDir,
    FCHostSpec,
    PCIeLink,
    PCIFunctionSpec,
    RemotePortSpec,
    ScsiHostSpec,
    VportSpec,
)
from .tree import TreeWriter
from .values import WRITE_ONLY, Overrides, WWNLike, apply_overrides, kernel_wwn, parse_wwn
from .vport import (
    VPORT_COUNTERS,
    PhysicalPort,
    fc_scsi_host_files,
    template_fields,
    vhba_port,
    vport_name,
    write_scsi_host,
    write_vport,
)
from .vport import unique_id as _unique_id

__all__ = ["SysfsBuilder"]

#: The link :meth:`SysfsBuilder.add_bridge` gives a port unless told: 8 GT/s, 16 lanes.
ROOT_PORT_LINK = PCIeLink("8.0", 16)

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
#: Block drivers by the names of their disks: (major, minors a disk takes, logical
#: block size, removable).
_BLOCK_DRIVERS = {"mmcblk": (179, 8, 512, False), "nvme": (259, 1, 512, False),
                  "dasd": (94, 4, 4096, False), "sd": (8, 16, 512, False),
                  "sr": (11, 1, 2048, True), "fd": (2, 1, 512, True),
                  "vd": (252, 16, 512, False)}  # fmt: skip

_PCI_ADDRESS = re.compile(r"[0-9a-f]{4}:[0-9a-f]{2}:[01][0-9a-f]\.[0-7]")


class SysfsBuilder:
    """Writes a fake sysfs tree under ``<root>/sys``.

    Host numbers are handed out in call order from ``first_host`` unless given;
    ``unique_id`` follows the driver (qla2xxx: the host number; lpfc: the
    driver's instance counter from 0, vHBAs included; libata: the ATA port
    number; zfcp: the device number; others: 0, the kernel default).
    The ``add_*`` methods raise ValueError for what the kernel could not show
    (a host number or PCI address taken, a vport on a port that cannot have
    one, a malformed WWN or PCI address) and KeyError for a driver preset or
    a PCI function the builder does not know.

    ``hosts`` (by number) and ``pci`` (by address) hold the records of what was
    added; ``tree`` is the :class:`~nodedev_xml.testing.tree.TreeWriter` it
    writes with, for what the builder has no method for.  ``complete``: every
    device gets its ``uevent`` and every class device its ``subsystem`` link, as
    in the kernel and the emulator's trees (see :mod:`~nodedev_xml.testing.tree`).
    """

    def __init__(
        self, root: str | os.PathLike[str], *, first_host: int = 0, complete: bool = False
    ) -> None:
        self.root = Path(root)
        self.sys = self.root / "sys"
        self.sys.mkdir(parents=True, exist_ok=True)
        self.tree = TreeWriter(self.sys, complete=complete)
        self._next_host = first_host
        self._next_ata = 1
        self._fabric_ports = 0
        self._instances: dict[str, int] = {}
        self._ccw_devices: set[str] = set()
        self._usb_numbers: dict[int, int] = {}
        self._ifindex = 1
        self._disks: set[str] = set()
        self._ap_cards: list[APCardSpec] = []
        self._ap_guest_domains: set[int] = set()
        self._block_counts: dict[int, int] = {}
        self.hosts: dict[int, ScsiHostSpec] = {}
        self.pci: dict[str, PCIFunctionSpec] = {}
        self.pci_ids: set[tuple[int, int]] = set()

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
        parent: PCIFunctionSpec | str | None = None,
        numa_node: int = -1,
        sriov_totalvfs: int | None = None,
        physfn: PCIFunctionSpec | str | None = None,
        vpd: bytes | None = None,
        pcie: PCIeLink | None = None,
        iommu_group: int | None = None,
        attrs: Overrides | None = None,
        port_type: int = PCIE_ENDPOINT,
    ) -> PCIFunctionSpec:
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
        ``pcie`` makes it a PCI Express function (of ``port_type``): a 4 KiB
        config space with a PCI Express capability holding that link, and the
        ``max_link_*`` / ``current_link_*`` attributes; else it is conventional
        PCI (256 bytes, no capability list).  ``iommu_group`` puts it in that
        group: an ``iommu_group`` link to ``kernel/iommu_groups/N``, whose
        ``devices/<address>`` links back.  ``bus/pci/devices/<address>`` links to it.
        ``vpd`` is the binary ``vpd`` file (a Vital Product Data image:
        :func:`~nodedev_xml.testing.vpd.vpd_image`).
        """
        address = address.lower()
        if not _PCI_ADDRESS.fullmatch(address):
            raise ValueError(f"not a PCI address: {address!r}")
        if address in self.pci:
            raise ValueError(f"PCI function {address} already exists")
        pf = self.pci[physfn] if isinstance(physfn, str) else physfn
        rel = f"{self._pci_parent(address, parent, pf)}/{address}"
        files = pci_function_files(
            address,
            vendor=vendor,
            device=device,
            pci_class=pci_class,
            subsystem=subsystem or (vendor, device),
            driver=driver,
            numa_node=numa_node,
            sriov_totalvfs=sriov_totalvfs,
            pcie=pcie,
            port_type=port_type,
        )
        if vpd is not None:
            files["vpd"] = vpd
        self.tree.device(rel, apply_overrides(files, attrs), subsystem="bus/pci")
        self.tree.bus_entry("pci", address, rel)
        if driver:
            self._bind_driver(rel, address, driver)
        if iommu_group is not None:
            self._join_iommu_group(rel, address, iommu_group)
        fn = PCIFunctionSpec(self.sys / rel, rel, address, vendor, device, driver, sriov_totalvfs,
                             pcie=pcie, iommu_group=iommu_group)  # fmt: skip
        if pf is not None:
            self._add_virtfn(pf, fn)
        self.pci[address] = fn
        self.pci_ids.add((vendor, device))
        return fn

    def add_bridge(
        self,
        address: str,
        *,
        parent: PCIFunctionSpec | str | None = None,
        vendor: int = 0x8086,
        device: int = 0x2F08,
        pcie: PCIeLink | None = ROOT_PORT_LINK,
        iommu_group: int | None = None,
        numa_node: int = -1,
    ) -> PCIFunctionSpec:
        """Write a PCI Express port (class ``0x060400``, driver ``pcieport``) for functions
        below it: a root port on its root bus, a downstream port below another
        bridge.  The default ids are an Intel Xeon E5 v3 root port, the default link
        :data:`ROOT_PORT_LINK`; ``pcie=None`` makes it a conventional PCI bridge."""
        return self.add_pci_function(
            address,
            vendor=vendor,
            device=device,
            pci_class=0x060400,
            driver="pcieport",
            parent=parent,
            numa_node=numa_node,
            pcie=pcie,
            iommu_group=iommu_group,
            port_type=PCIE_ROOT_PORT if parent is None else PCIE_DOWNSTREAM_PORT,
        )

    def _pci_parent(
        self, address: str, parent: PCIFunctionSpec | str | None, pf: PCIFunctionSpec | None
    ) -> str:
        """The directory a new PCI function goes in: its bridge's (made if named and new),
        its physical function's, or its root bus ``devices/pciDDDD:BB``."""
        if isinstance(parent, str):
            parent = self.pci.get(parent.lower()) or self.add_bridge(parent)
        if parent is not None:
            return parent.rel
        if pf is not None:
            return pf.rel.rpartition("/")[0]
        root_bus = f"devices/pci{address[:7]}"
        self.tree.ensure_dir(root_bus)
        return root_bus

    def _bind_driver(self, rel: str, address: str, driver: str) -> None:
        """The function's ``driver`` link and the driver's link back to the function."""
        self.tree.ensure_dir(f"bus/pci/drivers/{driver}")
        self.tree.link(f"{rel}/driver", f"bus/pci/drivers/{driver}")
        self.tree.link(f"bus/pci/drivers/{driver}/{address}", rel)

    def _join_iommu_group(self, rel: str, address: str, group: int) -> None:
        """The function's ``iommu_group`` link and the group's link back to it."""
        self.tree.ensure_dir(f"kernel/iommu_groups/{group}/devices")
        self.tree.link(f"{rel}/iommu_group", f"kernel/iommu_groups/{group}")
        self.tree.link(f"kernel/iommu_groups/{group}/devices/{address}", rel)

    def _add_virtfn(self, pf: PCIFunctionSpec, vf: PCIFunctionSpec) -> None:
        """Make ``vf`` the next virtual function of ``pf``: ``physfn``, ``virtfnN`` and
        ``sriov_numvfs``."""
        vf.physfn = pf.address
        self.tree.link(f"{vf.rel}/physfn", pf.rel)
        self.tree.link(f"{pf.rel}/virtfn{len(pf.virtfns)}", vf.rel)
        pf.virtfns.append(vf.address)
        self.tree.write(f"{pf.rel}/sriov_numvfs", f"{len(pf.virtfns)}\n".encode())

    # -- SCSI hosts ----------------------------------------------------------------------------

    def _allocate_host(
        self, proc_name: str, rule: str, host: int | None, unique_id: int | None
    ) -> tuple[int, int, int]:
        """The host number, driver instance and ``unique_id`` of a new Scsi_Host
        (``rule`` is the preset's ``unique_id`` rule)."""
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
            unique_id = _unique_id(rule, host, instance)
        return host, instance, unique_id

    def _add_fc_host(
        self,
        parent_rel: str,
        preset: DriverPreset,
        port: FCPortValues,
        *,
        physical: bool,
        pci: PCIFunctionSpec | None,
        model: str,
        host: int | None,
        unique_id: int | None,
        vpi: int | None,
        fc_host: Overrides | None,
        scsi_host: Overrides | None,
    ) -> FCHostSpec:
        """A Scsi_Host with an ``fc_host``, physical or vHBA (``physical=False``, ``vpi``
        its port's vport count), with the attribute set of the matching template."""
        number, instance, unique_id = self._allocate_host(
            preset.proc_name, preset.unique_id, host, unique_id
        )
        card = preset.card(model)
        totalvfs = (pci.sriov_totalvfs or 0) if pci else 0
        fields = template_fields(
            port, model=model, desc=card.desc, instance=instance, totalvfs=totalvfs, vpi=vpi
        )
        scsi, fc = fc_scsi_host_files(
            preset,
            port,
            physical=physical,
            supported_speeds=card.supported_speeds,
            unique_id=unique_id,
            fields=fields,
        )
        apply_overrides(fc, fc_host)
        apply_overrides(scsi, scsi_host)
        rel = write_scsi_host(self.tree, parent_rel, number, scsi, fc)
        result = FCHostSpec(
            number,
            unique_id,
            preset.proc_name,
            self.sys / rel,
            rel,
            preset=preset,
            model=model,
            node_name=port.node_name,
            port_name=port.port_name,
            fabric_name=port.fabric_name if "fabric_name" in fc else None,
            port_id=port.port_id,
            port_state=port.port_state,
            speed=port.speed,
            pci=pci,
            vport_capable="vport_create" in fc,
        )
        result.inuse_files = _vport_counters(rel, number, (fc, fc_host), (scsi, scsi_host))
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
    ) -> FCHostSpec:
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
        if port_id is None and online:
            self._fabric_ports += 1
            port_id = (0x010000 + (self._fabric_ports << 8)) & 0xFFFF00
        if fabric_name is None:
            fabric_name = DEFAULT_FABRIC if online else preset.no_fabric_name
        if speed is None:
            speed = fastest(preset.card(model).supported_speeds) if online else "unknown"
        if max_npiv_vports is None:
            max_npiv_vports = preset.max_npiv_vports
        port = FCPortValues(
            node_name=parse_wwn(node_name),
            port_name=parse_wwn(port_name),
            fabric_name=parse_wwn(fabric_name),
            port_id=port_id or 0,
            port_state=port_state,
            port_type=port_type or (preset.port_type if online else "Unknown"),
            speed=speed,
            max_npiv_vports=max_npiv_vports,
        )
        return self._add_fc_host(
            parent.rel,
            preset,
            port,
            physical=True,
            pci=parent if isinstance(parent, PCIFunctionSpec) else None,
            model=model,
            host=host,
            unique_id=unique_id,
            vpi=None,
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
    ) -> FCHostSpec:
        """Write an s390 zfcp port: ``devices/css0/<subchannel>/<bus_id>/hostN/`` (the CCW
        device gets ``online``, ``cutype``, ``devtype``; ``bus/ccw/devices/<bus_id>`` links
        to it).  Its ``fc_host`` has ``permanent_port_name`` (default: the port name)
        and ``serial_number`` and no ``fabric_name``; ``port_type`` is ``NPIV VPORT``;
        it is not vport-capable; ``unique_id`` is the device number (0x1900: 6400)."""
        ccw = self._ccw_device(subchannel, bus_id)
        symbolic_name = f"{DRIVERS['zfcp'].symbolic_name}   DEVNO: {bus_id} NAME: s390host"
        fc: dict[str, str | bytes | None] = {"symbolic_name": symbolic_name}
        if permanent_port_name is not None:
            fc["permanent_port_name"] = kernel_wwn(parse_wwn(permanent_port_name))
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

    def _ccw_device(self, subchannel: str, bus_id: str) -> str:
        """The CCW device ``devices/css0/<subchannel>/<bus_id>`` (written once, shared by
        the hosts on it), bound to ``zfcp``, below its I/O subchannel (bound to
        ``io_subchannel``), as an s390 kernel lays them out: each with its
        ``uevent``, ``subsystem`` and ``driver`` links and its bus entry
        (``bus/css/devices/<subchannel>``, ``bus/ccw/devices/<bus_id>``); returns its path."""
        ccw = f"devices/css0/{subchannel}/{bus_id}"
        if ccw not in self._ccw_devices:
            self._ccw_devices.add(ccw)
            if not self.tree.path("devices/css0").is_dir():
                self.tree.ensure_dir("devices/css0")
                self.tree.write("devices/css0/uevent", b"\n")
            sch = f"devices/css0/{subchannel}"
            self.tree.device(sch, subchannel_files(bus_id), subsystem="bus/css")
            self._bind(sch, "bus/css/drivers/io_subchannel")
            self.tree.bus_entry("css", subchannel, sch)
            self.tree.device(ccw, ccw_device_files(), subsystem="bus/ccw")
            self._bind(ccw, "bus/ccw/drivers/zfcp")
            self.tree.bus_entry("ccw", bus_id, ccw)
        return ccw

    def add_vfio_ccw_subchannel(self, subchannel: str, bus_id: str) -> DeviceDir:
        """An I/O subchannel handed to ``vfio_ccw`` (for a guest): ``devices/css0/<subchannel>``
        bound to ``vfio_ccw``, its CCW device ``bus_id`` not probed, and the
        mediated-device type ``vfio_ccw-io`` it offers (:meth:`add_mdev` creates one)."""
        if not self.tree.path("devices/css0").is_dir():
            self.tree.ensure_dir("devices/css0")
            self.tree.write("devices/css0/uevent", b"\n")
        sch = f"devices/css0/{subchannel}"
        files = {**subchannel_files(bus_id), "uevent": b"DRIVER=vfio_ccw\nST=0\nMODALIAS=css:t0\n"}
        self.tree.device(sch, files, subsystem="bus/css")
        self._bind(sch, "bus/css/drivers/vfio_ccw")
        self.tree.bus_entry("css", subchannel, sch)
        where = DeviceDir(self.sys / sch, sch)
        self.add_mdev_types(where, {"vfio_ccw-io": ("I/O subchannel (Non-QDIO)", "vfio-ccw", 1)})
        return where

    # -- s390 AP (crypto) devices --------------------------------------------------------------

    def add_ap_card(
        self, adapter: int, *, hwtype: int = 13, mode: str = "cca", driver: str | None = "cex4card"
    ) -> APCardSpec:
        """Write the AP card ``devices/ap/cardNN`` (``NN``: ``adapter`` in hex) below the AP
        bus's root device, of hardware type ``hwtype`` (13: CEX7) in ``mode`` (``cca``,
        ``accel``, ``ep11``), bound to ``driver`` (or none), with its bus entry
        ``bus/ap/devices/cardNN``; the bus's masks follow (:meth:`add_ap_queue`).
        ValueError for an adapter number the bus has not (0 to 255) or has taken."""
        if not 0 <= adapter <= 0xFF or any(c.adapter == adapter for c in self._ap_cards):
            raise ValueError(f"AP adapter {adapter} is out of range or taken")
        self._ap_bus()
        rel = f"devices/ap/card{adapter:02x}"
        self.tree.device(rel, ap_card_files(adapter, hwtype, mode, driver), subsystem="bus/ap")
        if driver is not None:
            self._bind(rel, f"bus/ap/drivers/{driver}")
        self.tree.bus_entry("ap", f"card{adapter:02x}", rel)
        card = APCardSpec(self.sys / rel, rel, adapter, mode)
        self._ap_cards.append(card)
        self._ap_masks()
        return card

    def add_ap_queue(
        self, card: APCardSpec, domain: int, *, driver: str | None = "cex4queue"
    ) -> DeviceDir:
        """Write the AP queue ``NN.DDDD`` (``domain`` of ``card``) below its card, bound
        to ``driver``: ``cex4queue`` (the host's), ``vfio_ap`` (held for a guest: the
        domain leaves the bus's ``aqmask``, as ``chzdev``/``vfio-ap`` set-up does), or
        ``None`` (no driver took it).  ValueError for a domain out of range or taken."""
        if not 0 <= domain <= 0xFF or domain in card.domains:
            raise ValueError(f"AP domain {domain} is out of range or taken on card {card.adapter}")
        name = f"{card.adapter:02x}.{domain:04x}"
        rel = f"{card.rel}/{name}"
        self.tree.device(rel, ap_queue_files(card.mode, driver), subsystem="bus/ap")
        if driver is not None:
            self._bind(rel, f"bus/ap/drivers/{driver}")
        self.tree.bus_entry("ap", name, rel)
        card.domains.append(domain)
        if driver == "vfio_ap":
            self._ap_guest_domains.add(domain)
        self._ap_masks()
        return DeviceDir(self.sys / rel, rel)

    def add_ap_matrix(
        self, available_instances: int | None = 256, *, driver: str | None = "vfio_ap"
    ) -> DeviceDir:
        """Write vfio_ap's matrix device ``devices/vfio_ap/matrix`` (below the module's
        root device, on the ``matrix`` bus, bound to ``driver``) with the mediated-device
        type ``vfio_ap-passthrough`` it offers, ``available_instances`` of it left
        (``None``: no ``mdev_supported_types``, as before vfio_ap's mdev parent is
        registered)."""
        self._root_device("devices/vfio_ap")
        rel = "devices/vfio_ap/matrix"
        uevent = f"DRIVER={driver}\n" if driver is not None else ""
        self.tree.device(rel, {"uevent": uevent.encode()}, subsystem="bus/matrix")
        if driver is not None:
            self._bind(rel, f"bus/matrix/drivers/{driver}")
        self.tree.bus_entry("matrix", "matrix", rel)
        if available_instances is not None:
            types = {"vfio_ap-passthrough": ("VFIO AP Passthrough Device", "vfio-ap",
                                             available_instances)}  # fmt: skip
            self.add_mdev_types(DeviceDir(self.sys / rel, rel), types, description=None)
        return DeviceDir(self.sys / rel, rel)

    def _root_device(self, rel: str) -> None:
        """A root device (``devices/ap``, ``devices/vfio_ap``): a directory with its
        ``uevent`` (no variables), on no bus nor class (no node device)."""
        if not self.tree.path(rel).is_dir():
            self.tree.ensure_dir(rel)
            self.tree.write(f"{rel}/uevent", b"\n")

    def _ap_bus(self) -> None:
        """The AP bus's root device and its attributes (written once)."""
        if self.tree.path("devices/ap").is_dir():
            return
        self._root_device("devices/ap")
        self.tree.ensure_dir("bus/ap/devices")
        self.tree.write_attrs("bus/ap", {"ap_domain": b"-1\n", "ap_max_domain_id": b"84\n",
                                         "ap_max_adapter_id": b"255\n",
                                         "ap_interrupts": b"1\n"})  # fmt: skip

    def _ap_masks(self) -> None:
        """The AP bus's masks (256 bits, bit 0 leftmost) as the cards and queues make
        them: the adapters and domains configured, and ``apmask``/``aqmask``, which
        give the host's drivers every adapter and each domain no guest holds."""

        def mask(bits: set[int]) -> bytes:
            return f"0x{sum(1 << (255 - b) for b in bits):064x}\n".encode()

        adapters = {c.adapter for c in self._ap_cards}
        domains = {d for c in self._ap_cards for d in c.domains}
        self.tree.write_attrs("bus/ap", {
            "ap_adapter_mask": mask(adapters), "ap_usage_domain_mask": mask(domains),
            "ap_control_domain_mask": mask(domains), "apmask": mask(set(range(256))),
            "aqmask": mask(set(range(256)) - self._ap_guest_domains)})  # fmt: skip

    def _bind(self, rel: str, driver: str) -> None:
        """A ``driver`` link from the device ``rel`` to ``driver`` (``bus/X/drivers/NAME``)."""
        if not self.tree.path(driver).is_dir():
            self.tree.ensure_dir(driver)
            self.tree.write_attrs(driver, {"bind": WRITE_ONLY, "unbind": WRITE_ONLY})
        self.tree.link(f"{rel}/driver", driver)

    # -- NPIV vports ---------------------------------------------------------------------------

    def add_vport(
        self,
        parent: FCHostSpec,
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
    ) -> VportSpec:
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
        if not parent.vport_capable:
            raise ValueError(f"{parent.name} is not a vport-capable physical port")
        if number is None:
            number = parent.next_vport
        parent.next_vport = max(parent.next_vport, number + 1)
        name = vport_name(parent.number, number)
        node, port = parse_wwn(node_name), parse_wwn(port_name)
        if last_state is None:
            last_state = "Unknown" if state == "Initializing" else "Initializing"
        files = fc_vport_files(
            node, port, state, last_state, vport_disable=parent.preset.vport_disable
        )
        rel, _ = write_vport(self.tree, parent.rel, name, apply_overrides(files, vport))
        vp = VportSpec(name, number, parent, node, port, state, self.sys / rel, rel)
        parent.vports.append(vp)
        for counter in parent.inuse_files:
            self.tree.write(counter, f"{len(parent.vports)}\n".encode())
        if with_host:
            vp.host = self._add_vhba(vp, host, unique_id, fc_host, scsi_host)
        return vp

    def _add_vhba(
        self,
        vport: VportSpec,
        host: int | None,
        unique_id: int | None,
        fc_host: Overrides | None,
        scsi_host: Overrides | None,
    ) -> FCHostSpec:
        """The vHBA of ``vport``: a Scsi_Host below it, on the fabric when it is Active."""
        parent = vport.parent
        preset = parent.preset
        card = preset.card(parent.model)
        fabric = parent.fabric_name
        physical = PhysicalPort(
            preset,
            parent.model,
            card.desc,
            card.supported_speeds,
            FCPortValues(
                node_name=parent.node_name,
                port_name=parent.port_name,
                fabric_name=preset.no_fabric_name if fabric is None else fabric,
                port_id=parent.port_id,
                port_state=parent.port_state,
                port_type=preset.port_type,
                speed=parent.speed,
                max_npiv_vports=0,
            ),
        )
        port = vhba_port(
            physical, vport.node_name, vport.port_name, vport.number,
            active=vport.state == "Active",
        )  # fmt: skip
        vhba = self._add_fc_host(
            vport.rel,
            preset,
            port,
            physical=False,
            pci=parent.pci,
            model=parent.model,
            host=host,
            unique_id=unique_id,
            vpi=len(parent.vports),
            fc_host=fc_host,
            scsi_host=scsi_host,
        )
        vhba.vport = vport
        return vhba

    # -- remote ports, targets, LUNs -----------------------------------------------------------

    def add_rport(
        self,
        host: FCHostSpec,
        *,
        node_name: WWNLike,
        port_name: WWNLike,
        port_id: int,
        roles: str = "FCP Target",
        port_state: str = "Online",
        number: int | None = None,
        lun: bool = False,
        rport: Overrides | None = None,
    ) -> RemotePortSpec:
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
        node, port = parse_wwn(node_name), parse_wwn(port_name)
        is_target = "FCP Target" in roles
        target_id = host.next_target if is_target else -1
        files = fc_remote_port_files(
            node,
            port,
            port_id,
            roles=roles,
            port_state=port_state,
            target_id=target_id,
            dev_loss_tmo=host.preset.dev_loss_tmo,
        )
        self.tree.device(rel, {}, subsystem=None)
        self.tree.class_device(rel, "fc_remote_ports", name, apply_overrides(files, rport))
        target = None
        if is_target:
            host.next_target += 1
            target = f"target{host.number}:0:{target_id}"
            trel = f"{rel}/{target}"
            self.tree.device(trel, {"uevent": b"DEVTYPE=scsi_target\n"}, subsystem="bus/scsi")
            self.tree.class_device(
                trel, "fc_transport", target, fc_transport_files(node, port, port_id)
            )
            self.tree.bus_entry("scsi", target, trel)
        spec = RemotePortSpec(name, self.sys / rel, node, port, port_id, roles, target)
        if lun:
            self.add_lun(spec, 0)
        return spec

    def add_lun(
        self,
        rport: RemotePortSpec,
        lun: int,
        *,
        type: int = 0,
        vendor: str = "3PARdata",
        model: str = "VV",
        rev: str = "3310",
        block: str | None = None,
        sectors: int = 209715200,
        files: Overrides | None = None,
        serial: str | None = None,
        sg: int | None = None,
        udev: Mapping[str, str | None] | None = None,
    ) -> Path:
        """Write the SCSI device (LUN) ``H:0:T:<lun>/`` below the remote port's
        target: its attributes (``type``, the inquiry strings, ``state``...), the
        ``driver`` link of its type's upper-level driver (``sd``, ``st``, ``sr``,
        ``ch``, ``ses``; none for other types), ``scsi_device/H:0:T:L/`` and its
        ``bus/scsi`` entry.  With ``block`` (``sdc``, ``sr0``), also its block
        device ``block/sdc/`` of ``sectors`` 512-byte sectors (default 100 GiB; see
        :meth:`add_block_device`), and with ``serial`` or ``udev`` too the root's
        udev database entry for it (``ID_TYPE=disk`` or, for ``srN``, ``cd``,
        ``ID_BUS=scsi``, ``ID_SERIAL``, then ``udev``'s properties, ``None``
        removing one: what makes it a ``storage`` device to libvirt).  With
        ``sg``, its SCSI generic node ``<lun>/scsi_generic/sg<sg>/``
        (``class/scsi_generic``).  No block or generic device by default.  Returns
        the LUN's directory."""
        if rport.target is None:
            raise ValueError(f"{rport.name} has no target: it is no FCP Target")
        target_rel = f"{rport.path.relative_to(self.sys)}/{rport.target}"
        address = rport.target.removeprefix("target")
        files = apply_overrides(
            scsi_device_files(type, vendor, model, rev, SCSI_DRIVERS.get(type)), files
        )
        path = self._write_lun(target_rel, f"{address}:{lun}", files)
        lun_rel = f"{target_rel}/{address}:{lun}"
        self._lun_nodes(lun_rel, block, sectors, serial, sg, udev, vendor, model)
        return path

    def add_host_lun(
        self,
        host: ScsiHostSpec,
        lun: int = 0,
        *,
        target: int = 0,
        type: int = 0,
        vendor: str = "ATA",
        model: str = "Samsung SSD 870",
        rev: str = "2B6Q",
        block: str | None = None,
        sectors: int = 209715200,
        serial: str | None = None,
        sg: int | None = None,
        udev: Mapping[str, str | None] | None = None,
    ) -> Path:
        """Write a LUN its host's driver finds by itself (usb-storage, libata, a
        RAID or CD-ROM adapter): ``hostN/targetN:0:<target>/N:0:<target>:<lun>/``,
        the target written with its first LUN; the rest as :meth:`add_lun`.
        Returns the LUN's directory."""
        name = f"target{host.number}:0:{target}"
        target_rel = f"{host.rel}/{name}"
        if not self.tree.path(target_rel).is_dir():
            self.tree.device(target_rel, {"uevent": b"DEVTYPE=scsi_target\n"}, subsystem="bus/scsi")
            self.tree.bus_entry("scsi", name, target_rel)
        files = scsi_device_files(type, vendor, model, rev, SCSI_DRIVERS.get(type))
        address = f"{host.number}:0:{target}:{lun}"
        path = self._write_lun(target_rel, address, files)
        self._lun_nodes(f"{target_rel}/{address}", block, sectors, serial, sg, udev, vendor, model)
        return path

    def _lun_nodes(
        self,
        lun_rel: str,
        block: str | None,
        sectors: int,
        serial: str | None,
        sg: int | None,
        udev: Mapping[str, str | None] | None,
        vendor: str,
        model: str,
    ) -> None:
        """A LUN's SCSI generic node and block device (:meth:`add_lun`)."""
        if sg is not None:
            event = f"MAJOR=21\nMINOR={sg}\nDEVNAME=sg{sg}\n"
            rel = self.tree.class_device(lun_rel, "scsi_generic", f"sg{sg}",
                                         {"uevent": event.encode(), "dev": f"21:{sg}\n".encode()})
            self.tree.link(f"{rel}/subsystem", "class/scsi_generic")
        if block is None:
            return
        props: dict[str, str | None] | None = None
        if serial is not None or udev is not None:
            props = {"ID_TYPE": "cd", "ID_CDROM": "1"} if block.startswith("sr") else {
                "ID_TYPE": "disk"}
            props |= {"ID_BUS": "scsi", "ID_SERIAL": serial, "ID_VENDOR": vendor.strip(),
                      "ID_MODEL": model.strip(), **(udev or {})}  # fmt: skip
        self.add_block_device(DeviceDir(self.sys / lun_rel, lun_rel), block, sectors=sectors,
                              udev=props)  # fmt: skip

    def add_block_device(
        self,
        parent: DeviceDir,
        name: str,
        *,
        sectors: int = 209715200,
        removable: bool | None = None,
        block_size: int | None = None,
        udev: Mapping[str, str | None] | None = None,
        files: Overrides | None = None,
    ) -> DeviceDir:
        """Write the block device (a whole disk) ``<parent>/block/<name>/`` as the
        kernel lays it out, with its ``device`` link to ``parent`` and its
        ``class/block`` entry: ``uevent`` (``MAJOR``, ``MINOR``, ``DEVNAME``,
        ``DEVTYPE=disk``), ``dev``, ``size`` (``sectors``, 512-byte sectors),
        ``removable``, ``ro`` and ``queue/logical_block_size``.  The major number,
        whether it is ``removable`` and its block size follow its driver, told by
        the name (``sd``: 8, 512; ``sr``: 11, removable, 2048; ``fd``: 2,
        removable; ``mmcblk``: 179; ``nvme``: 259; ``vd``: 252; ``dasd``: 94,
        4096) unless given.  With ``udev``, the root's udev database entry
        (``b<major>:<minor>``) with ``DEVNAME``, ``DEVTYPE`` and those properties
        (``None`` leaves one out); ``files`` overrides the attribute files.  Raises
        KeyError for a name of no such driver."""
        kind = next((k for k in _BLOCK_DRIVERS if name.startswith(k)), None)
        if kind is None:
            raise KeyError(f"no block driver names its disks like {name!r}")
        major, per_disk, size, gone = _BLOCK_DRIVERS[kind]
        count = self._block_counts.get(major, 0)
        self._block_counts[major] = count + 1
        minor = 16 * (len(self._disks) % 16) if kind == "sd" else per_disk * count
        if kind == "sd":
            self._disks.add(name)
        removable = gone if removable is None else removable
        block_size = size if block_size is None else block_size
        self.tree.ensure_dir(f"{parent.rel}/block")
        rel = f"{parent.rel}/block/{name}"
        uevent = f"MAJOR={major}\nMINOR={minor}\nDEVNAME={name}\nDEVTYPE=disk\n"
        attrs = {"uevent": uevent.encode(), "dev": f"{major}:{minor}\n".encode(),
                 "size": f"{sectors}\n".encode(), "removable": b"1\n" if removable else b"0\n",
                 "ro": b"0\n", "queue/logical_block_size": f"{block_size}\n".encode()}  # fmt: skip
        self.tree.device(rel, apply_overrides(attrs, files), subsystem="class/block")
        self.tree.link(f"{rel}/device", parent.rel)
        self.tree.ensure_dir("class/block")
        self.tree.link(f"class/block/{name}", rel)
        if udev is not None:
            props = {"DEVNAME": f"/dev/{name}", "DEVTYPE": "disk", **udev}
            self.write_udev_data(f"b{major}:{minor}",
                                 {k: v for k, v in props.items() if v is not None})  # fmt: skip
        return DeviceDir(self.sys / rel, rel)

    def add_ata_disk(
        self, host: ScsiHostSpec, *, model: str = "Samsung SSD 870", rev: str = "2B6Q"
    ) -> Path:
        """Write a SATA disk on a libata host: ``hostN/targetN:0:0/N:0:0:0/`` (vendor
        ``ATA``, disk type 0, bound to ``sd``).  Returns the device's directory."""
        target = f"target{host.number}:0:0"
        trel = f"{host.rel}/{target}"
        self.tree.device(trel, {"uevent": b"DEVTYPE=scsi_target\n"}, subsystem="bus/scsi")
        self.tree.bus_entry("scsi", target, trel)
        files = scsi_device_files(0, "ATA", model, rev, "sd")
        return self._write_lun(trel, f"{host.number}:0:0:0", files)

    def _write_lun(self, target_rel: str, name: str, files: Mapping[str, bytes]) -> Path:
        """The SCSI device ``H:C:T:L`` below its target, its ``driver`` link (from
        ``DRIVER=`` in its uevent), its ``scsi_device`` class device and its
        ``bus/scsi`` entry."""
        rel = f"{target_rel}/{name}"
        self.tree.device(rel, files, subsystem="bus/scsi")
        for line in files.get("uevent", b"").decode().splitlines():
            if line.startswith("DRIVER="):
                driver = f"bus/scsi/drivers/{line.removeprefix('DRIVER=')}"
                if not self.tree.path(driver).is_dir():
                    self.tree.ensure_dir(driver)
                    self.tree.write_attrs(driver, {"bind": WRITE_ONLY, "unbind": WRITE_ONLY})
                self.tree.link(f"{rel}/driver", driver)
        self.tree.class_device(rel, "scsi_device", name, {})
        self.tree.bus_entry("scsi", name, rel)
        return self.sys / rel

    # -- SATA ----------------------------------------------------------------------------------

    def add_ata_host(
        self,
        pci: PCIFunctionSpec | str,
        *,
        port: int | None = None,
        proc_name: str = "ahci",
        host: int | None = None,
        unique_id: int | None = None,
        scsi_host: Overrides | None = None,
    ) -> ScsiHostSpec:
        """Write a libata host, no ``fc_host``: ``<pci>/ata<port>/hostN/scsi_host/hostN/``
        with the generic ``scsi_host`` attributes and ``link_power_management_policy``;
        ``unique_id`` is the ATA port number (ports count from 1 across controllers)."""
        fn = self.pci[pci.lower()] if isinstance(pci, str) else pci
        if port is None:
            port = self._next_ata
        self._next_ata = max(self._next_ata, port + 1)
        number, _, unique_id = self._allocate_host(
            proc_name, "", host, port if unique_id is None else unique_id
        )
        ata = f"{fn.rel}/ata{port}"
        self.tree.device(ata, {}, subsystem=None)
        lpm = {"link_power_management_policy": "max_performance"}
        scsi = scsi_host_files(proc_name, ("31", "1", "168"), unique_id, lpm, {})
        rel = write_scsi_host(self.tree, ata, number, apply_overrides(scsi, scsi_host), None)
        result = ScsiHostSpec(number, unique_id, proc_name, self.sys / rel, rel)
        self.hosts[number] = result
        return result

    def add_mdev_types(
        self,
        fn: PCIFunctionSpec | DeviceDir,
        types: Mapping[str, tuple[str | None, str, int]],
        *,
        description: bytes | None = b"low_gm_size: 128MB\nhigh_gm_size: 512MB\n",
    ) -> None:
        """The mediated-device types ``fn`` offers, as a mdev parent driver (i915's
        GVT-g, NVIDIA's vGPU manager) lays them out: ``mdev_supported_types/<id>/``
        with ``name`` (when not ``None``), ``device_api``, ``available_instances``,
        ``description`` (unless ``None``) and the write-only ``create``; ``types``:
        id -> (name, device API, available instances)."""
        for type_id, (name, api, count) in types.items():
            files = {"device_api": f"{api}\n".encode(),
                     "available_instances": f"{count}\n".encode(),
                     "create": WRITE_ONLY}  # fmt: skip
            if description is not None:
                files["description"] = description
            if name is not None:
                files["name"] = f"{name}\n".encode()
            self.tree.ensure_dir(f"{fn.rel}/mdev_supported_types/{type_id}")
            self.tree.write_attrs(f"{fn.rel}/mdev_supported_types/{type_id}", files)

    def add_mdev(
        self,
        parent: PCIFunctionSpec | DeviceDir,
        type_id: str,
        uuid: str,
        *,
        iommu_group: int | None,
        driver: str | None = "vfio_mdev",
    ) -> DeviceDir:
        """A mediated device of the type ``type_id`` that ``parent`` offers
        (:meth:`add_mdev_types`), as writing ``uuid`` to the type's ``create`` makes
        it: ``<parent>/<uuid>/`` on the ``mdev`` bus (``uevent`` with ``MDEV_TYPE``,
        the write-only ``remove``, an ``mdev_type`` link to the type and the type's
        ``devices/<uuid>`` link back), bound to ``driver`` (the parent driver's
        mdev driver: ``intel_vgpu_mdev``, ``nvidia-vgpu-vfio``, ``vfio_ccw_mdev``;
        ``None``: unbound) and in the IOMMU group ``iommu_group`` vfio gives it
        (``None``: none); the type's ``available_instances`` drops by one (the
        other types' counts are the caller's: a parent driver may lower them too).
        ValueError when ``uuid`` is no UUID or is taken, or no instance of the type
        is left; KeyError when ``parent`` offers no such type."""
        if _UUID.fullmatch(uuid) is None:
            raise ValueError(f"not a UUID as the kernel prints it: {uuid!r}")
        kind = f"{parent.rel}/mdev_supported_types/{type_id}"
        if not self.tree.path(kind).is_dir():
            raise KeyError(f"{parent.rel} offers no mediated-device type {type_id!r}")
        if self.tree.path(f"bus/mdev/devices/{uuid}").is_symlink():
            raise ValueError(f"a mediated device {uuid} exists already")
        left = int(self.tree.path(f"{kind}/available_instances").read_text())
        if left < 1:
            raise ValueError(f"no instance of {type_id} left on {parent.rel}")
        self.tree.write(f"{kind}/available_instances", f"{left - 1}\n".encode())
        rel = f"{parent.rel}/{uuid}"
        event = (f"DRIVER={driver}\n" if driver else "") + f"MDEV_TYPE={type_id}\n"
        self.tree.device(rel, {"uevent": event.encode(), "remove": WRITE_ONLY},
                         subsystem="bus/mdev")  # fmt: skip
        self.tree.link(f"{rel}/mdev_type", kind)
        self.tree.ensure_dir(f"{kind}/devices")
        self.tree.link(f"{kind}/devices/{uuid}", rel)
        if driver is not None:
            self._bind(rel, f"bus/mdev/drivers/{driver}")
            self.tree.link(f"bus/mdev/drivers/{driver}/{uuid}", rel)
        self.tree.bus_entry("mdev", uuid, rel)
        if iommu_group is not None:
            self._join_iommu_group(rel, uuid, iommu_group)
        return DeviceDir(self.sys / rel, rel)

    # -- USB ---------------------------------------------------------------------------------

    def add_usb_device(
        self,
        parent: PCIFunctionSpec | DeviceDir,
        sysname: str,
        *,
        vendor: int,
        product: int,
        manufacturer: str,
        product_name: str,
        interfaces: tuple[tuple[int, int, int, str], ...] = (),
        hwdb: tuple[str, str] | None = None,
        udev: bool = True,
    ) -> list[DeviceDir]:
        """Write the USB device ``<parent>/<sysname>`` (``usb2`` for a root hub on its
        host controller, ``2-1`` on port 1 of bus 2's root hub) as the kernel lays it
        out: ``uevent`` (``DEVTYPE=usb_device``, ``BUSNUM``, ``DEVNUM``, its node),
        ``dev``, ``busnum``, ``devnum``, ``idVendor``, ``idProduct``,
        ``manufacturer``, ``product``, bound to ``usb``; and its ``interfaces``
        ``<sysname>:1.N`` (class, subclass, protocol, driver).  With ``udev`` the
        root's udev database (``run/udev/data/c189:M``) holds the ids udev's
        ``usb_id`` gives it, and ``hwdb``'s vendor and model names; without it
        libvirt lists no such device.  Returns the interfaces' directories."""
        bus = int(sysname.removeprefix("usb").partition("-")[0])
        number = self._usb_numbers.get(bus, 0) + 1
        self._usb_numbers[bus] = number
        minor = (bus - 1) * 128 + number - 1
        rel = f"{parent.rel}/{sysname}"
        node = f"bus/usb/{bus:03d}/{number:03d}"
        event = (f"MAJOR=189\nMINOR={minor}\nDEVNAME={node}\nDEVTYPE=usb_device\nDRIVER=usb\n"
                 f"PRODUCT={vendor:x}/{product:x}/100\nTYPE=0/0/0\n"
                 f"BUSNUM={bus:03d}\nDEVNUM={number:03d}\n")  # fmt: skip
        files = {"uevent": event, "dev": f"189:{minor}\n", "busnum": f"{bus}\n",
                 "devnum": f"{number}\n", "idVendor": f"{vendor:04x}\n",
                 "idProduct": f"{product:04x}\n", "manufacturer": f"{manufacturer}\n",
                 "product": f"{product_name}\n", "bDeviceClass": "00\n"}  # fmt: skip
        self.tree.device(rel, {k: v.encode() for k, v in files.items()}, subsystem="bus/usb")
        self._bind(rel, "bus/usb/drivers/usb")
        self.tree.bus_entry("usb", sysname, rel)
        if udev:
            props = {"ID_VENDOR_ID": f"{vendor:04x}", "ID_MODEL_ID": f"{product:04x}",
                     "ID_BUS": "usb", "DEVNAME": f"/dev/{node}"}  # fmt: skip
            if hwdb is not None:
                props["ID_VENDOR_FROM_DATABASE"], props["ID_MODEL_FROM_DATABASE"] = hwdb
            self.write_udev_data(f"c189:{minor}", props)
        port = sysname.removeprefix("usb")
        port = f"{port}-0" if "-" not in port else port
        out = []
        for n, (klass, subclass, protocol, driver) in enumerate(interfaces):
            name = f"{port}:1.{n}"
            irel = f"{rel}/{name}"
            event = (f"DEVTYPE=usb_interface\nDRIVER={driver}\n"
                     f"PRODUCT={vendor:x}/{product:x}/100\nTYPE=0/0/0\n"
                     f"INTERFACE={klass}/{subclass}/{protocol}\n")  # fmt: skip
            files = {"uevent": event, "bInterfaceNumber": f"{n:02x}\n",
                     "bInterfaceClass": f"{klass:02x}\n", "bInterfaceSubClass": f"{subclass:02x}\n",
                     "bInterfaceProtocol": f"{protocol:02x}\n", "bAlternateSetting": " 0\n",
                     "bNumEndpoints": "02\n"}  # fmt: skip
            self.tree.device(irel, {k: v.encode() for k, v in files.items()}, subsystem="bus/usb")
            self._bind(irel, f"bus/usb/drivers/{driver}")
            self.tree.bus_entry("usb", name, irel)
            out.append(DeviceDir(self.sys / irel, irel))
        return out

    def add_usb_storage_host(
        self, interface: DeviceDir, *, host: int | None = None
    ) -> ScsiHostSpec:
        """Write a usb-storage Scsi_Host below a USB interface (no ``fc_host``)."""
        number, _, unique_id = self._allocate_host("usb-storage", "", host, None)
        scsi = scsi_host_files("usb-storage", ("1", "1", "240"), unique_id, {}, {})
        rel = write_scsi_host(self.tree, interface.rel, number, scsi, None)
        result = ScsiHostSpec(number, unique_id, "usb-storage", self.sys / rel, rel)
        self.hosts[number] = result
        return result

    def write_udev_data(
        self, device_id: str, properties: Mapping[str, str], links: Sequence[str] = ()
    ) -> None:
        """The root's udev database entry ``run/udev/data/<device_id>`` with ``properties``
        and the ``/dev`` ``links`` udev made (relative to ``/dev``, in the order given)."""
        where = self.root / "run" / "udev" / "data"
        where.mkdir(parents=True, exist_ok=True)
        lines = [f"S:{link}" for link in links]
        lines += [f"E:{k}={v}" for k, v in properties.items()] + ["I:1000000", "V:1"]
        (where / device_id).write_text("\n".join(lines) + "\n")

    # -- DRM nodes ---------------------------------------------------------------------------

    def add_drm_card(
        self,
        gpu: PCIFunctionSpec,
        card: int = 0,
        *,
        render: bool = True,
        control: bool = False,
        connectors: Sequence[str] = ("HDMI-A-1", "DP-1"),
    ) -> str:
        """A GPU's DRM nodes as its driver registers them: ``<gpu>/drm/card<card>``
        (primary, minor ``card``), ``controlD<64+card>`` when ``control`` (older kernels),
        ``renderD<128+card>`` when ``render``, and the card's ``connectors``
        (``card0-HDMI-A-1``: ``DEVTYPE=drm_connector``, no node), each with its
        ``class/drm`` entry; with the udev database's ``/dev/dri/by-path`` links.
        Returns the card's path below ``sys/``."""
        where = f"{gpu.rel}/drm"
        self.tree.ensure_dir(where)
        self.tree.ensure_dir("class/drm")
        nodes = [(f"card{card}", card, "card")]
        if control:
            nodes.append((f"controlD{64 + card}", 64 + card, "control"))
        if render:
            nodes.append((f"renderD{128 + card}", 128 + card, "render"))
        for name, minor, link in nodes:
            rel = f"{where}/{name}"
            event = f"MAJOR=226\nMINOR={minor}\nDEVNAME=dri/{name}\nDEVTYPE=drm_minor\n"
            self.tree.device(rel, {"uevent": event.encode(), "dev": f"226:{minor}\n".encode()},
                             subsystem="class/drm")  # fmt: skip
            self.tree.link(f"class/drm/{name}", rel)
            self.write_udev_data(f"c226:{minor}", {"ID_PATH": f"pci-{gpu.address}"},
                                 links=(f"dri/by-path/pci-{gpu.address}-{link}",))  # fmt: skip
        for connector in connectors:
            name = f"card{card}-{connector}"
            rel = f"{where}/card{card}/{name}"
            self.tree.device(rel, {"uevent": b"DEVTYPE=drm_connector\n", "status": b"connected\n",
                                   "enabled": b"enabled\n"}, subsystem="class/drm")  # fmt: skip
            self.tree.link(f"class/drm/{name}", rel)
        return f"{where}/card{card}"

    # -- network interfaces -----------------------------------------------------------------

    def add_net_interface(
        self,
        parent: PCIFunctionSpec | DeviceDir | None,
        name: str,
        *,
        address: str,
        devtype: str | None = None,
        operstate: str = "up",
        speed: int = 10000,
    ) -> DeviceDir:
        """Write the network interface ``<parent>/net/<name>`` (``devices/virtual/net/<name>``
        without a parent), its ``uevent`` (``INTERFACE``, ``IFINDEX``, ``DEVTYPE`` when
        given: ``vlan``, ``bridge``, ``bond``, ``wlan``), ``address``, ``operstate``,
        ``speed`` and its ``class/net`` entry."""
        where = f"{parent.rel}/net" if parent is not None else "devices/virtual/net"
        self.tree.ensure_dir(where)
        rel = f"{where}/{name}"
        self._ifindex += 1
        event = (f"DEVTYPE={devtype}\n" if devtype else "") + (
            f"INTERFACE={name}\nIFINDEX={self._ifindex}\n")
        files = {"uevent": event, "ifindex": f"{self._ifindex}\n", "address": f"{address}\n",
                 "addr_len": "6\n", "operstate": f"{operstate}\n", "type": "1\n",
                 "mtu": "1500\n", "carrier": "1\n", "speed": f"{speed}\n"}  # fmt: skip
        self.tree.device(rel, {k: v.encode() for k, v in files.items()}, subsystem="class/net")
        self.tree.ensure_dir("class/net")
        self.tree.link(f"class/net/{name}", rel)
        return DeviceDir(self.sys / rel, rel)

    def add_fcoe_controller(self, interface: DeviceDir, number: int) -> DeviceDir:
        """The FCoE controller ``<interface>/ctlr_<number>`` an FCoE host hangs below
        (bnx2fc, qedf and the software initiator lay it out so)."""
        rel = f"{interface.rel}/ctlr_{number}"
        self.tree.device(rel, {"uevent": b"DEVTYPE=fcoe_ctlr\n"}, subsystem="bus/fcoe")
        self.tree.bus_entry("fcoe", f"ctlr_{number}", rel)
        return DeviceDir(self.sys / rel, rel)

    def write_pci_ids(self) -> Path:
        """Write ``<root>/usr/share/misc/pci.ids`` naming the PCI devices added so far."""
        return write_pci_ids(self.root, self.pci_ids)


def _vport_counters(
    rel: str,
    number: int,
    fc: tuple[Mapping[str, bytes], Overrides | None],
    scsi: tuple[Mapping[str, bytes], Overrides | None],
) -> list[str]:
    """The counter files of a new host that the kernel keeps equal to its number of
    vports (``fc_host``'s ``npiv_vports_inuse``, lpfc's ``used_vpi``), unless the
    caller overrode them; ``fc`` and ``scsi`` are each class device's files and the
    overrides they were given."""
    counters = []
    for (files, given), (cls, key) in zip((fc, scsi), VPORT_COUNTERS, strict=True):
        if key in files and key not in (given or {}):
            counters.append(f"{rel}/{cls}/host{number}/{key}")
    return counters
