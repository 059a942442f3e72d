"""vHBAs made and removed through a libvirt connection (``nodeDeviceCreateXML``,
``virNodeDevice.destroy``): libvirt does the kernel writes on its host.

The checks before the call are the sysfs lifecycle's, on the connection's
documents: the parent by the one matcher (:func:`nodedev_xml.vhba.parent.find_parent`),
without the rules on facts libvirt does not give (:func:`unknown_facts`), and
names that no port, vHBA, vport or ``fc_host`` pool on that host holds.  Then
the call, then a wait (polling the device list) for the vHBA to be listed with
its names; one that does not appear in time is destroyed again.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from typing import Any

from ..errors import LibvirtConnectionError, Refusal, VHBAError, VHBANotFoundError
from ..model import CreateRequest, Device, Inventory
from ..vhba import CreatedVHBA, find_parent, generate_wwns, names_in_use
from ..vhba.parent import PORT_STATE, VPORT_COUNTS
from ..wwn import WWN
from .inventory import read_inventory
from .session import calling, uri_of

__all__ = [
    "create_vhba",
    "delete_vhba",
    "find_vhba",
    "names_taken",
    "unknown_facts",
    "wait_for",
]

#: How often the device list is read while waiting.
POLL_SECONDS = 0.1


def unknown_facts(conn: Any) -> frozenset[str]:
    """The parent rules a connection cannot decide: the port state (not in libvirt's
    documents) always; the vport counters too on libvirt's test driver, which
    never reads them from its configuration (they are always 0 of 0)."""
    with calling(uri_of(conn), "asking the driver's type"):
        test_driver = str(conn.getType()) == "TEST"
    return frozenset({PORT_STATE, VPORT_COUNTS} if test_driver else {PORT_STATE})


def names_taken(conn: Any, inv: Inventory) -> dict[WWN, str]:
    """Every WWN in use on the host: its ports, vHBAs and vports (:func:`names_in_use`)
    and the adapters of its ``fc_host`` pools, active or not (none when the
    connection has no storage driver, as a node-device-only daemon's)."""
    from .pools import vhba_pools
    from .session import libvirt_module

    used = names_in_use(inv)
    try:
        pools = vhba_pools(conn)
    except LibvirtConnectionError as e:
        if e.code != libvirt_module().VIR_ERR_NO_SUPPORT:
            raise
        pools = []
    for pool in pools:
        used.setdefault(pool.wwnn, f"the WWNN of pool {pool.name}")
        used.setdefault(pool.wwpn, f"the WWPN of pool {pool.name}")
    return used


def check_names(wwnn: WWN, wwpn: WWN, used: dict[WWN, str], where: str) -> None:
    """Raise :class:`VHBAError` for a name that is no port name or is in ``used``."""
    for kind, name in (("WWNN", wwnn), ("WWPN", wwpn)):
        if not name.is_fabric:
            raise VHBAError(f"{kind} {name} is not a usable name", reason=Refusal.WWN_INVALID)
        if name in used:
            raise VHBAError(f"{kind} {name} is already in use on {where}: it is {used[name]}",
                            reason=Refusal.WWN_IN_USE)  # fmt: skip
    if wwnn == wwpn:
        raise VHBAError(f"the WWNN and the WWPN are the same ({wwnn})", reason=Refusal.WWN_INVALID)


def find_vhba(inv: Inventory, wwpn: WWN) -> Device | None:
    """The scsi_host whose ``fc_host`` has ``wwpn``, if listed."""
    for dev in inv.values():
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None and cap.fc_host.wwpn == wwpn:
            return dev
    return None


def wait_for(conn: Any, wwpn: WWN, timeout: float, *, present: bool = True) -> Device | None:
    """The vHBA with ``wwpn`` once the connection lists it (``present``), or ``None``
    once it lists it no more; ``None`` too when ``timeout`` seconds pass first (with
    ``present``) -- else raises :class:`VHBAError` on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        dev = find_vhba(read_inventory(conn), wwpn)
        if (dev is not None) == present:
            return dev
        if time.monotonic() >= deadline:
            if present:
                return None
            assert dev is not None
            raise VHBAError(f"{dev.name} is still listed after {timeout:g}s",
                            reason=Refusal.TIMEOUT, written=True)  # fmt: skip
        time.sleep(POLL_SECONDS)


def create_vhba(
    conn: Any, request: CreateRequest | None = None, *, timeout: float = 30.0,
    avoid: Iterable[WWN] = (),
) -> CreatedVHBA:  # fmt: skip
    """Create the vHBA ``request`` asks for on the host ``conn`` reaches.

    Picks (or checks) the parent and the names from the connection's documents,
    then calls ``nodeDeviceCreateXML`` and waits, at most ``timeout`` seconds, for
    the vHBA to be listed.  Generated names avoid every name in use there and in
    ``avoid``.  Raises :class:`VHBAError` when no parent can take it or a name is
    in use (nothing called) or the vHBA does not appear (it is destroyed again,
    and the message says so); :class:`LibvirtConnectionError` when libvirt refuses
    or the connection fails."""
    request = request or CreateRequest()
    where = uri_of(conn)
    inv = read_inventory(conn)
    parent = find_parent(inv, request.parent, unknown=unknown_facts(conn))
    used = names_taken(conn, inv)
    if request.wwnn is not None and request.wwpn is not None:
        wwnn, wwpn = request.wwnn, request.wwpn
        check_names(wwnn, wwpn, used, where)
    else:
        wwnn, wwpn = generate_wwns(frozenset(used) | frozenset(avoid))
    from ..xml.create import vhba_create_xml

    document = vhba_create_xml(parent=parent.name, wwnn=wwnn, wwpn=wwpn)
    with calling(where, f"creating a vHBA on {parent.name}"):
        handle = conn.nodeDeviceCreateXML(document, 0)
    try:
        made = wait_for(conn, wwpn, timeout)
    except KeyboardInterrupt:
        with contextlib.suppress(Exception):
            handle.destroy()  # interrupted while waiting: the vHBA goes again
        raise
    if made is None:
        name = _name(handle)
        try:
            with calling(where, f"destroying {name} again"):
                handle.destroy()
        except LibvirtConnectionError as e:
            raise VHBAError(f"{where}: no vHBA with WWPN {wwpn} after {timeout:g}s; {e}",
                            reason=Refusal.TIMEOUT, written=True) from None  # fmt: skip
        raise VHBAError(
            f"{where}: no vHBA with WWPN {wwpn} after {timeout:g}s; {name} destroyed again",
            reason=Refusal.TIMEOUT, written=True,
        )  # fmt: skip
    return CreatedVHBA(made.name, parent.name, wwnn, wwpn, None)


def _name(handle: Any) -> str:
    try:
        return str(handle.name())
    except Exception:
        return "the new device"


def delete_vhba(
    conn: Any, name: str | None = None, *, wwpn: WWN | None = None, timeout: float = 10.0
) -> str:
    """Destroy the vHBA ``name`` (or the one with ``wwpn``) through ``conn`` and wait
    for it to go; its name.  Raises :class:`VHBAError` when there is no such vHBA,
    the device is no vHBA or it is still listed after ``timeout`` seconds;
    :class:`LibvirtConnectionError` when libvirt refuses or the connection fails."""
    where = uri_of(conn)
    inv = read_inventory(conn)
    if (name is None) == (wwpn is None):
        raise VHBAError("name the vHBA to delete, or give its WWPN (not both)",
                        reason=Refusal.BAD_REQUEST)  # fmt: skip
    dev = inv.get(name) if name is not None else find_vhba(inv, wwpn)  # type: ignore[arg-type]
    if dev is None:
        what = f"named {name!r}" if name is not None else f"with WWPN {wwpn}"
        raise VHBANotFoundError(f"{where}: no vHBA {what}", name or str(wwpn))
    cap = dev.scsi_host
    if cap is None or cap.phys_hba is None or cap.fc_host is None:
        raise VHBAError(f"{where}: {dev.name} is not a vHBA (no HBA above it)",
                        reason=Refusal.NOT_A_VHBA)  # fmt: skip
    with calling(where, f"destroying {dev.name}"):
        conn.nodeDeviceLookupByName(dev.name).destroy()
    wait_for(conn, cap.fc_host.wwpn, timeout, present=False)
    return dev.name
