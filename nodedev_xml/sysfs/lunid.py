"""A logical unit's identity from its Vital Product Data pages (pure functions over bytes).

The kernel caches VPD pages 0x80 (unit serial number) and 0x83 (device
identification) of each SCSI device, whole with their 4-byte header, as the
binary attributes ``vpd_pg80`` and ``vpd_pg83``; its ``wwid`` attribute is the
logical-unit designator of page 0x83 it picks (``scsi_vpd_lun_id``).  A
kernel without ``wwid`` (or a device whose ``wwid`` cannot be read) still has
the page: :func:`wwid_from_vpd83` picks the same designator by the kernel's
priorities (``designator_prio``, since Linux 5.10 and the stable trees) and
prints it the same way.  :func:`serial_from_vpd80` is the serial as the
proposed kernel ``serial`` attribute and multipath-tools give it (surrounding
blanks stripped).
"""

from __future__ import annotations

#: Page codes (byte 1 of the header).
VPD_SERIAL = 0x80
VPD_DEVICE_ID = 0x83
_HEADER = 4


def _body(page: bytes, code: int) -> bytes | None:
    """The page's data after its header, cut at its declared length; ``None`` when
    the header is not that page's."""
    if len(page) < _HEADER or page[1] != code:
        return None
    length = int.from_bytes(page[2:4], "big")
    return page[_HEADER : _HEADER + length]


def _priority(kind: int, naa: int, length: int, fits: bool) -> int:
    """The kernel's ``designator_prio``: higher wins, 0 is never used."""
    if kind == 8:  # SCSI name string
        return 9 if fits else 2
    if kind == 3:  # NAA
        return {6: 8, 5: 5, 4: 4, 3: 1}.get(naa, 0)
    if kind == 2:  # EUI-64
        return {16: 7, 12: 6, 8: 3}.get(length, 0)
    if kind == 1:  # T10 vendor id
        return 1
    return 0


def _escaped(data: bytes) -> str:
    """``%*pE``: printable ASCII as it is, anything else as an octal escape."""
    return "".join(chr(b) if 0x20 <= b < 0x7F else f"\\{b:03o}" for b in data)


#: The kernel's buffer for ``wwid`` text (a page); a name string that does not fit is cut.
_WWID_ROOM = 4096 - 1


def wwid_from_vpd83(page: bytes) -> str | None:
    """The ``wwid`` text the kernel prints for a device with this page 0x83
    (``naa.`` / ``eui.`` and lower-case hex, ``t10.`` and the escaped id, or a
    SCSI name string as it is); ``None`` when it holds no usable designator
    of the logical unit.  A truncated or malformed page is read as far as it
    goes, never past its end."""
    body = _body(page, VPD_DEVICE_ID)
    if body is None:
        return None
    best: tuple[int, int, int, bytes] | None = None  # (priority, kind, naa, designator)
    offset = 0
    while offset + 4 <= len(body):
        head = body[offset : offset + 4]
        length = head[3]
        designator = body[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if len(designator) < length:
            break  # cut short: the kernel's bounded walk stops here too
        if (head[1] & 0x30) != 0 or length == 0:
            continue  # not the logical unit's, or empty
        kind = head[1] & 0x0F
        naa = designator[0] >> 4
        prio = _priority(kind, naa, length, length + 1 <= _WWID_ROOM)
        if prio == 0:
            continue
        if best is not None:
            if prio < best[0]:
                continue
            if prio == best[0] and kind in (1, 8) and length < len(best[3]):
                continue  # T10 and name strings must also be at least as long
        best = (prio, kind, naa, designator)
    if best is None:
        return None
    _, kind, _, designator = best
    if kind == 3:
        return "naa." + designator.hex()
    if kind == 2:
        return "eui." + designator.hex()
    if kind == 1:
        return "t10." + _escaped(designator)
    return _escaped(designator[:_WWID_ROOM].split(b"\0", 1)[0])


def serial_from_vpd80(page: bytes) -> str | None:
    """The unit serial number of page 0x80, blanks around it stripped; ``None``
    for another page, an empty serial or one that is not printable ASCII."""
    body = _body(page, VPD_SERIAL)
    if body is None:
        return None
    try:
        text = body.decode("ascii").strip(" \0\t\n")
    except UnicodeDecodeError:
        return None
    return text if text and text.isprintable() else None
