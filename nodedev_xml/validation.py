"""Validate node-device XML against the project's schemas.

Two profiles, each with two equivalent schemas shipped inside the package
(``nodedev_xml/schemas/``):

=============  ======================  =========================
profile        RelaxNG (``rng``)       XML Schema 1.1 (``xsd``)
=============  ======================  =========================
``enriched``   ``nodedev.rng``         ``nodedev.xsd``
``libvirt``    ``nodedev-libvirt.rng`` ``nodedev-libvirt.xsd``
=============  ======================  =========================

The grammars come from the schema registry (:mod:`nodedev_xml.schemas`): the
RelaxNG grammars are compiled once per profile (lxml) and cached; the XSDs are
loaded on first use (xmlschema, imported lazily so that ``import nodedev_xml``
stays fast) and cached.  Both report every problem with its line.

Problems are worded from the XSD: a bad value says in words what was expected
(each named simple type of the XSDs documents that), e.g. ``<host>: expected an
unsigned integer (...), got 'abc'``, never the type's regular expression.
"""

from __future__ import annotations

import copy
import inspect
import re
from typing import Any, Final

from lxml import etree

from nodedev_xml.errors import ValidationError
from nodedev_xml.schemas import compiled_relaxng, compiled_xsd, relaxng_with_lock, schema_path
from nodedev_xml.vocabulary import (
    PROFILES,
    SCHEMA_LANGUAGES,
    Profile,
    SchemaLanguage,
    check_profile,
    check_schema_language,
)
from nodedev_xml.xml.safe import parse_xml

__all__ = [
    "PROFILES",
    "SCHEMA_KINDS",
    "compiled_relaxng",
    "compiled_xsd",
    "schema_path",
    "validate",
]

#: The schema languages ``validate`` can use (``nodedev_xml.vocabulary.SCHEMA_LANGUAGES``).
SCHEMA_KINDS: Final = SCHEMA_LANGUAGES


def _root_of(xml: str | bytes | etree._Element | etree._ElementTree, source: str) -> etree._Element:
    if isinstance(xml, str | bytes):
        return parse_xml(xml, source=source)
    if isinstance(xml, etree._ElementTree):
        return xml.getroot()
    if isinstance(xml, etree._Element):
        return xml
    raise TypeError(f"validate() takes str, bytes or an lxml element, not {type(xml).__name__}")


def _dedupe(problems: list[tuple[int, str]]) -> list[tuple[int, str]]:
    return list(dict.fromkeys(problems))


def _rng_problems(root: etree._Element, profile: str) -> list[tuple[int, str]]:
    grammar, lock = relaxng_with_lock(profile)
    # The validator keeps its error log on itself: one validation at a time per grammar.
    with lock:
        if grammar.validate(root):
            return []
        entries = [(e.line or 0, e.message, e.path) for e in grammar.error_log]
    problems = [
        (line, f"{message} (at {path})" if path else message) for line, message, path in entries
    ]
    return _dedupe(_fill_lines(problems, root)) or [(root.sourceline or 0, "document is not valid")]


def _fill_lines(problems: list[tuple[int, str]], root: etree._Element) -> list[tuple[int, str]]:
    """Give a line to problems libxml2 reports without one (e.g. "Extra element X in
    interleave"): the next reported line (libxml2 reports the enclosing element after
    the inner problem), else the previous one, else the root's."""
    known = [line for line, _ in problems if line > 0]
    if len(known) == len(problems):
        return problems
    filled: list[tuple[int, str]] = []
    for i, (line, message) in enumerate(problems):
        if line <= 0:
            after = [ln for ln, _ in problems[i + 1 :] if ln > 0]
            before = [ln for ln, _ in filled if ln > 0]
            line = after[0] if after else before[-1] if before else (root.sourceline or 0)
        filled.append((line, message))
    return filled


def _without_comments(root: etree._Element) -> etree._Element:
    """A copy of ``root`` without comments and PIs (RelaxNG ignores them; XSD would not)."""
    if next(root.iter(etree.Comment, etree.ProcessingInstruction), None) is None:
        return root
    clean = copy.deepcopy(root)  # keeps source lines
    etree.strip_tags(clean, etree.Comment, etree.ProcessingInstruction)
    return clean


#: Longest bad value quoted in full; longer ones are cut (messages stay one short line).
_SHOWN_VALUE_MAX: Final = 40
#: Messages stay shorter than this (without the file and line in front).
_MESSAGE_MAX: Final = 200
#: XSD built-in types that a schema type may use directly, in words.
_BUILTIN_WORDS: Final = {"int": "an integer", "integer": "an integer", "boolean": "true or false"}
_ATTRIBUTE_REASON = re.compile(r"attribute ([^\s=]+)=")


def _label(elem: etree._Element, *, skip: str | None = None) -> str:
    """``<capability type='pci'>``: the element, told apart by its type (or access)."""
    selector = next((a for a in ("type", "access") if a != skip and elem.get(a) is not None), None)
    shown = f" {selector}={_shown(elem.get(selector) or '')}" if selector else ""
    return f"<{elem.tag!s}{shown}>"


def _shown(value: str) -> str:
    return repr(value if len(value) <= _SHOWN_VALUE_MAX else value[:_SHOWN_VALUE_MAX] + "...")


