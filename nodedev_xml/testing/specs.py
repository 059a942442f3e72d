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
    "APCardSpec",
    "DeviceDir",
    "FCHostSpec",
    "PCIFunctionSpec",
    "PCIeLink",
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
class APCardSpec(DeviceDir):
    """An s390 AP card directory (``devices/ap/cardNN``): its adapter number, the
    mode its queues share, and the domains of its queues so far."""

    adapter: int
    mode: str
    domains: list[int] = field(default_factory=list)


#: The kernel's link speeds (``max_link_speed`` and ``current_link_speed`` print them
#: as ``"8.0 GT/s PCIe"``) and their codes in Link Capabilities / Link Status.
PCIE_SPEEDS = {"2.5": 1, "5.0": 2, "8.0": 3, "16.0": 4, "32.0": 5, "64.0": 6}


@dataclass(frozen=True)
class PCIeLink:
    """A PCI Express function's link as the builder writes it: the most it can do
    (``max_speed`` in GT/s as the kernel spells it, a key of :data:`PCIE_SPEEDS`;
    ``max_width`` lanes; ``port``, the port number of Link Capabilities) and what it
    runs at now (``speed``, ``width``: the maximum unless told)."""

    max_speed: str = "8.0"
    max_width: int = 8
    speed: str | None = None
    width: int | None = None
    port: int = 0

    def __post_init__(self) -> None:
        for speed in (self.max_speed, self.speed):
            if speed is not None and speed not in PCIE_SPEEDS:
                raise ValueError(f"not a PCI Express speed: {speed!r} (one of {list(PCIE_SPEEDS)})")
        for width in (self.max_width, self.width):
            if width is not None and not 0 <= width <= 0x3F:
                raise ValueError(f"not a link width: {width}")
        if not 0 <= self.port <= 0xFF:
            raise ValueError(f"not a port number: {self.port}")

    @property
    def current_speed(self) -> str:
        return self.speed or self.max_speed

    @property
    def current_width(self) -> int:
        return self.max_width if self.width is None else self.width


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
    pcie: PCIeLink | None = None
    iommu_group: int | None = None


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
