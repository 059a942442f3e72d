"""A guest's vHBA pool moved from host A to host B, as the RFC's agreed design has it.

The management tool creates the pool on B with the same name and UUID but a
vHBA of B's own (new WWNN/WWPN, never A's; a parent of B chosen by the same
rules as ``vhba create``); once the guest has moved, A's pool is torn down,
which deletes A's vport.  libvirt does every kernel write.

:func:`migrate_vhba_pool` on B: starts the pool (``storagePoolCreateXML``,
which makes the vHBA), defines it (``storagePoolDefineXML``: the running pool
becomes persistent), marks it autostart when A's is, waits for B's vHBA and
compares the LUNs behind both vHBAs (:mod:`.luns`).  Run again, it finds B's
pool (same name and UUID) and checks it instead.  A failure undoes what was
done on B -- through a new connection when B's dropped -- never touches A, and
says so in one line (:class:`~nodedev_xml.errors.MigrationError`).

:func:`finish_migration` (after the guest moved): when B holds the pool,
running, and no running guest on A uses it, destroys and undefines A's pool.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ..errors import LibvirtConnectionError, MigrationError, NodedevXmlError
from ..model import Parent
from ..wwn import WWN
from .inventory import read_inventory
from .luns import LunCheck, compare_luns
from .pools import PoolState, lookup_pool, pool_document, pool_state
from .session import calling, libvirt_module, open_connection, uri_of

__all__ = ["FinishReport", "MigrationReport", "finish_migration", "migrate_vhba_pool"]

#: Told each step as it is done (for a progress display, or a test that breaks a link).
Progress = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class MigrationReport:
    """What :func:`migrate_vhba_pool` did: the pool, both hosts, both vHBAs, B's
    parent and names, the LUN check, the guests on A that use the pool, and
    whether B already held the pool (a second run)."""

    pool: str
    uuid: str
    source: str
    destination: str
    source_vhba: str | None
    source_wwpn: WWN
    parent: str | None
    wwnn: WWN
    wwpn: WWN
    vhba: str
    autostart: bool
    luns: LunCheck
    guests: tuple[str, ...]
    already: bool

    def next_step(self) -> str:
        """The ``virsh migrate`` command that moves the guest(s) now."""
        guest = self.guests[0] if len(self.guests) == 1 else "GUEST"
        return f"virsh -c {self.source} migrate --live --persistent {guest} {self.destination}"

    def lines(self) -> list[str]:
        """The report as printed, one fact a line."""
        head = "already on" if self.already else "created on"
        on_a = self.source_vhba or "no vHBA listed"
        parent = f" on {self.parent}" if self.parent else ""
        guests = ", ".join(self.guests) if self.guests else "none running"
        return [
            f"pool {self.pool} ({self.uuid}) {head} {self.destination}",
            f"source: {self.source}: {on_a}, wwpn {self.source_wwpn}",
            f"destination: {self.vhba}{parent}, wwnn {self.wwnn}, wwpn {self.wwpn}"
            f"{', autostart' if self.autostart else ''}",
            self.luns.describe(),
            f"guests on the source using the pool: {guests}",
            f"next: {self.next_step()}",
            f"then: nodedev-xml vhba migrate {self.pool} --from {self.source}"
            f" --to {self.destination} --finish",
        ]


@dataclass(frozen=True, slots=True)
class FinishReport:
    """What :func:`finish_migration` did on A: the vHBA its pool deleted (``None``:
    none was listed), and whether A had nothing left to do."""

    pool: str
    source: str
    vhba: str | None
    already: bool

    def lines(self) -> list[str]:
        if self.already:
            return [f"pool {self.pool}: nothing left on {self.source}"]
        gone = f", deleting {self.vhba}" if self.vhba else ""
        return [f"pool {self.pool} destroyed and undefined on {self.source}{gone}"]


@contextlib.contextmanager
def _host(given: Any) -> Iterator[Any]:
    if isinstance(given, str):
        conn = open_connection(given)
        try:
            yield conn
        finally:
            with contextlib.suppress(Exception):
                conn.close()
    else:
        yield given


def _source_pool(a: Any, name: str) -> tuple[Any, str, PoolState]:
    pool = lookup_pool(a, name)
    return pool, pool_document(a, pool), pool_state(a, pool)


def guests_using(conn: Any, pool: str) -> tuple[str, ...]:
    """The running guests on ``conn`` with a disk from ``pool``."""
    from lxml import etree

    where = uri_of(conn)
    names = []
    with calling(where, "listing guests"):
        domains = conn.listAllDomains(0)
        for dom in domains:
            if not dom.isActive():
                continue
            doc = etree.fromstring(dom.XMLDesc(0).encode())
            if any(s.get("pool") == pool for s in doc.iterfind("devices/disk/source")):
                names.append(str(dom.name()))
    return tuple(sorted(names))


class _Undo:
    """What was done on B, to undo in reverse order through a working connection."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.steps: list[tuple[str, Callable[[Any], None]]] = []

    def add(self, undone: str, undo: Callable[[Any], None], *, last: bool = False) -> None:
        """``undo`` (said ``undone`` once done) runs before those added earlier, or
        after every other with ``last``."""
        if last:
            self.steps.insert(0, (undone, undo))
        else:
            self.steps.append((undone, undo))

    def run(self, conn: Any) -> str:
        if not self.steps:
            return "nothing was done there"
        target = conn
        if not _alive(conn):
            try:
                target = open_connection(self.uri)
            except LibvirtConnectionError as e:
                left = ", ".join(d for d, _ in reversed(self.steps))
                return f"NOT done (the connection dropped and cannot be reopened: {e}): {left}"
        undone, failed = [], []
        for done, undo in reversed(self.steps):
            try:
                undo(target)
                undone.append(done)
            except NodedevXmlError as e:
                failed.append(f"{done} ({e})")
        if target is not conn:
            with contextlib.suppress(Exception):
                target.close()
        said = f"undone: {', '.join(undone)}" if undone else ""
        if failed:
            said += ("; " if said else "") + f"NOT done: {'; '.join(failed)}"
        return said


