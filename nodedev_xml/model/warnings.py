"""What a scan could not read or did not trust: one warning per problem."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Something the scan could not read or did not trust, and left out.

    ``device`` names a node device, a vport, or a sysfs entry (``/sys/class/…``);
    ``attribute`` the attribute when the problem is one attribute's.  ``host`` is
    the number of the Scsi_Host the warning is about, for a host, a vport, a
    target or a LUN (a vport's is its HBA's): what the watch's partial re-read of
    some hosts replaces.  It says where the warning came from, not what it says,
    so it takes no part in comparisons."""

    device: str
    attribute: str | None
    message: str
    host: int | None = field(default=None, compare=False)

    def __str__(self) -> str:
        where = f"{self.device}: {self.attribute}" if self.attribute else self.device
        return f"{where}: {self.message}"
