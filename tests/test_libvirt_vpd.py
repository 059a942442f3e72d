"""The ``vpd`` capability against libvirt's own node-device driver.

One fake root holds one FC card per VPD image: hand-built ones for each rule
(well-formed, a bad checksum, cut short, no end tag, keywords libvirt skips or
refuses, text it strips or drops) and images drawn from a seeded generator,
well-formed and then broken (cut, a byte changed, the end tag dropped).
libvirtd (:mod:`oracle`, root only) reads them all; our ``libvirt`` profile
must print the same ``<capability type='vpd'>`` for every function, or none
where libvirt prints none.  Where libvirt prints what its own schema refuses
(no ``<name>``; a name over 255 characters; `` ` { | } ~ `` in a value), the
README's correction is applied to libvirt's output before comparing.  libvirt
escapes the name but not the fields: a value with ``&`` or ``<`` makes its
document no XML, so those two are escaped in libvirt's field lines first.
"""

from __future__ import annotations

import random
import re
import struct
from pathlib import Path

import pytest
from lxml import etree
from oracle import LibvirtView, run_libvirtd, unavailable
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.testing import SysfsBuilder, vpd_image
from nodedev_xml.testing.vpd import keyword, large_resource

pytestmark = pytest.mark.skipif(unavailable() is not None, reason=str(unavailable()))

#: libvirt's schema's vpdFieldValueFormat, ``[0-9a-zA-F -_,.:;=]{0,255}``
SCHEMA_VALUE = re.compile(r"[0-9a-zA-F -_,.:;=]{0,255}")


def _after(prefix: bytes, fields: list[tuple[str, str | bytes]]) -> bytes:
    """``prefix``, then VPD-R holding ``fields`` with the checksum of all that, then the end."""
    body = b"".join(keyword(k, v) for k, v in fields)
    head = prefix + struct.pack("<BH", 0x90, len(body) + 4) + body + b"RV\x01"
    return head + bytes([-sum(head) % 256]) + b"\x78"


def _rv_of_length_0(*, next_byte_counted: bool) -> bytes:
    """VPD-R ending with an ``RV`` of length 0, then the end tag; the name is chosen so
    that the checksum adds up with the byte after ``RV`` (the end tag) or without it."""
    body = keyword("PN", "P1")
    for a, b in ((a, b) for a in range(0x30, 0x7B) for b in range(0x30, 0x7B)):
        head = large_resource(0x82, bytes([a, b, b])) + struct.pack("<BH", 0x90, len(body) + 3)
        head += body + b"RV\x00"
        if (sum(head) + (0x78 if next_byte_counted else 0)) % 256 == 0:
            return head + b"\x78"
    raise AssertionError("no name makes the checksum add up")