def _alive(conn: Any) -> bool:
    try:
        return bool(conn.isAlive())
    except Exception:
        return False


def _destroy(name: str) -> Callable[[Any], None]:
    def run(conn: Any) -> None:
        pool = lookup_pool(conn, name)
        with calling(uri_of(conn), f"stopping pool {name}"):
            if pool.isActive():
                pool.destroy()

    return run


def _undefine(name: str) -> Callable[[Any], None]:
    def run(conn: Any) -> None:
        libvirt = libvirt_module()
        try:
            pool = conn.storagePoolLookupByName(name)
        except libvirt.libvirtError:
            return  # a transient pool goes with its destroy
        with calling(uri_of(conn), f"undefining pool {name}"):
            if pool.isPersistent():
                pool.undefine()

    return run


def migrate_vhba_pool(
    name: str,
    *,
    source: Any,
    destination: Any,
    parent: Parent | None = None,
    wwnn: WWN | None = None,
    wwpn: WWN | None = None,
    timeout: float = 30.0,
    wait_luns: float = 0.0,
    source_root: str | None = None,
    destination_root: str | None = None,
    progress: Progress | None = None,
) -> MigrationReport:
    """Create the vHBA pool ``name`` of ``source`` (host A: a URI or an open
    ``virConnect``) on ``destination`` (host B) as the module says.  ``parent``
    picks B's HBA (default: the first usable one), ``wwnn``/``wwpn`` B's names
    (default: generated), ``timeout`` bounds the wait for B's vHBA, ``wait_luns``
    the wait for B's LUNs to match A's; ``source_root``/``destination_root`` are
    the hosts' sysfs roots as this process sees them, for the LUN check.

    Raises :class:`~nodedev_xml.errors.PoolError` for a pool missing on A or not a
    vHBA pool, :class:`LibvirtConnectionError` when a host cannot be reached
    (nothing done), and :class:`MigrationError` for any failure on B or an
    interrupt (Ctrl-C), after undoing what was done there (A is never touched).
    A process killed outright leaves B's pool as far as it got; run again, the
    migration finds it (same name and UUID) and carries on."""
    say = progress or (lambda _step: None)
    with _host(source) as a, _host(destination) as b:
        a_uri, b_uri = uri_of(a), uri_of(b)
        _, a_xml, a_state = _source_pool(a, name)
        a_inv = read_inventory(a)
        guests = guests_using(a, name)
        say("read the source")
        undo = _Undo(b_uri)
        step = "making the pool there"
        try:
            state, parent_name, already = _on_destination(
                a, b, a_xml, a_state, a_inv, parent, wwnn, wwpn, undo, say)  # fmt: skip
            step = "waiting for the destination's vHBA"
            from .vhbas import wait_for

            made = wait_for(b, state.wwpn, timeout)
            if made is None:
                raise MigrationError(f"no vHBA with WWPN {state.wwpn} after {timeout:g}s")
            say("the destination's vHBA is listed")
            step = "comparing the LUNs"
            luns = _lun_check(a_uri, a_state.wwpn, source_root, b_uri, state.wwpn,
                              destination_root, wait_luns)  # fmt: skip
            if luns.verified is False:
                raise MigrationError(luns.describe())
        except (NodedevXmlError, KeyboardInterrupt) as e:
            said = undo.run(b)
            why = "interrupted" if isinstance(e, KeyboardInterrupt) else str(e)
            raise MigrationError(
                f"{b_uri}: {step}: {why}; on {b_uri} {said}; {a_uri} untouched"
            ) from None
        except BaseException:
            undo.run(b)  # a bug of ours: B is put back all the same
            raise
        return MigrationReport(
            pool=name, uuid=a_state.uuid, source=a_uri, destination=b_uri,
            source_vhba=a_state.device, source_wwpn=a_state.wwpn, parent=parent_name,
            wwnn=state.wwnn, wwpn=state.wwpn, vhba=made.name, autostart=state.autostart,
            luns=luns, guests=guests, already=already,
        )  # fmt: skip


