"""The schemas: corpus verdicts, agreement with libvirt, RelaxNG == XSD, validate().

Corpus: ``tests/schema_corpus/valid/`` (``libvirt-*`` documents use libvirt's
vocabulary only, ``enriched-*`` ones carry the enrichment) and
``tests/schema_corpus/invalid/`` (each says why in a comment).
"""

from __future__ import annotations

import copy
import functools
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from strategies_xml import PROFILE_NAMES, devices, mutated_devices

from nodedev_xml.errors import ValidationError, XMLInputError
from nodedev_xml.validation import (
    PROFILES,
    compiled_relaxng,
    compiled_xsd,
    schema_path,
    validate,
)

CORPUS = Path(__file__).resolve().parent / "schema_corpus"
VALID = sorted((CORPUS / "valid").glob("*.xml"))
INVALID = sorted((CORPUS / "invalid").glob("*.xml"))
ALL = VALID + INVALID
LIBVIRT_VALID = [p for p in VALID if p.name.startswith("libvirt-")]
ENRICHED_VALID = [p for p in VALID if p.name.startswith("enriched-")]

LIBVIRT_RNG = Path("/usr/share/libvirt/schemas/nodedev.rng")
needs_libvirt_rng = pytest.mark.skipif(
    not LIBVIRT_RNG.is_file(),
    reason=f"libvirt's own grammar {LIBVIRT_RNG} is not installed (package libvirt-daemon / "
    "libvirt-common); the comparison with libvirt cannot run",
)

RNG_NS = "http://relaxng.org/ns/structure/1.0"
ANNOTATION_NS = "http://relaxng.org/ns/compatibility/annotations/1.0"
NX_NS = "urn:nodedev-xml:schema-doc"


def _ids(paths: list[Path]) -> list[str]:
    return [p.name for p in paths]


