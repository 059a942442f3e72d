"""Scan a sysfs root into node-device models.

The scan is linear: each class directory is listed once, each class entry's
link read once, each needed attribute file read once.  Nothing is looked up by
rescanning the tree.  A device that cannot be read is left out, an attribute
that cannot be trusted is left out, and each problem becomes one
:class:`ScanWarning`; the scan itself only fails when the root holds no sysfs.

Hostile trees (see SPEC section 7) are met this way:

- every name found in sysfs is matched against the kernel's own spelling
  (``hostN``, ``vport-H:C-N``, ``targetH:C:T``, PCI addresses; numbers without
  leading zeros) before anything is built from it;
- class and bus links are resolved as text and must land inside ``sys/devices``
  of the root, in printable text; nothing else is followed (attribute files are
  opened ``O_NOFOLLOW`` by :class:`~.access.OSFileAccess`);
- a device whose reads fail because its directory is gone or cannot be reached
  (vanished mid-scan, a symlink loop) is left out with one warning, not one per
  file; checking that costs one ``lstat``, made only after a read has failed;
- a vHBA that vanished with its vport leaves its HBA's ``vports`` list too.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TypeVar

from ..errors import SysfsError
from ..model import (
    PCI,
    Adapter,
    Device,
    FCHost,
    FCRemotePort,
    Parent,
    PhysHBA,
    ScsiHost,
    ScsiTarget,
    VirtFunctions,
    Vport,
    VportOps,
    Vports,
)
from ..pciaddr import PCIAddress
from ..wwn import WWN
from . import values
from .access import FileAccess, OSFileAccess
from .pciids import PCIIds

T = TypeVar("T")

#: One device of a names-only listing: its name, its parent's name, its capability names.
NameEntry = tuple[str, str | None, frozenset[str]]
#: Every capability name :meth:`Device.cap_names` gives a scanned device.
ALL_CAPS = frozenset({"fc_host", "vports", "scsi_host", "scsi_target", "pci"})

# Numbers as the kernel prints them (%u): no sign, no leading zero, so that no two
# spellings ("host5", "host05") name one device.
_N = r"(0|[1-9][0-9]{0,8})"
_HOST = re.compile(rf"host{_N}")
_VPORT = re.compile(rf"vport-{_N}:{_N}-{_N}")
_RPORT = re.compile(rf"rport-{_N}:{_N}-{_N}")
_TARGET = re.compile(rf"target{_N}:{_N}:{_N}")
#: A driver's name (the ``driver`` link's basename): printable ASCII, no blank.
_DRIVER = re.compile(r"[!-~]{1,64}")
_VIRTFN_LIMIT = 4096

#: Attributes naming the card's model, by driver: qla2xxx, lpfc, then the FC transport's own.
_MODEL_ATTRS = (("scsi_host", "model_name"), ("scsi_host", "modelname"), ("fc_host", "model"))
#: Warning labels of the fc_host attributes read for every host (built once, not per host).
_FC_STATE, _FC_TYPE, _FC_ID, _FC_SPEED, _FC_SYM = (
    f"fc_host/{a}" for a in ("port_state", "port_type", "port_id", "speed", "symbolic_name")
)


@dataclass(frozen=True, slots=True)
class ScanWarning:
    """Something the scan could not read or did not trust, and left out."""

    device: str
    attribute: str | None
    message: str

    def __str__(self) -> str:
        where = f"{self.device}: {self.attribute}" if self.attribute else self.device
        return f"{where}: {self.message}"


@dataclass(slots=True)
class _Host:
    """What the scan knows of one Scsi_Host while it links hosts, vports and PCI."""

    number: int
    devdir: str  # absolute path of the hostN device directory
    vport_dir: str | None = None  # the vport-P:C-N directory a vHBA sits under
    parent_host: int | None = None
    sh_dir: str = ""  # its scsi_host class directory, hostN/scsi_host/hostN
    fc_dir: str | None = None
    cap: ScsiHost | None = None
    adapter: Adapter | None = None


@dataclass(slots=True)
class _VportInfo:
    parent_host: int
    number: int
    wwnn: WWN | None
    wwpn: WWN | None
    state: str | None
    host: int | None = None
    gone: bool = False  # deleted while the scan ran


@dataclass
class Scanner:
    """One scan of one root.  Use :func:`scan_devices`; this class holds its state."""

    root: str
    fs: FileAccess = field(default_factory=OSFileAccess)
    pci_ids: PCIIds | None = None
    warnings: list[ScanWarning] = field(default_factory=list)

    def __post_init__(self) -> None:
        # errno of the first failed read since _begin(): a failure may mean the device is gone
        self._failed: int | None = None
        self._dropped = False  # a host or vport was left out after the vport lists were built
        self._names_only = False  # names(): skip reads that decide nothing
        self.root = os.path.abspath(self.root)
        self._sys = os.path.join(self.root, "sys")
        self._devices = os.path.join(self._sys, "devices") + os.sep
        self._root_slash = self.root.rstrip(os.sep) + os.sep

    # -- small helpers -------------------------------------------------------

    def warn(self, device: str, attribute: str | None, message: str) -> None:
        self.warnings.append(ScanWarning(_shown(device), attribute, message))

    def sys_path(self, abspath: str) -> str:
        """The path as libvirt prints it: ``/sys/devices/…`` relative to the root."""
        if abspath.startswith(self._root_slash):  # normalized paths inside the root
            return abspath[len(self._root_slash) - 1 :]
        return "/" + os.path.relpath(abspath, self.root)

    def attr(
        self,
        device: str,
        directory: str,
        name: str,
        convert: Callable[[str], T | None],
        *,
        label: str | None = None,
        optional: bool = True,
        may_lack: bool = False,
    ) -> T | None:
        """Read and convert one attribute; ``None`` (and a warning unless it is
        an optional attribute that is simply absent) when it cannot be used.

        Any failed read is remembered for :meth:`_lost`, except the absence of an
        attribute that devices may lack (``may_lack``: it says nothing of the device)."""
        try:
            raw = self.fs.read(f"{directory}/{name}")
        except FileNotFoundError:
            if self._failed is None and not may_lack:
                self._failed = errno.ENOENT
            if not optional:
                self.warn(device, label or name, "missing")
            return None
        except OSError as e:
            if self._failed is None:
                self._failed = e.errno or errno.EIO
            self.warn(device, label or name, f"unreadable ({_errname(e)})")
            return None
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.warn(device, label or name, "not UTF-8 text")
            return None
        if text.endswith("\n"):
            text = text[:-1]
        text = text.strip()
        try:
            return convert(text)
        except ValueError as e:
            shown = text if len(text) <= 40 else text[:37] + "..."
            self.warn(device, label or name, f"{shown!r}: {e}")
            return None

    def _begin(self) -> int:
        """Start reading one device: forget earlier failures; the warnings mark."""
        self._failed = None
        return len(self.warnings)

    def _lost(self, mark: int, directory: str) -> str | None:
        """After a device's reads: if one failed and ``directory`` cannot be reached
        any more, drop the warnings its reads gave since ``mark`` and say why in one
        phrase; else ``None``.  Costs one ``lstat``, only after a failed read."""
        if self._failed is None or self.fs.exists(directory + os.sep):
            return None
        del self.warnings[mark:]
        if self._failed == errno.ENOENT:
            return "vanished during the scan"
        return f"cannot be read ({errno.errorcode.get(self._failed, str(self._failed))})"

    def _resolve(self, where: str, link_dir: str, target: str) -> str | None:
        """A link's target as text, if it stays inside ``sys/devices`` and is printable
        (it becomes a ``<path>``); else a warning and ``None``.  Nothing is followed."""
        resolved = _join_link(link_dir, target)
        if not resolved.startswith(self._devices):
            self.warn(where, None, "link points outside sys/devices; not followed")
            return None
        if not resolved.isprintable():
            self.warn(where, None, f"link target {target!r} is not printable text")
            return None
        return resolved

    def class_entries(self, cls: str) -> list[tuple[str, str]]:
        """``(entry name, resolved absolute target)`` of ``/sys/class/<cls>``.

        Links are resolved textually and must stay inside ``sys/devices`` of the
        root: a link pointing anywhere else is reported and never followed.
        """
        cdir = os.path.join(self._sys, "class", cls)
        try:
            names = self.fs.listdir(cdir)
        except FileNotFoundError:
            return []
        except OSError as e:
            self.warn(f"/sys/class/{cls}", None, f"cannot list ({_errname(e)})")
            return []
        out: list[tuple[str, str]] = []
        for name in sorted(names):
            where = f"/sys/class/{cls}/{name}"
            try:
                target = self.fs.readlink(f"{cdir}/{name}")
            except FileNotFoundError:
                self.warn(where, None, "vanished during the scan")  # removed while we listed
                continue
            except OSError as e:
                self.warn(where, None, f"not a class link ({_errname(e)})")
                continue
            resolved = _join_link(cdir, target)
            if resolved.startswith(self._devices) and resolved.isprintable():
                out.append((name, resolved))
            else:
                self._resolve(where, cdir, target)  # says why
        return out

    # -- the scan ------------------------------------------------------------

    def run(self) -> list[Device]:
        if not os.path.isdir(self._sys):
            raise SysfsError(f"{self.root}: no sys/ directory here (not a sysfs root)")
        hosts = self._find_hosts()
        vports = self._find_vports(hosts)
        self._link_fc_hosts(hosts)
        by_parent = _by_parent(vports)
        pci_devices = self._pci_devices(hosts)
        devices: list[Device] = list(pci_devices.values())
        host_devices: list[Device] = []
        for h in _host_order(hosts):
            dev = self._host_or_drop(h, hosts, vports, by_parent, pci_devices)
            if dev is not None:
                host_devices.append(dev)
        devices.extend(self._link_up(host_devices, by_parent))
        devices.extend(self._targets(hosts))
        return devices

    def names(self, caps: frozenset[str] | None, all_devices: bool = False) -> list[NameEntry]:
        """The devices :meth:`run` finds, as ``(name, parent, capability names)``,
        reading only the attributes that decide membership (see :func:`list_names`)."""
        if not os.path.isdir(self._sys):
            raise SysfsError(f"{self.root}: no sys/ directory here (not a sysfs root)")
        decided = ALL_CAPS if caps is None else caps & ALL_CAPS
        everything = caps is None or all_devices
        self._names_only = True
        out: list[NameEntry] = []
        hosts = self._find_hosts()
        vports = self._find_vports(hosts)
        self._link_fc_hosts(hosts)
        by_parent = _by_parent(vports)
        if everything or "pci" in decided:
            out.extend(self._pci_names(hosts, decided))
        need_fc = "fc_host" in decided
        host_entries: list[tuple[NameEntry, int | None]] = []
        for h in _host_order(hosts):
            name = f"scsi_host{h.number}"
            if not self.fs.exists(h.sh_dir + os.sep):
                # Unreachable: read it as the full scan does, for the same verdict and warnings.
                dev = self._host_or_drop(h, hosts, vports, by_parent, {})
                if dev is not None:
                    entry = (name, dev.parent_name, dev.cap_names() & decided)
                    host_entries.append((entry, h.parent_host))
                continue
            fc_dir = h.fc_dir
            cap_names = {"scsi_host"}
            if fc_dir is not None and need_fc:
                before = self._failed
                wwnn, wwpn, usable = self._fc_wwns(name, fc_dir)
                self._failed = before
                if not usable:
                    fc_dir = None
                elif wwnn is not None and wwpn is not None:
                    cap_names.add("fc_host")
            if by_parent.get(h.number) or self._vport_capable(fc_dir, h.sh_dir):
                cap_names.add("vports")
            if h.parent_host is not None:
                parent = f"scsi_host{h.parent_host}"
            else:
                parent = self._parent_of(h.devdir, hosts, {})[0]
            host_entries.append(((name, parent, frozenset(cap_names) & decided), h.parent_host))
        # As _link_up: a vHBA whose HBA is not in the scan goes too.
        kept = {entry[0] for entry, _ in host_entries}
        for entry, phys in host_entries:
            if phys is not None and f"scsi_host{phys}" not in kept:
                self.warn(entry[0], None, f"left out: its HBA scsi_host{phys} is not in the scan")
                continue
            out.append(entry)
        if everything or "scsi_target" in decided:
            targets = self._targets(hosts)
            out.extend((d.name, d.parent_name, d.cap_names() & decided) for d in targets)
        if not everything:
            out = [e for e in out if e[2]]
        return out

    def _link_fc_hosts(self, hosts: dict[int, _Host]) -> None:
        for name, d in self.class_entries("fc_host"):
            m = _HOST.fullmatch(name)
            h = hosts.get(int(m[1])) if m is not None else None
            if h is None:
                continue  # an fc_host without its Scsi_Host: no node device
            if d != f"{h.devdir}{os.sep}fc_host{os.sep}{name}":
                self.warn(f"/sys/class/fc_host/{name}", None, "not laid out as hostN/fc_host/hostN")
                continue
            h.fc_dir = d

    def _host_or_drop(
        self,
        h: _Host,
        hosts: dict[int, _Host],
        vports: dict[str, _VportInfo],
        by_parent: dict[int, list[_VportInfo]],
        pci_devices: dict[str, Device],
    ) -> Device | None:
        """The host's device; ``None`` (and one warning) when it is gone or unreachable."""
        mark = self._begin()
        dev = self._host_device(h, hosts, by_parent, pci_devices)
        why = self._lost(mark, h.sh_dir) if self._failed is not None else None
        if why is None:
            return dev
        name = dev.name
        # Gone while we read it: one warning for the device, not one per file.
        del hosts[h.number]
        self._dropped = True
        vdir = h.vport_dir
        vport = vports.get(vdir) if vdir is not None else None
        if vdir is not None and vport is not None and not self.fs.exists(vdir + os.sep):
            vport.gone = True  # deleted with its vport: off its HBA's list too
            why += f", with its vport {os.path.basename(vdir)}"
        self.warn(name, None, why)
        return None

    def _vport_capable(self, fc_dir: str | None, sh_dir: str) -> bool:
        """vport-capable as libvirt decides: a vport_create in fc_host, else in scsi_host."""
        return (fc_dir is not None and self.fs.exists(f"{fc_dir}/vport_create")) or self.fs.exists(
            f"{sh_dir}/vport_create"
        )

    def _find_hosts(self) -> dict[int, _Host]:
        hosts: dict[int, _Host] = {}
        for name, resolved in self.class_entries("scsi_host"):
            m = _HOST.fullmatch(name)
            # resolved is normalized (no "." or "..", no trailing "/"), and a class
            # entry's name holds no "/": the layout is checked and cut as text.
            if m is None or not resolved.endswith(f"/{name}/scsi_host/{name}"):
                where = f"/sys/class/scsi_host/{name}"
                self.warn(where, None, "not laid out as hostN/scsi_host/hostN")
                continue
            devdir = resolved[: -len(name) - 11]  # less "/scsi_host/hostN"
            h = _Host(number=int(m[1]), devdir=devdir, sh_dir=resolved)
            above = devdir.rpartition("/")[0]
            vm = _VPORT.fullmatch(above.rpartition("/")[2])
            if vm is not None:
                pm = _HOST.fullmatch(above.rpartition("/")[0].rpartition("/")[2])
                if pm is not None and pm[1] == vm[1]:
                    h.vport_dir = above
                    h.parent_host = int(pm[1])
            elif (pm := _HOST.fullmatch(above.rpartition("/")[2])) is not None:
                # Kernels before the vport device (RHEL 5 era) put the vHBA's host
                # straight under the physical one: hostP/hostM.
                h.parent_host = int(pm[1])
            hosts[h.number] = h
        return hosts

    def _find_vports(self, hosts: dict[int, _Host]) -> dict[str, _VportInfo]:
        """Every vport by its device directory: from ``fc_vports``, and from the
        vHBAs' own paths where a class entry is missing.  A vport deleted while it
        is read takes its vHBA with it (one warning for both)."""
        found: dict[str, _VportInfo] = {}
        gone: set[str] = set()
        for name, resolved in self.class_entries("fc_vports"):
            m = _VPORT.fullmatch(name)
            vdir = ""  # resolved is normalized: the layout is checked and cut as text
            if m is None:
                pass
            elif resolved.endswith(f"/host{m[1]}/{name}"):
                vdir = resolved  # the link names the vport device itself, attributes and all
            elif resolved.endswith(f"/{name}/fc_vports/{name}"):
                vdir = resolved[: -len(name) - 11]  # less "/fc_vports/vport-H:C-N"
            if m is None or not vdir:
                self.warn(f"/sys/class/fc_vports/{name}", None, "not laid out as vport-H:C-N")
                continue
            parent = hosts.get(int(m[1]))
            if parent is None:
                continue  # its HBA is not in the scan: a vport of no node device
            if vdir.rpartition(os.sep)[0] != parent.devdir:
                self.warn(name, None, "vport is not under its parent host")
                continue
            if self._names_only and self.fs.exists(resolved + os.sep):
                # Reachable, so never lost: its names and state are not needed.
                found[vdir] = _VportInfo(int(m[1]), int(m[3]), None, None, None)
                continue
            mark = self._begin()
            info = _VportInfo(
                parent_host=int(m[1]),
                number=int(m[3]),
                wwnn=self.attr(name, resolved, "node_name", values.wwn, optional=False),
                wwpn=self.attr(name, resolved, "port_name", values.wwn, optional=False),
                state=self.attr(name, resolved, "vport_state", values.vport_state, optional=False),
            )
            why = self._lost(mark, resolved) if self._failed is not None else None
            if why is not None:
                vhbas = [f"scsi_host{h.number}" for h in hosts.values() if h.vport_dir == vdir]
                if vhbas:
                    why += f", with its vHBA {vhbas[0]}"
                self.warn(name, None, why)
                gone.add(vdir)
                continue
            found[vdir] = info
        for h in list(hosts.values()):
            if h.parent_host is None:
                continue
            # The vport's directory; a host straight under its HBA (old layout) stands for it.
            vport_dir = h.vport_dir or h.devdir
            if vport_dir in gone:
                del hosts[h.number]  # under a vport that is gone: gone too, already said
                continue
            parent = hosts.get(h.parent_host)
            if parent is not None and vport_dir.rpartition(os.sep)[0] != parent.devdir:
                # Under a directory named like its HBA, not its HBA's: no vHBA of it.
                self.warn(f"scsi_host{h.number}", None, "left out: not under its HBA's directory")
                del hosts[h.number]
                continue
            known = found.get(vport_dir)
            if known is None:  # no fc_vports entry: known from the vHBA's own path only
                m = _VPORT.fullmatch(os.path.basename(vport_dir))
                number = int(m[3]) if m else h.number
                known = _VportInfo(h.parent_host, number, None, None, None)
                found[vport_dir] = known
            known.host = h.number
        return found

    def _fc_host(self, name: str, fc_dir: str) -> tuple[FCHost | None, bool]:
        """The host's ``fc_host`` capability (``None`` without both names), and
        whether its directory can be read at all."""
        wwnn, wwpn, usable = self._fc_wwns(name, fc_dir)
        if wwnn is None or wwpn is None:
            return None, usable
        return self._fc_rest(name, fc_dir, wwnn, wwpn), True

    def _fc_wwns(self, name: str, fc_dir: str) -> tuple[WWN | None, WWN | None, bool]:
        """The fc_host's two names (the second is not read without the first), and
        whether its directory can be read at all."""
        before = self._failed
        self._failed = None
        wwnn = self.attr(name, fc_dir, "node_name", values.wwn, label="fc_host/node_name",
                         optional=False)  # fmt: skip
        failed, self._failed = self._failed, before or self._failed
        if failed is not None and not self.fs.exists(fc_dir + os.sep):
            # The whole fc_host directory is unreachable: one warning, no further reads.
            self.warnings[-1] = replace(self.warnings[-1], attribute="fc_host")
            return None, None, False
        if wwnn is None:
            return None, None, True  # no fc_host without its names; port_name would not help
        wwpn = self.attr(name, fc_dir, "port_name", values.wwn, label="fc_host/port_name",
                         optional=False)  # fmt: skip
        return wwnn, wwpn, True

    def _fc_rest(self, name: str, fc_dir: str, wwnn: WWN, wwpn: WWN) -> FCHost:
        fabric = self.attr(name, fc_dir, "fabric_name", values.wwn, label="fc_host/fabric_name")
        attr = self.attr
        return FCHost(
            wwnn=wwnn,
            wwpn=wwpn,
            fabric_wwn=fabric if fabric is not None and fabric.is_fabric else None,
            port_state=attr(name, fc_dir, "port_state", values.port_state, label=_FC_STATE),
            port_type=attr(name, fc_dir, "port_type", values.port_type, label=_FC_TYPE),
            port_id=attr(name, fc_dir, "port_id", values.port_id, label=_FC_ID),
            speed=attr(name, fc_dir, "speed", values.speed, label=_FC_SPEED),
            symbolic_name=attr(name, fc_dir, "symbolic_name", values.text_value, label=_FC_SYM),
        )

    def _host_device(
        self,
        h: _Host,
        hosts: dict[int, _Host],
        vports: dict[int, list[_VportInfo]],
        pci: dict[str, Device],
    ) -> Device:
        name = f"scsi_host{h.number}"
        sh_dir = h.sh_dir
        unique_id = self.attr(name, sh_dir, "unique_id", values.uint, label="scsi_host/unique_id")
        fc = None
        fc_dir = h.fc_dir
        if fc_dir is not None:
            fc, usable = self._fc_host(name, fc_dir)
            if not usable:
                fc_dir = None
        capable = self._vport_capable(fc_dir, sh_dir)
        vport_ops = None
        vports_cap = None
        mine = vports.get(h.number, [])
        if capable or mine:
            # The counters sit beside vport_create: in fc_host, else in scsi_host.
            cap_dir = fc_dir if fc_dir is not None else sh_dir if capable else None
            max_v = in_use = None
            if cap_dir is not None:
                max_v = self.attr(name, cap_dir, "max_npiv_vports", values.uint, optional=False,
                                  label="max_npiv_vports")  # fmt: skip
                in_use = self.attr(name, cap_dir, "npiv_vports_inuse", values.uint,
                                   optional=False, label="npiv_vports_inuse")  # fmt: skip
            if fc is not None and max_v is not None and in_use is not None:
                vport_ops = VportOps(max_v, in_use)
            vports_cap = Vports(max_count=max_v, vports=_vport_entries(mine, None))
        parent: Parent | None
        phys_hba = None
        adapter: Adapter | None
        if h.parent_host is not None:
            phys = hosts.get(h.parent_host)
            parent = Parent(f"scsi_host{h.parent_host}")
            pcap = phys.cap if phys is not None else None
            pfc = pcap.fc_host if pcap is not None else None
            phys_hba = PhysHBA(
                name=f"scsi_host{h.parent_host}",
                wwnn=pfc.wwnn if pfc else None,
                wwpn=pfc.wwpn if pfc else None,
            )
            adapter = phys.adapter if phys is not None else None
        else:
            parent_name, pci_dev = self._parent_of(h.devdir, hosts, pci)
            parent = Parent(parent_name)
            adapter = self._adapter(name, sh_dir, fc_dir, pci_dev)
        h.adapter = adapter
        h.cap = ScsiHost(
            host=h.number,
            unique_id=unique_id,
            fc_host=fc,
            vport_ops=vport_ops,
            vports=vports_cap,
            phys_hba=phys_hba,
            adapter=adapter if adapter is not None and not adapter.is_empty() else None,
        )
        return Device(name=name, path=self.sys_path(h.devdir), parent=parent,
                      capabilities=(h.cap,))  # fmt: skip

    def _parent_of(
        self, devdir: str, hosts: dict[int, _Host], pci: dict[str, Device]
    ) -> tuple[str, Device | None]:
        """libvirt's parent: the nearest ancestor that is itself a node device."""
        d = os.path.dirname(devdir)
        while d.startswith(self._devices):
            base = os.path.basename(d)
            m = _HOST.fullmatch(base)
            if m is not None and int(m[1]) in hosts:
                return f"scsi_host{m[1]}", None
            addr = PCIAddress.match(base)
            if addr is not None:  # named even when left out for want of ids, as libvirt does
                return addr.node_name, pci.get(addr.node_name)
            d = os.path.dirname(d)
        return "computer", None

    def _adapter(
        self, name: str, sh_dir: str, fc_dir: str | None, pci_dev: Device | None
    ) -> Adapter:
        model = None
        for cls, attr in _MODEL_ATTRS:
            directory = sh_dir if cls == "scsi_host" else fc_dir
            if directory is None:
                continue
            model = self.attr(name, directory, attr, values.text_value, label=f"{cls}/{attr}",
                              may_lack=True)  # fmt: skip
            if model:
                break
        cap = pci_dev.pci if pci_dev is not None else None
        if cap is None:
            return Adapter(model=model or None)
        return Adapter(
            vendor_id=cap.vendor_id,
            vendor_name=cap.vendor_name,
            product_id=cap.product_id,
            product_name=cap.product_name,
            model=model or None,
            address=cap.address,
        )

    # -- PCI -----------------------------------------------------------------

    def _pci_dirs(self, hosts: dict[int, _Host]) -> dict[str, str]:
        """The PCI functions the physical hosts sit under, with their bridges: by name."""
        dirs: dict[str, str] = {}
        for h in hosts.values():
            if h.parent_host is not None:
                continue
            d = os.path.dirname(h.devdir)
            while d.startswith(self._devices):
                addr = PCIAddress.match(os.path.basename(d))
                if addr is not None:
                    if addr.node_name in dirs:
                        break
                    dirs[addr.node_name] = d
                d = os.path.dirname(d)
        return dirs

    def _pci_devices(self, hosts: dict[int, _Host]) -> dict[str, Device]:
        """The PCI functions the physical hosts sit under, with their bridges."""
        dirs = self._pci_dirs(hosts)
        if self.pci_ids is None:
            self.pci_ids = PCIIds.for_root(self.root)
        out: dict[str, Device] = {}
        for node_name in sorted(dirs):
            mark = self._begin()
            dev = self._pci_device(node_name, dirs[node_name], dirs)
            why = self._lost(mark, dirs[node_name])
            if why is not None:
                self.warn(node_name, None, why)
                continue
            cap = dev.pci
            if cap is None or cap.vendor_id is None or cap.product_id is None:
                self._left_out(mark)
                continue
            out[node_name] = dev
        return out

    def _left_out(self, mark: int) -> None:
        """libvirt requires both PCI ids; a document without them is no node device.
        Said once, with the attribute's own warning."""
        for i in range(mark, len(self.warnings)):
            w = self.warnings[i]
            if w.attribute in ("vendor", "device"):
                self.warnings[i] = replace(w, message=f"{w.message}; device left out")

    def _pci_names(self, hosts: dict[int, _Host], decided: frozenset[str]) -> list[NameEntry]:
        """:meth:`_pci_devices` for names: only the two ids that decide membership are read."""
        dirs = self._pci_dirs(hosts)
        out: list[NameEntry] = []
        caps = frozenset({"pci"}) & decided
        for node_name in sorted(dirs):
            d = dirs[node_name]
            mark = self._begin()
            vendor_id = self.attr(node_name, d, "vendor", values.hex_id, optional=False)
            product_id = self.attr(node_name, d, "device", values.hex_id, optional=False)
            why = self._lost(mark, d)
            if why is not None:
                self.warn(node_name, None, why)
                continue
            if vendor_id is None or product_id is None:
                self._left_out(mark)
                continue
            out.append((node_name, self._pci_parent(d, dirs), caps))
        return out

    def _pci_parent(self, d: str, known: dict[str, str]) -> str:
        up = os.path.dirname(d)
        while up.startswith(self._devices):
            paddr = PCIAddress.match(os.path.basename(up))
            if paddr is not None and paddr.node_name in known:
                return paddr.node_name
            up = os.path.dirname(up)
        return "computer"

    def _pci_device(self, name: str, d: str, known: dict[str, str]) -> Device:
        addr = PCIAddress.parse(os.path.basename(d))
        vendor_id = self.attr(name, d, "vendor", values.hex_id, optional=False)
        product_id = self.attr(name, d, "device", values.hex_id, optional=False)
        class_code = self.attr(name, d, "class", values.class_code)
        ids = self.pci_ids
        vendor_name = ids.vendor(vendor_id) if ids and vendor_id is not None else None
        product_name = (
            ids.product(vendor_id, product_id)
            if ids and vendor_id is not None and product_id is not None
            else None
        )
        phys_fn = self._pci_link(name, d, "physfn")
        max_vfs = self.attr(name, d, "sriov_totalvfs", values.uint, may_lack=True)
        vfs: list[PCIAddress] = []
        for i in range(_VIRTFN_LIMIT):
            vf = self._pci_link(name, d, f"virtfn{i}")
            if vf is None:
                break
            vfs.append(vf)
        virt_functions = None
        if phys_fn is None and (vfs or max_vfs):
            virt_functions = VirtFunctions(max_count=max_vfs or None, addresses=tuple(vfs))
        driver = self._driver(name, d)
        parent = self._pci_parent(d, known)
        cap = PCI(
            address=addr,
            class_code=class_code,
            product_id=product_id,
            product_name=product_name,
            vendor_id=vendor_id,
            vendor_name=vendor_name,
            phys_function=phys_fn,
            virt_functions=virt_functions,
        )
        return Device(name=name, path=self.sys_path(d), parent=Parent(parent), driver=driver,
                      capabilities=(cap,))  # fmt: skip

    def _driver(self, name: str, d: str) -> str | None:
        """The bound driver's name: the basename of the ``driver`` link, which is
        never followed (where it points does not matter, its last name does)."""
        try:
            target = self.fs.readlink(os.path.join(d, "driver"))
        except FileNotFoundError:
            return None  # no driver bound
        except OSError as e:
            if self._failed is None:
                self._failed = e.errno or errno.EIO
            self.warn(name, "driver", f"not a link ({_errname(e)})")
            return None
        driver = os.path.basename(target)
        if not _DRIVER.fullmatch(driver) or driver in (".", ".."):
            self.warn(name, "driver", f"{driver[:40]!r}: expected a driver name")
            return None
        return driver

    def _pci_link(self, name: str, d: str, link: str) -> PCIAddress | None:
        try:
            target = self.fs.readlink(os.path.join(d, link))
        except FileNotFoundError:
            return None
        except OSError as e:
            if e.errno != errno.EINVAL:
                self.warn(name, link, f"unreadable ({_errname(e)})")
            return None
        addr = PCIAddress.match(os.path.basename(target))
        if addr is None:
            self.warn(name, link, f"{target[:60]!r}: expected a link to a PCI function")
        return addr

    # -- SCSI targets --------------------------------------------------------

    def _targets(self, hosts: dict[int, _Host]) -> list[Device]:
        rports = {name: d for name, d in self.class_entries("fc_remote_ports")}
        bus = os.path.join(self._sys, "bus", "scsi", "devices")
        try:
            names = self.fs.listdir(bus)
        except FileNotFoundError:
            return []
        except OSError as e:
            self.warn("/sys/bus/scsi/devices", None, f"cannot list ({_errname(e)})")
            return []
        out: list[Device] = []
        for entry in sorted(names, key=_target_key):
            m = _TARGET.fullmatch(entry)
            if m is None or int(m[1]) not in hosts:
                continue
            where = f"/sys/bus/scsi/devices/{entry}"
            try:
                link = self.fs.readlink(os.path.join(bus, entry))
            except FileNotFoundError:
                continue  # removed while we listed
            except OSError as e:
                self.warn(where, None, f"not a bus link ({_errname(e)})")
                continue
            tdir = self._resolve(where, bus, link)
            if tdir is None:
                continue
            if os.path.basename(tdir) != entry:
                self.warn(where, None, "link does not point to its target's directory")
                continue
            name = f"scsi_{entry}".replace(":", "_")
            rport_name = os.path.basename(os.path.dirname(tdir))
            fc_rport = None
            rport_dir = rports.get(rport_name) if _RPORT.fullmatch(rport_name) else None
            if rport_dir is not None and rport_dir != os.path.join(
                os.path.dirname(tdir), "fc_remote_ports", rport_name
            ):
                where = f"/sys/class/fc_remote_ports/{rport_name}"
                self.warn(where, None, "not laid out as rport-H:C-R/fc_remote_ports/rport-H:C-R")
                rport_dir = None
            if rport_dir is not None and self._names_only and self.fs.exists(tdir + os.sep):
                rport_dir = None  # reachable, so never lost; the rport's name is not needed
            if rport_dir is not None:
                mark = self._begin()
                wwpn = self.attr(name, rport_dir, "port_name", values.wwn,
                                 label=f"{rport_name}/port_name", optional=False)  # fmt: skip
                why = self._lost(mark, tdir)
                if why is not None:  # the target sits under its rport: gone with it
                    self.warn(name, None, why)
                    continue
                if wwpn is not None:
                    fc_rport = FCRemotePort(rport=rport_name, wwpn=wwpn)
            out.append(
                Device(
                    name=name,
                    path=self.sys_path(tdir),
                    parent=Parent(f"scsi_host{m[1]}"),
                    capabilities=(ScsiTarget(target=entry, fc_remote_port=fc_rport),),
                )
            )
        return out

    # -- linking up ----------------------------------------------------------

    def _link_up(self, hosts: list[Device], by_parent: dict[int, list[_VportInfo]]) -> list[Device]:
        """Keep vport lists and phys_hba links agreeing when a device vanished or was
        left out: a vHBA whose HBA is not in the scan goes too; a vport whose host is
        gone loses its name; a vport deleted during the scan leaves the list."""
        names = {d.name for d in hosts}
        kept: list[Device] = []
        for dev in hosts:
            cap = dev.scsi_host
            if cap is None:
                kept.append(dev)
                continue
            if cap.phys_hba is not None and cap.phys_hba.name not in names:
                hba = cap.phys_hba.name
                self.warn(dev.name, None, f"left out: its HBA {hba} is not in the scan")
                continue
            if self._dropped and cap.vports is not None and cap.host is not None:
                entries = _vport_entries(by_parent.get(cap.host, []), names)
                if entries != cap.vports.vports:
                    cap = replace(cap, vports=replace(cap.vports, vports=entries))
                    dev = replace(dev, capabilities=(cap,))
            kept.append(dev)
        return kept


