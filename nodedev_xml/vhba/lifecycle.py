"""Create and delete vHBAs: the checks, the lock, the write, the wait, the rollback."""

from __future__ import annotations

import contextlib
import logging
import os
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..errors import VHBAError
from ..model import CreateRequest, Device, Inventory
from ..sysfs.scan import scan
from ..sysfs.writer import SysfsWriter, Writer
from ..vocabulary import BACKENDS, Backend, default_root, scsi_host_name
from ..wwn import WWN
from . import wait
from .kernel import write_vport
from .lock import vhba_lock
from .parent import find_parent, names_in_use
from .wwns import generate_wwns

log = logging.getLogger("nodedev_xml.vhba")


@dataclass(frozen=True, slots=True)
class CreatedVHBA:
    """A vHBA :func:`create_vhba` made: its node-device name (``scsi_host9``), its
    parent's, its names, and its vport's final ``vport_state``."""

    name: str
    parent: str
    wwnn: WWN
    wwpn: WWN
    vport_state: str | None


def _root(root: str | None) -> str:
    return os.path.abspath(root if root is not None else default_root())


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
        raise VHBAError(f"{dev.name} is not a SCSI host")
    return cap.host


def _device_dir(root: str, dev: Device) -> str:
    if not dev.path:
        raise VHBAError(f"{dev.name} has no sysfs path")
    return os.path.join(root, dev.path.lstrip("/"))


def _check_names(wwnn: WWN, wwpn: WWN, used: dict[WWN, str]) -> None:
    for kind, name in (("WWNN", wwnn), ("WWPN", wwpn)):
        if not name.is_fabric:  # 0 and all ones: what drivers print for "no name"
            raise VHBAError(f"{kind} {name} is not a usable name")
        if name in used:
            raise VHBAError(f"{kind} {name} is already in use: it is {used[name]}")
    if wwnn == wwpn:
        raise VHBAError(f"the WWNN and the WWPN are the same ({wwnn})")


def create_vhba(
    request: CreateRequest | None = None,
    *,
    root: str | None = None,
    timeout: float = 30.0,
    writer: Writer | None = None,
    avoid: Iterable[WWN] = (),
    lock_dir: str | None = None,
    backend: Backend = "sysfs",
) -> CreatedVHBA:
    """Create the vHBA ``request`` asks for on the host under ``root``.

    Picks (or checks) the parent and the names, then, holding the vHBA lock,
    writes ``WWPN:WWNN`` to the parent's ``vport_create`` and waits for the
    kernel to count the vport; then waits, at most ``timeout`` seconds in all,
    for the vHBA's Scsi_Host and ``fc_host``.  Generated names avoid every name
    in use on the host and every name in ``avoid``.  Raises :class:`VHBAError`
    when the parent cannot take a vport, a name is malformed or in use (nothing
    written), the kernel refuses (its errno kept), the fabric refuses the vport
    (``Fabric Rejected WWN``, ...) or no host appears in time; in the last two
    cases the vport it made is deleted again, and the message says so.

    ``backend="udev"`` (the live host only) scans through libudev and waits on
    uevents instead of polling (:mod:`.uevents`): same deadline, same rollback;
    :class:`~nodedev_xml.errors.SysfsError` when udev cannot be used."""
    root = _root(root)
    request = request or CreateRequest()
    writer = writer or SysfsWriter(root)
    deadline = time.monotonic() + timeout
    with _pause(backend) as pause:
        return _create(request, root, timeout, writer, avoid, lock_dir, backend, deadline, pause)


