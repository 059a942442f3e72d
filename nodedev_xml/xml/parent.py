"""``<parent>`` both ways: a device document's parent name, or the parent HBA a
create document names by WWNN and WWPN or by fabric WWN."""

from __future__ import annotations

from ..model import Parent
from ..wwn import WWN
from . import codec
from .out import El, Out


def emit_parent(out: Out, p: Parent) -> None:
    """``<parent>``: the name as text, the WWNs as attributes."""
    attrs: dict[str, str] = {}
    if p.wwnn is not None:
        attrs["wwnn"] = str(p.wwnn)
    if p.wwpn is not None:
        attrs["wwpn"] = str(p.wwpn)
    if p.fabric_wwn is not None:
        attrs["fabric_wwn"] = str(p.fabric_wwn)
    out.leaf("parent", p.name, attrs)


def parse_parent(el: El) -> Parent:
    """The :class:`Parent` of a ``<parent>`` element; :class:`XMLInputError` for a
    malformed WWN or half a WWNN/WWPN pair."""
    text = (el.text or "").strip()

    def wwn(attr: str) -> WWN | None:
        return codec.opt_attr(el, attr, WWN.parse_strict, codec.WWN_WHAT)

    wwnn, wwpn = wwn("wwnn"), wwn("wwpn")
    if (wwnn is None) != (wwpn is None):
        raise codec.fail(el, "<parent> has only one of wwnn and wwpn; expected both")
    return Parent(name=text or None, wwnn=wwnn, wwpn=wwpn, fabric_wwn=wwn("fabric_wwn"))
