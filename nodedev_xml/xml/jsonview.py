"""Node-device documents as typed JSON, decoded through the project's XSD.

The shape is xmlschema's default one: an element is an object of its
children by name, attributes are keys with a leading ``@``, the text of an
element that also has attributes is ``$``.  An element whose name may repeat
anywhere in the grammar is a list everywhere (``capability`` is a list under
``scsi_target`` as under ``scsi_host``), so a name has one shape in every
document.  Values keep the schema's lexical form (WWNs as 16-digit strings, PCI
and port ids as ``0x…`` strings), except that numbers the schema types as
unsigned integers become JSON numbers.

xmlschema's decoder (:func:`decode_with_xmlschema`) is the definition of the
shape; it validates as it goes and costs milliseconds a document.  What
:func:`to_json_data` runs is a *plan* compiled once per profile from the same
XSD: for each type, how each attribute and the text are converted (whitespace
rule, integer or string, the unsigned-integer rule above) and which declaration
each child element has; a type chosen by ``xs:alternative`` is looked up once
per distinct set of attributes (XSD 1.1 lets an alternative test only the
element's attributes).  A document the plan does not cover (a wildcard, a
union or list type, an undeclared child or attribute: none of them in what
``dumpxml`` prints) goes to xmlschema's decoder instead, which also raises for
an invalid one.  ``tests/test_json.py`` holds both to the same output.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import IO, TYPE_CHECKING, Any, Final

from lxml import etree

from ..schemas import compiled_xsd, relaxng_with_lock
from ..vocabulary import Profile, check_profile
from .out import Attrs, NeedsTree

if TYPE_CHECKING:
    from ..model import Device

#: Simple types of nodedev.xsd whose decimal values are JSON numbers.
NUMERIC_TYPES: Final = frozenset({"UnsignedInt", "UnsignedLong", "Uint8", "Uint32"})


def _type_names(xsd_type: Any) -> set[str | None]:
    """The names of a type and of its bases: a restriction of UnsignedInt is a number."""
    names = set()
    t = xsd_type
    while t is not None:
        names.add(getattr(t, "local_name", None))
        t = getattr(t, "base_type", None)
    return names


def _typed(value: Any, xsd_type: Any) -> Any:
    if isinstance(value, str) and value.isdigit() and _type_names(xsd_type) & NUMERIC_TYPES:
        return int(value)
    return value


def _may_repeat(particle: Any) -> bool:
    """True when the particle, or a group around it, allows more than one occurrence."""
    from xmlschema.validators import XsdGroup

    node = particle
    while node is particle or isinstance(node, XsdGroup):
        if node.max_occurs is None or node.max_occurs > 1:
            return True
        node = node.parent
    return False


@functools.cache
def repeating_names() -> frozenset[str]:
    """Names of the elements that may occur more than once under one parent somewhere in
    the grammar: a repeatable particle, or two particles of one content model.  Taken
    from the enriched grammar (the libvirt one only leaves parts out), so that both
    profiles give a name the same shape."""
    from xmlschema.validators import XsdElement, XsdGroup

    schema: Any = compiled_xsd("enriched")  # xmlschema's stubs type components loosely
    names = {
        e.local_name for e in schema.iter_components(XsdElement) if e.parent and _may_repeat(e)
    }
    for group in schema.iter_components(XsdGroup):
        if group.parent is None or isinstance(group.parent, XsdGroup):
            continue  # count each content model once, from its outermost group
        seen = Counter(e.local_name for e in group.iter_elements() if isinstance(e, XsdElement))
        names.update(name for name, count in seen.items() if count > 1)
    return frozenset(n for n in names if n)


def _listed(data: Any, names: frozenset[str]) -> Any:
    if isinstance(data, list):
        return [_listed(item, names) for item in data]
    if not isinstance(data, dict):
        return data
    out: dict[str, Any] = {}
    for key, value in data.items():
        value = _listed(value, names)
        if key in names and not isinstance(value, list):
            value = [value]
        out[key] = value
    return out


def decode_with_xmlschema(root: etree._Element, profile: str = "enriched") -> dict[str, Any]:
    """The decoded document by xmlschema's own decoder: the definition of the shape.
    Raises xmlschema's validation error for an invalid document, :class:`ValueError`
    for an unknown profile."""
    tree: Any = root  # xmlschema reads lxml trees; its stubs name only ElementTree's
    schema = compiled_xsd(profile)
    try:
        data = schema.decode(tree, value_hook=_typed, use_location_hints=False)
    except TypeError:  # xmlschema before 2.0 knows no location hints (and fetches none)
        data = schema.decode(tree, value_hook=_typed)
    if not isinstance(data, dict):  # pragma: no cover - a valid <device> decodes to a dict
        raise TypeError("unexpected decoding")
    listed: dict[str, Any] = _listed(data, repeating_names())
    return listed


# -- the compiled plan ---------------------------------------------------------------------
#
# A plan is plain data, compiled from the XSDs by :func:`compile_plans` and shipped as
# ``nodedev_xml/schemas/json-plans.json`` (with the SHA-256 of the XSDs it came from;
# ``tests/test_json.py`` fails when it is stale and rewrites it with --regen-golden):
# so that the JSON output imports and loads no xmlschema (a second and more).  A plan
# whose XSDs changed since is compiled again at run time instead.
#
#   types: one per XSD type, null when unplanned, else
#          {"attrs": {NAME: CONV}, "text": CONV | null, "children": {NAME: DECL}}
#          (text null: element content; CONV: how a value decodes, see _CONVERTERS)
#   decls: one per element declaration: [[TEST, TYPE], ...], TEST null for the
#          declaration's own type or the default alternative, else one of
#          ["in", ATTR, [VALUE, ...]]  normalize-space(@ATTR) = 'VALUE' (or a sequence)
#          ["has", [ATTR, ...]]        @A or @B ...

#: The XSD files a plan is compiled from.
PLAN_SOURCES: Final = ("nodedev.xsd", "nodedev-libvirt.xsd")
#: The shipped plans (in the schema folder).
PLAN_FILE: Final = "json-plans.json"
_XML_SPACE = re.compile(r"[ \t\n\r]+")


class _Unplanned(Exception):
    """Something the plan does not cover: xmlschema's decoder takes the document."""


