"""The result of a scan: a read-only mapping from node-device name to Device
(and, for ``list``, the names-only entry of one device)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from ..errors import DeviceNotFoundError
from ..vocabulary import COMPUTER, NO_UUID
from .caps import System
from .device import Device
from .warnings import ScanWarning

#: One device of a names-only listing: its name, its parent's name, its capability names.
NameEntry = tuple[str, str | None, frozenset[str]]


class Inventory(Mapping[str, Device]):
    """Devices by libvirt name, in a stable order (PCI, then hosts by number,
    then targets), with parent/children navigation.  Read-only.

    The machine itself, libvirt's ``computer`` and the root of the tree, is
    :attr:`computer`, not one of the devices below it that the mapping holds
    (``computer`` when not given: the machine without DMI data)."""

    __slots__ = ("_children", "_devices", "computer", "root", "warnings")

    def __init__(
        self,
        devices: Iterable[Device],
        *,
        root: str = "/",
        warnings: Iterable[ScanWarning] = (),
        computer: Device | None = None,
    ) -> None:
        self._devices: dict[str, Device] = {d.name: d for d in devices}
        self._children: dict[str, list[str]] = {}
        for d in self._devices.values():
            parent = d.parent_name if d.parent_name in self._devices else COMPUTER
            self._children.setdefault(parent, []).append(d.name)
        self.root = root
        self.warnings: tuple[ScanWarning, ...] = tuple(warnings)
        self.computer = computer or Device(COMPUTER, (System(uuid=NO_UUID),))

    def __getitem__(self, name: str) -> Device:
        try:
            return self._devices[name]
        except KeyError:
            raise DeviceNotFoundError(name) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._devices)

    def __len__(self) -> int:
        return len(self._devices)

    def __repr__(self) -> str:
        return f"<Inventory root={self.root!r} devices={len(self)}>"

    def children(self, name: str) -> list[Device]:
        """The devices whose parent is ``name`` (``computer`` for the top level)."""
        return [self._devices[n] for n in self._children.get(name, ())]

    def parent(self, name: str) -> Device | None:
        """The parent device, or ``None`` when it is ``computer`` or not scanned."""
        p = self[name].parent_name
        return self._devices.get(p) if p is not None else None

    def with_cap(self, cap: str) -> list[Device]:
        """Devices libvirt lists under ``virsh nodedev-list --cap CAP``."""
        return [d for d in self._devices.values() if cap in d.cap_names()]

    def vhbas(self, hba: str) -> list[Device]:
        """The vHBAs whose Scsi_Host exists, of the HBA named ``hba``.

        Raises :class:`DeviceNotFoundError` when there is no device ``hba``, as
        ``inventory[hba]`` does."""
        self[hba]
        return [d for d in self.children(hba) if (c := d.scsi_host) and c.phys_hba is not None]

    def luns(self, host: str) -> list[Device]:
        """The LUNs (SCSI devices) the host ``host`` (an HBA or a vHBA, ``scsi_hostN``)
        sees itself, in the scan's order (by target, then LUN number): one pass over
        the devices, whatever their nesting.  Raises :class:`DeviceNotFoundError`
        when there is no device ``host``, and ``ValueError`` when it is no SCSI host."""
        cap = self[host].scsi_host
        if cap is None:
            raise ValueError(f"{host} is not a SCSI host")
        return [d for d in self._devices.values() if (s := d.scsi) and s.host == cap.host]
