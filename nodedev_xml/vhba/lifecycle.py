"""Create and delete vHBAs: the checks, the lock, the write, the wait, the rollback.

What a create promises (README, "Guarantees"): the lock is taken first and
the time left checked after it, so nothing is written once the deadline has
passed; an intent record (:mod:`.intents`) is saved before the write and
removed once the vHBA is reported or its vport deleted again; a timeout, a
failed vport or a signal (SIGINT, SIGTERM, SIGHUP: :mod:`.interrupt`) after
the write deletes the vport again, retried once when the kernel is busy, and
the error says what the kernel answered, or the exact command that deletes
what is left.
"""

from __future__ import annotations

import contextlib
import errno as errnos
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from ..errors import Refusal, VHBAError, VHBAInterrupted, VHBANotFoundError
from ..model import CreateRequest, Device, Inventory
from ..sysfs.scan import scan
from ..sysfs.writer import SysfsWriter, Writer
from ..vocabulary import BACKENDS, Backend, default_root, scsi_host_name
from ..wwn import WWN
from . import wait
from .intents import Intent, IntentLog
from .interrupt import Interrupted, SignalGuard, signal_name, signals_raise
from .inuse import luns_in_use
from .kernel import write_vport
from .lock import canonical_root, vhba_lock
from .parent import find_parent, find_vhba, find_vport, names_in_use, not_found
from .wwns import generate_wwns

log = logging.getLogger("nodedev_xml.vhba")

#: How long a refused rollback waits before its one retry.
RETRY_ROLLBACK_SECONDS = 0.5
#: How long a create waits for an orphan vport of a definition to go before recreating it.
ORPHAN_GONE_SECONDS = 10.0


@dataclass(frozen=True, slots=True)
class CreatedVHBA:
    """A vHBA :func:`create_vhba` made: its node-device name (``scsi_host9``), its
    parent's, its names, and its vport's final ``vport_state``.  ``already_running``:
    with ``own=True``, a vHBA with these names ran already (nothing written);
    ``replaced``: the state of an orphan vport of these names deleted first."""

    name: str
    parent: str
    wwnn: WWN
    wwpn: WWN
    vport_state: str | None
    already_running: bool = False
    replaced: str | None = None


def _root(root: str | None) -> str:
    return os.path.abspath(root if root is not None else default_root())


def delete_command(wwpn: WWN, root: str) -> str:
    """The command that deletes the vport ``wwpn`` of ``root``."""
    where = "" if canonical_root(root) == "/" else f" --root {root}"
    return f"nodedev-xml{where} vhba delete --wwpn {wwpn}"


def _scan(root: str, backend: Backend) -> Inventory:
    inv = scan(root, backend=backend)
    for w in inv.warnings:
        log.debug("scan: %s", w)
    return inv


@contextlib.contextmanager
def _pause(backend: Backend) -> Iterator[wait.Pause]:
    """How to wait between two looks: for the next uevent with the udev backend
    (the monitor opened now, before the write), else a short sleep."""
    if backend not in BACKENDS:
        raise VHBAError(f"unknown backend {backend!r}; expected one of {', '.join(BACKENDS)}")
    if backend != "udev":
        yield wait.sleep_pause
        return
    from .uevents import UeventPause

    with UeventPause() as pause:
        yield pause


def _host_number(dev: Device) -> int:
    cap = dev.scsi_host
    if cap is None or cap.host is None:
        raise VHBAError(f"{dev.name} is not a SCSI host", reason=Refusal.NOT_VPORT_CAPABLE)
    return cap.host


def _device_dir(root: str, dev: Device) -> str:
    if not dev.path:
        raise VHBAError(f"{dev.name} has no sysfs path")
    return os.path.join(root, dev.path.lstrip("/"))


def _check_names(wwnn: WWN, wwpn: WWN, used: dict[WWN, str]) -> None:
    for kind, name in (("WWNN", wwnn), ("WWPN", wwpn)):
        if not name.is_fabric:  # 0 and all ones: what drivers print for "no name"
            raise VHBAError(f"{kind} {name} is not a usable name", reason=Refusal.WWN_INVALID)
        if name in used:
            raise VHBAError(
                f"{kind} {name} is already in use: it is {used[name]}", reason=Refusal.WWN_IN_USE
            )
    if wwnn == wwpn:
        raise VHBAError(f"the WWNN and the WWPN are the same ({wwnn})", reason=Refusal.WWN_INVALID)


@dataclass(slots=True)
class _Job:
    """One create under way: where it writes and what it has written."""

    root: str
    writer: Writer
    timeout: float
    deadline: float
    pause: wait.Pause
    guard: SignalGuard
    intents: IntentLog