def _collapse(text: str) -> str:
    return _XML_SPACE.sub(" ", text).strip(" \t\n\r")


def _replace(text: str) -> str:
    return text.translate(_REPLACE)


_REPLACE: Final = str.maketrans("\t\n\r", "   ")


def _preserve(text: str) -> str:
    return text


def _number(normalize: Callable[[str], str]) -> Callable[[str], Any]:
    def number(text: str) -> Any:
        value = normalize(text)
        return int(value) if value.isdigit() else value

    return number


def _integer(normalize: Callable[[str], str]) -> Callable[[str], Any]:
    return lambda text: int(normalize(text))


def _refuse(text: str) -> Any:
    raise _Unplanned


_SPACES: Final = {"preserve": _preserve, "replace": _replace, "collapse": _collapse}
#: How a value of a simple type decodes: its whitespace rule, then a string, a string
#: that is a number when all digits (the unsigned-integer types), or an xs:int.
_CONVERTERS: Final[dict[str, Callable[[str], Any]]] = {
    **{f"string:{ws}": f for ws, f in _SPACES.items()},
    **{f"number:{ws}": _number(f) for ws, f in _SPACES.items()},
    **{f"int:{ws}": _integer(f) for ws, f in _SPACES.items()},
    "unplanned": _refuse,
}


def _source_digest() -> dict[str, str]:
    from ..schemas import schema_path

    return {
        name: hashlib.sha256(schema_path(name).read_bytes()).hexdigest() for name in PLAN_SOURCES
    }


def _converter_name(xsd_type: Any) -> str:
    if xsd_type.is_list() or xsd_type.is_union() or not xsd_type.is_atomic():
        return "unplanned"
    space = getattr(xsd_type, "white_space", None) or "preserve"
    python_type = getattr(xsd_type, "python_type", None)
    if space not in _SPACES:
        return "unplanned"
    if python_type is int:
        return f"int:{space}"
    if python_type is not str:
        return "unplanned"
    return f"{'number' if _type_names(xsd_type) & NUMERIC_TYPES else 'string'}:{space}"