NAME = large_resource(0x82, b"Card")
HAND_BUILT: dict[str, bytes] = {
    "card": vpd_image(
        "Emulex LPe32002-M2 2-Port 32Gb Fibre Channel Adapter",
        [("PN", "LPe32002-M2"), ("EC", "A1"), ("SN", "FC12345678"), ("MN", "10DF"),
         ("V0", "vendor0"), ("V1", "Vendor one")],
        [("V2", "rw vendor"), ("YA", "asset-1"), ("Y1", "sys1"), ("RW", bytes(8))],
    ),
    "bad checksum": vpd_image("Card", [("PN", "P1"), ("SN", "S1")], checksum_delta=1),
    "no checksum": vpd_image("Card", [("PN", "P1")], checksum=False),
    "no end tag": vpd_image("Card", [("PN", "P1")], end_tag=False),
    "no VPD-R": vpd_image("Card", None, [("YA", "tag")]),
    "empty": b"",
    "cut in a keyword": vpd_image("Card", [("PN", "P1"), ("SN", "S1")])[:12],
    "non-printable values": vpd_image("Card", [("PN", b"P\x01X"), ("SN", b"S\xe9"), ("EC", "E")],
                                      [("YA", b"\x7f"), ("Y1", "y")]),
    "non-printable name": vpd_image(b"Ca\x07rd", [("PN", "P1")]),
    "markup and blanks": vpd_image(" A&B <c> 'd' \"e\"\t", [("PN", "\n P1 \r"), ("SN", "S 1")]),
    "markup in fields": vpd_image("Card", [("PN", "P<1"), ("SN", "a&b"), ("EC", "q'\">")],
                                  [("YA", "a<+V"), ("Y1", "y&<"), ("V2", "<")]),
    "vertical tab": vpd_image("Card", [("PN", "\vP1"), ("SN", "S1")]),
    "NUL ends text": vpd_image(b"Card\x00junk", [("PN", b"P1\x00\x01"), ("V0", b"\x00\xff")]),
    "repeats": vpd_image("Card", [("V3", "a"), ("V1", "b"), ("V3", "c"), ("PN", "x"), ("PN", "y")],
                         [("Y2", "b"), ("V9", "n"), ("Y1", "a"), ("Y2", "d")]),
    "unknown keywords": vpd_image("Card", [("FG", "x"), ("ZZ", "z"), ("Va", "l"), ("pn", "p")],
                                  [("Vz", "v"), ("Y~", "t")]),
    "misplaced keywords": vpd_image("Card", [("YA", "a"), ("Y2", "y")],
                                    [("PN", "p"), ("CP", b"\1")]),
    "CP only": vpd_image("Card", [("CP", b"\x00\xff")]),
    "RW in VPD-R": vpd_image("Card", [("PN", "P1"), ("RW", b"\x00")]),
    "RV in VPD-W": vpd_image("Card", [("PN", "P1")], [("YA", "a"), ("RV", b"\x00")]),
    "RW not last": vpd_image("Card", [("PN", "P1")], [("RW", b"\x00"), ("YA", "a")]),
    "VPD-W first": _after(NAME + large_resource(0x91, keyword("YA", "a") + keyword("RW", b"\5")),
                          [("PN", "P1")]),
    "skipped resources": _after(NAME + large_resource(0xA0, b"junk")[:3], [("PN", "P1")]),
    "two names": _after(NAME + large_resource(0x82, b"Second"), [("PN", "P1")]),
    "reserved space": vpd_image("Card", [("PN", "P1")], [("YA", "a")], reserved=9),
    "end tag with a length": vpd_image("Card", [("PN", "P1")], end_tag=False) + b"\x7f\x00",
    "after the end": vpd_image("Card", [("PN", "P1")]) + b"\x90\xff\xff\x01",
    # RV's checksum byte is read even when RV has no room for it: it is the next byte
    "RV of length 0": _rv_of_length_0(next_byte_counted=True),
    "RV of length 0, checksum without the next byte": _rv_of_length_0(next_byte_counted=False),
    "past one page": vpd_image("Card", [("PN", "P1")],
                               [(f"Y{c}", "y" * 250) for c in "0123456789BCDEFGHIJ"]),
    # libvirt prints what its schema refuses: these are corrected
    "no name": vpd_image(None, [("PN", "P1")]),
    "long name": vpd_image("N" * 300, [("PN", "P1")]),
    "braces": vpd_image("Card", [("PN", "a{b}|~`"), ("SN", "S1")], [("YA", "~")]),
    "brace in the name": vpd_image("Ca{rd}", [("PN", "P1")]),
}  # fmt: skip

#: characters the generated values are drawn from: printable ASCII, blanks, a few bytes
#: that are neither (NUL, control, Latin-1)
CHARS = [bytes([c]) for c in range(0x20, 0x7F)] + [b"\t", b"\n", b"\r", b"\f", b"\v",
                                                    b"\x00", b"\x01", b"\xe9"]  # fmt: skip
RO_KEYS = ["PN", "EC", "MN", "SN", "V0", "V5", "VZ", "YA", "Y3", "CP", "FG", "ZZ", "Vx"]
RW_KEYS = ["YA", "V1", "VZ", "Y0", "YB", "YZ", "PN", "CP", "ZZ", "Yx"]


def _value(rng: random.Random) -> bytes:
    plain = rng.random() < 0.7
    pool = CHARS[16:26] + CHARS[33:59] if plain else CHARS  # digits and capitals, or anything
    return b"".join(rng.choice(pool) for _ in range(rng.randrange(0, 12)))


def _generated(rng: random.Random) -> bytes:
    ro = [(rng.choice(RO_KEYS), _value(rng)) for _ in range(rng.randrange(0, 6))]
    rw = [(rng.choice(RW_KEYS), _value(rng)) for _ in range(rng.randrange(0, 4))]
    if rng.random() < 0.3:
        rw.append(("RW", bytes(rng.randrange(0, 6))))
    image = vpd_image(_value(rng) if rng.random() < 0.9 else None, ro,
                      rw if rng.random() < 0.6 else None, reserved=rng.randrange(0, 4))  # fmt: skip
    broken = rng.random()
    if broken < 0.15:
        return image[: rng.randrange(0, len(image))]
    if broken < 0.35:
        at = rng.randrange(0, len(image))
        return image[:at] + bytes([image[at] ^ rng.choice((1, 0x20, 0x80))]) + image[at + 1 :]
    if broken < 0.45:
        return image[:-1] + bytes(rng.randrange(0, 3))
    return image


