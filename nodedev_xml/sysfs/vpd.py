"""A PCI function's Vital Product Data (its binary ``vpd`` file), read as libvirt reads it.

The image is a list of resources (PCI Local Bus 3.0, appendix I): large ones
are a tag byte with bit 7 set and a 16-bit little-endian length, small ones a
tag byte holding a 4-bit type and a 3-bit length.  libvirt 9.0 keeps the
identifier string (``0x82``), VPD-R (``0x90``) and VPD-W (``0x91``), skips
other resources, and stops at the small end tag (type 15, bytes ``0x78``-``0x7f``).
What it refuses and what it keeps, learnt from its node-device driver on fake
roots (``tests/test_libvirt_vpd.py`` holds the cases):

- the whole image, when it is cut short, has no VPD-R or no end tag, a
  resource or keyword runs past its bounds, the identifier string has a
  character that is not printable ASCII, the ``RV`` checksum is wrong or
  ``RV`` is not the last keyword of VPD-R, ``RW`` is not the last of VPD-W,
  ``RW`` is in VPD-R or ``RV`` in VPD-W;
- one keyword, when its text (cut at the first NUL, blanks stripped) has a
  character that is not printable ASCII, or it is not one libvirt knows
  (PN, EC, MN, SN, YA, Vx and Yx with x a digit or capital, CP, RV, RW).

A section (``<fields>``) is there once a known keyword with usable text (or
CP) was read in it, even one that section keeps no field of (PN in VPD-W).
A repeated keyword takes the last value; a repeated Vx or Yx keeps its first
place.  The checksum is the sum of every byte libvirt reads, from the start
through the first byte of ``RV``'s value: the headers of skipped resources
count, their data does not.

The ``libvirt`` profile is stricter than libvirt where libvirt's own schema
refuses what it would print: an image without an identifier string (no
``<name>``), or whose name is longer than 255 characters or holds a character
outside the schema's class (`` ` { | } ~ ``), is left out; such a keyword is
left out alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..model import PCIVpd, VpdField, VpdReadOnly, VpdReadWrite

#: libvirt reads at most the 32 KiB a VPD address reaches.
MAX_VPD_BYTES = 0x8000
_STRING, _READ_ONLY, _READ_WRITE = 0x82, 0x90, 0x91
_END = 0x0F  # a small resource's type
_BLANKS = " \t\n\f\r"  # what GLib's g_strstrip strips (not \v)
#: printable ASCII, the class libvirt checks
_PRINTABLE = re.compile(r"[ -~]*").fullmatch
#: libvirt's schema's class ``[0-9a-zA-F -_,.:;=]``: ' ' to '_' and a to z
_SCHEMA_TEXT = re.compile(r"[ -_a-z]*").fullmatch
_SCHEMA_MAX = 255
_TEXT_KEYWORDS = frozenset({"PN", "EC", "MN", "SN", "YA"})
_CUSTOM = re.compile(r"[VY][0-9A-Z]").fullmatch
_READ_ONLY_NAMES = {"EC": "change_level", "MN": "manufacture_id",
                    "PN": "part_number", "SN": "serial_number"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class VpdReading:
    """What a ``vpd`` file gave: the capability (``None``: none is printed) and
    what was left out, one phrase each, for the scan's warnings."""

    vpd: PCIVpd | None
    problems: tuple[str, ...] = ()


class _Refused(Exception):
    """The whole image is not used; the message says why."""


@dataclass
class _Section:
    values: dict[str, str] = field(default_factory=dict)
    vendor: dict[str, str] = field(default_factory=dict)
    system: dict[str, str] = field(default_factory=dict)


@dataclass
class _Image:
    data: bytes
    checksum: int = 0
    name: str | None = None
    readonly: _Section | None = None
    readwrite: _Section | None = None
    problems: list[str] = field(default_factory=list)

    def take(self, pos: int, count: int, what: str) -> bytes:
        """``count`` bytes at ``pos``, counted in the checksum."""
        chunk = self.data[pos : pos + count]
        if len(chunk) < count:
            raise _Refused(
                f"cut short: {what} at byte {pos} runs past the end ({len(self.data)} bytes)"
            )
        self.checksum = (self.checksum + sum(chunk)) % 256
        return chunk


def read_vpd(data: bytes) -> VpdReading:
    """The VPD capability of the image ``data``, as libvirt's ``libvirt`` profile prints it."""
    image = _Image(data)
    try:
        _resources(image)
    except _Refused as e:
        return VpdReading(None, (f"{e}; left out, as libvirt does",))
    return _finish(image)


def _resources(image: _Image) -> None:
    pos = 0
    has_readonly = ended = False
    while pos < MAX_VPD_BYTES:
        tag = image.take(pos, 1, "a resource tag")[0]
        if tag & 0x80:
            if pos > MAX_VPD_BYTES - 3:
                break
            low, high = image.take(pos + 1, 2, f"the length of resource 0x{tag:02x}")
            length, pos = low | high << 8, pos + 3
        else:
            tag, length, pos = tag >> 3, tag & 0x07, pos + 1
            if tag == _END:
                ended = True
                break
        if length > MAX_VPD_BYTES - pos:
            raise _Refused(f"resource 0x{tag:02x} at byte {pos} is {length} bytes long")
        if tag == _STRING:
            raw = image.take(pos, length, "the identifier string")
            name = raw.split(b"\0", 1)[0].decode("latin-1").strip(_BLANKS)
            if not _PRINTABLE(name):
                raise _Refused(
                    "the identifier string holds characters that are not printable ASCII"
                )
            image.name = name
        elif tag in (_READ_ONLY, _READ_WRITE):
            _keywords(image, pos, length, readonly=tag == _READ_ONLY)
            has_readonly = has_readonly or tag == _READ_ONLY
        pos += length  # any other resource is skipped unread
    if not has_readonly:
        raise _Refused("no read-only section (VPD-R)")
    if not ended:
        raise _Refused("no end tag")


