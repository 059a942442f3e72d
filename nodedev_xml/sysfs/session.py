"""One scan's reads: the source, the warnings, what vanished, and a scope per device.

A :class:`ReadSession` is made for one scan and handed to discovery and to the
builders; nothing of a scan is kept anywhere else.  Each device is read in its
own :class:`DeviceScope`: its warnings name the device, and the scope keeps the
first read that failed, so that once the device is read it can tell a device
that is gone (one warning for the device) from an attribute that is bad (one
warning for the attribute).
"""

from __future__ import annotations

import errno
import re
from collections.abc import Callable, Collection
from dataclasses import replace
from typing import TypeVar

from ..model.warnings import ScanWarning
from .source import Source, errname

#: A driver's name (the ``driver`` link's basename): printable ASCII, no blank.
_DRIVER = re.compile(r"[!-~]{1,64}")

T = TypeVar("T")


class ReadSession:
    """The state of one scan of one source: its warnings, in the order they arose,
    and the names of the devices found that were gone when read (``vanished``)."""

    __slots__ = ("source", "vanished", "warnings")

    def __init__(self, source: Source) -> None:
        self.source = source
        self.warnings: list[ScanWarning] = []
        self.vanished: set[str] = set()

    def warn(
        self, device: str, attribute: str | None, message: str, host: int | None = None
    ) -> None:
        """One warning about ``device`` (of the Scsi_Host ``host``, if it is one's)."""
        self.warnings.append(ScanWarning(_shown(device), attribute, message, host))

    def device(self, name: str, host: int | None = None) -> DeviceScope:
        """A scope for reading the device ``name`` (a node device or a vport; of the
        Scsi_Host ``host``, if it is one's: see :class:`ScanWarning`)."""
        return DeviceScope(self, name, host)


class DeviceScope:
    """The reads of one device.  :meth:`attr` reads and converts; :meth:`lost`,
    once the device is read, says whether it is gone."""

    __slots__ = ("_read", "failed", "host", "mark", "name", "session")

    def __init__(self, session: ReadSession, name: str, host: int | None = None) -> None:
        self.session = session
        self.name = name
        self.host = host
        self._read = session.source.read
        #: errno of the first read that failed; a failure may mean the device is gone
        self.failed: int | None = None
        self.mark = len(session.warnings)  # the warnings this scope gave start here

    def warn(self, attribute: str | None, message: str) -> None:
        self.session.warn(self.name, attribute, message, self.host)

    def attr(
        self,
        dev: str,
        attr: str,
        convert: Callable[[str], T | None],
        *,
        label: str | None = None,
        optional: bool = True,
        may_lack: bool = False,
    ) -> T | None:
        """Read attribute ``attr`` of ``dev`` and convert it; ``None`` (and a warning
        labelled ``label``, unless it is an optional attribute that is simply
        absent) when it cannot be used.

        Any failed read is remembered for :meth:`lost`, except the absence of an
        attribute that devices may lack (``may_lack``: it says nothing of the device)."""
        try:
            raw = self._read(dev, attr)
        except FileNotFoundError:
            if self.failed is None and not may_lack:
                self.failed = errno.ENOENT
            if not optional:
                self.warn(label or attr, "missing")
            return None
        except OSError as e:
            if self.failed is None:
                self.failed = e.errno or errno.EIO
            self.warn(label or attr, unreadable(e))
            return None
        try:
            text = raw.decode("utf-8").strip()  # the trailing newline and any blanks
        except UnicodeDecodeError:
            self.warn(label or attr, "not UTF-8 text")
            return None
        try:
            return convert(text)
        except ValueError as e:
            shown = text if len(text) <= 40 else text[:37] + "..."
            self.warn(label or attr, f"{shown!r}: {e}")
            return None

    def raw(self, dev: str, attr: str, *, may_lack: bool = False) -> bytes | None:
        """Attribute ``attr`` of ``dev`` as bytes (a binary file: ``config``); ``None``
        and a warning when it cannot be read, ``None`` alone when it is absent.  A
        failed read counts for :meth:`lost` as :meth:`attr`'s do."""
        try:
            return self._read(dev, attr)
        except FileNotFoundError:
            if self.failed is None and not may_lack:
                self.failed = errno.ENOENT
            return None
        except OSError as e:
            if self.failed is None:
                self.failed = e.errno or errno.EIO
            self.warn(attr, unreadable(e))
            return None

    def driver(self, dev: str) -> str | None:
        """The name of the driver bound to ``dev``: the last name of its ``driver``
        link, which is never followed (where it points does not matter, its last
        name does); ``None`` when none is bound or the name is no driver's."""
        try:
            target = self.session.source.link(dev, "driver")
        except FileNotFoundError:
            return None  # no driver bound
        except OSError as e:
            self.failed_with(e)
            self.warn("driver", f"not a link ({errname(e)})")
            return None
        driver = target.rpartition("/")[2]
        if not _DRIVER.fullmatch(driver) or driver in (".", ".."):
            self.warn("driver", f"{driver[:40]!r}: expected a driver name")
            return None
        return driver

    def failed_with(self, e: OSError) -> None:
        """A read other than :meth:`attr`'s failed with ``e`` (say, a link's)."""
        if self.failed is None:
            self.failed = e.errno or errno.EIO

    def part(self) -> DeviceScope:
        """A scope for a part of this device (its ``fc_host`` directory, say) that
        may be unreachable on its own; :meth:`absorb` it when it is read."""
        return DeviceScope(self.session, self.name, self.host)

    def absorb(self, part: DeviceScope) -> None:
        """Count a part's failed read as this device's, unless one failed before."""
        if self.failed is None:
            self.failed = part.failed

    def lost(self, dev: str) -> str | None:
        """After the device's reads: if one failed and ``dev`` cannot be reached any
        more, drop the warnings its reads gave and say why in one phrase; else
        ``None``.  Costs one look-up, only after a failed read."""
        if self.failed is None or self.session.source.reachable(dev):
            return None
        del self.session.warnings[self.mark :]
        if self.failed == errno.ENOENT:
            return "vanished during the scan"
        if self.failed == errno.EXDEV:
            return f"cannot be read: {OUTSIDE}"
        return f"cannot be read ({errno.errorcode.get(self.failed, str(self.failed))})"

    def relabel(self, attribute: str) -> None:
        """Say this scope's warnings of ``attribute`` instead (a whole directory
        that could not be read, not the one file that showed it)."""
        warnings = self.session.warnings
        for i in range(self.mark, len(warnings)):
            warnings[i] = replace(warnings[i], attribute=attribute)

    def amend(self, attributes: Collection[str | None], suffix: str) -> None:
        """Add ``suffix`` to this scope's warnings of ``attributes``."""
        warnings = self.session.warnings
        for i in range(self.mark, len(warnings)):
            w = warnings[i]
            if w.attribute in attributes:
                warnings[i] = replace(w, message=f"{w.message}{suffix}")


#: What a path that leads out of the root is (``EXDEV`` from :mod:`.beneath`).
OUTSIDE = "leads outside the root (a link on the way); not read"


def unreadable(e: OSError) -> str:
    """The warning for a read that failed with ``e``."""
    return OUTSIDE if e.errno == errno.EXDEV else f"unreadable ({errname(e)})"


def _shown(name: str) -> str:
    """A name found in sysfs as a warning may show it: on one line, escaped unless
    printable (it may hold newlines, escape sequences or undecodable bytes)."""
    if name.isprintable() and len(name) <= 200:
        return name
    return name[:200].encode("unicode_escape", "backslashreplace").decode("ascii")