IMAGES = {**HAND_BUILT, **{f"generated {n}": _generated(random.Random(n)) for n in range(60)}}


Views = tuple[nx.Inventory, LibvirtView, dict[str, str]]


@pytest.fixture(scope="module")
def cards(tmp_path_factory: pytest.TempPathFactory) -> Views:
    """Both views of one root: one card per image; which function holds which image."""
    root = tmp_path_factory.mktemp("vpd")
    b = SysfsBuilder(root, first_host=1)
    functions: dict[str, str] = {}
    for n, (label, image) in enumerate(IMAGES.items()):
        address = f"0000:{n // 8 + 1:02x}:{n % 8:02x}.0"
        fn = b.add_pci_function(address, vendor=0x10DF, device=0xE300, driver="lpfc", vpd=image)
        b.add_fc_host(fn, "lpfc", node_name=0x20000000C9000000 + n,
                      port_name=0x10000000C9000000 + n)  # fmt: skip
        functions[label] = "pci_" + address.replace(":", "_").replace(".", "_")
    b.write_pci_ids()
    return nx.scan(str(root)), run_libvirtd(root), functions


def _vpd_of(document: str) -> etree._Element | None:
    root = etree.fromstring(document.encode())
    return root.find("capability[@type='pci']/capability[@type='vpd']")


#: a VPD field as libvirt prints it, one a line, its text unescaped
FIELD_LINE = re.compile(
    r"^(\s*<(change_level|manufacture_id|part_number|serial_number|asset_tag|vendor_field"
    r"|system_field)(?: index='.')?>)(.*)(</\2>)$",
    re.MULTILINE,
)


def _libvirt_vpd(document: str) -> etree._Element | None:
    def escaped(m: re.Match[str]) -> str:
        return m[1] + m[3].replace("&", "&amp;").replace("<", "&lt;") + m[4]

    return _vpd_of(FIELD_LINE.sub(escaped, document))


def _corrected(vpd: etree._Element | None) -> bytes | None:
    """libvirt's ``vpd``, without what its schema refuses (the README's correction)."""
    if vpd is None:
        return None
    name = vpd.find("name")
    if name is None or not SCHEMA_VALUE.fullmatch(name.text or ""):
        return None
    for fields in vpd.iterfind("fields"):
        for field in list(fields):
            if not SCHEMA_VALUE.fullmatch(field.text or ""):
                fields.remove(field)
    return canonical(vpd)


@pytest.mark.parametrize("label", list(IMAGES))
def test_vpd_is_libvirts(label: str, cards: Views) -> None:
    inv, view, functions = cards
    name = functions[label]
    ours = _vpd_of(nx.to_xml(inv[name], "libvirt"))
    assert (canonical(ours) if ours is not None else None) == _corrected(
        _libvirt_vpd(view.documents[name])
    ), IMAGES[label]


def test_the_cases_show_every_outcome(cards: Views) -> None:
    """The generated images are no trivial set: libvirt prints some, refuses others, and
    drops a field of some."""
    inv, view, functions = cards
    printed = [n for n in IMAGES if "<capability type='vpd'>" in view.documents[functions[n]]]
    assert 15 < len(printed) < len(IMAGES) - 15
    dropped = [w for w in inv.warnings if "printable ASCII; left out, as libvirt does" in w.message]
    assert len(dropped) > 3


def test_the_lpfc_fixtures_vpd_is_libvirts() -> None:
    root = Path(__file__).resolve().parent.parent / "fixtures" / "sysfs" / "lpfc"
    inv, view = nx.scan(str(root)), run_libvirtd(root)
    for name in ("pci_0000_07_00_0", "pci_0000_07_00_1"):
        ours = _vpd_of(nx.to_xml(inv[name], "libvirt"))
        assert ours is not None and ours.findtext("fields/part_number") == "LPe12002-M8"
        assert canonical(ours) == _corrected(_libvirt_vpd(view.documents[name]))
