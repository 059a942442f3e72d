"""Both profiles of every fixture device against the schemas: libvirt's own
installed grammar for the ``libvirt`` profile, the project's for ``enriched``."""

from __future__ import annotations

import functools

import pytest
from conftest import FIXTURES, LIBVIRT_NODEDEV_RNG, scenarios
from lxml import etree

import nodedev_xml as nx


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
        for profile in ("enriched", "libvirt"):
            text = nx.to_xml(dev, profile)
            assert nx.to_xml(nx.from_xml(text), profile) == text
        assert nx.from_xml(nx.to_xml(dev, "enriched")) == dev