def _tree(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


_libvirt_grammar: list[etree.RelaxNG] = []
_libvirt_lock = threading.Lock()


def _libvirt_valid(root: etree._Element) -> bool:
    """Verdict of libvirt's installed nodedev.rng (compiled once)."""
    with _libvirt_lock:
        if not _libvirt_grammar:
            _libvirt_grammar.append(etree.RelaxNG(file=str(LIBVIRT_RNG)))
        return bool(_libvirt_grammar[0].validate(root))


def _rng_valid(root: etree._Element, profile: str) -> bool:
    try:
        validate(root, profile, schema="rng")
    except ValidationError:
        return False
    return True


def _xsd_valid(root: etree._Element, profile: str) -> bool:
    try:
        validate(root, profile, schema="xsd")
    except ValidationError:
        return False
    return True


# ------------------------------------------------------------------------- the corpus


def test_corpus_is_there_and_named() -> None:
    assert len(LIBVIRT_VALID) >= 20 and len(ENRICHED_VALID) >= 3 and len(INVALID) >= 20
    assert set(VALID) == set(LIBVIRT_VALID) | set(ENRICHED_VALID), "valid/ needs a profile prefix"


def test_corpus_covers_the_vocabulary() -> None:
    """Every capability type of libvirt 9.0 and of the enrichment, and every create form."""
    seen: set[str] = set()
    parents: set[str] = set()
    for path in VALID:
        root = _tree(path)
        seen.update(c.get("type", "").strip() for c in root.iter("capability"))
        for parent in root.iter("parent"):
            parents.add(
                "wwns" if parent.get("wwnn") else "fabric" if parent.get("fabric_wwn") else "text"
            )
    libvirt_types = {
        "system", "pci", "usb_device", "usb", "net", "scsi_generic", "scsi_host", "scsi_target",
        "scsi", "storage", "drm", "mdev", "ccw", "css", "vdpa", "ap_card", "ap_queue",
        "ap_matrix", "fc_host", "vport_ops", "fc_remote_port", "phys_function",
        "virt_functions", "pci-bridge", "cardbus-bridge", "mdev_types", "vpd", "removable",
        "hotpluggable", "80203", "80211",
    }  # fmt: skip
    assert libvirt_types | {"vports", "phys_hba"} <= seen
    assert parents == {"text", "wwns", "fabric"}


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_valid_documents_validate(path: Path) -> None:
    validate(path.read_bytes(), "enriched", source=path.name)
    validate(path.read_bytes(), "enriched", schema="xsd", source=path.name)
    if path.name.startswith("libvirt-"):
        validate(path.read_bytes(), "libvirt", source=path.name)
        validate(path.read_bytes(), "libvirt", schema="xsd", source=path.name)


@needs_libvirt_rng
@pytest.mark.parametrize("path", LIBVIRT_VALID, ids=_ids(LIBVIRT_VALID))
def test_libvirt_documents_validate_under_libvirts_own_grammar(path: Path) -> None:
    assert _libvirt_valid(_tree(path))


@needs_libvirt_rng
@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_libvirt_grammar_and_libvirt_profile_agree(path: Path) -> None:
    root = _tree(path)
    assert _libvirt_valid(root) == _rng_valid(root, "libvirt")


@pytest.mark.parametrize("path", ENRICHED_VALID, ids=_ids(ENRICHED_VALID))
def test_enriched_documents_are_not_libvirt_profile(path: Path) -> None:
    with pytest.raises(ValidationError):
        validate(path.read_bytes(), "libvirt", source=path.name)


@pytest.mark.parametrize("schema", ["rng", "xsd"])
@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_documents_are_rejected_with_a_line(path: Path, schema: str) -> None:
    lines = path.read_text().count("\n") + 1
    for profile in PROFILES:
        with pytest.raises(ValidationError) as info:
            validate(path.read_bytes(), profile, schema=schema, source=path.name)
        error = info.value
        assert error.source == path.name
        assert error.problems, "no problem reported"
        assert all(1 <= line <= lines for line, _ in error.problems), error.problems
        assert str(error).startswith(f"{path.name}:{error.line}: ")


# ------------------------------------------------------------------------- RelaxNG == XSD


@pytest.mark.parametrize("profile", PROFILES)
@pytest.mark.parametrize("path", ALL, ids=_ids(ALL))
def test_rng_and_xsd_agree_on_the_corpus(path: Path, profile: str) -> None:
    root = _tree(path)
    assert _rng_valid(root, profile) == _xsd_valid(root, profile)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(PROFILE_NAMES).flatmap(lambda p: st.tuples(st.just(p), devices(p))))
def test_generated_documents_are_valid_under_both_schemas(case: tuple[str, etree._Element]) -> None:
    profile, root = case
    validate(root, profile)
    validate(root, profile, schema="xsd")
    if profile == "libvirt" and LIBVIRT_RNG.is_file():
        assert _libvirt_valid(root), etree.tostring(root)


@settings(max_examples=50, deadline=None)
@given(st.sampled_from(PROFILE_NAMES).flatmap(mutated_devices), st.sampled_from(PROFILES))
def test_rng_and_xsd_agree_on_mutated_documents(root: etree._Element, profile: str) -> None:
    assert _rng_valid(root, profile) == _xsd_valid(root, profile), etree.tostring(root)


@needs_libvirt_rng
@settings(max_examples=50, deadline=None)
@given(st.sampled_from(PROFILE_NAMES).flatmap(mutated_devices))
def test_libvirt_grammar_agrees_on_mutated_documents(root: etree._Element) -> None:
    assert _libvirt_valid(root) == _rng_valid(root, "libvirt"), etree.tostring(root)


# ------------------------------------------------------------------------- the grammar


def _patterns(path: Path) -> list[etree._Element]:
    root = etree.parse(str(path)).getroot()
    return [el for el in root.iter(f"{{{RNG_NS}}}element", f"{{{RNG_NS}}}attribute")]


