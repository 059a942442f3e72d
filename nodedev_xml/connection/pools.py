"""Persistent vHBAs the libvirt way: a definition as a ``scsi`` pool with an
``fc_host`` adapter, so that libvirt owns the persistence on its host.

``define`` is ``storagePoolDefineXML`` (the pool of :func:`nodedev_xml.vhba.pools.export_pool`:
the definition's name, parent and WWNs, ``managed='yes'``), ``start`` is the
pool's ``create`` (libvirt writes ``vport_create``), ``stop`` its ``destroy``
(libvirt deletes the vport), ``undefine`` and ``autostart`` the pool's own.
Every command refuses a pool that is not a vHBA pool, with
:func:`nodedev_xml.xml.pool.read_fc_pool`'s one line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import PoolError
from ..model import Parent
from ..model.definition import Definition, DefinitionDraft
from ..vhba.pools import export_pool
from ..wwn import WWN
from ..xml.pool import read_fc_pool
from .inventory import read_inventory
from .session import calling, libvirt_module, uri_of

__all__ = [
    "PoolState",
    "autostart_pool",
    "define_pool",
    "lookup_pool",
    "pool_state",
    "start_pool",
    "stop_pool",
    "undefine_pool",
    "vhba_pools",
]


@dataclass(frozen=True, slots=True)
class PoolState:
    """A vHBA pool on a host: its name, UUID, adapter (parent and names), whether
    it is active, persistent and autostarted, and its vHBA when listed."""

    name: str
    uuid: str
    parent: Parent | None
    wwnn: WWN
    wwpn: WWN
    active: bool
    persistent: bool
    autostart: bool
    device: str | None = None

    @property
    def state(self) -> str:
        if not self.active:
            return "inactive"
        return f"running as {self.device}" if self.device else "active, no vHBA listed"


def _adapter_parent(adapter: Any) -> Parent | None:
    if adapter.get("parent"):
        return Parent(name=adapter.get("parent"))
    if adapter.get("parent_wwnn") and adapter.get("parent_wwpn"):
        return Parent(wwnn=WWN.parse(adapter.get("parent_wwnn")),
                      wwpn=WWN.parse(adapter.get("parent_wwpn")))  # fmt: skip
    if adapter.get("parent_fabric_wwn"):
        return Parent(fabric_wwn=WWN.parse(adapter.get("parent_fabric_wwn")))
    return None


def pool_document(conn: Any, pool: Any) -> str:
    """The pool's persistent document (its live one for a transient pool, or on
    libvirt's test driver, which knows no other)."""
    libvirt = libvirt_module()
    where = uri_of(conn)
    with calling(where, "reading a pool"):
        if pool.isPersistent():
            try:
                return str(pool.XMLDesc(libvirt.VIR_STORAGE_XML_INACTIVE))
            except libvirt.libvirtError as e:
                if e.get_error_code() != libvirt.VIR_ERR_INVALID_ARG:
                    raise
        return str(pool.XMLDesc(0))


def pool_state(conn: Any, pool: Any, devices: dict[WWN, str] | None = None) -> PoolState:
    """What :class:`PoolState` says of ``pool``; raises :class:`PoolError` for a pool
    that is not a vHBA pool."""
    where = uri_of(conn)
    with calling(where, "reading a pool"):
        name = str(pool.name())
    fc_pool = read_fc_pool(pool_document(conn, pool), source=f"{where} pool {name}")
    root, adapter, wwnn, wwpn = fc_pool.root, fc_pool.adapter, fc_pool.wwnn, fc_pool.wwpn
    with calling(where, f"reading pool {name}"):
        active, persistent = bool(pool.isActive()), bool(pool.isPersistent())
        autostart = bool(pool.autostart()) if persistent else False
    if devices is None:
        devices = _vhbas_by_wwpn(conn)
    return PoolState(name=name, uuid=root.findtext("uuid", "").strip(),
                     parent=_adapter_parent(adapter), wwnn=wwnn, wwpn=wwpn, active=active,
                     persistent=persistent, autostart=autostart,
                     device=devices.get(wwpn) if active else None)  # fmt: skip


def _vhbas_by_wwpn(conn: Any) -> dict[WWN, str]:
    out = {}
    for dev in read_inventory(conn).values():
        cap = dev.scsi_host
        if cap is not None and cap.fc_host is not None:
            out[cap.fc_host.wwpn] = dev.name
    return out


