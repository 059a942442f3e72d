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
- then ``EOPNOTSUPP`` when the port's driver (``proc_name``) is none of the
  builder's presets (:data:`~nodedev_xml.testing.DRIVERS`): the emulator plays
  those only;
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
``fabric=`` (a :class:`~nodedev_xml.testing.fabric.Fabric`) puts targets and
LUNs behind the vHBAs: their remote ports appear when a vHBA logs in, their
LUNs on the kernel's scans, and writes to a host's ``scan`` and ``issue_lip``
are answered (:mod:`nodedev_xml.testing.fabric`).

In-process, the emulator *is* a :class:`~nodedev_xml.sysfs.writer.Writer`:
hand it to the code under test, which gets the kernel's ``OSError`` back::

    with KernelEmulator(root, host_delay=0.2) as kernel:
        nx.create_vhba(request, root=root, writer=kernel)

For tests of the command line, :class:`BackgroundEmulator` runs it in another
process (``python -m nodedev_xml.testing.emulator --root ROOT``), serving the
root's ``vport_create`` and ``vport_delete`` as FIFOs (:meth:`KernelEmulator.serve`);
both live in :mod:`nodedev_xml.testing.background`, re-exported here.

What the vport and its vHBA look like (names, files, links, ``unique_id``,
``port_id``, the driver's templates) is :mod:`nodedev_xml.testing.vport`'s,
the builder's description too, so an emulated vHBA is the tree
:meth:`~nodedev_xml.testing.SysfsBuilder.add_vport` lays out (with
``complete=True``: the emulator's trees carry every ``uevent`` and
``subsystem``, as the kernel's do).  What is read back from the parent port is
its driver (``proc_name``: one of the builder's presets, else ``EOPNOTSUPP``),
its card (the driver's model attributes), its fabric login and its speeds.
"""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from ..vhba.wait import FAILED_STATES
from .attributes import fc_vport_files
from .background import SERVED, BackgroundEmulator, run, serve
from .fabric import Fabric
from .tree import TreeWriter
from .values import MAX_WWN
from .vport import (
    VPORT_COUNTERS,
    fc_scsi_host_files,
    read_physical_port,
    template_fields,
    unique_id,
    vhba_port,
    vport_name,
    write_scsi_host,
    write_vport,
)

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
#: The host files a fabric answers: a Scsi_Host's ``scan``, an fc_host's ``issue_lip``.
_FABRIC_FILES = frozenset({("scan", "scsi_host"), ("issue_lip", "fc_host")})


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
        fabric: Fabric | None = None,
    ) -> None:
        if vport_state != "Active" and vport_state not in FAILED_STATES:
            raise ValueError(f"not a final vport_state: {vport_state!r}")
        self.root = os.path.abspath(root)
        self.fabric = fabric
        self._sys = os.path.join(self.root, "sys")
        if not os.path.isdir(self._sys):
            raise ValueError(f"{self.root} holds no sys/ directory")
        self._tree = TreeWriter(Path(self._sys), complete=True, whole=True)
        self._listeners: list[Callable[[str, str], None]] = []
        self._uevent = uevent
        self.host_delay = host_delay
        self.vport_state = vport_state
        self.host_appears = host_appears
        self.writes: list[EmulatedWrite] = []
        self._lock = threading.RLock()
        self._timers: dict[str, threading.Timer] = {}
        self._next_vport: dict[str, int] = {}
        self._closed = False

    @property
    def served(self) -> Mapping[str, tuple[str, ...]]:
        """The files the background process serves, by class: the vport files, and with
        a fabric a Scsi_Host's ``scan`` and an fc_host's ``issue_lip``."""
        if self.fabric is None:
            return SERVED
        extra = {cls: (attr,) for attr, cls in _FABRIC_FILES}
        return {cls: (*SERVED.get(cls, ()), *extra.get(cls, ())) for cls in SERVED}

    def listen(self, callback: Callable[[str, str], None]) -> None:
        """Tell ``callback`` of each uevent too, as ``uevent(action, path below sys/)``,
        before the ``uevent`` callback (:func:`~.background.serve` follows the vport
        files that come and go this way)."""
        self._listeners.append(callback)

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
            self._delete(vport)
        elif self.fabric is not None and is_host_class and (attr, parts[-2]) in _FABRIC_FILES:
            self.fabric.write(host_dir, attr, data, self._send)
        elif attr == "vport_delete" and is_vport_class:
            # The vport's own delete: any string; asynchronous in the kernel, done at once here.
            self._delete("/".join(parts[:-2]))
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

    def _vports_of(self, host_dir: str) -> Iterator[tuple[str, int]]:
        """``(vport dir, number)`` of every vport below ``host_dir``."""
        host = host_dir.rpartition("/")[2][4:]
        try:
            names = os.listdir(self._abs(host_dir))
        except OSError:
            return
        for name in names:
            m = _VPORT_DIR.fullmatch(name)
            if m is not None and m[1] == host:
                yield f"{host_dir}/{name}", int(m[2])

    @staticmethod
    def _vport_class(vport: str) -> str:
        """The ``fc_vports`` class device of the vport directory ``vport``."""
        return f"{vport}/fc_vports/{vport.rpartition('/')[2]}"

    def _find_vport(self, host_dir: str, wwpn: int, wwnn: int) -> str | None:
        for vdir, _ in self._vports_of(host_dir):
            cls = self._vport_class(vdir)
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
            names.add(self._read_int(f"{self._vport_class(vdir)}/port_name", 16))
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
        if self._read(f"{fc}/port_state") != "Online" or fabric in (None, 0, MAX_WWN):
            raise OSError(errno.EOPNOTSUPP, "the port is not logged in to a fabric")
        if wwpn in self._port_names(host_dir):
            raise OSError(errno.ENOTUNIQ, "port name already in use on this host")
        parent = read_physical_port(self._read, host_dir)
        if parent is None:
            raise OSError(errno.EOPNOTSUPP, "the emulator plays no such driver")
        self._count(host_dir, +1)
        files = fc_vport_files(
            wwnn, wwpn, "Initializing", "Unknown", vport_disable=parent.preset.vport_disable
        )
        vport, _ = write_vport(
            self._tree, host_dir, vport_name(int(name[4:]), number), files, self._send
        )
        if self.host_appears:
            self._later(vport, lambda: self._settle(vport, host_dir))

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

    def _count(self, host_dir: str, step: int) -> None:
        """Step the port's vport counters (:data:`~.vport.VPORT_COUNTERS`) that it has."""
        name = host_dir.rpartition("/")[2]
        for cls, key in VPORT_COUNTERS:
            rel = f"{host_dir}/{cls}/{name}/{key}"
            value = self._read_int(rel)
            if value is not None:
                self._tree.write(rel, f"{max(0, value + step)}\n".encode())

    def _settle(self, vport: str, host_dir: str) -> None:
        """The fabric's answer: the vport turns Active with its Scsi_Host, or fails."""
        cls = self._vport_class(vport)
        if self.vport_state == "Active":
            self._add_vhba(vport, host_dir)
        self._tree.write(f"{cls}/vport_last_state", b"Initializing\n")
        self._tree.write(f"{cls}/vport_state", f"{self.vport_state}\n".encode())

    def _add_vhba(self, vport: str, host_dir: str) -> None:
        """The vHBA of ``vport``: the next host number, the parent's driver and fabric."""
        parent = read_physical_port(self._read, host_dir)
        if parent is None:  # the tree changed under the emulator: no host appears
            return
        preset = parent.preset
        number = max(self._host_numbers(), default=-1) + 1
        instance = sum(
            1
            for n in self._host_numbers()
            if self._read(f"class/scsi_host/host{n}/proc_name") == preset.proc_name
        )
        vname, parent_name = vport.rpartition("/")[2], host_dir.rpartition("/")[2]
        counter, key = VPORT_COUNTERS[0]  # npiv_vports_inuse, this vport counted
        cls = self._vport_class(vport)
        port = vhba_port(
            parent,
            self._read_int(f"{cls}/node_name", 16) or 0,
            self._read_int(f"{cls}/port_name", 16) or 0,
            int(vname.rpartition("-")[2]),
            active=True,
        )
        fields = template_fields(
            port,
            model=parent.model,
            desc=parent.desc,
            instance=instance,
            totalvfs=parent.totalvfs,
            vpi=self._read_int(f"{host_dir}/{counter}/{parent_name}/{key}") or 0,
        )
        scsi, fc = fc_scsi_host_files(
            preset,
            port,
            physical=False,
            supported_speeds=parent.supported_speeds,
            unique_id=unique_id(preset.unique_id, number, instance),
            fields=fields,
        )
        write_scsi_host(self._tree, vport, number, scsi, fc, self._fabric_login(vport, number))

    def _fabric_login(self, vport: str, number: int) -> Callable[[str, str], None]:
        """What announces the vHBA's devices: with a fabric, its login follows the
        ``scsi_host`` class device (before the ``fc_host`` one is listed, which makes
        the vHBA complete to whoever looks), so its targets are there with it."""
        fabric = self.fabric
        if fabric is None:
            return self._send
        host = f"{vport}/host{number}"

        def send(action: str, rel: str) -> None:
            self._send(action, rel)
            if action == "add" and rel == f"{host}/scsi_host/host{number}":
                fabric.login(self.root, host, self._send)

        return send

    def _send(self, action: str, rel: str) -> None:
        """Hand the uevent of the device ``rel`` (below sys/) to the listeners and the
        callback."""
        for listener in self._listeners:
            listener(action, rel)
        if self._uevent is not None:
            self._uevent(action, rel)

    # -- vport_delete -------------------------------------------------------------------------

    def _delete(self, vport: str) -> None:
        timer = self._timers.pop(vport, None)
        if timer is not None:
            timer.cancel()
        if self.fabric is not None:
            self.fabric.logout(vport)
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
        shutil.rmtree(self._abs(vport))
        self._count(vport.rpartition("/")[0], -1)

    # -- lifetime -------------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel the hosts still to appear."""
        with self._lock:
            self._closed = True
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()

    def __enter__(self) -> KernelEmulator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def serve(
        self,
        *,
        stop: threading.Event,
        parent_pid: int | None = None,
        max_seconds: float = 300.0,
        out: object = None,
    ) -> None:
        """Serve the root's vport files as FIFOs until ``stop`` is set, ``max_seconds``
        have passed or the process ``parent_pid`` is gone; then restore them and close.
        Prints ``ready`` and then one line per write to ``out`` (default stdout).  See
        :func:`nodedev_xml.testing.background.serve`."""
        serve(self, stop=stop, parent_pid=parent_pid, max_seconds=max_seconds, out=out)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m nodedev_xml.testing.emulator --root ROOT [options]``: serve until SIGTERM."""
    return run(argv, KernelEmulator)


if __name__ == "__main__":
    sys.exit(main())