def _keywords(image: _Image, start: int, length: int, *, readonly: bool) -> None:
    section = "VPD-R" if readonly else "VPD-W"
    end, pos = start + length, start
    checked = False
    while pos + 3 <= end:
        header = image.take(pos, 3, f"a {section} keyword")
        key, size = header[:2].decode("latin-1"), header[2]
        pos += 3
        if key == ("RW" if readonly else "RV"):
            raise _Refused(f"{key} in the {section} section")
        if pos + size > end:
            raise _Refused(f"keyword {key!r} runs past the end of {section}")
        value = image.take(pos, 1 if key == "RV" else size, f"the value of {key!r}")
        pos += size
        if key == "RV":
            if image.checksum:
                raise _Refused("the VPD-R checksum (RV) does not add up")
            checked = True
            break
        if key == "RW":
            break
        if key == "CP":
            _section(image, readonly)  # binary: kept by no field, but the section is there
            continue
        if not (key in _TEXT_KEYWORDS or _CUSTOM(key)):
            continue  # a keyword libvirt does not know, skipped
        text = value.split(b"\0", 1)[0].decode("latin-1").strip(_BLANKS)
        if not _PRINTABLE(text):
            image.problems.append(
                f"{section} keyword {key} holds characters that are not printable ASCII; "
                "left out, as libvirt does"
            )
            continue
        _store(_section(image, readonly), key, text, readonly)
    if pos < end:
        what = "RV is not the last keyword" if checked else f"{end - pos} stray bytes"
        raise _Refused(f"{section} ends badly ({what})")
    if readonly and not checked:
        raise _Refused("VPD-R has no checksum (RV)")


def _section(image: _Image, readonly: bool) -> _Section:
    if readonly:
        image.readonly = image.readonly or _Section()
        return image.readonly
    image.readwrite = image.readwrite or _Section()
    return image.readwrite


def _store(section: _Section, key: str, text: str, readonly: bool) -> None:
    if key[0] == "V":
        section.vendor[key[1]] = text  # a repeated index keeps its place, takes the value
    elif readonly:
        if key in _READ_ONLY_NAMES:
            section.values[key] = text
    elif key == "YA":
        section.values[key] = text
    elif key[0] == "Y":
        section.system[key[1]] = text


def _finish(image: _Image) -> VpdReading:
    problems = image.problems
    name = image.name
    if name is None:
        problems.append("no identifier string, which libvirt's schema requires as <name>; left out")
        return VpdReading(None, tuple(problems))
    if not _SCHEMA_TEXT(name) or len(name) > _SCHEMA_MAX:
        problems.append(f"identifier string {_shown(name)} is no name libvirt's schema allows "
                        "(at most 255 of ' '-'_', a-z); left out")  # fmt: skip
        return VpdReading(None, tuple(problems))
    readonly = readwrite = None
    if image.readonly is not None:
        s = image.readonly
        values = {_READ_ONLY_NAMES[k]: _fit(problems, "VPD-R", k, v) for k, v in s.values.items()}
        readonly = VpdReadOnly(
            change_level=values.get("change_level"),
            manufacture_id=values.get("manufacture_id"),
            part_number=values.get("part_number"),
            serial_number=values.get("serial_number"),
            vendor_fields=_custom(problems, "VPD-R", "V", s.vendor),
        )
    if image.readwrite is not None:
        s = image.readwrite
        asset = s.values.get("YA")
        readwrite = VpdReadWrite(
            asset_tag=_fit(problems, "VPD-W", "YA", asset) if asset is not None else None,
            vendor_fields=_custom(problems, "VPD-W", "V", s.vendor),
            system_fields=_custom(problems, "VPD-W", "Y", s.system),
        )
    return VpdReading(PCIVpd(name, readonly, readwrite), tuple(problems))


def _custom(problems: list[str], section: str, letter: str, fields: dict[str, str]
            ) -> tuple[VpdField, ...]:  # fmt: skip
    out = []
    for index, value in fields.items():
        kept = _fit(problems, section, letter + index, value)
        if kept is not None:
            out.append(VpdField(index, kept))
    return tuple(out)


def _fit(problems: list[str], section: str, key: str, value: str) -> str | None:
    """``value`` if libvirt's schema allows it (libvirt prints it either way)."""
    if _SCHEMA_TEXT(value):
        return value
    problems.append(f"{section} keyword {key} {_shown(value)} holds characters libvirt's "
                    "schema refuses (` { | } ~); left out")  # fmt: skip
    return None


def _shown(text: str) -> str:
    return repr(text if len(text) <= 40 else text[:37] + "...")