def test_every_element_and_attribute_is_documented() -> None:
    patterns = _patterns(schema_path("nodedev.rng"))
    assert len(patterns) > 150
    for pattern in patterns:
        where = f"{pattern.get('name')} (line {pattern.sourceline})"
        docs = pattern.findall(f"{{{ANNOTATION_NS}}}documentation")
        assert len(docs) == 1 and (docs[0].text or "").strip(), f"{where}: no a:documentation"
        assert pattern.get(f"{{{NX_NS}}}profile") in PROFILES, f"{where}: nx:profile"
        assert pattern.get(f"{{{NX_NS}}}example"), f"{where}: nx:example"


def test_enrichment_is_marked_and_lives_in_the_overridden_defines() -> None:
    grammar = etree.parse(str(schema_path("nodedev.rng"))).getroot()
    overridden = {
        d.get("name")
        for d in etree.parse(str(schema_path("nodedev-libvirt.rng"))).iter(f"{{{RNG_NS}}}define")
    }
    for define in grammar.iter(f"{{{RNG_NS}}}define"):
        name = define.get("name", "")
        expected = "enriched" if name.startswith("enriched.") else "libvirt"
        for pattern in define.iter(f"{{{RNG_NS}}}element", f"{{{RNG_NS}}}attribute"):
            assert pattern.get(f"{{{NX_NS}}}profile") == expected, (name, pattern.get("name"))
    enrichment = {
        d.get("name")
        for d in grammar.iter(f"{{{RNG_NS}}}define")
        if d.get("name", "").startswith("enriched.")
    }
    # vports and physHba are reached only through enriched.scsiHostCapability
    assert (
        overridden
        == {
            "enriched.fcHostPortFacts",
            "enriched.scsiHostCapability",
            "enriched.adapter",
            "enriched.scsiInquiry",
        }
        <= enrichment
    )


def test_device_is_the_only_root() -> None:
    for profile in PROFILES:
        for schema in ("rng", "xsd"):
            with pytest.raises(ValidationError):
                validate("<name>x</name>", profile, schema=schema)


# ------------------------------------------------------------------------- validate()


BROKEN = b"""<device>
  <name>scsi_host5</name>
  <capability type='scsi_host'>
    <host>5</host>
    <capability type='fc_host'>
      <wwnn>200001b32a9da4e</wwnn>
      <wwpn>2100001b32a9da4e</wwpn>
    </capability>
  </capability>
</device>
"""


@pytest.mark.parametrize("schema", ["rng", "xsd"])
def test_errors_carry_source_and_lines(schema: str) -> None:
    with pytest.raises(ValidationError) as info:
        validate(BROKEN, schema=schema, source="hba.xml")
    error = info.value
    assert error.source == "hba.xml"
    assert all(isinstance(line, int) and isinstance(msg, str) for line, msg in error.problems)
    # RelaxNG blames the enclosing capability (line 5), XSD the value itself (line 6).
    assert error.line in (5, 6)
    assert str(error).startswith(f"hba.xml:{error.line}: ")


def test_every_problem_is_reported() -> None:
    doc = b"""<device>
  <name>x</name>
  <capability type='scsi_host'>
    <host>x</host>
    <unique_id>-1</unique_id>
  </capability>
</device>"""
    with pytest.raises(ValidationError) as info:
        validate(doc, schema="xsd")
    assert {line for line, _ in info.value.problems} >= {4, 5}


def test_not_well_formed_input_is_an_input_error() -> None:
    with pytest.raises(XMLInputError) as info:
        validate(b"<device>\n  <name>x</name>\n  <oops>\n</device>\n", source="bad.xml")
    assert info.value.source == "bad.xml"
    assert info.value.line is not None and info.value.line >= 3


def test_comments_do_not_change_the_verdict() -> None:
    doc = (
        "<device><name>x<!-- a -->y</name><capability type='scsi_host'>"
        "<host>1<!-- b -->2</host></capability></device>"
    )
    validate(doc, schema="rng")
    validate(doc, schema="xsd")


