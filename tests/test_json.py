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


# ------------------------------------------------------------------- the compiled plan


def _dumped(data: object) -> str:
    return json.dumps(data)  # keeps key order: the shape includes it


def test_the_plan_decodes_as_xmlschema_does() -> None:
    """Every fixture's devices in both profiles, built without a tree and replayed from
    one, and the schema corpus: the same objects, keys in the same order."""
    from nodedev_xml.xml.jsonview import decode_with_xmlschema, device_json_data

    for scenario in scenarios():
        for dev in nx.scan(str(FIXTURES / scenario)).values():
            for profile in PROFILES:
                root = to_element(dev, profile)
                expected = _dumped(decode_with_xmlschema(root, profile))
                assert _dumped(device_json_data(dev, profile)) == expected, dev.name
                assert _dumped(to_json_data(root, profile)) == expected, dev.name
    for path in CORPUS_VALID:
        root = etree.parse(str(path)).getroot()
        assert _dumped(to_json_data(root)) == _dumped(decode_with_xmlschema(root)), path.name


def test_the_shipped_plan_is_the_schemas(request: pytest.FixtureRequest) -> None:
    """nodedev_xml/schemas/json-plans.json is compiled from the XSDs it names; after a
    change of the XSDs, ``pytest tests/test_json.py --regen-golden`` writes it again."""
    from nodedev_xml.schemas import SCHEMA_DIR
    from nodedev_xml.xml.jsonview import PLAN_FILE, compile_plans

    text = json.dumps(compile_plans(), indent=1, sort_keys=True) + "\n"
    path = SCHEMA_DIR / PLAN_FILE
    if request.config.getoption("--regen-golden"):
        path.write_text(text, encoding="utf-8")
    assert path.read_text(encoding="utf-8") == text, f"stale {path}: run with --regen-golden"


def test_alternatives_are_tested_as_xmlschema_tests_them() -> None:
    """The plan's reading of each xs:alternative test gives xmlschema's verdict for each
    value the tests name, blank-padded, unknown, and for no attribute at all."""
    import re
    import xml.etree.ElementTree as ElementTree
    from typing import Any

    from xmlschema.validators import XsdElement

    from nodedev_xml.schemas import compiled_xsd
    from nodedev_xml.xml import jsonview

    checked = 0
    for profile in PROFILES:
        schema: Any = compiled_xsd(profile)
        for decl in schema.iter_components(XsdElement):
            if not decl.alternatives:
                continue
            tests = [alt.elem.get("test") for alt in decl.alternatives]
            names = set(re.findall(r"@([\w-]+)", " ".join(t or "" for t in tests)))
            values = set(re.findall(r"'([^']*)'", " ".join(t or "" for t in tests)))
            values |= {f" {v}\t" for v in values} | {"no-such-value"}
            cases = [{}, *({n: v} for n in names for v in values), dict.fromkeys(names, "x")]
            for alt, test in zip(decl.alternatives, tests, strict=True):
                planned = jsonview._test(test)
                for attrs in cases:
                    probe = ElementTree.Element(decl.local_name, attrs)
                    expected = alt.token is None or alt.test(probe)
                    got = planned is None or jsonview._passes(planned, attrs)
                    assert got == expected, (decl.local_name, test, attrs)
                    checked += 1
    assert checked > 100


def test_json_text_is_json_dump_with_indent() -> None:
    """write_json writes what json.dump(..., indent=2) writes, and a newline."""
    import io

    from nodedev_xml.xml.jsonview import write_json

    docs = [
        {"name": "a\u00e9\"\\\n\x01", "n": 0, "big": 2**70, "t": True, "f": False, "z": None,
         "e": {}, "l": [], "nested": [{"x": [1, {"y": []}]}, "s"], "\u2603": "\U0001f600"},
        {},
    ]  # fmt: skip
    for data in (docs, [], [docs[0]]):
        out = io.StringIO()
        write_json(iter(data), out)
        assert out.getvalue() == json.dumps(data, indent=2) + "\n"


def test_dumpxml_json_loads_no_xmlschema(tmp_path: Path) -> None:
    """The shipped plan spares the JSON output xmlschema's import and the XSD's compile
    (a second or more, against milliseconds of output)."""
    import os
    import subprocess
    import sys

    from conftest import REPO

    code = (
        "import sys\nfrom nodedev_xml.cli import main\n"
        f"main(['--root', {str(FIXTURES / 'qla2xxx')!r}, 'dumpxml', '--all', '--json'])\n"
        "sys.stdout.flush()\n"
        "print('xmlschema' in sys.modules, file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=tmp_path, check=True)  # fmt: skip
    assert json.loads(done.stdout)
    assert done.stderr.strip().splitlines()[-1] == "False"


def test_an_invalid_document_raises() -> None:
    import xmlschema

    root = etree.fromstring("<device><name>x</name><capability type='scsi_host'>"
                            "<host>not-a-number</host></capability></device>")  # fmt: skip
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        to_json_data(root)