def create_vhba(
    request: CreateRequest | None = None,
    *,
    root: str | None = None,
    timeout: float = 30.0,
    writer: Writer | None = None,
    avoid: Iterable[WWN] = (),
    lock_dir: str | None = None,
    backend: Backend = "sysfs",
    own: str | None = None,
) -> CreatedVHBA:
    """Create the vHBA ``request`` asks for on the host under ``root``.

    Takes the vHBA lock (waiting at most ``timeout`` seconds), then, with time
    left, picks (or checks) the parent and the names, records the intent and
    writes ``WWPN:WWNN`` to the parent's ``vport_create``; waits for the kernel
    to count the vport, then (at most ``timeout`` seconds in all) for the
    vHBA's Scsi_Host and ``fc_host``.  Generated names avoid every name in use
    on the host and every name in ``avoid``.

    ``own`` names the definition whose names ``request`` carries: a vHBA with
    them that runs already is returned (``already_running``, nothing written)
    and a vport of them without a working host (a crash, ``Fabric Rejected
    WWN``) is deleted and made again, instead of calling the names in use.

    Raises :class:`VHBAError` (with a :class:`~nodedev_xml.errors.Refusal`
    ``reason``) when the parent cannot take a vport, a name is malformed or in
    use, the lock or the time ran out (nothing written), the kernel refuses
    (its errno kept), the fabric refuses the vport or no host appears in time;
    :class:`~nodedev_xml.errors.VHBANotFoundError` for a parent that is not
    there; :class:`~nodedev_xml.errors.VHBAInterrupted` for SIGINT, SIGTERM or
    SIGHUP.  After the write, every failure deletes the vport again and says
    how that went.

    ``backend="udev"`` (the live host only) scans through libudev and waits on
    uevents instead of polling (:mod:`.uevents`): same deadline, same rollback;
    :class:`~nodedev_xml.errors.SysfsError` when udev cannot be used."""
    root = _root(root)
    request = request or CreateRequest()
    writer = writer or SysfsWriter(root)
    deadline = time.monotonic() + timeout
    with signals_raise() as guard:
        try:
            with _pause(backend) as pause:
                job = _Job(root, writer, timeout, deadline, pause, guard,
                           IntentLog(root, lock_dir))  # fmt: skip
                return _create(job, request, avoid, lock_dir, backend, own)
        except Interrupted as e:  # before the write: _written handles those after it
            raise VHBAInterrupted(
                f"interrupted by {signal_name(e.signum)}: nothing written", e.signum
            ) from None


def _create(
    job: _Job,
    request: CreateRequest,
    avoid: Iterable[WWN],
    lock_dir: str | None,
    backend: Backend,
    own: str | None,
) -> CreatedVHBA:
    with vhba_lock(job.root, job.deadline, lock_dir):
        if time.monotonic() >= job.deadline:
            raise VHBAError(
                f"the {job.timeout:g} s went by waiting for the vHBA lock; nothing written",
                reason=Refusal.TIMEOUT,
            )
        inv = _scan(job.root, backend)
        replaced = None
        if own is not None and request.wwpn is not None:
            running = find_vhba(inv, request.wwpn)
            if running is not None:
                cap = running.scsi_host
                assert cap is not None and cap.fc_host is not None
                return CreatedVHBA(running.name, running.parent_name or "", cap.fc_host.wwnn,
                                   cap.fc_host.wwpn, None, already_running=True)  # fmt: skip
            inv = _await_other(job, inv, request.wwpn, backend)
            running = find_vhba(inv, request.wwpn)
            if running is not None:
                cap = running.scsi_host
                assert cap is not None and cap.fc_host is not None
                return CreatedVHBA(running.name, running.parent_name or "", cap.fc_host.wwnn,
                                   cap.fc_host.wwpn, None, already_running=True)  # fmt: skip
            replaced, inv = _delete_orphan(job, inv, request.wwpn, backend)
        parent = find_parent(inv, request.parent)
        used = names_in_use(inv)
        if request.wwnn is not None and request.wwpn is not None:
            wwnn, wwpn = request.wwnn, request.wwpn
            _check_names(wwnn, wwpn, used)
        else:
            wwnn, wwpn = generate_wwns(set(used) | set(avoid))
        host = _host_number(parent)
        parent_dir = _device_dir(job.root, parent)
        intent = Intent.mine(wwnn, wwpn, parent.name, host, own)
        job.intents.record(intent)
        try:
            write_vport(job.writer, "vport_create", host, wwpn, wwnn)
        except VHBAError:
            job.intents.clear(intent)  # refused: nothing was made
            raise
        except Interrupted as e:
            raise _interrupted(job, intent, parent.name, e.signum) from None
        try:
            counted = wait.wait_counted(job.root, parent_dir, wwnn, wwpn, job.deadline, job.pause)
        except Interrupted as e:
            raise _interrupted(job, intent, parent.name, e.signum) from None
    try:
        created = _settle(job, intent, parent.name, parent_dir, counted)
    except Interrupted as e:
        raise _interrupted(job, intent, parent.name, e.signum) from None
    with job.guard.deferred():  # made and reported: a signal now must not say "nothing written"
        job.intents.clear(intent)
    if replaced is not None:
        created = CreatedVHBA(created.name, created.parent, created.wwnn, created.wwpn,
                              created.vport_state, replaced=replaced)  # fmt: skip
    return created


