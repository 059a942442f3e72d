"""PCI Vital Product Data images, as a function's binary ``vpd`` file holds them.

The layout (PCI Local Bus 3.0, appendix I): large resources, each a tag byte,
a 16-bit little-endian length and the data: ``0x82`` the identifier string
(the product name), ``0x90`` VPD-R (read-only keywords), ``0x91`` VPD-W
(read-write keywords); then the small end tag ``0x78``.  A keyword is two
ASCII characters, a length byte and the value.  VPD-R ends with ``RV``, whose
first byte makes the sum of every byte from the start of the image through it
zero; VPD-W may end with ``RW``, reserved space.

:func:`vpd_image` writes a well-formed image from fields, with switches to
break it in the ways real cards do (a bad checksum, no end tag, no ``RV``).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

IDENTIFIER_TAG = 0x82
READ_ONLY_TAG = 0x90
READ_WRITE_TAG = 0x91
END_TAG = 0x78

#: A keyword and its value: ``("PN", "LPe32002-M2")``; bytes are written as they are.
Keyword = tuple[str, str | bytes]


def _bytes(value: str | bytes) -> bytes:
    return value.encode("latin-1") if isinstance(value, str) else value


def large_resource(tag: int, data: bytes) -> bytes:
    """One large resource: ``tag``, the length of ``data`` (little endian), ``data``."""
    return struct.pack("<BH", tag, len(data)) + data


def keyword(key: str, value: str | bytes) -> bytes:
    """One VPD-R or VPD-W keyword entry: two characters, a length byte, the value."""
    raw = _bytes(value)
    if len(key) != 2 or len(raw) > 255:
        raise ValueError(f"a keyword is two characters and at most 255 bytes: {key!r}")
    return key.encode("latin-1") + bytes([len(raw)]) + raw


def vpd_image(
    name: str | bytes | None,
    readonly: Sequence[Keyword] | None = (),
    readwrite: Sequence[Keyword] | None = None,
    *,
    reserved: int = 0,
    checksum_delta: int = 0,
    checksum: bool = True,
    end_tag: bool = True,
) -> bytes:
    """A VPD image: the identifier ``name``, VPD-R with ``readonly`` and its ``RV``
    checksum (``reserved`` more zero bytes after it; ``checksum_delta`` added to
    the right checksum byte, so non-zero breaks it; ``checksum=False`` leaves
    ``RV`` out), VPD-W with ``readwrite`` when given, and the end tag unless
    ``end_tag`` is false.  ``name=None`` leaves out the identifier string,
    ``readonly=None`` VPD-R."""
    image = large_resource(IDENTIFIER_TAG, _bytes(name)) if name is not None else b""
    if readonly is not None:
        fields = b"".join(keyword(k, v) for k, v in readonly)
        rv_length = (1 + reserved) if checksum else 0
        header = struct.pack("<BH", READ_ONLY_TAG, len(fields) + (3 + rv_length if checksum else 0))
        image += header + fields
        if checksum:
            image += b"RV" + bytes([rv_length])
            image += bytes([(-sum(image) + checksum_delta) % 256]) + bytes(reserved)
    if readwrite is not None:
        image += large_resource(READ_WRITE_TAG, b"".join(keyword(k, v) for k, v in readwrite))
    if end_tag:
        image += bytes([END_TAG])
    return image
