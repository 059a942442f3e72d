"""A kernel emulator: the Fibre Channel transport's ``vport_create`` and
``vport_delete``, played on a fake root.

A fake root built with :class:`nodedev_xml.testing.SysfsBuilder` looks like a
host's sysfs but nothing answers a write to ``vport_create``.
:class:`KernelEmulator` answers it as the kernel does, so code that creates and
deletes vHBAs can be tested for real (the README's "vHBA lifecycle" section):

- the written string is parsed the kernel's way: ``WWPN:WWNN``, port name
  first, exactly 16 hex digits each (either case), ``:`` at offset 16, one
  optional trailing newline; anything else is ``EINVAL``;
- ``ENOSPC`` when ``npiv_vports_inuse`` has reached ``max_npiv_vports`` (the
  transport's check, made before the driver is asked);
- then the driver's checks: ``EOPNOTSUPP`` when the port is not ``Online`` or
  not on a fabric (``fabric_name`` missing, ``0x0`` or all ones), ``ENOTUNIQ``
  when the port name is already the port's own or one of its vports' (drivers
  compare port names; a failed create still uses up a vport number, as in the
  kernel);
- on success: ``<hostP>/vport-P:0-N/`` (``uevent``; N is the port's next vport
  number, never reused) with its class device ``fc_vports/vport-P:0-N/``
  (``node_name``, ``port_name``, ``roles``, ``vport_type``, ``vport_state``,
  ``vport_last_state``, ``symbolic_name``, ``vport_delete``, and
  ``vport_disable`` where the driver has it) and ``class/fc_vports/`` link;
  ``npiv_vports_inuse`` (and lpfc's ``used_vpi``) count it; the vport is
  ``Initializing``; then, after ``host_delay`` seconds, the vHBA's Scsi_Host
  ``hostM`` (M: one more than the highest host number in the root) appears
  under the vport with ``uevent`` and ``subsystem``, ``scsi_host/hostM/`` and
  ``fc_host/hostM/`` (the driver's vport template: ``port_type`` ``NPIV
  VPORT``, the parent's fabric, ``port_state`` ``Online``, no
  ``vport_create``, ``vport_delete``, ``max_npiv_vports`` or
  ``npiv_vports_inuse``), each class device with ``uevent``, ``subsystem`` and
  ``device``, the ``class/scsi_host``, ``bus/scsi/devices`` and, last,
  ``class/fc_host`` links; and the vport turns ``Active``;
- ``vport_delete`` of an fc_host (same syntax) removes the vport with both
  names, its vHBA and every link to them, and uncounts it; ``ENODEV`` when
  there is none; a vport's own ``fc_vports/.../vport_delete`` takes any string.

The kernel also sends a uevent as it adds or removes a device of a class or
a bus: ``add`` of the vport's ``fc_vports`` class device, then of the vHBA's
Scsi_Host (bus ``scsi``) and its ``scsi_host`` and ``fc_host`` class devices,
each once it is in place; ``remove`` of each before its directory
goes; none for the vport device itself (no class, no bus) nor for a changed
``vport_state``.  Files cannot send uevents, so the emulator hands each to its
``uevent`` callback, ``uevent(action, path)`` with ``path`` below ``sys/``
(``devices/…/host9``), for a test harness to send (umockdev's testbed does).

Options make the fabric misbehave: ``vport_state="Fabric Rejected WWN"`` (or
``"No Fabric Support"``, ...) ends each new vport in that state with no
Scsi_Host; ``host_appears=False`` leaves it ``Initializing`` for ever.

In-process, the emulator *is* a :class:`~nodedev_xml.sysfs.writer.Writer`:
hand it to the code under test, which gets the kernel's ``OSError`` back::

    with KernelEmulator(root, host_delay=0.2) as kernel:
        nx.create_vhba(request, root=root, writer=kernel)

For tests of the command line, :class:`BackgroundEmulator` runs it in another
process (``python -m nodedev_xml.testing.emulator --root ROOT``) for as long as a
``with`` block lasts (and never longer than ``max_seconds``, nor than the
process that started it).  There the attribute files ``vport_create`` and
``vport_delete`` become FIFOs the emulator reads, each read taken as one
write; the writer's ``write`` succeeds as soon as the string is in the pipe,
so **a refusal cannot reach the writer as an errno**: the emulator logs it
(``BackgroundEmulator.writes()``) and leaves the tree as it was.  When the
block ends the FIFOs are empty regular files again.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import logging
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from types import TracebackType

from ..vhba.wait import FAILED_STATES
from .presets import DRIVERS

__all__ = [
    "FAILED_STATES",
    "BackgroundEmulator",
    "EmulatedWrite",
    "KernelEmulator",
    "main",
    "parse_vport_names",
]

log = logging.getLogger("nodedev_xml.testing.emulator")


_HOST_DIR = re.compile(r"host(0|[1-9][0-9]*)")
_VPORT_DIR = re.compile(r"vport-(0|[1-9][0-9]*):0-(0|[1-9][0-9]*)")
_HEX = frozenset("0123456789abcdefABCDEF")
_MAX_WWN = (1 << 64) - 1
_VPORT_OPS = frozenset({"vport_create", "vport_delete", "max_npiv_vports", "npiv_vports_inuse"})
#: The scsi_host attributes every host has (the SCSI midlayer's), copied from the parent.
_GENERIC_SCSI = (
    "unique_id",
    "proc_name",
    "state",
    "active_mode",
    "supported_mode",
    "host_busy",
    "can_queue",
    "cmd_per_lun",
    "sg_tablesize",
    "scan",
    "host_reset",
)
_MODULE = __name__ if __name__ != "__main__" else "nodedev_xml.testing.emulator"


def parse_vport_names(data: str | bytes) -> tuple[int, int]:
    """``(wwpn, wwnn)`` from what was written to ``vport_create``/``vport_delete``,
    parsed as the FC transport parses it; ``OSError(EINVAL)`` otherwise."""
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    if text.endswith("\n"):
        text = text[:-1]
    if len(text) != 33 or text[16] != ":" or not set(text[:16] + text[17:]) <= _HEX:
        raise OSError(errno.EINVAL, "expected WWPN:WWNN, 16 hex digits each")
    return int(text[:16], 16), int(text[17:], 16)


@dataclass(frozen=True, slots=True)
class EmulatedWrite:
    """One write the emulator answered: the path below the root, the data, and
    the errno it gave (0: accepted)."""

    path: str
    data: str
    errno: int

    @property
    def result(self) -> str:
        return "ok" if self.errno == 0 else errno.errorcode.get(self.errno, str(self.errno))


def _relative(from_dir: str, target: str) -> str:
    """The link text sysfs writes in ``from_dir`` for ``target`` (both below sys/): up
    to the deepest common ancestor that is not ``target`` itself, then down."""
    a, b = from_dir.split("/"), target.split("/")
    common = 0
    while common < min(len(a), len(b) - 1) and a[common] == b[common]:
        common += 1
    return "/".join([".."] * (len(a) - common) + b[common:])


class KernelEmulator:
    """The FC transport and an NPIV-capable driver, on the fake root ``root``.

    ``host_delay``: seconds between the write and the vHBA's Scsi_Host;
    ``uevent``: told of each uevent the kernel would send (see the module);
    ``vport_state``: what each new vport ends in (``Active``, or one of
    :data:`FAILED_STATES`: then no Scsi_Host appears); ``host_appears=False``:
    the vport stays ``Initializing`` and no host ever appears.  ``writes``
    lists every write answered.  Use it as a context manager, or call
    :meth:`close`, so that no delayed host appears after the test."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        host_delay: float = 0.0,
        vport_state: str = "Active",
        host_appears: bool = True,
        uevent: Callable[[str, str], None] | None = None,
    ) -> None:
        if vport_state != "Active" and vport_state not in FAILED_STATES:
            raise ValueError(f"not a final vport_state: {vport_state!r}")
        self.root = os.path.abspath(root)
        self._uevent = uevent
        self._sys = os.path.join(self.root, "sys")
        if not os.path.isdir(self._sys):
            raise ValueError(f"{self.root} holds no sys/ directory")
        self.host_delay = host_delay
        self.vport_state = vport_state
        self.host_appears = host_appears
        self.writes: list[EmulatedWrite] = []
        self._lock = threading.RLock()
        self._timers: dict[str, threading.Timer] = {}
        self._next_vport: dict[str, int] = {}
        self._fifos: dict[int, str] | None = None  # background mode: fd -> path below sys/
        self._closed = False

    # -- the Writer ------------------------------------------------------------------------

    def write(self, path: str, data: str) -> None:
        """Answer a write of ``data`` to the attribute file ``path`` (absolute, inside
        the root's ``sys/``) as the kernel would; raises ``OSError`` with its errno."""
        sys_prefix = self._sys + os.sep
        if not os.path.isabs(path) or os.path.normpath(path) != path:
            raise OSError(errno.EPERM, "not a plain absolute path; not written", path)
        if not path.startswith(sys_prefix):
            raise OSError(errno.EPERM, "outside the root's sys/; not written", path)
        shown = path[len(self.root) :]
        try:
            with self._lock:
                self._dispatch(path, data)
        except OSError as e:
            self._record(shown, data, e.errno or errno.EIO)
            raise
        self._record(shown, data, 0)

    def _record(self, path: str, data: str, code: int) -> None:
        entry = EmulatedWrite(path, data, code)
        self.writes.append(entry)
        log.info("write %r to %s: %s", data, path, entry.result)

    def _dispatch(self, path: str, data: str) -> None:
        if not os.path.lexists(path):
            raise OSError(errno.ENOENT, "no such attribute", path)
        real = os.path.realpath(path)
        if not real.startswith(self._sys + os.sep):
            raise OSError(errno.EPERM, "resolves outside the root's sys/", path)
        rel = real[len(self._sys) + 1 :]
        attr_dir, _, attr = rel.rpartition("/")
        parts = attr_dir.split("/")
        is_host_class = (
            len(parts) >= 3
            and parts[-2] in ("fc_host", "scsi_host")
            and parts[-1] == parts[-3]
            and _HOST_DIR.fullmatch(parts[-1]) is not None
        )
        is_vport_class = (
            len(parts) >= 3
            and parts[-2] == "fc_vports"
            and parts[-1] == parts[-3]
            and _VPORT_DIR.fullmatch(parts[-1]) is not None
        )
        host_dir = "/".join(parts[:-2])
        if attr == "vport_create" and is_host_class:
            self._create(host_dir, attr_dir, data)
        elif attr == "vport_delete" and is_host_class:
            wwpn, wwnn = parse_vport_names(data)
            vport = self._find_vport(host_dir, wwpn, wwnn)
            if vport is None:
                raise OSError(errno.ENODEV, "no vport with these names on this host", path)
            self._delete(vport, attr_dir)
        elif attr == "vport_delete" and is_vport_class:
            # The vport's own delete: any string; asynchronous in the kernel, done at once here.
            self._delete("/".join(parts[:-2]), self._counter_dir("/".join(parts[:-3])))
        else:
            fd = os.open(path, os.O_WRONLY | os.O_TRUNC | os.O_NOFOLLOW | os.O_NONBLOCK)
            try:
                os.write(fd, data.encode("ascii", "replace"))
            finally:
                os.close(fd)

    # -- reading the tree ----------------------------------------------------------------------

    def _abs(self, rel: str) -> str:
        return f"{self._sys}/{rel}"

    def _read(self, rel: str) -> str | None:
        try:
            with open(self._abs(rel), encoding="ascii", errors="replace") as f:
                return f.read().rstrip("\n")
        except OSError:
            return None

    def _read_int(self, rel: str, base: int = 10) -> int | None:
        text = self._read(rel)
        try:
            return int(text, base) if text is not None else None
        except ValueError:
            return None

    def _counter_dir(self, host_dir: str) -> str:
        """The class directory of ``host_dir`` that holds the vport counters."""
        name = host_dir.rpartition("/")[2]
        for cls in ("fc_host", "scsi_host"):
            d = f"{host_dir}/{cls}/{name}"
            if os.path.lexists(self._abs(f"{d}/npiv_vports_inuse")):
                return d
        return f"{host_dir}/fc_host/{name}"

    def _vports_of(self, host_dir: str) -> Iterator[tuple[str, int]]:
        """``(vport dir, number)`` of every vport below ``host_dir``."""
        prefix = f"vport-{host_dir.rpartition('/')[2][4:]}:0-"
        try:
            names = os.listdir(self._abs(host_dir))
        except OSError:
            return
        for name in names:
            m = _VPORT_DIR.fullmatch(name)
            if m is not None and name.startswith(prefix):
                yield f"{host_dir}/{name}", int(m[2])

    def _find_vport(self, host_dir: str, wwpn: int, wwnn: int) -> str | None:
        for vdir, _ in self._vports_of(host_dir):
            cls = f"{vdir}/fc_vports/{vdir.rpartition('/')[2]}"
            if (self._read_int(f"{cls}/port_name", 16), self._read_int(f"{cls}/node_name", 16)) == (
                wwpn,
                wwnn,
            ):
                return vdir
        return None

    def _port_names(self, host_dir: str) -> set[int]:
        name = host_dir.rpartition("/")[2]
        names = {self._read_int(f"{host_dir}/fc_host/{name}/port_name", 16)}
        for vdir, _ in self._vports_of(host_dir):
            names.add(self._read_int(f"{vdir}/fc_vports/{vdir.rpartition('/')[2]}/port_name", 16))
        return {n for n in names if n is not None}

    def _host_numbers(self) -> set[int]:
        numbers: set[int] = set()
        for where in ("class/scsi_host", "bus/scsi/devices"):
            try:
                entries = os.listdir(self._abs(where))
            except OSError:
                continue
            for entry in entries:
                m = _HOST_DIR.fullmatch(entry)
                if m is not None:
                    numbers.add(int(m[1]))
        return numbers

    # -- writing the tree ------------------------------------------------------------------------

    def _file(self, rel: str, value: str | bytes, *, mode: int = 0o644) -> None:
        """Write attribute ``rel`` whole: into a file beside it, then renamed over
        it, so that a reader sees the old value or the new one, as from the kernel,
        never the empty file a truncating write shows for a moment."""
        data = value if isinstance(value, bytes) else f"{value}\n".encode()
        path = self._abs(rel)
        head, _, name = path.rpartition("/")
        scratch = f"{head}/.{name}.new"
        fd = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
        try:
            os.write(fd, data)
        finally:
            os.close(fd)
        os.replace(scratch, path)

    def _link(self, rel: str, target: str) -> None:
        os.symlink(_relative(rel.rpartition("/")[0], target), self._abs(rel))

    def _class_device(self, dev: str, cls: str, name: str, attrs: dict[str, bytes]) -> str:
        """``<dev>/<cls>/<name>/`` with ``attrs``, ``uevent``, ``subsystem`` and ``device``."""
        rel = f"{dev}/{cls}/{name}"
        os.makedirs(self._abs(rel))
        for key, value in attrs.items():
            sub = key.rpartition("/")[0]
            if sub:
                os.makedirs(self._abs(f"{rel}/{sub}"), exist_ok=True)
            self._file(f"{rel}/{key}", value)
        self._file(f"{rel}/uevent", b"")
        os.makedirs(self._abs(f"class/{cls}"), exist_ok=True)
        self._link(f"{rel}/subsystem", f"class/{cls}")
        self._link(f"{rel}/device", dev)
        return rel

    def _attr_files(self, rel: str) -> dict[str, bytes]:
        """The regular files below ``rel`` (one level of groups deep), by relative name."""
        out: dict[str, bytes] = {}
        for entry in sorted(os.listdir(self._abs(rel))):
            path = self._abs(f"{rel}/{entry}")
            if os.path.islink(path) or entry == "uevent":
                continue
            if os.path.isdir(path):
                for sub in sorted(os.listdir(path)):
                    if os.path.isfile(f"{path}/{sub}") and not os.path.islink(f"{path}/{sub}"):
                        out[f"{entry}/{sub}"] = self._raw(f"{rel}/{entry}/{sub}")
            elif os.path.isfile(path):
                out[entry] = self._raw(f"{rel}/{entry}")
            else:
                out[entry] = b""  # a FIFO of background mode: a write-only attribute
        return out

    def _raw(self, rel: str) -> bytes:
        with open(self._abs(rel), "rb") as f:
            return f.read()

    # -- vport_create -------------------------------------------------------------------------

    def _create(self, host_dir: str, attr_dir: str, data: str) -> None:
        wwpn, wwnn = parse_vport_names(data)
        used = self._read_int(f"{attr_dir}/npiv_vports_inuse") or 0
        if used >= (self._read_int(f"{attr_dir}/max_npiv_vports") or 0):
            raise OSError(errno.ENOSPC, "npiv_vports_inuse reached max_npiv_vports")
        if host_dir not in self._next_vport:
            numbers = [n for _, n in self._vports_of(host_dir)]
            self._next_vport[host_dir] = max(numbers, default=-1) + 1
        number = self._next_vport[host_dir]
        self._next_vport[host_dir] = number + 1  # used up even when the driver refuses
        name = host_dir.rpartition("/")[2]
        fc = f"{host_dir}/fc_host/{name}"
        fabric = self._read_int(f"{fc}/fabric_name", 16)
        if self._read(f"{fc}/port_state") != "Online" or fabric in (None, 0, _MAX_WWN):
            raise OSError(errno.EOPNOTSUPP, "the port is not logged in to a fabric")
        if wwpn in self._port_names(host_dir):
            raise OSError(errno.ENOTUNIQ, "port name already in use on this host")
        self._count(host_dir, attr_dir, +1)
        vport = f"{host_dir}/vport-{name[4:]}:0-{number}"
        os.mkdir(self._abs(vport))
        self._file(f"{vport}/uevent", b"")
        preset = DRIVERS.get(self._read(f"{host_dir}/scsi_host/{name}/proc_name") or "")
        attrs = {
            "node_name": f"0x{wwnn:x}\n".encode(),
            "port_name": f"0x{wwpn:x}\n".encode(),
            "roles": b"FCP Initiator\n",
            "vport_type": b"NPIV VPORT\n",
            "vport_state": b"Initializing\n",
            "vport_last_state": b"Unknown\n",
            "symbolic_name": b"\n",
            "vport_delete": b"",
        }
        if preset is None or preset.vport_disable:
            attrs["vport_disable"] = b""
        cls = self._class_device(vport, "fc_vports", vport.rpartition("/")[2], attrs)
        self._link(f"class/fc_vports/{vport.rpartition('/')[2]}", cls)
        self._send("add", cls)
        if self._fifos is not None:
            self._make_fifo(f"{cls}/vport_delete")
        if self.host_appears:
            self._later(vport, lambda: self._settle(vport, host_dir, attr_dir))

    def _later(self, vport: str, action: Callable[[], None]) -> None:
        if self.host_delay <= 0:
            action()
            return

        def fire() -> None:
            with self._lock:
                self._timers.pop(vport, None)
                if not self._closed and os.path.isdir(self._abs(vport)):
                    action()

        timer = threading.Timer(self.host_delay, fire)
        timer.daemon = True
        self._timers[vport] = timer
        timer.start()

    def _count(self, host_dir: str, attr_dir: str, step: int) -> None:
        name = host_dir.rpartition("/")[2]
        for rel in (f"{attr_dir}/npiv_vports_inuse", f"{host_dir}/scsi_host/{name}/used_vpi"):
            value = self._read_int(rel)
            if value is not None:
                self._file(rel, str(max(0, value + step)))

    def _settle(self, vport: str, host_dir: str, attr_dir: str) -> None:
        """The fabric's answer: the vport turns Active with its Scsi_Host, or fails."""
        cls = f"{vport}/fc_vports/{vport.rpartition('/')[2]}"
        if self.vport_state == "Active":
            self._add_vhba(vport, host_dir, attr_dir)
        self._file(f"{cls}/vport_last_state", "Initializing")
        self._file(f"{cls}/vport_state", self.vport_state)

    def _add_vhba(self, vport: str, host_dir: str, attr_dir: str) -> None:
        pname = host_dir.rpartition("/")[2]
        number = max(self._host_numbers(), default=-1) + 1
        name = f"host{number}"
        rel = f"{vport}/{name}"
        os.mkdir(self._abs(rel))
        self._file(f"{rel}/uevent", "DEVTYPE=scsi_host")
        self._link(f"{rel}/subsystem", "bus/scsi")
        parent_sh = f"{host_dir}/scsi_host/{pname}"
        parent_fc = f"{host_dir}/fc_host/{pname}"
        proc_name = self._read(f"{parent_sh}/proc_name") or ""
        preset = DRIVERS.get(proc_name)
        vcls = f"{vport}/fc_vports/{vport.rpartition('/')[2]}"
        vport_number = int(vport.rpartition("-")[2])

        sh_parent = self._attr_files(parent_sh)
        scsi = {k: v for k, v in sh_parent.items() if k in _GENERIC_SCSI}
        rule = preset.unique_id if preset is not None else "host"
        if rule == "host":
            unique_id = number
        elif rule == "instance":
            unique_id = sum(
                1
                for n in self._host_numbers()
                if self._read(f"class/scsi_host/host{n}/proc_name") == proc_name
            )
        else:
            unique_id = 0
        scsi["unique_id"] = f"{unique_id}\n".encode()
        if preset is not None:
            fields = {
                "model": self._read(f"{parent_sh}/model_name")
                or self._read(f"{parent_sh}/modelname")
                or preset.model,
                "desc": self._read(f"{parent_sh}/model_desc")
                or self._read(f"{parent_sh}/modeldesc")
                or "",
                "instance": unique_id,
                "max_vports": self._read(f"{attr_dir}/max_npiv_vports") or "0",
                "totalvfs": 0,
                "vpi": self._read_int(f"{attr_dir}/npiv_vports_inuse") or 0,
            }
            for key, template in preset.vport_scsi_host.items():
                try:
                    scsi[key] = f"{template.format_map(fields)}\n".encode()
                except (KeyError, ValueError):
                    if key in sh_parent:
                        scsi[key] = sh_parent[key]

        fc_parent = self._attr_files(parent_fc)
        allowed = preset.vport_fc_attrs if preset is not None else None
        fc = {
            k: v
            for k, v in fc_parent.items()
            if k not in _VPORT_OPS and (allowed is None or k.partition("/")[0] in allowed)
        }
        port_id = self._read_int(f"{parent_fc}/port_id", 16) or 0
        fc.update(
            {
                "node_name": f"0x{self._read_int(f'{vcls}/node_name', 16) or 0:x}\n".encode(),
                "port_name": f"0x{self._read_int(f'{vcls}/port_name', 16) or 0:x}\n".encode(),
                "port_type": b"NPIV VPORT\n",
                "port_state": b"Online\n",
                "port_id": f"0x{(port_id + 1 + vport_number) & 0xFFFFFF:06x}\n".encode(),
            }
        )
        sh = self._class_device(rel, "scsi_host", name, scsi)
        fch = self._class_device(rel, "fc_host", name, fc)
        self._link(f"class/scsi_host/{name}", sh)
        os.makedirs(self._abs("bus/scsi/devices"), exist_ok=True)
        self._link(f"bus/scsi/devices/{name}", rel)
        self._send("add", rel)
        self._send("add", sh)
        self._link(f"class/fc_host/{name}", fch)  # last: the vHBA is complete
        self._send("add", fch)

    def _send(self, action: str, rel: str) -> None:
        """Hand the uevent of the device ``rel`` (below sys/) to the callback."""
        if self._uevent is not None:
            self._uevent(action, rel)

    # -- vport_delete -------------------------------------------------------------------------

    def _delete(self, vport: str, attr_dir: str) -> None:
        timer = self._timers.pop(vport, None)
        if timer is not None:
            timer.cancel()
        inside = self._abs(vport) + os.sep
        for dirpath, dirnames, _ in sorted(os.walk(self._abs(vport)), reverse=True):
            for entry in dirnames:  # the class and bus devices below the vport, deepest first
                dev = f"{dirpath}/{entry}"
                if not os.path.islink(dev) and os.path.islink(f"{dev}/subsystem"):
                    self._send("remove", dev[len(self._sys) + 1 :])
        for top in ("class", "bus"):
            for dirpath, dirnames, filenames in os.walk(self._abs(top)):
                for entry in dirnames + filenames:
                    link = f"{dirpath}/{entry}"
                    if os.path.islink(link) and (os.path.realpath(link) + os.sep).startswith(
                        inside
                    ):
                        os.unlink(link)
        if self._fifos is not None:
            for fd, rel in list(self._fifos.items()):
                if (self._abs(rel) + os.sep).startswith(inside):
                    os.close(fd)
                    del self._fifos[fd]
        shutil.rmtree(self._abs(vport))
        self._count(vport.rpartition("/")[0], attr_dir, -1)

    # -- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel the hosts still to appear; in background mode, restore the FIFOs."""
        with self._lock:
            self._closed = True
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
            if self._fifos is not None:
                for fd, rel in self._fifos.items():
                    os.close(fd)
                    if os.path.lexists(self._abs(rel)):
                        os.unlink(self._abs(rel))
                        self._file(rel, b"")
                self._fifos = None

    def __enter__(self) -> KernelEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- background mode ------------------------------------------------------------------------

    def _make_fifo(self, rel: str) -> None:
        assert self._fifos is not None
        path = self._abs(rel)
        if os.path.islink(path) or not os.path.isfile(path):
            return
        os.unlink(path)
        os.mkfifo(path, 0o600)
        # Opened read-write: the pipe always has a writer, so it never reports end of
        # file, and a writer's non-blocking open always finds a reader.
        self._fifos[os.open(path, os.O_RDWR | os.O_NONBLOCK | os.O_CLOEXEC)] = rel

    def _vport_files(self) -> list[str]:
        """The write-only vport attributes of the root, below sys/."""
        found: list[str] = []
        for cls, names in (
            ("fc_host", ("vport_create", "vport_delete")),
            ("scsi_host", ("vport_create", "vport_delete")),
            ("fc_vports", ("vport_delete",)),
        ):
            try:
                entries = sorted(os.listdir(self._abs(f"class/{cls}")))
            except OSError:
                continue
            for entry in entries:
                real = os.path.realpath(self._abs(f"class/{cls}/{entry}"))
                if not real.startswith(self._sys + os.sep):
                    continue
                for attr in names:
                    if os.path.isfile(f"{real}/{attr}"):
                        found.append(f"{real[len(self._sys) + 1 :]}/{attr}")
        return found

    def serve(
        self,
        *,
        stop: threading.Event,
        parent_pid: int | None = None,
        max_seconds: float = 300.0,
        out: object = None,
    ) -> None:
        """Serve the root's vport files as FIFOs until ``stop`` is set, ``max_seconds``
        have passed or the process ``parent_pid`` is gone; then restore them.  Prints
        ``ready`` and then one line per write to ``out`` (default stdout)."""
        stream = out if out is not None else sys.stdout
        assert hasattr(stream, "write") and hasattr(stream, "flush")
        deadline = time.monotonic() + max_seconds
        with self._lock:
            self._fifos = {}
            for rel in self._vport_files():
                self._make_fifo(rel)
        stream.write("ready\n")
        stream.flush()
        try:
            while not stop.is_set() and time.monotonic() < deadline:
                if parent_pid is not None and os.getppid() != parent_pid:
                    break
                with self._lock:
                    fds = list(self._fifos or {})
                readable, _, _ = select.select(fds, [], [], 0.05)
                for fd in readable:
                    with self._lock:
                        fifo = (self._fifos or {}).get(fd)
                        if fifo is None:
                            continue
                        try:
                            data = os.read(fd, 4096).decode("latin-1")
                        except BlockingIOError:
                            continue
                    with contextlib.suppress(OSError):  # recorded; there is no caller to tell
                        self.write(self._abs(fifo), data)
                    last = self.writes[-1]
                    stream.write(f"write {last.path} {last.data!r} -> {last.result}\n")
                    stream.flush()
        finally:
            self.close()


