"""A create request: the document ``virsh nodedev-create`` takes for a vHBA."""

from __future__ import annotations

from dataclasses import dataclass

from ..wwn import WWN
from .device import Parent


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A vHBA to create: its parent HBA and, optionally, its own names.

    ``parent`` names the HBA by node-device name, by its WWNN and WWPN, or by
    its fabric WWN; ``None`` lets the creator pick one.  ``wwnn`` and ``wwpn``
    come together or not at all (then they are generated)."""

    parent: Parent | None = None
    wwnn: WWN | None = None
    wwpn: WWN | None = None

    def __post_init__(self) -> None:
        if (self.wwnn is None) != (self.wwpn is None):
            raise ValueError("a create request gives the vHBA's WWNN and WWPN together, or neither")
