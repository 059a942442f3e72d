"""Helpers for the hostile-sysfs tests: a standard host to spoil, a file access
that fails or deletes on cue, and the checks every scan must pass.

The standard host (:func:`build_standard`, first host 5):

- ``0000:00:03.0``, an Intel root port, above a QLogic QLE2562 card;
- ``0000:04:00.0`` / ``host5``: Online, on a fabric, with the vports
  ``vport-5:0-0`` (vHBA ``host7``), ``vport-5:0-1`` (vHBA ``host8``) and
  ``vport-5:0-2`` (Initializing, no Scsi_Host yet), and a remote target port
  ``rport-5:0-0`` with ``target5:0:0``;
- ``0000:04:00.1`` / ``host6``: Linkdown;
- a ``pci.ids`` under the root, so that no name is looked up outside it.

It scans without a single warning; each test spoils one thing.
"""

from __future__ import annotations

import errno
import os
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from invariants import check_inventory
from lxml import etree

import nodedev_xml as nx
from nodedev_xml.sysfs.access import MAX_ATTR_BYTES, FileAccess, OSFileAccess
from nodedev_xml.testing import (
    FCHostSpec,
    PCIFunctionSpec,
    RemotePortSpec,
    SysfsBuilder,
    VportSpec,
)
from nodedev_xml.validation import validate  # not nx.validate: see the report on shadowing
from nodedev_xml.xml.document import to_xml

PROFILES = ("enriched", "libvirt")
ERRNOS = (errno.EACCES, errno.EIO, errno.EINVAL)
SENTINEL = "SENTINEL-4f1c9e"  # written outside the root: must never show up
SENTINEL_WWN = 0x5_00A0B8_4F1C9E01

#: What a warning's ``device`` may be: a node device, a vport, or a sysfs entry.
DEVICE_NAME = re.compile(
    r"scsi_host[0-9]+|pci_[0-9a-f]{4,8}_[0-9a-f]{2}_[0-9a-f]{2}_[0-7]|vport-[0-9]+:[0-9]+-[0-9]+"
    r"|scsi_target[0-9]+_[0-9]+_[0-9]+|scsi_[0-9]+_[0-9]+_[0-9]+_[0-9]+|/sys/(class/[a-z_]+|bus/scsi/devices)(/\S.*)?"
)


@dataclass
class Standard:
    root: Path
    builder: SysfsBuilder
    bridge: PCIFunctionSpec
    card: PCIFunctionSpec  # 0000:04:00.0
    card1: PCIFunctionSpec  # 0000:04:00.1
    hba: FCHostSpec  # host5
    linkdown: FCHostSpec  # host6
    v0: VportSpec  # vport-5:0-0, vHBA host7
    v1: VportSpec  # vport-5:0-1, vHBA host8
    v2: VportSpec  # vport-5:0-2, no Scsi_Host
    rport: RemotePortSpec

    @property
    def sys(self) -> Path:
        return self.root / "sys"

    @property
    def vhba7(self) -> FCHostSpec:
        assert self.v0.host is not None
        return self.v0.host

    @property
    def vhba8(self) -> FCHostSpec:
        assert self.v1.host is not None
        return self.v1.host

    def fc(self, host: FCHostSpec) -> Path:
        return host.path / "fc_host" / host.name

    def sh(self, host: FCHostSpec) -> Path:
        return host.path / "scsi_host" / host.name

    def vp(self, vport: VportSpec) -> Path:
        return vport.path / "fc_vports" / vport.name

    def rp(self) -> Path:
        return self.rport.path / "fc_remote_ports" / self.rport.name

    def class_entry(self, cls: str, name: str) -> Path:
        return self.sys / "class" / cls / name


def build_standard(root: Path) -> Standard:
    b = SysfsBuilder(root, first_host=5)
    bridge = b.add_bridge("0000:00:03.0")
    cards = [
        b.add_pci_function(f"0000:04:00.{fn}", vendor=0x1077, device=0x2532,
                           subsystem=(0x1077, 0x015D), driver="qla2xxx", parent=bridge)
        for fn in (0, 1)
    ]  # fmt: skip
    hba = b.add_fc_host(cards[0], "qla2xxx", node_name=0x2000001B32A9DA4E,
                        port_name=0x2100001B32A9DA4E, port_id=0x010200)  # fmt: skip
    linkdown = b.add_fc_host(cards[1], "qla2xxx", node_name=0x2000001B32A9DA4F,
                             port_name=0x2100001B32A9DA4F, port_state="Linkdown")  # fmt: skip
    v0 = b.add_vport(hba, node_name=0x2001001B32A9DA4E, port_name=0x2101001B32A9DA4E)
    v1 = b.add_vport(hba, node_name=0x2002001B32A9DA4E, port_name=0x2102001B32A9DA4E)
    v2 = b.add_vport(hba, node_name=0x2003001B32A9DA4E, port_name=0x2103001B32A9DA4E,
                     state="Initializing", with_host=False)  # fmt: skip
    rport = b.add_rport(hba, node_name=0x2FF70002AC0123F0, port_name=0x21010002AC0123F0,
                        port_id=0x010400)  # fmt: skip
    b.write_pci_ids()
    return Standard(root, b, bridge, cards[0], cards[1], hba, linkdown, v0, v1, v2, rport)


