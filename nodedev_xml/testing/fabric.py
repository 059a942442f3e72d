"""A Fibre Channel fabric behind fake hosts: targets, their LUNs, zoning and masking.

:class:`Fabric` is what a SAN shows an initiator: targets (remote ports with
a WWPN) holding LUNs (:class:`FabricLun`: number, peripheral type, WWID,
inquiry strings, size), and a zoning/masking table saying which initiator
WWPN sees which target's LUNs.  It is written into a root in two ways:

- at build time, :meth:`Fabric.attach` gives a host written by
  :class:`~nodedev_xml.testing.SysfsBuilder` its remote ports, targets and
  every LUN it sees (the tree a scan then reads);
- at run time, handed to :class:`~nodedev_xml.testing.emulator.KernelEmulator`
  (``fabric=``), it plays the FC transport's discovery: when a vHBA logs in,
  the remote ports of the targets zoned to its WWPN appear (an FCP target gets
  the host's next target id, ``targetH:0:T``) and the kernel's automatic scan
  of a new remote port adds the LUNs mapped then; a write to the host's
  ``scsi_host/hostN/scan`` (parsed as the kernel parses it: three tokens,
  ``-`` or a number each) adds the LUNs of the targets it names; a write to
  ``fc_host/hostN/issue_lip`` makes the host rediscover, and scan, every
  target.  A LUN with ``delay`` is mapped that many seconds after the
  initiator logged in (a scan before that does not find it); one with
  ``after_lip`` is found only once the host has issued a LIP.

Each LUN found is a SCSI device ``H:0:T:L`` (the builder's LUN writer) with
``wwid``, ``vpd_pg83`` (its WWID as the logical unit's designator, and the
target port's name as a port designator the kernel must skip) and
``vpd_pg80`` (its serial); a disk (type 0) also gets its block device
``sdX`` and, in ``/dev/disk/by-id`` of the root, ``wwn-0x…`` (NAA WWIDs) and
``scsi-3…`` links as udev makes them.  With ``multipath=True`` the paths of
one LUN (two vHBAs that see it, say) are held by one dm-multipath map,
``devices/virtual/block/dm-N`` (``dm/name``, ``dm/uuid`` ``mpath-3…``,
``slaves/sdX``, each path's ``holders/dm-N``), named after the LUN's
``alias`` or, as multipath does by default, its WWID; the by-id links then
lead to the map.  ``kernel_wwid=False`` plays a kernel without the ``wwid``
attribute (the pages alone).  ``udev=True`` gives each disk the root's udev
database entry udev makes for it (``ID_TYPE=disk``, ``ID_SERIAL`` the LUN's udev
id: what makes it a ``storage`` device to libvirt), ``generic=True`` each LUN its
SCSI generic node ``sgN`` (the ``sg`` driver's, numbered in order of discovery).

A fabric is plain data (:meth:`Fabric.to_json`, :meth:`Fabric.from_json`), so
the background emulator process gets the same one.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .builder import SysfsBuilder
from .presets import DRIVERS
from .specs import FCHostSpec, RemotePortSpec
from .values import WWNLike, parse_wwn

__all__ = ["Fabric", "FabricLun", "FabricTarget", "parse_scan", "vpd_pg80", "vpd_pg83"]

#: Told of each uevent: ``(action, path below sys/)``.
Send = Callable[[str, str], None]

_WWID = re.compile(r"(naa|eui)\.([0-9a-f]{16}|[0-9a-f]{24}|[0-9a-f]{32})")
_DM = re.compile(r"dm-(0|[1-9][0-9]*)")
_SG = re.compile(r"sg(0|[1-9][0-9]*)")
_NUMBER = re.compile(r"(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")


@dataclass(frozen=True)
class FabricLun:
    """A LUN a target exports: its number, SCSI peripheral ``type``, ``wwid`` (the
    kernel's form: ``naa.`` or ``eui.`` and lower-case hex), inquiry strings,
    size in 512-byte sectors, serial (default: the WWID's last 16 digits);
    ``delay`` seconds after an initiator's login before it is mapped to it,
    ``after_lip`` when only a scan after a LIP finds it; ``alias``, the name of
    its multipath map."""

    number: int
    wwid: str
    type: int = 0
    vendor: str = "3PARdata"
    model: str = "VV"
    rev: str = "3310"
    sectors: int = 209715200
    serial: str | None = None
    delay: float = 0.0
    after_lip: bool = False
    alias: str | None = None

    def __post_init__(self) -> None:
        if not _WWID.fullmatch(self.wwid):
            raise ValueError(f"not a WWID as the kernel prints it (naa./eui. and hex): "
                             f"{self.wwid!r}")  # fmt: skip
        if not 0 <= self.number < 1 << 32:
            raise ValueError(f"LUN number out of range: {self.number}")

    @property
    def udev_id(self) -> str:
        """The id udev and multipath give the LUN (``3…`` for NAA, ``2…`` for EUI-64)."""
        kind, _, digits = self.wwid.partition(".")
        return ("3" if kind == "naa" else "2") + digits


@dataclass(frozen=True)
class FabricTarget:
    """A target port: its names and port id, and its LUNs."""

    wwpn: int
    wwnn: int
    port_id: int
    luns: tuple[FabricLun, ...] = ()


def vpd_pg83(lun: FabricLun, target: FabricTarget, ptype: int | None = None) -> bytes:
    """Page 0x83 of ``lun``: its WWID as the logical unit's designator (NAA or
    EUI-64, binary), after the target port's NAA name (association: target port),
    which the kernel skips."""
    kind, _, digits = lun.wwid.partition(".")
    port = bytes([0x61, 0x93, 0x00, 0x08]) + target.wwpn.to_bytes(8, "big")
    unit = bytes([0x01, 0x03 if kind == "naa" else 0x02, 0x00, len(digits) // 2])
    body = port + unit + bytes.fromhex(digits)
    return bytes([lun.type if ptype is None else ptype, 0x83]) + len(body).to_bytes(2, "big") + body


def vpd_pg80(lun: FabricLun) -> bytes:
    """Page 0x80 of ``lun``: its serial, space-padded to 16 characters as arrays do."""
    serial = (lun.serial or lun.wwid[-16:]).encode("ascii").ljust(16)
    return bytes([lun.type, 0x80, 0, len(serial)]) + serial


def parse_scan(data: str) -> tuple[int | None, int | None, int | None]:
    """``(channel, target, lun)`` of what was written to a host's ``scan``, as the
    kernel parses it: exactly three blank-separated tokens (a trailing newline or
    NUL is fine), each ``-`` (``None``: every one) or a number in C notation;
    anything else is ``OSError(EINVAL)``."""
    tokens = data.replace("\0", " ").split()
    if len(tokens) != 3:
        raise OSError(errno.EINVAL, "expected three tokens: channel target lun")
    out: list[int | None] = []
    for token in tokens:
        if token == "-":
            out.append(None)
        elif _NUMBER.fullmatch(token):
            base = 16 if token[:2] in ("0x", "0X") else 8 if token.startswith("0") else 10
            out.append(int(token, base))
        else:
            raise OSError(errno.EINVAL, f"not a number or '-': {token!r}")
    return out[0], out[1], out[2]


@dataclass
class _Host:
    """What the fabric has shown one host: its remote ports, target ids, LUNs."""

    spec: FCHostSpec
    initiator: int
    login: float
    lip: bool = False
    rports: dict[int, RemotePortSpec] = field(default_factory=dict)  # target WWPN -> rport
    target_ids: dict[int, int] = field(default_factory=dict)  # target id -> target WWPN
    found: set[tuple[int, int]] = field(default_factory=set)  # (target WWPN, LUN number)


class Fabric:
    """Targets, LUNs and who sees what (see the module).  ``multipath``: one
    dm-multipath map per LUN over its paths; ``kernel_wwid``: write the
    ``wwid`` attribute (a kernel since 2.6.39 does); ``udev``: the disks' udev
    database entries; ``generic``: the LUNs' SCSI generic nodes."""

    def __init__(
        self,
        *,
        multipath: bool = False,
        kernel_wwid: bool = True,
        udev: bool = False,
        generic: bool = False,
    ) -> None:
        self.multipath = multipath
        self.kernel_wwid = kernel_wwid
        self.udev = udev
        self.generic = generic
        self._next_sg = 0
        self.targets: dict[int, FabricTarget] = {}
        #: initiator WWPN -> target WWPN -> the LUN numbers masked to it (``None``: all)
        self.zones: dict[int, dict[int, frozenset[int] | None]] = {}
        self._builder: SysfsBuilder | None = None
        self._hosts: dict[int, _Host] = {}
        self._disks: set[str] | None = None
        self._maps: dict[str, str] = {}  # WWID -> dm-N
        self._next_dm = 0
        self._next_disk = 0

    # -- the SAN ------------------------------------------------------------------------------

    def add_target(
        self,
        wwpn: WWNLike,
        luns: Iterable[FabricLun] = (),
        *,
        wwnn: WWNLike | None = None,
        port_id: int | None = None,
    ) -> FabricTarget:
        """A target port with ``luns``; ``wwnn`` defaults to the WWPN with its top
        nibble 2, ``port_id`` to the next free one from ``0x010400``."""
        port = parse_wwn(wwpn)
        node = parse_wwn(wwnn) if wwnn is not None else (port & ~(0xF << 60)) | (0x2 << 60)
        if port_id is None:
            port_id = 0x010400 + len(self.targets)
        target = FabricTarget(port, node, port_id, tuple(luns))
        if len({lun.number for lun in target.luns}) != len(target.luns):
            raise ValueError("two LUNs of one target with the same number")
        self.targets[port] = target
        return target

    def zone(
        self, initiator: WWNLike, target: FabricTarget | WWNLike, luns: Iterable[int] | None = None
    ) -> None:
        """Let ``initiator`` see ``target`` (zoning) and its LUNs ``luns`` (masking;
        ``None``: all of them)."""
        port = target.wwpn if isinstance(target, FabricTarget) else parse_wwn(target)
        if port not in self.targets:
            raise KeyError(f"no target {port:016x} in this fabric")
        masked = frozenset(luns) if luns is not None else None
        self.zones.setdefault(parse_wwn(initiator), {})[port] = masked

    def seen_by(self, initiator: WWNLike) -> list[tuple[FabricTarget, list[FabricLun]]]:
        """The targets zoned to ``initiator`` and the LUNs masked to it, in zoning order."""
        out = []
        for port, masked in self.zones.get(parse_wwn(initiator), {}).items():
            target = self.targets[port]
            out.append((target, [u for u in target.luns if masked is None or u.number in masked]))
        return out

    # -- plain data -----------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps({
            "multipath": self.multipath,
            "kernel_wwid": self.kernel_wwid,
            "udev": self.udev,
            "generic": self.generic,
            "targets": [{**asdict(t), "luns": [asdict(u) for u in t.luns]}
                        for t in self.targets.values()],
            "zones": [[i, t, sorted(m) if m is not None else None]
                      for i, ts in self.zones.items() for t, m in ts.items()],
        })  # fmt: skip

    @classmethod
    def from_json(cls, text: str) -> Fabric:
        data: dict[str, Any] = json.loads(text)
        fabric = cls(multipath=data["multipath"], kernel_wwid=data["kernel_wwid"],
                     udev=data.get("udev", False), generic=data.get("generic", False))
        for t in data["targets"]:
            luns = [FabricLun(**u) for u in t["luns"]]
            fabric.add_target(t["wwpn"], luns, wwnn=t["wwnn"], port_id=t["port_id"])
        for initiator, target, masked in data["zones"]:
            fabric.zone(initiator, target, masked)
        return fabric

    # -- build time -----------------------------------------------------------------------------

    def attach(self, builder: SysfsBuilder, host: FCHostSpec) -> None:
        """Write what ``host`` (an HBA or vHBA of ``builder``) sees: the remote ports
        of its zoned targets and every LUN masked to it, delays and LIPs aside."""
        if self._builder is not builder:
            self._use(builder)
        state = _Host(host, host.port_name, time.monotonic(), lip=True)
        self._hosts[host.number] = state
        self._login(state, None, auto_scan=False)
        for target, luns in self.seen_by(host.port_name):
            for lun in luns:
                self._add_lun(state, target, lun, None)

    # -- run time: the emulator's hooks -----------------------------------------------------------

    def login(self, root: str, host_rel: str, send: Send) -> None:
        """The vHBA ``host_rel`` (below sys/) has logged in: its zoned targets'
        remote ports appear, and the kernel scans each (the LUNs mapped now)."""
        if self._builder is None:
            self._use(SysfsBuilder(root))
        builder = self._builder
        assert builder is not None
        name = host_rel.rpartition("/")[2]
        number = int(name[4:])
        fc = builder.sys / host_rel / "fc_host" / name
        initiator = int((fc / "port_name").read_text().strip(), 16)
        proc = (builder.sys / host_rel / "scsi_host" / name / "proc_name").read_text().strip()
        preset = DRIVERS.get(proc) or DRIVERS["qla2xxx"]
        spec = FCHostSpec(
            number, 0, proc, builder.sys / host_rel, host_rel, preset, "", 0, initiator, None, 0,
            "Online", "", None, False,
        )
        state = _Host(spec, initiator, time.monotonic())
        self._hosts[number] = state
        self._login(state, send, auto_scan=True)

    def write(self, host_rel: str, attr: str, data: str, send: Send) -> None:
        """A write to the host's ``scan`` or ``issue_lip``; ``OSError(EINVAL)`` for a
        ``scan`` the kernel refuses.  A host the fabric has not seen log in finds nothing."""
        state = self._hosts.get(int(host_rel.rpartition("/")[2][4:]))
        if attr == "issue_lip":
            if state is not None:
                state.lip = True
                self._scan(state, None, None, None, send)
            return
        channel, target, lun = parse_scan(data)
        if channel is not None and channel > 0:
            raise OSError(errno.EINVAL, "no such channel (max_channel is 0)")
        if state is not None:
            self._scan(state, channel, target, lun, send)

    def logout(self, vport_rel: str) -> None:
        """The vport ``vport_rel`` (below sys/) is about to go with its vHBA: its
        disks leave their multipath maps (a map with no path left goes too) and
        their ``/dev/disk/by-id`` links go."""
        if self._builder is None:
            return
        prefix = f"{vport_rel}/"
        for number, state in list(self._hosts.items()):
            if not (state.spec.rel + "/").startswith(prefix):
                continue
            del self._hosts[number]
            for sd in self._disks_below(self._builder.sys / state.spec.rel):
                self._drop_disk(sd)

    # -- the work ---------------------------------------------------------------------------------

    def _use(self, builder: SysfsBuilder) -> None:
        self._builder = builder
        block = builder.sys / "class" / "block"
        names = set(os.listdir(block)) if block.is_dir() else set()
        self._disks = {n for n in names if n.startswith("sd")}
        dms = [int(m[1]) for n in names if (m := _DM.fullmatch(n))]
        self._next_dm = max(dms, default=-1) + 1
        generic = builder.sys / "class" / "scsi_generic"
        sgs = [int(n[2:]) for n in (os.listdir(generic) if generic.is_dir() else ())
               if _SG.fullmatch(n)]  # fmt: skip
        self._next_sg = max(sgs, default=-1) + 1

    def _login(self, state: _Host, send: Send | None, *, auto_scan: bool) -> None:
        builder = self._builder
        assert builder is not None
        for target, _ in self.seen_by(state.initiator):
            rport = builder.add_rport(state.spec, node_name=target.wwnn, port_name=target.wwpn,
                                      port_id=target.port_id)  # fmt: skip
            state.rports[target.wwpn] = rport
            assert rport.target is not None
            state.target_ids[int(rport.target.rpartition(":")[2])] = target.wwpn
            if send is not None:
                send("add", f"{rport.path.relative_to(builder.sys)}/{rport.target}")
        if auto_scan:
            self._scan(state, None, None, None, send)

    def _scan(
        self, state: _Host, channel: int | None, target_id: int | None, lun: int | None,
        send: Send | None,
    ) -> None:  # fmt: skip
        now = time.monotonic()
        seen = {t.wwpn: luns for t, luns in self.seen_by(state.initiator)}
        for tid, port in sorted(state.target_ids.items()):
            if target_id is not None and tid != target_id:
                continue
            for u in seen.get(port, []):
                if lun is not None and u.number != lun:
                    continue
                if (port, u.number) in state.found or now < state.login + u.delay:
                    continue
                if u.after_lip and not state.lip:
                    continue
                self._add_lun(state, self.targets[port], u, send)
        del channel  # one channel, 0: checked by the caller

    def _add_lun(
        self, state: _Host, target: FabricTarget, lun: FabricLun, send: Send | None
    ) -> None:
        builder = self._builder
        assert builder is not None and self._disks is not None
        state.found.add((target.wwpn, lun.number))
        files: dict[str, str | bytes | None] = {
            "vpd_pg83": vpd_pg83(lun, target),
            "vpd_pg80": vpd_pg80(lun),
            "wwid": lun.wwid if self.kernel_wwid else None,
        }
        disk = self._disk_name() if lun.type == 0 else None
        sg = None
        if self.generic:
            sg, self._next_sg = self._next_sg, self._next_sg + 1
        path = builder.add_lun(state.rports[target.wwpn], lun.number, type=lun.type,
                               vendor=lun.vendor, model=lun.model, rev=lun.rev, block=disk,
                               sectors=lun.sectors, files=files, sg=sg,
                               serial=lun.udev_id if self.udev else None)  # fmt: skip
        rel = str(path.relative_to(builder.sys))
        if send is not None:
            send("add", rel)
            if sg is not None:
                send("add", f"{rel}/scsi_generic/sg{sg}")
        if disk is None:
            return
        disk_rel = f"{rel}/block/{disk}"
        if send is not None:
            send("add", disk_rel)
        if self.multipath:
            dm = self._hold(lun, disk, disk_rel, send)
            self._dev_links(lun, f"../../{dm}")
        else:
            self._dev_links(lun, f"../../{disk}")

    def _disk_name(self) -> str:
        """The next ``sdX`` name not in use (``sda``…``sdz``, ``sdaa``…), as the kernel
        hands them out (a name freed is not taken again here)."""
        assert self._disks is not None
        n = self._next_disk
        while True:
            name, k = "", n
            while True:
                name = chr(ord("a") + k % 26) + name
                k = k // 26 - 1
                if k < 0:
                    break
            n += 1
            if f"sd{name}" not in self._disks:
                self._disks.add(f"sd{name}")
                self._next_disk = n
                return f"sd{name}"

    def _hold(self, lun: FabricLun, disk: str, disk_rel: str, send: Send | None) -> str:
        """The LUN's multipath map, made on its first path, now holding ``disk`` too."""
        builder = self._builder
        assert builder is not None
        tree = builder.tree
        dm = self._maps.get(lun.wwid)
        rel = f"devices/virtual/block/{dm}"
        if dm is None:
            dm = self._maps[lun.wwid] = f"dm-{self._next_dm}"
            self._next_dm += 1
            rel = f"devices/virtual/block/{dm}"
            tree.ensure_dir("devices/virtual/block")
            name = lun.alias or lun.udev_id
            uevent = f"MAJOR=253\nMINOR={dm[3:]}\nDEVNAME={dm}\nDEVTYPE=disk\n"
            tree.device(rel, {"uevent": uevent.encode(), "dev": f"253:{dm[3:]}\n".encode(),
                              "size": f"{lun.sectors}\n".encode(), "ro": b"0\n",
                              "dm/name": f"{name}\n".encode(),
                              "dm/uuid": f"mpath-{lun.udev_id}\n".encode(),
                              "dm/suspended": b"0\n"}, subsystem="class/block")  # fmt: skip
            tree.mkdir(f"{rel}/slaves")
            tree.mkdir(f"{rel}/holders")
            tree.ensure_dir("class/block")
            tree.link(f"class/block/{dm}", rel)
            mapper = builder.root / "dev" / "mapper"
            mapper.mkdir(parents=True, exist_ok=True)
            _symlink(mapper / name, f"../{dm}")
            by_id = builder.root / "dev" / "disk" / "by-id"
            by_id.mkdir(parents=True, exist_ok=True)
            _symlink(by_id / f"dm-name-{name}", f"../../{dm}")
            _symlink(by_id / f"dm-uuid-mpath-{lun.udev_id}", f"../../{dm}")
            if send is not None:
                send("add", rel)
        tree.link(f"{rel}/slaves/{disk}", disk_rel)
        tree.ensure_dir(f"{disk_rel}/holders")
        tree.link(f"{disk_rel}/holders/{dm}", rel)
        return dm

    def _dev_links(self, lun: FabricLun, target: str) -> None:
        """udev's ``/dev/disk/by-id`` links of the LUN: ``wwn-0x…`` (NAA) and ``scsi-3…``."""
        builder = self._builder
        assert builder is not None
        by_id = builder.root / "dev" / "disk" / "by-id"
        by_id.mkdir(parents=True, exist_ok=True)
        kind, _, digits = lun.wwid.partition(".")
        if kind == "naa":
            _symlink(by_id / f"wwn-0x{digits}", target)
        _symlink(by_id / f"scsi-{lun.udev_id}", target)

    def _disks_below(self, host: Path) -> list[str]:
        found = []
        for dirpath, dirnames, _ in os.walk(host):
            if os.path.basename(dirpath) == "block":
                found += [d for d in dirnames if d.startswith("sd")]
        return found

    def _drop_disk(self, sd: str) -> None:
        builder = self._builder
        assert builder is not None and self._disks is not None
        self._disks.discard(sd)
        by_id = builder.root / "dev" / "disk" / "by-id"
        for wwid, dm in list(self._maps.items()):
            rel = builder.sys / "devices" / "virtual" / "block" / dm
            slave = rel / "slaves" / sd
            if slave.is_symlink():
                slave.unlink()
            if not any((rel / "slaves").iterdir()):
                del self._maps[wwid]
                for link in [*(by_id.iterdir() if by_id.is_dir() else ()),
                             *(builder.root / "dev" / "mapper").iterdir()]:  # fmt: skip
                    if link.is_symlink() and os.readlink(link).endswith(f"/{dm}"):
                        link.unlink()
                (builder.sys / "class" / "block" / dm).unlink(missing_ok=True)
                shutil.rmtree(rel)
        if by_id.is_dir():
            for link in by_id.iterdir():
                if link.is_symlink() and os.readlink(link) == f"../../{sd}":
                    link.unlink()


def _symlink(path: Path, target: str) -> None:
    """``path`` -> ``target``, replacing a link there (udev moves links the same way)."""
    if path.is_symlink():
        path.unlink()
    path.symlink_to(target)