_ATTRIBUTE = r"\s*@([A-Za-z_][\w.-]*)\s*"
_LITERAL = r"\s*'([^']*)'\s*"
_EQUALS = re.compile(rf"\s*normalize-space\({_ATTRIBUTE}\)\s*=\s*(\(.*\)|{_LITERAL})\s*")


def _test(expression: str | None) -> list[Any] | None:
    """An alternative's XPath test in the plan's terms; ValueError for any other test."""
    if expression is None:
        return None
    m = _EQUALS.fullmatch(expression)
    if m:
        values = re.findall(r"'([^']*)'", m.group(2))
        return ["in", m.group(1), values]
    attributes = [re.fullmatch(_ATTRIBUTE, part) for part in expression.split(" or ")]
    if all(attributes):
        return ["has", [a.group(1) for a in attributes if a]]
    raise ValueError(f"alternative test {expression!r} is not in the plan's terms")


def _compile_plan(schema: Any) -> dict[str, Any]:
    types: list[Any] = []
    decls: list[Any] = []
    type_ids: dict[int, int] = {}
    decl_ids: dict[int, int] = {}
    pending: list[tuple[int, Any]] = []

    def type_id(xsd_type: Any) -> int:
        key = id(xsd_type)
        if key not in type_ids:
            type_ids[key] = len(types)
            types.append(None)
            pending.append((type_ids[key], xsd_type))
        return type_ids[key]

    def decl_id(decl: Any) -> int:
        key = id(decl)
        if key in decl_ids:
            return decl_ids[key]
        decl_ids[key] = len(decls)
        decls.append(None)
        try:
            choices = [[_test(alt.elem.get("test")), type_id(alt.type)]
                       for alt in decl.alternatives if alt.type is not None]  # fmt: skip
        except ValueError:
            choices = []
        if not decl.alternatives:
            choices = [[None, type_id(decl.type)]]
        if choices and choices[-1][0] is not None:
            choices.append([None, type_id(decl.type)])
        decls[decl_ids[key]] = choices
        return decl_ids[key]

    def compile_type(xsd_type: Any) -> Any:
        attrs: dict[str, str] = {}
        if xsd_type.is_complex():
            for name, attribute in xsd_type.attributes.items():
                if not isinstance(name, str) or name.startswith("{"):
                    return None  # a wildcard or a namespaced attribute
                attrs[name] = _converter_name(attribute.type)
        if xsd_type.is_simple():
            return {"attrs": attrs, "text": _converter_name(xsd_type), "children": {}}
        if xsd_type.has_simple_content():
            return {"attrs": attrs, "text": _converter_name(xsd_type.content), "children": {}}
        group = xsd_type.model_group
        children: dict[str, Any] = {}
        for particle in group.iter_elements() if group is not None else ():
            name = getattr(particle, "local_name", None)
            if not isinstance(name, str) or getattr(particle, "process_contents", None):
                return None  # a wildcard
            if name in children and children[name] is not particle:
                return None  # one name, two declarations in one content model
            children[name] = particle
        return {"attrs": attrs, "text": None,
                "children": {name: decl_id(d) for name, d in children.items()}}  # fmt: skip

    root = decl_id(schema.elements["device"])
    while pending:
        index, xsd_type = pending.pop()
        types[index] = compile_type(xsd_type)
    return {"root": root, "decls": decls, "types": types}


def compile_plans() -> dict[str, Any]:
    """The plans of both profiles, compiled from the XSDs with xmlschema: what
    ``nodedev_xml/schemas/json-plans.json`` holds."""
    from ..vocabulary import PROFILES

    return {
        "sources": _source_digest(),
        "repeating": sorted(repeating_names()),
        "profiles": {p: _compile_plan(compiled_xsd(p)) for p in PROFILES},
    }


@functools.cache
def _plans() -> dict[str, Any]:
    """The shipped plans, or (when the XSDs changed since they were compiled, or the
    file is missing) plans compiled now."""
    from ..schemas import SCHEMA_DIR

    try:
        with open(SCHEMA_DIR / PLAN_FILE, encoding="utf-8") as f:
            plans: dict[str, Any] = json.load(f)
        if plans.get("sources") == _source_digest():
            return plans
    except (OSError, ValueError):
        pass
    return compile_plans()