def _await_other(job: _Job, inv: Inventory, wwpn: WWN, backend: Backend) -> Inventory:
    """While another live process is still bringing up the vport ``wwpn`` (its
    intent record says so: its vHBA has not appeared yet), wait for it, at most
    until the deadline (the caller holds the lock); the inventory after.  The
    records are read before each scan, so a vport without a vHBA and without a
    live record in a scan made after them is an orphan."""
    me = os.getpid()
    while find_vhba(inv, wwpn) is None and find_vport(inv, wwpn) is not None:
        busy = [i for i in job.intents.records()
                if i.wwpn == str(wwpn) and i.pid != me and i.alive]  # fmt: skip
        inv = _scan(job.root, backend)
        if not busy or find_vhba(inv, wwpn) is not None or find_vport(inv, wwpn) is None:
            break
        if time.monotonic() >= job.deadline:
            raise VHBAError(
                f"the vport with WWPN {wwpn} is being started by pid {busy[0].pid};"
                " gave up waiting for it (nothing written)",
                reason=Refusal.RUNNING,
            )
        job.pause(job.deadline)
    return inv


def _delete_orphan(
    job: _Job, inv: Inventory, wwpn: WWN, backend: Backend
) -> tuple[str | None, Inventory]:
    """Delete a vport named ``wwpn`` that has no working vHBA (the caller holds the
    lock); its state (``orphan vport`` when it has none) and the inventory after."""
    found = find_vport(inv, wwpn)
    if found is None:
        return None, inv
    parent, vport = found
    assert vport.wwnn is not None
    state = vport.state or "orphan vport"
    write_vport(job.writer, "vport_delete", _host_number(parent), wwpn, vport.wwnn)
    gone_by = min(job.deadline, time.monotonic() + ORPHAN_GONE_SECONDS)
    parent_dir = _device_dir(job.root, parent)
    if not wait.wait_gone(job.root, parent_dir, vport.wwnn, wwpn, gone_by, job.pause):
        raise VHBAError(
            f"the orphan vport with WWPN {wwpn} of {parent.name} ({state}) is still there"
            " after its delete; nothing created",
            reason=Refusal.TIMEOUT,
            written=True,
        )
    log.info("deleted the orphan vport with WWPN %s of %s (%s)", wwpn, parent.name, state)
    return state, _scan(job.root, backend)


def _settle(
    job: _Job, intent: Intent, parent: str, parent_dir: str, counted: wait.VportStatus | None
) -> CreatedVHBA:
    wwnn, wwpn = intent.names
    if counted is None:
        undo = _rollback(job, intent)
        raise VHBAError(
            f"{parent} did not show a vport for WWPN {wwpn} within {job.timeout:g} s "
            f"of the write; {undo}",
            reason=Refusal.TIMEOUT,
            written=True,
        )
    status = wait.wait_settled(job.root, parent_dir, wwnn, wwpn, job.deadline, job.pause)
    if status is None:
        job.intents.clear(intent)
        raise VHBAError(f"the vport {counted.vport} of {parent} vanished while starting",
                        written=True)  # fmt: skip
    if status.state in wait.FAILED_STATES:
        undo = _rollback(job, intent)
        raise VHBAError(f"the vport {status.vport} of {parent} failed: {status.state}; {undo}",
                        reason=Refusal.FABRIC, written=True)  # fmt: skip
    if status.host is None:
        undo = _rollback(job, intent)
        raise VHBAError(
            f"no Scsi_Host appeared for the vport {status.vport} of {parent} "
            f"within {job.timeout:g} s; {undo}",
            reason=Refusal.TIMEOUT,
            written=True,
        )
    created = CreatedVHBA(scsi_host_name(status.host), parent, wwnn, wwpn, status.state)
    log.info("created %s on %s (vport %s, %s)", created.name, parent, status.vport,
             status.state)  # fmt: skip
    return created


