"""PCI addresses as a value type: parses ``0000:04:00.0``, prints libvirt's forms."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import PCIAddressError
from .vocabulary import pci_name

_SYSFS = re.compile(r"([0-9a-fA-F]{4,8}):([0-9a-fA-F]{2}):([0-9a-fA-F]{2})\.([0-7])")


@dataclass(frozen=True, order=True, slots=True)
class PCIAddress:
    domain: int
    bus: int
    slot: int
    function: int

    @classmethod
    def parse(cls, text: str) -> PCIAddress:
        """Parse the sysfs spelling ``DDDD:BB:SS.F``."""
        m = _SYSFS.fullmatch(text)
        if m is None:
            raise PCIAddressError(text)
        return cls(int(m[1], 16), int(m[2], 16), int(m[3], 16), int(m[4]))

    @classmethod
    def match(cls, text: str) -> PCIAddress | None:
        """Like :meth:`parse`, but ``None`` for a string that is no PCI address."""
        m = _SYSFS.fullmatch(text)
        if m is None:
            return None
        return cls(int(m[1], 16), int(m[2], 16), int(m[3], 16), int(m[4]))

    def __str__(self) -> str:
        return f"{self.domain:04x}:{self.bus:02x}:{self.slot:02x}.{self.function:x}"

    @property
    def node_name(self) -> str:
        """libvirt's node-device name: ``pci_0000_04_00_0``."""
        return pci_name(self.domain, self.bus, self.slot, self.function)

    def attrs(self) -> dict[str, str]:
        """The attributes of libvirt's ``<address>`` element."""
        return {
            "domain": f"0x{self.domain:04x}",
            "bus": f"0x{self.bus:02x}",
            "slot": f"0x{self.slot:02x}",
            "function": f"0x{self.function:x}",
        }
