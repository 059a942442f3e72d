"""What a scan could not read or did not trust: one warning per problem."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Something the scan could not read or did not trust, and left out.

    ``device`` names a node device, a vport, or a sysfs entry (``/sys/class/…``);
    ``attribute`` the attribute when the problem is one attribute's."""

    device: str
    attribute: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.device}: {self.attribute}" if self.attribute else self.device
        return f"{where}: {self.message}"
