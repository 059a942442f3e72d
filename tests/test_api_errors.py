"""The API's errors: a name that is not there raises the same way everywhere, and
every error the library raises on purpose is a NodedevXmlError."""

from __future__ import annotations

from pathlib import Path

import pytest
from newuser_roots import build, scsi_name

import nodedev_xml as nx


def test_vhbas_of_an_unknown_name_raises_like_indexing(tmp_path: Path) -> None:
    hosts = build(tmp_path)
    inv = nx.scan(str(tmp_path))
    assert [d.name for d in inv.vhbas(scsi_name(hosts["qla"]))] == [scsi_name(hosts["vhba"])]
    assert inv.vhbas(scsi_name(hosts["lpfc"])) == []  # there, without vHBAs
    for lookup in (lambda: inv["nope"], lambda: inv.vhbas("nope")):
        with pytest.raises(nx.DeviceNotFoundError) as e:
            lookup()
        assert e.value.name == "nope" and str(e.value) == "no node device named 'nope'"


def test_the_readme_example_catches_every_input_error() -> None:
    """The README catches NodedevXmlError: malformed input is an XMLInputError, an
    invalid document a ValidationError, and both are caught."""
    invalid = '<device><name>x</name><capability type="scsi_host"><host>abc</host>'
    for bad in ("<device><name>x</name>", invalid + "</capability></device>"):
        with pytest.raises(nx.NodedevXmlError):
            nx.validate(bad, profile="enriched")
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    api = readme.split("## The Python API", 1)[1].split("\n## ", 1)[0]
    assert "except nx.NodedevXmlError" in api and "NodedevXmlError" in api
