"""The library's exceptions: one narrow hierarchy, each error carrying what failed."""

from __future__ import annotations


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


class VHBAError(NodedevXmlError):
    """A vHBA could not be created or deleted: one line saying why.

    ``errno`` is the kernel's error number when a write to sysfs was refused
    (``errno.ENOSPC``, ``errno.ENOTUNIQ``, ...), else ``None``."""

    def __init__(self, message: str, *, errno: int | None = None) -> None:
        super().__init__(message)
        self.errno = errno


class _WhereError(NodedevXmlError):
    """An error about one file (and line): ``SOURCE[:LINE]: message``, one line."""

    def __init__(self, message: str, *, source: str | None = None, line: int | None = None):
        self.message = message
        self.source = source
        self.line = line
        where = f"{source}:{line}: " if source and line else f"{source}: " if source else ""
        super().__init__(f"{where}{message}")


class DefinitionError(_WhereError):
    """A persistent vHBA definition is malformed, missing, or cannot be saved.

    ``source`` names the definition's file where there is one, ``line`` the line."""


class PoolError(_WhereError):
    """A libvirt storage pool document cannot be migrated or made: not a ``scsi``
    pool with an ``fc_host`` adapter, or an argument that does not fit it."""