class _Type:
    """A type of the plan: its attributes' keys and converters, its text's converter
    (None: element content) and its children's declarations."""

    __slots__ = ("attrs", "children", "text")

    def __init__(self) -> None:
        self.attrs: dict[str, tuple[str, Callable[[str], Any]]] = {}
        self.text: Callable[[str], Any] | None = None
        self.children: dict[str, _Decl] = {}


class _Decl:
    """An element declaration of the plan: its type, or the alternatives to pick from
    by the element's attributes (cached per distinct set of attributes)."""

    __slots__ = ("choices", "chosen")

    def __init__(self) -> None:
        self.choices: list[tuple[list[Any] | None, _Type | None]] = []
        self.chosen: dict[Any, _Type] = {}

    def type_for(self, attrs: Attrs) -> _Type:
        key = tuple(attrs.items()) if attrs else ()
        found = self.chosen.get(key)
        if found is not None:
            return found
        for test, typ in self.choices:
            if test is None or _passes(test, attrs or {}):
                if typ is None:
                    raise _Unplanned
                self.chosen[key] = typ
                return typ
        raise _Unplanned


def _passes(test: list[Any], attrs: Mapping[str, str]) -> bool:
    if test[0] == "in":
        value = attrs.get(test[1])
        return value is not None and _collapse(value) in test[2]
    return any(name in attrs for name in test[1])


class _Plan:
    """One profile's plan, ready to run: the root declaration and the repeating names."""

    __slots__ = ("repeating", "root")

    def __init__(self, data: dict[str, Any], repeating: frozenset[str]) -> None:
        types = [_Type() if t is not None else None for t in data["types"]]
        decls = [_Decl() for _ in data["decls"]]
        for typ, spec in zip(types, data["types"], strict=True):
            if typ is None:
                continue
            typ.attrs = {n: (f"@{n}", _CONVERTERS[c]) for n, c in spec["attrs"].items()}
            typ.text = _CONVERTERS[spec["text"]] if spec["text"] is not None else None
            typ.children = {n: decls[d] for n, d in spec["children"].items()}
        for decl, choices in zip(decls, data["decls"], strict=True):
            decl.choices = [(test, types[t]) for test, t in choices]
        self.root = decls[data["root"]]
        self.repeating = repeating


@functools.cache
def _plan(profile: str) -> _Plan:
    plans = _plans()
    return _Plan(plans["profiles"][profile], frozenset(plans["repeating"]))


class JsonOut:
    """An :class:`~nodedev_xml.xml.out.Out` that builds the decoded document itself, as
    :func:`decode_with_xmlschema` decodes the XML the same calls would print; raises
    :class:`NeedsTree` for verbatim XML and ``_Unplanned`` for what its plan lacks."""

    __slots__ = ("_plan", "_stack", "root")

    def __init__(self, profile: str = "enriched") -> None:
        self._plan = _plan(check_profile(profile))
        self._stack: list[tuple[str, _Type, dict[str, Any]]] = []
        self.root: Any = None

    def _start(self, tag: str, attrs: Attrs) -> tuple[_Type, dict[str, Any]]:
        if self._stack:
            decl = self._stack[-1][1].children.get(tag)
        else:
            decl = self._plan.root if tag == "device" else None
        if decl is None:
            raise _Unplanned
        typ = decl.type_for(attrs)
        values: dict[str, Any] = {}
        if attrs:
            known = typ.attrs
            for name, value in attrs.items():
                try:
                    key, convert = known[name]
                except KeyError:
                    raise _Unplanned from None
                values[key] = convert(value)
        return typ, values

    def _attach(self, tag: str, value: Any) -> None:
        if not self._stack:
            self.root = value
            return
        siblings = self._stack[-1][2]
        if tag in siblings:
            if tag not in self._plan.repeating:
                raise _Unplanned
            siblings[tag].append(value)
        elif tag in self._plan.repeating:
            siblings[tag] = [value]
        else:
            siblings[tag] = value

    def leaf(self, tag: str, text: str | None = None, attrs: Attrs = None) -> None:
        typ, values = self._start(tag, attrs)
        if typ.text is None:  # element content, none of it here
            self._attach(tag, values or None)
            return
        value = typ.text(text) if text else None
        if values:
            if value is not None:
                values["$"] = value
            value = values
        self._attach(tag, value)

    def open(self, tag: str, attrs: Attrs = None) -> None:
        typ, values = self._start(tag, attrs)
        self._stack.append((tag, typ, values))

    def cap(self, type_: str, attrs: Attrs = None) -> None:
        self.open("capability", {"type": type_, **attrs} if attrs else {"type": type_})

    def close(self) -> None:
        tag, _, values = self._stack.pop()
        self._attach(tag, values or None)

    def raw(self, xml: str) -> None:
        raise NeedsTree


