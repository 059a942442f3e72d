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
        return self.vport_ops is not None or self.vports is not None

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
class PCI:
    """``<capability type='pci'>``.  ``extra`` keeps, verbatim and in order, the
    sub-elements libvirt prints after the SR-IOV ones that are not modelled here
    (``iommuGroup``, ``numa``, ``pci-express``, ``mdev_types``, ``vpd``, bridges)."""

    address: PCIAddress
    class_code: int | None = None
    product_id: int | None = None
    product_name: str | None = None
    vendor_id: int | None = None
    vendor_name: str | None = None
    phys_function: PCIAddress | None = None
    virt_functions: VirtFunctions | None = None
    extra: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class RawCapability:
    """Any other capability (``system``, ``net``, ``usb``, ``storage``, ``mdev`` …),
    kept verbatim as serialized XML so that it survives a round trip."""

    type: str
    xml: str


Capability = ScsiHost | ScsiTarget | ScsiDevice | PCI | RawCapability
