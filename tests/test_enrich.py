"""enrich and strip: libvirt's documents in, the enrichment added or removed,
everything else untouched."""

from __future__ import annotations

import pytest
from conftest import FIXTURES, scenarios
from xmlcompare import canonical

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.xml.enrich import enrich_document, strip_document


@pytest.mark.parametrize("scenario", scenarios())
def test_enrich_of_libvirt_profile_is_the_enriched_profile(scenario: str) -> None:
    inv = nx.scan(str(FIXTURES / scenario))
    for dev in inv.values():
        plain, enriched = nx.to_xml(dev, "libvirt"), nx.to_xml(dev, "enriched")
        assert canonical(enrich_document(plain, inv)) == canonical(enriched), dev.name
        assert canonical(strip_document(enriched)) == canonical(plain), dev.name
        nx.validate(strip_document(enriched), profile="libvirt")


def test_nothing_to_add_is_the_identity() -> None:
    inv = nx.scan(str(FIXTURES / "qla2xxx"))
    pci = "<device>\n<name>pci_0000_04_00_0</name> <!-- as typed -->\n" + \
        nx.to_xml(inv["pci_0000_04_00_0"], "libvirt").split("</name>", 1)[1]
    assert enrich_document(pci, inv) == pci
    stranger = nx.to_xml(nx.scan(str(FIXTURES / "lpfc"))["scsi_host8"], "libvirt")
    assert enrich_document(stranger, inv) == stranger  # not on this host
    enriched = nx.to_xml(inv["scsi_host5"], "enriched")
    assert enrich_document(enriched, inv) == enriched  # already enriched
    assert strip_document(pci) == pci


def test_device_found_by_wwn_after_renumbering() -> None:
    inv = nx.scan(str(FIXTURES / "qla2xxx"))
    plain = nx.to_xml(inv["scsi_host7"], "libvirt").replace("scsi_host7", "scsi_host42")
    plain = plain.replace("<host>7</host>", "<host>42</host>")
    out = nx.from_xml(enrich_document(plain, inv))
    assert out.name == "scsi_host42"
    assert out.scsi_host is not None and out.scsi_host.phys_hba is not None
    assert out.scsi_host.phys_hba.name == "scsi_host5"


def test_libvirt_quirks_are_mended_so_the_result_validates() -> None:
    """libvirt prints the kernel's unpadded WWNs and lpfc's fabric name 0 as they are."""
    inv = nx.scan(str(FIXTURES / "lpfc"))
    plain = nx.to_xml(inv["scsi_host9"], "libvirt")
    quirky = plain.replace("<wwpn>10000000c9a1b2c4</wwpn>", "<wwpn>10000000c9a1b2c4</wwpn>"
                           "<fabric_wwn>0</fabric_wwn>")  # fmt: skip
    assert "<fabric_wwn>0</fabric_wwn>" in quirky
    out = enrich_document(quirky, inv)
    nx.validate(out, profile="enriched")
    assert "fabric_wwn" not in out
    short = nx.to_xml(nx.scan(str(FIXTURES / "short-wwn"))["scsi_host0"], "libvirt")
    short = short.replace("<wwnn>01000000c9a1b2c3</wwnn>", "<wwnn>1000000c9a1b2c3</wwnn>")
    out = enrich_document(short, nx.scan(str(FIXTURES / "short-wwn")))
    assert "<wwnn>01000000c9a1b2c3</wwnn>" in out
    nx.validate(out, profile="enriched")


def test_api_and_command_line(capsys: pytest.CaptureFixture[str], tmp_path: object) -> None:
    from pathlib import Path

    root = str(FIXTURES / "mixed")
    plain = nx.to_xml(nx.scan(root)["scsi_host3"], "libvirt")
    enriched = nx.enrich(plain, root=root)
    assert "<capability type=\"vports\"" in enriched
    assert canonical(nx.strip(enriched)) == canonical(plain)
    f = Path(str(tmp_path)) / "host.xml"
    f.write_text(plain)
    assert main(["--root", root, "enrich", str(f)]) == 0
    assert canonical(capsys.readouterr().out) == canonical(enriched)
    f.write_text(enriched)
    assert main(["strip", str(f)]) == 0
    assert canonical(capsys.readouterr().out) == canonical(plain)
    f.write_text("<device><name>x</name>")
    assert main(["strip", str(f)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"nodedev-xml: error: {f}:1: ") and err.count("\n") == 1
