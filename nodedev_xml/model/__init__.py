"""Typed, frozen models of node devices and their capabilities."""

from .caps import (
    PCI,
    Adapter,
    Capability,
    FCHost,
    FCRemotePort,
    PhysHBA,
    RawCapability,
    ScsiHost,
    ScsiTarget,
    VirtFunctions,
    Vport,
    VportOps,
    Vports,
)
from .device import Device, Parent
from .request import CreateRequest

__all__ = [
    "PCI",
    "Adapter",
    "Capability",
    "CreateRequest",
    "Device",
    "FCHost",
    "FCRemotePort",
    "Parent",
    "PhysHBA",
    "RawCapability",
    "ScsiHost",
    "ScsiTarget",
    "VirtFunctions",
    "Vport",
    "VportOps",
    "Vports",
]
