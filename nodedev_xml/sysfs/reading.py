"""Read one sysfs root: attribute files, class links, and the warnings they give.

:class:`SysfsReader` is the state and the reads every part of the scan shares; the
modules beside it (:mod:`.hosts`, :mod:`.pci`, :mod:`.targets`, :mod:`.names`) add
what each kind of device needs, and :class:`~.scan.Scanner` combines them.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import SysfsError
from ..model.warnings import ScanWarning
from .access import FileAccess, OSFileAccess
from .pciids import PCIIds

T = TypeVar("T")

# Numbers as the kernel prints them (%u): no sign, no leading zero, so that no two
# spellings ("host5", "host05") name one device.
KERNEL_NUMBER = r"(0|[1-9][0-9]{0,8})"


@dataclass
class SysfsReader:
    """The state of one scan of one root, and the reads all its parts share."""

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
            self.warn(device, label or name, f"unreadable ({errname(e)})")
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
        (it becomes a ``<path>``); else a warning and ``None``.  Nothing is followed.
        An absolute target is taken inside the root, as a chroot would take it."""
        if target.startswith("/"):
            resolved = os.path.normpath(os.path.join(self.root, target.lstrip("/")))
        else:
            resolved = _join_link(link_dir, target)
        if not resolved.startswith(self._devices):
            self.warn(where, None, "link points outside sys/devices; not followed")
            return None
        if not resolved.isprintable():
            self.warn(where, None, f"link target {target!r} is not printable text")
            return None
        return resolved

    def require_sysfs(self) -> None:
        """Raise :class:`SysfsError` unless the root holds a ``sys/`` directory."""
        if not os.path.isdir(self._sys):
            raise SysfsError(f"{self.root}: no sys/ directory here (not a sysfs root)")

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
            self.warn(f"/sys/class/{cls}", None, f"cannot list ({errname(e)})")
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
                self.warn(where, None, f"not a class link ({errname(e)})")
                continue
            resolved: str | None = _join_link(cdir, target)
            if not (resolved and resolved.startswith(self._devices) and resolved.isprintable()):
                resolved = self._resolve(where, cdir, target)  # an absolute link, or says why not
            if resolved is not None:
                out.append((name, resolved))
        return out


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


def errname(e: OSError) -> str:
    return errno.errorcode.get(e.errno or 0, str(e.errno)) if e.errno else str(e)


def _shown(name: str) -> str:
    """A name found in sysfs as a warning may show it: on one line, escaped unless
    printable (it may hold newlines, escape sequences or undecodable bytes)."""
    if name.isprintable() and len(name) <= 200:
        return name
    return name[:200].encode("unicode_escape", "backslashreplace").decode("ascii")
