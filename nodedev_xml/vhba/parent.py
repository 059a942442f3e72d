"""Which HBA a new vHBA goes on, and which names are already taken.

The one place that matches a parent (:class:`~nodedev_xml.model.Parent`)
against an inventory: :func:`find_parent` for a create (the HBA must be able to
take a vport now), :func:`present_parent` for whether the HBA is there at all
(a definition's state).

The rules (README, "vHBA lifecycle"): a parent must be vport-capable as libvirt
decides it (a ``vport_create`` file), ``Online``, logged in to a fabric, and
have room left, comparing ``npiv_vports_inuse`` with ``max_npiv_vports`` as
numbers (libvirt compares them as strings and can pick a full host).  A parent
given by name or by WWNN/WWPN must pass them all; by fabric WWN, the first
vport-capable host on that fabric that passes them is taken; with no parent,
the first host (by host number) that passes them.  A source that cannot tell a
fact (a libvirt connection has no port state; libvirt's test driver no vport
counters) names it in ``unknown`` (:data:`PORT_STATE`, :data:`VPORT_COUNTS`), and
that rule is left to libvirt.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Final

from ..errors import Refusal, VHBAError, VHBANotFoundError
from ..model import Device, Inventory, Parent, Vport
from ..vocabulary import scsi_host_name
from ..wwn import WWN

_SYSFS_HOST = re.compile(r"host(0|[1-9][0-9]*)")

#: Facts a source may not know (``unknown=``): the port's state, the vport counters.
PORT_STATE: Final = "port_state"
VPORT_COUNTS: Final = "vport_counts"


def refusal(dev: Device, *, unknown: Collection[str] = ()) -> tuple[Refusal, str] | None:
    """Why ``dev`` cannot take another vport (the kind and the words), or ``None``;
    the rules on facts in ``unknown`` are not applied."""
    cap = dev.scsi_host
    if cap is None or cap.fc_host is None:
        return Refusal.NOT_VPORT_CAPABLE, "not a Fibre Channel HBA"
    if cap.vport_ops is None:
        if cap.vports is not None and cap.vports.max_count is None:
            return (
                Refusal.UNREADABLE,
                "its vport counters (max_npiv_vports, npiv_vports_inuse) cannot be read",
            )
        return Refusal.NOT_VPORT_CAPABLE, "not vport-capable (no vport_create)"
    fc = cap.fc_host
    if fc.port_state != "Online" and PORT_STATE not in unknown:
        return Refusal.LINKDOWN, f"port state is {fc.port_state or 'unknown'}, not Online"
    if fc.fabric_wwn is None or not fc.fabric_wwn.is_fabric:
        return Refusal.NO_FABRIC, "not logged in to a fabric"
    ops = cap.vport_ops
    if ops.vports >= ops.max_vports and VPORT_COUNTS not in unknown:
        return Refusal.FULL, f"full ({ops.vports} of {ops.max_vports} vports in use)"
    return None


def unusable(dev: Device) -> str | None:
    """Why ``dev`` cannot take another vport, or ``None`` when it can."""
    why = refusal(dev)
    return why[1] if why is not None else None


def _usable(dev: Device, unknown: Collection[str]) -> Device:
    why = refusal(dev, unknown=unknown)
    if why is not None:
        raise VHBAError(f"{dev.name} cannot take a new vHBA: {why[1]}", reason=why[0])
    return dev


def not_found(inv: Inventory, name: str, what: str) -> VHBANotFoundError:
    """The error for a device ``name`` not in ``inv``: ``no WHAT named 'NAME'``, with
    the node-device name meant when ``name`` is a sysfs name (``host5``)."""
    m = _SYSFS_HOST.fullmatch(name)
    hint = scsi_host_name(int(m[1])) if m else None
    return VHBANotFoundError(f"no {what} named {name!r}", name, hint)


def _fc_hosts(inv: Inventory) -> list[Device]:
    return [d for d in inv.values() if (c := d.scsi_host) is not None and c.fc_host is not None]


def _answers(dev: Device, parent: Parent | None) -> bool:
    """Whether the FC host ``dev`` is the one ``parent`` names (any one for ``None``):
    by node-device name, by its WWNN and WWPN, or by the fabric it is on."""
    fc = dev.scsi_host.fc_host if dev.scsi_host is not None else None
    if parent is None:
        return True
    if parent.name is not None:
        return dev.name == parent.name
    if fc is None:
        return False
    if parent.wwnn is not None or parent.wwpn is not None:
        return (fc.wwnn, fc.wwpn) == (parent.wwnn, parent.wwpn)
    if parent.fabric_wwn is not None:
        return fc.fabric_wwn == parent.fabric_wwn
    return True


def find_parent(
    inv: Inventory, parent: Parent | None, *, unknown: Collection[str] = ()
) -> Device:
    """The HBA a vHBA asked for with ``parent`` goes on; raises :class:`VHBAError`
    naming the reason when there is none (or it cannot take one).  ``unknown``: as
    :func:`refusal`."""
    if parent is not None and parent.name:
        if parent.name not in inv:
            raise not_found(inv, parent.name, "parent device")
        return _usable(inv[parent.name], unknown)
    if parent is not None and parent.wwnn is not None and parent.wwpn is not None:
        for dev in _fc_hosts(inv):
            if _answers(dev, parent):
                return _usable(dev, unknown)
        raise VHBANotFoundError(
            f"no HBA with WWNN {parent.wwnn} and WWPN {parent.wwpn}", str(parent.wwpn)
        )
    if parent is not None and parent.fabric_wwn is not None:
        on_fabric = [
            d
            for d in _fc_hosts(inv)
            if d.scsi_host is not None and d.scsi_host.vport_ops is not None and _answers(d, parent)
        ]
        return _first(on_fabric, f"on fabric {parent.fabric_wwn}", unknown)
    if parent is not None and (parent.wwnn is not None or parent.wwpn is not None):
        raise VHBAError(
            "a parent by WWNs needs both its WWNN and its WWPN", reason=Refusal.BAD_REQUEST
        )
    return _first(_fc_hosts(inv), "", unknown)


def _first(candidates: list[Device], where: str, unknown: Collection[str]) -> Device:
    reasons = []
    kinds: set[Refusal] = set()
    for dev in candidates:
        why = refusal(dev, unknown=unknown)
        if why is None:
            return dev
        if dev.scsi_host is not None and dev.scsi_host.phys_hba is None:
            reasons.append(f"{dev.name}: {why[1]}")  # vHBAs are never candidates; not worth listing
            kinds.add(why[0])
    listed = f" ({'; '.join(reasons)})" if reasons else ""
    space = f" {where}" if where else ""
    # one kind for all the candidates names it; else none fits (not_found)
    reason = kinds.pop() if len(kinds) == 1 else Refusal.NOT_FOUND
    raise VHBAError(
        f"no Online, vport-capable HBA{space} with room for a vport{listed}", reason=reason
    )


def present_parent(inv: Inventory, parent: Parent | None) -> Device | None:
    """The vport-capable HBA that ``parent`` names on the host (the first one for
    ``None``), or ``None``.  Only says whether it is there; :func:`find_parent`
    decides whether it can take a vport (Online, room left)."""
    for dev in _fc_hosts(inv):
        cap = dev.scsi_host
        if cap is not None and cap.is_vport_capable and _answers(dev, parent):
            return dev
    return None


def port_names(inv: Inventory) -> frozenset[WWN]:
    """The WWNN and WWPN of every vport-capable HBA of ``inv``: the host's own ports."""
    names: set[WWN] = set()
    for dev in _fc_hosts(inv):
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None and cap.is_vport_capable:
            names |= {cap.fc_host.wwnn, cap.fc_host.wwpn}
    return frozenset(names)