def _vport_entries(infos: list[_VportInfo], names: set[str] | None) -> tuple[Vport, ...]:
    """The ``vports`` list of an HBA: vports still there, named by their vHBA while it
    is in the scan (``names``; ``None``: every vHBA found)."""
    out = []
    for v in infos:
        if v.gone:
            continue
        host = f"scsi_host{v.host}" if v.host is not None else None
        if names is not None and host not in names:
            host = None
        out.append(Vport(name=host, wwnn=v.wwnn, wwpn=v.wwpn, state=v.state))
    return tuple(out)


def _by_parent(vports: dict[str, _VportInfo]) -> dict[int, list[_VportInfo]]:
    by_parent: dict[int, list[_VportInfo]] = {}
    for v in sorted(vports.values(), key=lambda v: (v.parent_host, v.number)):
        by_parent.setdefault(v.parent_host, []).append(v)
    return by_parent


def _host_order(hosts: dict[int, _Host]) -> list[_Host]:
    """Physical hosts first, then vHBAs; by number."""
    return sorted(hosts.values(), key=lambda h: (h.parent_host is not None, h.number))


def _join_link(link_dir: str, target: str) -> str:
    """``normpath(join(link_dir, target))`` for a normalized ``link_dir``.  The kernel's
    own class links, ``../../devices/…`` with no ``.`` or empty component, are joined
    as text, which gives normpath's result without its cost; anything else goes
    through normpath."""
    rest = target[5:]  # "/devices/…" after "../.."
    if (
        target.startswith("../../")
        and len(rest) > 1
        and "/." not in rest
        and "//" not in rest
        and not rest.endswith("/")
    ):
        return link_dir.rsplit("/", 2)[0] + rest
    return os.path.normpath(os.path.join(link_dir, target))


