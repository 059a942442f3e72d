"""Capabilities: one small frozen class each, named after libvirt's capability type.

``None`` always means "not known" (the sysfs attribute was missing, unreadable
or garbage); such a field is left out of the XML, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..pciaddr import PCIAddress
from ..wwn import WWN


@dataclass(frozen=True, slots=True)
class FCHost:
    """``<capability type='fc_host'>`` inside ``scsi_host``.

    The last five fields are the enrichment; the ``libvirt`` profile leaves them out.
    """

    wwnn: WWN
    wwpn: WWN
    fabric_wwn: WWN | None = None
    port_state: str | None = None
    port_type: str | None = None
    port_id: int | None = None
    speed: str | None = None
    symbolic_name: str | None = None


@dataclass(frozen=True, slots=True)
class VportOps:
    """``<capability type='vport_ops'>``: libvirt's counters of a vport-capable host."""

    max_vports: int
    vports: int


@dataclass(frozen=True, slots=True)
class Vport:
    """One NPIV port of an HBA.  ``name`` is ``None`` while its Scsi_Host has not appeared."""

    name: str | None
    wwnn: WWN | None
    wwpn: WWN | None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class Vports:
    """``<capability type='vports'>`` (enriched): the vHBAs of a vport-capable HBA."""

    max_count: int | None
    vports: tuple[Vport, ...] = ()


@dataclass(frozen=True, slots=True)
class PhysHBA:
    """``<capability type='phys_hba'>`` (enriched): the physical HBA of a vHBA."""

    name: str
    wwnn: WWN | None = None
    wwpn: WWN | None = None


@dataclass(frozen=True, slots=True)
class Adapter:
    """``<adapter>`` (enriched): what identifies the card a host sits on."""

    vendor_id: int | None = None
    vendor_name: str | None = None
    product_id: int | None = None
    product_name: str | None = None
    model: str | None = None
    address: PCIAddress | None = None

    def is_empty(self) -> bool:
        return self == Adapter()


@dataclass(frozen=True, slots=True)
class ScsiHost:
    """``<capability type='scsi_host'>`` of a node device, with its nested capabilities.

    A create document's ``scsi_host`` is no such capability: it is read as a
    :class:`~nodedev_xml.model.CreateRequest`.
    """

    host: int
    unique_id: int | None = None
    fc_host: FCHost | None = None
    vport_ops: VportOps | None = None
    vports: Vports | None = None
    phys_hba: PhysHBA | None = None
    adapter: Adapter | None = None

    @property
    def is_vport_capable(self) -> bool:
        """vport-capable as libvirt decides (``virsh nodedev-list --cap vports``): it
        prints ``vport_ops``, which takes a ``vport_create``, the ``fc_host`` with its
        names and the two counters.  A port without its names is not, even with
        vports of its own (the enriched ``vports`` still lists them)."""
        return self.vport_ops is not None

    @property
    def is_vhba(self) -> bool:
        return self.phys_hba is not None


@dataclass(frozen=True, slots=True)
class FCRemotePort:
    """``<capability type='fc_remote_port'>`` inside ``scsi_target``.

    libvirt prints the rport's ``port_name`` with its ``0x``; so does the XML here
    (padded to 16 digits, as libvirt's schema wants).
    """

    rport: str
    wwpn: WWN


@dataclass(frozen=True, slots=True)
class ScsiTarget:
    """``<capability type='scsi_target'>``."""

    target: str
    fc_remote_port: FCRemotePort | None = None


@dataclass(frozen=True, slots=True)
class ScsiDevice:
    """``<capability type='scsi'>``: a SCSI device (a LUN), ``H:B:T:L``.

    ``type`` is libvirt's word for the peripheral type (``disk``, ``tape``, ...),
    ``None`` for a type libvirt has no word for.  The last fields are the
    enrichment (the device's inquiry data, and its block device: its node under
    ``/dev`` and its size in bytes); the ``libvirt`` profile leaves them out.
    """

    host: int
    bus: int
    target: int
    lun: int
    type: str | None = None
    vendor: str | None = None
    model: str | None = None
    revision: str | None = None
    block: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class VirtFunctions:
    """``<capability type='virt_functions'>`` of an SR-IOV physical function."""

    max_count: int | None
    addresses: tuple[PCIAddress, ...] = ()