def _on_destination(
    a: Any, b: Any, a_xml: str, a_state: PoolState, a_inv: Any, parent: Parent | None,
    wwnn: WWN | None, wwpn: WWN | None, undo: _Undo, say: Progress,
) -> tuple[PoolState, str | None, bool]:  # fmt: skip
    """B's pool, made or found; the name of its parent HBA; whether it was there."""
    from ..errors import PoolError
    from ..vhba import find_parent, generate_wwns
    from ..vhba.pools import migrate_pool
    from .vhbas import check_names, names_taken, unknown_facts

    libvirt = libvirt_module()
    b_uri = uri_of(b)
    name = a_state.name
    try:
        found = b.storagePoolLookupByName(name)
    except libvirt.libvirtError as e:
        if e.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_POOL:
            with calling(b_uri, f"looking up pool {name}"):
                raise
        found = None
    if found is not None:
        try:
            state = pool_state(b, found)
        except PoolError:
            raise MigrationError(
                f"a pool named {name!r} exists there and is no vHBA pool"
            ) from None
        if state.uuid != a_state.uuid:
            raise MigrationError(f"a pool named {name!r} exists there with another UUID"
                                 f" ({state.uuid}, not {a_state.uuid})")  # fmt: skip
        if {state.wwnn, state.wwpn} & {a_state.wwnn, a_state.wwpn}:
            raise MigrationError(f"its pool {name!r} uses the source's WWNs")
        if not state.active:
            with calling(b_uri, f"starting pool {name}"):
                found.create(0)
            undo.add(f"stopped pool {name}", _destroy(name))
            state = pool_state(b, found)
        say("found on the destination")
        parent_name = state.parent.name if state.parent is not None else None
        return state, parent_name, True
    with contextlib.suppress(libvirt.libvirtError):
        other = b.storagePoolLookupByUUIDString(a_state.uuid)
        raise MigrationError(f"pool {other.name()!r} there has the source pool's UUID"
                             f" {a_state.uuid}")  # fmt: skip
    b_inv = read_inventory(b)
    hba = find_parent(b_inv, parent, unknown=unknown_facts(b))
    fc = hba.scsi_host.fc_host if hba.scsi_host is not None else None
    assert fc is not None  # find_parent returns Fibre Channel HBAs only
    taken = {**names_taken(a, a_inv), **names_taken(b, b_inv)}
    if wwnn is not None and wwpn is not None:
        check_names(wwnn, wwpn, taken, f"{b_uri} or {uri_of(a)}")
    else:
        wwnn, wwpn = generate_wwns(frozenset(taken))
    document = migrate_pool(a_xml, parent=Parent(wwnn=fc.wwnn, wwpn=fc.wwpn), wwnn=wwnn,
                            wwpn=wwpn)  # fmt: skip
    with calling(b_uri, f"starting pool {name}"):
        pool = b.storagePoolCreateXML(document, 0)
    undo.add(f"stopped pool {name} (which deletes its vHBA)", _destroy(name))
    say("started on the destination")
    with calling(b_uri, f"defining pool {name}"):
        pool = b.storagePoolDefineXML(document, 0)
    undo.add(f"undefined pool {name}", _undefine(name), last=True)
    say("defined on the destination")
    if a_state.autostart:
        with calling(b_uri, f"marking pool {name} autostart"):
            pool.setAutostart(1)
        say("marked autostart on the destination")
    return pool_state(b, pool), hba.name, False


