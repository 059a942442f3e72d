"""A PCI function's Vital Product Data: the parser on hand-built and generated
images, the scan of a ``vpd`` file, and the capability's XML both ways.

What libvirt does with each kind of image is checked against libvirtd itself in
``tests/test_libvirt_vpd.py``; here the rules are pinned one by one.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.model import PCI, PCIVpd, VpdField, VpdReadOnly, VpdReadWrite
from nodedev_xml.sysfs.vpd import MAX_VPD_BYTES, read_vpd
from nodedev_xml.testing import SysfsBuilder, vpd_image
from nodedev_xml.testing.vpd import keyword, large_resource

CARD = vpd_image(
    "Emulex LPe32002-M2 2-Port 32Gb Fibre Channel Adapter",
    [("PN", "LPe32002-M2"), ("EC", "A1"), ("SN", "FC12345678"), ("MN", "10DF"),
     ("V0", "vendor0"), ("V1", "Vendor one")],
    [("V2", "rw vendor"), ("YA", "asset-1"), ("Y1", "sys1"), ("RW", bytes(8))],
)  # fmt: skip
CARD_VPD = PCIVpd(
    name="Emulex LPe32002-M2 2-Port 32Gb Fibre Channel Adapter",
    readonly=VpdReadOnly(
        change_level="A1",
        manufacture_id="10DF",
        part_number="LPe32002-M2",
        serial_number="FC12345678",
        vendor_fields=(VpdField("0", "vendor0"), VpdField("1", "Vendor one")),
    ),
    readwrite=VpdReadWrite(
        asset_tag="asset-1",
        vendor_fields=(VpdField("2", "rw vendor"),),
        system_fields=(VpdField("1", "sys1"),),
    ),
)


def test_a_card_image_gives_every_field() -> None:
    reading = read_vpd(CARD)
    assert reading.vpd == CARD_VPD and reading.problems == ()


def _ro(**fields: str) -> VpdReadOnly:
    return VpdReadOnly(**fields)


def _readonly_after(prefix: bytes, fields: list[tuple[str, str]]) -> bytes:
    """``prefix``, then VPD-R with ``fields`` and the checksum of everything, the end tag."""
    body = b"".join(keyword(k, v) for k, v in fields)
    head = prefix + b"\x90" + (len(body) + 4).to_bytes(2, "little") + body + b"RV\x01"
    return head + bytes([-sum(head) % 256]) + b"\x78"


@pytest.mark.parametrize(
    ("image", "expected"),
    [
        # blanks around text are stripped (not \v), text ends at a NUL
        (vpd_image(" \tCard\r\n", [("PN", "\fP1 "), ("SN", b"S1\x00\xff")]),
         PCIVpd("Card", _ro(part_number="P1", serial_number="S1"))),
        # a repeated keyword: the last value; a repeated index keeps its first place
        (vpd_image("C", [("PN", "a"), ("V3", "x"), ("V1", "y"), ("PN", "b"), ("V3", "z")]),
         PCIVpd("C", VpdReadOnly(part_number="b",
                                 vendor_fields=(VpdField("3", "z"), VpdField("1", "y"))))),
        # keywords libvirt does not know are skipped, and make no section
        (vpd_image("C", [("FG", "x"), ("ZZ", "y"), ("Va", "z"), ("pn", "w")], [("Y~", "v")]),
         PCIVpd("C")),
        # a known keyword in the other section makes the section, but no field
        (vpd_image("C", [("YA", "tag")], [("PN", "p")]),
         PCIVpd("C", VpdReadOnly(), VpdReadWrite())),
        # CP is binary: the section is there, with no field
        (vpd_image("C", [("CP", b"\x00\xff")]), PCIVpd("C", VpdReadOnly())),
        # RW, reserved space, makes no section; RV may reserve more bytes
        (vpd_image("C", [("PN", "p")], [("RW", bytes(9))], reserved=7),
         PCIVpd("C", _ro(part_number="p"))),
        # sections in any order; the last identifier string wins; unknown resources skipped
        (_readonly_after(large_resource(0x91, keyword("YA", "t")) + large_resource(0x82, b"First")
                         + large_resource(0x82, b"Second"), [("PN", "p")]),
         PCIVpd("Second", _ro(part_number="p"), VpdReadWrite(asset_tag="t"))),
        # any byte 0x78-0x7f ends it; what follows is not read
        (vpd_image("C", [], end_tag=False) + b"\x7f" + b"\xff" * 40, PCIVpd("C")),
        (vpd_image("", [("SN", "")]), PCIVpd("", _ro(serial_number=""))),
    ],
)  # fmt: skip
def test_what_libvirt_keeps(image: bytes, expected: PCIVpd) -> None:
    assert read_vpd(image).vpd == expected


def test_a_field_that_is_not_printable_ascii_is_left_out_with_a_warning() -> None:
    reading = read_vpd(vpd_image("C", [("PN", "P\t1"), ("SN", b"S\xe91")], [("YA", b"\x01")]))
    assert reading.vpd == PCIVpd("C")  # no valid field: no section either
    assert reading.problems == tuple(
        f"{section} keyword {key} holds characters that are not printable ASCII; "
        "left out, as libvirt does"
        for section, key in (("VPD-R", "PN"), ("VPD-R", "SN"), ("VPD-W", "YA"))
    )




@pytest.mark.parametrize(
    ("image", "why"),
    [
        (b"", "cut short: a resource tag at byte 0"),
        (CARD[:40], "cut short: the identifier string at byte 3"),
        (CARD[:62], "cut short: the value of 'PN' at byte 61"),
        (CARD[:-1], "cut short: a resource tag at byte 167"),
        (CARD[:2], "cut short: the length of resource 0x82"),
        (vpd_image("C", [("PN", "p")], checksum_delta=1), "checksum (RV) does not add up"),
        (vpd_image("C", [("PN", "p")], checksum=False), "VPD-R has no checksum (RV)"),
        (vpd_image("C", None, [("YA", "t")]), "no read-only section (VPD-R)"),
        (b"\x78" + vpd_image("C", [("PN", "p")]), "no read-only section (VPD-R)"),
        (vpd_image("Ca\x7frd", [("PN", "p")]), "the identifier string holds characters"),
        (vpd_image("Ca\vrd", [("PN", "p")]), "the identifier string holds characters"),
        (vpd_image("C", [("PN", "p"), ("RW", b"")]), "RW in the VPD-R section"),
        (vpd_image("C", [("PN", "p")], [("RV", b"\x00")]), "RV in the VPD-W section"),
        (vpd_image("C", [("PN", "p")], [("RW", b""), ("YA", "t")]), "VPD-W ends badly"),
        # a keyword whose length runs past VPD-R
        (large_resource(0x82, b"C") + b"\x90\x04\x00PN\x09p\x78", "runs past the end of VPD-R"),
        # two stray bytes in VPD-W
        (vpd_image("C", [("PN", "p")], end_tag=False)
         + large_resource(0x91, keyword("YA", "a") + b"\x00\x00") + b"\x78",
         "VPD-W ends badly (2 stray bytes)"),
        (large_resource(0x82, b"C") + b"\x90\xff\x7f", "is 32767 bytes long"),
    ],
)  # fmt: skip
def test_a_malformed_image_gives_no_capability_and_says_why(image: bytes, why: str) -> None:
    reading = read_vpd(image)
    assert reading.vpd is None
    assert len(reading.problems) == 1 and why in reading.problems[0], reading.problems
    assert reading.problems[0].endswith("; left out, as libvirt does")


def test_keywords_after_rv_refuse_the_image() -> None:
    body = keyword("PN", "p")
    head = large_resource(0x82, b"C") + b"\x90" + (len(body) + 4 + 5).to_bytes(2, "little")
    head += body + b"RV\x01"
    image = head + bytes([-sum(head) % 256]) + keyword("SN", "s") + b"\x78"
    assert read_vpd(image).problems == (
        "VPD-R ends badly (RV is not the last keyword); left out, as libvirt does",
    )


def test_the_checksum_counts_the_headers_of_skipped_resources_not_their_data() -> None:
    skipped = large_resource(0xA0, b"junk")
    fields = keyword("PN", "p")
    tail = b"\x90" + (len(fields) + 4).to_bytes(2, "little") + fields + b"RV\x01"
    name = large_resource(0x82, b"C")

    def image(counted: bytes) -> bytes:
        return name + skipped + tail + bytes([-sum(counted + tail) % 256]) + b"\x78"

    assert read_vpd(image(name + skipped[:3])).vpd == PCIVpd("C", _ro(part_number="p"))
    assert read_vpd(image(name + skipped)).vpd is None


@pytest.mark.parametrize(
    ("image", "problem"),
    [
        (vpd_image(None, [("PN", "p")]), "no identifier string"),
        (vpd_image("N" * 256, [("PN", "p")]), "is no name libvirt's schema allows"),
        (vpd_image("C{1}", [("PN", "p")]), "is no name libvirt's schema allows"),
    ],
)  # fmt: skip
def test_what_libvirts_schema_refuses_is_left_out(image: bytes, problem: str) -> None:
    """libvirt prints these (no <name>, a name of 256 characters, one with ``{``) and
    so breaks its own schema; the libvirt profile leaves the capability out."""
    reading = read_vpd(image)
    assert reading.vpd is None and problem in reading.problems[0], reading.problems


def test_a_field_libvirts_schema_refuses_is_left_out_alone() -> None:
    reading = read_vpd(vpd_image("C", [("PN", "a`b"), ("SN", "s")], [("Y1", "x~"), ("YA", "t")]))
    assert reading.vpd == PCIVpd("C", _ro(serial_number="s"), VpdReadWrite(asset_tag="t"))
    assert [p.split(" holds")[0] for p in reading.problems] == [
        "VPD-R keyword PN 'a`b'", "VPD-W keyword Y1 'x~'"]  # fmt: skip


def test_the_identifier_string_up_to_255_characters_is_kept() -> None:
    assert read_vpd(vpd_image("N" * 255, [])).vpd == PCIVpd("N" * 255)


# -- generated images --------------------------------------------------------

#: What libvirt's schema allows in a value, blanks inside included
SCHEMA_TEXT = string.ascii_letters + string.digits + " -_,.:;=&<>'\"!#$%()*+/?@[]\\^"
texts = st.text(alphabet=SCHEMA_TEXT, max_size=24).map(str.strip)
RO_KEYS = ("PN", "EC", "MN", "SN", "V0", "V1", "VZ", "FG", "ZZ", "YA", "Y1", "CP")
RW_KEYS = ("YA", "V1", "V9", "Y0", "YB", "YZ", "PN", "ZZ", "Vz")
RO_NAMES = {"EC": "change_level", "MN": "manufacture_id", "PN": "part_number",
            "SN": "serial_number"}  # fmt: skip


def _expected(name: str, ro: list[tuple[str, str]], rw: list[tuple[str, str]] | None) -> PCIVpd:
    """What the rules say of well-formed fields, worked out from the lists alone."""
    ro_values: dict[str, str] = {}
    ro_vendor: dict[str, str] = {}
    for k, v in ro:
        if k in RO_NAMES:
            ro_values[RO_NAMES[k]] = v
        elif k[0] == "V":
            ro_vendor[k[1]] = v
    has_ro = any(k in RO_NAMES or k in ("YA", "Y1", "CP") or k[0] == "V" for k, _ in ro)
    readonly = VpdReadOnly(**ro_values,
                           vendor_fields=tuple(VpdField(i, v) for i, v in ro_vendor.items()))
    readwrite = None
    if rw is not None and any(k != "ZZ" and k != "Vz" for k, _ in rw):
        asset = [v for k, v in rw if k == "YA"]
        vendor = {k[1]: v for k, v in rw if k[0] == "V" and k != "Vz"}
        system = {k[1]: v for k, v in rw if k[0] == "Y" and k != "YA"}
        readwrite = VpdReadWrite(
            asset_tag=asset[-1] if asset else None,
            vendor_fields=tuple(VpdField(i, v) for i, v in vendor.items()),
            system_fields=tuple(VpdField(i, v) for i, v in system.items()),
        )
    return PCIVpd(name, readonly if has_ro else None, readwrite)


fields = st.lists(st.tuples(st.sampled_from(RO_KEYS), texts), max_size=8)
rw_fields = st.one_of(st.none(), st.lists(st.tuples(st.sampled_from(RW_KEYS), texts), max_size=6))


@given(texts, fields, rw_fields, st.integers(0, 12))
def test_generated_images_give_what_the_rules_say(
    name: str, ro: list[tuple[str, str]], rw: list[tuple[str, str]] | None, reserved: int
) -> None:
    image = vpd_image(name, ro, rw, reserved=reserved)
    reading = read_vpd(image)
    assert reading.problems == () and reading.vpd == _expected(name, ro, rw)


@given(texts, st.lists(st.tuples(st.sampled_from(("PN", "SN", "V0")), texts), min_size=1),
       st.data())  # fmt: skip
def test_a_changed_byte_before_rv_breaks_the_checksum(
    name: str, ro: list[tuple[str, str]], data: st.DataObject
) -> None:
    """Any byte of the name or of a value is counted: change one and the image is refused."""
    image = bytearray(vpd_image(name, ro))
    values = list(range(3, 3 + len(name)))
    at = 3 + len(name) + 3  # past the name and the VPD-R header
    for _, value in ro:
        values += range(at + 3, at + 3 + len(value))
        at += 3 + len(value)
    if not values:
        return
    at = data.draw(st.sampled_from(values))
    image[at] ^= data.draw(st.sampled_from((0x01, 0x20)))
    reading = read_vpd(bytes(image))
    assert reading.vpd is None, (bytes(image), reading)


@given(st.binary(max_size=300))
def test_any_bytes_give_a_reading_never_an_exception(data: bytes) -> None:
    reading = read_vpd(data)
    assert reading.vpd is not None or reading.problems  # left out, and said why


@given(st.binary(max_size=200), st.integers(0, 400))
def test_a_cut_image_is_refused_or_ends_before_the_cut(tail: bytes, cut: int) -> None:
    image = CARD + tail
    if cut < len(CARD):
        assert read_vpd(image[:cut]).vpd is None
    else:
        assert read_vpd(image[:cut]).vpd == CARD_VPD  # nothing after the end tag is read


# -- the scan and the XML ----------------------------------------------------


def _card(root: Path, vpd: bytes | None) -> nx.Inventory:
    b = SysfsBuilder(root, first_host=3)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x10DF, device=0xE300, driver="lpfc", vpd=vpd)
    b.add_fc_host(fn, "lpfc", node_name=0x20000000C9000001, port_name=0x10000000C9000001)
    return nx.scan(str(root))


def _pci(inv: nx.Inventory) -> PCI:
    cap = inv["pci_0000_04_00_0"].pci
    assert cap is not None
    return cap


def test_the_scan_reads_the_vpd_file(tmp_path: Path) -> None:
    inv = _card(tmp_path, CARD)
    assert _pci(inv).vpd == CARD_VPD and not inv.warnings


def test_without_a_vpd_file_there_is_no_capability_and_no_warning(tmp_path: Path) -> None:
    inv = _card(tmp_path, None)
    assert _pci(inv).vpd is None and not inv.warnings


def test_a_malformed_vpd_file_is_a_warning(tmp_path: Path) -> None:
    inv = _card(tmp_path, CARD[:-1])
    assert _pci(inv).vpd is None
    assert [str(w) for w in inv.warnings] == [
        "pci_0000_04_00_0: vpd: cut short: a resource tag at byte 167 runs past the end "
        "(167 bytes); left out, as libvirt does"]  # fmt: skip


def test_an_image_past_one_page_is_read_whole_and_one_past_32k_is_refused(tmp_path: Path) -> None:
    """The kernel's ``vpd`` file holds at most 32 KiB (a VPD address has 15 bits); a
    larger one, only possible on a fake root, is refused (libvirt reads its first
    32 KiB)."""
    big = vpd_image("C", [("PN", "p")], [(f"Y{c}", "y" * 250) for c in "0123456789BCDEFGHIJ"])
    assert len(big) > 4096
    assert _pci(_card(tmp_path / "big", big)).vpd == read_vpd(big).vpd
    huge = _card(tmp_path / "huge", big + bytes(MAX_VPD_BYTES))
    assert _pci(huge).vpd is None
    assert [str(w) for w in huge.warnings] == ["pci_0000_04_00_0: vpd: unreadable (EFBIG)"]


def test_an_unreadable_vpd_file_is_a_warning(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path, first_host=3)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x10DF, device=0xE300, driver="lpfc")
    b.add_fc_host(fn, "lpfc", node_name=0x20000000C9000001, port_name=0x10000000C9000001)
    (fn.path / "vpd").mkdir()  # read() fails with EISDIR, as a real EIO would
    inv = nx.scan(str(tmp_path))
    assert _pci(inv).vpd is None
    assert [str(w) for w in inv.warnings] == ["pci_0000_04_00_0: vpd: unreadable (EISDIR)"]


@pytest.mark.parametrize("profile", ["libvirt", "enriched"])
def test_the_capability_round_trips_and_validates(tmp_path: Path, profile: str) -> None:
    dev = _card(tmp_path, CARD)["pci_0000_04_00_0"]
    text = nx.to_xml(dev, profile)
    nx.validate(text, profile=profile)
    assert nx.from_xml(text) == dev
    assert canonical(nx.to_xml(nx.from_xml(text), profile)) == canonical(text)
    assert text.index("<capability type=\"vpd\">") > text.index("</vendor>")


def test_vpd_is_printed_where_libvirt_prints_it_among_unmodelled_elements() -> None:
    doc = """<device><name>pci_0000_04_00_0</name><parent>computer</parent>
      <capability type='pci'><domain>0</domain><bus>4</bus><slot>0</slot><function>0</function>
        <product id='0xe300'/><vendor id='0x10df'/>
        <capability type='pci-bridge'/>
        <capability type='vpd'><name>C</name><fields access='readwrite'/></capability>
        <iommuGroup number='3'><address domain='0x0000' bus='0x04' slot='0x00' function='0x0'/>
        </iommuGroup><numa node='0'/>
      </capability></device>"""
    dev = nx.from_xml(doc)
    cap = dev.pci
    assert cap is not None and cap.vpd == PCIVpd("C", None, VpdReadWrite())
    assert canonical(nx.to_xml(dev, "libvirt")) == canonical(doc)


def test_fields_with_another_access_are_refused() -> None:
    doc = """<device><name>pci_0000_04_00_0</name><parent>computer</parent>
      <capability type='pci'><domain>0</domain><bus>4</bus><slot>0</slot><function>0</function>
        <product id='0xe300'/><vendor id='0x10df'/>
        <capability type='vpd'><name>C</name><fields access='secret'/></capability>
      </capability></device>"""
    with pytest.raises(nx.XMLInputError, match="access='secret'; expected readonly or readwrite"):
        nx.from_xml(doc)


def test_a_vpd_link_is_not_followed(tmp_path: Path) -> None:
    b = SysfsBuilder(tmp_path / "root", first_host=3)
    fn = b.add_pci_function("0000:04:00.0", vendor=0x10DF, device=0xE300, driver="lpfc")
    b.add_fc_host(fn, "lpfc", node_name=0x20000000C9000001, port_name=0x10000000C9000001)
    (tmp_path / "elsewhere").write_bytes(CARD)
    (fn.path / "vpd").symlink_to(tmp_path / "elsewhere")
    inv = nx.scan(str(tmp_path / "root"))
    assert _pci(inv).vpd is None
    assert [str(w) for w in inv.warnings] == ["pci_0000_04_00_0: vpd: unreadable (ELOOP)"]