def test_str_bytes_and_trees_are_accepted() -> None:
    text = (CORPUS / "valid" / "enriched-vhba.xml").read_text()
    validate(text)
    validate(text.encode())
    validate(etree.fromstring(text.encode()))
    validate(etree.ElementTree(etree.fromstring(text.encode())))


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="profile"):
        validate("<device/>", "full")
    with pytest.raises(ValueError, match="schema"):
        validate("<device/>", schema="dtd")
    with pytest.raises(TypeError):
        validate(42)  # type: ignore[arg-type]


def test_schemas_ship_in_the_package() -> None:
    for name in ("nodedev.rng", "nodedev-libvirt.rng", "nodedev.xsd", "nodedev-libvirt.xsd"):
        path = schema_path(name)
        assert path.is_file() and path.parent.name == "schemas"
        assert path.parent.parent.name == "nodedev_xml"
    for bad in ("../validate.py", "schemas/nodedev.rng", "", ".."):
        with pytest.raises(ValueError):
            schema_path(bad)
    with pytest.raises(FileNotFoundError):
        schema_path("nodedev.dtd")


def test_the_registry_names_each_grammar_and_shares_one_compiled_copy() -> None:
    from nodedev_xml import schemas
    from nodedev_xml.vocabulary import SCHEMA_LANGUAGES, SCHEMA_STEMS

    for profile in PROFILES:
        for language in SCHEMA_LANGUAGES:
            stem = "nodedev" if profile == "enriched" else "nodedev-libvirt"
            assert schemas.grammar_path(profile, language) == schema_path(f"{stem}.{language}")
        # validation and the JSON view (xml/jsonview.py) use the same cached objects
        assert compiled_relaxng(profile) is schemas.compiled_relaxng(profile)
        assert compiled_xsd(profile) is schemas.compiled_xsd(profile)
    assert schema_path("nodedev.rng").parent == schemas.SCHEMA_DIR
    # the vHBA definition's grammar is served too: one file, one copy, one lock
    enriched = schemas.relaxng_with_lock("enriched", "definition")
    assert schemas.relaxng_with_lock("libvirt", "definition") is enriched
    assert schemas.compiled_xsd("enriched", "definition") is schemas.compiled_xsd(
        "libvirt", "definition"
    )
    shipped = {p.name for p in schemas.SCHEMA_DIR.iterdir() if p.suffix in {".rng", ".xsd"}}
    served = {
        schemas.grammar_path(profile, language, kind).name
        for (kind, profile) in SCHEMA_STEMS
        for language in SCHEMA_LANGUAGES
    }
    assert served == shipped  # every grammar the package ships is the registry's
    with pytest.raises(ValueError, match="no libvirt grammar for create documents"):
        schemas.grammar_path("libvirt", "rng", "create")


def test_compiled_schemas_are_cached() -> None:
    for profile in PROFILES:
        assert compiled_relaxng(profile) is compiled_relaxng(profile)
        assert compiled_xsd(profile) is compiled_xsd(profile)
    assert compiled_relaxng("enriched") is not compiled_relaxng("libvirt")
    assert compiled_xsd("enriched") is not compiled_xsd("libvirt")


def test_validation_is_thread_safe() -> None:
    good = (CORPUS / "valid" / "enriched-hba-qla2562.xml").read_bytes()
    verdicts: list[bool] = []

    def work() -> None:
        for i in range(200):
            try:
                validate(BROKEN if i % 2 else good)
                verdicts.append(i % 2 == 0)
            except ValidationError as exc:
                verdicts.append(i % 2 == 1 and exc.line in (5, 6))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(verdicts) == 800 and all(verdicts)


# ------------------------------------------------------------------------- messages

#: Values no type of the schemas accepts everywhere; the long one tests the cut.
BAD_VALUES = ("ab~c", "-1", "", "Z" * 60)


def _schema_patterns() -> set[str]:
    """Every regular expression the four schemas hold."""
    out: set[str] = set()
    for name in ("nodedev.xsd", "nodedev-libvirt.xsd"):
        xsd = etree.parse(str(schema_path(name)))
        out.update(str(v) for v in xsd.xpath("//*[local-name()='pattern']/@value"))
    for name in ("nodedev.rng", "nodedev-libvirt.rng"):
        params = etree.parse(str(schema_path(name))).iter(f"{{{RNG_NS}}}param")
        out.update(p.text or "" for p in params if p.get("name") == "pattern")
    return {p for p in out if p}


