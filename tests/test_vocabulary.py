"""The vocabulary: one list of profiles and schema languages, checked one way everywhere."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import nodedev_xml as nx
from nodedev_xml import vocabulary as v
from nodedev_xml.cli import main
from nodedev_xml.schemas import grammar_path


def test_profiles_and_languages() -> None:
    assert v.PROFILES == ("enriched", "libvirt") and v.DEFAULT_PROFILE == "enriched"
    assert v.SCHEMA_LANGUAGES == ("rng", "xsd") and v.DEFAULT_SCHEMA_LANGUAGE == "rng"
    for profile in v.PROFILES:
        assert v.check_profile(profile) == profile
    for language in v.SCHEMA_LANGUAGES:
        assert v.check_schema_language(language) == language


def test_one_message_for_an_unknown_profile() -> None:
    """to_xml, to_element, validate and the schema registry all say it the same way."""
    expected = "unknown profile 'full': expected 'enriched' or 'libvirt'"
    with pytest.raises(ValueError) as checked:
        v.check_profile("full")
    assert str(checked.value) == expected
    dev = nx.from_xml("<device><name>x</name><capability type='system'/></device>")
    for call in (
        lambda: nx.to_xml(dev, "full"),
        lambda: nx.validate("<device/>", "full"),
        lambda: grammar_path("full", "rng"),
    ):
        with pytest.raises(ValueError) as caught:
            call()
        assert str(caught.value) == expected


def test_one_message_for_an_unknown_schema_language() -> None:
    expected = "unknown schema 'dtd': expected 'rng' or 'xsd'"
    for call in (
        lambda: v.check_schema_language("dtd"),
        lambda: nx.validate("<device/>", schema="dtd"),
        lambda: grammar_path("enriched", "dtd"),
    ):
        with pytest.raises(ValueError) as caught:
            call()
        assert str(caught.value) == expected


def test_schema_files() -> None:
    assert v.schema_file("enriched", "rng") == "nodedev.rng"
    assert v.schema_file("libvirt", "xsd", "device") == "nodedev-libvirt.xsd"
    with pytest.raises(ValueError, match="no enriched grammar for create documents"):
        v.schema_file("enriched", "rng", "create")


def test_names() -> None:
    assert v.COMPUTER == "computer"
    assert v.scsi_host_name(5) == "scsi_host5"
    assert v.scsi_target_name(5, 0, 1) == "scsi_target5_0_1"
    assert v.pci_name(0, 4, 0, 1) == "pci_0000_04_00_1"
    assert v.pci_name(0x10, 0xAB, 0x1F, 7) == "pci_0010_ab_1f_7"


@pytest.mark.parametrize("command", ["dumpxml", "validate"])
def test_the_command_offers_the_vocabulary_s_profiles(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--profile", "full", "x"]) == 2
    err = capsys.readouterr().err
    choices = ", ".join(repr(p) for p in v.PROFILES)
    assert f"invalid choice: 'full' (choose from {choices})" in err


def test_the_vocabulary_imports_nothing_of_the_package() -> None:
    code = ("import json, sys, nodedev_xml.vocabulary; print(json.dumps("
            "[m for m in sys.modules if m.startswith('nodedev_xml.')]))")  # fmt: skip
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    # _version and errors: what the package's own __init__ loads.
    loaded = set(json.loads(done.stdout))
    assert loaded == {"nodedev_xml._version", "nodedev_xml.errors", "nodedev_xml.vocabulary"}


def test_the_kernel_s_names_map_to_node_device_names() -> None:
    kernel = ("0000:04:00.0", "04:00.1", "host5", "target5:0:1", "[5:0:1:2]", "host05x")
    assert [v.node_device_name(n) for n in kernel] == [
        "pci_0000_04_00_0", "pci_0000_04_00_1", "scsi_host5", "scsi_target5_0_1",
        "scsi_5_0_1_2", None,
    ]  # fmt: skip
    assert v.is_node_device_name("scsi_host5") and not v.is_node_device_name("host5:0")


def test_capability_names_are_checked_in_one_place() -> None:
    assert v.check_caps(["pci", "vports"]) == {"pci", "vports"}
    with pytest.raises(ValueError, match="unknown capability 'disk'; expected one of fc_host"):
        v.check_caps(["pci", "disk", "zz"])