def _replay(elem: etree._Element, out: JsonOut) -> None:
    """Feed a parsed element to ``out`` as an emitter would."""
    children = [child for child in elem if isinstance(child.tag, str)]
    attrs = dict(elem.attrib) if elem.attrib else None
    tag = str(elem.tag)
    if not children:
        out.leaf(tag, elem.text, attrs)
        return
    out.open(tag, attrs)
    for child in children:
        _replay(child, out)
    out.close()


def _valid(root: etree._Element, profile: str) -> bool:
    grammar, lock = relaxng_with_lock(profile)
    with lock:
        return bool(grammar.validate(root))


def to_json_data(root: etree._Element, profile: Profile = "enriched") -> dict[str, Any]:
    """The decoded document (a JSON-ready dict).  The document must be valid: an invalid
    one raises xmlschema's validation error.  :class:`ValueError` for an unknown profile."""
    out = JsonOut(profile)
    if _valid(root, profile):
        try:
            _replay(root, out)
        except _Unplanned:
            pass
        else:
            if isinstance(out.root, dict):
                return out.root
    return decode_with_xmlschema(root, profile)


def device_json_data(device: Device, profile: Profile = "enriched") -> dict[str, Any]:
    """The decoded document of a scanned device, as ``to_json_data(to_element(device,
    profile), profile)`` gives it, built without an XML tree.  :class:`ValueError` for
    an unknown profile."""
    from .document import emit_device, to_element

    out = JsonOut(profile)
    try:
        emit_device(out, device, profile)
    except (NeedsTree, _Unplanned):
        return to_json_data(to_element(device, profile), profile)
    if not isinstance(out.root, dict):  # pragma: no cover - a <device> decodes to a dict
        return to_json_data(to_element(device, profile), profile)
    return out.root


# -- JSON text -----------------------------------------------------------------------------

_ESCAPE: Callable[[str], str] = json.encoder.encode_basestring_ascii


def _encode(value: Any, indent: str, parts: list[str]) -> None:
    """``value`` as ``json.dump(value, indent=2)`` writes it, appended to ``parts``."""
    kind = value.__class__
    if kind is str:
        parts.append(_ESCAPE(value))
    elif kind is dict:
        if not value:
            parts.append("{}")
            return
        inner = indent + "  "
        separator = "{\n" + inner
        for key, item in value.items():
            parts.append(separator)
            parts.append(_ESCAPE(key))
            parts.append(": ")
            _encode(item, inner, parts)
            separator = ",\n" + inner
        parts.append("\n" + indent + "}")
    elif kind is list:
        if not value:
            parts.append("[]")
            return
        inner = indent + "  "
        separator = "[\n" + inner
        for item in value:
            parts.append(separator)
            _encode(item, inner, parts)
            separator = ",\n" + inner
        parts.append("\n" + indent + "]")
    elif value is None:
        parts.append("null")
    elif kind is bool:
        parts.append("true" if value else "false")
    elif kind is int:
        parts.append(int.__repr__(value))
    else:  # anything else (never in a decoded document): the json module's own spelling
        parts.append(json.dumps(value))


def write_json(documents: Iterable[dict[str, Any]], out: IO[str]) -> None:
    """Write the decoded documents as one JSON array, exactly as ``json.dump(list(documents),
    out, indent=2)`` does, and a newline; faster (no generator per nesting level)."""
    parts: list[str] = []
    separator = "[\n  "
    for document in documents:
        parts.append(separator)
        _encode(document, "  ", parts)
        separator = ",\n  "
        if len(parts) > 4096:
            out.write("".join(parts))
            parts.clear()
    parts.append("\n]\n" if separator != "[\n  " else "[]\n")
    out.write("".join(parts))