def _place(el: etree._Element) -> str:
    """Where ``el`` sits in the grammar: its path, capabilities told apart by type."""
    chain = [*reversed(list(el.iterancestors())), el]
    return "/".join(f"{a.tag}[{a.get('type') or a.get('access') or ''}]" for a in chain)


def _value_mutations() -> list[tuple[str, bytes, int, str, str | None, str]]:
    """(id, document, line, tag, attribute or None, bad value): every element that holds
    only text and every attribute of the valid corpus (once per place in the grammar),
    set to each of BAD_VALUES; only the documents that become invalid are kept."""
    cases = []
    seen: set[tuple[str, str | None]] = set()
    for path in VALID:
        root = _tree(path)
        leaves = [el for el in root.iter() if isinstance(el.tag, str) and not len(el)]
        for index, el in enumerate(leaves):
            for attribute in [None, *el.attrib]:
                if (_place(el), attribute) in seen:
                    continue
                seen.add((_place(el), attribute))
                for value in BAD_VALUES:
                    mutated = copy.deepcopy(root)
                    target = [e for e in mutated.iter() if isinstance(e.tag, str) and not len(e)]
                    if attribute is None:
                        target[index].text = value
                    else:
                        target[index].set(attribute, value)
                    if _rng_valid(mutated, "enriched"):
                        continue
                    name = f"{path.name}:{el.sourceline}:{el.tag}@{attribute or ''}"
                    line = el.sourceline or 0
                    doc = etree.tostring(mutated)
                    cases.append((f"{name}={value[:5]}", doc, line, str(el.tag), attribute, value))
    return cases


VALUE_MUTATIONS = _value_mutations()
SCHEMA_PATTERNS = _schema_patterns()
#: Pieces of regular-expression syntax no readable message holds.
REGEX_SYNTAX = ("[0-9", "[a-f", "[A-F", "]{", "]+", "]*", ")?", ")*", "|(", "\\d", "\\-")


def _assert_readable(message: str) -> None:
    assert len(message) < 200, f"{len(message)} characters: {message}"
    assert "pattern" not in message, message
    assert not any(p in message for p in SCHEMA_PATTERNS), message
    assert not any(s in message for s in REGEX_SYNTAX), message


@functools.cache
def _problems_of(doc: bytes) -> list[tuple[int, str]]:
    """validate()'s problems (RelaxNG's verdict, worded from the XSD), computed once."""
    with pytest.raises(ValidationError) as info:
        validate(doc)
    return info.value.problems


def test_the_value_corpus_meets_every_value_type() -> None:
    """Every named simple type of nodedev.xsd words some bad value of the corpus."""
    xsd = compiled_xsd("enriched")
    unused = {"FcSpeedList"}  # for a future supported_speeds
    wording = {
        name: " ".join(str(t.annotation).split())
        for name, t in xsd.types.items()
        if t.is_simple() and name not in unused
    }
    assert len(wording) > 20 and all(wording.values())
    messages = [m for _, doc, *_ in VALUE_MUTATIONS for _, m in _problems_of(doc)]
    assert len(VALUE_MUTATIONS) > 300
    assert [n for n, w in wording.items() if not any(w in m for m in messages)] == []


