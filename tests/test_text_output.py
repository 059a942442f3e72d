"""to_xml writes text directly for speed; it must print exactly what lxml prints
for the same element tree (to_element), for every model it may meet."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, scenarios
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from strategies_xml import devices

import nodedev_xml as nx
from nodedev_xml.model import Device
from nodedev_xml.xml.document import to_element


def through_lxml(dev: Device, profile: str) -> str:
    root = to_element(dev, profile)
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode") + "\n"


@pytest.mark.parametrize("scenario", scenarios())
def test_fixture_devices(scenario: str) -> None:
    for dev in nx.scan(str(FIXTURES / scenario)).values():
        for profile in ("enriched", "libvirt"):
            assert nx.to_xml(dev, profile) == through_lxml(dev, profile)


@given(devices(), st.sampled_from(["enriched", "libvirt"]))
def test_generated_devices(doc: etree._Element, profile: str) -> None:
    try:
        dev = nx.from_xml(etree.tostring(doc))
    except nx.XMLInputError:
        return  # documents libvirt's parser refuses too (tested elsewhere)
    assert nx.to_xml(dev, profile) == through_lxml(dev, profile)


@given(st.text(max_size=30))
def test_any_text_is_escaped_as_lxml_escapes_it(text: str) -> None:
    from dataclasses import replace

    dev = nx.scan(str(FIXTURES / "qla2xxx"))["scsi_host5"]
    cap = dev.scsi_host
    assert cap is not None and cap.fc_host is not None
    odd = replace(dev, capabilities=(replace(cap, fc_host=replace(cap.fc_host, symbolic_name=text,
                                                                   port_state=text)),))  # fmt: skip
    try:
        expected = through_lxml(odd, "enriched")
    except ValueError:  # lxml refuses control characters; so must the text path
        with pytest.raises(ValueError):
            nx.to_xml(odd, "enriched")
        return
    assert nx.to_xml(odd, "enriched") == expected
