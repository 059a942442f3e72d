"""Create documents (what ``virsh nodedev-create`` takes) are their own kind:
read with ``from_xml(kind="create")`` as a CreateRequest, printed by
``create_request_to_xml``; a device document that lost its name or host
number is refused instead of passing for one."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES

import nodedev_xml as nx
from nodedev_xml.model import CreateRequest, Device, Parent
from nodedev_xml.xml.create import (
    create_request_from_xml,
    create_request_to_xml,
    vhba_create_xml,
)

CORPUS = Path(__file__).parent / "schema_corpus" / "valid"
HBA_WWNN, HBA_WWPN = nx.WWN.parse("2000001b32a9da4e"), nx.WWN.parse("2100001b32a9da4e")
FABRIC = nx.WWN.parse("2001000dec9877c1")
OWN_WWNN, OWN_WWPN = nx.WWN.parse("5001a4a5f1c0e3b2"), nx.WWN.parse("5001a4a9d3a7c041")

SCSI_HOST = """
  <capability type='scsi_host'>
    <capability type='fc_host'>{names}</capability>
  </capability>"""
NAMES = f"<wwnn>{OWN_WWNN}</wwnn><wwpn>{OWN_WWPN}</wwpn>"


def create_doc(parent: str = "", names: str = NAMES) -> str:
    return f"<device>{parent}{SCSI_HOST.format(names=names)}\n</device>\n"


PARENTS = {
    "name": ("<parent>scsi_host5</parent>", Parent(name="scsi_host5")),
    "wwns": (
        f"<parent wwnn='{HBA_WWNN}' wwpn='{HBA_WWPN}'/>",
        Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN),
    ),
    "fabric": (f"<parent fabric_wwn='0x{FABRIC}'/>", Parent(fabric_wwn=FABRIC)),
    "none": ("", None),
}


@pytest.mark.parametrize("way", list(PARENTS))
def test_from_xml_create_reads_each_parent_form(way: str) -> None:
    text, parent = PARENTS[way]
    req = nx.from_xml(create_doc(text), kind="create")
    assert req == CreateRequest(parent=parent, wwnn=OWN_WWNN, wwpn=OWN_WWPN)
    bare = nx.from_xml(create_doc(text, names=""), kind="create")
    assert bare == CreateRequest(parent=parent)
    assert create_request_from_xml(create_doc(text)) == req


@pytest.mark.parametrize("way", list(PARENTS))
def test_create_request_to_xml_is_what_vhba_create_xml_prints(way: str) -> None:
    _, parent = PARENTS[way]
    kwargs: dict[str, object] = {}
    if parent is not None and parent.name is not None:
        kwargs["parent"] = parent.name
    if parent is not None and parent.wwnn is not None:
        kwargs.update(parent_wwnn=parent.wwnn, parent_wwpn=parent.wwpn)
    if parent is not None and parent.fabric_wwn is not None:
        kwargs["parent_fabric_wwn"] = parent.fabric_wwn
    for own in ({}, {"wwnn": OWN_WWNN, "wwpn": OWN_WWPN}):
        req = CreateRequest(parent=parent, **own)
        text = create_request_to_xml(req)
        assert text == vhba_create_xml(**kwargs, **own)
        assert nx.from_xml(text, kind="create") == req
    assert '<capability type="fc_host"/>' in create_request_to_xml(CreateRequest(parent))


@pytest.mark.parametrize("path", sorted(CORPUS.glob("libvirt-create-parent-by-*.xml")),
                         ids=lambda p: p.stem)  # fmt: skip
def test_libvirts_own_create_documents(path: Path) -> None:
    """libvirt's create documents carry ``<name>new device</name>`` and ``<host>0</host>``;
    libvirt does not read them for a create request, nor do we."""
    req = nx.from_xml(path.read_bytes(), kind="create", source=path.name)
    expected = {
        "libvirt-create-parent-by-name": Parent(name="scsi_host5"),
        "libvirt-create-parent-by-wwns": Parent(wwnn=HBA_WWNN, wwpn=HBA_WWPN),
        "libvirt-create-parent-by-fabric": Parent(fabric_wwn=FABRIC),
    }[path.stem]
    assert req.parent == expected
    assert req.wwnn is not None and req.wwnn.value >> 60 == 5  # a locally assigned WWN
    assert create_request_from_xml(create_request_to_xml(req)) == req


@pytest.mark.parametrize("profile", ["libvirt", "enriched"])
def test_a_dumped_vhba_reads_as_the_request_that_recreates_it(profile: str) -> None:
    vhba = nx.scan(str(FIXTURES / "qla2xxx"))["scsi_host7"]
    cap = vhba.scsi_host
    assert cap is not None and cap.fc_host is not None and cap.is_vhba
    req = nx.from_xml(nx.to_xml(vhba, profile), kind="create")
    assert req == CreateRequest(Parent(name="scsi_host5"), cap.fc_host.wwnn, cap.fc_host.wwpn)


def test_a_scanned_document_stays_a_device() -> None:
    text = nx.to_xml(nx.scan(str(FIXTURES / "qla2xxx"))["scsi_host5"], "libvirt")
    assert isinstance(nx.from_xml(text), Device)
    assert isinstance(nx.from_xml(text, kind="device"), Device)
    with pytest.raises(nx.XMLInputError, match=r"vport_ops.*inside scsi_host"):
        nx.from_xml(text, kind="create")  # an HBA's document, not a vHBA to create


# -- a device document that lost its name or host is no create request --------


def _without(text: str, line_start: str) -> str:
    return "\n".join(ln for ln in text.splitlines() if not ln.strip().startswith(line_start))


def test_device_document_without_host_is_refused_naming_the_line() -> None:
    text = nx.to_xml(nx.scan(str(FIXTURES / "qla2xxx"))["scsi_host7"], "libvirt")
    broken = _without(text, "<host>")
    line = next(i for i, ln in enumerate(broken.splitlines(), 1) if 'type="scsi_host"' in ln)
    with pytest.raises(nx.XMLInputError) as err:
        nx.from_xml(broken, source="vhba.xml")
    assert str(err.value) == f"vhba.xml:{line}: scsi_host lacks <host>; expected its host number"
    assert "\n" not in str(err.value)


def test_device_document_without_name_is_refused() -> None:
    text = nx.to_xml(nx.scan(str(FIXTURES / "qla2xxx"))["scsi_host7"], "libvirt")
    with pytest.raises(nx.XMLInputError) as err:
        nx.from_xml(_without(text, "<name>"), source="vhba.xml")
    assert str(err.value) == "vhba.xml:1: <device> lacks <name>; expected the node-device name"


def test_device_document_with_a_bare_fc_host_is_refused() -> None:
    doc = ("<device><name>scsi_host9</name><capability type='scsi_host'><host>9</host>\n"
           "<capability type='fc_host'/></capability></device>")  # fmt: skip
    with pytest.raises(nx.XMLInputError, match=r"^<string>:2: fc_host lacks <wwnn> and <wwpn>"):
        nx.from_xml(doc)


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown document kind 'pool': expected 'device' or"):
        nx.from_xml(create_doc(), kind="pool")


# -- what a create document may not be ----------------------------------------

REFUSED = {
    "root": ("<node/>", 1, "root element is <node>; expected <device>"),
    "empty parent": (create_doc("<parent/>"), 1, "<parent> is empty; expected"),
    "two ways": (
        create_doc(f"<parent fabric_wwn='{FABRIC}'>scsi_host5</parent>"),
        1,
        r"<parent> names the HBA 2 ways \(name, fabric_wwn\); expected one",
    ),
    "half parent pair": (
        create_doc(f"<parent wwnn='{HBA_WWNN}'/>"),
        1,
        "<parent> has only one of wwnn and wwpn; expected both",
    ),
    "two parents": (
        create_doc("<parent>scsi_host5</parent><parent>scsi_host6</parent>"),
        1,
        "<device> has a second <parent>; expected one at most",
    ),
    "bad parent wwn": (
        create_doc("<parent fabric_wwn='2001'/>"),
        1,
        "fabric_wwn='2001' on <parent>; expected a WWN of 16 hex digits",
    ),
    "half own pair": (
        create_doc(names=f"<wwnn>{OWN_WWNN}</wwnn>"),
        3,
        "fc_host has only one of <wwnn> and <wwpn>; expected both, or neither",
    ),
    "bad own wwn": (
        create_doc(names=f"<wwnn>{OWN_WWNN}</wwnn><wwpn>0x12</wwpn>"),
        3,
        "<wwpn> has '0x12'; expected a WWN of 16 hex digits",
    ),
    "no scsi_host": (
        "<device>\n<parent>scsi_host5</parent></device>",
        1,
        "<device> has no <capability type=",
    ),
    "pci": (
        "<device><capability type='pci'/>\n" + SCSI_HOST.format(names="") + "</device>",
        1,
        "<capability type='pci'> in a create document",
    ),
    "untyped": ("<device>\n<capability/></device>", 2, "<capability> without type"),
    "two scsi_hosts": (
        "<device>" + SCSI_HOST.format(names="") * 2 + "</device>",
        5,
        "a second <capability type='scsi_host'>",
    ),
    "no fc_host": (
        "<device>\n<capability type='scsi_host'><host>0</host></capability></device>",
        2,
        "scsi_host lacks <capability type='fc_host'>",
    ),
    "vports": (
        "<device><capability type='scsi_host'>\n<capability type='vports'/></capability></device>",
        2,
        "<capability type='vports'> inside scsi_host",
    ),
    "two fc_hosts": (
        "<device><capability type='scsi_host'><capability type='fc_host'/>\n"
        "<capability type='fc_host'/></capability></device>",
        2,
        "a second <capability type='fc_host'>",
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_create_document_refusals_name_file_and_line(case: str) -> None:
    doc, line, message = REFUSED[case]
    with pytest.raises(nx.XMLInputError, match=f"^create.xml:{line}: {message}") as err:
        nx.from_xml(doc, kind="create", source="create.xml")
    assert "\n" not in str(err.value)
    with pytest.raises(nx.XMLInputError, match=f"^<string>:{line}: {message}"):
        create_request_from_xml(doc)


def test_create_documents_are_read_through_the_hardened_parser() -> None:
    hostile = '<!DOCTYPE device [<!ENTITY x "scsi_host5">]>' + create_doc("<parent>&x;</parent>")
    with pytest.raises(nx.XMLInputError, match="DOCTYPE"):
        nx.from_xml(hostile, kind="create")


# -- the model ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"wwnn": OWN_WWNN}, "WWNN and WWPN together, or neither"),
        ({"parent": Parent()}, r"one way, not 0 \(none\)"),
        ({"parent": Parent(name="scsi_host5", fabric_wwn=FABRIC)}, r"not 2 \(name, fabric_wwn\)"),
        ({"parent": Parent(wwnn=HBA_WWNN)}, "parent's WWNN and WWPN together"),
        ({"parent": Parent(name=" ")}, "parent name is empty"),
    ],
)
def test_create_request_refuses_what_names_no_single_vhba(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        CreateRequest(**kwargs)
