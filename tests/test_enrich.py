"""enrich and strip: libvirt's documents in, the enrichment added or removed,
everything else untouched."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, scenarios
from newuser_roots import build, scsi_name
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
    assert enrich_document(plain, inv) == nx.to_xml(inv["scsi_host7"])  # today's name


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
    assert main(["strip", str(f)]) == 1  # an invalid document, as validate says
    err = capsys.readouterr().err
    assert err.startswith(f"nodedev-xml: error: {f}:1: ") and err.count("\n") == 1


# -- enrich gives today's facts, on hand-built roots --------------------------------------


def dump(root: Path, name: str, profile: str = "enriched") -> str:
    return nx.to_xml(nx.scan(str(root))[name], profile)


def enrich_cli(capsys: pytest.CaptureFixture[str], root: Path, doc: str, tmp: Path) -> tuple[
        int, str, str]:  # fmt: skip
    f = tmp / "in.xml"
    f.write_text(doc)
    code = main(["--root", str(root), "enrich", str(f)])
    out, err = capsys.readouterr()
    return code, out, err.replace(str(f), "IN")


def test_stale_enrichment_is_replaced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """An old enriched document (one vHBA, port Online) of a port that is now off
    the fabric with two vHBAs comes out as dumpxml prints it now."""
    build(tmp_path / "then")
    hosts = build(tmp_path / "now", port_state="Linkdown", extra_vport=True)
    hba = scsi_name(hosts["qla"])
    today = dump(tmp_path / "now", hba)
    assert "<port_state>Linkdown</port_state>" in today and today.count("<vport ") == 2
    for old in (dump(tmp_path / "then", hba), dump(tmp_path / "then", hba, "libvirt")):
        assert "<port_state>Linkdown" not in old
        code, out, err = enrich_cli(capsys, tmp_path / "now", old, tmp_path)
        assert (code, out, err) == (0, today, "")
    assert nx.enrich(dump(tmp_path / "then", hba), root=str(tmp_path / "now")) == today
    now = tmp_path / "now"
    for name in nx.scan(str(now)):  # any document of any device
        for profile in ("enriched", "libvirt"):
            assert nx.enrich(dump(now, name, profile), root=str(now)) == dump(now, name)


def test_a_renumbered_vhba_comes_out_under_its_current_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    then, now = build(tmp_path / "then"), build(tmp_path / "now", renumber=117)
    old_name, new_name = scsi_name(then["vhba"]), scsi_name(now["vhba"])
    assert (old_name, new_name) == ("scsi_host1001", "scsi_host1118")
    for profile in ("libvirt", "enriched"):
        code, out, err = enrich_cli(
            capsys, tmp_path / "now", dump(tmp_path / "then", old_name, profile), tmp_path)
        assert code == 0 and out == dump(tmp_path / "now", new_name)
        dev = nx.from_xml(out)
        assert dev.scsi_host is not None and dev.scsi_host.phys_hba is not None
        assert dev.parent_name == dev.scsi_host.phys_hba.name == scsi_name(now["qla"])
        assert err.count("\n") == 1 and err.startswith("nodedev-xml: warning: IN:1: ")
        assert f"renamed {old_name} -> {new_name}" in err
    # The HBA too; and a document whose old name is now another device's.
    hba = dump(tmp_path / "then", scsi_name(then["qla"]), "libvirt")
    code, out, err = enrich_cli(capsys, tmp_path / "now", hba.replace("scsi_host1000",
                                "scsi_host1120"), tmp_path)  # fmt: skip
    assert out == dump(tmp_path / "now", scsi_name(now["qla"]))
    assert "renamed scsi_host1120 -> scsi_host1117" in err
    code, out, err = enrich_cli(capsys, tmp_path / "now", dump(tmp_path / "then", "scsi_host1003"),
                                tmp_path)  # fmt: skip
    assert out == dump(tmp_path / "now", "scsi_host1120") and "renamed scsi_host1003 -> " in err


def test_a_document_matching_nothing_says_what_was_looked_for(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    hosts = build(tmp_path)
    doc = dump(tmp_path, scsi_name(hosts["vhba"]), "libvirt")
    stranger = doc.replace("5001a4a7d2e1c093", "5001a4a7d2e1c0ff")
    code, out, err = enrich_cli(capsys, tmp_path, stranger, tmp_path)
    assert code == 0 and out == stranger  # the name exists: another port, left alone
    assert err == (f"nodedev-xml: warning: IN:1: no device with WWNN 5001a4a7d2e1c0ff WWPN "
                   f"5001a4a3b8f6d125 under {tmp_path}; nothing added\n")  # fmt: skip
    pci = dump(tmp_path, "pci_0002_12_00_0").replace("pci_0002_12_00_0", "pci_0002_99_00_0")
    _, out, err = enrich_cli(capsys, tmp_path, pci, tmp_path)
    assert out == pci and "no device named 'pci_0002_99_00_0' under" in err


# -- strip and enrich refuse what is not node-device XML ----------------------------------


INVALID = (
    '<device><name>x</name><capability type="scsi_host"><host>abc</host></capability></device>'
)


@pytest.mark.parametrize("command", ["strip", "enrich"])
def test_invalid_input_is_refused(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build(tmp_path / "root")
    good = dump(tmp_path / "root", "scsi_host1000")
    f = tmp_path / "in.xml"
    f.write_text(INVALID)
    assert main(["validate", str(f)]) == 1
    said = capsys.readouterr().out.splitlines()[0]  # the validator's first problem
    assert said.startswith(f"{f}:1: ")
    for text, line in ((INVALID, 1), (good + INVALID, good.count("\n") + 1)):
        f.write_text(text)
        code = main(["--root", str(tmp_path / "root"), command, str(f)])
        out, err = capsys.readouterr()
        assert (code, out) == (1, ""), err
        assert err == f"nodedev-xml: error: {f}:{line}: {said.split(': ', 1)[1]}\n"
    with pytest.raises(nx.ValidationError):
        nx.strip(INVALID)
    with pytest.raises(nx.ValidationError):
        nx.enrich(INVALID, root=str(tmp_path / "root"))
    assert main(["--root", str(tmp_path / "root"), command, str(tmp_path / "none.xml")]) == 2


def test_enrich_mends_libvirt_quirks_before_judging() -> None:
    """libvirt prints lpfc's fabric name 0 and the kernel's unpadded WWNs: enrich
    takes them (and prints valid XML), strip does not."""
    root = str(FIXTURES / "short-wwn")
    plain = nx.to_xml(nx.scan(root)["scsi_host0"], "libvirt")
    quirky = plain.replace("<wwnn>01000000c9a1b2c3</wwnn>", "<wwnn>1000000c9a1b2c3</wwnn>")
    assert quirky != plain
    out = nx.enrich(quirky, root=root)
    assert out == nx.to_xml(nx.scan(root)["scsi_host0"])
    with pytest.raises(nx.ValidationError):
        nx.strip(quirky)