def _interrupted(job: _Job, intent: Intent, parent: str, signum: int) -> VHBAInterrupted:
    undo = _rollback(job, intent)
    return VHBAInterrupted(
        f"interrupted by {signal_name(signum)} while creating the vport with WWPN"
        f" {intent.wwpn} on {parent}; {undo}",
        signum,
        written=True,
    )


def _rollback(job: _Job, intent: Intent) -> str:
    """Delete the vport just written (signals wait until it is done), retrying once
    when the kernel is busy or does not know it yet; the words that say how it went.
    The intent record goes once the vport is deleted (or never was)."""
    wwnn, wwpn = intent.names
    with job.guard.deferred():
        last: VHBAError | None = None
        for attempt in (1, 2):
            try:
                write_vport(job.writer, "vport_delete", intent.host, wwpn, wwnn)
            except VHBAError as e:
                last = e
                if attempt == 1 and e.errno in (errnos.EBUSY, errnos.ENODEV):
                    time.sleep(RETRY_ROLLBACK_SECONDS)
                    continue
                break
            job.intents.clear(intent)
            return "deleted it again" if attempt == 1 else "deleted it again (second try)"
    assert last is not None
    code = errnos.errorcode.get(last.errno or 0, "an error")
    if last.errno == errnos.ENODEV:
        # The kernel knows no such vport: nothing is left unless it appears late; the
        # record stays, so that the next run looks again.
        return (f"the kernel answered {code} to its delete twice (no such vport); if it"
                f" shows up, delete it with '{delete_command(wwpn, job.root)}'")  # fmt: skip
    return (f"deleting it again failed twice (the kernel answered {code}: {last}); delete it"
            f" with '{delete_command(wwpn, job.root)}'")  # fmt: skip


def delete_vhba(
    name: str | None = None,
    *,
    wwpn: WWN | str | None = None,
    root: str | None = None,
    writer: Writer | None = None,
    timeout: float = 10.0,
    backend: Backend = "sysfs",
    force: bool = False,
) -> None:
    """Delete the vHBA ``name`` (``scsi_host9``), or the vport whose port name is
    ``wwpn`` (with or without a Scsi_Host), by writing ``WWPN:WWNN`` to its
    parent's ``vport_delete``; waits up to ``timeout`` seconds for it to go.
    Raises :class:`~nodedev_xml.errors.VHBANotFoundError` when there is no such
    vHBA or vport, :class:`VHBAError` when ``name`` is no vHBA, a LUN of it is
    in use (mounted, held, open: reason ``in_use``; ``force=True`` deletes it
    all the same) or the kernel refuses, :class:`~nodedev_xml.errors.WWNError`
    for a malformed ``wwpn``.  ``backend`` as for :func:`create_vhba`: with
    ``"udev"`` the wait is on uevents."""
    if (name is None) == (wwpn is None):
        raise VHBAError("name the vHBA to delete, or give its WWPN (not both)",
                        reason=Refusal.BAD_REQUEST)  # fmt: skip
    root = _root(root)
    writer = writer or SysfsWriter(root)
    with _pause(backend) as pause:
        _delete(name, wwpn, root, writer, timeout, backend, pause, force)


def vhba_names(inv: Inventory, name: str) -> tuple[Device, WWN, WWN]:
    """The parent, WWNN and WWPN of the vHBA ``name``; raises
    :class:`~nodedev_xml.errors.VHBANotFoundError` or :class:`VHBAError`."""
    if name not in inv:
        raise not_found(inv, name, "vHBA")
    cap = inv[name].scsi_host
    phys = cap.phys_hba if cap is not None else None
    if cap is None or cap.fc_host is None or phys is None or phys.name not in inv:
        raise VHBAError(f"{name} is not a vHBA (not the Scsi_Host of an NPIV vport)",
                        reason=Refusal.NOT_A_VHBA)  # fmt: skip
    return inv[phys.name], cap.fc_host.wwnn, cap.fc_host.wwpn


