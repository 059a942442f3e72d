"""A node device: name, sysfs path, parent and capabilities."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..wwn import WWN
from .caps import PCI, Capability, ScsiDevice, ScsiHost, ScsiTarget


@dataclass(frozen=True, slots=True)
class Parent:
    """``<parent>``: a device name, or (in a create request) the parent HBA's
    WWNN/WWPN or fabric WWN."""

    name: str | None = None
    wwnn: WWN | None = None
    wwpn: WWN | None = None
    fabric_wwn: WWN | None = None

    def describe(self) -> str:
        """The parent as the command shows it: its name, else ``fabric_wwn=…``,
        else ``wwnn=…,wwpn=…``."""
        if self.name is not None:
            return self.name
        if self.fabric_wwn is not None:
            return f"fabric_wwn={self.fabric_wwn}"
        return f"wwnn={self.wwnn},wwpn={self.wwpn}"


@dataclass(frozen=True, slots=True)
class Device:
    """One libvirt node device, as libvirt lists it (a create document, which
    has no name, is a :class:`~nodedev_xml.model.CreateRequest` instead).

    ``path`` is the sysfs path as libvirt prints it (``/sys/devices/…``),
    relative to the scanned root.  ``devnodes`` are ``(type, path)`` pairs.
    ``extra`` keeps unmodelled top-level elements verbatim, in order.
    """

    name: str
    capabilities: tuple[Capability, ...]
    path: str | None = None
    parent: Parent | None = None
    driver: str | None = None
    devnodes: tuple[tuple[str, str], ...] = ()
    extra: tuple[str, ...] = field(default=())

    @property
    def parent_name(self) -> str | None:
        return self.parent.name if self.parent is not None else None

    @property
    def scsi_host(self) -> ScsiHost | None:
        return next((c for c in self.capabilities if isinstance(c, ScsiHost)), None)

    @property
    def pci(self) -> PCI | None:
        return next((c for c in self.capabilities if isinstance(c, PCI)), None)

    @property
    def scsi_target(self) -> ScsiTarget | None:
        return next((c for c in self.capabilities if isinstance(c, ScsiTarget)), None)

    @property
    def scsi(self) -> ScsiDevice | None:
        return next((c for c in self.capabilities if isinstance(c, ScsiDevice)), None)

    def cap_names(self) -> frozenset[str]:
        """The capability names libvirt lists this device under (``virsh nodedev-list --cap``),
        including the pseudo-capabilities ``fc_host`` and ``vports``."""
        names: set[str] = set()
        for cap in self.capabilities:
            names.add(cap.cap_type)
            for kind in cap.nested:
                inner = getattr(cap, kind)
                if inner is not None and inner.listed_as is not None:
                    names.add(inner.listed_as)
        return frozenset(names)
