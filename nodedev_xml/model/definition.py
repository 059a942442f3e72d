"""A persistent vHBA definition: a named create request with its own WWNs.

The document (``<vhba name=...>``) is read and written by
:mod:`nodedev_xml.xml.definition`; the state directory that keeps one file per
definition is :mod:`nodedev_xml.vhba.store`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from ..errors import DefinitionError
from ..wwn import WWN
from .device import Parent
from .request import CreateRequest

__all__ = ["NAME_RULE", "Definition", "DefinitionDraft", "check_name", "is_name"]

_NAME: Final = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
#: What a definition name may be, in words.
NAME_RULE: Final = "a letter or digit, then up to 63 letters, digits, '_', '.' or '-'"


def is_name(text: str) -> bool:
    """Whether ``text`` is a safe definition name (see :func:`check_name`)."""
    return _NAME.fullmatch(text) is not None


def check_name(name: str) -> str:
    """``name`` when it is a safe definition name (it becomes a file name, so it
    can never hold a ``/`` or start with a dot); else :class:`DefinitionError`."""
    if not is_name(name):
        raise DefinitionError(f"invalid definition name {name!r}: expected {NAME_RULE}")
    return name


@dataclass(frozen=True, slots=True)
class Definition:
    """A saved vHBA definition: always with its own WWNN and WWPN; ``luns`` the
    WWIDs of the LUNs it expects to see (``vhba start`` waits for them)."""

    name: str
    wwnn: WWN
    wwpn: WWN
    parent: Parent | None = None
    autostart: bool = False
    luns: tuple[str, ...] = ()

    def request(self) -> CreateRequest:
        """The create request that starts this vHBA."""
        return CreateRequest(parent=self.parent, wwnn=self.wwnn, wwpn=self.wwpn)

    @property
    def wwns(self) -> frozenset[WWN]:
        return frozenset((self.wwnn, self.wwpn))


@dataclass(frozen=True, slots=True)
class DefinitionDraft:
    """A definition as given to ``vhba define``: the WWNs may be missing (they are
    generated once), ``autostart`` ``None`` keeps the saved flag (a new one: no).
    Raises :class:`DefinitionError` for a bad name or half a WWN pair."""

    name: str
    parent: Parent | None = None
    wwnn: WWN | None = None
    wwpn: WWN | None = None
    autostart: bool | None = None
    luns: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_name(self.name)
        if (self.wwnn is None) != (self.wwpn is None):
            raise DefinitionError(
                "a definition gives the vHBA's WWNN and WWPN together, or neither"
            )