def names_in_use(inv: Inventory) -> dict[WWN, str]:
    """Every WWNN and WWPN of a port, vHBA or vport of ``inv``, with who holds it."""
    used: dict[WWN, str] = {}
    for dev in _fc_hosts(inv):
        cap = dev.scsi_host
        assert cap is not None and cap.fc_host is not None
        used.setdefault(cap.fc_host.wwnn, f"the WWNN of {dev.name}")
        used.setdefault(cap.fc_host.wwpn, f"the WWPN of {dev.name}")
        for vport in cap.vports.vports if cap.vports is not None else ():
            for kind, name in (("WWNN", vport.wwnn), ("WWPN", vport.wwpn)):
                if name is not None:
                    used.setdefault(name, f"the {kind} of a vport of {dev.name}")
    return used


def find_vport(inv: Inventory, wwpn: WWN) -> tuple[Device, Vport] | None:
    """The vport whose port name is ``wwpn`` (with or without a Scsi_Host), and the
    HBA it is on; ``None`` when no HBA of ``inv`` has one."""
    for dev in _fc_hosts(inv):
        cap = dev.scsi_host
        for vport in cap.vports.vports if cap is not None and cap.vports is not None else ():
            if vport.wwpn == wwpn and vport.wwnn is not None:
                return dev, vport
    return None


def find_vhba(inv: Inventory, wwpn: WWN) -> Device | None:
    """The vHBA (a Scsi_Host with an ``fc_host``, not vport-capable) whose port name
    is ``wwpn``, or ``None``."""
    for dev in _fc_hosts(inv):
        cap = dev.scsi_host
        fc = cap.fc_host if cap is not None and not cap.is_vport_capable else None
        if fc is not None and fc.wwpn == wwpn:
            return dev
    return None
