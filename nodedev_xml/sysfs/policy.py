"""Read policies: what a scan reads of each device it discovers.

The full scan (:data:`FULL`) reads every attribute the models hold.  The
names-only listing behind ``list --cap`` runs the same discovery and the same
builders under :func:`membership`: it reads only what decides which devices
have the capabilities asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..vocabulary import ALL_CAPS


@dataclass(frozen=True, slots=True)
class ReadPolicy:
    """``details``: read every attribute (else only what decides membership);
    ``caps``: the capability names to decide; ``every_device``: keep the devices
    with none of ``caps`` too (a tree needs the ancestors of those it shows);
    ``hbas``: read only the Scsi_Hosts of these numbers that are no vHBA, with
    their vHBAs and targets (``None``: every host)."""

    details: bool
    caps: frozenset[str]
    every_device: bool
    hbas: frozenset[int] | None = None

    def decides(self, cap: str) -> bool:
        return cap in self.caps

    def reads_kind(self, cap: str) -> bool:
        """Devices of kind ``cap`` are read at all (listed, or needed as ancestors)."""
        return self.every_device or cap in self.caps


#: The full scan: every attribute of every device.
FULL = ReadPolicy(details=True, caps=ALL_CAPS, every_device=True)


def families(hbas: frozenset[int]) -> ReadPolicy:
    """Every attribute of the HBAs ``hbas``, their vHBAs, targets and LUNs; nothing else."""
    return ReadPolicy(details=True, caps=ALL_CAPS, every_device=True, hbas=hbas)


def membership(caps: frozenset[str] | None, all_devices: bool = False) -> ReadPolicy:
    """Names only: with ``caps`` ``None`` every device with all its capability
    names; else the devices with at least one of ``caps`` (every device with
    ``all_devices``), their names limited to ``caps``."""
    if caps is None:
        return ReadPolicy(details=False, caps=ALL_CAPS, every_device=True)
    return ReadPolicy(details=False, caps=caps & ALL_CAPS, every_device=all_devices)
