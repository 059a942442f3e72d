"""World wide names (WWNN, WWPN, fabric name) as a value type.

The kernel prints them as ``0x%llx``: lower case and not zero-padded, so a name
can show up with fewer than 16 digits.  libvirt's XML wants exactly 16 hex
digits without ``0x``.  A :class:`WWN` parses every spelling and always prints
the 16-digit form.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import WWNError

_HEX = re.compile(r"[0-9a-fA-F]{1,16}")
_MAX = (1 << 64) - 1

#: fabric_name values that mean "not logged in to a fabric":
#: qla2xxx prints all ones, lpfc prints zero.
NO_FABRIC = frozenset({0, _MAX})


@dataclass(frozen=True, order=True, slots=True)
class WWN:
    """A 64-bit world wide name, compared by value."""

    value: int

    def __post_init__(self) -> None:
        if not 0 <= self.value <= _MAX:
            raise WWNError(hex(self.value), "out of the 64-bit range")

    @classmethod
    def parse(cls, text: str) -> WWN:
        """Parse ``0x2001001b32a9da4e``, ``2001001B32A9DA4E``, ``0x1b32a9da4e``
        or ``20:01:00:1b:32:a9:da:4e``; raise :class:`WWNError` otherwise."""
        raw = text.strip()
        digits = raw[2:] if raw[:2] in ("0x", "0X") else raw
        if ":" in digits:
            parts = digits.split(":")
            if len(parts) != 8 or any(len(p) != 2 for p in parts):
                raise WWNError(text, "expected 8 colon-separated bytes")
            digits = "".join(parts)
        if not _HEX.fullmatch(digits):
            raise WWNError(text)
        return cls(int(digits, 16))

    @classmethod
    def parse_strict(cls, text: str) -> WWN:
        """Parse the form libvirt's schema accepts: optional ``0x`` then exactly 16 hex digits."""
        raw = text.strip()
        digits = raw[2:] if raw[:2] in ("0x", "0X") else raw
        if len(digits) != 16 or not _HEX.fullmatch(digits):
            raise WWNError(text)
        return cls(int(digits, 16))

    @classmethod
    def parse_given(cls, text: str) -> WWN:
        """Parse a WWN a person gives: 16 hex digits, optionally ``0x``-prefixed, or 8
        colon-separated bytes as switches print them (``50:01:a4:a7:f3:e2:d1:c0``);
        raise :class:`WWNError` otherwise (a short name is a typo, not a name)."""
        if ":" in text:
            return cls.parse(text)
        return cls.parse_strict(text)

    def __str__(self) -> str:
        return f"{self.value:016x}"

    @property
    def kernel(self) -> str:
        """The spelling the kernel prints in sysfs (``0x%llx``)."""
        return f"0x{self.value:x}"

    @property
    def colon(self) -> str:
        """Colon-separated bytes, as switches and HBA tools print them."""
        s = str(self)
        return ":".join(s[i : i + 2] for i in range(0, 16, 2))

    @property
    def naa(self) -> int:
        """The Network Address Authority type: the top four bits (1, 2, 5 or 6 in practice)."""
        return self.value >> 60

    @property
    def oui(self) -> int | None:
        """The IEEE OUI inside the name, for NAA types 1, 2 and 5; ``None`` otherwise."""
        if self.naa in (1, 2):
            return (self.value >> 24) & 0xFFFFFF
        if self.naa == 5:
            return (self.value >> 36) & 0xFFFFFF
        return None

    @property
    def is_fabric(self) -> bool:
        """False for the values drivers print when a port is not on a fabric."""
        return self.value not in NO_FABRIC