def _lun_check(
    a_uri: str, a_wwpn: WWN, a_root: str | None, b_uri: str, b_wwpn: WWN, b_root: str | None,
    wait: float,
) -> LunCheck:  # fmt: skip
    deadline = time.monotonic() + wait
    while True:
        check = compare_luns((a_uri, a_wwpn, a_root), (b_uri, b_wwpn, b_root))
        if check.verified is not False or time.monotonic() >= deadline:
            return check
        time.sleep(0.5)


def finish_migration(name: str, *, source: Any, destination: Any) -> FinishReport:
    """Tear down the pool ``name`` on ``source`` (A) once the guest runs on
    ``destination`` (B): refuses (:class:`MigrationError`, nothing done) unless B
    holds the pool with the same UUID, running, and no running guest on A uses it.
    Destroying the pool deletes A's vport (libvirt, ``managed``); then it is
    undefined.  Nothing there: nothing to do."""
    libvirt = libvirt_module()
    with _host(source) as a, _host(destination) as b:
        a_uri, b_uri = uri_of(a), uri_of(b)
        try:
            pool = a.storagePoolLookupByName(name)
        except libvirt.libvirtError as e:
            if e.get_error_code() != libvirt.VIR_ERR_NO_STORAGE_POOL:
                with calling(a_uri, f"looking up pool {name}"):
                    raise
            return FinishReport(name, a_uri, None, True)
        a_state = pool_state(a, pool)
        b_state = pool_state(b, lookup_pool(b, name))
        if b_state.uuid != a_state.uuid or not b_state.active:
            raise MigrationError(
                f"{b_uri}: pool {name} is not running there with UUID {a_state.uuid};"
                f" {a_uri} untouched"
            )
        guests = guests_using(a, name)
        if guests:
            raise MigrationError(
                f"{a_uri}: {', '.join(guests)} still run(s) there on pool {name}: migrate"
                f" first; {a_uri} untouched"
            )
        with calling(a_uri, f"destroying pool {name}"):
            if pool.isActive():
                pool.destroy()
            if pool.isPersistent():
                pool.undefine()
        return FinishReport(name, a_uri, a_state.device, False)
