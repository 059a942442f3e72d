"""Where a definition stands on a scanned host: running (as which vHBA),
stopped, or without its parent.  The parent is matched by :mod:`.parent`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..model import Device, Inventory
from ..model.definition import Definition
from .parent import find_vhba, find_vport, present_parent
from .wait import FAILED_STATES

__all__ = ["DefinitionState", "definition_state", "find_running"]

StateName = Literal["running", "stopped", "parent missing", "orphan vport"]


@dataclass(frozen=True, slots=True)
class DefinitionState:
    """Where a definition stands on a scanned host: ``running`` as ``device``,
    ``stopped`` (its parent, when named, is there), ``parent missing``, or
    ``orphan vport``: a vport of its WWPN on ``parent`` without a working vHBA
    (a crash, or the fabric refused it: ``vport_state`` says which)."""

    definition: Definition
    state: StateName
    device: str | None = None
    parent: str | None = None
    vport_state: str | None = None

    def describe(self) -> str:
        if self.state == "running":
            return f"running as {self.device}"
        if self.state == "orphan vport":
            if self.vport_state in FAILED_STATES:
                return f"failed: {self.vport_state} (orphan vport)"
            return f"orphan vport ({self.vport_state or 'no vHBA'})"
        return self.state


def find_running(definition: Definition, inventory: Inventory) -> Device | None:
    """The vHBA of the host with the definition's WWPN, if there is one."""
    return find_vhba(inventory, definition.wwpn)


def definition_state(definition: Definition, inventory: Inventory) -> DefinitionState:
    """Where ``definition`` stands on the host ``inventory`` was scanned from."""
    running = find_running(definition, inventory)
    if running is not None:
        return DefinitionState(
            definition, "running", device=running.name, parent=running.parent_name
        )
    found = find_vport(inventory, definition.wwpn)
    if found is not None:
        return DefinitionState(definition, "orphan vport", parent=found[0].name,
                               vport_state=found[1].state)  # fmt: skip
    parent = present_parent(inventory, definition.parent)
    if parent is None:
        return DefinitionState(definition, "parent missing")
    return DefinitionState(definition, "stopped", parent=parent.name)
