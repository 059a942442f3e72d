"""The capability table (``xml/codec.py`` ``CAPABILITIES``) names every capability
of ``model/caps.py``, and each row's emit and parse are inverse.

The capability classes are found by reading the model, not from a list here: the
classes of ``model/caps.py`` whose docstring names a ``<capability type='…'>``,
the members of :data:`~nodedev_xml.model.Capability`, and the fields of a
capability that hold one.  The examples are what the scan makes of every
fixture tree.
"""

from __future__ import annotations

import dataclasses
import re
import types
import typing
from collections import defaultdict
from functools import cache
from typing import Any

import pytest
from conftest import FIXTURES, scenarios

import nodedev_xml as nx
from nodedev_xml import vocabulary
from nodedev_xml.events import device_changes
from nodedev_xml.model import Device, RawCapability, ScsiHost, caps
from nodedev_xml.xml import codec
from nodedev_xml.xml.out import TreeOut
from nodedev_xml.xml.safe import parse_xml

_NAMED = re.compile(r"``<capability type='([a-z_]+)'>``")


def _classes() -> list[type]:
    """Every class ``model/caps.py`` defines."""
    return [c for c in vars(caps).values()
            if isinstance(c, type) and c.__module__ == caps.__name__]  # fmt: skip


def _capability_classes() -> dict[type, str]:
    """The classes whose docstring says which ``<capability>`` they are, and that type."""
    found: dict[type, str] = {}
    for cls in _classes():
        m = _NAMED.match(cls.__doc__ or "")
        if m:
            found[cls] = m.group(1)
    return found


def _held(cls: type) -> dict[str, type]:
    """The fields of ``cls`` whose declared type is a capability class, and that class."""
    hints = typing.get_type_hints(cls)
    out: dict[str, type] = {}
    for f in dataclasses.fields(cls):
        for member in typing.get_args(hints[f.name]) or (hints[f.name],):
            if member in _capability_classes():
                out[f.name] = member
    return out


def test_the_model_finds_capability_classes() -> None:
    # The introspection itself: it sees the capabilities it must see.
    found = _capability_classes()
    assert len(found) >= 11
    assert {ScsiHost, caps.FCHost, caps.PCIVpd} <= set(found)
    assert caps.Adapter not in found  # <adapter> is an element, no capability


@pytest.mark.parametrize("cls", sorted(_capability_classes(), key=str),
                         ids=lambda c: str(getattr(c, "__name__", c)))  # fmt: skip
def test_every_capability_class_is_in_the_table(cls: type) -> None:
    assert cls.cap_type == _capability_classes()[cls]  # type: ignore[attr-defined]
    rows = [row for row in codec.CAPABILITIES if row.model is cls]
    assert len(rows) == 1, f"{cls.__name__} is in the capability table {len(rows)} times"
    assert rows[0].type == cls.cap_type  # type: ignore[attr-defined]


def test_the_table_holds_capabilities_only_once_each() -> None:
    types_ = [row.type for row in codec.CAPABILITIES]
    assert len(types_) == len(set(types_))
    assert {row.model for row in codec.CAPABILITIES} == set(_capability_classes())
    # Nothing else in the model claims a type.
    claimed = {c for c in _classes() if "cap_type" in vars(c)}
    assert claimed == set(_capability_classes()) | {RawCapability}


def test_each_holder_names_the_capabilities_it_holds() -> None:
    # A device's capabilities are the members of Capability; each holds, in the
    # fields named after their types, exactly the nested ones it declares.
    members = set(typing.get_args(caps.Capability))
    assert members == {c for c in _capability_classes() if _held_by(c) is None} | {RawCapability}
    for cls in members - {RawCapability}:
        held = _held(cls)
        assert set(cls.nested) == set(held), cls.__name__
        for name, inner in held.items():
            assert inner.cap_type == name  # type: ignore[attr-defined]
            assert not _held(inner), "capabilities nest one level deep"
            # what virsh nodedev-list --cap lists the holder under: a name or none
            assert inner.listed_as in (None, *vocabulary.LIST_CAPS)  # type: ignore[attr-defined]


def _held_by(cls: type) -> type | None:
    return next((h for h in _capability_classes() if cls in _held(h).values()), None)


@cache
def _examples() -> dict[type, list[Any]]:
    """Every capability instance the scan makes of the fixture trees, by class."""
    found: dict[type, list[Any]] = defaultdict(list)

    def walk(value: Any) -> None:
        if isinstance(value, tuple):
            for v in value:
                walk(v)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            if type(value) in _capability_classes() and value not in found[type(value)]:
                found[type(value)].append(value)
            for f in dataclasses.fields(value):
                walk(getattr(value, f.name))

    for scenario in scenarios():
        inventory = nx.scan(str(FIXTURES / scenario))
        for device in (inventory.computer, *inventory.values()):
            walk(device.capabilities)
    return found


@pytest.mark.parametrize("row", codec.CAPABILITIES, ids=lambda r: r.type)
def test_emit_and_parse_are_inverse(row: codec.CapRow[Any]) -> None:
    examples = _examples()[row.model]
    assert examples, f"no fixture tree has a {row.type} capability to try"
    for cap in examples:
        out = TreeOut()
        row.emit(out, cap, "enriched")
        assert out.root is not None
        assert out.root.tag == "capability" and out.root.get("type") == row.type
        assert row.parse(out.root) == cap


def test_an_unmodelled_capability_round_trips_verbatim() -> None:
    xml = ("<device>\n  <name>computer</name>\n  <capability type='system'>\n"
           "    <hardware>\n      <vendor>ACME</vendor>\n    </hardware>\n"
           "  </capability>\n</device>\n")  # fmt: skip
    device = nx.from_xml(xml)
    kept = '<capability type="system"><hardware><vendor>ACME</vendor></hardware></capability>'
    assert device.capabilities == (RawCapability("system", kept),)
    assert device.cap_names() == {"system"}
    assert nx.to_xml(device) == xml.replace("'", '"')
    # A nested capability's type at the top of a document is no such capability.
    el = parse_xml("<capability type='fc_host'><wwnn>1</wwnn></capability>")
    assert codec.parse_capability(el) == RawCapability("fc_host", codec.verbatim(el))


def test_cap_names_and_the_watch_read_the_types() -> None:
    host = ScsiHost(host=5, fc_host=caps.FCHost(nx.WWN(1), nx.WWN(2)),
                    vport_ops=caps.VportOps(max_vports=255, vports=0))  # fmt: skip
    device = Device("scsi_host5", (host,))
    assert device.cap_names() == {"scsi_host", "fc_host", "vports"}
    bare = Device("scsi_host5", (ScsiHost(host=5),))
    assert bare.cap_names() == {"scsi_host"}
    pci = Device("pci_0000_04_00_0", (caps.PCI(nx.PCIAddress(0, 4, 0, 0)),))
    changes = device_changes(pci, dataclasses.replace(pci, capabilities=(*pci.capabilities, host)))
    assert [str(c) for c in changes] == ["capability scsi_host (none) -> present"]


def test_the_union_is_a_runtime_union() -> None:
    # codec reads Capability's members at import: it must stay a union of classes.
    assert isinstance(caps.Capability, types.UnionType)