def vhba_pools(conn: Any) -> list[PoolState]:
    """Every ``scsi`` pool with an ``fc_host`` adapter on the host, by name."""
    where = uri_of(conn)
    with calling(where, "listing storage pools"):
        pools = conn.listAllStoragePools(0)
    devices = _vhbas_by_wwpn(conn)
    out = []
    for pool in pools:
        try:
            out.append(pool_state(conn, pool, devices))
        except PoolError:
            continue  # not a vHBA pool
    return sorted(out, key=lambda p: p.name)


def lookup_pool(conn: Any, name: str) -> Any:
    """The pool ``name``; :class:`PoolError` when there is none (one line naming the
    host), :class:`LibvirtConnectionError` when the connection fails."""
    libvirt = libvirt_module()
    where = uri_of(conn)
    try:
        return conn.storagePoolLookupByName(name)
    except libvirt.libvirtError as e:
        if e.get_error_code() == libvirt.VIR_ERR_NO_STORAGE_POOL:
            raise PoolError(f"{where}: no storage pool named {name!r}") from None
        with calling(where, f"looking up pool {name}"):
            raise


def _vhba_pool(conn: Any, name: str) -> tuple[Any, PoolState]:
    pool = lookup_pool(conn, name)
    return pool, pool_state(conn, pool)


def define_pool(conn: Any, draft: DefinitionDraft, *, uuid: str | None = None) -> PoolState:
    """Define the vHBA pool of ``draft`` on the host (WWNs generated when the draft
    has none, clear of every name in use there); marked autostart when the draft
    says so.  Raises :class:`PoolError` when a pool of that name exists,
    :class:`~nodedev_xml.errors.VHBAError` for names in use, and
    :class:`LibvirtConnectionError` when libvirt refuses."""
    from ..vhba import generate_wwns
    from .vhbas import check_names, names_taken

    libvirt = libvirt_module()
    where = uri_of(conn)
    try:
        conn.storagePoolLookupByName(draft.name)
    except libvirt.libvirtError:
        pass
    else:
        raise PoolError(f"{where}: a storage pool named {draft.name!r} exists already")
    used = names_taken(conn, read_inventory(conn))
    if draft.wwnn is not None and draft.wwpn is not None:
        wwnn, wwpn = draft.wwnn, draft.wwpn
        check_names(wwnn, wwpn, used, where)
    else:
        wwnn, wwpn = generate_wwns(frozenset(used))
    definition = Definition(draft.name, wwnn, wwpn, draft.parent, bool(draft.autostart))
    with calling(where, f"defining pool {draft.name}"):
        pool = conn.storagePoolDefineXML(export_pool(definition, uuid=uuid), 0)
        if definition.autostart:
            pool.setAutostart(1)
    return pool_state(conn, pool)


def start_pool(conn: Any, name: str, *, timeout: float = 30.0) -> PoolState:
    """Start the vHBA pool ``name`` (libvirt creates its vport) and wait, at most
    ``timeout`` seconds, for its vHBA to be listed; the pool as it is then (an
    active pool whose ``device`` is ``None`` when none appeared: libvirt's test
    driver never makes one for a defined pool).  Starting an active pool does
    nothing."""
    from .vhbas import wait_for

    pool, state = _vhba_pool(conn, name)
    if not state.active:
        with calling(uri_of(conn), f"starting pool {name}"):
            pool.create(0)
    made = wait_for(conn, state.wwpn, timeout)
    return (
        pool_state(conn, pool) if made is None else _with_device(pool_state(conn, pool), made.name)
    )


def _with_device(state: PoolState, device: str) -> PoolState:
    from dataclasses import replace

    return replace(state, device=device)


def stop_pool(conn: Any, name: str) -> PoolState:
    """Stop the vHBA pool ``name`` (libvirt deletes its vport, the pool being
    ``managed``); the pool as it was.  Stopping an inactive pool does nothing."""
    pool, state = _vhba_pool(conn, name)
    if state.active:
        with calling(uri_of(conn), f"stopping pool {name}"):
            pool.destroy()
    return state


def undefine_pool(conn: Any, name: str) -> PoolState:
    """Undefine the vHBA pool ``name`` (libvirt refuses an active one); the pool as
    it was."""
    pool, state = _vhba_pool(conn, name)
    with calling(uri_of(conn), f"undefining pool {name}"):
        pool.undefine()
    return state


def autostart_pool(conn: Any, name: str, enabled: bool) -> PoolState:
    """Mark the vHBA pool ``name`` to be started (or not) when libvirt starts."""
    pool, _ = _vhba_pool(conn, name)
    with calling(uri_of(conn), f"setting autostart on pool {name}"):
        pool.setAutostart(1 if enabled else 0)
    return pool_state(conn, pool)