@dataclass(frozen=True, slots=True)
class VpdField:
    """A vendor (``Vx``) or system (``Yx``) keyword of the VPD: its index character
    (``0``-``9``, ``A``-``Z``; no ``A`` for a system field) and its text."""

    index: str
    value: str


@dataclass(frozen=True, slots=True)
class VpdReadOnly:
    """``<fields access='readonly'>``: the VPD-R keywords libvirt keeps."""

    change_level: str | None = None  # EC
    manufacture_id: str | None = None  # MN
    part_number: str | None = None  # PN
    serial_number: str | None = None  # SN
    vendor_fields: tuple[VpdField, ...] = ()  # Vx, in the order first seen


@dataclass(frozen=True, slots=True)
class VpdReadWrite:
    """``<fields access='readwrite'>``: the VPD-W keywords libvirt keeps."""

    asset_tag: str | None = None  # YA
    vendor_fields: tuple[VpdField, ...] = ()  # Vx
    system_fields: tuple[VpdField, ...] = ()  # Yx


@dataclass(frozen=True, slots=True)
class PCIVpd:
    """``<capability type='vpd'>``: the function's Vital Product Data.  A section is
    ``None`` when libvirt prints no ``<fields>`` for it (it may be present and empty)."""

    name: str
    readonly: VpdReadOnly | None = None
    readwrite: VpdReadWrite | None = None


@dataclass(frozen=True, slots=True)
class IOMMUGroup:
    """``<iommuGroup number='N'>``: the function's IOMMU group and the functions in it."""

    number: int
    addresses: tuple[PCIAddress, ...] = ()


@dataclass(frozen=True, slots=True)
class PCIELink:
    """One ``<link>`` of ``<pci-express>``: ``validity`` ``cap`` (what the link can
    do: Link Capabilities, with the port number) or ``sta`` (what it does now: Link
    Status).  ``speed`` is in GT/s as libvirt prints it (``2.5``, ``8``), ``None``
    when the register says none."""

    validity: str
    width: int
    speed: str | None = None
    port: int | None = None

    def __str__(self) -> str:
        """``cap 8 GT/s x8 port 0``: what ``watch`` says of a link that changed."""
        speed = f" {self.speed} GT/s" if self.speed is not None else ""
        port = f" port {self.port}" if self.port is not None else ""
        return f"{self.validity}{speed} x{self.width}{port}"


@dataclass(frozen=True, slots=True)
class PCIExpress:
    """``<pci-express>``: a PCI Express function, with its links when it has one (a
    root-complex integrated endpoint has none)."""

    links: tuple[PCIELink, ...] = ()


@dataclass(frozen=True, slots=True)
class PCI:
    """``<capability type='pci'>``.  ``bridge`` is ``pci-bridge`` or
    ``cardbus-bridge`` (from the config space's header type).  ``extra`` keeps,
    verbatim and in order, the sub-elements that are not modelled here
    (``mdev_types``); they are printed after the bridge, then ``vpd``,
    ``iommuGroup``, ``numa`` and ``pci-express``, libvirt's order."""

    address: PCIAddress
    class_code: int | None = None
    product_id: int | None = None
    product_name: str | None = None
    vendor_id: int | None = None
    vendor_name: str | None = None
    phys_function: PCIAddress | None = None
    virt_functions: VirtFunctions | None = None
    bridge: str | None = None
    iommu_group: IOMMUGroup | None = None
    numa_node: int | None = None
    pci_express: PCIExpress | None = None
    extra: tuple[str, ...] = field(default=())
    vpd: PCIVpd | None = None


@dataclass(frozen=True, slots=True)
class System:
    """``<capability type='system'>``: the machine itself (``computer``), from its DMI
    data (``/sys/class/dmi/id``).  ``uuid`` is the ``hardware`` UUID, libvirt's
    all-zeros one when DMI gives none."""

    uuid: str
    product: str | None = None  # product_name
    hardware_vendor: str | None = None  # sys_vendor
    hardware_version: str | None = None  # product_version
    hardware_serial: str | None = None  # product_serial
    firmware_vendor: str | None = None  # bios_vendor
    firmware_version: str | None = None  # bios_version
    firmware_release_date: str | None = None  # bios_date


@dataclass(frozen=True, slots=True)
class RawCapability:
    """Any other capability (``net``, ``usb``, ``storage``, ``mdev`` …),
    kept verbatim as serialized XML so that it survives a round trip."""

    type: str
    xml: str


Capability = ScsiHost | ScsiTarget | ScsiDevice | PCI | System | RawCapability
