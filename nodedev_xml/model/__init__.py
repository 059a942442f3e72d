"""Typed, frozen models of node devices and their capabilities."""

from .caps import (
    PCI,
    Adapter,
    Capability,
    FCHost,
    FCRemotePort,
    PhysHBA,
    RawCapability,
    ScsiDevice,
    ScsiHost,
    ScsiTarget,
    VirtFunctions,
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
    "Inventory",
    "NameEntry",
    "Parent",
    "PhysHBA",
    "RawCapability",
    "ScanWarning",
    "ScsiDevice",
    "ScsiHost",
    "ScsiTarget",
    "VirtFunctions",
    "Vport",
    "VportOps",
    "Vports",
]
