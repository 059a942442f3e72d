"""Converters from raw sysfs attribute text to typed values.

Each converter takes the attribute's text (already decoded, trailing newline
removed) and returns the value or raises ``ValueError`` with what was expected;
the scanner turns that into a warning and leaves the field out.
"""

from __future__ import annotations

import re

from ..wwn import WWN

_UINT = re.compile(r"[0-9]{1,10}")
_INT = re.compile(r"0|[1-9][0-9]{0,8}")
_PORT_ID = re.compile(r"0x[0-9a-fA-F]{1,6}")
_SPEED = re.compile(r"[0-9]{1,4} Gbit")
_HEX_ID = re.compile(r"0x[0-9a-fA-F]{1,4}")
_CLASS = re.compile(r"0x[0-9a-fA-F]{1,6}")
_SECTORS = re.compile(r"0|[1-9][0-9]{0,15}")  # at most 2^53 sectors: bytes fit 64 bits
_SCSI_TYPE = re.compile(r"-?(0|[1-9][0-9]{0,9})")
# strtol(3) with base 0: leading white space, a sign, then 0x hex, 0 octal or decimal
_C_INT = re.compile(r"[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)")
UINT32_MAX = 0xFFFFFFFF

# Value sets the FC transport class prints (drivers/scsi/scsi_transport_fc.c).
PORT_STATES = frozenset(
    {
        "Unknown", "Not Present", "Online", "Offline", "Blocked", "Bypassed",
        "Diagnostics", "Linkdown", "Error", "Loopback", "Deleted", "Marginal",
    }
)  # fmt: skip
PORT_TYPES = frozenset(
    {
        "Unknown", "Other", "Not Present", "NPort (fabric via point-to-point)",
        "NLPort (fabric via loop)", "LPort (private loop)",
        "Point-To-Point (direct nport connection)", "NPIV VPORT",
    }
)  # fmt: skip
VPORT_STATES = frozenset(
    {
        "Unknown", "Active", "Disabled", "Linkdown", "Initializing", "No Fabric Support",
        "No Fabric Resources", "Fabric Logout", "Fabric Rejected WWN", "VPort Failed",
    }
)  # fmt: skip
SPEED_WORDS = frozenset({"unknown", "Not Negotiated"})


def wwn(text: str) -> WWN:
    return WWN.parse(text)


def uint(text: str) -> int:
    """A ``%u`` value that fits libvirt's unsignedInt."""
    if not _UINT.fullmatch(text) or int(text) > UINT32_MAX:
        raise ValueError("expected an unsigned decimal number")
    return int(text)


def c_int(text: str) -> int:
    """An ``int`` as libvirt reads one with ``virStrToLong_i(text, NULL, 0, ...)``
    (udev's ``ID_CDROM_MEDIA``, a block device's ``removable``): C's ``strtol`` with
    base 0 (``0x`` hex, ``0`` octal, else decimal; leading white space and a sign
    allowed), the whole text used, the value within 32 bits."""
    value = _c_integer(text)
    if not -(2**31) <= value < 2**31:
        raise ValueError("expected an integer within 32 bits")
    return value


def c_ull(text: str) -> int:
    """An ``unsigned long long`` as libvirt reads one with ``virStrToLong_ull(text,
    NULL, 0, ...)`` (a block device's ``size`` and ``queue/logical_block_size``): as
    :func:`c_int`, within 64 bits, a negative number wrapped as C wraps it."""
    value = _c_integer(text)
    if not -(2**64) < value < 2**64:
        raise ValueError("expected an integer within 64 bits")
    return value % 2**64


def _c_integer(text: str) -> int:
    m = _C_INT.fullmatch(text)
    if m is None:
        raise ValueError("expected an integer (decimal, 0x hexadecimal or 0 octal)")
    sign, digits = m.groups()
    base = 16 if digits[:2] in ("0x", "0X") else 8 if digits.startswith("0") else 10
    return int(digits, base) * (-1 if sign == "-" else 1)


def numa_node(text: str) -> int | None:
    """``numa_node``: a node number, or ``None`` for the kernel's -1 (no node known)."""
    if text == "-1":
        return None
    if not _INT.fullmatch(text):
        raise ValueError("expected a NUMA node number or -1")
    return int(text)


def sectors(text: str) -> int:
    """A block device's ``size``: a count of 512-byte sectors (``%llu``)."""
    if not _SECTORS.fullmatch(text):
        raise ValueError("expected a number of 512-byte sectors")
    return int(text)


def scsi_type(text: str) -> int:
    """A SCSI device's peripheral type, as the kernel prints it (``%d``)."""
    if not _SCSI_TYPE.fullmatch(text):
        raise ValueError("expected a SCSI device type number")
    return int(text)


def port_id(text: str) -> int:
    if not _PORT_ID.fullmatch(text):
        raise ValueError("expected a 24-bit port id like 0x010200")
    return int(text, 16)


def hex_id(text: str) -> int:
    if not _HEX_ID.fullmatch(text):
        raise ValueError("expected a 16-bit id like 0x1077")
    return int(text, 16)


def class_code(text: str) -> int:
    if not _CLASS.fullmatch(text):
        raise ValueError("expected a 24-bit class code like 0x0c0400")
    return int(text, 16)


def port_state(text: str) -> str:
    return _member(text, PORT_STATES, "an FC port state")


def port_type(text: str) -> str:
    return _member(text, PORT_TYPES, "an FC port type")


def vport_state(text: str) -> str:
    return _member(text, VPORT_STATES, "a vport state")


def speed(text: str) -> str:
    if text in SPEED_WORDS or _SPEED.fullmatch(text):
        return text
    raise ValueError("expected a speed like '8 Gbit'")


def text_value(text: str) -> str | None:
    """Free text (symbolic names, model names): printable, at most 256 characters.
    Empty is not garbage, just nothing to say: ``None``."""
    if not text:
        return None
    if len(text) > 256 or not text.isprintable():
        raise ValueError("expected printable text of at most 256 characters")
    return text


def ascii_text(text: str) -> str | None:
    """An identifier (a LUN's ``wwid``, a dm map's name): printable ASCII, at most
    256 characters, blanks around it dropped; empty is ``None``."""
    text = text.strip(" ")
    if not text:
        return None
    if len(text) > 256 or not (text.isascii() and text.isprintable()):
        raise ValueError("expected printable ASCII of at most 256 characters")
    return text


def _member(text: str, known: frozenset[str], what: str) -> str:
    if text not in known:
        raise ValueError(f"expected {what}")
    return text


#: The control characters libvirt strips from a string it reads through udev
#: (``virStringStripControlChars``): those below 0x20 but tab and newline (DEL stays).
_CONTROL = {c: None for c in range(0x20) if c not in (0x09, 0x0A)}


def udev_text(raw: bytes) -> str | None:
    """A string attribute as libvirt reads it through libudev: the trailing
    newlines cut (udev's), the control characters below 0x20 but tab and newline
    dropped (libvirt's); leading and trailing blanks and tabs stay.  Empty:
    ``None``.  Bytes that are no UTF-8 are replaced (libvirt passes them
    through; XML cannot hold them)."""
    text = raw.decode("utf-8", "replace").rstrip("\n\r").translate(_CONTROL)
    return text or None


def uevent(text: str) -> dict[str, str]:
    """A ``uevent`` file's ``KEY=value`` lines as a mapping (lines without ``=`` skipped)."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep:
            out[key] = value
    return out