def build_outside(base: Path) -> Path:
    """A directory beside the root, laid out like a host (``host9``) and holding the
    sentinel everywhere: nothing of it may ever be read."""
    out = base / "outside"
    sh = out / "host9" / "scsi_host" / "host9"
    fc = out / "host9" / "fc_host" / "host9"
    vp = out / "vport-5:0-9" / "fc_vports" / "vport-5:0-9"
    for d in (sh, fc, vp):
        d.mkdir(parents=True, exist_ok=True)
    (sh / "unique_id").write_text("424242\n")
    (sh / "model_name").write_text(SENTINEL + "\n")
    for d in (fc, vp):
        (d / "node_name").write_text(f"0x{SENTINEL_WWN:x}\n")
        (d / "port_name").write_text(f"0x{SENTINEL_WWN:x}\n")
    (fc / "symbolic_name").write_text(SENTINEL + "\n")
    (vp / "vport_state").write_text("Active\n")
    (out / "sentinel").write_text(SENTINEL + "\n")
    ids = out / "pci.ids"
    ids.write_text(f"1077  {SENTINEL} Corp.\n\t2532  {SENTINEL} HBA\n")
    return out


def replace_file(path: Path, content: bytes | str) -> None:
    """Put ``content`` where ``path`` was: bytes, or ``"dir"`` (a directory),
    ``"fifo"``, ``"loop"`` (a link to itself) or ``"dangling"`` (a link to nothing)."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content == "dir":
        path.mkdir()
        (path / "inside").write_text("0x1\n")
    elif content == "fifo":
        os.mkfifo(path)
    elif content == "loop":
        path.symlink_to(path.name)
    elif content == "dangling":
        path.symlink_to("no-such-attribute")
    else:
        raise ValueError(content)


class HostileAccess:
    """A :class:`FileAccess` over the real file system that records every call,
    raises a real ``OSError`` for chosen paths, and runs a hook (say, deleting a
    device) just before a chosen path is touched, once."""

    def __init__(self, inner: FileAccess | None = None) -> None:
        self.inner: FileAccess = inner or OSFileAccess()
        self.calls: list[tuple[str, str]] = []
        self.errors: dict[str, int] = {}
        self.hooks: dict[str, Callable[[], None]] = {}

    def fail(self, path: str | Path, code: int) -> HostileAccess:
        self.errors[str(path)] = code
        return self

    def before(self, path: str | Path, hook: Callable[[], None]) -> HostileAccess:
        self.hooks[str(path)] = hook
        return self

    def _enter(self, op: str, path: str) -> None:
        self.calls.append((op, path))
        hook = self.hooks.pop(path, None)
        if hook is not None:
            hook()
        code = self.errors.get(path)
        if code is not None:
            raise OSError(code, os.strerror(code), path)

    def read(self, path: str, limit: int = MAX_ATTR_BYTES) -> bytes:
        self._enter("read", path)
        return self.inner.read(path, limit)

    def listdir(self, path: str) -> list[str]:
        self._enter("listdir", path)
        return self.inner.listdir(path)

    def readlink(self, path: str) -> str:
        self._enter("readlink", path)
        return self.inner.readlink(path)

    def exists(self, path: str) -> bool:
        self._enter("exists", path)
        return self.inner.exists(path)

    def touched(self, op: str | None = None) -> list[str]:
        return [p for o, p in self.calls if op is None or o == op]


def scan(root: Path, fs: FileAccess | None = None) -> nx.Inventory:
    return nx.scan(str(root), fs=fs)


def lines(inv: nx.Inventory) -> list[str]:
    return [str(w) for w in inv.warnings]


def documents(inv: nx.Inventory) -> Iterator[tuple[str, str, str]]:
    """``(device name, profile, document)`` for every device in both profiles."""
    for dev in inv.values():
        for profile in PROFILES:
            yield dev.name, profile, to_xml(dev, profile)


def check_all(inv: nx.Inventory) -> None:
    """The scan's output is sound: every document validates in its profile (and
    against libvirt's own schema where installed), the vport lists and phys_hba
    links agree, each warning names a device, and nothing came from outside."""
    check_inventory(inv)
    libvirt = _libvirt_schema()
    for name, profile, xml in documents(inv):
        validate(xml, profile=profile, source=f"{name} ({profile})")
        if profile == "libvirt" and libvirt is not None:
            assert libvirt.validate(etree.fromstring(xml)), (name, libvirt.error_log.last_error)
        assert SENTINEL not in xml and f"{SENTINEL_WWN:016x}" not in xml, name
    for w in inv.warnings:
        assert DEVICE_NAME.fullmatch(w.device), f"warning names no device: {w}"
        assert "\n" not in str(w) and str(w).isprintable(), repr(str(w))


_LIBVIRT_RNG = Path("/usr/share/libvirt/schemas/nodedev.rng")
_libvirt_cache: list[etree.RelaxNG | None] = []


def _libvirt_schema() -> etree.RelaxNG | None:
    if not _libvirt_cache:
        ok = _LIBVIRT_RNG.exists()
        _libvirt_cache.append(etree.RelaxNG(etree.parse(str(_LIBVIRT_RNG))) if ok else None)
    return _libvirt_cache[0]


@contextmanager
def opened_paths() -> Iterator[list[str]]:
    """Every path the process ``open``s while the block runs (an audit hook: this
    sees ``os.open`` and ``open()`` alike, whatever reads the file)."""
    seen: list[str] = []
    _AUDIT.append(seen)
    try:
        yield seen
    finally:
        _AUDIT.remove(seen)


_AUDIT: list[list[str]] = []


def _hook(event: str, args: tuple[Any, ...]) -> None:
    if _AUDIT and event == "open" and isinstance(args[0], str | bytes):
        path = os.fsdecode(args[0])
        for seen in _AUDIT:
            seen.append(path)


sys.addaudithook(_hook)


def vport_names(inv: nx.Inventory, hba: str = "scsi_host5") -> list[tuple[str | None, str | None]]:
    """``(vHBA name, WWPN)`` of each vport the HBA lists."""
    cap = inv[hba].scsi_host
    assert cap is not None and cap.vports is not None
    return [(v.name, str(v.wwpn) if v.wwpn else None) for v in cap.vports.vports]