def _expected(validator: Any) -> str | None:
    """What a simple type accepts, in words: the documentation of the nearest named type
    (every named simple type of the XSDs has one), an anonymous enumeration's values, or
    a built-in type's name; None when ``validator`` is not part of a simple type."""
    from xmlschema.validators import XsdSimpleType

    node = validator
    while node is not None:
        if isinstance(node, XsdSimpleType):
            if node.annotation is not None and str(node.annotation).strip():
                return " ".join(str(node.annotation).split())
            if node.is_global() and node.local_name in _BUILTIN_WORDS:
                return _BUILTIN_WORDS[node.local_name]
            values = getattr(node, "enumeration", None)
            if values and node.name is None:
                return "one of " + ", ".join(repr(v) for v in values)
            if node.is_global() and node.target_namespace.endswith("/XMLSchema"):
                return f"an xs:{node.local_name} value"
        node = getattr(node, "parent", None)
    return None


def _value_message(error: Any, elem: object) -> str | None:
    """``<host>: expected an unsigned integer ..., got 'abc'`` for a value a simple type
    refused (element text or attribute); None for any other kind of problem."""
    if not isinstance(elem, etree._Element):
        return None
    if (error.reason or "").startswith("character data between child elements"):
        texts = [elem.text, *(child.tail for child in elem)]
        text = next((t for t in texts if t and t.strip()), "")
        return f"{_label(elem)}: expected child elements only, got text {_shown(text)}"
    if not isinstance(error.obj, str):
        return None
    expected = _expected(error.validator)
    if expected is None:
        return None
    match = _ATTRIBUTE_REASON.match(error.reason or "")
    attribute = match.group(1) if match else None
    if attribute is None and (elem.text or "") != error.obj:
        # Older xmlschema does not name the attribute: the one holding the bad value.
        attribute = next((k for k, v in elem.attrib.items() if v == error.obj), None)
    where = _label(elem, skip=attribute) + (f" attribute {attribute}" if attribute else "")
    return f"{where}: expected {expected}, got {_shown(error.obj)}"


def _no_hints(schema: Any) -> dict[str, Any]:
    """The keyword that stops xmlschema fetching the schemas an ``xsi:schemaLocation``
    names: xmlschema 2.0 and later take ``use_location_hints``; 1.10 (Debian 12's)
    takes no such keyword and fetches no hints while it validates."""
    parameters = inspect.signature(schema.iter_errors).parameters
    return {"use_location_hints": False} if "use_location_hints" in parameters else {}


def _xsd_problems(root: etree._Element, profile: str) -> list[tuple[int, str]]:
    schema = compiled_xsd(profile)
    from xmlschema.validators import XsdAssert  # loaded with the schema above

    problems: list[tuple[int, str]] = []
    # xmlschema reads lxml trees (ElementProtocol); its stubs only name ElementTree's.
    tree: Any = _without_comments(root)
    xsd: Any = schema
    for error in xsd.iter_errors(tree, **_no_hints(xsd)):
        elem = error.elem
        line = error.sourceline or (elem.sourceline if isinstance(elem, etree._Element) else None)
        message = _value_message(error, elem) or error.reason or error.message
        if isinstance(error.validator, XsdAssert) and error.validator.annotation is not None:
            # Our assertions document what they check: say that, not "assertion test is false".
            message = str(error.validator.annotation).strip()
            if isinstance(elem, etree._Element):
                message = f"{_label(elem)}: {message}"
        where = f" (at {error.path})" if error.path else ""
        if len(message) + len(where) < _MESSAGE_MAX:  # the path only while the line stays short
            message += where
        problems.append((int(line or 0), message))
    return _dedupe(problems)


def _precise(root: etree._Element, profile: str) -> list[tuple[int, str]]:
    """The XSD's account of a document RelaxNG refused.

    libxml2's RelaxNG messages often blame an innocent element several lines
    away (its interleave backtracking gives up at the top); the equivalent XSD
    names the element and the value at fault.  The verdict stays RelaxNG's:
    this only words it.  Empty when xmlschema is not installed.
    """
    try:
        return _xsd_problems(root, profile)
    except ImportError:
        return []


def validate(
    xml: str | bytes | etree._Element | etree._ElementTree,
    profile: Profile = "enriched",
    *,
    schema: SchemaLanguage = "rng",
    source: str = "<string>",
) -> None:
    """Validate a node-device document; return None or raise :class:`ValidationError`.

    ``xml`` is the document (text, UTF-8 bytes, or an already parsed lxml tree);
    text goes through the hardened parser :func:`nodedev_xml.xml.safe.parse_xml`,
    which raises :class:`~nodedev_xml.errors.XMLInputError` for input that is not
    well-formed or is hostile.  ``profile`` is ``"enriched"`` (default) or
    ``"libvirt"``; ``schema`` is ``"rng"`` (RelaxNG, fast) or ``"xsd"`` (XML Schema
    1.1, same verdicts).  The error's ``problems`` holds every ``(line, message)``,
    ``source`` names the document in messages.
    """
    check_profile(profile)
    check_schema_language(schema)
    root = _root_of(xml, source)
    if schema == "xsd":
        problems = _xsd_problems(root, profile)
    else:
        problems = _rng_problems(root, profile)
        if problems:
            problems = _precise(root, profile) or problems
    if problems:
        raise ValidationError(problems, source=source)
