"""Whatever bytes come in, the XML-reading API raises only the library's
documented errors: XMLInputError for input it refuses, ValidationError for a
document that does not match the schema."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, REPO
from hypothesis import given
from hypothesis import strategies as st

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.xml.enrich import enrich_document, strip_document

SEEDS = sorted((REPO / "tests" / "golden").glob("*/*.xml"))
SEED_TEXT = [p.read_bytes() for p in SEEDS if "qla2xxx" in str(p) or "sriov" in str(p)]
INVENTORY = nx.scan(str(FIXTURES / "qla2xxx"))
DOCUMENTED = (nx.XMLInputError, nx.ValidationError)


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    doc = bytearray(draw(st.sampled_from(SEED_TEXT)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        pos = draw(st.integers(min_value=0, max_value=len(doc)))
        kind = draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        if kind == "flip" and pos < len(doc):
            doc[pos] = draw(st.integers(min_value=0, max_value=255))
        elif kind == "cut":
            del doc[pos:]
        elif kind == "insert":
            doc[pos:pos] = draw(st.sampled_from([
                b"<capability type='vports'/>", b"<host>x</host>", b"&amp;", b"&x;", b"<a>",
                b"</device>", b"<!DOCTYPE d>", b"<?pi?>", b"wwnn='zz'", b"<vport wwnn='1'/>",
                b"<address domain='0x10000' bus='0x1' slot='0x1' function='0x9'/>", b"\xff",
            ]))  # fmt: skip
        else:
            del doc[pos : pos + draw(st.integers(min_value=1, max_value=40))]
    return bytes(doc)


@given(mutated())
def test_parse_validate_enrich_strip_raise_only_documented_errors(data: bytes) -> None:
    for call in (
        lambda: nx.from_xml(data),
        lambda: nx.validate(data),
        lambda: nx.validate(data, profile="libvirt"),
        lambda: enrich_document(data, INVENTORY),
        lambda: strip_document(data),
    ):
        try:
            call()
        except DOCUMENTED as e:
            assert "\n" not in str(e)


@given(mutated())
def test_round_trip_of_whatever_parses_is_stable(data: bytes) -> None:
    try:
        dev = nx.from_xml(data)
    except nx.XMLInputError:
        return
    for profile in ("enriched", "libvirt"):
        once = nx.to_xml(dev, profile)
        assert nx.to_xml(nx.from_xml(once), profile) == once


@pytest.mark.parametrize("name", ["../../../etc/passwd", "scsi_host5/../x", "/sys", "..", ""])
def test_names_that_are_no_node_device_names_are_refused(
    name: str, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(["--root", str(FIXTURES / "qla2xxx"), "dumpxml", name])
    err = capsys.readouterr().err
    assert code == 2 and "not a node-device name" in err and err.count("\n") == 1
