"""dumpxml --json: typed JSON decoded through the schema, in its documented shape."""

from __future__ import annotations

import functools
import json
import operator
from collections import Counter
from pathlib import Path

import pytest
from conftest import FIXTURES, scenarios
from lxml import etree

import nodedev_xml as nx
from nodedev_xml.cli import main
from nodedev_xml.validation import schema_path
from nodedev_xml.vocabulary import PROFILES
from nodedev_xml.xml.document import to_element
from nodedev_xml.xml.jsonview import repeating_names, to_json_data


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


# ------------------------------------------------------------------------- lists

RNG = "{http://relaxng.org/ns/structure/1.0}"
CORPUS_VALID = sorted((Path(__file__).resolve().parent / "schema_corpus" / "valid").glob("*.xml"))


def _rng_repeating() -> set[str]:
    """From nodedev.rng, independently of the XSD: the element names that may occur more
    than once in some element's content (under zeroOrMore / oneOrMore, or twice in one
    content; the branches of a choice exclude each other)."""
    grammar = etree.parse(str(schema_path("nodedev.rng"))).getroot()
    defines = {d.get("name"): d for d in grammar.iter(f"{RNG}define")}

    def count(node: etree._Element, seen: tuple[str, ...]) -> Counter[str]:
        tag = node.tag
        if tag == f"{RNG}element":
            return Counter({node.get("name", ""): 1})
        if tag == f"{RNG}ref":
            name = node.get("name", "")
            return Counter() if name in seen else count(defines[name], (*seen, name))
        parts = [count(c, seen) for c in node if isinstance(c.tag, str) and c.tag.startswith(RNG)]
        if tag == f"{RNG}choice":
            return functools.reduce(operator.or_, parts, Counter())  # the most of any branch
        total = sum(parts, Counter())
        if tag in {f"{RNG}zeroOrMore", f"{RNG}oneOrMore"}:
            total = Counter({name: 2 for name in total})
        return total

    out: set[str] = set()
    for element in grammar.iter(f"{RNG}element"):
        content = [c for c in element if isinstance(c.tag, str) and c.tag.startswith(RNG)]
        counts = sum((count(c, ()) for c in content), Counter())
        out.update(name for name, n in counts.items() if n > 1)
    return out


def test_repeating_names_are_the_grammars() -> None:
    assert repeating_names() == _rng_repeating()
    assert {"capability", "address", "vport", "devnode", "type"} <= repeating_names()
    assert not {"name", "parent", "host", "wwnn", "adapter"} & repeating_names()


def _shapes(data: object, where: str, out: dict[str, set[str]]) -> None:
    """Record, for each element name, where it came out as a list and where not."""
    if isinstance(data, list):
        for item in data:
            _shapes(item, where, out)
    elif isinstance(data, dict):
        for key, value in data.items():
            if not key.startswith(("@", "$")):
                out.setdefault(key, set()).add("list" if isinstance(value, list) else "single")
                _shapes(value, f"{where}/{key}", out)


def _documents() -> list[tuple[etree._Element, str]]:
    docs = [
        (to_element(dev, profile), profile)
        for scenario in scenarios()
        for dev in nx.scan(str(FIXTURES / scenario)).values()
        for profile in ("enriched", "libvirt")
    ]
    return docs + [(etree.parse(str(p)).getroot(), "enriched") for p in CORPUS_VALID]


def test_a_name_that_may_repeat_is_a_list_everywhere() -> None:
    """Every fixture's devices in both profiles, and the schema corpus: one shape a name."""
    shapes: dict[str, set[str]] = {}
    for root, profile in _documents():
        _shapes(to_json_data(root, profile), "", shapes)
    assert {name for name, seen in shapes.items() if seen == {"list"}} <= repeating_names()
    assert {name for name, seen in shapes.items() if len(seen) > 1} == set()
    assert {name for name in repeating_names() if shapes.get(name) != {"list"}} == set()


def test_scsi_target_capability_is_a_list(capsys: pytest.CaptureFixture[str]) -> None:
    target = "scsi_target5_0_0"
    assert main(["--root", str(FIXTURES / "qla2xxx"), "dumpxml", target, "--json"]) == 0
    [dev] = json.loads(capsys.readouterr().out)
    [cap] = dev["capability"]
    assert cap["@type"] == "scsi_target"
    [rport] = cap["capability"]
    assert rport["@type"] == "fc_remote_port"