def _target_key(name: str) -> tuple[int, ...]:
    m = _TARGET.fullmatch(name)
    return (int(m[1]), int(m[2]), int(m[3])) if m else (-1,)


def _errname(e: OSError) -> str:
    return errno.errorcode.get(e.errno or 0, str(e.errno)) if e.errno else str(e)


def _shown(name: str) -> str:
    """A name found in sysfs as a warning may show it: on one line, escaped unless
    printable (it may hold newlines, escape sequences or undecodable bytes)."""
    if name.isprintable() and len(name) <= 200:
        return name
    return name[:200].encode("unicode_escape", "backslashreplace").decode("ascii")


def scan_devices(
    root: str = "/", *, fs: FileAccess | None = None, pci_ids: PCIIds | None = None
) -> tuple[list[Device], list[ScanWarning]]:
    """Scan ``root`` (a directory holding ``sys/``); return the devices and the warnings."""
    scanner = Scanner(root=root, fs=fs or OSFileAccess(), pci_ids=pci_ids)
    devices = scanner.run()
    return devices, scanner.warnings


def list_names(
    root: str = "/",
    caps: frozenset[str] | None = None,
    *,
    all_devices: bool = False,
    fs: FileAccess | None = None,
) -> tuple[list[NameEntry], list[ScanWarning]]:
    """The devices :func:`scan_devices` finds, as ``(name, parent, capability names)``
    in the same order, reading only what decides membership; and the warnings.

    With ``caps`` ``None``: every device with all its capability names.  Else the
    devices with at least one of ``caps``, their names limited to ``caps``; with
    ``all_devices`` every device all the same (the tree needs their ancestors).
    The attributes read: ``vports`` and ``scsi_host`` need none (``vport_create``
    is looked for, as libvirt does); ``fc_host`` reads ``node_name`` and
    ``port_name``; ``pci`` (and ``all_devices`` or ``caps=None``) the PCI ids.  A
    device whose directory cannot be reached is read as the full scan reads it, so
    that it is left out with the same warning.  Other warnings the full scan gives
    for attributes read here are given too; those for attributes not read are not."""
    scanner = Scanner(root=root, fs=fs or OSFileAccess())
    entries = scanner.names(caps, all_devices)
    return entries, scanner.warnings
