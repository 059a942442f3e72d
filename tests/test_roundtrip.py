"""Parsing then printing keeps any node-device document of the whole vocabulary
valid and stable: unmodelled capabilities are kept verbatim, modelled values
come back in libvirt's spelling (WWNs 16 lower-case digits, ids ``0x%04x``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from lxml import etree
from strategies_xml import devices
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.xml.create import create_request_from_xml, create_request_to_xml


@given(devices())
def test_generated_documents_parse_print_stably_and_validly(doc: etree._Element) -> None:
    text = etree.tostring(doc, encoding="unicode")
    nx.validate(text)
    if any(c.find("address") is None for c in doc.iterfind(".//capability[@type='phys_function']")):
        with pytest.raises(nx.XMLInputError, match="phys_function lacks"):
            nx.from_xml(text)  # the schema allows it; libvirt's parser (and ours) do not
        return
    dev = nx.from_xml(text)
    once = nx.to_xml(dev, "enriched")
    nx.validate(once)
    assert nx.from_xml(once) == dev
    assert canonical(nx.to_xml(nx.from_xml(once), "enriched")) == canonical(once)


CREATE_DOCUMENTS = [
    "<device><parent>scsi_host1</parent><capability type='scsi_host'>"
    "<capability type='fc_host'/></capability></device>",
    "<device><parent wwnn='2000000012341234' wwpn='1000000012341234'/>"
    "<capability type='scsi_host'><capability type='fc_host'/></capability></device>",
    "<device><parent fabric_wwn='2000000043214321'/><capability type='scsi_host'>"
    "<capability type='fc_host'/></capability></device>",
    "<device><capability type='scsi_host'><capability type='fc_host'>"
    "<wwnn>20000000c9831b4b</wwnn><wwpn>10000000c9831b4b</wwpn></capability></capability></device>",
]


@pytest.mark.parametrize("doc", CREATE_DOCUMENTS)
def test_create_documents_round_trip_exactly(doc: str) -> None:
    """The create forms libvirt's nodedev-create takes (its tests' own shapes)."""
    req = nx.from_xml(doc, kind="create")
    assert canonical(create_request_to_xml(req)) == canonical(doc)
    assert create_request_from_xml(create_request_to_xml(req)) == req


@pytest.mark.parametrize("doc", CREATE_DOCUMENTS)
def test_create_documents_are_no_device_documents(doc: str) -> None:
    """Read as a device, a create document lacks the name and host a device has."""
    with pytest.raises(nx.XMLInputError, match=r"lacks <name>|lacks <host>"):
        nx.from_xml(doc)


COMPUTER = """<device>
  <name>computer</name>
  <capability type="system">
    <product>ProLiant</product>
    <hardware>
      <vendor>HP</vendor>
      <uuid>30373237-3132-5a43-4a31-323334353637</uuid>
    </hardware>
    <firmware/>
  </capability>
</device>
"""


def test_the_computer_s_system_capability_is_modelled_and_printed_back() -> None:
    from nodedev_xml.model import System

    dev = nx.from_xml(COMPUTER)
    assert dev.capabilities == (
        System(uuid="30373237-3132-5a43-4a31-323334353637", product="ProLiant",
               hardware_vendor="HP"),
    )  # fmt: skip
    assert nx.to_xml(dev, "libvirt") == COMPUTER


ODD_SYSTEMS = (
    "<hardware><vendor>HP</vendor></hardware><firmware/>",  # no uuid
    "<hardware><uuid>u</uuid></hardware><firmware/><numa/>",  # an element more
    "<hardware><uuid a='1'>u</uuid></hardware><firmware/>",  # an attribute
)


@pytest.mark.parametrize("odd", ODD_SYSTEMS)
def test_a_system_capability_laid_out_otherwise_is_kept_verbatim(odd: str) -> None:
    from nodedev_xml.model import RawCapability

    doc = f"<device><name>computer</name><capability type='system'>{odd}</capability></device>"
    cap = nx.from_xml(doc).capabilities[0]
    assert isinstance(cap, RawCapability)
    assert canonical(nx.to_xml(nx.from_xml(doc))) == canonical(doc)