class BackgroundEmulator:
    """A :class:`KernelEmulator` in another process, for tests of the command line.

    ``with BackgroundEmulator(root, host_delay=0.1) as emu:`` returns once the
    vport files are FIFOs; leaving the block stops the process (SIGTERM, then
    SIGKILL after ``stop_timeout``) and restores them.  The process also ends
    by itself after ``max_seconds`` or when this process is gone.
    :meth:`writes` are the writes it answered so far."""

    def __init__(
        self,
        root: str | os.PathLike[str],
        *,
        host_delay: float = 0.0,
        vport_state: str = "Active",
        host_appears: bool = True,
        max_seconds: float = 120.0,
        start_timeout: float = 10.0,
        stop_timeout: float = 5.0,
    ) -> None:
        if vport_state != "Active" and vport_state not in FAILED_STATES:
            raise ValueError(f"not a final vport_state: {vport_state!r}")
        self.root = os.path.abspath(root)
        self._argv = [
            sys.executable,
            "-m",
            _MODULE,
            "--root",
            self.root,
            "--host-delay",
            str(host_delay),
            "--vport-state",
            vport_state,
            "--max-seconds",
            str(max_seconds),
            "--parent-pid",
            str(os.getpid()),
        ]
        if not host_appears:
            self._argv.append("--no-host")
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._log_fd, self.log_path = tempfile.mkstemp(prefix="fcemu-", suffix=".log")

    def _log(self) -> str:
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def start(self) -> None:
        """Start the process; ``RuntimeError`` when it is not ready in ``start_timeout``."""
        self._proc = subprocess.Popen(
            self._argv, stdin=subprocess.DEVNULL, stdout=self._log_fd, stderr=self._log_fd
        )
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self._log().startswith("ready\n"):
                return
            if self._proc.poll() is not None:
                break
            time.sleep(0.01)
        log_text = self._log()
        self.stop()
        os.close(self._log_fd)
        os.unlink(self.log_path)
        raise RuntimeError(f"the kernel emulator did not start: {log_text.strip()!r}")

    def stop(self) -> None:
        """Stop the process (bounded) and restore the vport files; idempotent."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(self.stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(self.stop_timeout)

    @property
    def running(self) -> bool:
        """Whether the emulator's process is alive."""
        return self._proc is not None and self._proc.poll() is None

    def writes(self) -> list[str]:
        """The lines ``write PATH 'DATA' -> ok|ERRNO`` logged so far."""
        return [line for line in self._log().splitlines() if line.startswith("write ")]

    def wait_writes(self, count: int, timeout: float = 5.0) -> list[str]:
        """:meth:`writes` once there are ``count`` of them (or at ``timeout``): a write
        into a FIFO returns when the data is in the pipe, before the emulator has
        read and answered it, so a writer that is done may be ahead of the log."""
        deadline = time.monotonic() + timeout
        while len(writes := self.writes()) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        return writes

    def __enter__(self) -> BackgroundEmulator:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        os.close(self._log_fd)
        os.unlink(self.log_path)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nodedev_xml.testing.emulator --root ROOT [options]``: serve until SIGTERM."""
    p = argparse.ArgumentParser(
        prog=f"python -m {_MODULE}",
        description="Serve a fake root's vport_create and vport_delete files as the kernel "
        "would, until SIGTERM.",
    )
    p.add_argument("--root", required=True, help="the fake root (a directory holding sys/)")
    p.add_argument("--host-delay", type=float, default=0.0, metavar="S")
    p.add_argument("--vport-state", default="Active", choices=("Active", *FAILED_STATES))
    p.add_argument("--no-host", action="store_true", help="the vHBA's host never appears")
    p.add_argument("--max-seconds", type=float, default=300.0, metavar="S")
    p.add_argument("--parent-pid", type=int, default=None, metavar="PID")
    args = p.parse_args(argv)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    emulator = KernelEmulator(
        args.root,
        host_delay=args.host_delay,
        vport_state=args.vport_state,
        host_appears=not args.no_host,
    )
    emulator.serve(stop=stop, parent_pid=args.parent_pid, max_seconds=args.max_seconds)
    return 0


if __name__ == "__main__":
    sys.exit(main())
