"""Where a definition stands on a scanned host: running (as which vHBA),
stopped, or without its parent.  The parent is matched by :mod:`.parent`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..model import Device, Inventory
from ..model.definition import Definition
from .parent import present_parent

__all__ = ["DefinitionState", "definition_state", "find_running"]

StateName = Literal["running", "stopped", "parent missing"]


@dataclass(frozen=True, slots=True)
class DefinitionState:
    """Where a definition stands on a scanned host: ``running`` as ``device``,
    ``stopped`` (its parent, when named, is there), or ``parent missing``."""

    definition: Definition
    state: StateName
    device: str | None = None
    parent: str | None = None

    def describe(self) -> str:
        if self.state == "running":
            return f"running as {self.device}"
        return self.state


def find_running(definition: Definition, inventory: Inventory) -> Device | None:
    """The vHBA of the host with the definition's WWPN, if there is one."""
    for dev in inventory.values():
        cap = dev.scsi_host
        fc = cap.fc_host if cap is not None and not cap.is_vport_capable else None
        if fc is not None and fc.wwpn == definition.wwpn:
            return dev
    return None


def definition_state(definition: Definition, inventory: Inventory) -> DefinitionState:
    """Where ``definition`` stands on the host ``inventory`` was scanned from."""
    running = find_running(definition, inventory)
    if running is not None:
        return DefinitionState(
            definition, "running", device=running.name, parent=running.parent_name
        )
    parent = present_parent(inventory, definition.parent)
    if parent is None:
        return DefinitionState(definition, "parent missing")
    return DefinitionState(definition, "stopped", parent=parent.name)
