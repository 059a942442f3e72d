"""The builder's records of what it wrote: one per device directory.

:class:`~.builder.SysfsBuilder` returns one of these for each device it adds;
they are handles to pass back to it (a vport's parent, a host's PCI function)
and say what was written.  Their names end in ``Spec`` so they are not taken
for the models of :mod:`nodedev_xml.model` that a scan makes of the same
devices (``FCHostSpec`` is written, ``model.FCHost`` is read).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .presets import DriverPreset

__all__ = [
    "DeviceDir",
    "FCHostSpec",
    "PCIFunctionSpec",
    "RemotePortSpec",
    "ScsiHostSpec",
    "VportSpec",
]


@dataclass(eq=False)
class DeviceDir:
    """A device directory that hosts hang below: ``path``, and ``rel`` below sys/."""

    path: Path
    rel: str = field(repr=False)


@dataclass(eq=False)
class PCIFunctionSpec(DeviceDir):
    """A PCI function directory and what was written into it."""

    address: str
    vendor: int
    device: int
    driver: str | None
    sriov_totalvfs: int | None = None
    virtfns: list[str] = field(default_factory=list)
    physfn: str | None = None


@dataclass(eq=False)
class ScsiHostSpec:
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
class FCHostSpec(ScsiHostSpec):
    """A Scsi_Host with an ``fc_host``: a physical port, or a vHBA (``vport`` set)."""

    preset: DriverPreset = field(repr=False)
    model: str
    node_name: int
    port_name: int
    fabric_name: int | None  # None: no fabric_name attribute
    port_id: int
    port_state: str
    speed: str
    pci: PCIFunctionSpec | None = field(repr=False)
    vport_capable: bool
    vport: VportSpec | None = field(default=None, repr=False)
    vports: list[VportSpec] = field(default_factory=list, repr=False)
    next_vport: int = field(default=0, repr=False)
    next_rport: int = field(default=0, repr=False)
    next_target: int = field(default=0, repr=False)
    # The counter files (below sys/) kept equal to len(vports): npiv_vports_inuse, used_vpi.
    inuse_files: list[str] = field(default_factory=list, repr=False)


@dataclass(eq=False)
class VportSpec:
    """A ``vport-H:0-N`` device directory (``path``) and its vHBA, if it has appeared."""

    name: str
    number: int
    parent: FCHostSpec = field(repr=False)
    node_name: int
    port_name: int
    state: str
    path: Path
    rel: str = field(repr=False)  # path below sys/
    host: FCHostSpec | None = field(default=None, repr=False)


@dataclass(eq=False)
class RemotePortSpec:
    """An ``rport-H:0-R`` device directory (``path``) and its target, if any."""

    name: str
    path: Path
    node_name: int
    port_name: int
    port_id: int
    roles: str
    target: str | None