@pytest.mark.parametrize(
    ("doc", "line", "tag", "attribute", "value"),
    [c[1:] for c in VALUE_MUTATIONS],
    ids=[c[0] for c in VALUE_MUTATIONS],
)
def test_bad_values_are_worded_not_shown_as_patterns(
    doc: bytes, line: int, tag: str, attribute: str | None, value: str
) -> None:
    """Under 200 characters, no regular expression, naming the place and the value."""
    problems = _problems_of(doc)
    for _, message in problems:
        _assert_readable(message)
    shown = repr(value if len(value) <= 40 else value[:40] + "...")
    named = [m for ln, m in problems if ln == line and f"<{tag}" in m and shown in m]
    if attribute is not None:
        named = [m for m in named if f"attribute {attribute}:" in m or f"{attribute}=" in m]
    assert named, problems


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            "<device><name>x</name><capability type='scsi_host'><host>abc</host>"
            "</capability></device>",
            "<host>: expected an unsigned integer (decimal digits, at most "
            "18446744073709551615), got 'abc'",
        ),
        (
            "<device><name>x</name><capability type='scsi_host'><host>1</host>"
            "<capability type='vports' maxCount='-1'/></capability></device>",
            "<capability type='vports'> attribute maxCount: expected an unsigned integer "
            "(decimal digits, at most 4294967295), got '-1'",
        ),
        (
            "<device><name>x</name><capability type='drm'><type>card</type></capability></device>",
            "<type>: expected one of 'primary', 'control', 'render', got 'card'",
        ),
    ],
)
def test_the_reported_messages(doc: str, expected: str) -> None:
    for schema in ("rng", "xsd"):
        with pytest.raises(ValidationError) as info:
            validate(doc, schema=schema)
        assert info.value.message.startswith(expected), info.value.message


# ------------------------------------------------------------------------- the kernel's tables

#: The FC transport class's fixed tables (drivers/scsi/scsi_transport_fc.c).
KERNEL_TABLES = {
    "fcPortState": (
        "Unknown", "Not Present", "Online", "Offline", "Blocked", "Bypassed", "Diagnostics",
        "Linkdown", "Error", "Loopback", "Deleted", "Marginal",
    ),
    "fcPortType": (
        "Unknown", "Other", "Not Present", "NPort (fabric via point-to-point)",
        "NLPort (fabric via loop)", "LPort (private loop)",
        "Point-To-Point (direct nport connection)", "NPIV VPORT",
    ),
    "fcVportState": (
        "Unknown", "Active", "Disabled", "Linkdown", "Initializing", "No Fabric Support",
        "No Fabric Resources", "Fabric Logout", "Fabric Rejected WWN", "VPort Failed",
    ),
}  # fmt: skip
GOOD_SPEEDS = ("unknown", "Not Negotiated", "1 Gbit", "8 Gbit", "10 Gbit", "128 Gbit", "256 Gbit")
BAD_SPEEDS = (
    "", "8", "8Gbit", "8 gbit", "8 Gb/s", " 8 Gbit", "8 Gbit ", "8  Gbit", "Unknown",
    "not negotiated", "12345 Gbit", "8 Gbit, 16 Gbit", "-8 Gbit", "8.5 Gbit",
)  # fmt: skip
GOOD_SPEED_LISTS = (
    "unknown",
    "8 Gbit",
    "4 Gbit, 8 Gbit, 16 Gbit",
    "1 Gbit, 2 Gbit, 4 Gbit, 10 Gbit, 8 Gbit",
    "Not Negotiated",
    "16 Gbit, 32 Gbit, Not Negotiated",
)
BAD_SPEED_LISTS = (
    "",
    "unknown, 8 Gbit",
    "8 Gbit,16 Gbit",
    "8 Gbit, ",
    ", 8 Gbit",
    "8 Gbit 16 Gbit",
    "8 Gbit,  16 Gbit",
    "8 Gbit, unknown",
    " 8 Gbit",
)


def _fc_host_doc(element: str, value: str) -> etree._Element:
    root = etree.fromstring(
        "<device><name>scsi_host5</name><capability type='scsi_host'><host>5</host>"
        "<capability type='fc_host'><wwnn>2000001b32a9da4e</wwnn><wwpn>2100001b32a9da4e</wwpn>"
        "</capability></capability></device>"
    )
    etree.SubElement(root.find("capability/capability"), element).text = value
    return root


