"""dumpxml --json: typed JSON decoded through the schema, in its documented shape."""

from __future__ import annotations

import json

import pytest
from conftest import FIXTURES, scenarios

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.vocabulary import PROFILES
from nodedev_xml.xml.document import to_element
from nodedev_xml.xml.jsonview import to_json_data


def test_shape_and_types(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--root", str(FIXTURES / "qla2xxx"), "dumpxml", "scsi_host5", "--json"]) == 0
    [dev] = json.loads(capsys.readouterr().out)
    assert dev["name"] == "scsi_host5" and dev["parent"] == "pci_0000_04_00_0"
    [scsi] = dev["capability"]
    assert scsi["@type"] == "scsi_host" and scsi["host"] == 5 and scsi["unique_id"] == 5
    caps = {c["@type"]: c for c in scsi["capability"]}
    assert caps["fc_host"]["wwnn"] == "2000001b32a9da4e"  # WWNs stay 16-digit strings
    assert caps["vport_ops"] == {"@type": "vport_ops", "max_vports": 127, "vports": 2}
    assert caps["vports"]["@maxCount"] == 127
    assert [v["@name"] for v in caps["vports"]["vport"]] == ["scsi_host7", "scsi_host8"]
    assert scsi["adapter"]["vendor"] == {"@id": "0x1077", "$": "QLogic Corp."}


@pytest.mark.parametrize("scenario", scenarios())
def test_every_device_decodes_in_both_profiles(scenario: str) -> None:
    for dev in nx.scan(str(FIXTURES / scenario)).values():
        for profile in PROFILES:
            data = to_json_data(to_element(dev, profile), profile)
            assert data["name"] == dev.name
            json.dumps(data)  # plain JSON types only
