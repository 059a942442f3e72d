"""Both profiles of every fixture device against the schemas: libvirt's own
installed grammar for the ``libvirt`` profile, the project's for ``enriched``."""

from __future__ import annotations

import dataclasses
import functools

import pytest
from conftest import FIXTURES, LIBVIRT_NODEDEV_RNG, scenarios
from lxml import etree

import nodedev_xml as nx
from nodedev_xml.model import Device, FCHost, ScsiHost
from nodedev_xml.schemas import grammar_path
from nodedev_xml.vocabulary import PROFILES
from nodedev_xml.wwn import WWN
from nodedev_xml.xml import codec
from nodedev_xml.xml.enrich import strip_document


@functools.cache
def libvirt_schema() -> etree.RelaxNG:
    if not LIBVIRT_NODEDEV_RNG.exists():
        pytest.skip("libvirt's schemas are not installed (Debian package libvirt0)")
    return etree.RelaxNG(etree.parse(str(LIBVIRT_NODEDEV_RNG)))


@pytest.mark.parametrize("scenario", scenarios())
def test_libvirt_profile_is_valid_for_libvirt(scenario: str) -> None:
    schema = libvirt_schema()
    for name, dev in nx.scan(str(FIXTURES / scenario)).items():
        doc = etree.fromstring(nx.to_xml(dev, "libvirt"))
        assert schema.validate(doc), f"{scenario}/{name}: {schema.error_log.last_error}"
        nx.validate(doc, profile="libvirt")
        nx.validate(doc, profile="enriched")


@pytest.mark.parametrize("scenario", scenarios())
def test_enriched_profile_is_valid_for_the_project_schema(scenario: str) -> None:
    for dev in nx.scan(str(FIXTURES / scenario)).values():
        nx.validate(nx.to_xml(dev, "enriched"), profile="enriched")


@pytest.mark.parametrize("scenario", scenarios())
def test_enriched_documents_are_not_libvirt_documents(scenario: str) -> None:
    """Wherever the enrichment adds something, libvirt's grammar refuses it."""
    schema = libvirt_schema()
    for dev in nx.scan(str(FIXTURES / scenario)).values():
        enriched = nx.to_xml(dev, "enriched")
        if enriched != nx.to_xml(dev, "libvirt"):
            assert not schema.validate(etree.fromstring(enriched))
            with pytest.raises(nx.ValidationError):
                nx.validate(enriched, profile="libvirt")


@pytest.mark.parametrize("scenario", scenarios())
def test_round_trip_through_the_parser(scenario: str) -> None:
    for dev in nx.scan(str(FIXTURES / scenario)).values():
        for profile in PROFILES:
            text = nx.to_xml(dev, profile)
            assert nx.to_xml(nx.from_xml(text), profile) == text
        assert nx.from_xml(nx.to_xml(dev, "enriched")) == dev


def test_every_fc_host_field_has_one_declaration() -> None:
    """The model's fc_host fields after the port names are the table's, in document order:
    a field added to the model without its declaration fails here."""
    model = [f.name for f in dataclasses.fields(FCHost)]
    assert model[:2] == ["wwnn", "wwpn"]
    assert [f.tag for f in codec.FC_HOST_FIELDS] == model[2:]
    assert all(f.profile in (None, *PROFILES) for f in codec.FC_HOST_FIELDS)


@pytest.mark.parametrize("scenario", scenarios())
def test_the_declared_enriched_fc_host_fields_are_what_the_profiles_differ_by(
    scenario: str,
) -> None:
    """Each fc_host child the table gives to ``enriched`` is printed in that profile
    only, parsed back to the model's value, and removed by ``strip``."""
    for dev in nx.scan(str(FIXTURES / scenario)).values():
        fc = dev.scsi_host.fc_host if dev.scsi_host is not None else None
        if fc is None:
            continue
        enriched = etree.fromstring(nx.to_xml(dev, "enriched"))
        libvirt = etree.fromstring(nx.to_xml(dev, "libvirt"))
        stripped = etree.fromstring(strip_document(nx.to_xml(dev, "enriched")))
        where = "capability[@type='scsi_host']/capability[@type='fc_host']/"
        for field in codec.FC_HOST_FIELDS:
            printed = enriched.find(where + field.tag) is not None
            assert printed == (getattr(fc, field.tag) is not None), f"{dev.name}: {field.tag}"
            in_libvirt = libvirt.find(where + field.tag) is not None
            assert in_libvirt == (printed and field.profile is None), f"{dev.name}: {field.tag}"
            assert (stripped.find(where + field.tag) is not None) == in_libvirt
        parsed = nx.from_xml(nx.to_xml(dev, "enriched")).scsi_host
        assert parsed is not None and parsed.fc_host == fc


def _grammar_fc_host_elements() -> dict[str, etree._Element]:
    """The ``<element>`` patterns of fc_host's children in the enriched RelaxNG, by name."""
    rng = etree.parse(str(grammar_path("enriched", "rng")))
    ns = {"rng": "http://relaxng.org/ns/structure/1.0"}
    defines = "//rng:define[@name='scsiHost.fcHost' or @name='enriched.fcHostPortFacts']"
    return {e.get("name"): e for e in rng.xpath(defines + "//rng:element", namespaces=ns)}


@pytest.mark.parametrize("field", codec.FC_HOST_FIELDS, ids=lambda f: f.tag)
def test_each_declared_fc_host_field_is_in_the_grammar_and_round_trips(
    field: codec.Field[object],
) -> None:
    """The grammar has the element, for the declared profile; its documented example,
    read by the declaration, prints valid in both schema languages and parses back."""
    pattern = _grammar_fc_host_elements()[field.tag]
    nx_profile = pattern.get("{urn:nodedev-xml:schema-doc}profile")
    assert nx_profile == (field.profile or "libvirt")
    value = field.from_text(pattern.get("{urn:nodedev-xml:schema-doc}example", ""))
    assert value is not None
    fc = FCHost(wwnn=WWN.parse("2000001b32a9da4e"), wwpn=WWN.parse("2100001b32a9da4e"),
                **{field.tag: value})  # fmt: skip
    dev = Device(name="scsi_host5", capabilities=(ScsiHost(host=5, fc_host=fc),))
    enriched = nx.to_xml(dev, "enriched")
    assert f"<{field.tag}>" in enriched
    for language in ("rng", "xsd"):
        nx.validate(enriched, "enriched", schema=language)
    assert nx.from_xml(enriched) == dev
    libvirt = nx.to_xml(dev, "libvirt")
    assert (f"<{field.tag}>" in libvirt) == (field.profile is None)
    nx.validate(libvirt, "libvirt")