def _vport_doc(state: str) -> etree._Element:
    root = etree.fromstring(
        "<device><name>scsi_host5</name><capability type='scsi_host'><host>5</host>"
        "<capability type='vports'><vport name='scsi_host7'/></capability></capability></device>"
    )
    root.find("capability/capability/vport").set("state", state)  # type: ignore[union-attr]
    return root


def _rng_values(define: str) -> list[str]:
    grammar = etree.parse(str(schema_path("nodedev.rng"))).getroot()
    [found] = [d for d in grammar.iter(f"{{{RNG_NS}}}define") if d.get("name") == define]
    return [v.text or "" for v in found.iter(f"{{{RNG_NS}}}value")]


def test_the_fc_tables_are_the_kernels_in_both_schemas() -> None:
    xsd = compiled_xsd("enriched")
    for name, table in KERNEL_TABLES.items():
        assert _rng_values(f"value.{name}") == list(table)
        assert list(xsd.types[name[0].upper() + name[1:]].enumeration) == list(table)


def test_every_value_the_scan_accepts_is_valid() -> None:
    """What nodedev_xml.sysfs.values lets through ends up in documents: it must validate."""
    from nodedev_xml.sysfs import values

    # the reader's speeds: its words, and N Gbit with one to four digits
    speeds = [*values.SPEED_WORDS, *GOOD_SPEEDS, "0 Gbit", "9999 Gbit", "0008 Gbit"]
    assert [values.speed(v) for v in speeds] == speeds
    cases = (
        [_fc_host_doc("port_state", v) for v in values.PORT_STATES]
        + [_fc_host_doc("port_type", v) for v in values.PORT_TYPES]
        + [_vport_doc(v) for v in values.VPORT_STATES]
        + [_fc_host_doc("speed", v) for v in speeds]
    )
    for root in cases:
        validate(root)
        validate(root, schema="xsd")


@pytest.mark.parametrize(
    ("make", "value", "valid"),
    [(lambda v: _fc_host_doc("port_state", v), v, True) for v in KERNEL_TABLES["fcPortState"]]
    + [(lambda v: _fc_host_doc("port_type", v), v, True) for v in KERNEL_TABLES["fcPortType"]]
    + [(_vport_doc, v, True) for v in KERNEL_TABLES["fcVportState"]]
    + [(lambda v: _fc_host_doc("speed", v), v, True) for v in GOOD_SPEEDS]
    + [(lambda v: _fc_host_doc("speed", v), v, False) for v in BAD_SPEEDS]
    + [
        (lambda v, e=e: _fc_host_doc(e, v), v, False)
        for e in ("port_state", "port_type")
        for v in ("", "online", " Online", "Online ", "Not  Present", "NPIV  VPORT", "F_Port")
    ]
    + [(_vport_doc, v, False) for v in ("", "active", "Active ", "Enabled", "No  Fabric Support")],
)
def test_rng_and_xsd_agree_on_the_fc_values(make: object, value: str, valid: bool) -> None:
    root = make(value)  # type: ignore[operator]
    assert _rng_valid(root, "enriched") == _xsd_valid(root, "enriched") == valid
    assert not _rng_valid(root, "libvirt") and not _xsd_valid(root, "libvirt")  # enrichment


def test_speed_lists_for_supported_speeds() -> None:
    """value.fcSpeedList (for a future supported_speeds) and its XSD twin FcSpeedList."""
    grammar = etree.RelaxNG(
        etree.fromstring(
            f"<grammar xmlns='{RNG_NS}'><include href='{schema_path('nodedev.rng').as_uri()}'>"
            "<start><element name='speeds'><ref name='value.fcSpeedList'/></element></start>"
            "</include></grammar>"
        )
    )
    xsd_type = compiled_xsd("enriched").types["FcSpeedList"]
    for value, valid in [(v, True) for v in GOOD_SPEED_LISTS] + [
        (v, False) for v in BAD_SPEED_LISTS
    ]:
        element = etree.Element("speeds")
        element.text = value
        assert bool(grammar.validate(element)) == valid, value
        assert xsd_type.is_valid(value) == valid, value