def _create(
    request: CreateRequest,
    root: str,
    timeout: float,
    writer: Writer,
    avoid: Iterable[WWN],
    lock_dir: str | None,
    backend: Backend,
    deadline: float,
    pause: wait.Pause,
) -> CreatedVHBA:
    with vhba_lock(root, deadline, lock_dir):
        inv = _scan(root, backend)
        parent = find_parent(inv, request.parent)
        used = names_in_use(inv)
        if request.wwnn is not None and request.wwpn is not None:
            wwnn, wwpn = request.wwnn, request.wwpn
            _check_names(wwnn, wwpn, used)
        else:
            wwnn, wwpn = generate_wwns(set(used) | set(avoid))
        host = _host_number(parent)
        parent_dir = _device_dir(root, parent)
        write_vport(writer, "vport_create", host, wwpn, wwnn)
        counted = wait.wait_counted(root, parent_dir, wwnn, wwpn, deadline, pause)
    if counted is None:
        raise VHBAError(
            f"{parent.name} did not show a vport for WWPN {wwpn} within {timeout:g} s "
            "of the write (nothing to delete)"
        )
    status = wait.wait_settled(root, parent_dir, wwnn, wwpn, deadline, pause)
    if status is None:
        raise VHBAError(f"the vport {counted.vport} of {parent.name} vanished while starting")
    if status.state in wait.FAILED_STATES:
        undo = _rollback(writer, host, wwnn, wwpn)
        raise VHBAError(f"the vport {status.vport} of {parent.name} failed: {status.state}; {undo}")
    if status.host is None:
        undo = _rollback(writer, host, wwnn, wwpn)
        raise VHBAError(
            f"no Scsi_Host appeared for the vport {status.vport} of {parent.name} "
            f"within {timeout:g} s; {undo}"
        )
    created = CreatedVHBA(scsi_host_name(status.host), parent.name, wwnn, wwpn, status.state)
    log.info("created %s on %s (vport %s, %s)", created.name, parent.name, status.vport,
             status.state)  # fmt: skip
    return created


def _rollback(writer: Writer, host: int, wwnn: WWN, wwpn: WWN) -> str:
    """Delete the vport just made; the words that say how that went."""
    try:
        write_vport(writer, "vport_delete", host, wwpn, wwnn)
    except VHBAError as e:
        return f"deleting it again failed too: {e}"
    return "deleted it again"


def _find_by_wwpn(inv: Inventory, wwpn: WWN) -> tuple[Device, WWN]:
    for dev in inv.values():
        cap = dev.scsi_host
        for vport in cap.vports.vports if cap is not None and cap.vports is not None else ():
            if vport.wwpn == wwpn and vport.wwnn is not None:
                return dev, vport.wwnn
    raise VHBAError(f"no vport with WWPN {wwpn}")


def delete_vhba(
    name: str | None = None,
    *,
    wwpn: WWN | str | None = None,
    root: str | None = None,
    writer: Writer | None = None,
    timeout: float = 10.0,
    backend: Backend = "sysfs",
) -> None:
    """Delete the vHBA ``name`` (``scsi_host9``), or the vport whose port name is
    ``wwpn`` (with or without a Scsi_Host), by writing ``WWPN:WWNN`` to its
    parent's ``vport_delete``; waits up to ``timeout`` seconds for it to go.
    Raises :class:`VHBAError` when there is no such vHBA or the kernel refuses,
    :class:`~nodedev_xml.errors.WWNError` for a malformed ``wwpn``.  ``backend`` as
    for :func:`create_vhba`: with ``"udev"`` the wait is on uevents."""
    if (name is None) == (wwpn is None):
        raise VHBAError("name the vHBA to delete, or give its WWPN (not both)")
    root = _root(root)
    writer = writer or SysfsWriter(root)
    with _pause(backend) as pause:
        _delete(name, wwpn, root, writer, timeout, backend, pause)


def _delete(
    name: str | None,
    wwpn: WWN | str | None,
    root: str,
    writer: Writer,
    timeout: float,
    backend: Backend,
    pause: wait.Pause,
) -> None:
    inv = _scan(root, backend)
    if name is not None:
        if name not in inv:
            raise VHBAError(f"no vHBA named {name!r}")
        cap = inv[name].scsi_host
        phys = cap.phys_hba if cap is not None else None
        if cap is None or cap.fc_host is None or phys is None or phys.name not in inv:
            raise VHBAError(f"{name} is not a vHBA (not the Scsi_Host of an NPIV vport)")
        parent, wwnn, port = inv[phys.name], cap.fc_host.wwnn, cap.fc_host.wwpn
    else:
        port = wwpn if isinstance(wwpn, WWN) else WWN.parse_strict(str(wwpn))
        parent, wwnn = _find_by_wwpn(inv, port)
    write_vport(writer, "vport_delete", _host_number(parent), port, wwnn)
    parent_dir = _device_dir(root, parent)
    if not wait.wait_gone(root, parent_dir, wwnn, port, time.monotonic() + timeout, pause):
        raise VHBAError(f"the vport with WWPN {port} of {parent.name} is still there "
                        f"{timeout:g} s after the delete")  # fmt: skip
    log.info("deleted the vport with WWPN %s of %s", port, parent.name)
