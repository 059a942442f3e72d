"""The library's exceptions: one narrow hierarchy, each error carrying what failed."""

from __future__ import annotations

from enum import StrEnum


class NodedevXmlError(Exception):
    """Base of every error nodedev-xml raises on purpose."""


class WWNError(NodedevXmlError, ValueError):
    """A string is not a world wide name."""

    def __init__(self, text: str, reason: str = "expected 16 hex digits") -> None:
        super().__init__(f"invalid WWN {text!r}: {reason}")
        self.text = text


class PCIAddressError(NodedevXmlError, ValueError):
    """A string is not a PCI address."""

    def __init__(self, text: str) -> None:
        super().__init__(f"invalid PCI address {text!r}: expected DDDD:BB:SS.F")
        self.text = text


class XMLInputError(NodedevXmlError):
    """An XML document could not be read: not well-formed, hostile or not a node device.

    ``source`` names the file (or ``<string>``), ``line`` the line where known.
    """

    def __init__(self, message: str, *, source: str = "<string>", line: int | None = None) -> None:
        self.source = source
        self.line = line
        self.message = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class ValidationError(NodedevXmlError):
    """A document does not match the schema; ``problems`` holds every (line, message)."""

    def __init__(self, problems: list[tuple[int, str]], *, source: str = "<string>") -> None:
        if not problems:
            problems = [(0, "document is not valid")]
        self.problems = problems
        self.source = source
        self.line, self.message = problems[0]
        super().__init__(f"{source}:{self.line}: {self.message}")


class DeviceNotFoundError(NodedevXmlError, KeyError):
    """No node device of that name in the inventory."""

    def __init__(self, name: str, hint: str | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.hint = hint  # the node-device name meant, when ``name`` is a sysfs name

    def __str__(self) -> str:
        also = f" (did you mean {self.hint}?)" if self.hint else ""
        return f"no node device named {self.name!r}{also}"


class SysfsError(NodedevXmlError):
    """sysfs cannot be read at all (no such root, not a sysfs tree)."""


class Refusal(StrEnum):
    """Why a vHBA action was refused or failed, for tools that must not parse messages:
    ``VHBAError.reason`` (its value is a stable code such as ``"full"``)."""

    #: the parent, vHBA, vport or definition named does not exist
    NOT_FOUND = "not_found"
    #: the parent is not a Fibre Channel HBA, or cannot make vports
    NOT_VPORT_CAPABLE = "not_vport_capable"
    #: the parent's port is not Online
    LINKDOWN = "linkdown"
    #: the parent is not logged in to a fabric
    NO_FABRIC = "no_fabric"
    #: the parent has no room for another vport
    FULL = "full"
    #: a vport counter of the parent cannot be read
    UNREADABLE = "unreadable"
    #: a given WWNN or WWPN is already used on the host
    WWN_IN_USE = "wwn_in_use"
    #: a given WWNN or WWPN is not a usable name (0, all ones, WWNN equal to WWPN)
    WWN_INVALID = "wwn_invalid"
    #: the named device is not a vHBA (delete)
    NOT_A_VHBA = "not_a_vhba"
    #: another nodedev-xml held the lock until the deadline
    LOCKED = "locked"
    #: the deadline passed (before the write: nothing written)
    TIMEOUT = "timeout"
    #: the kernel refused the write (``errno`` says how)
    KERNEL = "kernel"
    #: the fabric refused the vport (``Fabric Rejected WWN``, ...)
    FABRIC = "fabric"
    #: a signal (SIGINT, SIGTERM, SIGHUP) ended the action
    INTERRUPTED = "interrupted"
    #: a LUN of the vHBA is in use (mounted, held, open): ``--force`` to delete anyway
    IN_USE = "in_use"
    #: the vHBA runs already (nothing done)
    RUNNING = "running"
    #: a malformed or contradictory request
    BAD_REQUEST = "bad_request"


class VHBAError(NodedevXmlError):
    """A vHBA could not be created or deleted: one line saying why.

    ``errno`` is the kernel's error number when a write to sysfs was refused
    (``errno.ENOSPC``, ``errno.ENOTUNIQ``, ...), else ``None``; ``reason`` a
    :class:`Refusal` when the cause is one of its kinds.  ``written`` says
    whether anything was written to the kernel before the error."""

    def __init__(
        self,
        message: str,
        *,
        errno: int | None = None,
        reason: Refusal | None = None,
        written: bool = False,
    ) -> None:
        super().__init__(message)
        self.errno = errno
        self.reason = reason if reason is not None else (Refusal.KERNEL if errno else None)
        self.written = written


class VHBANotFoundError(VHBAError, DeviceNotFoundError):
    """No such parent, vHBA or vport: a :class:`DeviceNotFoundError` too (exit code 1)."""

    def __init__(self, message: str, name: str, hint: str | None = None) -> None:
        VHBAError.__init__(self, message, reason=Refusal.NOT_FOUND)
        self.name = name
        self.hint = hint
        self.args = (message,)

    def __str__(self) -> str:
        also = f" (did you mean {self.hint}?)" if self.hint else ""
        return f"{self.args[0]}{also}"


class VHBAInterrupted(VHBAError):
    """A signal ended a vHBA action; ``signal`` is its number.  The message says
    what became of a vport already written (deleted again, or how to delete it)."""

    def __init__(self, message: str, signal: int, *, written: bool = False) -> None:
        super().__init__(message, reason=Refusal.INTERRUPTED, written=written)
        self.signal = signal


class _WhereError(NodedevXmlError):
    """An error about one file (and line): ``SOURCE[:LINE]: message``, one line;
    ``reason`` a :class:`Refusal` where a subclass says it gives one."""

    def __init__(
        self,
        message: str,
        *,
        source: str | None = None,
        line: int | None = None,
        reason: Refusal | None = None,
    ) -> None:
        self.message = message
        self.source = source
        self.line = line
        self.reason = reason
        where = f"{source}:{line}: " if source and line else f"{source}: " if source else ""
        super().__init__(f"{where}{message}")


class DefinitionError(_WhereError):
    """A persistent vHBA definition is malformed, missing, or cannot be saved.

    ``source`` names the definition's file where there is one, ``line`` the line;
    ``reason`` a :class:`Refusal` when a change was refused for one of its kinds
    (``wwn_in_use``, ``wwn_invalid``, ``locked``, ``not_found``)."""


class DefinitionNotFoundError(DefinitionError, DeviceNotFoundError):
    """No definition of that name in the state directory (exit code 1)."""

    def __init__(self, message: str, name: str) -> None:
        DefinitionError.__init__(self, message, reason=Refusal.NOT_FOUND)
        self.name = name
        self.hint = None
        self.args = (message,)

    def __str__(self) -> str:
        return str(self.args[0])


class PoolError(_WhereError):
    """A libvirt storage pool document cannot be migrated or made: not a ``scsi``
    pool with an ``fc_host`` adapter, or an argument that does not fit it.

    ``reason`` a :class:`Refusal` when the destination host refused it
    (``not_vport_capable``: no such vport-capable parent; ``wwn_in_use``)."""


class LibvirtConnectionError(NodedevXmlError):
    """A libvirt connection could not be used: libvirt-python is missing, the URI
    cannot be opened, or a call on it failed (the connection dropped, an object is
    gone).  One line naming the URI and libvirt's own message; ``code`` is
    libvirt's error code (``VIR_ERR_*``) when libvirt gave one."""

    def __init__(self, message: str, *, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class MigrationError(NodedevXmlError):
    """A vHBA pool could not be migrated: one line saying which step failed on which
    host, what was undone on the destination, and that the source was not touched."""