def _delete(
    name: str | None,
    wwpn: WWN | str | None,
    root: str,
    writer: Writer,
    timeout: float,
    backend: Backend,
    pause: wait.Pause,
    force: bool = False,
) -> None:
    inv = _scan(root, backend)
    if name is not None:
        parent, wwnn, port = vhba_names(inv, name)
    else:
        port = wwpn if isinstance(wwpn, WWN) else WWN.parse_given(str(wwpn))
        found = find_vport(inv, port)
        if found is None:
            raise VHBANotFoundError(f"no vport with WWPN {port}", str(port))
        parent, vport = found
        assert vport.wwnn is not None
        wwnn = vport.wwnn
    vhba = name if name is not None else getattr(find_vhba(inv, port), "name", None)
    uses = luns_in_use(inv, vhba, root) if vhba is not None else []
    if uses and not force:
        raise VHBAError(f"{vhba} is in use: {'; '.join(uses)}; nothing deleted"
                        " (--force deletes it all the same)", reason=Refusal.IN_USE)  # fmt: skip
    for use in uses:
        log.warning("deleting %s although %s", vhba, use)
    write_vport(writer, "vport_delete", _host_number(parent), port, wwnn)
    parent_dir = _device_dir(root, parent)
    if not wait.wait_gone(root, parent_dir, wwnn, port, time.monotonic() + timeout, pause):
        raise VHBAError(f"the vport with WWPN {port} of {parent.name} is still there "
                        f"{timeout:g} s after the delete", reason=Refusal.TIMEOUT,
                        written=True)  # fmt: skip
    log.info("deleted the vport with WWPN %s of %s", port, parent.name)


# -- what crashed runs left -----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Orphan:
    """A vport an interrupted create left (its process is gone): the record, the HBA
    it is on (``None``: gone), its state and its vHBA's name (``None``: no host)."""

    intent: Intent
    parent: str | None
    state: str | None
    vhba: str | None

    @property
    def kept(self) -> bool:
        """A definition's vHBA that came up: it is what the definition asked for."""
        return (
            self.intent.definition is not None
            and self.vhba is not None
            and (self.state in (None, "Active"))
        )

    def describe(self, root: str) -> str:
        """One line: what is left, and what cleans it up."""
        i = self.intent
        by = f"an interrupted nodedev-xml (pid {i.pid}"
        by += f", starting definition {i.definition})" if i.definition else ")"
        on = f"vport with WWPN {i.wwpn} on {self.parent}"
        if self.vhba is not None:
            on += f" (its vHBA {self.vhba})"
        if self.state:
            on += f" ({self.state})"
        where = "" if canonical_root(root) == "/" else f" --root {root}"
        return f"orphan {on} left by {by}: 'nodedev-xml{where} vhba cleanup' deletes it"


def orphans(inv: Inventory, *, lock_dir: str | None = None) -> list[Orphan]:
    """The vports of ``inv``'s host that interrupted creates left (stale intent
    records); a stale record whose vport is gone is removed on the way."""
    log_ = IntentLog(inv.root, lock_dir)
    found: list[Orphan] = []
    for intent in log_.stale():
        where = find_vport(inv, intent.names[1])
        if where is None:
            log_.clear(intent)  # nothing was left behind
            continue
        parent, vport = where
        vhba = find_vhba(inv, intent.names[1])
        found.append(Orphan(intent, parent.name, vport.state, vhba.name if vhba else None))
    return found


def cleanup(
    *,
    root: str | None = None,
    writer: Writer | None = None,
    lock_dir: str | None = None,
    timeout: float = 10.0,
    backend: Backend = "sysfs",
    report: Callable[[str], None] | None = None,
) -> list[Orphan]:
    """Delete the vports interrupted creates left (holding the vHBA lock); a
    definition's vHBA that came up is kept, its record dropped.  Returns what
    was found; ``report`` gets one line each.  Raises :class:`VHBAError` when a
    delete fails (the others are done first; the record stays)."""
    root = _root(root)
    writer = writer or SysfsWriter(root)
    say = report or (lambda _line: None)
    failed: list[str] = []
    with vhba_lock(root, time.monotonic() + timeout, lock_dir):
        inv = _scan(root, backend)
        found = orphans(inv, lock_dir=lock_dir)
        log_ = IntentLog(root, lock_dir)
        for orphan in found:
            i = orphan.intent
            if orphan.kept:
                log_.clear(i)
                say(f"kept {orphan.vhba}: the vHBA of definition {i.definition} (WWPN {i.wwpn})")
                continue
            try:
                delete_vhba(wwpn=i.wwpn, root=root, writer=writer, timeout=timeout,
                            backend=backend)  # fmt: skip
            except VHBAError as e:
                failed.append(f"WWPN {i.wwpn}: {e}")
                continue
            log_.clear(i)
            say(f"deleted the orphan vport with WWPN {i.wwpn} of {orphan.parent}"
                f" (left by pid {i.pid})")  # fmt: skip
    if failed:
        raise VHBAError("cleanup left vports behind: " + "; ".join(failed), written=True)
    return found
