"""Typed, frozen models of node devices and their capabilities."""

from .caps import (
    PCI,
    Adapter,
    Capability,
    FCHost,
    FCRemotePort,
    IOMMUGroup,
    PCIELink,
    PCIExpress,
    PCIVpd,
    PhysHBA,
    RawCapability,
    ScsiDevice,
    ScsiHost,
    ScsiTarget,
    VirtFunctions,
    VpdField,
    VpdReadOnly,
    VpdReadWrite,
    Vport,
    VportOps,
    Vports,
)
from .device import Device, Parent
from .inventory import Inventory, NameEntry
from .request import CreateRequest
from .warnings import ScanWarning

__all__ = [
    "PCI",
    "Adapter",
    "Capability",
    "CreateRequest",
    "Device",
    "FCHost",
    "FCRemotePort",
    "IOMMUGroup",
    "Inventory",
    "NameEntry",
    "PCIELink",
    "PCIExpress",
    "PCIVpd",
    "Parent",
    "PhysHBA",
    "RawCapability",
    "ScanWarning",
    "ScsiDevice",
    "ScsiHost",
    "ScsiTarget",
    "VirtFunctions",
    "VpdField",
    "VpdReadOnly",
    "VpdReadWrite",
    "Vport",
    "VportOps",
    "Vports",
]
