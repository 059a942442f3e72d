"""Capabilities: one small frozen class each, named after libvirt's capability type.

Each capability class says what it is, as libvirt's ``virNodeDevCap`` enum does,
in class variables the XML side reads (its capability table,
``nodedev_xml/xml/codec.py`` ``CAPABILITIES``) and :meth:`Device.cap_names
<nodedev_xml.model.Device.cap_names>` reads:

* ``cap_type``: the ``type`` of its ``<capability>`` element;
* ``nested`` (the capabilities of a device): the types of the capabilities it
  holds, in document order, each in the field named after its type;
* ``listed_as`` (the nested ones): the pseudo-capability libvirt lists the
  device under when it holds this one (``virsh nodedev-list --cap fc_host``),
  ``None`` for none.

``None`` always means "not known" (the sysfs attribute was missing, unreadable
or garbage); such a field is left out of the XML, never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from ..pciaddr import PCIAddress
from ..wwn import WWN


@dataclass(frozen=True, slots=True)
class FCHost:
    """``<capability type='fc_host'>`` inside ``scsi_host``.

    The last five fields are the enrichment; the ``libvirt`` profile leaves them out.
    """

    cap_type: ClassVar[str] = "fc_host"
    listed_as: ClassVar[str | None] = "fc_host"

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

    cap_type: ClassVar[str] = "vport_ops"
    listed_as: ClassVar[str | None] = "vports"

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

    cap_type: ClassVar[str] = "vports"
    # A host is listed under ``vports`` for its ``vport_ops``, as libvirt lists it; the
    # enriched ``vports`` also sits on a port without its names that has vHBAs.
    listed_as: ClassVar[str | None] = None

    max_count: int | None
    vports: tuple[Vport, ...] = ()


@dataclass(frozen=True, slots=True)
class PhysHBA:
    """``<capability type='phys_hba'>`` (enriched): the physical HBA of a vHBA."""

    cap_type: ClassVar[str] = "phys_hba"
    listed_as: ClassVar[str | None] = None

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

    cap_type: ClassVar[str] = "scsi_host"
    nested: ClassVar[tuple[str, ...]] = ("fc_host", "vport_ops", "vports", "phys_hba")

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

    cap_type: ClassVar[str] = "fc_remote_port"
    listed_as: ClassVar[str | None] = None

    rport: str
    wwpn: WWN


@dataclass(frozen=True, slots=True)
class ScsiTarget:
    """``<capability type='scsi_target'>``."""

    cap_type: ClassVar[str] = "scsi_target"
    nested: ClassVar[tuple[str, ...]] = ("fc_remote_port",)

    target: str
    fc_remote_port: FCRemotePort | None = None


@dataclass(frozen=True, slots=True)
class ScsiDevice:
    """``<capability type='scsi'>``: a SCSI device (a LUN), ``H:B:T:L``.

    ``type`` is libvirt's word for the peripheral type (``disk``, ``tape``, ...),
    ``None`` for a type libvirt has no word for.  The last fields are the
    enrichment (the device's inquiry data, and its block device: its node under
    ``/dev`` and its size in bytes; then its identity: ``wwid``, the kernel's
    ``wwid`` or the designator it would pick from VPD page 0x83, ``serial`` from
    page 0x80, ``by_id`` the disk's ``/dev/disk/by-id`` link, ``multipath`` and
    ``multipath_uuid`` the dm-multipath map holding the disk, ``remote_wwpn`` the
    remote port it is reached through); the ``libvirt`` profile leaves them out.
    """

    cap_type: ClassVar[str] = "scsi"
    nested: ClassVar[tuple[str, ...]] = ()

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
    wwid: str | None = None
    serial: str | None = None
    by_id: str | None = None
    multipath: str | None = None
    multipath_uuid: str | None = None
    remote_wwpn: WWN | None = None


@dataclass(frozen=True, slots=True)
class VirtFunctions:
    """``<capability type='virt_functions'>`` of an SR-IOV physical function."""

    cap_type: ClassVar[str] = "virt_functions"
    listed_as: ClassVar[str | None] = None

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

    cap_type: ClassVar[str] = "vpd"
    listed_as: ClassVar[str | None] = None

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
class MdevType:
    """One ``<type>`` of ``mdev_types``: its id (the ``mdev_supported_types`` entry),
    ``name``, ``device_api`` and ``available_instances``, read at each scan."""

    id: str
    device_api: str
    available_instances: int
    name: str | None = None


@dataclass(frozen=True, slots=True)
class MdevTypes:
    """``<capability type='mdev_types'>`` of a PCI function that offers mediated
    devices (GVT-g, vGPU, some NICs and crypto cards), its types by id."""

    cap_type: ClassVar[str] = "mdev_types"
    listed_as: ClassVar[str | None] = "mdev_types"

    types: tuple[MdevType, ...] = ()


@dataclass(frozen=True, slots=True)
class PCI:
    """``<capability type='pci'>``.  ``bridge`` is ``pci-bridge`` or
    ``cardbus-bridge`` (from the config space's header type).  ``extra`` keeps,
    verbatim and in order, the sub-elements that are not modelled here; they
    are printed after the bridge and ``mdev_types``, then ``vpd``,
    ``iommuGroup``, ``numa`` and ``pci-express``, libvirt's order."""

    cap_type: ClassVar[str] = "pci"
    nested: ClassVar[tuple[str, ...]] = ("virt_functions", "mdev_types", "vpd")

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
    mdev_types: MdevTypes | None = None


@dataclass(frozen=True, slots=True)
class System:
    """``<capability type='system'>``: the machine itself (``computer``), from its DMI
    data (``/sys/class/dmi/id``).  ``uuid`` is the ``hardware`` UUID, libvirt's
    all-zeros one when DMI gives none."""

    cap_type: ClassVar[str] = "system"
    nested: ClassVar[tuple[str, ...]] = ()

    uuid: str
    product: str | None = None  # product_name
    hardware_vendor: str | None = None  # sys_vendor
    hardware_version: str | None = None  # product_version
    hardware_serial: str | None = None  # product_serial
    firmware_vendor: str | None = None  # bios_vendor
    firmware_version: str | None = None  # bios_version
    firmware_release_date: str | None = None  # bios_date


@dataclass(frozen=True, slots=True)
class UsbDevice:
    """``<capability type='usb_device'>``: a USB device (``usb2``, ``2-1``).  The ids
    are udev's (``ID_VENDOR_ID``, ``ID_MODEL_ID``: libvirt lists no USB device
    without them), the names udev's hardware database's, else the device's own
    ``manufacturer`` and ``product`` strings."""

    cap_type: ClassVar[str] = "usb_device"
    nested: ClassVar[tuple[str, ...]] = ()

    bus: int
    device: int
    product_id: int
    vendor_id: int
    product_name: str | None = None
    vendor_name: str | None = None


@dataclass(frozen=True, slots=True)
class UsbInterface:
    """``<capability type='usb'>``: one interface of a USB device (``2-1:1.0``), from
    its ``bInterface*`` attributes."""

    cap_type: ClassVar[str] = "usb"
    nested: ClassVar[tuple[str, ...]] = ()

    number: int
    klass: int
    subclass: int
    protocol: int


@dataclass(frozen=True, slots=True)
class NetLink:
    """``<link>`` of a network interface: its ``operstate`` (libvirt's word for it)
    and, while it is ``up``, its ``speed`` in Mb/s."""

    state: str | None = None
    speed: int | None = None


@dataclass(frozen=True, slots=True)
class Net:
    """``<capability type='net'>``: a network interface, ``subtype`` ``80203``
    (Ethernet) or ``80211`` (wireless, udev's ``DEVTYPE=wlan``).  ``features`` are
    the offloads libvirt asks the kernel for by the interface's name (ethtool), in
    its order: only on the live host."""

    cap_type: ClassVar[str] = "net"
    nested: ClassVar[tuple[str, ...]] = ()

    interface: str
    address: str | None = None
    link: NetLink | None = None
    features: tuple[str, ...] = ()
    subtype: str = "80203"


@dataclass(frozen=True, slots=True)
class CCWAddress:
    """An s390 channel-subsystem address ``cssid.ssid.devno`` (``0.0.1900``)."""

    cssid: int
    ssid: int
    devno: int

    def __str__(self) -> str:
        return f"{self.cssid:x}.{self.ssid:x}.{self.devno:04x}"


@dataclass(frozen=True, slots=True)
class CCW:
    """``<capability type='ccw'>``: an online s390 CCW device (an FCP channel, say)."""

    cap_type: ClassVar[str] = "ccw"
    nested: ClassVar[tuple[str, ...]] = ()

    address: CCWAddress


@dataclass(frozen=True, slots=True)
class CSS:
    """``<capability type='css'>``: an s390 I/O subchannel, with the address of the
    CCW device on it (``channel_dev_addr``, from ``dev_busid``) when it has one,
    and the mediated-device types it offers (bound to ``vfio_ccw``)."""

    cap_type: ClassVar[str] = "css"
    nested: ClassVar[tuple[str, ...]] = ("mdev_types",)

    address: CCWAddress
    channel_dev_addr: CCWAddress | None = None
    mdev_types: MdevTypes | None = None


@dataclass(frozen=True, slots=True)
class APCard:
    """``<capability type='ap_card'>``: an s390 AP (crypto) adapter, ``cardNN`` on
    the ``ap`` bus; ``adapter`` is ``NN``."""

    cap_type: ClassVar[str] = "ap_card"
    nested: ClassVar[tuple[str, ...]] = ()

    adapter: int


@dataclass(frozen=True, slots=True)
class APQueue:
    """``<capability type='ap_queue'>``: an AP queue (a domain of an adapter),
    ``NN.DDDD`` below its card: ``adapter`` ``NN``, ``domain`` ``DDDD``."""

    cap_type: ClassVar[str] = "ap_queue"
    nested: ClassVar[tuple[str, ...]] = ()

    adapter: int
    domain: int


@dataclass(frozen=True, slots=True)
class APMatrix:
    """``<capability type='ap_matrix'>``: vfio_ap's matrix device, with the
    mediated-device types it offers (``vfio_ap-passthrough``)."""

    cap_type: ClassVar[str] = "ap_matrix"
    nested: ClassVar[tuple[str, ...]] = ("mdev_types",)

    mdev_types: MdevTypes | None = None


@dataclass(frozen=True, slots=True)
class Removable:
    """``<capability type='removable'>`` inside ``storage``: a drive whose medium
    comes and goes (a CD-ROM or floppy drive the kernel calls ``removable``).
    With a medium in it, its label (udev's ``ID_FS_LABEL``), its size in bytes
    and its geometry, as libvirt reads them: ``size`` (512-byte sectors) is
    ``num_blocks`` and ``media_size`` is ``num_blocks`` times
    ``logical_block_size`` (so four times the medium's size for a CD's 2048-byte
    blocks, as libvirt prints it); without one, 0 and nothing else."""

    cap_type: ClassVar[str] = "removable"
    listed_as: ClassVar[str | None] = None

    media_available: bool = False
    media_size: int = 0
    media_label: str | None = None
    logical_block_size: int | None = None
    num_blocks: int | None = None


@dataclass(frozen=True, slots=True)
class Storage:
    """``<capability type='storage'>``: a block device (a disk, a LUN's ``sdX`` or
    ``sr0``, a floppy, an SD card), as libvirt reads it: its node, udev's
    ``ID_BUS``, its drive type (``disk``, ``cdrom``, ``floppy``, ``sd``,
    ``dasd``) and ``ID_SERIAL`` (a DASD's ``device/uid``), the device's
    ``vendor`` and ``model`` (blanks trimmed); then a drive with removable
    media holds ``removable``, any other its size in bytes, its logical block
    size and its number of blocks (``size`` counts 512-byte sectors; libvirt
    multiplies them by the logical block size)."""

    cap_type: ClassVar[str] = "storage"
    nested: ClassVar[tuple[str, ...]] = ("removable",)

    block: str
    bus: str | None = None
    drive_type: str | None = None
    model: str | None = None
    vendor: str | None = None
    serial: str | None = None
    size: int = 0
    logical_block_size: int | None = None
    num_blocks: int | None = None
    removable: Removable | None = None


@dataclass(frozen=True, slots=True)
class ScsiGeneric:
    """``<capability type='scsi_generic'>``: a SCSI generic node (``sgN``) of a LUN,
    ``char`` its node under ``/dev``."""

    cap_type: ClassVar[str] = "scsi_generic"
    nested: ClassVar[tuple[str, ...]] = ()

    char: str


@dataclass(frozen=True, slots=True)
class DRM:
    """``<capability type='drm'>``: a DRM (graphics) device node of a GPU, ``kind``
    ``primary`` (``cardN``), ``control`` or ``render`` (``renderDN``)."""

    cap_type: ClassVar[str] = "drm"
    nested: ClassVar[tuple[str, ...]] = ()

    kind: str


@dataclass(frozen=True, slots=True)
class Mdev:
    """``<capability type='mdev'>``: a mediated device (``<parent>/<uuid>`` on the
    ``mdev`` bus).  ``type_id`` is the last name of its ``mdev_type`` link (the
    parent's ``mdev_supported_types/<id>``), ``uuid`` its directory's name (``None``
    when that is no UUID), ``parent_addr`` the name of the device above it
    (``0000:00:02.0``, ``0.0.0023``, ``matrix``), ``iommu_group`` the number of the
    group its ``iommu_group`` link leads to; ``attrs`` the ``(name, value)`` pairs
    mdevctl keeps for a device it defined (libvirt prints them; a sysfs scan has
    none)."""

    cap_type: ClassVar[str] = "mdev"
    nested: ClassVar[tuple[str, ...]] = ()

    type_id: str
    uuid: str | None = None
    parent_addr: str | None = None
    iommu_group: int | None = None
    attrs: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class RawCapability:
    """Any other capability (``drm``, ``vdpa``, ``ap_card`` …),
    kept verbatim as serialized XML so that it survives a round trip."""

    type: str
    xml: str

    nested: ClassVar[tuple[str, ...]] = ()

    @property
    def cap_type(self) -> str:
        """The ``type`` of its ``<capability>`` element."""
        return self.type


Capability = (
    ScsiHost | ScsiTarget | ScsiDevice | PCI | System | UsbDevice | UsbInterface | Net | CCW
    | CSS | Storage | ScsiGeneric | Mdev | RawCapability
    | APCard | APQueue | APMatrix | DRM
)
