"""Rescanning a host for LUNs: ``scsi_host/hostN/scan`` and ``fc_host/hostN/issue_lip``.

A targeted scan (the default, as os-brick does it) writes one ``C T L`` line
per FCP target behind the host's remote ports: channel ``C`` from the remote
port's name (``rport-H:C-R``), target id ``T`` its ``scsi_target_id`` (the
kernel numbers targets per host as their ports appear, so the target id is
read, never assumed), ``L`` the LUN asked for or ``-`` (every LUN).  Remote
ports that are no FCP target (``scsi_target_id`` -1) or not ``Online`` are
skipped: the kernel would skip them too.  The whole-host ``- - -`` (what
libvirt writes) is written only when asked (``wildcard``): it scans every
target, and with it any LUN mapped to the host that nobody asked for.  ``lip``
first writes ``issue_lip`` (the driver rediscovers the fabric; its remote ports
are looked at after that).

Every write goes through a :class:`~nodedev_xml.sysfs.writer.Writer` (inside
the root's ``sys/``, never through a link) and is logged on the
``nodedev_xml.vhba`` logger; a refusal is one :class:`VHBAError` line with the
errno kept.
"""

from __future__ import annotations

import errno
import logging
import os
import re
from dataclasses import dataclass

from ..errors import VHBAError
from ..sysfs.source import SysfsSource
from ..sysfs.writer import SysfsWriter, Writer
from ..vocabulary import default_root

log = logging.getLogger("nodedev_xml.vhba")

_HOST_NAME = re.compile(r"scsi_host(0|[1-9][0-9]*)")
_RPORT = re.compile(r"rport-(0|[1-9][0-9]*):(0|[1-9][0-9]*)-(0|[1-9][0-9]*)")


@dataclass(frozen=True, slots=True)
class RemoteTarget:
    """An FCP target behind a host: its channel and target id, the remote port's
    name and WWPN (``0x…`` as sysfs prints it)."""

    channel: int
    target: int
    rport: str
    wwpn: str


@dataclass(frozen=True, slots=True)
class Rescan:
    """What :func:`rescan_host` wrote: the host, whether a LIP was issued, the lines
    written to ``scan`` (none when no target is known and no wildcard was asked)."""

    host: str
    lip: bool
    lines: tuple[str, ...]


def host_number(name: str) -> int:
    """``5`` for ``scsi_host5``; :class:`VHBAError` for anything else."""
    m = _HOST_NAME.fullmatch(name)
    if m is None:
        raise VHBAError(f"{name!r} is not a SCSI host name (scsi_hostN)")
    return int(m[1])


def remote_targets(root: str, host: int) -> list[RemoteTarget]:
    """The Online FCP targets behind host ``host`` (its ``fc_remote_ports`` with a
    target id), by channel and target id."""
    source = SysfsSource(root)
    found: list[RemoteTarget] = []
    for name, dev in source.class_devices("fc_remote_ports", _ignore):
        m = _RPORT.fullmatch(name)
        if m is None or int(m[1]) != host:
            continue
        try:
            target = int(source.read(dev, "scsi_target_id").strip())
            state = source.read(dev, "port_state").decode("ascii", "replace").strip()
            wwpn = source.read(dev, "port_name").decode("ascii", "replace").strip()
        except (OSError, ValueError):
            continue  # gone, or not a number: the kernel has no target for it either
        if target < 0 or state not in ("Online", "Marginal"):
            continue
        found.append(RemoteTarget(int(m[2]), target, name, wwpn))
    return sorted(found, key=lambda t: (t.channel, t.target))


def _ignore(device: str, attribute: str | None, message: str) -> None:
    log.debug("rescan: %s: %s", device, message)


def _write(writer: Writer, path: str, data: str, what: str) -> None:
    try:
        writer.write(path, data)
    except OSError as e:
        code = e.errno or errno.EIO
        log.warning("wrote %r to %s: %s", data, path, errno.errorcode.get(code, code))
        if code in (errno.EACCES, errno.EPERM):
            why = f"permission denied writing {path}: rescanning needs root"
        elif code == errno.ENOENT:
            why = f"no {what} file ({path})"
        else:
            why = f"writing {data.strip()!r} to {path} failed: {os.strerror(code)}"
        raise VHBAError(why, errno=code) from None
    log.info("wrote %r to %s: ok", data, path)


def rescan_host(
    name: str,
    *,
    root: str | None = None,
    lip: bool = False,
    wildcard: bool = False,
    lun: int | None = None,
    writer: Writer | None = None,
) -> Rescan:
    """Rescan the host ``name`` (``scsi_host9``, a vHBA or an HBA) for LUNs: with
    ``lip`` issue a LIP first; then ``C T L`` (``lun``, or ``-``: all) for each
    target behind it, or ``- - -`` with ``wildcard``.  Raises :class:`VHBAError`
    when the host has no ``scan`` file, it (or its ``issue_lip``) cannot be
    written, or ``lun`` is negative."""
    number = host_number(name)
    root = os.path.abspath(root if root is not None else default_root())
    writer = writer or SysfsWriter(root)
    if lun is not None and lun < 0:
        raise VHBAError(f"a LUN number is not negative: {lun}")
    sys_class = os.path.join(root, "sys", "class")
    scan = f"{sys_class}/scsi_host/host{number}/scan"
    if not os.path.lexists(scan):
        raise VHBAError(f"{name} has no scsi_host scan file: no such host under {root}")
    if lip:
        _write(writer, f"{sys_class}/fc_host/host{number}/issue_lip", "1\n", "issue_lip")
    if wildcard:
        lines: tuple[str, ...] = ("- - -" if lun is None else f"- - {lun}",)
    else:
        last = "-" if lun is None else str(lun)
        lines = tuple(f"{t.channel} {t.target} {last}" for t in remote_targets(root, number))
    for line in lines:
        _write(writer, scan, line + "\n", "scan")  # as echo writes it
    if not lines:
        log.info("%s: no FCP target behind it; nothing to scan (--wildcard scans anyway)", name)
    return Rescan(name, lip, lines)
