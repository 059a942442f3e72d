"""A create request: the document ``virsh nodedev-create`` takes for a vHBA."""

from __future__ import annotations

from dataclasses import dataclass

from ..wwn import WWN
from .device import Parent


def parent_ways(parent: Parent) -> tuple[str, ...]:
    """How ``parent`` names the HBA, in libvirt's order of preference: any of
    ``name``, ``wwnn/wwpn`` (either half counts) and ``fabric_wwn``."""
    ways = []
    if parent.name is not None:
        ways.append("name")
    if parent.wwnn is not None or parent.wwpn is not None:
        ways.append("wwnn/wwpn")
    if parent.fabric_wwn is not None:
        ways.append("fabric_wwn")
    return tuple(ways)


@dataclass(frozen=True, slots=True)
class CreateRequest:
    """A vHBA to create: its parent HBA and, optionally, its own names.

    ``parent`` names the HBA one way: by node-device name, by its WWNN and
    WWPN, or by its fabric WWN; ``None`` lets the creator pick one.  ``wwnn``
    and ``wwpn`` come together or not at all (then they are generated).

    Raises ``ValueError`` for half a WWN pair (the vHBA's or the parent's), a
    blank parent name, or a parent given no way or more than one way.
    """

    parent: Parent | None = None
    wwnn: WWN | None = None
    wwpn: WWN | None = None

    def __post_init__(self) -> None:
        if (self.wwnn is None) != (self.wwpn is None):
            raise ValueError("a create request gives the vHBA's WWNN and WWPN together, or neither")
        p = self.parent
        if p is None:
            return
        ways = parent_ways(p)
        if len(ways) != 1:
            raise ValueError(
                f"a create request names the parent HBA one way, not {len(ways)} "
                f"({', '.join(ways) or 'none'}): by name, by WWNN/WWPN, or by fabric WWN"
            )
        if (p.wwnn is None) != (p.wwpn is None):
            raise ValueError("a create request gives the parent's WWNN and WWPN together")
        if p.name is not None and not p.name.strip():
            raise ValueError("a create request's parent name is empty")
