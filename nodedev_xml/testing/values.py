"""Attribute values as sysfs files hold them, and the overrides a caller gives.

Every readable value ends with a newline; a write-only attribute (``vport_create``,
``scan``, ...) is an empty file.  WWNs are written the FC transport's way,
``0x%llx``: lower case and not zero-padded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

__all__ = [
    "WRITE_ONLY",
    "Overrides",
    "WWNLike",
    "apply_overrides",
    "as_files",
    "kernel_wwn",
    "parse_wwn",
    "template_entry",
]

#: Attribute overrides: a value replaces the attribute (a newline is added to a
#: ``str`` that lacks one; ``bytes`` are written as they are, ``b""`` makes a
#: write-only file); ``None`` removes it (``"statistics": None`` removes the
#: whole ``statistics/`` group).  Keys may name new attributes.
Overrides = Mapping[str, str | bytes | None]

#: A WWN: an ``int``, or a string in any usual spelling (``0x``-prefixed,
#: unpadded, upper case, colon-separated).
WWNLike = int | str

#: The contents of a write-only attribute: an empty file.
WRITE_ONLY = b""

MAX_WWN = (1 << 64) - 1


def parse_wwn(value: WWNLike) -> int:
    """A WWN as an int; strings are 16 hex digits, 8 colon-separated bytes, or the
    kernel's own spelling (``0x`` and unpadded, as sysfs prints it).  A bare string
    of fewer digits is a typo, refused (it would be written as ``0x2100``).

    Raises ValueError for text that is not such a name or a value beyond 64 bits.
    """
    if isinstance(value, int):
        number = value
    else:
        raw = value.strip().lower()
        text = raw.removeprefix("0x")
        if ":" in text and re.fullmatch(r"[0-9a-f]{2}(:[0-9a-f]{2}){7}", text):
            text = text.replace(":", "")
        digits = "{1,16}" if raw.startswith("0x") else "{16}"
        if not re.fullmatch(f"[0-9a-f]{digits}", text):
            raise ValueError(f"not a WWN: {value!r} (expected 16 hex digits)")
        number = int(text, 16)
    if not 0 <= number <= MAX_WWN:
        raise ValueError(f"WWN out of the 64-bit range: {value!r}")
    return number


def kernel_wwn(value: int) -> str:
    """``0x%llx``: how the FC transport prints a name."""
    return f"0x{value:x}"


def template_entry(key: str) -> str:
    """The template entry of an attribute: ``statistics/tx_frames`` belongs to ``statistics``."""
    return key.partition("/")[0]


def as_files(values: Mapping[str, str | bytes]) -> dict[str, bytes]:
    """Attribute values as file contents: text gets its newline, bytes stay."""
    return {k: v if isinstance(v, bytes) else f"{v}\n".encode() for k, v in values.items()}


def apply_overrides(files: dict[str, bytes], overrides: Overrides | None) -> dict[str, bytes]:
    """``files`` with ``overrides`` applied (see :data:`Overrides`); changed in place, returned."""
    for key, value in (overrides or {}).items():
        if value is None:
            files.pop(key, None)
            for sub in [k for k in files if k.startswith(key + "/")]:
                del files[sub]
        elif isinstance(value, bytes):
            files[key] = value
        else:
            files[key] = (value if value.endswith("\n") else value + "\n").encode()
    return files
